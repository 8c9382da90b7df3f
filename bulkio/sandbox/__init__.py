"""A local emulator of the HighLevel Contacts API v3 (``with Sandbox() as sb: ...``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bulkio.sandbox.admin import SandboxAdmin, SandboxAdminError
    from bulkio.sandbox.server import Sandbox

__all__ = ["Sandbox", "SandboxAdmin", "SandboxAdminError"]


def __getattr__(name: str) -> Any:
    # imported on first use: `bulkio sandbox fields ...` and other CLI paths that only touch
    # the storage must not pay for starting uvicorn/starlette imports
    if name == "Sandbox":
        from bulkio.sandbox.server import Sandbox

        return Sandbox
    if name in ("SandboxAdmin", "SandboxAdminError"):
        from bulkio.sandbox import admin

        return getattr(admin, name)
    raise AttributeError(f"module 'bulkio.sandbox' has no attribute {name!r}")
