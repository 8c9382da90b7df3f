"""What goes on the wire besides pacing: API versions and dialects, the default base URL,
error messages (and the row error they become), client counters."""

from __future__ import annotations

import json as jsonlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bulkio.errors import ApiError

__all__ = [
    "API_VERSIONS",
    "DEFAULT_BASE_URL",
    "ClientStats",
    "adapt_request_body",
    "adapt_response",
    "api_message",
    "duplicate_contact_id",
    "row_error",
    "same_instant",
]

_BODY_SNIPPET = 300

#: Version header values the client speaks; v2 differs in the dndSettings key case and
#: the custom field value key (``field_value``) of request bodies.
API_VERSIONS = ("v3", "2021-07-28")

#: where the real API lives
DEFAULT_BASE_URL = "https://services.leadconnectorhq.com"
_DND_V2 = {
    "call": "Call",
    "email": "Email",
    "sms": "SMS",
    "whatsApp": "WhatsApp",
    "gmb": "GMB",
    "fb": "FB",
}
_DND_V3 = {v2: v3 for v3, v2 in _DND_V2.items()}


def _rename_dnd(obj: Any, names: dict[str, str]) -> Any:
    """Copy of ``obj`` with the keys of every ``dndSettings`` mapping renamed."""
    if isinstance(obj, list):
        return [_rename_dnd(item, names) for item in obj]
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "dndSettings" and isinstance(value, dict):
            out[key] = {names.get(k, k): v for k, v in value.items()}
        else:
            out[key] = _rename_dnd(value, names)
    return out


def _v2_custom_fields(body: Any) -> Any:
    """v2's custom field value key is ``field_value``; ``fieldValue`` exists in v3 only."""
    if not isinstance(body, dict) or not isinstance(body.get("customFields"), list):
        return body
    items = [
        {("field_value" if k == "fieldValue" else k): v for k, v in item.items()}
        if isinstance(item, dict) else item
        for item in body["customFields"]
    ]  # fmt: skip
    return {**body, "customFields": items}


def adapt_request_body(body: Any, api_version: str) -> Any:
    """Callers build v3 bodies; for ``2021-07-28`` rename dndSettings keys (call -> Call)
    and custom field ``fieldValue`` to ``field_value``."""
    if api_version != "2021-07-28":
        return body
    return _v2_custom_fields(_rename_dnd(body, _DND_V2))


def adapt_response(data: Any, api_version: str) -> Any:
    """Inverse of :func:`adapt_request_body`: callers always see v3 dndSettings keys."""
    return _rename_dnd(data, _DND_V3) if api_version == "2021-07-28" else data


@dataclass
class ClientStats:
    """Counters of one client's life; read them for the run summary."""

    requests: Counter[str] = field(default_factory=Counter)  # "POST /contacts/upsert" -> n
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # final failures by exception name
    total_requests: int = 0
    rate_limited: int = 0  # 429s received
    retries: int = 0
    reconciled: int = 0  # ambiguous failures resolved by finding what the request created
    bytes_sent: int = 0
    bytes_received: int = 0
    seconds: defaultdict[str, float] = field(
        default_factory=lambda: defaultdict(float)
    )  # time spent per endpoint

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly copy (for ``--json`` summaries)."""
        return {
            "total_requests": self.total_requests,
            "requests": dict(self.requests),
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "errors": dict(self.errors),
            "rate_limited": self.rate_limited,
            "retries": self.retries,
            "reconciled": self.reconciled,
            "bytes_sent": self.bytes_sent,
            "bytes_received": self.bytes_received,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def api_message(body: str) -> str:
    """The human message of an API error body: ``message`` as a string or joined list."""
    try:
        data = jsonlib.loads(body)
    except ValueError:
        return body.strip()[:_BODY_SNIPPET]
    if isinstance(data, dict):
        msg = data.get("message")
        if isinstance(msg, list):
            return "; ".join(str(m) for m in msg)
        if isinstance(msg, str):
            return msg
        if isinstance(data.get("error"), str):
            return str(data["error"])
    return body.strip()[:_BODY_SNIPPET]


def same_instant(a: object, b: object) -> bool:
    """True when two ISO 8601 strings name the same instant (``Z`` vs ``.000Z`` forms)."""
    if a == b:
        return True
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    try:
        return datetime.fromisoformat(a) == datetime.fromisoformat(b)
    except ValueError:
        return False


def duplicate_contact_id(error: Exception) -> str | None:
    """The ``meta.contactId`` of a 400 "does not allow duplicated contacts" answer, if any."""
    body = getattr(error, "body", "")
    if getattr(error, "status", None) != 400 or not isinstance(body, str):
        return None
    try:
        data = jsonlib.loads(body)
    except ValueError:
        return None
    meta = data.get("meta") if isinstance(data, dict) else None
    contact_id = meta.get("contactId") if isinstance(meta, dict) else None
    return contact_id if isinstance(contact_id, str) and contact_id else None


def row_error(err: ApiError) -> tuple[str, str, int | None]:
    """(code, message, http status) of an API error that fails one row."""
    message = api_message(err.body) if err.body else str(err)
    if err.status == 422:
        return "api-422", message, 422
    if err.status in (400, 404) and "not found" in message.lower():
        return "contact-not-found", message, err.status
    if err.status in (400, 404):
        return "api-400", message, err.status
    return "api-error", message, err.status
