"""Read-after-write comparison (bulkio.plan.verify): what counts as stored as sent."""

from __future__ import annotations

from typing import Any

import pytest

from bulkio.plan.verify import not_stored, split_match

STORED: dict[str, Any] = {
    "id": "c1", "locationId": "L", "email": "ana@ejemplo.mx", "phone": "+525512345678",
    "firstName": "Ana", "lastName": "Ruiz", "name": "Ana Ruiz", "tags": ["vip", "cdmx"],
    "dateOfBirth": "1990-03-15", "gender": "female", "website": "https://a.mx/",
    "dndSettings": {"sms": {"status": "active"}},
    "customFields": [{"id": "f1", "value": 1500.5}, {"id": "f2", "value": ["Casa", "Auto"]},
                     {"id": "f3", "value": "2024-03-15T00:00:00.000Z"},
                     {"id": "f4", "value": "+15588887777"},
                     {"id": "f5", "value": 1710460800000}],
}  # fmt: skip


@pytest.mark.parametrize("sent", [
    {"email": "ANA@Ejemplo.MX"},                      # emails compare case-insensitively
    {"phone": "+52 55 1234 5678"},                    # phones by their digits
    {"tags": [" VIP", "cdmx "]},                      # tags trimmed and lower-cased
    {"dateOfBirth": "03/15/1990"},                    # any date format the API takes
    {"dateOfBirth": 637459200000},                    # epoch milliseconds (#314)
    {"firstName": "Ana", "lastName": "Ruiz", "name": "whatever"},  # name derived
    {"gender": "Female", "website": "https://a.mx"},
    {"locationId": "L", "createNewIfDuplicateAllowed": True,
     "inboundDndSettings": {"all": {"status": "active"}}},  # never echoed
    {"dndSettings": {"sms": {"status": "active"}}},
    {"customFields": [{"id": "f1", "fieldValue": "1500.50"},
                      {"id": "f2", "fieldValue": ["Auto", "Casa"]},
                      {"id": "f3", "fieldValue": "2024-03-15"},
                      {"id": "f4", "fieldValue": "55 8888 7777"}]},
    {"email": "", "phone": None},                     # nothing asked
    {"website": "A.mx"},                              # the API may add a scheme
    {"customFields": [{"id": "f5", "fieldValue": "2024-03-15"}]},  # DATE as epoch ms
])  # fmt: skip
def test_stored_as_sent(sent: dict[str, Any]) -> None:
    assert not_stored(sent, STORED) == []


@pytest.mark.parametrize(("sent", "expected"), [
    ({"phone": "+523398765432"}, "phone: sent '+523398765432', stored '+525512345678'"),
    ({"gender": "male"}, "gender: sent 'male', stored 'female'"),
    ({"email": "otra@ejemplo.mx"}, "email: sent 'otra@ejemplo.mx', stored 'ana@ejemplo.mx'"),
    ({"city": "Puebla"}, "city: sent 'Puebla', stored nothing"),
    ({"tags": ["vip"]}, "tags: sent ['vip'], stored ['vip', 'cdmx']"),
    ({"dateOfBirth": "1990-03-16"}, "dateOfBirth: sent '1990-03-16', stored '1990-03-15'"),
    ({"dndSettings": {"sms": {"status": "inactive"}}},
     "dndSettings.sms: sent 'inactive', stored 'active'"),
    ({"customFields": [{"id": "f1", "fieldValue": 99}]},
     "customFields.f1: sent 99, stored 1500.5"),
    ({"customFields": [{"id": "f9", "fieldValue": "x"}]},
     "customFields.f9: sent 'x', stored nothing"),
])  # fmt: skip
def test_not_stored_names_field_sent_and_stored(sent: dict[str, Any], expected: str) -> None:
    assert [m.message for m in not_stored(sent, STORED)] == [expected]


def test_an_answer_without_the_contact_is_not_compared() -> None:
    assert not_stored({"email": "a@x.mx"}, {"id": "c1"}) == []


def test_split_match() -> None:
    assert split_match({"id": "A"}, {"id": "B"}) == (
        "the email belongs to contact A and the phone to contact B: the API updates the "
        "first and drops the phone")
    assert split_match({"id": "A"}, {"id": "A"}) is None
    assert split_match(None, {"id": "B"}) is None


def test_list_not_stored() -> None:
    from bulkio.plan.verify import list_not_stored

    assert list_not_stored("tags", ["VIP ", "b"], ["vip", "b", "c"], fold=True) == []
    [m] = list_not_stored("followers", ["u1", "u2"], ["u1"])
    assert m.message == "followers: sent 'u2', stored 'u1'"
    [m] = list_not_stored("tags", ["a"], ["a", "b"], removed=True)
    assert m.message == "tags: sent 'removed a', stored 'a, b'"
    assert list_not_stored("followers", ["u1"], None) == []
