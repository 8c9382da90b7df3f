"""Stage 3, plan: prepared rows in, request bodies and bulk chunks out. Pure: no I/O.

What one row costs (one upsert/create/update body, its follow-ups), how tags group into
bulk-tag chunks and business ids into 50-id chunks, and the request estimate of a file.

May import: :mod:`bulkio.errors`, :mod:`bulkio.files`, :mod:`bulkio.clean`.

Public names (:mod:`~bulkio.plan.batcher`): ``plan_row``, ``RowPlan``, ``TagBatcher``,
``BusinessBatcher``, ``ChunkBatcher``, ``estimate``, ``Estimate``, ``DEFAULT_TAG_CHUNK``,
``BUSINESS_CHUNK``, ``resolve_custom_fields``; (:mod:`~bulkio.plan.verify`, read-after-write)
``not_stored``, ``Mismatch``, ``split_match``.
"""
