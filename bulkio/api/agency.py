"""Agency tokens and fan-out: list sub-accounts, exchange location tokens, run one per location.

OAuth v3 (``/work/shared/spec/oauth-v3.openapi.json``): ``GET /oauth/installed-locations``
lists the sub-accounts (locations) of a company where an app is installed (paged with
``pageToken``); ``POST /oauth/location-token`` (form-encoded ``companyId``, ``locationId``)
exchanges the agency token for a location token. Location tokens are kept in memory only:
never written to a file, a journal or a log.

:func:`fan_out` runs one coroutine per location in one process, each with its own
:class:`~bulkio.api.client.Client` (its own pacer: the budget is per location), at most
``parallel`` at a time; a location that fails (401, quota, network) is recorded and does
not stop the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx

from bulkio.api.client import Client
from bulkio.api.wire import DEFAULT_BASE_URL, api_message
from bulkio.errors import ApiError, AuthError, BulkioError, TransportError
from bulkio.i18n import _

__all__ = [
    "InstalledLocation",
    "LocationOutcome",
    "LocationTarget",
    "exchange_location_tokens",
    "fan_out",
    "installed_locations",
    "location_token",
]

log = logging.getLogger("bulkio.agency")

T = TypeVar("T")


@dataclass(frozen=True)
class InstalledLocation:
    """A sub-account where the app is installed."""

    id: str
    name: str


@dataclass(frozen=True)
class LocationTarget:
    """Where one location's requests go; ``token`` is kept out of repr."""

    location_id: str
    token: str = field(repr=False)
    name: str = ""
    base_url: str = DEFAULT_BASE_URL
    api_version: str = "v3"

    def client(self, **overrides: Any) -> Client:
        """A fresh :class:`Client` (its own pacer and connection pool) for this location."""
        kwargs: dict[str, Any] = {"base_url": self.base_url, "token": self.token,
                                  "location_id": self.location_id,
                                  "api_version": self.api_version}
        kwargs.update(overrides)
        return Client(**kwargs)


@dataclass
class LocationOutcome(Generic[T]):
    """What one location's coroutine returned, or the error that ended it."""

    target: LocationTarget
    result: T | None = None
    error: BulkioError | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the coroutine returned."""
        return self.error is None


def _agency_error(cls: type[ApiError], message: str, *, response: httpx.Response | None,
                  method: str, path: str, token: str) -> ApiError:
    body = response.text.replace(token, "***") if response is not None else ""
    return cls(message.replace(token, "***"), status=response.status_code if response else None,
               method=method, url=path, body=body)


async def _agency_call(http: httpx.AsyncClient, method: str, path: str, *, token: str,
                       **kw: Any) -> dict[str, Any]:
    try:
        response = await http.request(method, path, **kw)
    except httpx.HTTPError as exc:
        raise _agency_error(TransportError, f"{method} {path}: no response "
                            f"({type(exc).__name__})", response=None, method=method,
                            path=path, token=token) from exc
    if response.status_code in (401, 403):
        raise _agency_error(AuthError, f"{method} {path} -> {response.status_code}: "
                            f"{api_message(response.text)}", response=response, method=method,
                            path=path, token=token)
    if response.status_code >= 400:
        raise _agency_error(ApiError, f"{method} {path} -> {response.status_code}: "
                            f"{api_message(response.text)}", response=response, method=method,
                            path=path, token=token)
    data = response.json()
    return data if isinstance(data, dict) else {}


def _agency_http(base_url: str, token: str, transport: httpx.AsyncBaseTransport | None
                 ) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/"), transport=transport, timeout=httpx.Timeout(30.0),
        headers={"Authorization": f"Bearer {token}", "Version": "v3",
                 "Accept": "application/json"},
    )


async def installed_locations(
    *, agency_token: str, company_id: str, app_id: str, base_url: str = DEFAULT_BASE_URL,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[InstalledLocation]:
    """Every sub-account of ``company_id`` where ``app_id`` is installed (all pages)."""
    found: list[InstalledLocation] = []
    params: dict[str, Any] = {"companyId": company_id, "appId": app_id, "pageSize": 100,
                              "isInstalled": "true"}
    async with _agency_http(base_url, agency_token, transport) as http:
        while True:
            data = await _agency_call(http, "GET", "/oauth/installed-locations",
                                      token=agency_token, params=params)
            for item in data.get("items", []):
                if isinstance(item, dict) and item.get("_id"):
                    found.append(InstalledLocation(str(item["_id"]), str(item.get("name", ""))))
            page = data.get("pagination") or {}
            next_token = page.get("nextPageToken") if page.get("hasNextPage") else None
            if not next_token:
                return found
            params["pageToken"] = next_token


async def location_token(
    *, agency_token: str, company_id: str, location_id: str,
    base_url: str = DEFAULT_BASE_URL, transport: httpx.AsyncBaseTransport | None = None,
) -> str:
    """Exchange the agency token for ``location_id``'s token (kept in memory only)."""
    async with _agency_http(base_url, agency_token, transport) as http:
        data = await _agency_call(http, "POST", "/oauth/location-token", token=agency_token,
                                  data={"companyId": company_id, "locationId": location_id})
    token = data.get("access_token") or data.get("accessToken")
    if not isinstance(token, str) or not token:
        raise ApiError(_("POST /oauth/location-token: the answer has no access token"),
                       status=200, method="POST", url="/oauth/location-token")
    return token


async def exchange_location_tokens(
    locations: Sequence[InstalledLocation], *, agency_token: str, company_id: str,
    base_url: str = DEFAULT_BASE_URL, transport: httpx.AsyncBaseTransport | None = None,
    parallel: int = 8,
) -> list[LocationTarget]:
    """One :class:`LocationTarget` per location, tokens exchanged ``parallel`` at a time."""
    gate = asyncio.Semaphore(parallel)

    async def one(loc: InstalledLocation) -> LocationTarget:
        async with gate:
            token = await location_token(agency_token=agency_token, company_id=company_id,
                                         location_id=loc.id, base_url=base_url,
                                         transport=transport)
        return LocationTarget(location_id=loc.id, token=token, name=loc.name,
                              base_url=base_url)

    return list(await asyncio.gather(*(one(loc) for loc in locations)))


async def fan_out(
    targets: Sequence[LocationTarget],
    work: Callable[[LocationTarget], Awaitable[T]],
    *,
    parallel: int | None = None,
    clock: Callable[[], float] | None = None,
) -> list[LocationOutcome[T]]:
    """Run ``work(target)`` for every location, at most ``parallel`` at once (default all).

    Outcomes come back in the order of ``targets``. A :class:`~bulkio.errors.BulkioError`
    ends only its own location (recorded in :attr:`LocationOutcome.error`); anything
    else is a bug and propagates.
    """
    loop = asyncio.get_running_loop()
    now = clock or loop.time
    gate = asyncio.Semaphore(parallel or max(1, len(targets)))

    async def one(target: LocationTarget) -> LocationOutcome[T]:
        async with gate:
            started = now()
            try:
                result = await work(target)
            except BulkioError as exc:
                log.warning("location %s failed: %s", target.name or target.location_id, exc)
                return LocationOutcome(target, error=exc, seconds=now() - started)
            return LocationOutcome(target, result=result, seconds=now() - started)

    return list(await asyncio.gather(*(one(t) for t in targets)))
