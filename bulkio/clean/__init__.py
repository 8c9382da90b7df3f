"""Stage 2, clean: raw cell text in, API-ready records and row issues out.

Pure normalizers (phone, email, country, dates, names, tags, ...), the header -> field
mapping (synonyms, other CRMs' export presets, TOML mapping files, custom fields) and
preparation, which streams a
:class:`~bulkio.files.table.Table` into :class:`~bulkio.clean.records.PreparedRow` records,
each with its :class:`~bulkio.errors.RowIssue` list and the cell changes it made.

May import: :mod:`bulkio.errors`, :mod:`bulkio.files`.

Public names:
- :mod:`~bulkio.clean.normalize`: ``country``, ``dates``, ``email``, ``phone``, ``text``
  (each ``normalize_*(text) -> Result``)
- :mod:`~bulkio.clean.mapping`: ``Mapping``, ``MappingFile``, ``build_mapping``,
  ``load_mapping``, ``render_mapping_toml``, ``adopt_custom_fields``, ``closest_field``,
  ``unmapped_lines``, ``COMBINE``
- :mod:`~bulkio.clean.sources`: ``Source``, ``SOURCES``, ``detect_source``, ``get_source``,
  ``source_names`` (the header knowledge of other CRMs' exports)
- :mod:`~bulkio.clean.prepare`: ``Preparation``, ``PrepareSummary``, ``prepare_rows``
- :mod:`~bulkio.clean.columns`: per-column normalizer plans used by ``prepare``
- :mod:`~bulkio.clean.reading`: ``ReadOptions`` (how to read and prepare one input file)
- :mod:`~bulkio.clean.records`: ``PreparedRow``, ``Change``
"""
