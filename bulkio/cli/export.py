"""``bulkio export``: contacts to CSV, XLSX or JSONL (filtered, incremental, atomic)."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource
from tqdm import tqdm

from bulkio.cli import main
from bulkio.cli.options import (
    AbortError,
    ApiOptions,
    abort_on_errors,
    api_options,
    emit_json,
    open_target,
    replay_command,
)
from bulkio.errors import TransportError
from bulkio.export.filters import (
    FILTER_SYNTAX,
    FilterError,
    FilterExpr,
    SortSpec,
    load_filter_file,
    parse_filter,
    parse_sort,
)
from bulkio.export.run import (
    DEFAULT_OVERLAP,
    ExportResult,
    ExportSpec,
    expand_target,
    next_run_number,
    run_export,
)
from bulkio.files.export_writers import detect_format, excel_delimiter, user_locale
from bulkio.i18n import _

_DELIMITERS = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}


def _filters(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> list[FilterExpr]:
    try:
        return [parse_filter(v) for v in value]
    except FilterError as exc:
        raise click.BadParameter(f"{exc}: {FILTER_SYNTAX}", ctx=ctx, param=param) from exc


def _sorts(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[SortSpec]:
    try:
        sorts = [parse_sort(v) for v in value]
    except FilterError as exc:
        raise click.BadParameter(f"{exc}: {exc.hint}", ctx=ctx, param=param) from exc
    if len(sorts) > 2:
        raise click.BadParameter(_("at most 2 --sort options"), ctx=ctx, param=param)
    return sorts


def _delimiter(ctx: click.Context, param: click.Parameter, value: str) -> str:
    delim = _DELIMITERS.get(value.lower(), value)
    if len(delim) != 1 or delim in "\"\r\n":
        raise click.BadParameter(
            "give one character, e.g. ';' or 'tab'", ctx=ctx, param=param
        )
    return delim


def _csv_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


class _Bar:
    """tqdm on stderr, only on a TTY and without --quiet; total from the search ``total``.

    With --include the bar moves per contact whose notes/tasks/appointments are in (the
    slow part: one request per contact and kind), not per page."""

    def __init__(self, *, enabled: bool, label: str = "export") -> None:
        self._enabled = enabled
        self._label = label
        self._bar: tqdm[Any] | None = None

    def __call__(self, rows: int, total: int | None) -> None:
        if not self._enabled:
            return
        if self._bar is None:
            self._bar = tqdm(total=total, unit=" contacts", file=sys.stderr, desc=self._label,
                             dynamic_ncols=True)
        elif total is not None and self._bar.total != total:
            self._bar.total = total
            self._bar.refresh()
        self._bar.update(rows)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def default_state_file(api: ApiOptions, output: str) -> Path:
    """Where ``--since last`` keeps its watermark without ``--state``: the state home's
    ``exports/`` folder, one file per output name (as typed, placeholders included) and
    location (or profile, or the sandbox), so each scheduled export has its own."""
    where = ("sandbox" if api.sandbox else api.profile or api.location_id
             or os.environ.get("BULKIO_LOCATION_ID") or "default")
    key = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{where}.{output}")
    return api.home / "exports" / f"{key}.state"


@main.command("export")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    metavar="FILE",
    help="Output file: .csv, .xlsx or .jsonl (by extension); '-' streams CSV to stdout. "
    "{date}, {time} (UTC, HHMMSS) and {run} (run number from --state) are replaced, e.g. "
    "contacts-{date}-{time}.csv. With --state an existing file is never overwritten "
    "(-2, -3... is added).",
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    callback=_filters,
    metavar="EXPR",
    help="Repeatable, ANDed: 'tags=vip', 'country!=MX', 'name~ana', 'name!~ana', "
    "'dateAdded>=2026-01-01', 'email exists', 'phone not exists', 'Plan=Gold' (custom field).",
)
@click.option(
    "--filter-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON list of raw API filters ({field, operator, value} or {group, filters}).",
)
@click.option("--query", metavar="TEXT", help="Free-text search (name, email, phone, company).")
@click.option(
    "--sort",
    "sorts",
    multiple=True,
    callback=_sorts,
    metavar="FIELD[:asc|desc]",
    help="Sort order, up to 2 (default: dateAdded ascending).",
)
@click.option(
    "--columns",
    metavar="LIST",
    help="Comma-separated columns, in order (standard fields, nested ones such as "
    "dndSettings.sms or attributionSource.utmSource, or custom field names), or 'all' "
    "(every field of the contact schema). Default: id, names, email, phone, company, "
    "address, dateOfBirth, tags, source, dates and every custom field.",
)
@click.option(
    "--since",
    metavar="last|DATE",
    help="Only contacts updated since DATE (ISO), or since the last successful run "
    "('last', needs --state).",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="State file holding the watermark for --since last (updated only after success) "
    "[default: in the state home, one per output name and location].",
)
@click.option(
    "--overlap",
    type=click.IntRange(min=0),
    default=int(DEFAULT_OVERLAP.total_seconds()),
    show_default=True,
    metavar="SECONDS",
    help="With --since last, also re-export contacts updated this long before the watermark "
    "(search results lag writes).",
)
@click.option(
    "--include",
    metavar="notes,tasks,appointments",
    help="Related data: XLSX sheets, or sibling files <stem>.notes.csv / <stem>.tasks.csv / "
    "<stem>.appointments.csv (one request per contact and kind).",
)
@click.option("--business-id", metavar="ID", help="Export the contacts of this business.")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 BOM (for Excel).")
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for Excel: UTF-8 with BOM and the delimiter Excel expects for your locale "
    "(';' where the decimal sign is a comma: es_ES, pt_BR, fr_FR, de_DE...; ',' otherwise). "
    "--delimiter overrides it.",
)
@click.option(
    "--delimiter",
    default=",",
    metavar="CHAR",
    show_default=True,
    callback=_delimiter,
    help="CSV delimiter: one character, or tab / semicolon / pipe.",
)
@click.option(
    "--raw",
    is_flag=True,
    help="CSV: do not neutralize cells starting with = + - @ tab or CR (formula injection).",
)
@click.option(
    "--append-sheet",
    "append_sheet",
    metavar="NAME",
    help="Add the export as a new sheet NAME ({date}, {time}, {run} allowed) of the .xlsx "
    "named by -o, keeping its other sheets (created if missing).",
)
@click.option(
    "--jsonl-raw",
    "jsonl_raw",
    is_flag=True,
    help="Write the API's objects as they came, one per line, nested fields kept (output "
    ".jsonl or -o -; --include items too, each with its contactId).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@api_options
def export_command(
    *,
    api: ApiOptions,
    output: str,
    filters: list[FilterExpr],
    filter_file: Path | None,
    query: str | None,
    sorts: list[SortSpec],
    columns: str | None,
    since: str | None,
    state: Path | None,
    overlap: int,
    include: str | None,
    business_id: str | None,
    bom: bool,
    excel: bool,
    delimiter: str,
    raw: bool,
    jsonl_raw: bool,
    append_sheet: str | None,
    as_json: bool,
) -> None:
    """Export contacts to CSV, XLSX or JSONL: filtered, incremental, atomic.

    \b
    Example:
      bulkio export -o vip-{date}.xlsx --filter tags=vip --filter 'country!=MX' --sandbox

    \b
    More:
      bulkio export -o - --columns id,email,phone --filter 'email exists'
      bulkio export -o out/contacts-{date}-{time}.csv --since last --state out/export.state
      bulkio export -o contacts.csv --excel
      bulkio export -o clients.xlsx --filter 'Plan=Gold' --include notes,tasks
      bulkio export -o todo.csv --columns all --include appointments
      bulkio export -o objetos.jsonl --jsonl-raw --include notes
      bulkio export -o informe.xlsx --append-sheet 'contactos {date}'

    The file is written to a temporary file beside the target and renamed into place
    when complete: readers never see half a file, and a failed run leaves the previous
    export untouched. CSV cells starting with = + - @ tab, CR or LF get a leading ' so
    spreadsheets do not run them as formulas (--raw turns this off), except plain
    numbers such as +528102978753 that cannot be formulas; XLSX cells are always plain
    text cells.

    \b
    Exit codes:
      0  export complete
      1  run aborted (API, auth, network, file error); previous file left intact
      2  usage error (bad option, filter, column or field name)
    """
    to_stdout = output == "-"
    if to_stdout and as_json:
        raise click.UsageError(_("--json prints on stdout; use -o FILE with --json"))
    if since == "last" and state is None:
        state = default_state_file(api, output)
    include_kinds = _csv_list(include) or []
    if to_stdout and include_kinds:
        raise click.UsageError(_("--include writes sibling files; use -o FILE, not -o -"))
    if "{run}" in output and state is None:
        raise click.UsageError(_("{run} counts runs in the state file: add --state FILE"))
    if excel:
        bom = True
        ctx = click.get_current_context()
        if ctx.get_parameter_source("delimiter") is ParameterSource.DEFAULT:
            delimiter = excel_delimiter(user_locale())
    run_number = next_run_number(state)
    target_name = expand_target(output, run=run_number)
    with abort_on_errors():
        fmt = detect_format(target_name)
    if append_sheet is not None and (to_stdout or fmt != "xlsx" or jsonl_raw):
        raise click.UsageError(_("--append-sheet adds a sheet to a workbook: use -o FILE.xlsx"))
    if append_sheet is not None and "{run}" in append_sheet and state is None:
        raise click.UsageError(_("{run} counts runs in the state file: add --state FILE"))
    if jsonl_raw and not to_stdout and fmt != "jsonl":
        raise click.UsageError(
            _("--jsonl-raw writes JSON lines; name the output .jsonl or use -o -"))
    try:
        raw_filters = load_filter_file(filter_file) if filter_file else []
    except FilterError as exc:
        raise click.UsageError(f"{exc} ({exc.hint})") from exc
    spec = ExportSpec(
        filters=filters,
        raw_filters=raw_filters,
        query=query,
        sort=sorts,
        columns=_csv_list(columns),
        since=since,
        state=state,
        overlap=timedelta(seconds=overlap),
        include=include_kinds,
        business_id=business_id,
        objects=jsonl_raw,
        append_sheet=(expand_target(append_sheet, run=run_number)
                      if append_sheet is not None else None),
    )
    target = None if to_stdout else Path(target_name)
    stream = sys.stdout if to_stdout else None
    label = f"export + {', '.join(include_kinds)}" if include_kinds else "export"
    bar = _Bar(enabled=not api.quiet and sys.stderr.isatty(), label=label)
    try:
        with abort_on_errors(), open_target(api) as tgt:

            async def go() -> ExportResult:
                async with tgt.client() as client:
                    return await run_export(
                        client,
                        target=target,
                        fmt=fmt,
                        spec=spec,
                        stream=stream,
                        bom=bom,
                        delimiter=delimiter,
                        raw=raw,
                        progress=bar,
                    )

            try:
                result = asyncio.run(go())
            except FilterError as exc:
                raise click.UsageError(f"{exc} ({exc.hint})") from exc
            except TransportError as exc:
                # The generic hint names --resume, which export does not have.
                exc.hint = _("check the network and --base-url, then run the export again")
                raise
    except KeyboardInterrupt:
        bar.close()
        kept = ("the output stopped mid-stream" if to_stdout else
                f"no file was replaced: {target_name} is as before"
                + (" and so is the state file" if state is not None else ""))
        raise AbortError(f"export interrupted (Ctrl-C); {kept} (hint: run it again with "
                         f"`{replay_command()}`)") from None
    finally:
        bar.close()
    if as_json:
        emit_json(result.as_dict())
    if not api.quiet:
        where = ", ".join(str(p) for p in result.files) or "stdout"
        extra = "".join(f", {n} {_(kind)}" for kind, n in result.related.items())
        click.echo(
            _("exported {rows} contacts{extra} to {where} ({requests} requests, {seconds} s)")
            .format(rows=result.rows, extra=extra, where=where, requests=result.requests,
                    seconds=f"{result.duration_s:.1f}"),
            err=True,
        )
