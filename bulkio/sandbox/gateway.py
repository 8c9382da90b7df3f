"""The ASGI layer in front of the routes: request log, faults, auth, Version, rate limits.

Dropping a connection needs the socket: the server's protocol registers each transport by
peer address (see :mod:`bulkio.sandbox.server`) and the gateway aborts it, so the client
sees the connection close without any response bytes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from bulkio.sandbox.faults import FaultInjector
from bulkio.sandbox.ratelimit import RateLimiter
from bulkio.sandbox.storage import Store

log = logging.getLogger("bulkio.sandbox")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

VERSIONS = ("v3", "2021-07-28")
_STATUS_ERRORS = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _json_message(status: int, body: dict[str, Any], headers: dict[str, str]) -> list[Message]:
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json; charset=utf-8")]
    raw.append((b"content-length", str(len(payload)).encode()))
    raw.extend((k.lower().encode(), v.encode()) for k, v in headers.items())
    return [
        {"type": "http.response.start", "status": status, "headers": raw},
        {"type": "http.response.body", "body": payload},
    ]


def error_body(status: int) -> dict[str, Any]:
    """Body of an injected or rate-limit error, shaped like the API's."""
    if status == 429:
        return {
            "statusCode": 429,
            "message": "Too many requests, please try again later.",
            "error": "Too Many Requests",
        }
    return {"statusCode": status, "message": _STATUS_ERRORS.get(status, "Error")}


class Gateway:
    """Wraps the route app with the cross-cutting behaviour of the real API."""

    def __init__(
        self,
        app: ASGIApp,
        admin_app: ASGIApp,
        *,
        store: Store,
        limiter: RateLimiter,
        faults: FaultInjector,
        transports: dict[Any, asyncio.Transport],
    ) -> None:
        self.app = app
        self.admin_app = admin_app
        self.store = store
        self.limiter = limiter
        self.faults = faults
        self.transports = transports
        self.requests: deque[dict[str, Any]] = deque(maxlen=200_000)
        self._tokens: dict[str, str] = {}
        self._agency_tokens: dict[str, str] = {}

    def location_for(self, token: str) -> str | None:
        """Token -> location id (cached: tokens never change)."""
        loc = self._tokens.get(token)
        if loc is None:
            loc = self.store.location_for_token(token)
            if loc is not None:
                self._tokens[token] = loc
        return loc

    def company_for(self, token: str) -> str | None:
        """Agency token -> company id (cached like location tokens)."""
        company = self._agency_tokens.get(token)
        if company is None:
            company = self.store.company_for_token(token)
            if company is not None:
                self._agency_tokens[token] = company
        return company

    def forget_tokens(self) -> None:
        """Drop the token caches (after a reset)."""
        self._tokens.clear()
        self._agency_tokens.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/_admin"):
            await self.admin_app(scope, receive, send)
            return
        method: str = scope["method"]
        # latin-1 decodes any byte: a non-UTF-8 header is a wrong token, never a crash
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        location = self.location_for(token) if token else None
        company = self.company_for(token) if token and location is None else None
        entry: dict[str, Any] = {
            "time": time.time(),
            "method": method,
            "path": path,
            "status": 0,
            "location_id": location,
            "version": headers.get("version"),
        }
        self.requests.append(entry)

        latency = self.faults.latency_ms(method, path)
        if latency:
            await asyncio.sleep(latency / 1000)
        fault = self.faults.pick(method, path)
        if fault == "drop_before_commit":
            entry["status"] = -1
            await self._drop(scope)
            return

        async def reply(status: int, body: dict[str, Any], extra: dict[str, str]) -> None:
            entry["status"] = status
            for message in _json_message(status, body, extra):
                await send(message)

        if location is None and company is None:
            _, rl = self.limiter.hit(None)
            body = {
                "statusCode": 401,
                "message": "Invalid token: access token is invalid",
                "error": "Unauthorized",
            }
            await reply(401, body, rl)
            return
        admitted, rl = self.limiter.hit(location or f"agency:{company}")
        if isinstance(fault, int):
            await reply(fault, error_body(fault), rl)
            return
        if not admitted:
            await reply(429, error_body(429), rl)
            return
        version = headers.get("version")
        if version not in VERSIONS:
            message = "Version header was not found" if not version else "Version is not valid"
            await reply(400, {"statusCode": 400, "message": message}, rl)
            return
        state = scope.setdefault("state", {})
        state.update(location_id=location, company_id=company, version=version)
        rl_raw = [(k.lower().encode(), v.encode()) for k, v in rl.items()]
        drop_after = fault == "drop_after_commit"

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
                message["headers"] = [*message.get("headers", []), *rl_raw]
            if drop_after:
                return
            await send(message)

        await self.app(scope, receive, send_wrapper)
        if drop_after:
            entry["status"] = -1
            await self._drop(scope)

    async def _drop(self, scope: Scope) -> None:
        client = scope.get("client")
        transport = self.transports.get(tuple(client)) if client else None
        if transport is None:
            raise ConnectionAbortedError("sandbox: no transport to drop")
        transport.abort()
        # let connection_lost run so the server marks the cycle disconnected and sends nothing
        for _ in range(3):
            await asyncio.sleep(0)
