"""Async client for the HighLevel Contacts API v3: auth, pacing, retries, error mapping.

Every request goes through :meth:`Client.request`, which:

* waits for a slot among the requests allowed in flight (Little's law: the allowed rate
  times the measured latency, with headroom, at most ``max_in_flight``; see
  :class:`~bulkio.api.pacing.AdaptiveConcurrency`) and then for the
  :class:`~bulkio.api.pacing.Pacer` (burst and daily limits);
* sends ``Authorization: Bearer``, ``Version`` and ``Accept: application/json``;
* feeds the ``X-RateLimit-*`` headers of every response back to the pacer;
* retries 429, 5xx, timeouts and connection errors with exponential backoff and full
  jitter, but only for idempotent calls. Non-idempotent calls (create contact, note,
  task) are resent only when the request provably never reached the server (connection
  refused, 429); after an *ambiguous* failure (5xx, timeout, dropped connection) the
  wrappers first look for what the lost request may have created
  (:meth:`Client.create_contact`, :meth:`Client.add_note`, :meth:`Client.create_task`);
* maps failures once into :mod:`bulkio.errors` (the token never appears in them).

API version ``2021-07-28`` (v2) is supported: callers always build v3 bodies and the client
renames ``dndSettings`` keys (``call`` -> ``Call``, ...) on the way out and back on the way in.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Literal

import httpx

from bulkio.api.pacing import AdaptiveConcurrency, Pacer, Ticket
from bulkio.api.wire import (
    API_VERSIONS,
    DEFAULT_BASE_URL,
    ClientStats,
    adapt_request_body,
    adapt_response,
    api_message,
    duplicate_contact_id,
    same_instant,
)
from bulkio.errors import (
    ApiError,
    AuthError,
    RateLimitedError,
    ServerError,
    TransportError,
)

__all__ = ["API_VERSIONS", "DEFAULT_BASE_URL", "DEFAULT_MAX_IN_FLIGHT", "Client", "ClientStats"]

log = logging.getLogger("bulkio.client")

#: the safe maximum of requests in flight per location (the limit in force is usually lower)
DEFAULT_MAX_IN_FLIGHT = 64


Sleep = Callable[[float], Awaitable[None]]


class _Ambiguous(Exception):
    """Internal: a non-idempotent request may or may not have been applied."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(str(error))
        self.error = error


class Client:
    """Paced, retrying async client of one location (use as ``async with``).

    ``max_in_flight`` is the safe maximum of concurrent requests and sizes the connection
    pool; the limit in force follows the allowed rate and the measured latency, halved on
    5xx/timeouts and regrown one by one on success; ``wait_for_quota`` (and
    ``on_quota_wait``) wait for the daily reset instead of failing (see the pacer);
    ``max_retries`` bounds retries per call (429, 5xx, timeouts, connection errors);
    ``transport`` is the test seam (``httpx.MockTransport``); ``pacer``, ``sleep``,
    ``clock`` and ``rng`` let tests drive time and jitter. ``timeout`` is per request, in
    seconds. Wrappers return the parsed JSON body and raise :mod:`bulkio.errors` types:
    400/404/422 -> ``ApiError`` (``.status``, ``.body``: make them row failures),
    401/403 -> ``AuthError``, and after retries ``RateLimitedError`` / ``ServerError`` /
    ``TransportError``.
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        token: str,
        location_id: str,
        api_version: str = "v3",
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        wait_for_quota: bool = False,
        on_quota_wait: Callable[[float], None] | None = None,
        max_retries: int = 6,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        pacer: Pacer | None = None,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if api_version not in API_VERSIONS:
            raise ValueError(f"api_version must be one of {', '.join(API_VERSIONS)}")
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.location_id = location_id
        self.api_version = api_version
        self.max_retries = max_retries
        self.max_in_flight = max_in_flight
        self.stats = ClientStats()
        #: set by the first HTTP response of any status: the server is reachable
        self._answered = False
        self.pacer = pacer if pacer is not None else Pacer(
            clock=clock, sleep=sleep, wait_for_quota=wait_for_quota,
            on_quota_wait=on_quota_wait,
        )
        self._token = token
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        #: in-flight limit, halved when the server struggles, regrown on success
        self.concurrency = AdaptiveConcurrency(max_in_flight)
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {token}",
                "Version": api_version,
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(
                max_connections=max_in_flight, max_keepalive_connections=max_in_flight
            ),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"Client(base_url={str(self._http.base_url)!r}, location_id={self.location_id!r})"

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # -- core ---------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        return self._rng.uniform(0.0, min(self._backoff_cap, self._backoff_base * 2**attempt))

    def _error(
        self, cls: type[ApiError], message: str, *, status: int | None, method: str, path: str,
        body: str = "",
    ) -> ApiError:
        return cls(
            self._redact(message), status=status, method=method, url=path,
            body=self._redact(body),
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotent: bool,
        endpoint: str | None = None,
    ) -> Any:
        """Send one API call with pacing and retries; return the parsed JSON body.

        ``endpoint`` names the call in :attr:`stats` (e.g. ``"GET /contacts/{contactId}"``;
        default ``"METHOD path"``). Non-idempotent calls are resent only when the server
        provably did not apply them; otherwise the call raises an internal ambiguity signal
        that the wrappers resolve (see :meth:`create_contact`). Through this generic entry
        point, an ambiguous non-idempotent failure raises the underlying error.
        """
        try:
            return await self._request(
                method, path, json=json, params=params, idempotent=idempotent,
                endpoint=endpoint,
            )
        except _Ambiguous as amb:
            self.stats.errors[type(amb.error).__name__] += 1
            raise amb.error from amb.__cause__

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotent: bool,
        endpoint: str | None = None,
    ) -> Any:
        method = method.upper()
        name = endpoint or f"{method} {path}"
        if json is not None:
            json = adapt_request_body(json, self.api_version)
        attempt = 0
        while True:
            try:
                return await self._attempt(method, path, json=json, params=params, name=name)
            except _Retryable as r:
                err = r.error
                if (not self._answered and isinstance(err, TransportError)
                        and isinstance(r.__cause__, httpx.ConnectError)):
                    # no answer yet, ever: a wrong --base-url, DNS or TLS, not a blip;
                    # retrying only delays the one useful message
                    err.unreachable = True
                    self.stats.errors[type(err).__name__] += 1
                    raise err from r.__cause__
                # a 429 or a refused connection never reached the handler: always safe
                if not idempotent and not r.unsent:
                    raise _Ambiguous(err) from r.__cause__
                if attempt >= self.max_retries:
                    self.stats.errors[type(err).__name__] += 1
                    raise err from r.__cause__
                delay = self._backoff(attempt)
                attempt += 1
                self.stats.retries += 1
                log.info("retry %d/%d of %s in %.2f s (%s)", attempt, self.max_retries, name,
                         delay, err)
                await self._sleep(delay)
            except ApiError as err:
                self.stats.errors[type(err).__name__] += 1
                raise

    async def _attempt(
        self, method: str, path: str, *, json: Any, params: dict[str, Any] | None, name: str
    ) -> Any:
        await self.concurrency.acquire()
        overloaded = False
        try:
            ticket = await self.pacer.acquire()
            started = time.monotonic()
            self.stats.total_requests += 1
            self.stats.requests[name] += 1
            try:
                response = await self._http.request(method, path, json=json, params=params)
            except httpx.HTTPError as exc:
                self.pacer.settle(ticket)
                self.stats.seconds[name] += time.monotonic() - started
                unsent = isinstance(
                    exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
                )
                overloaded = isinstance(exc, httpx.TimeoutException)
                kind = "timeout" if overloaded else "no response"
                log.info("%s %s -> %s (%s)", method, path, kind, type(exc).__name__)
                err = self._error(
                    TransportError, f"{method} {path}: {kind} ({type(exc).__name__})",
                    status=None, method=method, path=path,
                )
                raise _Retryable(err, unsent=unsent) from exc
            self._answered = True
            elapsed = time.monotonic() - started
            self.stats.seconds[name] += elapsed
            self.stats.statuses[response.status_code] += 1
            self.stats.bytes_sent += len(response.request.content)
            self.stats.bytes_received += len(response.content)
            log.info("%s %s -> %d (%.0f ms)", method, path, response.status_code, elapsed * 1000)
            # a 429 is a pacing matter, not strain: fewer in flight would not help
            overloaded = response.status_code >= 500
            if response.status_code == 429:
                self.stats.rate_limited += 1
                self.pacer.on_429(response.headers, ticket)
            else:
                self.pacer.observe(response.headers, ticket)
            self.concurrency.fit(self.pacer.rate_per_s, self.pacer.latency_s)
        finally:
            await self.concurrency.release(overloaded=overloaded)
        return self._result(response, method, path, ticket)

    def _result(self, response: httpx.Response, method: str, path: str, ticket: Ticket) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            if not response.content:
                return {}
            try:
                data = response.json()
            except ValueError as exc:
                raise self._error(
                    ServerError, f"{method} {path} -> {status}: the answer is not JSON",
                    status=status, method=method, path=path, body=response.text,
                ) from exc
            return adapt_response(data, self.api_version)
        body = response.text
        text = f"{method} {path} -> {status}: {api_message(body)}"
        if status in (401, 403):
            raise self._error(AuthError, text, status=status, method=method, path=path,
                              body=body)
        if status == 429:
            raise _Retryable(
                self._error(RateLimitedError, text, status=status, method=method, path=path,
                            body=body),
                unsent=True,
            )
        if status >= 500:
            raise _Retryable(
                self._error(ServerError, text, status=status, method=method, path=path,
                            body=body),
                unsent=False,
            )
        raise self._error(ApiError, text, status=status, method=method, path=path, body=body)

    # -- contacts -----------------------------------------------------------------------

    def _with_location(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"locationId": self.location_id, **body}

    async def upsert_contact(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /contacts/upsert``: ``{"new": bool, "contact": {...}, ...}``."""
        return await self._json("POST", "/contacts/upsert", json=self._with_location(body),
                                idempotent=True, endpoint="POST /contacts/upsert")

    async def create_contact(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /contacts/``: ``{"contact": {...}}``; never creates a contact twice.

        After an ambiguous failure, looks the contact up by the body's email/phone
        (``GET /contacts/search/duplicate``) and returns ``{"contact": found}`` if it exists;
        resends otherwise; if that resend is refused as a duplicate, returns the contact it
        names. Without email or phone nothing can be checked, so the original error is
        raised instead of risking a duplicate.
        """
        payload = self._with_location(body)

        async def lookup() -> dict[str, Any] | None:
            email, phone = body.get("email"), body.get("phone")
            if not email and not phone:
                return None
            found = await self.find_duplicate(email=email, phone=phone)
            return {"contact": found} if found is not None else None

        async def recover(err: ApiError) -> dict[str, Any] | None:
            # the lookup may lag the write: the resend then meets the contact the lost
            # attempt created ("does not allow duplicated contacts", meta.contactId)
            contact_id = duplicate_contact_id(err)
            return await self.get_contact(contact_id) if contact_id else None

        return await self._once(
            "POST", "/contacts/", payload, "POST /contacts/", lookup,
            checkable=bool(body.get("email") or body.get("phone")), recover=recover,
        )

    async def get_contact(self, contact_id: str) -> dict[str, Any]:
        """``GET /contacts/{contactId}``: ``{"contact": {...}}``."""
        return await self._json("GET", f"/contacts/{contact_id}", idempotent=True,
                                endpoint="GET /contacts/{contactId}")

    async def update_contact(self, contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """``PUT /contacts/{contactId}`` (``tags`` here replaces all tags)."""
        return await self._json("PUT", f"/contacts/{contact_id}", json=body, idempotent=True,
                                endpoint="PUT /contacts/{contactId}")

    async def delete_contact(self, contact_id: str) -> dict[str, Any]:
        """``DELETE /contacts/{contactId}``."""
        return await self._json("DELETE", f"/contacts/{contact_id}", idempotent=True,
                                endpoint="DELETE /contacts/{contactId}")

    async def search(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /contacts/search``: ``{"contacts": [...], "total": n}``."""
        return await self._json("POST", "/contacts/search", json=self._with_location(body),
                                idempotent=True, endpoint="POST /contacts/search")

    async def find_duplicate(
        self, *, email: str | None = None, phone: str | None = None
    ) -> dict[str, Any] | None:
        """``GET /contacts/search/duplicate``: the matching contact, or None."""
        params: dict[str, Any] = {"locationId": self.location_id}
        if email:
            params["email"] = email
        if phone:
            params["number"] = phone
        data = await self._json("GET", "/contacts/search/duplicate", params=params,
                                idempotent=True, endpoint="GET /contacts/search/duplicate")
        contact = data.get("contact")
        if isinstance(contact, dict) and contact:
            return contact
        contacts = data.get("contacts")
        if isinstance(contacts, list) and contacts and isinstance(contacts[0], dict):
            return contacts[0]
        return None

    async def bulk_tags(
        self,
        kind: Literal["add", "remove"],
        contact_ids: Sequence[str],
        tags: Sequence[str],
        *,
        remove_all: bool = False,
    ) -> dict[str, Any]:
        """``POST /contacts/bulk/tags/update/{type}``: add or remove tags on many contacts."""
        if kind not in ("add", "remove"):
            raise ValueError("kind must be 'add' or 'remove'")
        body: dict[str, Any] = {"contacts": list(contact_ids), "tags": list(tags),
                                "locationId": self.location_id}
        if remove_all:
            if kind != "remove":
                raise ValueError("remove_all is only valid with kind='remove'")
            body["removeAllTags"] = True
        return await self._json("POST", f"/contacts/bulk/tags/update/{kind}", json=body,
                                idempotent=True, endpoint="POST /contacts/bulk/tags/update/{type}")

    async def bulk_business(
        self, contact_ids: Sequence[str], business_id: str | None
    ) -> dict[str, Any]:
        """``POST /contacts/bulk/business``: (un)assign a business; at most 50 ids per call."""
        ids = list(contact_ids)
        if len(ids) > 50:
            raise ValueError("bulk_business takes at most 50 contact ids per call")
        body = {"locationId": self.location_id, "ids": ids, "businessId": business_id}
        return await self._json("POST", "/contacts/bulk/business", json=body, idempotent=True,
                                endpoint="POST /contacts/bulk/business")

    async def contacts_by_business(
        self,
        business_id: str,
        *,
        limit: int | None = None,
        skip: int | None = None,
        query: str | None = None,
        start_after: str | None = None,
    ) -> dict[str, Any]:
        """``GET /contacts/business/{businessId}``: ``{"contacts": [...], "total": n}``."""
        params: dict[str, Any] = {"locationId": self.location_id}
        for key, value in (("limit", limit), ("skip", skip), ("query", query),
                           ("startAfter", start_after)):
            if value is not None:
                params[key] = value
        return await self._json("GET", f"/contacts/business/{business_id}", params=params,
                                idempotent=True, endpoint="GET /contacts/business/{businessId}")

    async def custom_fields(self) -> list[dict[str, Any]]:
        """``GET /locations/{locationId}/customFields``: the location's custom fields."""
        data = await self._json("GET", f"/locations/{self.location_id}/customFields",
                                params={"model": "contact"}, idempotent=True,
                                endpoint="GET /locations/{locationId}/customFields")
        fields = data.get("customFields", [])
        return [f for f in fields if isinstance(f, dict)] if isinstance(fields, list) else []

    # -- notes and tasks ----------------------------------------------------------------

    async def add_note(self, contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /contacts/{contactId}/notes``: ``{"note": {...}}``; never adds it twice.

        After an ambiguous failure, lists the contact's notes and returns one with the same
        body if present; resends otherwise.
        """

        async def lookup() -> dict[str, Any] | None:
            for note in (await self.list_notes(contact_id)).get("notes", []):
                if isinstance(note, dict) and note.get("body") == body.get("body"):
                    return {"note": note}
            return None

        return await self._once("POST", f"/contacts/{contact_id}/notes", body,
                                "POST /contacts/{contactId}/notes", lookup)

    async def list_notes(self, contact_id: str) -> dict[str, Any]:
        """``GET /contacts/{contactId}/notes``: ``{"notes": [...]}``."""
        return await self._json("GET", f"/contacts/{contact_id}/notes", idempotent=True,
                                endpoint="GET /contacts/{contactId}/notes")

    async def delete_note(self, contact_id: str, note_id: str) -> dict[str, Any]:
        """``DELETE /contacts/{contactId}/notes/{id}``."""
        return await self._json("DELETE", f"/contacts/{contact_id}/notes/{note_id}",
                                idempotent=True, endpoint="DELETE /contacts/{contactId}/notes/{id}")

    async def create_task(self, contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /contacts/{contactId}/tasks``: ``{"task": {...}}``; never creates it twice.

        After an ambiguous failure, lists the contact's tasks and returns one with the same
        title and due date (compared as instants) if present; resends otherwise.
        """

        async def lookup() -> dict[str, Any] | None:
            for task in (await self.list_tasks(contact_id)).get("tasks", []):
                if (isinstance(task, dict) and task.get("title") == body.get("title")
                        and same_instant(task.get("dueDate"), body.get("dueDate"))):
                    return {"task": task}
            return None

        return await self._once("POST", f"/contacts/{contact_id}/tasks", body,
                                "POST /contacts/{contactId}/tasks", lookup)

    async def list_tasks(self, contact_id: str) -> dict[str, Any]:
        """``GET /contacts/{contactId}/tasks``: ``{"tasks": [...]}``."""
        return await self._json("GET", f"/contacts/{contact_id}/tasks", idempotent=True,
                                endpoint="GET /contacts/{contactId}/tasks")

    async def delete_task(self, contact_id: str, task_id: str) -> dict[str, Any]:
        """``DELETE /contacts/{contactId}/tasks/{taskId}``."""
        return await self._json("DELETE", f"/contacts/{contact_id}/tasks/{task_id}",
                                idempotent=True,
                                endpoint="DELETE /contacts/{contactId}/tasks/{taskId}")

    # -- tags, followers, campaigns, workflows ------------------------------------------

    async def add_tags(self, contact_id: str, tags: Iterable[str]) -> dict[str, Any]:
        """``POST /contacts/{contactId}/tags``: add tags without touching the others."""
        return await self._json("POST", f"/contacts/{contact_id}/tags",
                                json={"tags": list(tags)}, idempotent=True,
                                endpoint="POST /contacts/{contactId}/tags")

    async def remove_tags(self, contact_id: str, tags: Iterable[str]) -> dict[str, Any]:
        """``DELETE /contacts/{contactId}/tags``: remove tags without touching the others."""
        return await self._json("DELETE", f"/contacts/{contact_id}/tags",
                                json={"tags": list(tags)}, idempotent=True,
                                endpoint="DELETE /contacts/{contactId}/tags")

    async def add_followers(self, contact_id: str, user_ids: Iterable[str]) -> dict[str, Any]:
        """``POST /contacts/{contactId}/followers``."""
        return await self._json("POST", f"/contacts/{contact_id}/followers",
                                json={"followers": list(user_ids)}, idempotent=True,
                                endpoint="POST /contacts/{contactId}/followers")

    async def remove_followers(self, contact_id: str, user_ids: Iterable[str]) -> dict[str, Any]:
        """``DELETE /contacts/{contactId}/followers``."""
        return await self._json("DELETE", f"/contacts/{contact_id}/followers",
                                json={"followers": list(user_ids)}, idempotent=True,
                                endpoint="DELETE /contacts/{contactId}/followers")

    async def add_to_campaign(self, contact_id: str, campaign_id: str) -> dict[str, Any]:
        """``POST /contacts/{contactId}/campaigns/{campaignId}``."""
        return await self._json("POST", f"/contacts/{contact_id}/campaigns/{campaign_id}",
                                json={}, idempotent=True,
                                endpoint="POST /contacts/{contactId}/campaigns/{campaignId}")

    async def remove_from_campaign(self, contact_id: str, campaign_id: str) -> dict[str, Any]:
        """``DELETE /contacts/{contactId}/campaigns/{campaignId}``."""
        return await self._json("DELETE", f"/contacts/{contact_id}/campaigns/{campaign_id}",
                                idempotent=True,
                                endpoint="DELETE /contacts/{contactId}/campaigns/{campaignId}")

    async def add_to_workflow(
        self, contact_id: str, workflow_id: str, *, event_start_time: str | None = None
    ) -> dict[str, Any]:
        """``POST /contacts/{contactId}/workflow/{workflowId}``."""
        body = {"eventStartTime": event_start_time} if event_start_time else {}
        return await self._json("POST", f"/contacts/{contact_id}/workflow/{workflow_id}",
                                json=body, idempotent=True,
                                endpoint="POST /contacts/{contactId}/workflow/{workflowId}")

    async def remove_from_workflow(
        self, contact_id: str, workflow_id: str, *, event_start_time: str | None = None
    ) -> dict[str, Any]:
        """``DELETE /contacts/{contactId}/workflow/{workflowId}``."""
        body = {"eventStartTime": event_start_time} if event_start_time else {}
        return await self._json("DELETE", f"/contacts/{contact_id}/workflow/{workflow_id}",
                                json=body, idempotent=True,
                                endpoint="DELETE /contacts/{contactId}/workflow/{workflowId}")

    # -- helpers ------------------------------------------------------------------------

    async def _json(self, method: str, path: str, *, json: Any = None,
                    params: dict[str, Any] | None = None, idempotent: bool,
                    endpoint: str) -> dict[str, Any]:
        data = await self.request(method, path, json=json, params=params,
                                  idempotent=idempotent, endpoint=endpoint)
        return data if isinstance(data, dict) else {"data": data}

    async def _once(
        self,
        method: str,
        path: str,
        body: dict[str, Any],
        endpoint: str,
        lookup: Callable[[], Awaitable[dict[str, Any] | None]],
        *,
        checkable: bool = True,
        recover: Callable[[ApiError], Awaitable[dict[str, Any] | None]] | None = None,
    ) -> dict[str, Any]:
        """Send a non-idempotent call; after an ambiguous failure, look before resending.

        The lookup waits one backoff delay first (listings may lag writes by a moment).
        ``recover`` gets an API error answered to a *resend*: it may prove that the lost
        first attempt was applied after all (see :meth:`create_contact`).
        """
        attempt = 0
        while True:
            try:
                data = await self._request(
                    method, path, json=body, idempotent=False, endpoint=endpoint
                )
                return data if isinstance(data, dict) else {"data": data}
            except _Ambiguous as amb:
                if not checkable or attempt >= self.max_retries:
                    self.stats.errors[type(amb.error).__name__] += 1
                    raise amb.error from amb.__cause__
                await self._sleep(self._backoff(attempt))
                attempt += 1
                found = await lookup()
                if found is not None:
                    self.stats.reconciled += 1
                    log.info("%s: the lost request had been applied; using its result", endpoint)
                    return found
                self.stats.retries += 1
                log.info("retry %d/%d of %s: the lost request was not applied", attempt,
                         self.max_retries, endpoint)
            except ApiError as err:
                found = await recover(err) if recover is not None and attempt > 0 else None
                if found is None:
                    raise
                self.stats.reconciled += 1
                log.info("%s: the resend met what the lost request had created", endpoint)
                return found


class _Retryable(Exception):
    """Internal: a failure worth retrying; ``unsent`` means the server never applied it."""

    def __init__(self, error: ApiError, *, unsent: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.unsent = unsent
