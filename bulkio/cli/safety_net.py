"""Last line of defence of the CLI: an unexpected exception becomes one line, exit 1.

Commands turn the errors they expect into ``Error: ... (hint: ...)`` themselves (see
``bulkio.cli.options.abort_on_errors``). Anything that still escapes (a file system or
SQLite error on a path nobody validated, a bug) must not greet the user with a
traceback: :class:`BulkioGroup` prints one line with a next step and exits 1.
``BULKIO_DEBUG=1`` lets the traceback through, for bug reports.
"""

from __future__ import annotations

import errno
import os
import shlex
import sys
from typing import Any

import click

from bulkio.errors import BulkioError
from bulkio.i18n import _

_REDACTED = "***"


def _redact(text: str) -> str:
    """Never print the API token, whatever an exception message happens to contain."""
    token = os.environ.get("BULKIO_TOKEN", "").strip()
    if len(token) >= 4:
        text = text.replace(token, _REDACTED)
    return text


def _is_sqlite_error(exc: BaseException) -> bool:
    # By name: only the journal module imports sqlite3 (tests/test_journal.py checks it).
    return any(
        cls.__module__ == "sqlite3" and cls.__name__ == "DatabaseError" for cls in type(exc).__mro__
    )


def one_line(exc: BaseException) -> str:
    """The ``Error: ...`` line (with a hint) for an exception no command handled."""
    if isinstance(exc, BulkioError):
        message, hint = str(exc), exc.hint
    elif isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else ""
        reason = exc.strerror or str(exc)
        message = f"{where}: {reason}" if where else reason
        hint = _("check the path, that its folder exists and that you may write there")
    elif _is_sqlite_error(exc):
        message = f"database error: {exc}"
        hint = "the --db/--sandbox-db/--journal file is damaged or not bulkio's: pass another path"
    else:
        message = f"unexpected {type(exc).__name__}: {exc}"
        hint = _("this is a bug in bulkio: re-run with BULKIO_DEBUG=1 and report the traceback")
    text = _("{message} (hint: {hint})").format(message=message, hint=_(hint)) if hint else message
    return _redact(" ".join(text.split()))


def _silence_stdout() -> None:
    """After a closed pipe: point stdout at the null device, so that the interpreter's
    last flush does not raise (and print) a second BrokenPipeError."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test runner's buffer)
        pass


class BulkioGroup(click.Group):
    """A click group whose subcommands never end in a traceback (unless BULKIO_DEBUG=1)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            # Commands that send end their run themselves (reports, resume line); this is
            # Ctrl-C anywhere else (reading a file, before a run starts): never a bare
            # "Aborted!", always the way on
            again = shlex.join(["bulkio", *sys.argv[1:]])
            click.echo(f"\nError: interrupted (Ctrl-C) (hint: run `{again}` again; `bulkio "
                       "runs` shows any run it recorded)", err=True)
            ctx.exit(1)
        except OSError as exc:
            if exc.errno == errno.EPIPE or isinstance(exc, BrokenPipeError):
                _silence_stdout()  # ``bulkio export -o - | head -1``: the reader has enough
                ctx.exit(0)
            if os.environ.get("BULKIO_DEBUG"):
                raise
            click.echo(f"Error: {one_line(exc)}", err=True)
            ctx.exit(1)
        except Exception as exc:
            if os.environ.get("BULKIO_DEBUG"):
                raise
            click.echo(f"Error: {one_line(exc)}", err=True)
            ctx.exit(1)
