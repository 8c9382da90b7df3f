"""The ``Version: 2021-07-28`` dialect, from a diff of contacts-v2 and contacts-v3.openapi.json.

Handlers speak v3; :func:`request_body` and :func:`response_body` translate at the edge
(called by :mod:`bulkio.sandbox.endpoint` only). The differences emulated:

- ``dndSettings`` keys are ``Call/Email/SMS/WhatsApp/GMB/FB`` (v3: ``call/email/sms/
  whatsApp/gmb/fb``), in requests and answers; the other case is 422.
- custom field values are written as ``field_value`` (v3 adds ``fieldValue``); ``fieldValue``
  is 422 in v2.
- success bodies carry only ``succeded`` (v3: ``succeeded``, and ``succeded`` beside it
  except on update).
- ``DELETE /contacts/{id}/campaigns/removeAll`` (v3: ``.../campaigns/remove-all``); in each
  version the other spelling is taken as a campaign id, as the API's router does.
- ``GET /contacts/`` (deprecated list: ``locationId``, ``query``, ``limit``, ``startAfter``,
  ``startAfterId``) exists in v2 only.
"""

from __future__ import annotations

from typing import Any

from bulkio.sandbox.validation import unprocessable

V2 = "2021-07-28"
_DND_V2 = {"call": "Call", "email": "Email", "sms": "SMS", "whatsApp": "WhatsApp",
           "gmb": "GMB", "fb": "FB"}  # fmt: skip
_DND_V3 = {v2: v3 for v3, v2 in _DND_V2.items()}
#: the path segment that removes a contact from every campaign, per version
REMOVE_ALL = {"v3": "remove-all", V2: "removeAll"}


def request_body(body: Any, version: str) -> Any:
    """A v2 request body in the v3 shape the handlers validate (422 on v3-only spellings)."""
    if version != V2 or not isinstance(body, dict):
        return body
    out = dict(body)
    errors: list[str] = []
    dnd = body.get("dndSettings")
    if isinstance(dnd, dict):
        renamed: dict[str, Any] = {}
        for key, value in dnd.items():
            if key in _DND_V3:
                renamed[_DND_V3[key]] = value
            else:
                errors.append(f"property dndSettings.{key} should not exist")
        out["dndSettings"] = renamed
    fields = body.get("customFields")
    if isinstance(fields, list):
        for item in fields:
            if isinstance(item, dict) and "fieldValue" in item:
                errors.append("property customFields.fieldValue should not exist")
                break
    if errors:
        raise unprocessable(errors)
    return out


def response_body(body: Any, version: str) -> Any:
    """A v3 answer as v2 shapes it: DND keys renamed, ``succeeded`` dropped."""
    if version != V2:
        return body
    if isinstance(body, list):
        return [response_body(item, version) for item in body]
    if not isinstance(body, dict):
        return body
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == "succeeded":  # v2 spells it only one way
            out.setdefault("succeded", body.get("succeded", value))
            continue
        if key == "dndSettings" and isinstance(value, dict):
            out[key] = {_DND_V2.get(k, k): v for k, v in value.items()}
        else:
            out[key] = response_body(value, version)
    return out
