"""No command ends in a traceback: unexpected errors become one line, exit 1."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.cli.safety_net import BulkioGroup, one_line
from bulkio.errors import InputError

TOKEN = "pit-secret-0123456789"


def _group(exc: BaseException) -> click.Group:
    @click.group(cls=BulkioGroup)
    def grp() -> None:
        """Test group."""

    @grp.command()
    def boom() -> None:
        """Raise."""
        raise exc

    return grp


@pytest.mark.parametrize(
    ("exc", "fragments"),
    [
        (FileNotFoundError(2, "No such file or directory", "/nope/x.db"),
         ["/nope/x.db: No such file or directory", "folder exists"]),
        (sqlite3.DatabaseError("file is not a database"),
         ["database error: file is not a database", "pass another path"]),
        (InputError("x.csv: bad", hint="fix it"), ["x.csv: bad (hint: fix it)"]),
        (RuntimeError(f"odd state\nwith {TOKEN}"), ["unexpected RuntimeError: odd state with ***",
                                                     "BULKIO_DEBUG=1"]),
    ],
)
def test_unexpected_errors_are_one_line_exit_1_without_the_token(
    exc: BaseException, fragments: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BULKIO_TOKEN", TOKEN)
    monkeypatch.delenv("BULKIO_DEBUG", raising=False)
    result = CliRunner().invoke(_group(exc), ["boom"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0]
    assert TOKEN not in result.output and "Traceback" not in result.output
    assert one_line(exc) == lines[0].removeprefix("Error: ")


def test_bulkio_debug_lets_the_traceback_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULKIO_DEBUG", "1")
    result = CliRunner().invoke(_group(RuntimeError("bug")), ["boom"])
    assert isinstance(result.exception, RuntimeError)


def test_click_usage_errors_keep_exit_2() -> None:
    result = CliRunner().invoke(_group(click.UsageError("bad option")), ["boom"])
    assert result.exit_code == 2 and "bad option" in result.output


def test_a_damaged_sandbox_database_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BULKIO_DEBUG", raising=False)
    damaged = tmp_path / "sandbox.db"
    damaged.write_bytes(b"this is not sqlite" * 100)
    for args in (["sandbox", "status", "--db", str(damaged)],
                 ["sandbox", "reset", "--db", str(damaged)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and result.output.strip(), result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
