"""The Python API for notebooks: spreadsheets, exports and imports as pandas DataFrames.

Three functions with the same guarantees as the command line, for people who work in
Jupyter or pandas scripts::

    import bulkio
    df = bulkio.read_contacts("contactos.csv", default_region="MX")   # cleaned rows + issues
    df = df[df["_ok"]]                                                # keep the good ones
    result = bulkio.import_contacts(df, sandbox=True)                 # journaled, reported
    todo = bulkio.export_contacts(sandbox=True, filters=["tags=vip"])

:func:`read_contacts` prepares a file exactly as ``bulkio check`` does (offline).
:func:`import_contacts` writes the DataFrame to a CSV file (``path``, by default a file
named after its content in the current folder) and imports that file through the same
journal, locks, reports and skip-unchanged as ``bulkio import``: the reports sit beside
it, and importing the same DataFrame again resumes or skips what is done.
:func:`export_contacts` runs ``bulkio export`` into a temporary JSON Lines file and reads it
back, every cell a string as the API returned it (phones stay ``+52...``, zips keep their
zeros).

The connection: ``sandbox=True`` (the state home's sandbox database, as ``--sandbox``),
or the token and location from the environment, a config file or ``profile``, as on the
command line.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from bulkio.clean.reading import ReadOptions
from bulkio.cli.options import ApiOptions, Target, open_target
from bulkio.export.filters import parse_filter, parse_sort
from bulkio.export.run import ExportSpec, run_export
from bulkio.imports.importer import run_import
from bulkio.imports.options import ImportOptions, ImportResult

__all__ = ["export_contacts", "import_contacts", "read_contacts"]

_ISSUE_COLUMNS = ["_row", "_ok", "_errors", "_warnings"]


def read_contacts(
    path: str | Path,
    *,
    mapping: str | Path | None = None,
    source: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    default_region: str | None = None,
    date_order: Literal["DMY", "MDY", "YMD"] | None = None,
    duplicates: Literal["first", "last", "fail"] = "first",
) -> pd.DataFrame:
    """The rows of a spreadsheet as ``bulkio check`` prepares them, one per source row.

    Columns: ``_row`` (the line in the file, header counted; also the index), ``_ok``
    (False when an error drops the row), ``_errors`` and ``_warnings`` (``code: message``
    joined by ``; ``), then the API fields as they would be sent (``phone`` in E.164,
    ``dateOfBirth`` as ``YYYY-MM-DD``, ``tags`` as lists, ``cf:<field>`` custom fields,
    follow-up columns such as ``note``). Reads the file offline; raises
    :class:`~bulkio.errors.InputError` for an unreadable file or mapping.
    """
    read = _read_options(mapping=mapping, source=source, encoding=encoding,
                         delimiter=delimiter, sheet=sheet, header_row=header_row,
                         default_region=default_region, date_order=date_order,
                         duplicates=duplicates)  # fmt: skip
    records: list[dict[str, Any]] = []
    fields: dict[str, None] = {}
    for prepared in read.prepare(Path(path)):
        record: dict[str, Any] = {
            "_row": prepared.row,
            "_ok": prepared.ok,
            "_errors": "; ".join(f"{i.code}: {i.message}" for i in prepared.issues
                                 if i.severity == "error"),
            "_warnings": "; ".join(f"{i.code}: {i.message}" for i in prepared.issues
                                   if i.severity != "error"),
        }
        values: dict[str, Any] = dict(prepared.contact)
        if prepared.tags:
            values["tags"] = list(prepared.tags)
        values.update({f"cf:{k}": v for k, v in prepared.custom_fields.items()})
        values.update(prepared.extras)
        for key in values:
            fields.setdefault(key)
        records.append({**record, **values})
    frame = pd.DataFrame.from_records(records, columns=[*_ISSUE_COLUMNS, *fields])
    frame.index = pd.Index(frame["_row"], name="row")
    return frame


def import_contacts(
    data: pd.DataFrame,
    *,
    path: str | Path | None = None,
    sandbox: bool = False,
    profile: str | None = None,
    location_id: str | None = None,
    config: str | Path | None = None,
    mapping: str | Path | None = None,
    default_region: str | None = None,
    date_order: Literal["DMY", "MDY", "YMD"] | None = None,
    mode: Literal["upsert", "create", "update"] = "upsert",
    tags_mode: Literal["add", "replace"] = "add",
    snapshot: bool = False,
    dry_run: bool = False,
    resume: bool = False,
) -> ImportResult:
    """Import a DataFrame as ``bulkio import`` imports a file, and return its result.

    The frame is written to ``path`` (CSV, UTF-8 with BOM; default: ``contacts-<hash of
    the content>.csv`` in the current folder), then imported: the journal, the run lock,
    skip-unchanged, the success and failure reports beside the CSV, resume and undo all
    work as for a file. Columns that :func:`read_contacts` added (``_row``, ``_ok``,
    ``_errors``, ``_warnings``) are left out; list cells (tags) are joined with ``,``.
    ``result.report`` holds the counts and report paths; ``result.exit_code`` is the
    command line's (0, 1, 3).
    """
    csv_path = _frame_to_csv(data, path)
    read = _read_options(mapping=mapping, default_region=default_region,
                         date_order=date_order)  # fmt: skip
    options = ImportOptions(mode=mode, tags_mode=tags_mode, snapshot=snapshot,
                            dry_run=dry_run)  # fmt: skip
    api = ApiOptions(location_id=location_id, config=Path(config) if config else None,
                     profile=profile, sandbox=sandbox, quiet=True)  # fmt: skip
    if dry_run and not sandbox and location_id is None and profile is None:
        return run_import(csv_path, read=read, options=options, target=None,
                          journal_path=api.journal(), resume=resume)  # fmt: skip
    with open_target(api) as target:
        return run_import(csv_path, read=read, options=options, target=target,
                          journal_path=api.journal(), resume=resume)  # fmt: skip


def export_contacts(
    *,
    sandbox: bool = False,
    profile: str | None = None,
    location_id: str | None = None,
    config: str | Path | None = None,
    filters: Sequence[str] = (),
    query: str | None = None,
    sort: Sequence[str] = (),
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The location's contacts (all, or those matching ``filters`` written as on the
    command line, e.g. ``["tags=vip", "country!=MX"]``) as a DataFrame, one row each, the
    columns of ``bulkio export`` (``columns`` chooses them, custom fields by name), every
    cell a string (or missing)."""
    spec = ExportSpec(filters=[parse_filter(f) for f in filters],
                      sort=[parse_sort(s) for s in sort], query=query,
                      columns=list(columns) if columns is not None else None)  # fmt: skip
    api = ApiOptions(location_id=location_id, config=Path(config) if config else None,
                     profile=profile, sandbox=sandbox, quiet=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bulkio-export-") as scratch, \
            open_target(api) as target:
        out = Path(scratch) / "contacts.jsonl"
        asyncio.run(_export(target, out, spec))
        with out.open(encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
    names = list(rows[0]) if rows else list(columns or [])
    frame = pd.DataFrame.from_records(rows, columns=names).astype("string")
    return frame.mask(frame == "")  # an empty cell is a missing value (pd.NA)


async def _export(target: Target, out: Path, spec: ExportSpec) -> None:
    async with target.client() as client:
        await run_export(client, target=out, fmt="jsonl", spec=spec)


def _read_options(*, mapping: str | Path | None = None, source: str | None = None,
                  **values: Any) -> ReadOptions:
    known = {k: v for k, v in values.items() if v is not None}
    if mapping is not None:
        known["mapping"] = Path(mapping)
    if source is not None:
        known["source"] = source
    return ReadOptions(**known)


def _frame_to_csv(data: pd.DataFrame, path: str | Path | None) -> Path:
    frame = data.drop(columns=[c for c in _ISSUE_COLUMNS if c in data.columns])
    frame = frame.reset_index(drop=True)
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, list | tuple)).any():
            frame[column] = frame[column].map(
                lambda v: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v)
    text = frame.to_csv(index=False, lineterminator="\n")
    if path is None:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        path = Path.cwd() / f"contacts-{digest}.csv"
    target = Path(path)
    with _atomic_text(target) as handle:
        handle.write("\ufeff" + text)
    return target


@contextmanager
def _atomic_text(path: Path) -> Iterator[Any]:
    from bulkio.files.safe_write import AtomicFile

    temp = AtomicFile(path, make_parent=True)
    try:
        with temp.open_text() as handle:
            yield handle
    except BaseException:
        temp.discard()
        raise
    temp.commit()
