"""``bulkio copy``: contacts, custom fields, tags, notes and tasks from one sub-account to
another."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click

from bulkio.cli import main
from bulkio.cli.options import (
    ApiOptions,
    Target,
    abort_on_errors,
    configure_logging,
    emit_json,
    open_target,
    state_dir_option,
)
from bulkio.copy.run import CopyResult, run_copy
from bulkio.errors import ConfigError
from bulkio.export.filters import FilterError, FilterExpr, parse_filter
from bulkio.i18n import _
from bulkio.runs.home import find_state_home, journal_in, sandbox_db_in

SANDBOX = "sandbox"


@contextmanager
def _sandbox_targets(db: Path, names: list[str]) -> Iterator[list[Target]]:
    """Targets for locations of the embedded sandbox: ``sandbox`` (its default location)
    or ``sandbox:<location id or name>``, all served by one in-process sandbox."""
    from bulkio.sandbox import Sandbox

    db.parent.mkdir(parents=True, exist_ok=True)
    with Sandbox(db_path=db) as sb:
        store = sb.store
        every = store.locations_of(store.default_company_id)
        out: list[Target] = []
        for name in names:
            wanted = name.partition(":")[2].strip()
            if not wanted:
                loc = store.location_info(sb.location_id) or {}
            else:
                found = [loc for loc in every if wanted in (loc["id"], loc["name"])]
                if len(found) != 1:
                    known = ", ".join(f"{loc['name']} ({loc['id']})" for loc in every)
                    raise ConfigError(_("no single sandbox location is {wanted}").format(
                        wanted=repr(wanted)),
                                      hint=_("the sandbox has: {known}; add one with `bulkio "
                                             "sandbox locations add NAME`").format(known=known))
                loc = found[0]
            out.append(Target(base_url=sb.url, token=loc["token"], location_id=loc["id"],
                              sandbox=True))  # fmt: skip
        yield out


def _filters(values: tuple[str, ...]) -> list[FilterExpr]:
    try:
        return [parse_filter(v) for v in values]
    except FilterError as exc:
        raise click.UsageError(f"{exc} ({exc.hint})") from exc


@main.command("copy")
@click.option("--from", "source", required=True, metavar="PROFILE",
              help="Profile of the source sub-account ([profiles.NAME] of the config file), "
              "or `sandbox` / `sandbox:LOCATION` to rehearse on the sandbox.")
@click.option("--to", "target", required=True, metavar="PROFILE",
              help="Profile of the target sub-account, or `sandbox:LOCATION`.")
@click.option("--filter", "filters", multiple=True, metavar="EXPR",
              help="Copy only the contacts matching it (as bulkio export --filter; repeatable).")
@click.option("--include", default="notes,tasks", show_default=True, metavar="KINDS",
              help="Related items to copy too: notes, tasks (comma-separated; '' for none).")
@click.option("--dry-run", is_flag=True,
              help="Export and plan the import; write nothing to the target.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Config file holding the profiles (default: as for every command).")
@state_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Errors only.")
@click.option("-v", "--verbose", count=True, help="Log each request (-vv: debug).")
def copy(source: str, target: str, filters: tuple[str, ...], include: str, dry_run: bool,
         config: Path | None, state_dir: Path | None, as_json: bool, quiet: bool,
         verbose: int) -> None:
    """Copy contacts (custom fields, tags, notes, tasks) between two sub-accounts.

    \b
    Example:
      bulkio copy --from sandbox --to sandbox:Destino

    \b
    More:
      bulkio copy --from cancun --to merida --filter tags=vip

    The source is exported to <state home>/copies/<from>-to-<to>/, custom fields are
    matched by key, then by name (a field the target lacks is listed and left out), the
    contacts are imported into the target as `bulkio import` does (journaled, resumable,
    undoable, reports in that folder, unchanged rows skipped on a second copy), then notes
    and tasks are added to them as `bulkio notes add` / `tasks add` do (never twice).
    Undo a copy with `bulkio undo RUN_ID` for each run it prints.

    \b
    Exit codes:
      0  everything copied
      1  aborted (profile, token, network); run the same command again to go on
      2  usage error
      3  some rows failed, or custom fields the target lacks were left out
    """
    configure_logging(verbose=verbose, quiet=quiet)
    kinds = [k.strip() for k in include.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in ("notes", "tasks")]
    if unknown:
        raise click.UsageError(_("--include takes notes, tasks; not {names}").format(
            names=', '.join(unknown)))
    if source == target:
        raise click.UsageError(_("--from and --to name the same sub-account"))
    home = find_state_home(state_dir)
    with abort_on_errors(), ExitStack() as stack:
        names = [source, target]
        boxed = [n for n in names if n == SANDBOX or n.startswith(f"{SANDBOX}:")]
        if boxed and len(boxed) != 2:
            raise click.UsageError(_("rehearse with both ends on the sandbox (sandbox:LOCATION), "
                                     "or use two profiles"))
        if boxed:
            src, dst = stack.enter_context(_sandbox_targets(sandbox_db_in(home), names))
        else:
            src, dst = (stack.enter_context(open_target(ApiOptions(
                profile=n, config=config, quiet=quiet, verbose=verbose, state_dir=state_dir)))
                for n in names)  # fmt: skip
        result = run_copy(source=src, target=dst, source_name=source, target_name=target,
                          home=home, journal_path=journal_in(home),
                          filters=_filters(filters), include=kinds, dry_run=dry_run)
    undo = None
    if not boxed:
        extra = (f" --config {shlex.quote(str(config))}" if config else "") + (
            f" --state-dir {shlex.quote(str(state_dir))}" if state_dir else "")
        undo = f"--profile {shlex.quote(target)}{extra}"
    _print(result, as_json=as_json, quiet=quiet, undo=undo)
    sys.exit(result.exit_code)


def _print(result: CopyResult, *, as_json: bool, quiet: bool, undo: str | None) -> None:
    if as_json:
        emit_json(result.to_json())
    if quiet:
        return
    err = sys.stderr
    click.echo(_("copy: {n} contacts exported to {folder}").format(
        n=result.contacts, folder=result.folder), file=err)
    if result.fields_matched:
        click.echo(_("custom fields: ") + ", ".join(f"{s} -> {t}" for s, t in
                                                 result.fields_matched.items()), file=err)
    if result.fields_missing:
        click.echo(_("custom fields the target lacks (not copied): ")
                   + ", ".join(result.fields_missing), file=err)
    for name, run in (("import", result.imported), ("notes", result.notes),
                      ("tasks", result.tasks)):
        if run is None:
            continue
        report = run.report
        counts = ", ".join(f"{_(k)} {v}" for k, v in sorted(report.by_action.items())) \
            if report is not None else _("planned")
        failed = report.failed if report is not None else 0
        click.echo("  " + _("{name}: {counts}; failed {failed}; run {run}").format(
            name=name, counts=counts, failed=failed, run=run.run_id), file=err)
        if run.aborted is not None:
            click.echo("  " + _("{name} stopped: {error}").format(name=name, error=run.aborted),
                       file=err)
    ids = [r.run_id for r in (result.imported, result.notes, result.tasks)
           if r is not None and r.run_id]
    dry = result.imported is not None and result.imported.plan is not None
    if ids and undo is not None and not dry:
        click.echo(_("undo with: ") + "; ".join(f"bulkio undo {i} {undo}" for i in ids), file=err)
