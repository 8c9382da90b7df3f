"""``--locations``: one command run for several sub-accounts in one process.

Every API command takes ``--locations all|NAME,NAME|FILE``. Each location runs the command
as if it were given alone (its own client and pacer, its own run lock and journal scope,
its own report names), several at a time (each location has its own rate budget); a
location that fails (401, quota, network) does not stop the others. A table of outcomes
follows, and the exit code is the worst one (2 > 1 > 3 > 0).

The names are profiles of the config file (``all``: every location profile); with an
agency ``--profile``, location ids (``all``: every sub-account where the app is
installed); with ``--sandbox``, the sandbox's locations by name or id (``all``: every one).
A FILE holds one name a line (``#`` comments).
"""

from __future__ import annotations

import asyncio
import csv
import io
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from bulkio.config import load_profiles
from bulkio.errors import BulkioError, ConfigError
from bulkio.files.safe_write import write_text_atomic
from bulkio.i18n import _
from bulkio.reports.reporter import LOCATED_REPORTS

__all__ = [
    "Destination",
    "resolve_locations",
    "route_for_import",
    "route_rows",
    "run_for_locations",
]

#: locations run at once (each has its own budget; the client paces each one)
PARALLEL = 8
_WORST = {2: 4, 1: 3, 3: 2, 0: 1}


@dataclass(frozen=True)
class Destination:
    """One location of a fan-out: a label for people and the API options to reach it."""

    label: str
    api: Any  # ApiOptions (kept untyped here: options.py imports this module)


def _names(value: str) -> list[str]:
    path = Path(value)
    if value not in ("all",) and "," not in value and path.is_file():
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        return [ln.split("#", 1)[0].strip() for ln in lines if ln.split("#", 1)[0].strip()]
    return [n.strip() for n in value.split(",") if n.strip()]


def _sandbox_locations(api: Any) -> list[tuple[str, str]]:
    from bulkio.sandbox.storage import Store

    store = Store(api.sandbox_path)
    try:
        return [(loc["id"], loc["name"]) for loc in store.locations_of(store.default_company_id)]
    finally:
        store.close()


def resolve_locations(value: str, api: Any) -> list[Destination]:
    """The locations ``--locations VALUE`` names, each with its API options."""
    names = _names(value)
    if not names:
        raise ConfigError(_("--locations names no location"),
                          hint=_("give all, NAME,NAME or a file with one name a line"))
    if api.sandbox:
        known = _sandbox_locations(api)
        if names == ["all"]:
            return [Destination(name or lid, replace(api, location_id=lid))
                    for lid, name in known]  # fmt: skip
        out = []
        for name in names:
            found = [(lid, n) for lid, n in known if name in (lid, n)]
            if len(found) != 1:
                raise ConfigError(_("no single sandbox location is {name}").format(name=repr(name)),
                                  hint="the sandbox has: " + ", ".join(
                                      f"{n} ({lid})" for lid, n in known))  # fmt: skip
            out.append(Destination(found[0][1] or found[0][0],
                                   replace(api, location_id=found[0][0])))  # fmt: skip
        return out
    path, profiles = load_profiles(api.config)
    agency = next((p for p in profiles if p.name == api.profile and p.company_id), None)
    if agency is not None:
        if names == ["all"]:
            from bulkio.api.agency import installed_locations

            if not agency.token or not agency.app_id:
                raise ConfigError(_("profile {name} needs its token and app_id to list its "
                                    "sub-accounts").format(
                    name=agency.name), hint=_("see `bulkio profiles`"))
            found_locs = asyncio.run(installed_locations(
                agency_token=agency.token, company_id=agency.company_id or "",
                app_id=agency.app_id, base_url=agency.base_url or api.base_url
                or "https://services.leadconnectorhq.com"))  # fmt: skip
            return [Destination(loc.name or loc.id, replace(api, location_id=loc.id))
                    for loc in found_locs]  # fmt: skip
        return [Destination(n, replace(api, location_id=n)) for n in names]
    by_name = {p.name: p for p in profiles if not p.company_id}
    if names == ["all"]:
        if not by_name:
            raise ConfigError(_("no location profile in {value}").format(
                value=path or 'any config file'),
                              hint=_("add [profiles.NAME] tables (see `bulkio profiles`)"))
        names = list(by_name)
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ConfigError(_("no profile named {names}").format(names=', '.join(unknown)),
                          hint="known: " + (", ".join(by_name) or "none"))
    return [Destination(n, replace(api, profile=n, location_id=None)) for n in names]


def _with_location_in_output(kwargs: dict[str, Any], dest: Destination) -> dict[str, Any]:
    """``export -o contacts.csv`` for several locations: ``contacts.<location>.csv`` each
    (or wherever ``{location}`` stands in the name)."""
    output = kwargs.get("output")
    if not isinstance(output, str) or output == "-":
        return kwargs
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in
                   (dest.api.location_id or dest.label))  # fmt: skip
    if "{location}" in output:
        output = output.replace("{location}", safe)
    else:
        p = Path(output)
        output = str(p.with_name(f"{p.stem}.{safe}{p.suffix}"))
    return {**kwargs, "output": output}


#: key of :func:`route_rows`'s answer naming the failure file of rows routed nowhere
#: (an empty path when every row found its location)
UNROUTED = "\x00unrouted"
#: headers of an import column that routes each row to its location (compared folded)
ROUTE_HEADERS = frozenset({"location", "locationid", "subaccount", "subcuenta", "sucursal",
                           "cuenta"})  # fmt: skip


def _fold(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def route_rows(file: Path, reading: Any, destinations: list[Destination]
               ) -> dict[str, Path] | None:
    """An import file with a location column, split into one file per destination
    (``<stem>.<location>.csv`` beside it, each row with its ``source_row``); rows naming no
    destination go to ``<stem>.unrouted.failures.csv`` (code ``unknown-location``). None
    when the file has no such column: every location then gets the whole file."""
    table = reading.open(file)
    column = next((h for h in table.headers if _fold(h) in ROUTE_HEADERS), None)
    if column is None:
        return None
    keys: dict[str, str] = {}
    for dest in destinations:
        for key in (dest.label, dest.api.location_id, dest.api.profile):
            if key:
                keys.setdefault(_fold(str(key)), dest.label)
    header = ["source_row", *table.headers]
    rows: dict[str, list[list[str]]] = {d.label: [] for d in destinations}
    unrouted: list[list[str]] = []
    for row in table.rows:
        cells = [row.values.get(h) or "" for h in table.headers]
        label = keys.get(_fold(row.values.get(column) or ""))
        if label is None:
            unrouted.append([str(row.row), "unknown-location",
                             f"{column} {row.values.get(column) or '(empty)'!r} names no "
                             "location of this run", *cells])  # fmt: skip
        else:
            rows[label].append([str(row.row), *cells])
    out: dict[str, Path] = {}
    for dest in destinations:
        safe = "".join(c if c.isalnum() or c in "-_" else "_"
                       for c in (dest.api.location_id or dest.label))  # fmt: skip
        path = file.with_name(f"{file.stem}.{safe}.csv")
        write_text_atomic(path, "\ufeff" + _csv([header, *rows[dest.label]]))
        out[dest.label] = path
    failures = file.with_name(f"{file.stem}.unrouted.failures.csv")
    out[UNROUTED] = failures if unrouted else Path()
    if unrouted:
        write_text_atomic(failures, "\ufeff" + _csv(
            [["_row", "_error_code", "_error_message", *table.headers], *unrouted]))
        click.echo(_("{n} rows name no location of this run: {path}").format(
            n=len(unrouted), path=failures), err=True)
    elif failures.exists():
        failures.unlink()
    return out


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def route_for_import(kwargs: dict[str, Any], destinations: list[Destination]
                     ) -> dict[str, Path] | None:
    """:func:`route_rows` for ``bulkio import`` (other commands: None)."""
    if click.get_current_context().info_name != "import":
        return None
    file, reading = kwargs.get("file"), kwargs.get("reading")
    if not isinstance(file, Path) or reading is None:
        return None
    return route_rows(file, reading, destinations)


def run_for_locations(func: Callable[..., Any], args: tuple[Any, ...],
                      kwargs: dict[str, Any], destinations: list[Destination],
                      routed: dict[str, Path] | None = None) -> None:
    """Run the command once per destination, at most :data:`PARALLEL` at a time (one at a
    time on the sandbox, one database file); print the table; exit with the worst code.
    An import whose file has a location column sends each row only to its location."""
    if kwargs.get("output") == "-" and len(destinations) > 1:
        raise click.UsageError(_("--locations writes one file per location: use -o FILE"))
    ctx = click.get_current_context()

    def one(dest: Destination) -> tuple[int, str]:
        # a context of its own, as if the location had been typed: next-step hints printed
        # by the command (resume, retry) name it and run as printed
        sub = click.Context(ctx.command, parent=ctx.parent, info_name=ctx.info_name,
                            obj=ctx.obj)  # fmt: skip
        sub.params = dict(ctx.params)
        for name in sub.params:
            source = ctx.get_parameter_source(name)
            if source is not None:
                sub.set_parameter_source(name, source)
        sub.params["locations"] = None
        for name, value in (("profile", dest.api.profile), ("location_id", dest.api.location_id)):
            if value is not None and value != ctx.params.get(name):
                sub.params[name] = value
                sub.set_parameter_source(name, ParameterSource.COMMANDLINE)
        # this worker thread's runs: reports named per location (a routed file's name
        # already carries its location)
        LOCATED_REPORTS.set(routed is None)
        with sub.scope(cleanup=False):
            try:
                own = _with_location_in_output(kwargs, dest)
                if routed is not None:
                    own = {**own, "file": routed[dest.label]}
                func(*args, api=dest.api, **own)
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (0 if done.code is None
                                                                     else 1)
                return code, ""
            except click.ClickException as exc:
                click.echo(f"[{dest.label}] Error: {exc.format_message()}", err=True)
                return exc.exit_code, exc.format_message()
            except BulkioError as exc:
                click.echo(f"[{dest.label}] Error: {exc}", err=True)
                return 1, str(exc)
        return 0, ""

    parallel = 1 if destinations[0].api.sandbox else min(PARALLEL, len(destinations))
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="bulkio-location") as pool:
        outcomes = list(pool.map(one, destinations))
    lost = routed.get(UNROUTED) if routed is not None else None
    if lost is not None and lost != Path():
        destinations = [*destinations, Destination(_("(no location)"), None)]
        outcomes.append((3, str(lost)))
    width = max(len(d.label) for d in destinations)
    meaning = {0: "ok", 1: "stopped", 2: "usage error", 3: "some rows failed"}
    click.echo(f"{'location':<{width}}  exit  outcome", err=True)
    for dest, (code, message) in zip(destinations, outcomes, strict=True):
        note = f": {message}" if message else ""
        click.echo(f"{dest.label:<{width}}  {code:>4}  {meaning.get(code, 'failed')}{note}",
                   err=True)
    sys.exit(max((c for c, _ in outcomes), key=lambda c: _WORST.get(c, 3)))
