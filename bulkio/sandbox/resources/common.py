"""What the resource handlers share: the contact path, location checks, lookups that 400."""

from __future__ import annotations

from typing import Any

from bulkio.sandbox.storage import Store
from bulkio.sandbox.validation import ApiFailure, bad_request, contact_not_found, unprocessable

#: the path of one contact; the resources hang their routes under it
CONTACT = "/contacts/{contactId}"


def forbidden() -> ApiFailure:
    """403 for a token used against another location."""
    message = "The token does not have access to this location."
    return ApiFailure(403, {"statusCode": 403, "message": message, "error": "Forbidden"})


def same_location(value: Any, location_id: str) -> None:
    """403 unless ``value`` (a body's or query's locationId) is absent or the token's."""
    if value is not None and value != location_id:
        raise forbidden()


def find_contact(store: Store, location_id: str, contact_id: str) -> dict[str, Any]:
    """The contact, or the API's 400 ``Contact with id ... not found``."""
    doc = store.get_contact(location_id, contact_id)
    if doc is None:
        raise contact_not_found(contact_id)
    return doc


def child_or_fail(store: Store, table: str, cid: str, child_id: str) -> dict[str, Any]:
    """A note or task of a contact, or the API's 400 ``Note with id ... not found``."""
    found = store.child(table, cid, child_id)
    if found is None:
        noun = "Note" if table == "notes" else "Task"
        raise bad_request(f"{noun} with id {child_id} not found")
    return found


def int_param(value: str | None, name: str, *, default: int, low: int, high: int) -> int:
    """A query number in ASCII digits within [low, high] (default when absent), else 422."""
    if value is None or value == "":
        return default
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise unprocessable([f"{name} must be a number conforming to the specified constraints"])
    number = int(text)
    if not low <= number <= high:
        raise unprocessable([f"{name} must not be less than {low} and not greater than {high}"])
    return number
