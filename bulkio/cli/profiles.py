"""``bulkio profiles``: list the config file's profiles; ``check`` tries each one's token."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import click

from bulkio.api.agency import installed_locations
from bulkio.api.client import Client
from bulkio.api.wire import DEFAULT_BASE_URL, api_message
from bulkio.cli import main
from bulkio.cli.options import (
    AbortError,
    abort_on_errors,
    configure_logging,
    emit_json,
    json_option,
    log_file_option,
)
from bulkio.config import Profile, load_profiles, mask_token
from bulkio.errors import ApiError, AuthError, TransportError
from bulkio.i18n import _

_CONFIG_HELP = ("TOML config file (default $BULKIO_CONFIG, ./bulkio.toml, "
                "~/.config/bulkio/config.toml).")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in rows
    )


@main.group(invoke_without_command=True)
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              help=_CONFIG_HELP)
@json_option
@click.pass_context
def profiles(ctx: click.Context, config: Path | None, as_json: bool) -> None:
    """List the profiles of the config file (tokens masked).

    \b
    Example:
      bulkio profiles --config bulkio.toml

    A profile is a [profiles.NAME] table (location_id; token_env = "VAR" or token; optional
    base_url, api_version, max_in_flight); any API command takes --profile NAME or
    BULKIO_PROFILE. `bulkio profiles check` tries each token with one read-only request.

    \b
    Exit codes: 0 listed; 1 the config file is missing or invalid.
    """
    ctx.obj = config
    if ctx.invoked_subcommand is not None:
        return
    with abort_on_errors():
        path, found = load_profiles(config)
    if as_json:
        emit_json({"config": str(path) if path is not None else None, "profiles": [
            {"name": p.name, "location_id": p.location_id, "company_id": p.company_id,
             "token": mask_token(p.token), "token_source": p.token_source,
             "token_set": bool(p.token), "base_url": p.base_url or DEFAULT_BASE_URL}
            for p in found]})
        return
    if not found:
        where = str(path) if path is not None else "no config file found"
        click.echo(f"no profiles ({where}); add a [profiles.NAME] table with location_id "
                   'and token_env = "VAR"', err=True)
        return
    rows = [["PROFILE", "LOCATION", "TOKEN", "FROM", "BASE URL"]]
    for p in found:
        source = p.token_source + ("" if p.token else " (not set)")
        where = f"agency {p.company_id}" if p.company_id else p.location_id
        rows.append([p.name, where, mask_token(p.token), source,
                     p.base_url or DEFAULT_BASE_URL])
    click.echo(_table(rows))
    click.echo(f"({len(found)} profile{'s' if len(found) != 1 else ''} in {path})", err=True)


@dataclass(frozen=True)
class _Check:
    profile: str
    ok: bool
    detail: str


async def _check_one(p: Profile) -> _Check:
    if not p.token:
        hint = f"set {p.token_env}" if p.token_env else "add token_env"
        return _Check(p.name, False, f"no token ({hint})")
    # the one request: a one-contact search of the profile's location. An answer proves
    # the token is valid (else 401), that it opens this location (else 403 "does not have
    # access to this location") and the contacts.readonly scope; that scope's read is what
    # export, undo and the bulk commands' lookups use.
    if p.company_id is not None:
        return await _check_agency(p, p.token)
    client = Client(base_url=p.base_url or DEFAULT_BASE_URL, token=p.token,
                    location_id=p.location_id, api_version=p.api_version or "v3",
                    max_retries=2, timeout=20.0)
    try:
        async with client:
            data = await client.search({"pageLimit": 1})
    except AuthError as exc:
        return _Check(p.name, False, f"HTTP {exc.status}: {api_message(exc.body) or exc}")
    except TransportError as exc:
        return _Check(p.name, False, f"unreachable: {exc}")
    except ApiError as exc:
        return _Check(p.name, False, f"HTTP {exc.status}: {exc}")
    total = data.get("total")
    count = f"{total:,} contacts" if isinstance(total, int) else "contacts readable"
    return _Check(p.name, True, f"token valid, location reachable, contacts.readonly ({count})")


async def _check_agency(p: Profile, token: str) -> _Check:
    # an agency token: listing the app's installed locations proves the token, the
    # company and the oauth.readonly scope (exchanging tokens needs oauth.write)
    try:
        found = await installed_locations(agency_token=token, company_id=p.company_id or "",
                                          app_id=p.app_id or "",
                                          base_url=p.base_url or DEFAULT_BASE_URL)
    except AuthError as exc:
        return _Check(p.name, False, f"HTTP {exc.status}: {api_message(exc.body) or exc}")
    except TransportError as exc:
        return _Check(p.name, False, f"unreachable: {exc}")
    except ApiError as exc:
        return _Check(p.name, False, f"HTTP {exc.status}: {api_message(exc.body) or exc}")
    return _Check(p.name, True, f"agency token valid, oauth.readonly ({len(found)} "
                  "locations with the app installed)")


async def _check_all(chosen: list[Profile]) -> list[_Check]:
    return list(await asyncio.gather(*(_check_one(p) for p in chosen)))


@profiles.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--config", "own_config", type=click.Path(dir_okay=False, path_type=Path),
              help=_CONFIG_HELP)
@click.option("-v", "--verbose", count=True, help="Log each request.")
@log_file_option
@json_option
@click.pass_obj
def check(config: Path | None, names: tuple[str, ...], own_config: Path | None,
          verbose: int, log_file: Path | None, as_json: bool) -> None:
    """Try each profile's token with one read-only request.

    \b
    Example:
      bulkio profiles check cancun merida --config bulkio.toml

    The request is POST /contacts/search with pageLimit 1 on the profile's location. An
    answer proves: the token is valid (else 401), it opens that location (else 403), and it
    has the contacts.readonly scope (export, undo, lookups). Writing scopes
    (contacts.write: import and the bulk commands) cannot be proven without writing, so
    they are not tested here; a missing one stops the first write with a 401/403. For an
    agency profile the request is GET /oauth/installed-locations (the agency token, its
    company and the oauth.readonly scope).

    \b
    Exit codes: 0 every profile passed; 1 one failed, or the config file is invalid;
    2 usage error (an unknown NAME).
    """
    configure_logging(verbose=verbose, log_file=log_file)
    with abort_on_errors():
        path, found = load_profiles(own_config or config)
    by_name = {p.name: p for p in found}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise click.BadParameter(
            _("unknown profile(s) {names}; defined: {value}").format(
                names=', '.join(unknown), value=', '.join(by_name) or 'none'),
            param_hint="NAME",
        )
    chosen = [by_name[n] for n in names] if names else found
    if not chosen:
        raise AbortError(_("no profiles in {value} (hint: add a [profiles.NAME] table with "
                           "location_id and token_env)").format(value=path or 'any config file'))
    results = asyncio.run(_check_all(chosen))
    if as_json:
        emit_json({"ok": all(r.ok for r in results), "profiles": [
            {"name": r.profile, "ok": r.ok, "detail": r.detail} for r in results]})
    else:
        rows = [["PROFILE", "RESULT", "DETAIL"]]
        rows += [[r.profile, "ok" if r.ok else "FAILED", r.detail] for r in results]
        click.echo(_table(rows))
    failed = [r.profile for r in results if not r.ok]
    if failed:
        raise AbortError(_("{n} of {n2} profile(s) failed: {names} (hint: fix the token or "
                           "location_id, then run bulkio profiles check again)").format(
            n=len(failed), n2=len(results), names=', '.join(failed)))


@profiles.command()
@click.argument("name")
@click.option("--config", "own_config", type=click.Path(dir_okay=False, path_type=Path),
              help=_CONFIG_HELP)
@json_option
@click.pass_obj
def locations(config: Path | None, name: str, own_config: Path | None, as_json: bool) -> None:
    """List the sub-accounts where an agency profile's app is installed.

    \b
    Example:
      bulkio profiles locations agency --config bulkio.toml

    Prints one line per location: its id and name (tab-separated, so a slice of them can
    feed a scheduler). Any API command then takes --profile NAME --location-id ID: the
    agency token is exchanged for that location's token in memory (never stored).

    \b
    Exit codes: 0 listed; 1 not an agency profile, or the API refused (401/403).
    """
    with abort_on_errors():
        _path, found = load_profiles(own_config or config)
        chosen = next((p for p in found if p.name == name), None)
        if chosen is None or chosen.company_id is None or not chosen.token:
            why = ("no such profile" if chosen is None else
                   "not an agency profile (no company_id)" if chosen.company_id is None else
                   f"no token (set {chosen.token_env})")
            raise AbortError(_("profile {name}: {why} (hint: `bulkio profiles` lists them)").format(
                name=name, why=why))
        listed = asyncio.run(installed_locations(
            agency_token=chosen.token, company_id=chosen.company_id,
            app_id=chosen.app_id or "", base_url=chosen.base_url or DEFAULT_BASE_URL))
    if as_json:
        emit_json({"profile": name, "locations": [{"id": loc.id, "name": loc.name}
                                                  for loc in listed]})
        return
    for loc in listed:
        click.echo(f"{loc.id}\t{loc.name}")
    click.echo(f"({len(listed)} location{'s' if len(listed) != 1 else ''})", err=True)
