"""What one running sandbox holds: its store, limiter, faults, config and ASGI entry point."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from bulkio.sandbox.endpoint import ApiConfig
from bulkio.sandbox.faults import FaultInjector
from bulkio.sandbox.gateway import Gateway
from bulkio.sandbox.ratelimit import RateLimiter
from bulkio.sandbox.storage import Store

__all__ = ["SandboxState"]


@dataclass
class SandboxState:
    """Everything one running sandbox holds."""

    store: Store
    limiter: RateLimiter
    faults: FaultInjector
    config: ApiConfig
    transports: dict[Any, asyncio.Transport] = field(default_factory=dict)
    gateway: Gateway = field(init=False)
    app: Gateway = field(init=False)
