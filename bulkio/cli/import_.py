"""``bulkio import``, ``bulkio resume`` and ``bulkio retry``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from bulkio.clean.reading import ReadOptions
from bulkio.cli import main
from bulkio.cli.options import (
    AbortError,
    ApiOptions,
    Target,
    abort_on_errors,
    api_options,
    emit_json,
    next_step,
    open_target,
    phase_bar,
    progress_bar,
    reading_bar,
    replay_command,
    with_run_location,
)
from bulkio.cli.reading import reading_options
from bulkio.errors import ConfigError
from bulkio.i18n import _
from bulkio.imports.importer import UnfinishedRunError, run_import
from bulkio.imports.options import ImportOptions, ImportResult
from bulkio.imports.rerun import resume_run, retry_run
from bulkio.plan.batcher import DEFAULT_TAG_CHUNK


def _echo(text: str = "") -> None:
    click.echo(text, err=True)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} days"


def _print_result(result: ImportResult, *, as_json: bool, quiet: bool) -> None:
    report = result.report
    if as_json:
        emit_json(result.to_json())
    if result.plan is not None and not quiet:
        plan = result.plan
        _echo(_("dry run: nothing was sent") + (
            _(" except {n} read-only custom-fields lookup").format(
                n=sum(result.dry_run_requests.values()))
            if result.dry_run_requests else ""))
        _echo(_("planned requests: {n}").format(n=plan.total))
        for endpoint, n in sorted(plan.requests.items()):
            _echo(f"  {endpoint:<50} {n:>9}")
        _echo(_("expected duration at the location's rate limit: {duration}; "
                "{share} of the daily quota").format(duration=_duration(plan.seconds),
                                                    share=f"{plan.daily_share:.2%}")
              + (_(" ({n} days of quota)").format(n=plan.days) if plan.days > 1 else ""))
    if result.already_finished:
        if not quiet:
            _echo(_("run {run} is already finished; nothing to resume "
                    "({succeeded} rows succeeded, {failed} failed)").format(
                run=result.run_id, succeeded=report.succeeded, failed=report.failed))
            if report.failed and result.run_id:
                _echo(_("re-send the failed rows with `{command}`").format(
                    command=next_step("retry", result.run_id)))
            _echo(_("success file:  {path}").format(path=report.success_path))
            _echo(_("failure file:  {path}").format(path=report.failure_path))
        return
    if not quiet:
        actions = ", ".join(f"{_(k)} {v}" for k, v in sorted(report.by_action.items()))
        _echo(_("rows {rows}: {actions}; failed {failed}").format(
            rows=report.rows, actions=actions or _("succeeded 0"), failed=report.failed))
        if report.by_error:
            _echo(_("failures: ")
                  + ", ".join(f"{k} {v}" for k, v in sorted(report.by_error.items())))
        if result.plan is None:
            r = report.requests
            _echo(_("requests {total} (429 received {limited}, retries {retries}), "
                    "{seconds} s, {speed} rows/s").format(
                total=r.total, limited=r.rate_limited, retries=r.retries,
                seconds=f"{report.duration_s:.1f}", speed=f"{report.rows_per_s:.1f}"))
        if result.run_id:
            label = _(" (retry)") if result.retried else _(" (resumed)") if result.resumed else ""
            _echo(_("run {run}{label}, journal {journal}").format(
                run=result.run_id, label=label, journal=result.journal_path))
        _echo(_("success file:  {path}").format(path=report.success_path))
        _echo(_("failure file:  {path}").format(path=report.failure_path))


def _finish(result: ImportResult, *, as_json: bool, quiet: bool, resume_hint: str) -> None:
    _print_result(result, as_json=as_json, quiet=quiet)
    if result.aborted is not None:
        err = result.aborted
        then = _("finish the run with `{command}`").format(command=resume_hint)
        hint = _("{hint}; then {next}").format(hint=_(err.hint), next=then) if err.hint else then
        raise AbortError(_("{message} (hint: {hint})").format(message=err, hint=hint))
    sys.exit(result.exit_code)


def _announce(lines: list[str]) -> None:
    """Before anything is sent: the detected source and the columns that will not be sent."""
    for line in lines:
        click.echo(line, err=True)


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@reading_options
@api_options
@click.option("--mode", type=click.Choice(["upsert", "create", "update"]), default="upsert",
              show_default=True,
              help="upsert: create or update by email/phone; create: POST only (duplicates "
              "fail); update: existing contacts only (by contact_id column or email/phone).")
@click.option("--tags", "tags_mode", type=click.Choice(["add", "replace"]), default="add",
              show_default=True,
              help="add: tags are added with the bulk tags endpoint, existing tags kept; "
              "replace: sent in the upsert, replacing every tag of the contact.")
@click.option("--tag-chunk", type=click.IntRange(1, 1000), default=DEFAULT_TAG_CHUNK,
              show_default=True, help="Contacts per bulk tags request (halved on 413/422).")
@click.option("--dry-run", is_flag=True,
              help="Send nothing (except the read-only custom-fields lookup); print the plan "
              "and write the would-be reports (<stem>.dry-run.*).")
@click.option("--resume", is_flag=True,
              help="Finish the last interrupted run of this file instead of starting anew.")
@click.option("--new", is_flag=True,
              help="Start a new run although the last run of this file did not finish (the "
              "creates, notes and tasks it may have sent are not sent again).")
@click.option("--wait", is_flag=True,
              help="If another run of this file into this location is live, wait for it to "
              "end instead of refusing.")
@click.option("--force", is_flag=True,
              help="Resend rows that already succeeded with the same content (default: "
              "skipped as unchanged, zero requests).")
@click.option("--trust-journal", is_flag=True,
              help="Skip unchanged rows on the journal's word alone (zero requests), without "
              "the batched search that confirms each contact still exists and holds them.")
@click.option("--snapshot", is_flag=True,
              help="Save each pre-existing contact before updating it, for `bulkio undo` "
              "(+1 search request per 50 rows).")
@click.option("--strict", is_flag=True,
              help="A field the API answered 200 for but did not store as sent fails the row "
              "(code not-stored, exit 3) instead of a warning in the success file.")
@click.option("--on-split-match", type=click.Choice(["send", "skip"]), default="send",
              show_default=True,
              help="A row whose email and phone belong to two different contacts (seen by "
              "--snapshot's lookup): send it with a split-match warning, or skip it as failed.")
@click.option("--create-duplicates", is_flag=True,
              help="Upsert with createNewIfDuplicateAllowed: a new contact even when one has "
              "the email/phone (only where the location allows duplicates).")
@click.option("--business-names", is_flag=True,
              help="The businessId column holds company names (or ids): resolved through the "
              "Businesses API, unknown or ambiguous names fail their rows.")
@click.option("--create-businesses", is_flag=True,
              help="Like --business-names, and create the missing businesses (journaled: "
              "`bulkio undo` deletes only those).")
@click.option("--company-id", envvar="BULKIO_COMPANY_ID", metavar="ID",
              help="The agency (company) id: \"Asignado a\" and followers cells holding a "
              "user's email or full name are looked up (once per run) [env: BULKIO_COMPANY_ID].")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Folder for the reports (default: the input's folder).")
@click.option("--journal", "journal", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Run journal (default: .bulkio/journal.db beside the input).")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON on stdout.")
def import_(
    file: Path, *, reading: ReadOptions, api: ApiOptions, mode: str, tags_mode: str,
    tag_chunk: int, dry_run: bool, resume: bool, new: bool, wait: bool, force: bool,
    trust_journal: bool, snapshot: bool, strict: bool, on_split_match: str,
    create_duplicates: bool, business_names: bool, create_businesses: bool,
    company_id: str | None, out_dir: Path | None, journal: Path | None, as_json: bool,
) -> None:
    """Import contacts from a CSV/XLSX file: every row reported, none sent twice.

    \b
    Example:
      bulkio import contactos.csv --map contactos.map.toml --sandbox
      BULKIO_TOKEN=... bulkio import contactos.xlsx --location-id LOC --dry-run

    Writes <stem>.success.<fmt> (contact id and action per row) and <stem>.failures.<fmt>
    (the rows to fix, with the reason) beside the input; fix the failure file and feed it
    back with `bulkio retry --failures FILE`. Interrupted? Run the same command with
    --resume (or --new for a new run). Rows already imported with the same content are
    skipped once a batched search confirms the contacts still hold those values (--force
    resends; --trust-journal skips without asking the API). A second run of the same file
    into the same location refuses while the first is live (--wait queues behind it). Run
    journals live in the state home (.bulkio/, see --state-dir).

    \b
    Exit codes:
      0  every row succeeded (or was unchanged)
      1  run aborted (bad input, auth, network); resumable
      2  usage error
      3  run finished but some rows failed: see the failure file
    """
    if resume and new:
        raise click.UsageError(_("--resume and --new exclude each other"))
    options = ImportOptions(mode=mode, tags_mode=tags_mode,  # type: ignore[arg-type]
                            dry_run=dry_run, force=force, trust_journal=trust_journal,
                            snapshot=snapshot, tag_chunk=tag_chunk, out_dir=out_dir,
                            strict=strict,
                            on_split_match=on_split_match,  # type: ignore[arg-type]
                            create_duplicates=create_duplicates,
                            business_names=business_names,
                            create_businesses=create_businesses, company_id=company_id)
    try:
        with abort_on_errors(), _target(api, optional=dry_run) as target, \
                progress_bar(api, "import") as progress, reading_bar(api, file) as read_bar, \
                phase_bar(api, "writing reports") as write_bar:
            result = run_import(file, read=reading, options=options, target=target,
                                journal_path=api.journal(journal), resume=resume, new=new,
                                wait=wait, argv=sys.argv[1:], progress=progress,
                                announce=None if api.quiet else _announce, reading=read_bar,
                                writing=write_bar)
    except AbortError as exc:
        if isinstance(exc.__cause__, UnfinishedRunError):
            cause = exc.__cause__
            raise AbortError(
                f"{cause} (hint: finish it with `{replay_command(add=('--resume',))}`, or "
                f"start a new run that still honours its creates, notes and tasks with "
                f"`{replay_command(add=('--new',))}`)") from cause
        raise
    _finish(result, as_json=as_json, quiet=api.quiet,
            resume_hint=next_step("resume", result.run_id or ""))



@contextmanager
def _target(api: ApiOptions, *, optional: bool) -> Iterator[Target | None]:
    """The API target; for a dry run without configured credentials, None."""
    if optional and not api.sandbox:
        try:
            with open_target(api) as target:
                yield target
        except ConfigError as exc:
            _echo(_("note: no API target ({error}); custom fields are not checked").format(
                error=exc))
            yield None
        return
    with open_target(api) as target:
        yield target


def _journal_for(api: ApiOptions, journal: Path | None, failures: Path | None) -> Path:
    if journal is not None:
        return journal
    home = api.journal()
    if home.exists():
        return home
    if failures is not None:  # journals of older bulkio versions sat beside the input
        beside = failures.resolve().parent / ".bulkio" / "journal.db"
        if beside.exists():
            return beside
    raise AbortError(
        _("no run journal at {path} (hint: run this inside the workspace of the run, or pass "
          "--state-dir DIR / --journal FILE)").format(path=home)
    )


_wait_option = click.option(
    "--wait", is_flag=True,
    help="If another process is running this run's file into its location, wait for it.")


@main.command()
@click.argument("run_id")
@api_options
@click.option("--journal", "journal", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Run journal (default: journal.db in the state home).")
@_wait_option
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON on stdout.")
def resume(run_id: str, *, api: ApiOptions, journal: Path | None, wait: bool,
           as_json: bool) -> None:
    """Finish an interrupted import run with the options it started with.

    \b
    Example:
      bulkio resume 20261126-0429-ab12 --sandbox

    Rows already settled are not sent again; the reports are rewritten complete.

    \b
    Exit codes:
      0  every row succeeded (or was unchanged)
      1  run aborted (bad input, auth, network); resumable
      2  usage error
      3  run finished but some rows failed: see the failure file
    """
    path = _journal_for(api, journal, None)
    with abort_on_errors():
        api = with_run_location(api, path, run_id)
    with abort_on_errors(), open_target(api) as target, progress_bar(api, "resume") as progress:
        result = resume_run(run_id, journal_path=path, target=target, progress=progress,
                            wait=wait)
    _finish(result, as_json=as_json, quiet=api.quiet,
            resume_hint=next_step("resume", result.run_id or run_id))


@main.command()
@click.argument("run_id", required=False)
@api_options
@click.option("--failures", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              metavar="FILE",
              help="The run's failure file, fixed by hand: its rows (matched by _row) are "
              "re-sent with the fixed values.")
@click.option("--journal", "journal", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE",
              help="Run journal (default: journal.db in the state home).")
@_wait_option
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON on stdout.")
def retry(run_id: str | None, *, api: ApiOptions, failures: Path | None, journal: Path | None,
          wait: bool, as_json: bool) -> None:
    """Re-send only the failed rows of an import run; merge them into its reports.

    \b
    Example:
      bulkio retry 20261126-0429-ab12 --sandbox
      bulkio retry --failures contactos.failures.csv --sandbox

    Phases that already succeeded (e.g. the contact was saved but its tags failed) are not
    redone. Without RUN_ID, the run is read from the summary file beside --failures.

    \b
    Exit codes:
      0  every row succeeded (or was unchanged)
      1  run aborted (bad input, auth, network); resumable
      2  usage error
      3  run finished but some rows failed: see the failure file
    """
    if run_id is None and failures is None:
        raise click.UsageError(_("give a RUN_ID or --failures FILE"))
    path = _journal_for(api, journal, failures)
    with abort_on_errors():
        api = with_run_location(api, path, run_id)
    with abort_on_errors(), open_target(api) as target, progress_bar(api, "retry") as progress:
        result = retry_run(run_id, journal_path=path, target=target, failures=failures,
                           progress=progress, wait=wait)
    _finish(result, as_json=as_json, quiet=api.quiet,
            resume_hint=next_step("retry", result.run_id or run_id or ""))
