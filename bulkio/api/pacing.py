"""Client-side pacing: never send more than the location's burst and daily limits allow.

The API allows ``X-RateLimit-Max`` requests per ``X-RateLimit-Interval-Milliseconds``
(100 per 10 s by default) and ``X-RateLimit-Limit-Daily`` per day, per app and location
(``/work/shared/spec/README.md``). We read the strictest meaning of "per 10 s": *no* span
of ``interval`` ms may hold more than ``max`` requests, wherever it starts. Token and leaky
buckets do not guarantee that: ``aiolimiter.AsyncLimiter(100, 10)`` was measured letting
199 requests into one 10 s span (a full bucket at the start plus a refill). So the
:class:`Pacer` is a *sliding-window log*: it keeps the dispatch times of the last sends and
lets a new one go only when fewer than ``max`` of them lie within the last window.

Safety margin against clock skew and latency jitter: a send is counted when it is
*dispatched* (before the server sees it), and the window we enforce is ``interval +
margin_ms`` (default 100 ms, i.e. 1 % of a 10 s window). The server stamps a request when
it *arrives*; if an early request is slowed by 60 ms and a later one is not, their arrival
times are 60 ms closer than their dispatch times, and the margin absorbs that.

Server numbers win over our defaults: every response feeds :meth:`Pacer.observe`, which
adopts the server's max/interval and, when ``Remaining`` says more of the window is used
than we sent ourselves (another client shares the budget), records the difference as
*foreign* sends that occupy the window until they expire; while they fill 5 % of it or
more, we also leave a tenth of it unused, as both clients act on slightly stale numbers. A 429 is
an event to learn from, not the pacing mechanism: :meth:`Pacer.on_429` reads it as "the
server's window held ``max`` requests when this one arrived", of which at most the sends our
log holds before this one were ours; the rest (a send of ours that arrived late, by latency
jitter beyond the margin, or another client's) are counted as foreign sends stamped *now*,
which is later than they really happened, so they leave our window no sooner than the
server's. Everybody then waits, through the ordinary window arithmetic, until that window has
room again: typically until our oldest send in it expires, a few ms after a jitter 429, not a
whole window. A 429 whose ``Remaining`` says the window was not full is not about the
window: no wait beyond the client's retry backoff. Only a 429 that cannot be tied to one of
our sends pauses a whole window.
When the daily quota reaches 0, :meth:`Pacer.acquire` raises
:class:`~bulkio.errors.RateLimitedError` instead of waiting until tomorrow.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bulkio.errors import RateLimitedError

__all__ = [
    "DAILY_HINT",
    "AdaptiveConcurrency",
    "Pacer",
    "RateHeaders",
    "Ticket",
    "parse_rate_headers",
]

log = logging.getLogger("bulkio.pacing")

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

DAILY_HINT = (
    "the location's daily API quota is used up; continue tomorrow"
)


@dataclass(frozen=True)
class RateHeaders:
    """The ``X-RateLimit-*`` numbers of one response (None when a header is absent)."""

    max: int | None = None
    remaining: int | None = None
    interval_ms: int | None = None
    daily_limit: int | None = None
    daily_remaining: int | None = None


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None


def parse_rate_headers(headers: Mapping[str, str]) -> RateHeaders:
    """Read the five ``X-RateLimit-*`` headers (case-insensitive mapping such as httpx's)."""
    return RateHeaders(
        max=_int_header(headers, "X-RateLimit-Max"),
        remaining=_int_header(headers, "X-RateLimit-Remaining"),
        interval_ms=_int_header(headers, "X-RateLimit-Interval-Milliseconds"),
        daily_limit=_int_header(headers, "X-RateLimit-Limit-Daily"),
        daily_remaining=_int_header(headers, "X-RateLimit-Daily-Remaining"),
    )


@dataclass(frozen=True)
class Ticket:
    """Receipt of one :meth:`Pacer.acquire`: when it was sent and what the window held."""

    seq: int
    sent_at: float
    own_in_window: int


class Pacer:
    """Sliding-window pacer shared by every request of one client (see module docstring)."""

    def __init__(
        self,
        *,
        max_requests: int = 100,
        interval_ms: int = 10_000,
        margin_ms: int = 100,
        daily_limit: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if max_requests < 1 or interval_ms < 1:
            raise ValueError("max_requests and interval_ms must be positive")
        self.max_requests = max_requests
        self.interval_ms = interval_ms
        self.margin_ms = margin_ms
        self.daily_limit = daily_limit
        #: our best estimate of the requests left today (None until the server tells us)
        self.daily_remaining: int | None = None
        self._clock = clock
        self._sleep = sleep
        self._own: deque[float] = deque()
        self._foreign: deque[float] = deque()
        self._paused_until = 0.0
        self._seq = 0
        self._daily_seq = 0
        self._lock = asyncio.Lock()
        self.waited_s = 0.0
        #: sends by other clients of the location that we learnt about from the headers
        self.foreign_seen = 0

    @property
    def window_s(self) -> float:
        """The span we enforce, in seconds: the server's interval plus our margin."""
        return (self.interval_ms + self.margin_ms) / 1000.0

    def _expire(self, now: float) -> None:
        horizon = now - self.window_s
        for q in (self._own, self._foreign):
            while q and q[0] <= horizon:
                q.popleft()

    def _in_window(self, now: float) -> int:
        self._expire(now)
        return len(self._own) + len(self._foreign)

    def _delay(self, now: float) -> float:
        """Seconds until one more send fits (0 when it fits now)."""
        if now < self._paused_until:
            return self._paused_until - now
        limit = self.max_requests
        if len(self._foreign) * 20 >= limit:
            # another client (>= 5 % of the window: not just latency jitter between our
            # dispatch clock and the server's) races us for the same budget with its own
            # stale view of it: leave it a tenth of the window so neither overshoots
            limit -= max(1, limit // 10)
        excess = self._in_window(now) - limit + 1
        if excess <= 0:
            return 0.0
        # the window frees one slot each time one of its oldest sends expires
        merged = sorted([*self._own, *self._foreign]) if self._foreign else self._own
        return merged[excess - 1] + self.window_s - now

    def _check_daily(self) -> None:
        if self.daily_remaining is not None and self.daily_remaining <= 0:
            raise RateLimitedError(
                "daily API quota exhausted (X-RateLimit-Daily-Remaining reached 0)",
                status=429,
                hint=DAILY_HINT,
            )

    async def acquire(self) -> Ticket:
        """Wait until one more request fits every limit, count it as sent, return a ticket.

        Waiters are served in arrival order (asyncio.Lock is FIFO). Raises
        :class:`~bulkio.errors.RateLimitedError` when the daily quota is exhausted.
        """
        async with self._lock:
            while True:
                self._check_daily()
                now = self._clock()
                delay = self._delay(now)
                if delay <= 0:
                    break
                self.waited_s += delay
                await self._sleep(delay)
            self._own.append(now)
            self._seq += 1
            if self.daily_remaining is not None:
                self.daily_remaining -= 1
            return Ticket(seq=self._seq, sent_at=now, own_in_window=len(self._own))

    def observe(self, headers: Mapping[str, str], ticket: Ticket | None = None) -> RateHeaders:
        """Adapt to the rate-limit headers of a response to the request behind ``ticket``."""
        rh = parse_rate_headers(headers)
        now = self._clock()
        if rh.max is not None and rh.max > 0 and rh.max != self.max_requests:
            log.info("server rate limit max: %d (was %d)", rh.max, self.max_requests)
            self.max_requests = rh.max
        if rh.interval_ms is not None and rh.interval_ms > 0 and rh.interval_ms != self.interval_ms:
            log.info("server rate interval: %d ms (was %d)", rh.interval_ms, self.interval_ms)
            self.interval_ms = rh.interval_ms
        if rh.daily_limit is not None:
            self.daily_limit = rh.daily_limit
        if rh.daily_remaining is not None:
            # requests we dispatched after this one are not in the server's figure yet
            after = self._seq - ticket.seq if ticket is not None else 0
            self.daily_remaining = max(0, rh.daily_remaining - after)
        if rh.remaining is not None and ticket is not None:
            self._learn_foreign(now, used=self.max_requests - rh.remaining,
                                ours=ticket.own_in_window)
        return rh

    def _learn_foreign(self, now: float, *, used: int, ours: int) -> None:
        # ``used`` counts every request in the server's window when it handled ours; of
        # those, at most ``ours`` were ours. The rest came from elsewhere.
        foreign = used - ours
        self._expire(now)
        missing = foreign - len(self._foreign)
        if missing > 0:
            log.info("another client is using this location's budget: ~%d requests", foreign)
            self._foreign.extend([now] * missing)
            self.foreign_seen += missing

    def on_429(self, headers: Mapping[str, str], ticket: Ticket | None = None) -> None:
        """Learn from a 429: every sender waits until the server's window has room again
        (see the module docstring); the daily quota exhausted raises."""
        rh = self.observe(headers, None)
        if rh.daily_remaining is not None and rh.daily_remaining <= 0:
            self.daily_remaining = 0
            self._check_daily()
        now = self._clock()
        if ticket is None:
            until = now + self.window_s
            if until > self._paused_until:
                log.warning("429 from the API: pausing all requests for %.1f s",
                            self.window_s)
                self._paused_until = until
            return
        # the server's window was full (unless ``Remaining`` says otherwise: then this 429
        # was not about the window, and the client's retry backoff is the only wait); the
        # request was refused, so ours in the window were at most the sends before it (the
        # refused one stays in our log: it may have counted)
        used = self.max_requests - rh.remaining if rh.remaining is not None else None
        self._learn_foreign(now, used=self.max_requests if used is None else used,
                            ours=ticket.own_in_window - 1)
        wait = self._delay(now)
        log.warning("429 from the API: the window has room again in %.2f s", wait)


class AdaptiveConcurrency:
    """How many requests may be in flight: additive increase, multiplicative decrease.

    Starts at ``maximum`` (a few in flight hide the latency: at 50 ms per request, ~5 reach
    100 requests per second; many more only burn client CPU). An overload signal (5xx,
    timeout, 429) halves the limit so a struggling server gets air; every ``limit``
    successes in a row add one slot back, up to ``maximum``.
    """

    def __init__(self, maximum: int) -> None:
        if maximum < 1:
            raise ValueError("maximum must be at least 1")
        self.maximum = maximum
        self.limit = maximum
        self.lowest = maximum
        self.active = 0
        self._streak = 0
        self._cond = asyncio.Condition()

    async def acquire(self) -> None:
        """Wait for a free slot under the current limit."""
        async with self._cond:
            await self._cond.wait_for(lambda: self.active < self.limit)
            self.active += 1

    async def release(self, *, overloaded: bool = False) -> None:
        """Free a slot; ``overloaded`` reports that the server struggled with the request."""
        async with self._cond:
            self.active -= 1
            if overloaded:
                self._streak = 0
                if self.limit > 1:
                    self.limit = max(1, self.limit // 2)
                    self.lowest = min(self.lowest, self.limit)
                    log.info("server under strain: %d requests in flight at most", self.limit)
            else:
                self._streak += 1
                if self._streak >= self.limit and self.limit < self.maximum:
                    self.limit += 1
                    self._streak = 0
            self._cond.notify_all()
