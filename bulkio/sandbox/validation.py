"""Request body validation as the API does it (class-validator style 422 messages)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import pycountry


class ApiFailure(Exception):
    """An error answer: status code plus the JSON body the API sends."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def bad_request(message: str, **extra: Any) -> ApiFailure:
    """400 with BadRequestDTO body."""
    return ApiFailure(400, {"statusCode": 400, "message": message, **extra})


def unprocessable(messages: list[str]) -> ApiFailure:
    """422 with UnprocessableDTO body."""
    return ApiFailure(
        422, {"statusCode": 422, "message": messages, "error": "Unprocessable Entity"}
    )


def contact_not_found(contact_id: str) -> ApiFailure:
    """The API answers 400 (not 404) for an unknown contact id."""
    return bad_request(f"Contact with id {contact_id} not found")


# The API's country list is ISO 3166-1 alpha-2 minus four newer codes, plus AN and XK
# (compared with the upstream list by tests/test_sandbox_validation.py).
_NOT_ACCEPTED = frozenset({"BL", "BQ", "CW", "SS"})
_EXTRA = frozenset({"AN", "XK"})


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """The 247 alpha-2 codes the API accepts for ``country``."""
    codes = {c.alpha_2 for c in pycountry.countries}
    return frozenset((codes - _NOT_ACCEPTED) | _EXTRA)


_DOB_FORMATS = (
    "%Y/%m/%d", "%m/%d/%Y", "%Y-%m-%d", "%m-%d-%Y",
    "%Y.%m.%d", "%m.%d.%Y", "%Y_%m_%d", "%m_%d_%Y",
)  # fmt: skip


def parse_dob(value: Any) -> str | None:
    """dateOfBirth in one of the documented formats -> YYYY-MM-DD (None when invalid)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if "T" in text:  # an ISO datetime is accepted too; keep its date part
        text = text.split("T", 1)[0]
    for fmt in _DOB_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_phone(value: str) -> str | None:
    """Loose E.164 normalisation: keep digits, assume +1 for 10 bare digits (as the API)."""
    digits = re.sub(r"\D", "", value)
    if not 7 <= len(digits) <= 15:
        return None
    if value.strip().startswith("+"):
        return "+" + digits
    if len(digits) == 10:
        return "+1" + digits
    return "+" + digits


STR = "string"
BOOL = "boolean"
ARR_STR = "array<string>"
OBJ = "object"
ANY = "any"

CONTACT_FIELDS: dict[str, str] = {
    "firstName": STR, "lastName": STR, "name": STR, "email": STR, "gender": STR,
    "phone": STR, "address1": STR, "city": STR, "state": STR, "postalCode": STR,
    "website": STR, "timezone": STR, "dnd": BOOL, "inboundDndSettings": OBJ,
    "tags": ARR_STR, "customFields": "array<object>", "source": STR, "dateOfBirth": ANY,
    "country": STR, "companyName": STR, "assignedTo": STR, "dndSettings": OBJ,
}  # fmt: skip
CREATE_FIELDS = {**CONTACT_FIELDS, "locationId": STR}
UPSERT_FIELDS = {**CREATE_FIELDS, "createNewIfDuplicateAllowed": BOOL}
# PUT refuses gender (#313) but accepts companyName, ssn, keyword and type although
# UpdateContactDto does not list them (#314)
UPDATE_FIELDS = {
    **{k: v for k, v in CONTACT_FIELDS.items() if k != "gender"},
    "ssn": STR, "keyword": STR, "type": STR,
}  # fmt: skip

NOTE_FIELDS = {"userId": STR, "body": STR, "title": STR, "color": STR, "pinned": BOOL}
TASK_FIELDS = {"title": STR, "body": STR, "dueDate": STR, "completed": BOOL, "assignedTo": STR}
DND_CHANNELS = ("call", "email", "sms", "whatsApp", "gmb", "fb")


def _type_ok(kind: str, value: Any) -> bool:
    if value is None or kind == ANY:
        return True
    if kind == STR:
        return isinstance(value, str)
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == OBJ:
        return isinstance(value, dict)
    if kind == ARR_STR:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "array<object>":
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPE_WORDS = {
    STR: "must be a string", BOOL: "must be a boolean value", OBJ: "must be an object",
    ARR_STR: "must be an array", "array<object>": "must be an array", "number": "must be a number",
}  # fmt: skip


def check_body(
    body: Any, allowed: dict[str, str], *, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Reject unknown properties, wrong types and missing required fields (422)."""
    if not isinstance(body, dict):
        raise unprocessable(["body must be an object"])
    errors = [f"property {k} should not exist" for k in body if k not in allowed]
    for key in required:
        if body.get(key) is None or body.get(key) == "":
            errors.append(f"{key} should not be empty")
    for key, kind in allowed.items():
        if key in body and not _type_ok(kind, body[key]):
            errors.append(f"{key} {_TYPE_WORDS.get(kind, 'is invalid')}")
    if errors:
        raise unprocessable(errors)
    return body


def check_contact_values(body: dict[str, Any]) -> dict[str, Any]:
    """Field-level checks shared by create, update and upsert; returns normalised values."""
    out = dict(body)
    errors: list[str] = []
    email = body.get("email")
    if isinstance(email, str) and email.strip():
        if not _EMAIL_RE.match(email.strip()):
            errors.append("email must be an email")
        out["email"] = email.strip()
    elif email == "":
        out["email"] = None
    phone = body.get("phone")
    if isinstance(phone, str) and phone.strip():
        e164 = normalize_phone(phone)
        if e164 is None:
            raise bad_request("Invalid phone number")
        out["phone"] = e164
    elif phone == "":
        out["phone"] = None
    country = body.get("country")
    if isinstance(country, str) and country not in country_codes():
        errors.append("country must be a valid country code")
    if "dateOfBirth" in body and body["dateOfBirth"] not in (None, ""):
        dob = parse_dob(body["dateOfBirth"])
        if dob is None:
            errors.append(
                "dateOfBirth must be a date in one of the formats YYYY/MM/DD, MM/DD/YYYY, "
                "YYYY-MM-DD, MM-DD-YYYY, YYYY.MM.DD, MM.DD.YYYY, YYYY_MM_DD, MM_DD_YYYY"
            )
        out["dateOfBirth"] = dob
    elif body.get("dateOfBirth") == "":
        out["dateOfBirth"] = None
    for key in ("dndSettings",):
        settings = body.get(key)
        if isinstance(settings, dict):
            for channel, setting in settings.items():
                if channel not in DND_CHANNELS:
                    errors.append(f"property {key}.{channel} should not exist")
                elif not isinstance(setting, dict) or setting.get("status") not in (
                    "active", "inactive", "permanent",
                ):  # fmt: skip
                    errors.append(
                        f"{key}.{channel}.status must be one of: active, inactive, permanent"
                    )
    if errors:
        raise unprocessable(errors)
    if isinstance(body.get("tags"), list):
        out["tags"] = clean_tags(body["tags"])
    return out


def clean_tags(tags: list[str]) -> list[str]:
    """The API stores tags trimmed, lower-cased and de-duplicated, keeping order."""
    seen: dict[str, None] = {}
    for tag in tags:
        t = tag.strip().lower()
        if t:
            seen.setdefault(t, None)
    return list(seen)


CF_TYPES = (
    "TEXT", "LARGE_TEXT", "NUMERICAL", "MONETORY", "DATE", "SINGLE_OPTIONS",
    "MULTIPLE_OPTIONS", "CHECKBOX", "RADIO", "PHONE",
)  # fmt: skip
OPTION_TYPES = ("SINGLE_OPTIONS", "MULTIPLE_OPTIONS", "CHECKBOX", "RADIO")


def custom_field_value(field: dict[str, Any], value: Any) -> Any:
    """Validate one custom field value for its type; returns the stored value (None clears)."""
    kind = field["dataType"]
    name = field["name"]
    options = list(field.get("picklistOptions") or [])
    if value is None or value == "" or value == []:
        return None
    if kind in ("TEXT", "LARGE_TEXT"):
        if isinstance(value, (dict, list)):
            raise unprocessable([f"customFields value of {name} must be a string"])
        return str(value)
    if kind == "PHONE":
        e164 = normalize_phone(str(value))
        if e164 is None:
            raise unprocessable([f"customFields value of {name} must be a valid phone number"])
        return e164
    if kind in ("NUMERICAL", "MONETORY"):
        try:
            number = float(str(value).replace(",", "")) if not isinstance(value, bool) else None
        except ValueError:
            number = None
        if number is None or not math.isfinite(number) or abs(number) > 1e15:
            raise unprocessable([f"customFields value of {name} must be a number"])
        return int(number) if number.is_integer() and kind == "NUMERICAL" else number
    if kind == "DATE":
        text = str(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not (math.isfinite(value) and -8.64e15 <= value <= 8.64e15):
                raise unprocessable([f"customFields value of {name} must be a date"])
            try:
                return datetime.fromtimestamp(value / 1000, tz=UTC).date().isoformat()
            except (OverflowError, OSError, ValueError) as exc:  # beyond year 9999
                raise unprocessable([f"customFields value of {name} must be a date"]) from exc
        parsed = parse_dob(text)
        if parsed is None:
            raise unprocessable([f"customFields value of {name} must be a date"])
        return parsed
    if kind in ("SINGLE_OPTIONS", "RADIO"):
        if not isinstance(value, str) or value not in options:
            raise unprocessable(
                [f"customFields value of {name} must be one of: {', '.join(options)}"]
            )
        return value
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise unprocessable([f"customFields value of {name} must be an array of strings"])
    bad = [v for v in values if v not in options]
    if bad:
        raise unprocessable(
            [f"customFields value {bad[0]!r} of {name} must be one of: {', '.join(options)}"]
        )
    return list(dict.fromkeys(values))
