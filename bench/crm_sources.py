"""Which fields of other CRMs' exports arrive in HighLevel without a mapping file?

Imports each sample of ``samples/crm/`` (one realistic export per source, written from the
vendor's documented export columns) into a fresh location of an in-process Sandbox with
nothing but ``bulkio import FILE --default-region MX`` (no --map, no --from), then compares
what the location holds with ``samples/crm/expected.json`` (written by hand) and prints,
per source, the expected fields that arrived, the share, and the ones that did not.

    .venv/bin/python bench/crm_sources.py
    .venv/bin/python bench/crm_sources.py --samples /path/to/samples/crm   # another tree

It only drives the CLI and the sandbox's admin API, so the same script measures an older
checkout (``PYTHONPATH=<checkout> python bench/crm_sources.py --samples samples/crm``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from shutil import copyfile
from typing import Any

from click.testing import CliRunner

from bulkio.cli import main
from bulkio.sandbox import Sandbox

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "crm"


def arrived(contact: dict[str, Any] | None, field: str, value: str) -> bool:
    """Whether ``contact`` holds ``value`` in ``field`` (``name``: first + last)."""
    if contact is None:
        return False
    if field == "name":
        held = f"{contact.get('firstName') or ''} {contact.get('lastName') or ''}".strip()
        return held == value
    got = contact.get(field)
    if field == "dateOfBirth" and isinstance(got, str):
        return got[:10] == value
    return got == value


def measure(sandbox: Sandbox, path: Path, expected: dict[str, dict[str, str]],
            workdir: Path) -> tuple[int, int, list[str], int]:
    """(arrived, expected, missing "email: field", exit code) for one sample."""
    location, token = sandbox.admin.create_location()
    copy = workdir / path.name
    copyfile(path, copy)
    result = CliRunner().invoke(
        main, ["import", str(copy), "--default-region", "MX", "--base-url", sandbox.url,
               "--location-id", location, "--out-dir", str(workdir / path.stem)],
        env={"BULKIO_TOKEN": token}, catch_exceptions=False)  # fmt: skip
    contacts = {str(c.get("email")): c for c in sandbox.admin.contacts(location)}
    got, total, missing = 0, 0, []
    for email, fields in expected.items():
        for field, value in fields.items():
            total += 1
            if arrived(contacts.get(email), field, value):
                got += 1
            else:
                missing.append(f"{email.split('@')[0]}: {field}")
    return got, total, missing, result.exit_code


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    args = parser.parse_args()
    expected = json.loads((args.samples / "expected.json").read_text(encoding="utf-8"))
    files = [k for k in expected if not k.startswith("_")]
    print(f"{'source':<20} {'arrived':>8} {'share':>6}  exit  missing")
    all_got = all_total = 0
    with Sandbox(None, rate_limit=None, daily_limit=None) as sandbox, \
            tempfile.TemporaryDirectory() as tmp:
        for name in files:
            got, total, missing, code = measure(sandbox, args.samples / name, expected[name],
                                                Path(tmp))
            all_got += got
            all_total += total
            shown = ", ".join(missing[:6]) + (f", ... ({len(missing)})" if len(missing) > 6
                                               else "")
            print(f"{name:<20} {got:>3}/{total:<4} {got / total:>6.2f}  {code:>4}  {shown}")
    print(f"{'all':<20} {all_got:>3}/{all_total:<4} {all_got / all_total:>6.2f}")


if __name__ == "__main__":
    main_()
