"""Assembly of the sandbox ASGI application from its parts."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
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


async def _not_found(request: Request, exc: Exception) -> Response:
    # NestJS-style 404/405 bodies, as the API answers unknown routes
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return JSONResponse(
        {
            "statusCode": status,
            "message": f"Cannot {request.method} {request.url.path}",
            "error": "Not Found" if status == 404 else "Method Not Allowed",
        },
        status_code=status,
    )


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
