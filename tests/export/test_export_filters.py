"""Pure tests of the export filter syntax, sort, filter files, columns and formatting."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bulkio.export.columns import (
    DEFAULT_COLUMNS,
    format_date,
    format_datetime,
    resolve_columns,
    row_formatter,
)
from bulkio.export.filters import (
    CustomFieldIndex,
    FilterError,
    build_filters,
    build_sort,
    load_filter_file,
    parse_filter,
    parse_sort,
)
from bulkio.export.run import expand_target, parse_since

FIELDS = CustomFieldIndex.from_api(
    [
        {"id": "cf_plan", "name": "Plan", "fieldKey": "contact.plan", "dataType": "TEXT",
         "position": 1},
        {"id": "cf_seats", "name": "Seats", "fieldKey": "contact.seats",
         "dataType": "NUMERICAL", "position": 2},
        {"id": "cf_langs", "name": "Idiomas", "fieldKey": "contact.idiomas",
         "dataType": "MULTIPLE_OPTIONS", "position": 0},
        {"id": "cf_renew", "name": "Renewal", "fieldKey": "contact.renewal", "dataType": "DATE",
         "position": 3},
        {"id": "cf_opp", "name": "Deal size", "model": "opportunity"},
    ]
)


def one(text: str) -> dict[str, Any]:
    (flt,) = build_filters([parse_filter(text)], custom=FIELDS)
    return flt


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tags=vip", {"field": "tags", "operator": "eq", "value": "vip"}),
        ("country!=MX", {"field": "country", "operator": "not_eq", "value": "MX"}),
        ("country != MX", {"field": "country", "operator": "not_eq", "value": "MX"}),
        ("country==MX", {"field": "country", "operator": "eq", "value": "MX"}),
        ("email exists", {"field": "email", "operator": "exists"}),
        ("phone not exists", {"field": "phone", "operator": "not_exists"}),
        ("phone NOT EXISTS", {"field": "phone", "operator": "not_exists"}),
        ("name~ana", {"field": "fullNameLowerCase", "operator": "contains", "value": "ana"}),
        ("name!~Ana", {"field": "fullNameLowerCase", "operator": "not_contains", "value": "ana"}),
        ("firstName=José", {"field": "firstNameLowerCase", "operator": "eq", "value": "josé"}),
        ("dateAdded>=2026-01-01",
         {"field": "dateAdded", "operator": "range", "value": {"gte": "2026-01-01"}}),
        ("dateUpdated<2026-02-01T00:00:00Z",
         {"field": "dateUpdated", "operator": "range", "value": {"lt": "2026-02-01T00:00:00Z"}}),
        ("dateAdded>2026-01-01", {"field": "dateAdded", "operator": "range",
                                  "value": {"gt": "2026-01-01"}}),
        ("dateAdded<=2026-01-31", {"field": "dateAdded", "operator": "range",
                                   "value": {"lte": "2026-01-31"}}),
        ("Plan=Gold", {"field": "customFields.cf_plan", "operator": "eq", "value": "Gold"}),
        ("plan=Gold", {"field": "customFields.cf_plan", "operator": "eq", "value": "Gold"}),
        ("contact.plan~gol", {"field": "customFields.cf_plan", "operator": "contains",
                              "value": "gol"}),
        ("Seats>=10", {"field": "customFields.cf_seats", "operator": "range",
                       "value": {"gte": 10}}),
        ("Plan exists", {"field": "customFields.cf_plan", "operator": "exists"}),
        ("customFields.abc=1", {"field": "customFields.abc", "operator": "eq", "value": "1"}),
        ("dnd=true", {"field": "dnd", "operator": "eq", "value": True}),
        ("dnd=no", {"field": "dnd", "operator": "eq", "value": False}),
        ("city='San Luis Potosí'", {"field": "city", "operator": "eq",
                                    "value": "San Luis Potosí"}),
        ('source="Feria 2026"', {"field": "source", "operator": "eq", "value": "Feria 2026"}),
        ("email=ana+mx@example.com", {"field": "email", "operator": "eq",
                                      "value": "ana+mx@example.com"}),
        ("Email=a@b.mx", {"field": "email", "operator": "eq", "value": "a@b.mx"}),
    ],
)
def test_filter_forms_map_to_api_grammar(text: str, expected: dict[str, Any]) -> None:
    assert one(text) == expected


@pytest.mark.parametrize(
    "text", ["tags", "=vip", "tags=", "country!=", "exists", "dateAdded>=", "email existe", ""]
)
def test_bad_filter_syntax_raises(text: str) -> None:
    with pytest.raises(FilterError, match=r"^(cannot read filter|filter '.+' has no value)"):
        parse_filter(text)


def test_unknown_field_names_known_fields() -> None:
    with pytest.raises(FilterError) as err:
        build_filters([parse_filter("Planet=Mars")], custom=FIELDS)
    assert "Planet" in str(err.value) and "Plan" in err.value.hint


def test_opportunity_fields_are_not_contact_fields() -> None:
    with pytest.raises(FilterError, match="unknown field 'Deal size'"):
        build_filters([parse_filter("Deal size=1")], custom=FIELDS)


def test_ranges_on_one_field_merge_and_several_filters_and() -> None:
    exprs = [parse_filter(t) for t in ("dateAdded>=2026-01-01", "tags=vip", "dateAdded<2026-02-01")]
    assert build_filters(exprs, custom=FIELDS) == [
        {"field": "dateAdded", "operator": "range",
         "value": {"gte": "2026-01-01", "lt": "2026-02-01"}},
        {"field": "tags", "operator": "eq", "value": "vip"},
    ]
    with pytest.raises(FilterError, match="two gte bounds for dateAdded"):
        build_filters([parse_filter("dateAdded>=2026-01-01")] * 2, custom=FIELDS)


def test_dnd_needs_a_boolean() -> None:
    with pytest.raises(FilterError, match="dnd takes true or false, not 'maybe'"):
        one("dnd=maybe")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dateAdded", {"field": "dateAdded", "direction": "asc"}),
        ("dateAdded:desc", {"field": "dateAdded", "direction": "desc"}),
        ("lastName:ASC", {"field": "lastNameLowerCase", "direction": "asc"}),
        ("Plan:desc", {"field": "customFields.cf_plan", "direction": "desc"}),
    ],
)
def test_sort(text: str, expected: dict[str, str]) -> None:
    assert build_sort([parse_sort(text)], custom=FIELDS) == [expected]


@pytest.mark.parametrize("text", ["", ":asc", "email:up", "email:descending"])
def test_bad_sort(text: str) -> None:
    with pytest.raises(FilterError, match=r"^cannot read sort '"):
        parse_sort(text)


def test_more_than_two_sorts_rejected() -> None:
    with pytest.raises(FilterError, match="at most 2 --sort options"):
        build_sort([parse_sort("email")] * 3, custom=FIELDS)


def test_filter_file(tmp_path: Path) -> None:
    raw = [{"group": "OR", "filters": [
        {"field": "tags", "operator": "eq", "value": "vip"},
        {"field": "tags", "operator": "eq", "value": "gold"}]}]
    path = tmp_path / "f.json"
    path.write_text(json.dumps({"filters": raw}), encoding="utf-8")
    loaded = load_filter_file(path)
    assert loaded == raw
    combined = build_filters([parse_filter("email exists")], custom=FIELDS, raw=loaded)
    assert combined == [{"field": "email", "operator": "exists"}, *raw]


@pytest.mark.parametrize(
    "content",
    ["{not json", '{"field": "x"}', '[{"operator": "eq"}]', '[{"group": "XOR", "filters": []}]'],
)
def test_bad_filter_files(tmp_path: Path, content: str) -> None:
    path = tmp_path / "f.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FilterError, match=r"^filter file .*f\.json"):
        load_filter_file(path)


def test_default_columns_then_custom_fields_in_display_order() -> None:
    cols = resolve_columns(None, FIELDS)
    headers = [c.header for c in cols]
    assert headers[: len(DEFAULT_COLUMNS)] == list(DEFAULT_COLUMNS)
    assert headers[len(DEFAULT_COLUMNS):] == ["Idiomas", "Plan", "Seats", "Renewal"]


def test_columns_choose_and_order_and_reject_unknown() -> None:
    cols = resolve_columns(["email", "Plan", "ID", "contact.seats"], FIELDS)
    assert [c.header for c in cols] == ["email", "Plan", "id", "Seats"]
    with pytest.raises(FilterError, match="unknown column 'nope'"):
        resolve_columns(["email", "nope"], FIELDS)
    with pytest.raises(FilterError, match="column 'email' is listed twice"):
        resolve_columns(["email", "Email"], FIELDS)


def test_custom_field_named_like_a_standard_column_gets_its_key() -> None:
    custom = CustomFieldIndex.from_api(
        [{"id": "x1", "name": "Email", "fieldKey": "contact.email_2"},
         {"id": "x2", "name": "Zona", "fieldKey": "contact.zona"},
         {"id": "x3", "name": "zona", "fieldKey": "contact.zona_b"}]
    )
    headers = [c.header for c in resolve_columns(None, custom)][len(DEFAULT_COLUMNS):]
    assert headers == ["Email (contact.email_2)", "Zona (contact.zona)", "zona (contact.zona_b)"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1990-09-25", "1990-09-25"),
        ("1990-09-25T00:00:00.000Z", "1990-09-25"),
        ("1990-09-25T06:00:00+00:00", "1990-09-25"),
        (654220800000, "1990-09-25"),
        ("654220800000", "1990-09-25"),
        ("1990/09/25", "1990-09-25"),
        ({"year": 1990, "month": 9, "day": 25}, "1990-09-25"),
        (None, ""),
        ("", ""),
    ],
)
def test_date_of_birth_shapes(value: Any, expected: str) -> None:
    assert format_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-02T03:04:05.678Z", "2026-01-02T03:04:05.678Z"),
        (1767322800000, "2026-01-02T03:00:00.000Z"),
        (None, ""),
    ],
)
def test_timestamps_iso(value: Any, expected: str) -> None:
    assert format_datetime(value) == expected


def test_row_formatter_joins_tags_and_multi_values() -> None:
    cols = resolve_columns(["id", "tags", "Idiomas", "Seats", "Renewal", "dnd", "dateOfBirth"],
                           FIELDS)
    contact = {
        "id": "c1",
        "tags": ["vip", "cliente nuevo"],
        "dnd": False,
        "dateOfBirth": "1985-02-03T00:00:00.000Z",
        "customFields": [
            {"id": "cf_langs", "value": ["es", "en"]},
            {"id": "cf_seats", "value": 12.0},
            {"id": "cf_renew", "value": 1767225600000},
        ],
    }
    assert row_formatter(cols)(contact) == [
        "c1", "vip, cliente nuevo", "es, en", "12", "2026-01-01", "false", "1985-02-03"]
    assert row_formatter(cols)({"id": "c2"}) == ["c2", "", "", "", "", "", ""]


def test_expand_target_and_since() -> None:
    now = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert expand_target("out/contacts-{date}_{time}.csv", now=now) == (
        "out/contacts-2026-03-04_050607.csv"
    )
    assert parse_since("2026-01-01") == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_since("2026-01-01T08:00:00Z") == datetime(2026, 1, 1, 8, tzinfo=UTC)
    with pytest.raises(FilterError, match="cannot read --since 'yesterday'"):
        parse_since("yesterday")


@pytest.mark.parametrize(
    "text",
    [
        "dateAdded>=notadate",
        "dateUpdated<2026-13-01",
        "dateAdded=yesterday",
        "dateAdded>=01/02/2026",
    ],
)
def test_bad_date_values_are_filter_errors(text: str) -> None:
    with pytest.raises(FilterError) as err:
        build_filters([parse_filter(text)], custom=FIELDS)
    assert "takes a date" in str(err.value) and "2026-01-01" in err.value.hint


@pytest.mark.parametrize(
    "value", ["2026-01-01", "2026-01-01T08:00:00Z", "2026-01-01T08:00:00-06:00", "1767225600000"]
)
def test_good_date_values_pass_unchanged(value: str) -> None:
    assert one(f"dateUpdated>={value}")["value"] == {"gte": value}
