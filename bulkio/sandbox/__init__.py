"""A local emulator of the HighLevel Contacts API v3 (``with Sandbox() as sb: ...``)."""

from __future__ import annotations

from bulkio.sandbox.admin import SandboxAdmin, SandboxAdminError
from bulkio.sandbox.server import Sandbox

__all__ = ["Sandbox", "SandboxAdmin", "SandboxAdminError"]
