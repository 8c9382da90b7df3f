"""Contact behaviour: create, update, upsert matching, duplicates, custom fields, rendering."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bulkio.sandbox.storage import Store, iso_key, new_id
from bulkio.sandbox.validation import (
    CF_TYPES,
    OPTION_TYPES,
    ApiFailure,
    bad_request,
    check_contact_values,
    custom_field_value,
    unprocessable,
)

# keys kept on the stored document but never returned
_PRIVATE = ("_added", "_updated")
_SEARCH_KEYS = (
    "id", "locationId", "email", "timezone", "country", "source", "dateAdded",
    "customFields", "tags", "businessId", "followers", "firstName", "lastName", "name",
    "phone", "companyName", "dateOfBirth", "dateUpdated", "firstNameLowerCase",
    "lastNameLowerCase", "address1", "city", "state", "postalCode", "website", "dnd",
    "dndSettings", "assignedTo", "type", "gender", "additionalEmails", "keyword", "ssn",
)  # fmt: skip


def render(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document as the API returns it (no nulls: the schema types are not nullable)."""
    out = {k: v for k, v in doc.items() if v is not None and k not in _PRIVATE}
    out.setdefault("tags", [])
    out.setdefault("customFields", [])
    return out


def render_search(doc: dict[str, Any], search_after: list[Any]) -> dict[str, Any]:
    """A contact as search results list it, with its searchAfter cursor."""
    out = {k: v for k, v in render(doc).items() if k in _SEARCH_KEYS}
    # #314: search answers dateOfBirth as epoch milliseconds and carries an `address` field
    dob = out.get("dateOfBirth")
    if isinstance(dob, str):
        try:
            day = datetime.strptime(dob, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            pass
        else:
            out["dateOfBirth"] = int(day.timestamp() * 1000)
    if doc.get("address1"):
        out["address"] = doc["address1"]
    out["searchAfter"] = search_after
    return out


def _resolve_custom(store: Store, location_id: str, items: list[dict[str, Any]]) -> list[Any]:
    fields = store.custom_fields(location_id)
    by_id = {f["id"]: f for f in fields}
    by_key = {}
    for f in fields:
        by_key[f["fieldKey"]] = f
        by_key[f["fieldKey"].split(".", 1)[-1]] = f
    resolved: list[Any] = []
    for item in items:
        extra = set(item) - {"id", "key", "fieldValue", "field_value", "value"}
        if extra:
            raise unprocessable([f"property customFields.{sorted(extra)[0]} should not exist"])
        ref = item.get("id") or item.get("key")
        if not isinstance(ref, str):
            raise unprocessable(["customFields.id must be a string"])
        field = by_id.get(ref) if item.get("id") else by_key.get(ref)
        if field is None:
            raise unprocessable([f"customFields: no custom field with id or key {ref!r}"])
        if "fieldValue" in item:
            raw = item["fieldValue"]
        elif "field_value" in item:
            raw = item["field_value"]
        else:
            raw = item.get("value")
        resolved.append((field["id"], custom_field_value(field, raw)))
    return resolved


def apply_values(
    store: Store,
    doc: dict[str, Any],
    values: dict[str, Any],
    *,
    replace_tags: bool = True,
    stamp: int | None = None,
) -> None:
    for key, value in values.items():
        if key in ("locationId", "createNewIfDuplicateAllowed", "customFields"):
            continue
        if key == "tags" and not replace_tags:
            continue
        doc[key] = value
    if "customFields" in values and values["customFields"] is not None:
        current = {cf["id"]: cf["value"] for cf in doc.get("customFields") or []}
        for field_id, value in _resolve_custom(store, doc["locationId"], values["customFields"]):
            if value is None:
                current.pop(field_id, None)
            else:
                current[field_id] = value
        doc["customFields"] = [{"id": k, "value": v} for k, v in current.items()]
    first, last = doc.get("firstName"), doc.get("lastName")
    if "name" in values and values["name"] and not (first or last):
        parts = str(values["name"]).split(" ", 1)
        doc["firstName"] = parts[0]
        doc["lastName"] = parts[1] if len(parts) > 1 else None
        first, last = doc.get("firstName"), doc.get("lastName")
    full = " ".join(p for p in (first, last) if p)
    doc["name"] = full or doc.get("name") or None
    doc["firstNameLowerCase"] = first.lower() if first else None
    doc["lastNameLowerCase"] = last.lower() if last else None
    doc["fullNameLowerCase"] = doc["name"].lower() if doc.get("name") else None
    doc["emailLowerCase"] = doc["email"].lower() if doc.get("email") else None
    stamp = store.tick() if stamp is None else stamp
    doc["_updated"] = stamp
    doc["dateUpdated"] = iso_key(stamp)


def new_contact(
    store: Store, location_id: str, values: dict[str, Any], *, stamp: int | None = None
) -> dict[str, Any]:
    """A fresh contact document built from validated values (not yet saved)."""
    stamp = store.tick() if stamp is None else stamp
    doc: dict[str, Any] = {
        "id": new_id(),
        "locationId": location_id,
        "type": "lead",
        "source": None,
        "tags": [],
        "customFields": [],
        "followers": [],
        "dnd": False,
        "_added": stamp,
        "dateAdded": iso_key(stamp),
    }
    apply_values(store, doc, values, stamp=stamp)
    return doc


def find_duplicate(
    store: Store,
    location_id: str,
    values: dict[str, Any],
    *,
    additional: bool = False,
    lagged: bool = False,
) -> tuple[dict[str, Any], str] | None:
    """The first existing contact matching email/phone in the location's priority order.

    With ``additional`` (upsert), an email equal to a contact's additional email matches
    too, reported as ``additionalEmail`` (#337). ``lagged``: as GET /contacts/search/duplicate
    sees the location, a search lag behind its writes.
    """
    _, priority = store.settings(location_id)
    for field in priority:
        value = values.get(field)
        if value:
            found = store.find_by(location_id, field, value, lagged=lagged)
            if found is not None:
                return found, field
            if additional and field == "email":
                found = store.find_by_additional_email(location_id, value)
                if found is not None:
                    return found, "additionalEmail"
    return None


def create(store: Store, location_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST /contacts/: refuse duplicates unless the location allows them."""
    values = check_contact_values(body)
    allow, _ = store.settings(location_id)
    if not allow:
        dup = find_duplicate(store, location_id, values)
        if dup is not None:
            found, field = dup
            raise bad_request(
                "This location does not allow duplicated contacts.",
                meta={
                    "contactId": found["id"],
                    "contactName": found.get("name") or "",
                    "matchingField": field,
                },
            )
    doc = new_contact(store, location_id, values)
    store.save_contact(doc)
    return doc


def update(store: Store, location_id: str, contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """PUT /contacts/{id}: ``tags`` replaces all tags."""
    doc = store.get_contact(location_id, contact_id)
    if doc is None:
        raise bad_request(f"Contact with id {contact_id} not found")
    values = check_contact_values(body)
    allow, _ = store.settings(location_id)
    if not allow:
        for field in ("email", "phone"):
            value = values.get(field)
            if value:
                other = store.find_by(location_id, field, value)
                if other is not None and other["id"] != contact_id:
                    raise bad_request(
                        "This location does not allow duplicated contacts.",
                        meta={
                            "contactId": other["id"],
                            "contactName": other.get("name") or "",
                            "matchingField": field,
                        },
                    )
    apply_values(store, doc, values)
    store.save_contact(doc)
    return doc


def upsert(store: Store, location_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """POST /contacts/upsert; returns (document, created)."""
    values = check_contact_values(body)
    allow, _ = store.settings(location_id)
    if allow and body.get("createNewIfDuplicateAllowed") is True:
        doc = new_contact(store, location_id, values)
        store.save_contact(doc)
        return doc, True
    with store.tx() as conn:
        dup = find_duplicate(store, location_id, values, additional=True)
        if dup is None:
            doc = new_contact(store, location_id, values)
            store.save_contact(doc, conn)
            return doc, True
        doc, matched = dup
        # #313: the stored gender of an existing contact is kept, the submitted one dropped
        values.pop("gender", None)
        # #37: the other identity field belongs to a different contact: dropped silently
        for field in ("email", "phone"):
            value = values.get(field)
            if field != matched and value:
                other = store.find_by(location_id, field, value)
                if other is not None and other["id"] != doc["id"]:
                    values.pop(field)
        if matched == "additionalEmail":
            # #337: the additional email becomes the primary one; the old primary is lost
            wanted = str(values["email"]).lower()
            doc["additionalEmails"] = [
                e for e in doc.get("additionalEmails") or [] if str(e).lower() != wanted
            ]
        apply_values(store, doc, values)
        store.save_contact(doc, conn)
    return doc, False


_KEY_RE = re.compile(r"[^a-z0-9]+")


def create_custom_field(
    store: Store,
    location_id: str,
    *,
    name: str,
    data_type: str,
    options: list[str] | None = None,
    field_key: str | None = None,
) -> dict[str, Any]:
    """Create a custom field definition (admin only: the contacts API cannot)."""
    if data_type not in CF_TYPES:
        raise ApiFailure(422, {"statusCode": 422, "message": [
            f"dataType must be one of: {', '.join(CF_TYPES)}"], "error": "Unprocessable Entity"})
    if data_type in OPTION_TYPES and not options:
        raise unprocessable([f"options are required for {data_type}"])
    key = field_key or "contact." + _KEY_RE.sub("_", name.lower()).strip("_")
    if not key.startswith("contact."):
        key = "contact." + key
    if any(f["fieldKey"] == key for f in store.custom_fields(location_id)):
        raise bad_request(f"Custom field with key {key} already exists")
    doc: dict[str, Any] = {
        "id": new_id(),
        "name": name,
        "fieldKey": key,
        "placeholder": "",
        "dataType": data_type,
        "position": 0,
        "picklistOptions": list(options or []),
        "picklistImageOptions": [],
        "isAllowedCustomOption": False,
        "isMultiFileAllowed": False,
        "maxFileLimit": 0,
        "locationId": location_id,
        "model": "contact",
    }
    store.add_custom_field(location_id, doc)
    return doc
