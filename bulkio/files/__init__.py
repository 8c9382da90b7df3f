"""Stage 1, files: bytes on disk in, lazy rows out; rows out, bytes on disk.

Readers stream a CSV/TSV/TXT or XLSX/XLSM file as a :class:`~bulkio.files.table.Table`
of raw-text :class:`~bulkio.files.table.SourceRow` records; writers stream report sheets and
export files; the formula guard keeps every cell bulkio writes safe to open in a spreadsheet.

May import: :mod:`bulkio.errors` only (this is the bottom of the walk).

Public names:
- :mod:`~bulkio.files.readers`: ``open_table`` (sniffs kind, encoding, delimiter, header row)
- :mod:`~bulkio.files.table`: ``Table``, ``SourceRow``, ``FileFormat``
- :mod:`~bulkio.files.detect`, :mod:`~bulkio.files.delimited`, :mod:`~bulkio.files.excel`,
  :mod:`~bulkio.files.headers`: the readers' parts (sniffing, CSV, Excel, header finding)
- :mod:`~bulkio.files.report_sheets`: ``open_sheet_writer`` (report CSV/XLSX rows)
- :mod:`~bulkio.files.export_writers`: ``open_output`` (export CSV/XLSX/JSONL, atomic)
- :mod:`~bulkio.files.formula`: ``neutralize``, ``FORMULA_PREFIXES``
"""
