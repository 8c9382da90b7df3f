"""``bulkio sandbox``: run, reset and inspect the local API emulator."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from bulkio.cli import main

DEFAULT_DB = ".bulkio/sandbox.db"


@main.group()
def sandbox() -> None:
    """Run the local emulator of the HighLevel Contacts API v3.

    \b
    Example:
      bulkio sandbox serve --port 8765
    """


@sandbox.command()
@click.option("--port", type=int, default=8765, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_DB, show_default=True,
              help="SQLite file holding the sandbox's contacts.")
@click.option("--rate-limit", type=int, default=100, show_default=True,
              help="Requests per interval per location (0 = off).")
@click.option("--rate-interval-ms", type=int, default=10_000, show_default=True,
              help="Length of the sliding rate-limit window.")
@click.option("--daily-limit", type=int, default=200_000, show_default=True,
              help="Requests per day per location (0 = off).")
@click.option("--latency-ms", type=int, default=0, show_default=True,
              help="Latency added to every API request.")
@click.option("--faults", "faults", default=None, metavar="JSON",
              help='Fault plan, e.g. \'{"p503": 0.05, "drop_after_commit": 0.01}\'.')
def serve(
    *, port: int, db: Path, rate_limit: int, rate_interval_ms: int, daily_limit: int,
    latency_ms: int, faults: str | None,
) -> None:  # fmt: skip
    """Serve the emulator on 127.0.0.1 until Ctrl-C.

    \b
    Example:
      bulkio sandbox serve --port 8765 --db .bulkio/sandbox.db

    Prints the base URL, the location id and the token to use with it.
    """
    from bulkio.sandbox import Sandbox

    try:
        plan = json.loads(faults) if faults else None
        if plan is not None and not isinstance(plan, dict):
            raise ValueError("expected a JSON object")
        sb = Sandbox(
            db, port=port, rate_limit=rate_limit, rate_interval_ms=rate_interval_ms,
            daily_limit=daily_limit, latency_ms=latency_ms, faults=plan,
        )  # fmt: skip
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from exc
    try:
        sb.start()
    except (RuntimeError, OSError) as exc:
        sb.store.close()
        click.echo(
            f"error: cannot listen on 127.0.0.1:{port} ({exc}); try another --port", err=True
        )
        sys.exit(1)
    click.echo(f"base URL:    {sb.url}")
    click.echo(f"location id: {sb.location_id}")
    click.echo(f"token:       {sb.token}")
    click.echo(f"database:    {db}", err=True)
    click.echo(
        f"try: BULKIO_BASE_URL={sb.url} BULKIO_LOCATION_ID={sb.location_id} "
        "BULKIO_TOKEN=<token above> bulkio ...",
        err=True,
    )
    click.echo("serving until Ctrl-C", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()


@sandbox.command()
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_DB, show_default=True, help="SQLite file of the sandbox.")
def reset(*, db: Path) -> None:
    """Delete every contact, note, task and custom field in the sandbox database.

    \b
    Example:
      bulkio sandbox reset --db .bulkio/sandbox.db

    The default location id and its token stay the same.
    """
    from bulkio.sandbox.storage import Store

    if not db.exists():
        click.echo(f"{db}: no sandbox database there, nothing to reset", err=True)
        return
    store = Store(db)
    store.reset()
    store.close()
    click.echo(f"{db}: sandbox reset", err=True)


@sandbox.command()
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_DB, show_default=True, help="SQLite file of the sandbox.")
def status(*, db: Path) -> None:
    """Show what the sandbox database holds (counts per kind of record).

    \b
    Example:
      bulkio sandbox status --db .bulkio/sandbox.db
    """
    from bulkio.sandbox.storage import Store

    if not db.exists():
        click.echo(f"{db}: no sandbox database yet; start one with: bulkio sandbox serve", err=True)
        sys.exit(1)
    store = Store(db)
    try:
        click.echo(f"database:      {db}")
        click.echo(f"location id:   {store.default_location_id}")
        for name, count in store.counts().items():
            click.echo(f"{name + ':':<15}{count}")
    finally:
        store.close()
