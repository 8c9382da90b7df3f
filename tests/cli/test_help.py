"""Every command's help: one line, then an example; ``-h`` works; exit codes at the top."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from bulkio.cli import main


def _commands(cmd: click.Command, path: list[str]) -> Iterator[list[str]]:
    yield path
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            yield from _commands(sub, [*path, name])


COMMANDS = list(_commands(main, []))


def test_every_registered_command_is_walked() -> None:
    names = {" ".join(p) for p in COMMANDS}
    assert {"", "import", "export", "check", "tags add", "sandbox serve", "runs show"} <= names


@pytest.mark.parametrize("flag", ["-h", "--help"])
@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "bulkio")
def test_help_is_one_line_then_an_example(path: list[str], flag: str) -> None:
    # 100 columns: the project's max_content_width (CONTEXT_SETTINGS).
    result = CliRunner().invoke(main, [*path, flag], terminal_width=100, prog_name="bulkio")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    blank = lines.index("")
    assert lines[0].startswith("Usage: bulkio")
    first, gap, example = lines[blank + 1 : blank + 4]
    assert first.strip() and not first.strip().startswith("Example"), lines[: blank + 4]
    assert gap == "", f"the first paragraph of {' '.join(path)!r} is more than one line"
    assert example.strip() == "Example:", lines[: blank + 5]
    assert "bulkio " in lines[blank + 4]


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "bulkio")
def test_the_first_help_line_fits_an_80_column_terminal(path: list[str]) -> None:
    # click indents the first line by 2: 76 characters leave room for an 80-column wrap
    result = CliRunner().invoke(main, [*path, "-h"], terminal_width=80, prog_name="bulkio")
    lines = result.output.splitlines()
    blank = lines.index("")
    first = lines[blank + 1].strip()
    assert lines[blank + 2] == "", f"{' '.join(path)!r}: the first help line wraps at 80"
    assert len(first) <= 76, f"{' '.join(path)!r}: {len(first)} > 76: {first}"


def test_top_level_help_documents_exit_codes_and_the_token() -> None:
    out = CliRunner().invoke(main, ["-h"], prog_name="bulkio", terminal_width=100).output
    for code in ("0  every row succeeded", "1  run aborted", "2  usage error", "3  run finished"):
        assert code in out
    assert "BULKIO_TOKEN" in out and "never the" in out
