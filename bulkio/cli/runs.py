"""``bulkio runs`` (list / show past runs) and ``bulkio undo RUN_ID``."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from bulkio.cli import main
from bulkio.cli.options import (
    AbortError,
    ApiOptions,
    abort_on_errors,
    api_options,
    emit_json,
    open_target,
    state_dir_option,
    with_run_location,
)
from bulkio.errors import CODES, ConfigError, InputError
from bulkio.i18n import _
from bulkio.runs.journal import Journal, RunInfo
from bulkio.undo.run import UndoResult, run_undo

_journal_option = click.option(
    "--journal", "journal_path", type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Run journal (default: journal.db in the state home, the nearest .bulkio/ from "
    "here up).",
)


def _open(path: Path) -> Journal:
    if not path.exists():
        raise InputError(_("no run journal here"), path=path,
                         hint=_("run bulkio inside the workspace of the runs, or pass "
                                "--state-dir DIR / --journal FILE"))
    return Journal.open(path)


def _counts(run: RunInfo) -> tuple[int, int]:
    by_status = run.counts.get("by_status") or {}
    ok = int(by_status.get("ok", 0)) + int(by_status.get("skipped", 0))
    return ok, int(by_status.get("failed", 0))


def _status(run: RunInfo) -> str:
    return "interrupted" if run.interrupted else run.status


def _run_doc(run: RunInfo) -> dict[str, Any]:
    ok, failed = _counts(run)
    return {
        "id": run.id, "command": run.command, "status": _status(run),
        "file": run.input_path, "location_id": run.location_id, "rows": run.counts.get("rows"),
        "succeeded": ok, "failed": failed, "started_at": run.started_at,
        "finished_at": run.finished_at,
    }  # fmt: skip


@main.group(invoke_without_command=True)
@_journal_option
@state_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON on stdout.")
@click.option("-n", "--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="Show at most this many runs, newest first.")
@click.pass_context
def runs(ctx: click.Context, journal_path: Path | None, state_dir: Path | None, as_json: bool,
         limit: int) -> None:
    """List past runs (id, command, file, location, counts, time), newest first.

    \b
    Example:
      bulkio runs
      bulkio runs show 20261126-0429-ab12

    \b
    Runs are read from the journal of the state home: the nearest .bulkio/ folder from the
    current one up (or --state-dir DIR, or --journal FILE).
    """
    journal_path = ApiOptions(state_dir=state_dir).journal(journal_path)
    ctx.ensure_object(dict)
    ctx.obj["journal_path"] = journal_path
    if ctx.invoked_subcommand is not None:
        return
    with abort_on_errors(), _open(journal_path) as journal:
        found = journal.list_runs(limit=limit)
    if as_json:
        emit_json({"runs": [_run_doc(r) for r in found]})
        return
    if not found:
        click.echo(_("no runs in {path}").format(path=journal_path), err=True)
        return
    click.echo(f"{'RUN':<19} {'COMMAND':<17} {'STATUS':<11} {'ROWS':>7} {'OK':>7} "
               f"{'FAILED':>7}  {'STARTED (UTC)':<19}  {'LOCATION':<22} FILE")
    for r in found:
        ok, failed = _counts(r)
        file = Path(r.input_path).name if r.input_path else "-"
        click.echo(f"{r.id:<19} {r.command:<17} {_status(r):<11} "
                   f"{r.counts.get('rows', 0):>7} {ok:>7} {failed:>7}  "
                   f"{r.started_at[:19].replace('T', ' '):<19}  {r.location_id or '-':<22} "
                   f"{file}")


@runs.command("show")
@click.argument("run_id")
@click.option(
    "--journal", "journal_path", type=click.Path(dir_okay=False, path_type=Path),
    default=None, help="Run journal (default: the one `bulkio runs` uses).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the details as JSON on stdout.")
@click.pass_context
def runs_show(ctx: click.Context, run_id: str, journal_path: Path | None, as_json: bool,
              ) -> None:
    """Show one run: options, counts by action and error, requests, undoable steps.

    \b
    Example:
      bulkio runs show 20261126-0429-ab12
      bulkio runs show 20261126-0429-ab12 --journal clientes/.bulkio/journal.db
    """
    if journal_path is None:
        journal_path = ctx.obj["journal_path"]
    with abort_on_errors(), _open(journal_path) as journal:
        run = journal.get_run(run_id)
        steps: Counter[str] = Counter()
        for state in journal.row_states(run.id).values():
            for phase, step in state.steps.items():
                steps[f"{phase} ({step.state})"] += 1
        snapshots = len(journal.snapshots(run.id))
    doc = _run_doc(run)
    doc.update(argv=run.argv, options=run.options, counts=run.counts,
               steps=dict(sorted(steps.items())), snapshots=snapshots)
    if as_json:
        emit_json(doc)
        return
    for key in ("id", "command", "status", "file", "location_id", "started_at",
                "finished_at"):
        click.echo(f"{key:<12} {doc[key] if doc[key] is not None else '-'}")
    click.echo(f"{'argv':<12} {' '.join(run.argv)}")
    click.echo(f"{'rows':<12} {doc['rows']} ({doc['succeeded']} succeeded, "
               f"{doc['failed']} failed)")
    for title, key in (("by action", "by_action"), ("by error", "by_error")):
        items = (run.counts.get(key) or {}).items()
        if items:
            click.echo(title)
            for name, n in sorted(items):
                click.echo(f"  {n:>7}  {name}")
    requests = (run.counts.get("requests") or {}).get("by_endpoint") or {}
    if requests:
        click.echo(f"requests     {sum(requests.values())}")
        for name, n in sorted(requests.items()):
            click.echo(f"  {n:>7}  {name}")
    if steps:
        click.echo("journaled steps (what undo can use)")
        for name, n in sorted(steps.items()):
            click.echo(f"  {n:>7}  {name}")
    click.echo(f"{'snapshots':<12} {snapshots}")


# -- undo ---------------------------------------------------------------------------------


def _print_undo(result: UndoResult, *, as_json: bool, quiet: bool) -> None:
    if as_json:
        emit_json(result.to_json())
    if quiet:
        return
    plan = result.plan

    def err(text: str) -> None:
        click.echo(text, err=True)

    head = (_("Undo plan of run {run} ({command}, {rows} rows):") if result.report is None
            else _("Undo of run {run} ({command}, {rows} rows):"))
    err(head.format(run=plan.run.id, command=plan.run.command, rows=len(plan.rows)))
    for kind, n in plan.counts().items():
        err(f"  {n:>7}  {kind}")
    if plan.cannot:
        err("  " + _("cannot revert ({n}):").format(n=len(plan.cannot)))
        for row, cid, why in plan.cannot[:20]:
            err(f"    row {row} ({cid or '-'}): {why}")
        if len(plan.cannot) > 20:
            err("    " + _("... and {n} more (see the failure report)").format(
                n=len(plan.cannot) - 20))
    if plan.conflicts:
        err("  " + _("conflicts ({n}): changed after the run, kept unless --force").format(
            n=len(plan.conflicts)))
        for row, cid, name, wrote, now in plan.conflicts[:20]:
            err("    " + _("row {row} ({contact}): {field}: the run wrote {wrote}, now "
                          "{now}").format(row=row, contact=cid, field=name, wrote=repr(wrote),
                                          now=repr(now)))
    if plan.later:
        err("  " + _("later runs touched the same contacts ({n}): ").format(n=len(plan.later))
            + ", ".join(f"{i} ({c})" for i, c in plan.later[:10]))
    if result.report is None:
        err(_("Nothing was sent (dry run)."))
        return
    if result.aborted is not None:
        err(_("Error: undo aborted: {error}").format(error=result.aborted))
    report = result.report
    err("  " + _("{reverted} rows reverted, {failed} not; {requests} requests; undo run "
                 "{run}").format(reverted=report.succeeded, failed=report.failed,
                                 requests=report.requests.total, run=result.run_id))
    for code, n in sorted(report.by_error.items()):
        err(f"  {n:>7}  {code}: {_(CODES.get(code, ''))}")
    err("  " + _("success: {path}").format(path=report.success_path))
    err("  " + _("failures: {path}").format(path=report.failure_path))


def _dry_undo(run_id: str, journal_path: Path, api: ApiOptions) -> UndoResult:
    """The plan; with an API target configured (or --sandbox), its conflicts too."""
    api = with_run_location(api, journal_path, run_id)
    try:
        with open_target(api) as target:
            return run_undo(run_id, journal_path=journal_path, target=target, dry_run=True)
    except ConfigError:  # no token configured: the plan from the journal alone
        return run_undo(run_id, journal_path=journal_path, target=None, dry_run=True)


def _confirm_undo(run_id: str, journal_path: Path) -> None:
    """Ask on a terminal, showing what the undo would do (as ``bulkio delete`` does)."""
    plan = run_undo(run_id, journal_path=journal_path, target=None, dry_run=True).plan
    counts = ", ".join(f"{n} {kind}" for kind, n in plan.counts().items()) or _("nothing")
    if not sys.stdin.isatty():
        raise AbortError(_("no terminal to confirm on; add --yes to undo run {run} "
                           "({counts})").format(run=plan.run.id, counts=counts))
    click.confirm(_("Undo run {run} ({command}): {counts}?").format(
        run=plan.run.id, command=plan.run.command, counts=counts), abort=True, err=True)


@main.command()
@click.argument("run_id")
@_journal_option
@click.option("--dry-run", is_flag=True, help="Show the plan; send nothing.")
@click.option("--force", is_flag=True,
              help="Undo again a run that was already undone; also overwrite fields someone "
              "changed after the run (conflicts).")
@click.option("-y", "--yes", is_flag=True,
              help="Do not ask for confirmation (scripts); without a terminal it is required.")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the undo reports (default: the run's report folder).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@api_options
def undo(run_id: str, *, journal_path: Path | None, dry_run: bool, force: bool, yes: bool,
         out_dir: Path | None, as_json: bool, api: ApiOptions) -> None:
    """Reverse what a run did, from its journal (see `bulkio runs`).

    \b
    Example:
      bulkio undo 20261126-0429-ab12 --dry-run --sandbox
      bulkio undo 20261126-0429-ab12 --sandbox --yes

    \b
    Deletes contacts the run created, removes tags it added (not tags the contact already
    had), puts back previous businesses, removes followers it added, deletes notes and
    tasks it created, removes contacts from workflows/campaigns it enrolled. Updated fields
    of existing contacts come back only if the import ran with --snapshot; what cannot be
    reverted is listed (code cannot-revert). Undo is journaled and writes its own reports.
    It asks for confirmation on a terminal, showing the counts; --yes for scripts. Only
    what the run did is reversed: a contact counts as created only when the API answered
    the run's own request with new: true (one another writer created is left alone); with
    a snapshot, a field is restored only while it still holds what the run wrote (else a
    `conflict`, both values reported, kept unless --force); tags and followers others
    added stay. --dry-run lists conflicts (with an API target) and later runs that touched
    the same contacts.

    \b
    Exit codes: 0 everything reverted, 1 aborted, 2 usage error, 3 something was not
    reverted (see the .failures file).
    """
    journal_path = api.journal(journal_path)
    with abort_on_errors():
        if dry_run:
            result = _dry_undo(run_id, journal_path, api)
        else:
            if not yes:
                _confirm_undo(run_id, journal_path)
            api = with_run_location(api, journal_path, run_id)
            with open_target(api) as target:
                result = run_undo(run_id, journal_path=journal_path, target=target,
                                  force=force, out_dir=out_dir)
    _print_undo(result, as_json=as_json, quiet=api.quiet)
    sys.exit(result.exit_code)
