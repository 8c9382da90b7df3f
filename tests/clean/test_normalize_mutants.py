"""Normalizer edges that mutation testing found unchecked (expected values by hand)."""

from __future__ import annotations

from datetime import date

from bulkio.clean.normalize.dates import normalize_date
from bulkio.clean.normalize.text import normalize_dnd, normalize_gender, split_full_name

TODAY = date(2026, 6, 1)


def test_a_three_digit_day_before_a_month_name_is_not_a_date() -> None:
    for raw in ("123 de junio de 1990", "123 jun 90"):
        result = normalize_date(raw, order=None, today=TODAY)
        assert (result.value, result.code) == (None, "invalid-date"), raw


def test_an_impossible_named_date_quotes_the_cell() -> None:
    result = normalize_date("30 de febrero de 1990", order=None, today=TODAY)
    assert result.code == "impossible-date"
    assert result.message == "'30 de febrero de 1990' does not exist (30 of month 2)"


def test_dnd_channel_list_skips_empty_items_and_reads_on() -> None:
    assert normalize_dnd("sms,,email").value == {"sms": {"status": "active"},
                                                 "email": {"status": "active"}}
    assert normalize_dnd("; llamada ;; whatsapp").value == {
        "call": {"status": "active"}, "whatsApp": {"status": "active"}}


def test_unknown_gender_message() -> None:
    result = normalize_gender("otro")
    assert result.code == "invalid-gender"
    assert result.message == "'otro' is not a gender the API knows (male, female)"


def test_full_name_keeps_every_letter() -> None:
    assert split_full_name("Xavier López") == ("Xavier", "López")
    assert split_full_name(" Ana  María ,") == ("Ana", "María")
    assert split_full_name("López X, Xochitl") == ("Xochitl", "López X")


def test_yes_no_with_a_trailing_dot_and_the_message() -> None:
    from bulkio.clean.normalize.text import parse_bool

    assert parse_bool("Sí.").value is True
    assert parse_bool("no.").value is False
    bad = parse_bool("quizá")
    assert (bad.code, bad.message) == (
        "invalid-boolean", "'quizá' is not a yes/no value (yes, no, sí, 1, 0, x)")


def test_dnd_messages() -> None:
    bad = normalize_dnd("sms:tal vez")
    assert (bad.code, bad.message) == (
        "invalid-value", "'sms:tal vez' is not a DND value: use yes/no, or channels such as "
        "'sms, email' or 'sms:active; call:inactive'")
    empty = normalize_dnd(";,")
    assert (empty.code, empty.message) == ("invalid-value", "';,' names no DND channel")
