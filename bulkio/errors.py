"""The bulkio exception tree and the per-row issue catalogue.

::

    BulkioError
    ├── ConfigError          missing token / location, bad config file
    ├── InputError           bad file, sheet, encoding, mapping (carries the path)
    └── ApiError             carries status, method, url, truncated body (never the token)
        ├── AuthError        401 / 403
        ├── RateLimitedError 429 after retries
        ├── ServerError      5xx after retries
        └── TransportError   no response (connect error, timeout, dropped connection)

A failed row is not an exception: it is a :class:`RowIssue` record whose ``code`` comes
from :data:`CODES`, the closed catalogue that ``bulkio codes`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bulkio.i18n import N_

Severity = Literal["error", "warning"]

_BODY_LIMIT = 500


class BulkioError(Exception):
    """Root of every error bulkio raises on purpose."""

    #: a one-line hint telling the user what to do next
    hint: str = ""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        if hint:
            self.hint = hint


class ConfigError(BulkioError):
    """Missing or invalid settings (token, location id, config file)."""


class InputError(BulkioError):
    """The input file, sheet, encoding or mapping cannot be used."""

    def __init__(self, message: str, *, path: str | Path | None = None, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.path = Path(path) if path is not None else None

    def __str__(self) -> str:
        base = super().__str__()
        return f"{self.path}: {base}" if self.path is not None else base


class ApiError(BulkioError):
    """The API answered with an error status (or did not answer at all)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str = "",
        url: str = "",
        body: str = "",
        hint: str = "",
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.method = method
        self.url = url
        self.body = body[:_BODY_LIMIT]


class AuthError(ApiError):
    """401 or 403: the token is wrong, expired, or lacks a scope."""

    hint = N_(
        "check BULKIO_TOKEN (or the config file), that the token has the contacts scopes, "
        "and that --location-id (BULKIO_LOCATION_ID) is the token's sub-account"
    )


class RateLimitedError(ApiError):
    """429 that persisted through every retry."""


class ServerError(ApiError):
    """5xx that persisted through every retry."""


class TransportError(ApiError):
    """No HTTP response: connection refused or dropped, timeout."""

    #: the command adds how to go on (its --resume, `bulkio resume ID`, or just re-run)
    hint = N_("check the network and --base-url")
    #: the server never answered this client at all (refused, DNS, TLS): nothing can work,
    #: so the run stops at once instead of failing every row
    unreachable: bool = False


@dataclass(frozen=True)
class RowIssue:
    """One problem with one input row; ``error`` drops the row, ``warning`` keeps it."""

    row: int
    code: str
    message: str
    field: str | None = None
    severity: Severity = "error"

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown issue code {self.code!r}; add it to bulkio.errors.CODES")


#: The closed catalogue of row-issue codes: code -> one-line explanation (English; marked
#: for the catalog, translated where shown). Keep it sorted by area; ``bulkio codes`` prints it.
CODES: dict[str, str] = {
    # reading
    "ragged-row": N_("the row has more or fewer cells than the header; extra cells are kept "
    "under _extra, missing ones are empty"),
    "nul-byte": N_("the row contained NUL bytes, which were removed"),
    "empty-row": N_("the row has no values at all"),
    "decoding-fallback": N_("the line did not fit the file's detected encoding and was read "
    "with another (Windows-1252, or UTF-8 in a Windows-1252 file); check its accents"),
    "unbalanced-quote": N_("a cell opened with a double quote ran over the following lines, "
    "which look like rows of their own; fix the quote and import those lines again"),
    # validation / normalization
    "missing-identifier": N_("the row has neither a valid email nor a valid phone, so it cannot "
    "be matched or upserted"),
    "invalid-email": N_("the email address is not syntactically valid"),
    "invisible-characters": N_("invisible or control characters (zero-width space, soft hyphen, "
    "bidi marks, line breaks) were removed from the email or phone; check the source cell"),
    "invalid-phone": N_("the phone number cannot be a valid number in its region"),
    "unknown-country": N_("the country is not a name or code the API accepts"),
    "invalid-date": N_("the value is not a date bulkio can read"),
    "ambiguous-date": N_("the column mixes day-first and month-first readings and no "
    "--date-order was given"),
    "impossible-date": N_("the date does not exist (e.g. 31/02) or lies in the future"),
    "invalid-timezone": N_("the timezone is not an IANA name such as America/Mexico_City"),
    "invalid-website": N_("the website is not a valid URL or domain"),
    "invalid-boolean": N_("the value is not a yes/no value (yes, no, sí, true, false, 1, 0, x)"),
    "invalid-gender": N_("the gender is not one the API knows (male, female)"),
    "invalid-value": N_("the value does not fit the field's type"),
    "duplicate-in-file": N_("another row of the file has the same email or phone"),
    "extra-value": N_("the row has a second phone, email or city in another column; only the "
    "first non-empty one is sent (map the other column to a custom field or a note)"),
    # API
    "api-400": N_("the API rejected the row (400 Bad Request); see the message"),
    "api-422": N_("the API rejected a field of the row (422 Unprocessable Entity)"),
    "api-error": N_("the API kept failing for this row after every retry"),
    "duplicate-contact": N_("the location does not allow duplicates and a contact already has "
    "this email or phone"),
    "contact-not-found": N_("no contact matches the row's contact id, email or phone"),
    "foreign-contact-id": N_("the row's contact id is not in this location (an export of another "
    "sub-account?): the contact was matched by email or phone instead"),
    "unknown-location": N_("the row's location column names none of the locations of the run "
    "(--locations): the row was not sent"),
    "ambiguous-contact": N_("several contacts match the row's email or phone"),
    "tag-failed": N_("the contact was saved but adding its tags failed"),
    "business-failed": N_("the contact was saved but assigning its business failed"),
    "followup-failed": N_("the contact was saved but a note, task, workflow, campaign or "
    "follower step failed"),
    "unknown-custom-field": N_("the column maps to a custom field the location does not have"),
    "missing-value": N_("a cell the bulk command needs is empty (tags, business id, note text, "
    "task title or due date, follower ids)"),
    "not-stored": N_("the API answered 200 but did not store a field as sent (field, sent, "
    "stored): e.g. a phone owned by another contact (#37), the gender of an existing contact "
    "(#313); --strict makes it a failure"),
    "split-match": N_("the row's email belongs to one contact and its phone to another: an "
    "upsert updates the email's contact and drops the phone (--on-split-match skip|send)"),
    "email-swapped": N_("the row's email was an additional email of an existing contact: the "
    "upsert made it the primary email and the previous primary was lost (#337; seen with "
    "--snapshot)"),
    "unknown-business": N_("no business of the location has this name or id; "
    "--create-businesses creates the missing ones"),
    "ambiguous-business": N_("several businesses of the location have this name (case and "
    "accents ignored); use the business id"),
    "unknown-user": N_("no user of the location has this id, email or full name (emails and "
    "names need --company-id)"),
    "ambiguous-user": N_("several users of the location have this name; use the user id or email"),
    "item-not-found": N_("the contact has no note or task with the row's id or title"),
    "ambiguous-item": N_("several notes or tasks of the contact have the row's title; add a "
    "note_id / task_id column"),
    "cannot-revert": N_("undo cannot restore this change: the run kept no previous values "
    "(import without --snapshot), or it deleted a contact or removed it from a workflow"),
    "conflict": N_("undo left a field as it is: someone changed it after the run (both values "
    "are given; `bulkio undo --force` overwrites it)"),
    # runs
    "not-processed": N_("the run stopped before this row was processed; re-run with --resume"),
}
