"""Which contact a bulk-command row means: a contact id, or an email/phone looked up.

A row names its contact with a ``contact_id`` column (also ``id``, ``contactId``,
``id_contacto``; the success report of ``bulkio import`` has one), else with an email
and/or phone column (Spanish headers too: ``correo``, ``teléfono``, ``celular``). Emails and
phones are normalized like ``bulkio import`` does, then looked up with
``GET /contacts/search/duplicate`` (once per distinct value per run: :class:`ContactResolver`
caches answers and shares in-flight lookups). A row whose email and phone point to two
different contacts, or a lookup answering several contacts, is ``ambiguous-contact``; no
match is ``contact-not-found``.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bulkio.api.client import Client
from bulkio.clean.normalize.email import normalize_email
from bulkio.clean.normalize.phone import normalize_phone
from bulkio.i18n import _

__all__ = [
    "ContactRef",
    "ContactResolver",
    "Resolution",
    "column_for",
    "fold_header",
    "read_ref",
]

#: header synonyms per role, compared after :func:`fold_header`
SYNONYMS: dict[str, tuple[str, ...]] = {
    "contact_id": ("contactid", "id", "idcontacto", "idcontact", "idcliente"),
    "email": ("email", "emailaddress", "mail", "correo", "correoelectronico", "emailprincipal"),
    "phone": ("phone", "phonenumber", "telefono", "tel", "celular", "movil", "whatsapp",
              "mobile", "numero", "telefonomovil"),
}  # fmt: skip

_NON_ALNUM = re.compile(r"[^a-z0-9]")


def fold_header(header: str) -> str:
    """``Teléfono Móvil`` -> ``telefonomovil``: lower case, no accents, letters/digits only."""
    text = unicodedata.normalize("NFKD", header.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NON_ALNUM.sub("", text)


def column_for(
    headers: Sequence[str], synonyms: Sequence[str], *, explicit: str | None = None
) -> str | None:
    """The first header matching one of ``synonyms`` (or exactly ``explicit`` when given)."""
    if explicit is not None:
        for h in headers:
            if h == explicit or fold_header(h) == fold_header(explicit):
                return h
        return None
    folded = {fold_header(h): h for h in reversed(headers) if not h.startswith("_")}
    for name in synonyms:
        if name in folded:
            return folded[name]
    return None


@dataclass(frozen=True, slots=True)
class ContactRef:
    """How a row names its contact (at least one field is set)."""

    contact_id: str | None = None
    email: str | None = None
    phone: str | None = None

    def describe(self) -> str:
        """``id X`` / ``email a@b.c`` / ``phone +52...`` for messages and dry runs."""
        if self.contact_id:
            return f"id {self.contact_id}"
        parts = [f"email {self.email}" if self.email else "", f"phone {self.phone}" if
                 self.phone else ""]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class RefColumns:
    """The columns holding the contact reference (None = absent)."""

    contact_id: str | None
    email: str | None
    phone: str | None

    @classmethod
    def find(cls, headers: Sequence[str]) -> RefColumns:
        """Detect the reference columns of a sheet by header synonyms."""
        return cls(
            contact_id=column_for(headers, SYNONYMS["contact_id"]),
            email=column_for(headers, SYNONYMS["email"]),
            phone=column_for(headers, SYNONYMS["phone"]),
        )

    @property
    def any(self) -> bool:
        return bool(self.contact_id or self.email or self.phone)


def _cell(values: Mapping[str, str | None], column: str | None) -> str:
    if column is None:
        return ""
    return (values.get(column) or "").strip()


def read_ref(
    values: Mapping[str, str | None], columns: RefColumns, *, region: str | None
) -> ContactRef | tuple[str, str]:
    """The row's contact reference, or ``(code, message)`` when it has no usable one.

    A contact id wins over email and phone. An invalid email or phone is dropped when the
    other one is valid (the lookup can still succeed) and fails the row otherwise.
    """
    cid = _cell(values, columns.contact_id)
    if cid:
        return ContactRef(contact_id=cid)
    raw_email, raw_phone = _cell(values, columns.email), _cell(values, columns.phone)
    email = phone = None
    problems: list[tuple[str, str]] = []
    if raw_email:
        res = normalize_email(raw_email)
        if res.ok:
            email = str(res.value)
        else:
            problems.append((res.code or "invalid-email", res.message))
    if raw_phone:
        res = normalize_phone(raw_phone, region=region)
        if res.ok and res.value:
            phone = str(res.value)
        else:
            problems.append((res.code or "invalid-phone", res.message))
    if email or phone:
        return ContactRef(email=email, phone=phone)
    if problems:
        return problems[0]
    return ("missing-identifier", "the row has no contact id, email or phone")


@dataclass(frozen=True, slots=True)
class Resolution:
    """A resolved contact id, or the row failure (``code``, ``message``)."""

    contact_id: str | None = None
    code: str | None = None
    message: str = ""


class ContactResolver:
    """Resolve :class:`ContactRef` to contact ids with cached duplicate lookups."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._cache: dict[tuple[str, str], asyncio.Future[list[str]]] = {}
        #: lookups actually sent (cache misses)
        self.lookups = 0

    async def resolve(self, ref: ContactRef) -> Resolution:
        """The contact id for ``ref``; raises ApiError only when a lookup itself fails."""
        if ref.contact_id:
            return Resolution(contact_id=ref.contact_id)
        by_email = await self._lookup("email", ref.email) if ref.email else None
        by_phone = await self._lookup("number", ref.phone) if ref.phone else None
        found = [ids for ids in (by_email, by_phone) if ids]
        if not found:
            return Resolution(code="contact-not-found",
                              message=_("no contact has {describe}").format(
                                  describe=ref.describe()))
        for ids in found:
            if len(ids) > 1:
                return Resolution(code="ambiguous-contact",
                                  message=f"{len(ids)} contacts match {ref.describe()}: "
                                  + ", ".join(ids[:5]))
        if len(found) == 2 and found[0][0] != found[1][0]:
            return Resolution(
                code="ambiguous-contact",
                message=_("email {email} is contact {found} but phone {phone} is contact "
                          "{found2}").format(
                    email=ref.email, found=found[0][0], phone=ref.phone, found2=found[1][0]),
            )
        return Resolution(contact_id=found[0][0])

    async def _lookup(self, kind: str, value: str) -> list[str]:
        key = (kind, value.casefold() if kind == "email" else value)
        fut = self._cache.get(key)
        if fut is None:
            fut = asyncio.get_running_loop().create_future()
            self._cache[key] = fut
            self.lookups += 1
            try:
                data = await self._client.request(
                    "GET", "/contacts/search/duplicate",
                    params={"locationId": self._client.location_id, kind: value},
                    idempotent=True, endpoint="GET /contacts/search/duplicate",
                )
            except Exception as exc:
                del self._cache[key]  # a failed lookup is retried by the next row
                fut.set_exception(exc)
                fut.exception()  # mark retrieved: waiters (if any) re-raise it
                raise
            except BaseException:
                del self._cache[key]
                fut.cancel()
                raise
            fut.set_result(_ids(data))
        return await asyncio.shield(fut)


def _ids(data: Any) -> list[str]:
    """Contact ids in a duplicate-search answer (``contact`` or a ``contacts`` list)."""
    if not isinstance(data, dict):
        return []
    out: list[str] = []
    contact = data.get("contact")
    if isinstance(contact, dict) and contact.get("id"):
        out.append(str(contact["id"]))
    contacts = data.get("contacts")
    if isinstance(contacts, list):
        out += [str(c["id"]) for c in contacts if isinstance(c, dict) and c.get("id")]
    return list(dict.fromkeys(out))
