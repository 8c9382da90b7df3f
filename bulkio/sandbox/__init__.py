"""Beside the walk, sandbox: a local emulator of the HighLevel API (Contacts v3 and its
2021-07-28 dialect, Businesses, Users, OAuth).

Starlette on real uvicorn over loopback with SQLite storage: the test double of every
HTTP test and the user's rehearsal target (``bulkio import f.csv --sandbox``, or
``with Sandbox() as sb: ...``). It emulates per-location tokens, duplicate settings,
rate limits with their headers, fault injection and the API's known quirks.

May import: :mod:`bulkio.errors` only; nothing of the walk (it must behave like the API,
not like bulkio).

Public names: ``Sandbox`` (:mod:`~bulkio.sandbox.server`), ``SandboxAdmin`` and
``SandboxAdminError`` (:mod:`~bulkio.sandbox.admin`); the parts are ``app``, ``gateway``,
``endpoint`` (how every route is wrapped), ``dialect`` (Version 2021-07-28), ``routes`` and
the ``resources`` package (one module of handlers per resource), ``admin_routes``,
``contacts``, ``search``, ``storage``, ``validation``, ``ratelimit``, ``faults``, ``fields``
and ``state``.
"""

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
