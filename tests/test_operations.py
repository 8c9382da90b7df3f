"""docs/operations.md lists the 31 operations of the Contacts API v3 spec and the command
that uses each; this fails when an operation has no command, a command does not exist, or
no code of bulkio sends the operation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest

from bulkio.cli import main
from tests.spec import SPEC as _SPEC

ROOT = Path(__file__).resolve().parents[1]
# ../shared/spec beside the checkout (found from a git worktree too)
SPEC = _SPEC
SPEC_FILE = SPEC / "contacts-v3.openapi.json"
_ROW = re.compile(r"^\|\s*\d+\s*\|\s*(GET|POST|PUT|DELETE)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|(.*)\|$")

pytestmark = pytest.mark.skipif(not SPEC_FILE.exists(), reason="../shared/spec not present")


def _spec_operations() -> set[tuple[str, str]]:
    doc = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    return {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops
            if method in ("get", "post", "put", "delete", "patch")}


def _table() -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for line in (ROOT / "docs" / "operations.md").read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line.strip())
        if m:
            out[(m.group(1), m.group(2))] = re.findall(r"`(bulkio [^`]+)`", m.group(4))
    return out


def _command_exists(text: str) -> bool:
    cmd: click.Command = main
    for word in text.split()[1:]:
        if word.startswith("-"):
            return word.split("=")[0] in {o for p in cmd.params for o in p.opts}
        if not isinstance(cmd, click.Group) or word not in cmd.commands:
            return False
        cmd = cmd.commands[word]
    return True


def test_every_operation_of_the_spec_has_a_command() -> None:
    ops = _spec_operations()
    table = _table()
    assert len(ops) == 31
    missing = sorted(op for op in ops if not table.get(op))
    assert missing == [], f"operations with no command in docs/operations.md: {missing}"
    assert sorted(set(table) - ops) == []


def test_every_listed_command_exists() -> None:
    unknown = sorted({c for cmds in _table().values() for c in cmds if not _command_exists(c)})
    assert unknown == []


def test_bulkio_sends_every_operation() -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bulkio").rglob("*.py")
                     if "sandbox" not in p.parts)
    unsent = sorted(f"{m} {p}" for m, p in _spec_operations() if f'"{m} {p}"' not in code)
    assert unsent == []
