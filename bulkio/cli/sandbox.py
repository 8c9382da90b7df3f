"""``bulkio sandbox``: run, reset and inspect the local API emulator; manage its custom fields."""

from __future__ import annotations

import asyncio
import errno
import json
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import click

from bulkio.api.client import Client
from bulkio.api.wire import API_VERSIONS
from bulkio.cli import main
from bulkio.cli.options import emit_json, json_option
from bulkio.config import Settings
from bulkio.errors import (
    BulkioError,
    ConfigError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from bulkio.i18n import _
from bulkio.runs.home import find_state_home, sandbox_db_in
from bulkio.sandbox.fields import (
    FIELD_TYPES,
    OPTION_TYPES,
    FieldError,
    add_field,
    copy_fields,
    remove_field,
)
from bulkio.sandbox.storage import Store, StoreError

DEFAULT_DB = ".bulkio/sandbox.db"


def _state_db() -> Path:
    """``sandbox.db`` in the state home (the nearest .bulkio/ from here up), the one
    ``--sandbox`` uses."""
    return sandbox_db_in(find_state_home())


@main.group()
def sandbox() -> None:
    """Run the local emulator of the HighLevel Contacts API v3.

    \b
    Example:
      bulkio sandbox serve --port 8765
    """


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


_FAULTS_EXAMPLE = '{"p503": 0.05, "drop_after_commit": 0.01}'


def _fault_plan(ctx: click.Context, param: click.Parameter, value: str | None
                ) -> dict[str, Any] | None:  # fmt: skip
    """--faults: a JSON object the fault injector accepts; the error shows an example."""
    if value is None:
        return None
    from bulkio.sandbox.faults import FaultPlan

    example = f"e.g. --faults '{_FAULTS_EXAMPLE}'"
    try:
        plan = json.loads(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(_("not valid JSON ({msg}); {example}").format(
            msg=exc.msg, example=example)) from exc
    if not isinstance(plan, dict):
        raise click.BadParameter(_("expected a JSON object {{...}}; {example}").format(
            example=example))
    try:
        FaultPlan.from_json(plan)
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(f"{exc}; {example}") from exc
    return plan


_PORT_HINT = "pick another with --port or use --port 0"


@sandbox.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path),
              default=_state_db, show_default=DEFAULT_DB,
              help="SQLite file holding the sandbox's contacts.")
@click.option("--rate-limit", type=click.IntRange(min=0), default=100, show_default=True,
              help="Requests per interval per location (0 = off).")
@click.option("--rate-interval-ms", type=click.IntRange(min=1), default=10_000,
              show_default=True, help="Length of the sliding rate-limit window.")
@click.option("--daily-limit", type=click.IntRange(min=0), default=200_000, show_default=True,
              help="Requests per day per location (0 = off).")
@click.option("--latency-ms", type=click.IntRange(min=0), default=0, show_default=True,
              help="Latency added to every API request (0 = none).")
@click.option("--faults", "faults", default=None, metavar="JSON", callback=_fault_plan,
              help=f"Fault plan, e.g. '{_FAULTS_EXAMPLE}'.")
@click.option("--search-lag-ms", type=click.IntRange(0, 600_000), default=0, show_default=True,
              help="Search and duplicate lookups see each write this long after it, as the "
                   "real API's index (0 = at once).")
@json_option
def serve(
    *, port: int, db: Path, rate_limit: int, rate_interval_ms: int, daily_limit: int,
    latency_ms: int, faults: dict[str, Any] | None, search_lag_ms: int, as_json: bool,
) -> None:  # fmt: skip
    """Serve the emulator on 127.0.0.1 until Ctrl-C (or SIGTERM).

    \b
    Example:
      bulkio sandbox serve --port 8765 --db .bulkio/sandbox.db

    Prints the base URL, the location id and the token to use with it (--json: one JSON
    line with base_url, location_id, token, database, for a script to read).

    \b
    Exit codes: 0 stopped with Ctrl-C or SIGTERM; 1 cannot start (port in use, bad
    --db file: one line says which); 2 usage error.
    """
    from bulkio.sandbox import Sandbox

    try:
        sb = Sandbox(
            db, port=port, rate_limit=rate_limit, rate_interval_ms=rate_interval_ms,
            daily_limit=daily_limit, latency_ms=latency_ms, faults=faults,
            search_lag_ms=search_lag_ms,
        )  # fmt: skip
    except StoreError as exc:
        raise _abort_for(exc) from exc
    try:
        sb.start()
    except (RuntimeError, OSError) as exc:
        sb.store.close()
        if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
            raise _Abort(f"port {port} is in use; {_PORT_HINT}") from exc
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise _Abort(f"cannot listen on 127.0.0.1:{port} ({reason}); {_PORT_HINT}") from exc
    if as_json:
        emit_json({"base_url": sb.url, "location_id": sb.location_id, "token": sb.token,
                   "database": str(db)})
    else:
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
    # stop cleanly on SIGTERM (kill, service managers) as on Ctrl-C
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()


@sandbox.command()
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path),
              default=_state_db, show_default=DEFAULT_DB, help="SQLite file of the sandbox.")
def reset(*, db: Path) -> None:
    """Delete every contact, note, task and custom field in the sandbox database.

    \b
    Example:
      bulkio sandbox reset --db .bulkio/sandbox.db

    The default location id and its token stay the same.
    """
    with _open_store(db, create=False) as store:
        if store is None:
            click.echo(f"{db}: no sandbox database there, nothing to reset", err=True)
            return
        store.reset()
    click.echo(f"{db}: sandbox reset", err=True)


@sandbox.command()
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path),
              default=_state_db, show_default=DEFAULT_DB, help="SQLite file of the sandbox.")
@json_option
def status(*, db: Path, as_json: bool) -> None:
    """Show what the sandbox database holds (counts per kind of record).

    \b
    Example:
      bulkio sandbox status --db .bulkio/sandbox.db
    """
    with _open_store(db, create=False) as store:
        if store is None:
            raise _Abort(f"{db}: no sandbox database yet; start one with: bulkio sandbox serve")
        if as_json:
            emit_json({"database": str(db), "location_id": store.default_location_id,
                       "counts": store.counts()})
            return
        click.echo(f"database:      {db}")
        click.echo(f"location id:   {store.default_location_id}")
        for name, count in store.counts().items():
            click.echo(f"{name + ':':<15}{count}")


# ---------------------------------------------------------------------------- fields
_DB_OPTION = click.option(
    "--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=_state_db,
    show_default=True, help="SQLite file of the sandbox (the one --sandbox uses).",
)  # fmt: skip


class _Abort(click.ClickException):
    """One line on stderr, exit code 1 (bad input), never a traceback."""

    exit_code = 1


def _abort_for(exc: BulkioError) -> _Abort:
    message = str(exc)
    return _Abort(f"{message} (hint: {exc.hint})" if exc.hint else message)


@contextmanager
def _open_store(db: Path, *, create: bool) -> Iterator[Store | None]:
    """The sandbox database, or None when it does not exist and ``create`` is False.

    A missing folder (a mistyped --db) or a file the store refuses ends the command with
    one line naming the file and what to do, exit 1.
    """
    if not create and not db.exists():
        if db.parent.is_dir() or db == _state_db():  # a fresh folder has no .bulkio/
            yield None
            return
        raise _Abort(f"{db}: no such folder {db.parent} (hint: check the --db path)")
    try:
        store = Store(db)
    except StoreError as exc:
        raise _abort_for(exc) from exc
    try:
        yield store
    finally:
        store.close()


def _describe(field: dict[str, Any]) -> str:
    options = ", ".join(str(o) for o in field.get("picklistOptions") or [])
    return f"{field['name']} ({field['fieldKey']}, {field['dataType']}" + (
        f": {options})" if options else ")"
    )


def _field_type(ctx: click.Context, param: click.Parameter, value: str) -> str:
    kind = value.strip().upper()
    if kind not in FIELD_TYPES:
        raise click.BadParameter(_("{value} is not one of {names}").format(
            value=repr(value), names=', '.join(FIELD_TYPES)))
    return kind


@sandbox.group()
def fields() -> None:
    """Add, list, remove or copy the custom fields of the sandbox location.

    \b
    Example:
      bulkio sandbox fields add Plan --type SINGLE_OPTIONS --options Básico,Pro,Empresarial

    \b
    A mapping file that names a custom field needs the sandbox location to have it, as
    your real sub-account does. Copy them all from the real location with:
      BULKIO_TOKEN=... bulkio sandbox fields copy --from-location-id <real location id>
    """


@fields.command("add")
@click.argument("name")
@click.option("--type", "data_type", required=True, metavar="TYPE", callback=_field_type,
              help=f"One of {', '.join(FIELD_TYPES)} (any case).")
@click.option("--options", "options", metavar="A,B,C",
              help=f"Comma-separated choices (required for {', '.join(OPTION_TYPES)}).")
@click.option("--key", "field_key", metavar="contact.KEY",
              help="Field key (default: from the name, e.g. 'Fecha alta' -> contact.fecha_alta).")
@_DB_OPTION
def fields_add(
    *, name: str, data_type: str, options: str | None, field_key: str | None, db: Path
) -> None:
    """Create a custom field in the sandbox location.

    \b
    Example:
      bulkio sandbox fields add Plan --type SINGLE_OPTIONS --options Básico,Pro,Empresarial
      bulkio sandbox fields add "Fecha de alta" --type date --key contact.fecha_alta

    \b
    Exit codes: 0 created; 1 a field with that name or key exists, or a bad
    definition (one line says why); 2 usage error (e.g. unknown --type).
    """
    choices = options.split(",") if options is not None else None
    with _open_store(db, create=True) as store:
        assert store is not None
        try:
            field = add_field(
                store, store.default_location_id, name=name, data_type=data_type,
                options=choices, field_key=field_key,
            )  # fmt: skip
        except FieldError as exc:
            raise _abort_for(exc) from exc
    click.echo(f"{db}: added custom field {_describe(field)}", err=True)
    click.echo(field["id"])


@fields.command("list")
@_DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the definitions as JSON.")
def fields_list(*, db: Path, as_json: bool) -> None:
    """List the sandbox location's custom fields (id, key, type, name, options).

    \b
    Example:
      bulkio sandbox fields list
      bulkio sandbox fields list --json --db rehearsal.db
    """
    with _open_store(db, create=False) as store:
        items = store.custom_fields(store.default_location_id) if store is not None else []
    if as_json:
        emit_json({"fields": items})
        return
    if not items:
        click.echo(f"{db}: no custom fields; add one with: bulkio sandbox fields add NAME "
                   "--type TYPE", err=True)  # fmt: skip
        return
    rows = [("ID", "KEY", "TYPE", "NAME", "OPTIONS")] + [
        (str(f["id"]), str(f["fieldKey"]), str(f["dataType"]), str(f["name"]),
         ",".join(str(o) for o in f.get("picklistOptions") or []))
        for f in items
    ]  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[4])


@fields.command("remove")
@click.argument("ref", metavar="NAME|KEY|ID")
@_DB_OPTION
def fields_remove(*, ref: str, db: Path) -> None:
    """Delete a custom field of the sandbox location and its values on contacts.

    \b
    Example:
      bulkio sandbox fields remove Plan
      bulkio sandbox fields remove contact.fecha_alta --db rehearsal.db

    \b
    Exit codes: 0 removed; 1 no such field (the line lists those that exist).
    """
    with _open_store(db, create=False) as store:
        if store is None:
            raise _Abort(f"{db}: no sandbox database there, so no field {ref!r}; check --db")
        try:
            field = remove_field(store, store.default_location_id, ref)
        except FieldError as exc:
            raise _abort_for(exc) from exc
    click.echo(f"{db}: removed custom field {_describe(field)}", err=True)


@fields.command("copy")
@click.option("--from-location-id", "location_id", required=True, metavar="ID",
              help="The real sub-account (location) whose custom fields to copy.")
@click.option("--base-url", envvar="BULKIO_BASE_URL", metavar="URL",
              help="API base URL [env BULKIO_BASE_URL; default "
                   "https://services.leadconnectorhq.com].")  # fmt: skip
@click.option("--api-version", type=click.Choice(API_VERSIONS), envvar="BULKIO_API_VERSION",
              help="Version header [env BULKIO_API_VERSION; default v3].")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML config file holding the token (default: BULKIO_TOKEN or the usual "
                   "config files).")  # fmt: skip
@_DB_OPTION
@json_option
def fields_copy(
    *, location_id: str, base_url: str | None, api_version: str | None, config: Path | None,
    db: Path, as_json: bool,
) -> None:  # fmt: skip
    """Copy the custom fields of your real location into the sandbox location.

    \b
    Example:
      BULKIO_TOKEN=pit-... bulkio sandbox fields copy --from-location-id ve9EPM428h8vShlRW1KT

    \b
    Reads GET /locations/{id}/customFields with the token from BULKIO_TOKEN (or the
    config file) and creates each field in the sandbox with the same name, key, type
    and options. Run it again any time: fields already there are left as they are.
    Exit codes: 0 every field mirrored; 1 aborted (token, network, bad --db); 3 some
    fields not copied (a type the sandbox lacks, or a sandbox field with the same
    name but another definition: the lines say which).
    """
    from bulkio.config import load_settings

    try:
        settings = load_settings(location_id=location_id, base_url=base_url,
                                 api_version=api_version, config_path=config)  # fmt: skip
        real = asyncio.run(_read_real_fields(settings))
    except ConfigError as exc:
        if str(exc) == "no API token":  # the generic hint offers --sandbox: not here
            exc.hint = "set BULKIO_TOKEN to the real location's token (never on the command line)"
        raise _abort_for(exc) from exc
    except (TransportError, ServerError, RateLimitedError) as exc:
        exc.hint = "check the network and --base-url, then run the copy again"
        raise _abort_for(exc) from exc
    except BulkioError as exc:
        raise _abort_for(exc) from exc
    with _open_store(db, create=True) as store:
        assert store is not None
        outcomes = copy_fields(store, store.default_location_id, real)
    for o in outcomes:
        line = f"{o.action:<11} {o.name} ({o.field_key}, {o.data_type})"
        click.echo(line + (f": {o.message}" if o.message else ""), err=True)
    counts = {a: sum(o.action == a for o in outcomes)
              for a in ("created", "unchanged", "conflict", "unsupported")}  # fmt: skip
    click.echo(
        f"{db}: {len(outcomes)} custom fields read from location {location_id}: "
        + ", ".join(f"{n} {a}" for a, n in counts.items()),
        err=True,
    )
    if as_json:
        emit_json({"database": str(db), "location_id": location_id, "counts": counts,
                   "fields": [{"action": o.action, "name": o.name, "field_key": o.field_key,
                               "data_type": o.data_type, "message": o.message or None}
                              for o in outcomes]})
    if not all(o.ok for o in outcomes):
        sys.exit(3)


async def _read_real_fields(settings: Settings) -> list[dict[str, Any]]:
    async with Client(base_url=settings.base_url, token=settings.token,
                      location_id=settings.location_id,
                      api_version=settings.api_version) as client:  # fmt: skip
        return await client.custom_fields()


# ---------------------------------------------------------------------------- agency side
def _table(rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _location_or_abort(store: Store, location_id: str | None) -> str:
    loc = location_id or store.default_location_id
    info = store.location_info(loc)
    if info is None or info["companyId"] != store.default_company_id:
        raise _Abort(f"no sandbox location {loc} (hint: see them with: bulkio sandbox "
                     "locations list)")  # fmt: skip
    return loc


_LOCATION_OPTION = click.option(
    "--location-id", "location_id", metavar="ID", default=None,
    help="Sandbox location (default: the default one; see: bulkio sandbox locations list).",
)  # fmt: skip


@sandbox.group()
def locations() -> None:
    """Add or list the sandbox's locations (sub-accounts of its agency).

    \b
    Example:
      bulkio sandbox locations add "Sucursal Norte" --address "Av. Norte 1, Monterrey"

    Each location has its own token; the agency token (``bulkio sandbox locations list``)
    exchanges for them with POST /oauth/location-token, as a real agency app does.
    """


@locations.command("add")
@click.argument("name")
@click.option("--address", default="", help="Address shown by /oauth/installed-locations.")
@click.option("--allow-duplicates", is_flag=True,
              help="Let the location hold contacts with the same email or phone.")
@_DB_OPTION
def locations_add(*, name: str, address: str, allow_duplicates: bool, db: Path) -> None:
    """Create a sandbox location; prints its id and token.

    \b
    Example:
      bulkio sandbox locations add "Sucursal Norte" --address "Av. Norte 1, Monterrey"
    """
    if not name.strip():
        raise click.BadParameter(_("a location needs a name"), param_hint="NAME")
    with _open_store(db, create=True) as store:
        assert store is not None
        loc, token = store.create_location(
            name=" ".join(name.split()), address=address.strip(),
            allow_duplicates=allow_duplicates,
        )  # fmt: skip
    click.echo(f"{db}: added location {name!r}; use it with --location-id {loc}", err=True)
    click.echo(f"{loc}\t{token}")


@locations.command("list")
@_DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the locations as JSON.")
def locations_list(*, db: Path, as_json: bool) -> None:
    """List the sandbox's locations with their tokens, and the agency token.

    \b
    Example:
      bulkio sandbox locations list --json
    """
    with _open_store(db, create=True) as store:
        assert store is not None
        items = store.locations_of(store.default_company_id)
        company, agency_token = store.default_company_id, store.default_agency_token
    if as_json:
        out = {"companyId": company, "agencyToken": agency_token, "locations": items}
        emit_json(out)
        return
    click.echo(f"company id: {company}  agency token: {agency_token}", err=True)
    _table([("ID", "TOKEN", "NAME", "ADDRESS")]
           + [(i["id"], i["token"], i["name"], i["address"]) for i in items])  # fmt: skip


@sandbox.group()
def users() -> None:
    """Add or list the users of the sandbox's agency ("Asignado a" names them).

    \b
    Example:
      bulkio sandbox users add "Juan Pérez" --email juan@agencia.mx
    """


@users.command("add")
@click.argument("name")
@click.option("--email", required=True, help="The user's email (unique in the agency).")
@click.option("--role", type=click.Choice(("user", "admin")), default="user", show_default=True)
@click.option("--location-id", "location_ids", metavar="ID", multiple=True,
              help="A location the user works in (repeatable; default: the default one).")
@_DB_OPTION
def users_add(*, name: str, email: str, role: str, location_ids: tuple[str, ...], db: Path) -> None:
    """Create a user of sandbox locations; prints the user id.

    \b
    Example:
      bulkio sandbox users add "Juan Pérez" --email juan@agencia.mx --role admin
    """
    from bulkio.sandbox.resources.users import new_user

    first, _, last = " ".join(name.split()).partition(" ")
    address = email.strip()
    if not first:
        raise click.BadParameter("a user needs a name", param_hint="NAME")
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise click.BadParameter(f"{email!r} is not an email address", param_hint="--email")
    with _open_store(db, create=True) as store:
        assert store is not None
        locs = [_location_or_abort(store, loc) for loc in location_ids or (None,)]
        company = store.default_company_id
        if any(u["email"] == address.lower() for u in store.records("users", company)):
            raise _Abort(f"a user with email {address} already exists (hint: see them with: "
                         "bulkio sandbox users list)")  # fmt: skip
        user = new_user(store, company, first_name=first, last_name=last, email=address,
                        location_ids=locs, role=role)  # fmt: skip
    click.echo(f"{db}: added user {user['name']} <{user['email']}>", err=True)
    click.echo(user["id"])


@users.command("list")
@_LOCATION_OPTION
@_DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the users as JSON.")
def users_list(*, location_id: str | None, db: Path, as_json: bool) -> None:
    """List the agency's users (or those of one location).

    \b
    Example:
      bulkio sandbox users list --location-id <id>
    """
    with _open_store(db, create=True) as store:
        assert store is not None
        items = store.records("users", store.default_company_id)
        if location_id is not None:
            loc = _location_or_abort(store, location_id)
            items = [u for u in items if loc in u["roles"]["locationIds"]]
    if as_json:
        emit_json({"users": items})
        return
    if not items:
        click.echo(f"{db}: no users; add one with: bulkio sandbox users add NAME --email E",
                   err=True)  # fmt: skip
        return
    _table([("ID", "EMAIL", "ROLE", "NAME")]
           + [(u["id"], u["email"], u["roles"]["role"], u["name"]) for u in items])  # fmt: skip


@sandbox.group()
def businesses() -> None:
    """Add or list the businesses (companies) of a sandbox location.

    \b
    Example:
      bulkio sandbox businesses add "Tacos Don Pepe SA de CV" --city Monterrey
    """


@businesses.command("add")
@click.argument("name")
@_LOCATION_OPTION
@click.option("--phone", default=None)
@click.option("--email", default=None)
@click.option("--website", default=None)
@click.option("--address", default=None)
@click.option("--city", default=None)
@click.option("--state", default=None)
@click.option("--postal-code", "postal_code", default=None)
@click.option("--country", default=None, help="ISO 3166-1 alpha-2 code, e.g. MX.")
@_DB_OPTION
def businesses_add(*, name: str, location_id: str | None, db: Path, **fields: str | None) -> None:
    """Create a business in a sandbox location; prints its id (a businessId).

    \b
    Example:
      bulkio sandbox businesses add "Tacos Don Pepe SA de CV" --city Monterrey --country MX
    """
    from bulkio.sandbox.resources.businesses import new_business

    if not name.strip():
        raise click.BadParameter(_("a business needs a name"), param_hint="NAME")
    keys = {"postal_code": "postalCode"}
    values = {keys.get(k, k): v.strip() for k, v in fields.items() if v and v.strip()}
    with _open_store(db, create=True) as store:
        assert store is not None
        loc = _location_or_abort(store, location_id)
        doc = new_business(store, loc, {"name": " ".join(name.split()), **values})
    click.echo(f"{db}: added business {doc['name']!r} to location {loc}", err=True)
    click.echo(doc["id"])


@businesses.command("list")
@_LOCATION_OPTION
@_DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the businesses as JSON.")
def businesses_list(*, location_id: str | None, db: Path, as_json: bool) -> None:
    """List the businesses of a sandbox location.

    \b
    Example:
      bulkio sandbox businesses list --json
    """
    with _open_store(db, create=True) as store:
        assert store is not None
        items = store.records("businesses", _location_or_abort(store, location_id))
    if as_json:
        emit_json({"businesses": items})
        return
    if not items:
        click.echo(f"{db}: no businesses; add one with: bulkio sandbox businesses add NAME",
                   err=True)  # fmt: skip
        return
    _table([("ID", "NAME", "CITY")] + [(b["id"], b["name"], b.get("city", "")) for b in items])
