"""Read-after-write verification of import writes, over the sandbox's tracker behaviours.

#37: an upsert whose email matches contact A and phone contact B updates A and silently
drops the phone. bulkio reports it (``not-stored``), fails it with ``--strict``, and with
``--snapshot`` sees it before sending (``split-match``, ``--on-split-match skip``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from bulkio.cli import main

PHONE = "+525512345678"


def _run(sandbox: Any, *args: str) -> Result:
    argv = [*args, "--base-url", sandbox.url, "--location-id", sandbox.location_id, "--json"]
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token},
                              catch_exceptions=False)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _split_file(sandbox: Any, tmp_path: Path) -> Path:
    sandbox.admin.seed(sandbox.location_id, contacts=[
        {"email": "ana@ejemplo.mx", "firstName": "Ana"},
        {"phone": PHONE, "firstName": "Beto"},
    ])  # fmt: skip
    path = tmp_path / "split.csv"
    path.write_text(f"Nombre,Email,Phone\nAna,ana@ejemplo.mx,{PHONE}\n", encoding="utf-8")
    return path


def _ana(sandbox: Any) -> dict[str, Any]:
    return next(c for c in sandbox.admin.contacts(sandbox.location_id)
                if c.get("email") == "ana@ejemplo.mx")


def test_split_match_37_phone_dropped_is_a_not_stored_warning(sandbox: Any,
                                                             tmp_path: Path) -> None:
    """#37: the upsert answers 200 without the phone; the success file says so."""
    path = _split_file(sandbox, tmp_path)
    result = _run(sandbox, "import", str(path))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["warnings"] == {"not-stored": 1}
    [row] = _read(tmp_path / "split.success.csv")
    assert row["_warnings"] == f"not-stored: phone: sent '{PHONE}', stored nothing"
    assert "phone" not in _ana(sandbox)


def test_split_match_37_strict_fails_the_row(sandbox: Any, tmp_path: Path) -> None:
    """#37 with --strict: exit 3 and the row is in the failure file with its reason."""
    path = _split_file(sandbox, tmp_path)
    result = _run(sandbox, "import", str(path), "--strict")
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["by_error"] == {"not-stored": 1}
    [row] = _read(tmp_path / "split.failures.csv")
    assert row["_error_code"] == "not-stored"
    assert row["_error_message"] == f"phone: sent '{PHONE}', stored nothing"
    assert row["Email"] == "ana@ejemplo.mx"


def test_split_match_37_seen_before_sending_with_snapshot(sandbox: Any,
                                                          tmp_path: Path) -> None:
    """#37 seen by the --snapshot lookup: a split-match warning, then not-stored."""
    path = _split_file(sandbox, tmp_path)
    result = _run(sandbox, "import", str(path), "--snapshot")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warnings"] == {"not-stored": 1, "split-match": 1}
    [row] = _read(tmp_path / "split.success.csv")
    assert "split-match: the email belongs to contact" in row["_warnings"]


def test_split_match_37_skip_sends_nothing(sandbox: Any, tmp_path: Path) -> None:
    """#37 with --on-split-match skip: the row fails as split-match and is not upserted."""
    path = _split_file(sandbox, tmp_path)
    sandbox.admin.clear_requests()
    result = _run(sandbox, "import", str(path), "--snapshot", "--on-split-match", "skip")
    assert result.exit_code == 3, result.output
    [row] = _read(tmp_path / "split.failures.csv")
    assert row["_error_code"] == "split-match"
    sent = [r["path"] for r in sandbox.admin.requests(sandbox.location_id)]
    assert "/contacts/upsert" not in sent
    assert "phone" not in _ana(sandbox)


def test_values_stored_as_sent_raise_no_warning(sandbox: Any, tmp_path: Path) -> None:
    """Case of emails, phone format, tags and dates normalised by the API are not warnings."""
    path = tmp_path / "ok.csv"
    path.write_text("Nombre,Email,Phone,Tags,Fecha de nacimiento\n"
                    "Ana,ANA@Ejemplo.mx,+52 55 1234 5678, VIP ,15/03/1990\n", encoding="utf-8")
    result = _run(sandbox, "import", str(path), "--tags", "replace")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warnings"] == {}
    [ana] = sandbox.admin.contacts(sandbox.location_id)
    assert ana["tags"] == ["vip"] and ana["dateOfBirth"].startswith("1990-03-15")


def test_gender_313_kept_on_upsert_of_existing_contact_is_not_stored(sandbox: Any,
                                                                    tmp_path: Path) -> None:
    """#313: the upsert answers 200 and keeps the stored gender; the warning names both."""
    sandbox.admin.seed(sandbox.location_id,
                       contacts=[{"email": "gala@ejemplo.mx", "gender": "female"}])
    path = tmp_path / "g.csv"
    path.write_text("Email,Gender\ngala@ejemplo.mx,male\n", encoding="utf-8")
    result = _run(sandbox, "import", str(path))
    assert result.exit_code == 0, result.output
    [row] = _read(tmp_path / "g.success.csv")
    assert row["_warnings"] == "not-stored: gender: sent 'male', stored 'female'"
    strict = _run(sandbox, "import", str(path), "--strict", "--force")
    assert strict.exit_code == 3
    assert json.loads(strict.stdout)["by_error"] == {"not-stored": 1}


def test_additional_email_337_swap_is_reported_with_snapshot(sandbox: Any,
                                                            tmp_path: Path) -> None:
    """#337: the row's email was an additional email; it became primary, the old one lost."""
    [cid] = sandbox.admin.seed(sandbox.location_id, contacts=[
        {"email": "vieja@ejemplo.mx", "additionalEmails": ["nueva@ejemplo.mx"],
         "phone": PHONE}])  # fmt: skip
    path = tmp_path / "e.csv"
    path.write_text(f"Email,Phone,Nombre\nnueva@ejemplo.mx,{PHONE},Eva\n", encoding="utf-8")
    result = _run(sandbox, "import", str(path), "--snapshot")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warnings"] == {"email-swapped": 1}
    [row] = _read(tmp_path / "e.success.csv")
    assert row["_warnings"] == (
        f"email-swapped: nueva@ejemplo.mx was an additional email of contact {cid}: the API "
        "made it the primary email and the previous primary email 'vieja@ejemplo.mx' is lost")
    [stored] = sandbox.admin.contacts(sandbox.location_id)
    assert stored["email"] == "nueva@ejemplo.mx"


def test_additional_email_337_without_phone(sandbox: Any, tmp_path: Path) -> None:
    """#337 when no lookup finds the contact: reported without the lost value."""
    [cid] = sandbox.admin.seed(sandbox.location_id, contacts=[
        {"email": "vieja@ejemplo.mx", "additionalEmails": ["nueva@ejemplo.mx"]}])
    path = tmp_path / "e.csv"
    path.write_text("Email,Nombre\nnueva@ejemplo.mx,Eva\n", encoding="utf-8")
    result = _run(sandbox, "import", str(path), "--snapshot")
    assert result.exit_code == 0, result.output
    [row] = _read(tmp_path / "e.success.csv")
    assert row["_warnings"].endswith(f"of contact {cid}: the API made it the primary email "
                                     "and the previous primary email is lost")
