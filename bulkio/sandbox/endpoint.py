"""One place where every API route is wrapped: strict JSON bodies, query whitelists, token
kind (location or agency), the Version dialect and the error shapes of the real API.

Handlers are module-level ``async def handler(request, ctx) -> (status, body)`` functions;
:func:`endpoint` turns one into a Starlette endpoint.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse

from bulkio.sandbox import dialect
from bulkio.sandbox.storage import Store
from bulkio.sandbox.validation import ApiFailure, bad_request, unprocessable

log = logging.getLogger("bulkio.sandbox")

#: bodies larger than this are refused with 413 (the API's body parser limit is of this order)
MAX_BODY_BYTES = 1_000_000
#: nesting deeper than this is refused with 400 before any handler looks at the body
MAX_DEPTH = 32

Access = Literal["location", "agency", "any"]


@dataclass
class ApiConfig:
    """Tunables of the emulated API (changed at runtime through the admin endpoints)."""

    max_bulk_tag_ids: int = 500


@dataclass(frozen=True)
class Ctx:
    """What a handler gets besides the request: storage, tunables and who is calling."""

    store: Store
    config: ApiConfig
    version: str
    location_id: str
    company_id: str | None

    @property
    def v2(self) -> bool:
        """True for ``Version: 2021-07-28``."""
        return self.version == "2021-07-28"


Handler = Callable[[Request, Ctx], Awaitable[tuple[int, Any]]]


def unauthorized_class() -> ApiFailure:
    """401 for a token of the wrong kind (agency token on a sub-account route, or back)."""
    return ApiFailure(401, {
        "statusCode": 401,
        "message": "This authClass type is not allowed to access this scope. Please reach "
                   "out to the Platform team to get it added.",
        "error": "Unauthorized",
    })  # fmt: skip


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Unexpected token {name[:1]} in JSON")


def _depth(value: Any) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            return depth
        nxt: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                nxt.extend(item.values())
            elif isinstance(item, list):
                nxt.extend(item)
        level = nxt
    return depth


def parse_json(raw: bytes) -> Any:
    """Strict JSON as NestJS's body parser takes it: NaN, Infinity, trailing commas,
    invalid UTF-8 and too-deep nesting are 400; too large is 413."""
    if not raw:
        return {}
    if len(raw) > MAX_BODY_BYTES:
        raise ApiFailure(413, {"statusCode": 413, "message": "request entity too large",
                               "error": "Payload Too Large"})  # fmt: skip
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise bad_request("Unexpected token in JSON: the body is not UTF-8") from exc
    except RecursionError as exc:
        raise bad_request("Unexpected token in JSON: nested too deeply") from exc
    except ValueError as exc:
        raise bad_request(f"Unexpected token in JSON at position {getattr(exc, 'pos', 0)}") from exc
    if _depth(data) > MAX_DEPTH:
        raise bad_request("Unexpected token in JSON: nested too deeply")
    return data


_PARSED = "bulkio_json_body"


async def read_json(request: Request) -> Any:
    """The request body as strict JSON (see :func:`parse_json`), in the v3 dialect."""
    state = request.scope.setdefault("state", {})
    if _PARSED not in state:
        body = parse_json(await request.body())
        state[_PARSED] = dialect.request_body(body, str(state.get("version", "v3")))
    return state[_PARSED]


def endpoint(
    fn: Handler, *, query: tuple[str, ...] = (), access: Access = "location"
) -> Callable[[Request], Awaitable[JSONResponse]]:
    """Wrap a handler: token kind, query whitelist (422), ApiFailure -> its JSON answer."""

    async def run(request: Request) -> JSONResponse:
        state = request.scope.get("state", {})
        location_id: str | None = state.get("location_id")
        company_id: str | None = state.get("company_id")
        try:
            if (access == "location" and location_id is None) or (
                access == "agency" and company_id is None
            ):
                raise unauthorized_class()
            unknown = [k for k in request.query_params if k not in query]
            if unknown:
                raise unprocessable([f"property {k} should not exist" for k in unknown])
            ctx = Ctx(
                store=request.app.state.store,
                config=request.app.state.config,
                version=str(state.get("version", "v3")),
                location_id=location_id or "",
                company_id=company_id,
            )
            status, body = await fn(request, ctx)
        except ApiFailure as failure:
            status, body = failure.status, failure.body
        return JSONResponse(dialect.response_body(body, str(state.get("version", "v3"))),
                            status_code=status)  # fmt: skip

    run.__name__ = fn.__name__
    return run
