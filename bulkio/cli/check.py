"""``bulkio check``, ``bulkio map`` and ``bulkio codes``: look at a file before importing it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bulkio.clean.mapping import (
    COMBINE,
    build_mapping,
    load_mapping,
    render_mapping_toml,
    unmapped_lines,
)
from bulkio.clean.normalize.dates import detect_date_order
from bulkio.cli import main
from bulkio.cli.options import abort_on_errors, emit_json, json_option, reading_bar
from bulkio.cli.reading import ReadOptions, open_preparation, reading_options
from bulkio.errors import CODES, InputError
from bulkio.i18n import _
from bulkio.imports.check import CheckResult, run_check

_DATE_TARGETS = ("dateOfBirth", "task_due")


def _echo(text: str = "") -> None:
    click.echo(text, err=True)


def _print_summary(result: CheckResult) -> None:
    s = result.summary
    read = _("format {format}").format(format=s.format)
    if s.encoding:
        read += _(", encoding {encoding}").format(encoding=s.encoding)
    if s.delimiter:
        read += _(", delimiter {delimiter}").format(delimiter=repr(s.delimiter))
    if s.sheet:
        read += _(", sheet {sheet}").format(sheet=repr(s.sheet))
    read += _(", header row {row}").format(row=s.header_row)
    _echo(f"{s.path}: {read}")
    if s.source_note:
        _echo(s.source_note)
    _echo(_("rows read {read}, ready {ready}, failed {failed}, cells changed {changes}").format(
        read=s.rows_read, ready=s.rows_ready, failed=s.rows_failed, changes=s.changes))
    for title, counts in ((_("errors"), s.errors), (_("warnings"), s.warnings)):
        if counts:
            _echo(f"{title}:")
            for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
                _echo(f"  {code:<20} {n:>8}")
    _echo(_("columns mapped:"))
    for column, label in s.mapped.items():
        _echo(f"  {column} -> {label}")
    _print_combined(s.combined)
    if s.unmapped:
        _echo(_("columns NOT mapped ({n}; not sent, kept in the reports):").format(
            n=len(s.unmapped)))
        for column, note in s.unmapped.items():
            _echo(f"  {column}: {note}")
    if s.ignored:
        _echo(_("columns ignored by the mapping: ") + ", ".join(s.ignored))
    for column, order in s.date_orders.items():
        origin = s.date_order_sources.get(column, "")
        if order:
            shown = order
        elif origin == "not-needed":
            shown = _("not needed (no value reads differently day-first and month-first)")
        else:
            shown = _("UNDECIDED: values like 03/04 fail as ambiguous-date; pass --date-order")
        _echo(_("date order of {column}: {order}").format(column=repr(column), order=shown)
              + (f" ({_(origin)})" if order else ""))
    _echo(_("ready rows: {path}").format(path=result.ready_path))
    _echo(_("failures:   {path}").format(path=result.failure_path))
    _echo(_("changes:    {path}").format(path=result.changes_path))


def _print_combined(combined: dict[str, list[str]]) -> None:
    for target, cols in combined.items():
        shown = " + ".join(cols)
        if COMBINE[target] == "join":
            _echo("  " + _("{target} joins {columns}").format(target=target, columns=shown))
        else:
            _echo("  " + _("{target} is the first non-empty of {columns} (the others are warned "
                  "per row: extra-value)").format(target=target, columns=shown))  # fmt: skip


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@reading_options
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Folder for the output files (default: <input folder>/<stem>-check/).",
)
@json_option
def check(file: Path, *, reading: ReadOptions, out_dir: Path | None, as_json: bool) -> None:
    """Check a CSV/XLSX file offline: what would be sent, what would fail, and why.

    \b
    Example:
      bulkio check samples/contactos_mx.csv --map samples/contactos_mx.map.toml

    \b
    Writes to --out-dir (default <input folder>/<stem>-check/):
      <stem>.ready.csv             the rows as they would be sent (API field names)
      <stem>.failures.csv|xlsx     failed rows: _row, _error_code, _error_message + your columns
      <stem>.changes.csv           every cell normalization changed (before -> after)

    \b
    Exit codes:
      0  every row is ready (warnings allowed)
      1  bad input (file, encoding, sheet, mapping)
      2  usage error
      3  some rows have errors: see the failures file
    """  # fmt: skip
    with abort_on_errors(), reading_bar(None, file) as read_bar:
        preparation = open_preparation(file, reading, on_read=read_bar)
        result = run_check(preparation, out_dir=out_dir)
    _print_summary(result)
    if as_json:
        emit_json(result.as_dict())
    if not result.ok:
        sys.exit(3)


def _date_orders(file: Path, reading: ReadOptions, columns: list[str]) -> dict[str, str | None]:
    if not columns:
        return {}
    table = reading.open(file)
    seen: dict[str, set[str]] = {c: set() for c in columns}
    for row in table.rows:
        for column, values in seen.items():
            raw = row.values.get(column)
            if raw and len(values) < 200_000:
                values.add(raw.strip())
    return {c: detect_date_order(v) for c, v in seen.items()}


@main.command(name="map")
@click.argument("file", type=click.Path(path_type=Path))
@reading_options
@click.option(
    "-o",
    "--output",
    "--write",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the mapping here, to reuse with --map on the next file from the same source "
    "(default: print it on stdout).",
)
@click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
@json_option
def map_command(file: Path, *, reading: ReadOptions, output: Path | None, force: bool,
                as_json: bool) -> None:
    """Write the column mapping bulkio infers for a file, as an editable TOML file.

    \b
    Example:
      bulkio map samples/crm/salesforce.csv --write salesforce.map.toml

    Every column is listed: mapped ones as `"Column" = "field"`, unmapped ones commented
    out with the closest field suggested (also listed on stderr). The CRM the file comes
    from (detected, or --from) is saved as `from` in [defaults]. Edit the file, then pass
    it to check or import with --map, for this file and the next export of the same CRM.
    With --map, the given mapping is the starting point. Date columns get the order their
    values prove (e.g. DMY when a day above 12 comes first). --json prints the mapping as
    one JSON object (columns, unmapped, the TOML text) instead of the TOML.
    """
    with abort_on_errors():
        if output is not None and output.exists() and not force:
            raise InputError(_("the output file exists"), path=output,
                             hint=_("pass --force to overwrite it, or choose another -o"))
        mapping_file = load_mapping(reading.mapping) if reading.mapping else None
        table = reading.open(file)
        mapping = build_mapping(table.headers, mapping_file, source=reading.source)
        if reading.default_region:
            mapping.default_region = reading.default_region
        if reading.date_order:
            mapping.date_order = reading.date_order
        date_cols = [c for c, s in mapping.columns.items()
                     if s.target in _DATE_TARGETS and s.date_order is None]  # fmt: skip
        orders = {} if mapping.date_order else _date_orders(file, reading, date_cols)
        text = render_mapping_toml(mapping, file_name=file.name, date_orders=orders)
        note = mapping.describe_source()
        if note:
            _echo(note)
        _print_combined(mapping.combined())
        if mapping.unmapped:
            _echo(_("columns NOT mapped ({n}; not sent unless you map them):").format(
                n=len(mapping.unmapped)))
            for line in unmapped_lines(mapping):
                _echo(f"  {line}")
        doc = {
            "file": str(file), "crm": mapping.crm.key if mapping.crm else None,
            "columns": {c: spec.target for c, spec in mapping.columns.items()},
            "combined": mapping.combined(), "unmapped": dict(mapping.unmapped),
            "written": str(output) if output is not None else None, "toml": text,
        }
        if output is None:
            if as_json:
                emit_json(doc)
            else:
                click.echo(text, nl=False)
        else:
            try:
                output.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise InputError(_("cannot write: {reason}").format(reason=exc.strerror),
                                 path=output, hint=_("choose a writable path with -o")) from None
            _echo(_("mapping written to {path} ({mapped} mapped, {unmapped} unmapped)").format(
                path=output, mapped=len(mapping.columns), unmapped=len(mapping.unmapped)))
            if as_json:
                emit_json(doc)


@main.command()
@click.option("--json", "as_json", is_flag=True,
              help='Print the catalogue as one JSON object on one line: {"code": "explanation"}.')
def codes(*, as_json: bool) -> None:
    """List every row-issue code bulkio reports, with a one-line explanation.

    \b
    Example:
      bulkio codes --json
    """
    if as_json:
        emit_json({c: _(t) for c, t in CODES.items()})
        return
    width = max(len(c) for c in CODES)
    for code, text in CODES.items():
        click.echo(f"{code:<{width}}  {_(text)}")
