"""``bulkio tags|business|notes|tasks|workflow|campaign|followers|delete``: bulk chores."""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from bulkio.bulk.rows import COMMANDS, OpSettings
from bulkio.bulk.run import BulkOptions, BulkResult, count_rows, run_bulk
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
    replay_command,
    state_only,
)
from bulkio.cli.reading import pop_read_options, reading_option_list
from bulkio.errors import CODES, ConfigError
from bulkio.i18n import _
from bulkio.plan.batcher import DEFAULT_TAG_CHUNK

R = TypeVar("R")

_EXIT_CODES = """\b
Exit codes: 0 every row succeeded, 1 run aborted (bad input, auth, network),
2 usage error, 3 some rows failed (see the .failures file)."""


def _split_option(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(p.strip() for p in value.replace(";", ",").split(",") if p.strip())


def bulk_options(func: Callable[..., R]) -> Callable[..., R]:
    """Reading options, run options and the API bundle shared by every bulk command."""
    options = [
        click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        *reading_option_list(prepare=False),
        click.option("--dry-run", is_flag=True,
                     help="Read the file and show what would be done; send nothing."),
        click.option("--resume", is_flag=True,
                     help="Continue the last run of this file: rows done are kept, "
                     "interrupted and failed rows run again."),
        click.option("--journal", "journal_path", type=click.Path(dir_okay=False,
                                                                  path_type=Path),
                     help="Run journal (default: journal.db in the state home)."),
        click.option("--wait", is_flag=True,
                     help="If another run of this command on this file into this location is "
                     "live, wait for it to end instead of refusing."),
        click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
                     help="Folder for the reports (default: beside the file)."),
        click.option("--json", "as_json", is_flag=True,
                     help="Print the run summary as JSON on stdout."),
    ]  # fmt: skip

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        kwargs["read"] = pop_read_options(kwargs)
        return func(*args, **kwargs)

    decorated: Callable[..., R] = api_options(wrapper)
    for option in reversed(options):
        decorated = option(decorated)
    return decorated


def _interactive() -> bool:
    """Whether a person can answer a question on stdin (not a pipe, cron or CI)."""
    return sys.stdin.isatty()


def _echo(text: str = "") -> None:
    click.echo(text, err=True)


def _print_result(result: BulkResult, *, as_json: bool, quiet: bool) -> None:
    if as_json:
        emit_json(result.to_json())
    if result.plan is not None:
        _print_plan(result, as_json=as_json)
        return
    if result.aborted is not None:
        hint = (_(" (hint: {hint})").format(hint=_(result.aborted.hint))
                if result.aborted.hint else "")
        _echo(_("Error: run aborted: {error}{hint}").format(error=result.aborted, hint=hint))
    report = result.report
    if report is None or quiet:
        return
    actions = ", ".join(f"{n} {_(a)}" for a, n in sorted(report.by_action.items()))
    actions = f" ({actions})" if actions else ""
    _echo(_("{command}: {rows} rows, {succeeded} succeeded{actions}, {failed} failed; "
            "{requests} requests; run {run}").format(
        command=result.command, rows=report.rows, succeeded=report.succeeded, actions=actions,
        failed=report.failed, requests=report.requests.total, run=result.run_id))
    for code, n in sorted(report.by_error.items()):
        _echo(f"  {n:>6}  {code}: {_(CODES.get(code, ''))}")
    _echo("  " + _("success: {path}").format(path=report.success_path))
    _echo("  " + _("failures: {path}").format(path=report.failure_path))
    if result.journal_path is not None:
        listing = next_step("runs", forward=state_only)
        _echo("  " + _("journal: {path} (list runs with `{command}`)").format(
            path=result.journal_path, command=listing))
    if result.aborted is not None:
        _echo(_("Resume with: {command}").format(command=replay_command(add=("--resume",))))


#: why the last dry run could not look contacts up (no target configured)
_no_target: list[str] = []


@contextmanager
def _dry_run_target(api: ApiOptions) -> Iterator[Target | None]:
    """The target a dry run looks contacts up in (read-only); None when none is configured."""
    _no_target.clear()
    with ExitStack() as stack:
        target: Target | None = None
        try:
            target = stack.enter_context(open_target(api))
        except ConfigError as exc:
            if api.sandbox:
                raise
            _no_target.append(str(exc))
        yield target


def _print_plan(result: BulkResult, *, as_json: bool) -> None:
    plan = result.plan
    assert plan is not None
    if as_json:
        return
    lookups = sum(plan.lookups.values())
    _echo(_("Dry run of `bulkio {command}`: nothing was sent").format(command=result.command)
          + (_(" (only {n} read-only lookups).").format(n=lookups) if lookups else "."))
    if plan.resolved:
        _echo("  " + _("contacts looked up: each row below found its contact, or says why not"))
    else:
        why = f" ({_no_target[0]})" if _no_target else ""
        _echo("  " + _("contacts NOT looked up: no API target is configured{why}; rows naming "
                       "a contact that does not exist would still fail. Add --sandbox, or set "
                       "BULKIO_TOKEN and --location-id, to check them (read-only).").format(
                           why=why))
    _echo("  " + _("{rows} rows: {runnable} would run, {failing} would fail").format(
        rows=plan.rows, runnable=plan.runnable, failing=plan.rows - plan.runnable))
    for code, n in sorted(plan.failures.items()):
        _echo(f"  {n:>6}  {code}: {_(CODES.get(code, ''))}")
    listing = plan.listing if result.command == "delete" else plan.listing[:10]
    if listing:
        _echo("  " + (_("rows would be deleted:") if result.command == "delete"
                      else _("rows planned:")))
    for item in listing:
        if "error" in item:
            _echo("    " + _("row {row}: {error}: {message}").format(
                row=item["row"], error=item["error"], message=item["message"]))
        else:
            extra = {k: v for k, v in item.items() if k not in ("row", "contact")}
            tail = f" {json.dumps(extra, ensure_ascii=False)}" if extra else ""
            _echo("    " + _("row {row}: {contact}").format(
                row=item["row"], contact=item["contact"]) + tail)
    if len(listing) < plan.rows:
        _echo("    " + _("... and {n} more").format(n=plan.rows - len(listing))
              + (_(" (--json lists them)") if len(listing) < len(plan.listing) else ""))
    _echo("  " + _("requests: {n} (~{seconds} s at 100 per 10 s; email/phone lookups are an "
                   "upper bound)").format(n=plan.estimate.total,
                                          seconds=f"{plan.estimate.seconds:.0f}"))
    for endpoint, n in sorted(plan.requests.items()):
        _echo(f"    {n:>7}  {endpoint}")


def _run(
    file: Path, settings: OpSettings, *, read: ReadOptions, api: ApiOptions, dry_run: bool,
    resume: bool, journal_path: Path | None, out_dir: Path | None, as_json: bool,
    wait: bool = False, confirm_delete: bool = False, tag_chunk: int = DEFAULT_TAG_CHUNK,
    previous_business: bool = True, force: bool = False,
) -> None:
    options = BulkOptions(tag_chunk=tag_chunk, previous_business=previous_business,
                          force=force, dry_run=dry_run, out_dir=out_dir)
    with abort_on_errors():
        if dry_run:
            with _dry_run_target(api) as target, \
                    progress_bar(api, "resolving contacts") as bar:
                result = run_bulk(file, settings=settings, read=read, options=options,
                                  target=target, progress=bar)
        else:
            with open_target(api) as target, \
                    progress_bar(api, COMMANDS[settings.op]) as bar, \
                    phase_bar(api, "writing reports") as write_bar:
                if confirm_delete:
                    _total, runnable = count_rows(file, settings, read)
                    if not _interactive():
                        raise AbortError(_("no terminal to confirm on; add --yes to delete "
                                           "{n} contacts").format(n=runnable))
                    click.confirm(
                        _("Delete {n} contacts listed in {file} from location {location}? "
                          "This cannot be undone").format(
                            n=runnable, file=file.name, location=target.location_id), abort=True,
                        err=True,
                    )
                result = run_bulk(file, settings=settings, read=read, options=options,
                                  target=target, journal_path=api.journal(journal_path),
                                  resume=resume, wait=wait, argv=sys.argv[1:], progress=bar,
                                  writing=write_bar)
    _print_result(result, as_json=as_json, quiet=api.quiet)
    sys.exit(result.exit_code)


# -- tags -----------------------------------------------------------------------------------


@main.group()
def tags() -> None:
    """Add or remove tags on the contacts listed in a spreadsheet.

    \b
    Example:
      bulkio tags add samples/bulk_tags.csv --sandbox
    """


def _tags_command(kind: str) -> Callable[..., None]:
    def command(file: Path, *, tags_opt: str | None, tag_column: str | None,
                chunk_size: int, read: ReadOptions, api: ApiOptions, all_tags: bool = False,
                per_contact: bool = False, **run: Any) -> None:
        if per_contact and all_tags:
            raise click.UsageError(_("--all needs the bulk endpoint: drop --per-contact"))
        settings = OpSettings(op="tags-add" if kind == "add" else "tags-remove",
                              tags=_split_option(tags_opt), tag_column=tag_column,
                              all_tags=all_tags, per_contact=per_contact)
        _run(file, settings, read=read, api=api, tag_chunk=chunk_size, **run)

    return command


_TAGS_DOC = """{verb} tags on the contacts of FILE (contact_id, email or phone per row).

\b
Example:
  bulkio tags {kind} samples/bulk_tags.csv --sandbox
  bulkio tags {kind} clientes.xlsx --tags vip,2026 --dry-run

Tags come from --tags (the same for every row), or from a column (default one named
tags/etiquetas; several per cell split on , ; |), or both with --tags and --tag-column.
Contacts with the same tags go in one POST /contacts/bulk/tags/update/{kind} per
--chunk-size contacts (default {chunk}; the API publishes no maximum: a 413/422 halves
the chunk and retries). {extra}

{exit_codes}
"""

for _kind, _verb, _extra in (
    ("add", "Add", ""),
    ("remove", "Remove", "--all removes every tag of each contact (removeAllTags)."),
):
    _cmd = _tags_command(_kind)
    _cmd.__doc__ = _TAGS_DOC.format(verb=_verb, kind=_kind, chunk=DEFAULT_TAG_CHUNK,
                                    extra=_extra, exit_codes=_EXIT_CODES)
    _cmd = click.option("--chunk-size", type=click.IntRange(min=1), default=DEFAULT_TAG_CHUNK,
                        show_default=True, help="Contacts per bulk tags call.")(_cmd)
    _cmd = click.option("--per-contact", is_flag=True,
                        help=f"One {'POST' if _kind == 'add' else 'DELETE'} "
                        "/contacts/{contactId}/tags per contact instead of the bulk endpoint "
                        "(for tokens without the bulk scope; slower).")(_cmd)
    if _kind == "remove":  # `tags add` has no --all: not in its help, nor in its suggestions
        _cmd = click.option("--all", "all_tags", is_flag=True,
                            help="Remove every tag of the listed contacts.")(_cmd)
    _cmd = click.option("--tag-column", metavar="COLUMN",
                        help="Column holding the tags (default: tags/etiquetas).")(_cmd)
    _cmd = click.option("--tags", "tags_opt", metavar="A,B",
                        help="Tags for every row, comma-separated (the column is then read only "
                        "with --tag-column).")(_cmd)
    tags.command(_kind)(bulk_options(_cmd))


# -- business -------------------------------------------------------------------------------


@main.group()
def business() -> None:
    """Assign contacts to a business, or remove their business.

    \b
    Example:
      bulkio business assign samples/bulk_business.csv --sandbox
    """


@business.command("assign")
@click.option("--business-id", metavar="ID", help="Business for every row (an id or a name).")
@click.option("--business-column", metavar="COLUMN",
              help="Column holding each row's business id or name (default: business_id, "
              "empresa, company...).")
@click.option("--create-businesses", is_flag=True,
              help="Create the businesses a row names and the location does not have "
              "(journaled: `bulkio undo` deletes only those).")
@click.option("--no-previous", is_flag=True,
              help="Skip looking up each contact's previous business (one search per 50 "
              "contacts); undo then cannot restore it.")
@bulk_options
def business_assign(file: Path, *, business_id: str | None, business_column: str | None,
                    create_businesses: bool, no_previous: bool, read: ReadOptions,
                    api: ApiOptions, **run: Any) -> None:
    """Assign the contacts of FILE to a business (bulk API calls of 50 contacts).

    \b
    Example:
      bulkio business assign samples/bulk_business.csv --sandbox
      bulkio business assign clientes.csv --business-id 63b7ec34ea409a9a8bd2a4ff

    \b
    The business comes from --business-id or a column (--business-column, default
    business_id). Before each call the contacts' current business is looked up (one
    POST /contacts/search per 50) so that `bulkio undo` can put it back.

    \b
    A company name resolves to its business (GET /businesses/ once per run): exact name,
    then ignoring case and accents; unknown or ambiguous names fail their rows
    (unknown-business, ambiguous-business) unless --create-businesses.
    """
    settings = OpSettings(op="business-assign", business_id=business_id,
                          business_column=business_column,
                          create_businesses=create_businesses)
    _run(file, settings, read=read, api=api, previous_business=not no_previous, **run)


@business.command("remove")
@click.option("--no-previous", is_flag=True,
              help="Skip looking up each contact's business first; undo then cannot restore it.")
@bulk_options
def business_remove(file: Path, *, no_previous: bool, read: ReadOptions, api: ApiOptions,
                    **run: Any) -> None:
    """Remove the business of the contacts of FILE (businessId null, 50 per call).

    \b
    Example:
      bulkio business remove samples/bulk_business.csv --sandbox
    """
    _run(file, OpSettings(op="business-remove"), read=read, api=api,
         previous_business=not no_previous, **run)


# -- notes and tasks ------------------------------------------------------------------------


@main.group()
def notes() -> None:
    """Attach notes to contacts from a spreadsheet.

    \b
    Example:
      bulkio notes add samples/bulk_notes.csv --sandbox
    """


@notes.command("add")
@click.option("--force", is_flag=True,
              help="Add notes again even if an earlier run of this file added them.")
@bulk_options
def notes_add(file: Path, *, force: bool, read: ReadOptions, api: ApiOptions, **run: Any) -> None:
    """Add one note per row of FILE (body/nota, title, pinned, user_id, color).

    \b
    Example:
      bulkio notes add samples/bulk_notes.csv --sandbox

    \b
    Notes are not idempotent on the API: the journal records each note before it is sent,
    so a re-run or --resume never adds a note twice (an interrupted one is looked up on the
    contact first). --force adds them again.
    """
    _run(file, OpSettings(op="notes-add"), read=read, api=api, force=force, **run)


@main.group()
def tasks() -> None:
    """Create tasks on contacts from a spreadsheet.

    \b
    Example:
      bulkio tasks add samples/bulk_tasks.csv --sandbox
    """


_COMPANY_OPTION = click.option(
    "--company-id", envvar="BULKIO_COMPANY_ID", metavar="ID",
    help="The agency (company) id, to find users by email or full name "
    "[env: BULKIO_COMPANY_ID].",
)


@tasks.command("add")
@click.option("--force", is_flag=True,
              help="Create tasks again even if an earlier run of this file created them.")
@_COMPANY_OPTION
@bulk_options
def tasks_add(file: Path, *, force: bool, company_id: str | None, read: ReadOptions,
              api: ApiOptions, **run: Any) -> None:
    """Add a task per row of FILE (title, body, due date, completed, assigned_to).

    \b
    Example:
      bulkio tasks add samples/bulk_tasks.csv --sandbox --date-order DMY

    \b
    The due date (required by the API) may be a date (31/12/2026, 2026-12-31: midnight UTC)
    or a date and time (2026-12-31 15:30, read as UTC; ISO text with an offset keeps it);
    it is sent as ISO 8601. Like notes, tasks are never created twice (see notes add).
    An assigned_to cell may hold a user's email or full name (looked up once per run,
    needs --company-id).
    """
    _run(file, OpSettings(op="tasks-add", company_id=company_id), read=read, api=api,
         force=force, **run)


@notes.command("update")
@bulk_options
def notes_update(file: Path, *, read: ReadOptions, api: ApiOptions, **run: Any) -> None:
    """Change existing notes from FILE (by note_id or title).

    \b
    Example:
      bulkio notes update notas.csv --sandbox

    \b
    A row names its note by a note_id column, or by its title (the contact's only note
    with that title); columns body/nota, pinned/fijada, color, user_id set its fields.
    With a note_id, a title column sets a new title. Each note is read
    before it is changed (its previous values are journaled) and the answer is checked:
    a field not stored as sent is a not-stored warning.
    """
    _run(file, OpSettings(op="notes-update"), read=read, api=api, **run)


@tasks.command("update")
@_COMPANY_OPTION
@bulk_options
def tasks_update(file: Path, *, company_id: str | None, read: ReadOptions, api: ApiOptions,
                 **run: Any) -> None:
    """Change existing tasks from FILE (by task_id or title).

    \b
    Example:
      bulkio tasks update tareas.csv --sandbox --date-order DMY

    \b
    A row names its task by a task_id column, or by its title (the contact's only task
    with that title); columns body, due date/vence, completed, assigned_to set its fields.
    With a task_id, a title column sets a new title. The due date is read
    like `tasks add`. The answer is checked field by field (not-stored warnings).
    """
    _run(file, OpSettings(op="tasks-update", company_id=company_id), read=read, api=api,
         **run)


@tasks.command("complete")
@bulk_options
def tasks_complete(file: Path, *, read: ReadOptions, api: ApiOptions, **run: Any) -> None:
    """Mark tasks completed from FILE (by task_id or title).

    \b
    Example:
      bulkio tasks complete tareas.csv --sandbox

    \b
    Without a completed column every named task is marked completed; a completed cell
    of no / false / 0 reopens it.
    """
    _run(file, OpSettings(op="tasks-complete"), read=read, api=api, **run)


# -- workflow, campaign, followers ----------------------------------------------------------


@main.group()
def workflow() -> None:
    """Enroll contacts in a workflow, or remove them from it.

    \b
    Example:
      bulkio workflow add samples/bulk_tags.csv --workflow-id wf_123 --sandbox
    """


@workflow.command("add")
@click.option("--workflow-id", required=True, metavar="ID", help="The workflow.")
@click.option("--start-time", metavar="WHEN",
              help="eventStartTime for every row (a column start_time/inicio overrides it).")
@bulk_options
def workflow_add(file: Path, *, workflow_id: str, start_time: str | None, read: ReadOptions,
                 api: ApiOptions, **run: Any) -> None:
    """Enroll the contacts of FILE in a workflow (one request per contact).

    \b
    Example:
      bulkio workflow add samples/bulk_tags.csv --workflow-id wf_123 --sandbox
    """
    _run(file, OpSettings(op="workflow-add", workflow_id=workflow_id, start_time=start_time),
         read=read, api=api, **run)


@workflow.command("remove")
@click.option("--workflow-id", required=True, metavar="ID", help="The workflow.")
@bulk_options
def workflow_remove(file: Path, *, workflow_id: str, read: ReadOptions, api: ApiOptions,
                    **run: Any) -> None:
    """Remove the contacts of FILE from a workflow (one request per contact).

    \b
    Example:
      bulkio workflow remove samples/bulk_tags.csv --workflow-id wf_123 --sandbox
    """
    _run(file, OpSettings(op="workflow-remove", workflow_id=workflow_id), read=read, api=api,
         **run)


@main.group()
def campaign() -> None:
    """Add contacts to a campaign, or remove them from it.

    \b
    Example:
      bulkio campaign add samples/bulk_tags.csv --campaign-id camp_1 --sandbox
    """


@campaign.command("add")
@click.option("--campaign-id", required=True, metavar="ID", help="The campaign.")
@bulk_options
def campaign_add(file: Path, *, campaign_id: str, read: ReadOptions, api: ApiOptions,
                 **run: Any) -> None:
    """Add the contacts of FILE to a campaign (one request per contact).

    \b
    Example:
      bulkio campaign add samples/bulk_tags.csv --campaign-id camp_1 --sandbox
    """
    _run(file, OpSettings(op="campaign-add", campaign_id=campaign_id), read=read, api=api,
         **run)


@campaign.command("remove")
@click.option("--campaign-id", metavar="ID", help="The campaign.")
@click.option("--all", "all_campaigns", is_flag=True,
              help="Remove each contact from every campaign it is in (instead of --campaign-id).")
@bulk_options
def campaign_remove(file: Path, *, campaign_id: str | None, all_campaigns: bool,
                    read: ReadOptions, api: ApiOptions, **run: Any) -> None:
    """Remove the contacts of FILE from a campaign, or from every campaign.

    \b
    Example:
      bulkio campaign remove samples/bulk_tags.csv --campaign-id camp_1 --sandbox
      bulkio campaign remove samples/bulk_tags.csv --all --sandbox
    """
    if bool(campaign_id) == all_campaigns:
        raise click.UsageError(_("give either --campaign-id ID or --all"))
    if all_campaigns:
        _run(file, OpSettings(op="campaign-remove-all"), read=read, api=api, **run)
        return
    _run(file, OpSettings(op="campaign-remove", campaign_id=campaign_id), read=read, api=api,
         **run)


@main.group()
def followers() -> None:
    """Add or remove followers (user ids) of contacts.

    \b
    Example:
      bulkio followers add samples/bulk_followers.csv --sandbox
    """


def _followers_command(kind: str) -> Callable[..., None]:
    def command(file: Path, *, followers_opt: str | None, company_id: str | None,
                read: ReadOptions, api: ApiOptions, **run: Any) -> None:
        settings = OpSettings(op="followers-add" if kind == "add" else "followers-remove",
                              followers=_split_option(followers_opt), company_id=company_id)
        _run(file, settings, read=read, api=api, **run)

    command.__doc__ = f"""{kind.capitalize()} followers of the contacts of FILE.

    \b
    Example:
      bulkio followers {kind} samples/bulk_followers.csv --sandbox

    \b
    User ids come from --followers (the same for every row), else from a
    followers/seguidores column (several per cell split on , ; |). A user's email or
    full name ("Juan Pérez") is looked up with the Users API, once per distinct value
    (needs --company-id); unknown or ambiguous ones fail their rows.
    """
    return command


for _kind in ("add", "remove"):
    _fcmd = click.option(
        "--followers", "followers_opt", metavar="U1,U2",
        help="Follower user ids, emails or names for every row (the column is then not read).",
    )(_followers_command(_kind))
    _fcmd = _COMPANY_OPTION(_fcmd)
    followers.command(_kind)(bulk_options(_fcmd))


# -- delete ---------------------------------------------------------------------------------


@main.command("delete")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@bulk_options
def delete(file: Path, *, yes: bool, read: ReadOptions, api: ApiOptions, **run: Any) -> None:
    """Delete the contacts listed in FILE (asks first, showing how many).

    \b
    Example:
      bulkio delete samples/bulk_delete.csv --dry-run
      bulkio delete samples/bulk_delete.csv --sandbox --yes

    \b
    --dry-run lists who would be deleted and sends nothing. Deleted contacts cannot be
    brought back by `bulkio undo`.
    """
    _run(file, OpSettings(op="delete"), read=read, api=api, confirm_delete=not yes, **run)


def _add_exit_codes() -> None:
    """Append the exit codes to the help of every bulk command (the tags ones have them)."""
    for group in (business, notes, tasks, workflow, campaign, followers):
        for command in group.commands.values():
            command.help = f"{inspect.cleandoc(command.help or '')}\n\n{_EXIT_CODES}"
    delete.help = f"{inspect.cleandoc(delete.help or '')}\n\n{_EXIT_CODES}"


_add_exit_codes()
