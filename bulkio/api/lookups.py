"""Names where users have names: a company name -> a ``businessId``, a user's email or full
name -> a user id.

:class:`BusinessDirectory` lists the location's businesses once per run
(``GET /businesses/?locationId=``, 100 per page) and resolves each distinct value once: a
business id as is, else the name matched exactly, then case-, accent- and space-
insensitively. No match, or several, is a row issue (``unknown-business``,
``ambiguous-business``); with ``create`` a missing business is created
(``POST /businesses/``) once, however many rows name it, and reported as created so the
run can journal it (``bulkio undo`` deletes only the businesses a run created). A
24-hex-digit HighLevel id needs no lookup.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from bulkio.api.client import Client
from bulkio.errors import ApiError
from bulkio.i18n import _

__all__ = ["BusinessDirectory", "BusinessMatch", "UserDirectory", "UserMatch",
           "delete_business", "fold_name", "needs_lookup"]

_PAGE = 100


def fold_name(text: str) -> str:
    """``  Café  Pérez S.A. `` -> ``cafe perez s.a.``: no case, accents or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split())


@dataclass(frozen=True, slots=True)
class BusinessMatch:
    """How one value resolved: ``business_id``, or ``code`` + ``message`` (a row issue)."""

    business_id: str | None = None
    created: bool = False
    code: str | None = None
    message: str = ""


class BusinessDirectory:
    """The location's businesses, looked up once per run, resolved once per distinct value."""

    def __init__(self, client: Client, location_id: str, *, create: bool = False) -> None:
        self.client = client
        self.location_id = location_id
        self.create = create
        self._items: list[dict[str, Any]] | None = None
        self._load = asyncio.Lock()
        self._cache: dict[str, asyncio.Future[BusinessMatch]] = {}
        #: ids of the businesses this run created
        self.created: list[str] = []

    async def _businesses(self) -> list[dict[str, Any]]:
        async with self._load:
            if self._items is None:
                items: list[dict[str, Any]] = []
                skip = 0
                while True:
                    data = await self.client.request(
                        "GET", "/businesses/", idempotent=True, endpoint="GET /businesses/",
                        params={"locationId": self.location_id, "limit": _PAGE, "skip": skip})
                    page = [b for b in (data or {}).get("businesses") or []
                            if isinstance(b, dict) and b.get("id")]
                    items += page
                    if len(page) < _PAGE:
                        break
                    skip += _PAGE
                self._items = items
            return self._items

    async def resolve(self, value: str) -> BusinessMatch:
        """The business named (or identified) by ``value``; one lookup per distinct value."""
        key = fold_name(value)
        future = self._cache.get(key)
        if future is not None:
            match = await future
            # only the first row that named a created business reports it as created
            return BusinessMatch(match.business_id, False, match.code, match.message)
        future = asyncio.get_running_loop().create_future()
        self._cache[key] = future
        try:
            match = await self._resolve(value.strip())
        except BaseException as exc:
            del self._cache[key]
            future.set_exception(exc)
            future.exception()  # retrieved: waiting rows get it, no "never retrieved" log
            raise
        future.set_result(match)
        return match

    async def _resolve(self, value: str) -> BusinessMatch:
        if re.fullmatch(r"[0-9a-f]{24}", value):
            return BusinessMatch(value)  # a HighLevel business id: no lookup needed
        items = await self._businesses()
        if any(str(b["id"]) == value for b in items):
            return BusinessMatch(value)
        for matches in ([b for b in items if str(b.get("name") or "").strip() == value],
                        [b for b in items if fold_name(str(b.get("name") or ""))
                         == fold_name(value)]):
            if len(matches) == 1:
                return BusinessMatch(str(matches[0]["id"]))
            if len(matches) > 1:
                ids = ", ".join(str(b["id"]) for b in matches)
                return BusinessMatch(code="ambiguous-business",
                                     message=_("{n} businesses are named like {value} ({ids}): "
                                               "use the business id").format(
                                         n=len(matches), value=repr(value), ids=ids))
        if not self.create:
            return BusinessMatch(code="unknown-business",
                                 message=_("no business of the location is named {value} "
                                           "(--create-businesses creates it)").format(
                                     value=repr(value)))
        data = await self.client.request(
            "POST", "/businesses/", idempotent=False, endpoint="POST /businesses/",
            json={"name": value, "locationId": self.location_id})
        doc = data or {}
        # the API spells the key "buiseness" (businesses-v3: UpdateBusinessResponseDto)
        made = doc.get("buiseness") or doc.get("business") or {}
        bid = str(made.get("id") or "")
        if not bid:
            return BusinessMatch(code="business-failed",
                                 message=_("creating business {value} answered no id").format(
                                     value=repr(value)))
        items.append(made)
        self.created.append(bid)
        return BusinessMatch(bid, created=True)


async def delete_business(client: Client, business_id: str) -> None:
    """``DELETE /businesses/{businessId}`` (``bulkio undo`` of ``--create-businesses``)."""
    await client.request("DELETE", f"/businesses/{business_id}", idempotent=True,
                         endpoint="DELETE /businesses/{businessId}")


@dataclass(frozen=True, slots=True)
class UserMatch:
    """How one user reference resolved: ``user_id``, or ``code`` + ``message``."""

    user_id: str | None = None
    code: str | None = None
    message: str = ""


class UserDirectory:
    """User emails or full names -> user ids through the Users API, once per distinct value.

    :func:`needs_lookup` tells which values are not ids (an ``@`` or a space: an id has
    neither). The location's users are listed once per run with ``GET /users/search``
    (which needs the agency's ``companyId``: ``--company-id``, ``BULKIO_COMPANY_ID``, or else
    the location's own, read once with ``GET /locations/{locationId}``);
    a value must match one of them exactly (emails without case, names without case,
    accents or extra spaces).
    """

    def __init__(self, client: Client, *, company_id: str | None) -> None:
        self.client = client
        self.company_id = company_id
        self._cache: dict[str, asyncio.Future[UserMatch]] = {}
        self._list: list[dict[str, Any]] | None = None
        self._load = asyncio.Lock()

    async def resolve(self, value: str) -> UserMatch:
        """The user ``value`` names (resolved once per distinct value)."""
        key = fold_name(value)
        future = self._cache.get(key)
        if future is not None:
            return await future
        future = asyncio.get_running_loop().create_future()
        self._cache[key] = future
        try:
            match = await self._resolve(value.strip())
        except BaseException as exc:
            del self._cache[key]
            future.set_exception(exc)
            future.exception()
            raise
        future.set_result(match)
        return match

    async def _resolve(self, value: str) -> UserMatch:
        users = await self._users()
        if not self.company_id:
            return UserMatch(code="unknown-user", message=_("{value} is not a user id; to find "
                                                            "users by email or name give "
                                                            "--company-id (the agency id)").format(
                value=repr(value)))
        if "@" in value:
            found = [u for u in users if str(u.get("email") or "").casefold()
                     == value.casefold()]
        else:
            found = [u for u in users if fold_name(_full_name(u)) == fold_name(value)]
        if len(found) == 1:
            return UserMatch(str(found[0]["id"]))
        if found:
            ids = ", ".join(str(u.get("id")) for u in found)
            return UserMatch(code="ambiguous-user", message=_("{n} users match {value} ({ids}): "
                                                              "use the user id or email").format(
                n=len(found), value=repr(value), ids=ids))
        return UserMatch(code="unknown-user",
                         message=_("no user of the location is {value}").format(value=repr(value)))

    async def _users(self) -> list[dict[str, Any]]:
        """The location's users, listed once per run (the API's search does not ignore
        accents, so names are matched here)."""
        async with self._load:
            if self._list is None and not self.company_id:
                self.company_id = await self._company_of_location()
            if self._list is None and not self.company_id:
                self._list = []
            if self._list is None:
                users: list[dict[str, Any]] = []
                skip = 0
                while True:
                    data = await self.client.request(
                        "GET", "/users/search", idempotent=True, endpoint="GET /users/search",
                        params={"companyId": self.company_id,
                                "locationId": self.client.location_id,
                                "limit": _PAGE, "skip": skip})
                    page = [u for u in (data or {}).get("users") or []
                            if isinstance(u, dict) and u.get("id")]
                    users += page
                    if len(page) < _PAGE:
                        break
                    skip += _PAGE
                self._list = users
            return self._list


    async def _company_of_location(self) -> str | None:
        """The agency id of the client's location (``GET /locations/{id}``, scope
        ``locations.readonly``); None when the token may not read it."""
        try:
            data = await self.client.request(
                "GET", f"/locations/{self.client.location_id}", idempotent=True,
                endpoint="GET /locations/{locationId}")
        except ApiError as err:
            if err.status in (401, 403, 404):
                return None
            raise
        company = ((data or {}).get("location") or {}).get("companyId")
        return str(company) if company else None


def needs_lookup(value: str) -> bool:
    """True for an email or a full name ("Juan Pérez"), False for a user id."""
    text = value.strip()
    return "@" in text or " " in text


def _full_name(user: dict[str, Any]) -> str:
    name = str(user.get("name") or "").strip()
    if name:
        return name
    return " ".join(str(user.get(k) or "") for k in ("firstName", "lastName")).strip()
