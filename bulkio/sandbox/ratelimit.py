"""Per-location rate limits: a sliding window (burst) and a daily quota.

Documented (spec README): 100 requests per 10 seconds and 200,000 per day per location;
every response carries the ``X-RateLimit-*`` headers. A sliding log guarantees no window of
``interval_ms`` ever admits more than ``limit`` requests.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

#: reported as the limit and remaining count while a limit is switched off
UNLIMITED = 1_000_000


@dataclass
class Limits:
    """Current limits; ``None`` or 0 switches a limit off."""

    rate_limit: int | None = 100
    rate_interval_ms: int = 10_000
    daily_limit: int | None = 200_000


@dataclass
class _Bucket:
    stamps: deque[float] = field(default_factory=deque)
    day: int = -1
    day_count: int = 0


class RateLimiter:
    """Admit or refuse a request for a location and report the header values."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget all counters."""
        with self._lock:
            self._buckets.clear()

    def hit(self, location_id: str | None) -> tuple[bool, dict[str, str]]:
        """Count one request; returns (admitted, headers)."""
        now = time.monotonic()
        lim = self.limits
        burst = lim.rate_limit or 0
        daily = lim.daily_limit or 0
        with self._lock:
            if location_id is None:
                return True, self._headers(burst, burst, daily, daily)
            bucket = self._buckets.setdefault(location_id, _Bucket())
            window = lim.rate_interval_ms / 1000.0
            while bucket.stamps and bucket.stamps[0] <= now - window:
                bucket.stamps.popleft()
            today = int(time.time() // 86_400)
            if bucket.day != today:
                bucket.day, bucket.day_count = today, 0
            admitted = (not burst or len(bucket.stamps) < burst) and (
                not daily or bucket.day_count < daily
            )
            if admitted:
                bucket.stamps.append(now)
                bucket.day_count += 1
            return admitted, self._headers(
                burst, burst - len(bucket.stamps), daily, daily - bucket.day_count
            )

    def _headers(self, burst: int, remaining: int, daily: int, daily_left: int) -> dict[str, str]:
        return {
            "X-RateLimit-Max": str(burst or UNLIMITED),
            "X-RateLimit-Remaining": str(max(remaining, 0) if burst else UNLIMITED),
            "X-RateLimit-Interval-Milliseconds": str(self.limits.rate_interval_ms),
            "X-RateLimit-Limit-Daily": str(daily or UNLIMITED),
            "X-RateLimit-Daily-Remaining": str(max(daily_left, 0) if daily else UNLIMITED),
        }
