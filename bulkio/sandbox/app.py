"""Assembly of the sandbox ASGI application from its parts."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bulkio.sandbox.admin_routes import build_admin
from bulkio.sandbox.endpoint import ApiConfig
from bulkio.sandbox.faults import FaultInjector
from bulkio.sandbox.gateway import Gateway
from bulkio.sandbox.ratelimit import Limits, RateLimiter
from bulkio.sandbox.routes import build_api
from bulkio.sandbox.state import SandboxState
from bulkio.sandbox.storage import Store

log = logging.getLogger("bulkio.sandbox")


async def _not_found(request: Request, exc: Exception) -> Response:
    # NestJS answers an unknown route AND an unknown method of a known route with 404
    return JSONResponse(
        {"statusCode": 404, "message": f"Cannot {request.method} {request.url.path}",
         "error": "Not Found"},
        status_code=404,
    )  # fmt: skip


async def _crash(request: Request, exc: Exception) -> Response:
    # last resort: a bug still answers JSON (and is logged), never plain text
    log.exception("sandbox: unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse({"statusCode": 500, "message": "Internal server error"}, status_code=500)


def build_app(
    store: Store,
    *,
    limits: Limits | None = None,
    faults: FaultInjector | None = None,
    config: ApiConfig | None = None,
) -> SandboxState:
    """Build the ASGI app (the gateway wrapping API and admin routes) for a store."""
    state = SandboxState(
        store=store,
        limiter=RateLimiter(limits or Limits()),
        faults=faults or FaultInjector(),
        config=config or ApiConfig(),
    )
    api: Starlette = build_api(store, state.config)
    api.add_exception_handler(404, _not_found)
    api.add_exception_handler(405, _not_found)
    api.add_exception_handler(Exception, _crash)
    gateway = Gateway(
        api,
        build_admin(state),
        store=store,
        limiter=state.limiter,
        faults=state.faults,
        transports=state.transports,
    )
    state.gateway = gateway
    state.app = gateway
    return state
