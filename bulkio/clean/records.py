"""Clean records: a source row turned into API-ready data (:class:`PreparedRow`) and the cell
changes normalization made (:class:`Change`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bulkio.errors import RowIssue
from bulkio.files.table import SourceRow


@dataclass(frozen=True)
class Change:
    """One normalized cell: the user's value before and the value sent after."""

    row: int
    column: str
    field: str
    before: str | None
    after: str | None


@dataclass
class PreparedRow:
    """A row turned into API-ready data.

    ``contact`` holds standard body fields of the upsert/create DTO (firstName, email,
    phone, country, dateOfBirth, address1, ..., dnd, inboundDndSettings, source, ...), never
    ``locationId``, ``tags`` or ``customFields``. ``custom_fields`` maps the custom-field
    reference from the mapping (its name, ``contact.<fieldKey>`` or id) to the normalized
    value; the import resolves references to ids. ``extras`` carries non-contact columns:
    ``contact_id``, ``businessId``, ``note``, ``task_title``, ``task_body``, ``task_due``,
    ``workflow_id``, ``campaign_id``, ``followers`` (list of user ids).
    """

    source: SourceRow
    contact: dict[str, Any] = field(default_factory=dict)
    custom_fields: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    issues: list[RowIssue] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def row(self) -> int:
        return self.source.row

    @property
    def ok(self) -> bool:
        """True when no issue of severity ``error`` drops the row."""
        return not any(i.severity == "error" for i in self.issues)
