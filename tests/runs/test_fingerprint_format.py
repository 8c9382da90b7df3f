"""The fingerprint is a persisted format: journals written by one bulkio version must skip
the same unchanged rows under the next. Pinned values (computed once, written by hand):
renaming a key of the hashed document, or dropping a part, changes them."""

from __future__ import annotations

from bulkio.clean.records import PreparedRow
from bulkio.files.table import SourceRow
from bulkio.runs.records import fingerprint, fingerprint_row


def test_fingerprint_value_is_pinned() -> None:
    got = fingerprint({"email": "a@x.mx", "tags": ["b"]}, location_id="L", mode="upsert/add")
    assert got == "e0c8ec672969f92a31e039b25d764e43"


def test_row_fingerprint_value_is_pinned_and_sees_every_part() -> None:
    def fp(**changes: object) -> str:
        parts: dict[str, object] = {
            "contact": {"email": "a@x.mx", "firstName": "Ana"}, "tags": ["vip", "mx", "vip"],
            "custom_fields": {"Plan": "Gold"}, "extras": {"note": "hola"}}
        parts.update(changes)
        return fingerprint_row(PreparedRow(SourceRow(2, {}), **parts),  # type: ignore[arg-type]
                               location_id="L", mode="upsert/add")

    base = fp()
    assert base == "b589903cd091c5bf0bcdd05d7d016c44"
    assert fp(tags=["mx", "vip"]) == base  # a set: order and repeats do not count
    assert fp(tags=["mx", "vip", "nuevo"]) != base
    assert fp(custom_fields={"Plan": "Silver"}) != base
    assert fp(extras={"note": "adiós"}) != base
    assert fp(contact={"email": "a@x.mx", "firstName": "Ana", "city": "León"}) != base


def test_fingerprint_of_accents_and_dates_is_pinned() -> None:
    from datetime import date

    got = fingerprint({"firstName": "José", "dateOfBirth": date(1990, 6, 5)},
                      location_id="L", mode="upsert/add")
    assert got == "33f00e49c0720f8a144fb35904b9c68b"
