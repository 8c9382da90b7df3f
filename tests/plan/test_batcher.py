"""The pure planner: custom fields, per-row plans, bulk chunks, dry-run estimates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bulkio.clean.records import PreparedRow
from bulkio.errors import InputError, RowIssue
from bulkio.files.table import SourceRow
from bulkio.plan.batcher import (
    BUSINESS_CHUNK,
    BusinessBatcher,
    Chunk,
    ChunkItem,
    CustomFieldDef,
    RowPlan,
    TagBatcher,
    UnknownCustomFieldError,
    bulk_tag_detail,
    estimate,
    plan_row,
    resolve_custom_fields,
    shape_custom_value,
)

FIELDS: list[dict[str, Any]] = [
    {"id": "cf1", "name": "Número de cliente", "fieldKey": "contact.numero_de_cliente",
     "dataType": "NUMERICAL"},
    {"id": "cf2", "name": "Intereses", "fieldKey": "contact.intereses",
     "dataType": "MULTIPLE_OPTIONS", "picklistOptions": ["Casa", "Auto", "Vida"]},
    {"id": "cf3", "name": "Fecha de alta", "fieldKey": "contact.fecha_de_alta", "dataType": "DATE"},
    {"id": "cf4", "name": "Plan", "fieldKey": "contact.plan", "dataType": "SINGLE_OPTIONS",
     "picklistOptions": ["Básico", "Premium"]},
    {"id": "cf5", "name": "Saldo", "fieldKey": "contact.saldo", "dataType": "MONETORY"},
    {"id": "cf6", "name": "Notas internas", "fieldKey": "contact.notas", "dataType": "LARGE_TEXT"},
]
DEFS = {d["id"]: CustomFieldDef.from_api(d) for d in FIELDS}
TODAY = date(2026, 11, 26)


def prepared(row: int = 2, **kw: Any) -> PreparedRow:
    return PreparedRow(source=SourceRow(row=row, values={}), **kw)


@pytest.mark.parametrize(
    ("ref", "expected_id"),
    [
        ("cf1", "cf1"),
        ("contact.intereses", "cf2"),
        ("intereses", "cf2"),
        ("CONTACT.PLAN", "cf4"),
        ("Fecha de alta", "cf3"),
        ("  fecha  DE alta ", "cf3"),
        ("número de cliente", "cf1"),
    ],
)
def test_resolve_custom_fields_by_id_key_or_name(ref: str, expected_id: str) -> None:
    assert resolve_custom_fields([ref], FIELDS)[ref].id == expected_id


def test_unknown_custom_field_names_it_and_lists_available() -> None:
    with pytest.raises(UnknownCustomFieldError) as info:
        resolve_custom_fields(["Intereses", "Color favorito"], FIELDS)
    message = str(info.value)
    assert "'Color favorito'" in message
    assert "Intereses (contact.intereses)" in message
    assert isinstance(info.value, InputError)
    assert info.value.hint


@pytest.mark.parametrize(
    ("field_id", "raw", "expected"),
    [
        ("cf1", "1234", 1234),
        ("cf1", "1,234", 1234),
        ("cf1", "12,5", 12.5),
        ("cf1", "0,500", 0.5),
        ("cf1", 7, 7),
        ("cf5", "$1,234.50", 1234.5),
        ("cf5", "1.234,50", 1234.5),
        ("cf5", "MXN 2 500", 2500),
        ("cf5", "-15.75", -15.75),
        ("cf2", "casa, AUTO", ["Casa", "Auto"]),
        ("cf2", "Casa; Vida | casa", ["Casa", "Vida"]),
        ("cf2", ["vida"], ["Vida"]),
        ("cf3", "2024-03-15", "2024-03-15"),
        ("cf3", date(2024, 3, 15), "2024-03-15"),
        ("cf3", "2024-03-15T10:00:00", "2024-03-15"),
        ("cf4", "premium", "Premium"),
        ("cf4", "básico", "Básico"),
        ("cf6", "línea 1", "línea 1"),
        ("cf6", 42, "42"),
    ],
)
def test_shape_custom_value(field_id: str, raw: Any, expected: Any) -> None:
    value, error = shape_custom_value(raw, DEFS[field_id])
    assert error is None
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("field_id", "raw", "fragment"),
    [
        ("cf1", "mucho", "expects a number"),
        ("cf1", True, "expects a number"),
        ("cf5", "$", "expects a number"),
        ("cf2", "Casa, Barco", "'Barco' is not an option"),
        ("cf3", "15/03/2024", "expects a date"),
        ("cf4", "Oro", "Básico, Premium"),
    ],
)
def test_shape_custom_value_rejects(field_id: str, raw: Any, fragment: str) -> None:
    value, error = shape_custom_value(raw, DEFS[field_id])
    assert value is None
    assert error is not None and fragment in error


def plan(p: PreparedRow, **kw: Any) -> RowPlan:
    options: dict[str, Any] = {
        "mode": "upsert", "tags_mode": "add", "location_id": "LOC", "today": TODAY,
        "fields": {"Intereses": DEFS["cf2"], "saldo": DEFS["cf5"]},
    }
    options.update(kw)
    result = plan_row(p, **options)
    assert isinstance(result, RowPlan), result
    return result


def test_plan_upsert_body_has_fields_custom_fields_and_no_tags() -> None:
    p = prepared(
        contact={"firstName": "Ana", "email": "ana@x.mx", "phone": None},
        custom_fields={"Intereses": "auto,casa", "saldo": "1,000.5"},
        tags=["vip", "cdmx", "vip"],
        extras={"businessId": " biz1 "},
    )
    result = plan(p)
    assert result.body == {
        "firstName": "Ana",
        "email": "ana@x.mx",
        "locationId": "LOC",
        "customFields": [
            {"id": "cf2", "fieldValue": ["Auto", "Casa"]},
            {"id": "cf5", "fieldValue": 1000.5},
        ],
    }
    assert result.tags == ("vip", "cdmx")
    assert result.business_id == "biz1"


def test_plan_tags_replace_sends_tags_in_body() -> None:
    result = plan(prepared(contact={"email": "a@b.co"}, tags=["a", "b"]), tags_mode="replace")
    assert result.body["tags"] == ["a", "b"]
    assert result.tags == ()


def test_plan_bad_custom_value_drops_row() -> None:
    result = plan_row(
        prepared(row=7, contact={"email": "a@b.co"}, custom_fields={"saldo": "mucho"}),
        mode="upsert", tags_mode="add", location_id="LOC", today=TODAY,
        fields={"saldo": DEFS["cf5"]},
    )
    assert isinstance(result, RowIssue)
    assert (result.row, result.code, result.field) == (7, "invalid-value", "saldo")


def test_plan_update_mode_strips_fields_the_update_dto_rejects() -> None:
    p = prepared(contact={"email": "a@b.co", "gender": "female", "companyName": "ACME"},
                 extras={"contact_id": "C1"})
    result = plan(p, mode="update")
    assert result.body == {"email": "a@b.co"}
    assert result.contact_id == "C1"
    assert sorted(w.field or "" for w in result.warnings) == ["companyName", "gender"]
    assert all(w.severity == "warning" for w in result.warnings)


def test_plan_update_mode_needs_an_identifier() -> None:
    result = plan_row(prepared(contact={"firstName": "X"}), mode="update", tags_mode="add",
                      location_id="LOC", today=TODAY, fields={})
    assert isinstance(result, RowIssue) and result.code == "missing-identifier"


def test_plan_followups() -> None:
    p = prepared(
        contact={"email": "a@b.co"},
        extras={"note": "Llamar", "task_title": "Cotizar", "task_due": "2026-12-01",
                "task_body": "seguro auto", "workflow_id": "wf1", "campaign_id": "cp1",
                "followers": "u1; u2"},
    )
    kinds = {f.kind: f.payload for f in plan(p).followups}
    assert kinds == {
        "note": {"body": "Llamar"},
        "task": {"title": "Cotizar", "dueDate": "2026-12-01T00:00:00Z", "completed": False,
                 "body": "seguro auto"},
        "workflow": {"id": "wf1"},
        "campaign": {"id": "cp1"},
        "followers": {"followers": ["u1", "u2"]},
    }


def test_plan_task_without_due_date_is_due_on_run_day() -> None:
    p = prepared(contact={"email": "a@b.co"}, extras={"task_title": "Llamar"})
    (task,) = plan(p).followups
    assert task.payload["dueDate"] == "2026-11-26T00:00:00Z"


def test_tag_batcher_emits_full_groups_and_flushes_rest() -> None:
    batcher = TagBatcher(chunk_size=3)
    ready: list[Chunk[tuple[str, ...]]] = []
    for n in range(7):
        tags = ["b", "a"] if n % 2 == 0 else ["c"]
        ready += batcher.add_tags(n + 2, f"c{n}", tags)
    assert batcher.add_tags(99, "x", []) == []
    assert [(c.key, c.contact_ids) for c in ready] == [
        (("a", "b"), ["c0", "c2", "c4"]),
        (("c",), ["c1", "c3", "c5"]),
    ]
    assert batcher.pending == 1
    rest = batcher.flush()
    assert [(c.key, c.contact_ids) for c in rest] == [(("a", "b"), ["c6"])]
    seen = sorted(i.row for c in ready + rest for i in c.items)
    assert seen == [2, 3, 4, 5, 6, 7, 8]
    assert batcher.pending == 0 and batcher.flush() == []


def test_tag_batcher_bounds_memory_with_many_distinct_tag_sets() -> None:
    batcher = TagBatcher(chunk_size=100, max_pending=150)
    emitted = 0
    for n in range(1000):
        emitted += sum(len(c.items) for c in batcher.add_tags(n, f"c{n}", [f"t{n % 400}"]))
        assert batcher.pending <= 150
    assert emitted + sum(len(c.items) for c in batcher.flush()) == 1000


def test_business_batcher_caps_at_50() -> None:
    batcher = BusinessBatcher(chunk_size=500)
    chunks = []
    for n in range(120):
        chunks += batcher.add("biz", n, f"c{n}")
    chunks += batcher.flush()
    assert [len(c.items) for c in chunks] == [BUSINESS_CHUNK, BUSINESS_CHUNK, 20]


def test_chunk_halves_and_distinct_ids() -> None:
    chunk = Chunk(("t",), tuple(ChunkItem(r, f"c{r % 3}") for r in range(5)))
    left, right = chunk.halves()
    assert [i.row for i in left.items] == [0, 1] and [i.row for i in right.items] == [2, 3, 4]
    assert chunk.contact_ids == ["c0", "c1", "c2"]


@pytest.mark.parametrize(
    ("requests", "limits", "seconds", "share", "days"),
    [
        ({"POST /contacts/upsert": 1000}, {}, 100.0, 0.005, 1),
        ({"POST /contacts/upsert": 1000, "POST /contacts/bulk/tags/update/add": 10},
         {"rate_limit": 1000}, 10.1, 0.00505, 1),
        ({"POST /contacts/upsert": 1_000_000}, {}, 100_000.0, 5.0, 5),
        ({}, {}, 0.0, 0.0, 0),
    ],
)
def test_estimate(
    requests: dict[str, int], limits: dict[str, int], seconds: float, share: float, days: int
) -> None:
    est = estimate(requests, **limits)
    assert est.total == sum(requests.values())
    assert est.seconds == pytest.approx(seconds)
    assert est.daily_share == pytest.approx(share)
    assert est.days == days


@pytest.mark.parametrize(("kind", "tags", "answer", "expected"), [
    ("add", ["vip", "nuevo"], {"tagsAdded": ["nuevo"]}, {"added": ["nuevo"]}),
    ("add", ["VIP", "nuevo"], {"oldTags": ["vip"]}, {"added": ["nuevo"]}),
    ("add", ["vip"], {"contactId": "c1", "type": "success"},
     {"added": ["vip"], "assumed": True}),
    ("add", ["vip"], None, {"added": ["vip"], "assumed": True}),
    ("remove", ["vip", "x"], {"tagsRemoved": ["vip"]}, {"removed": ["vip"]}),
    ("remove", ["VIP"], {"oldTags": ["vip", "otro"]}, {"removed": ["vip"]}),
    ("remove", [], {"oldTags": ["vip", "otro"]}, {"removed": ["vip", "otro"]}),
])  # fmt: skip
def test_bulk_tag_detail_reads_what_the_call_really_changed(
    kind: str, tags: list[str], answer: dict[str, object] | None, expected: dict[str, object]
) -> None:
    assert bulk_tag_detail(kind, tags, answer) == expected
