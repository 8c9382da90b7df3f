"""Client-side pacing: never send more than the location's burst and daily limits allow.

The API allows ``X-RateLimit-Max`` requests per ``X-RateLimit-Interval-Milliseconds``
(100 per 10 s by default) and ``X-RateLimit-Limit-Daily`` per day, per app and location
(``/work/shared/spec/README.md``). We read the strictest meaning of "per 10 s": *no* span
of ``interval`` ms may hold more than ``max`` requests, wherever it starts. Token and leaky
buckets do not guarantee that: ``aiolimiter.AsyncLimiter(100, 10)`` was measured letting
199 requests into one 10 s span (a full bucket at the start plus a refill). So the
:class:`Pacer` is a *sliding-window log*: it keeps the dispatch times of the last sends and
lets a new one go only when fewer than ``max`` of them lie within the last window.

Latency jitter: a send is counted when it is *dispatched*; the server counts it somewhere
between then and its answer. If an early request is slowed by 60 ms and a later one is
not, the server sees them 60 ms closer than we sent them. So each send stays in our window
for ``interval + margin`` (``margin_ms``, 100 ms, 1 % of a 10 s window) *plus the part of
its own round trip beyond the fastest recent one*: a request that was delayed (a jittery
link, a queue at the server, a loaded machine) may have been counted that much later, and
it leaves the server's window that much later. Only delayed sends pay; when 429s show that
even this was not enough, the margin widens (up to 3 % of the window).

Server numbers win over our defaults: every response feeds :meth:`Pacer.observe`, which
adopts the server's max/interval and looks for *another client* sharing the budget. It
never guesses: ``Remaining`` gives the requests the server's window held when ours
arrived, and we subtract every send of ours that *could* have been in that window: sent
before we read the answer (answers come back out of order, and a loaded machine or a slow
API delays them, so any send still in flight may have overtaken ours), and not answered
before the server's window began. Only what is left, a proven lower bound, is counted as
foreign sends, stamped when we learn about them (later than they happened, so they leave
our window no sooner than the server's). While such sends occupy the window we also leave
2 % of it unused, for the part of the other client's traffic the lower bound cannot see.
A 429 is read the same way (the window held ``max``): what our sends cannot explain is
foreign; a 429 our own sends explain (jitter beyond the margin) widens the margin. A 429
that cannot be tied to one of our sends pauses a whole window.

How many requests may be in flight follows from the rate and the latency (Little's law,
``in flight = rate x latency``): :class:`AdaptiveConcurrency` sizes the in-flight limit
from :attr:`Pacer.rate_per_s` and :attr:`Pacer.latency_s` with headroom, within a safe
maximum, and halves it while the server struggles (5xx, timeouts).

When the daily quota reaches 0, :meth:`Pacer.acquire` raises
:class:`~bulkio.errors.RateLimitedError`, or with ``wait_for_quota`` waits for the daily
reset (UTC midnight; the API sends no reset time) and goes on.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bulkio.errors import RateLimitedError

__all__ = [
    "DAILY_HINT",
    "AdaptiveConcurrency",
    "Pacer",
    "RateHeaders",
    "Ticket",
    "parse_rate_headers",
    "seconds_to_utc_midnight",
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


class _Send:
    """One dispatched request in the pacer's log: when it left, when its answer came."""

    __slots__ = ("at", "done")

    def __init__(self, at: float) -> None:
        self.at = at
        self.done: float | None = None


@dataclass(frozen=True)
class Ticket:
    """Receipt of one :meth:`Pacer.acquire`: when it was sent and what the window held."""

    seq: int
    sent_at: float
    own_in_window: int
    entry: _Send = field(repr=False, compare=False, default_factory=lambda: _Send(0.0))


#: 429s our own sends explain never widen the margin beyond this share of the window
MARGIN_CAP = 0.03
#: share of the window left unused while another client shares the budget
SHARED_HEADROOM = 0.02
#: round trips kept to estimate latency and its spread
_SAMPLES = 64


def seconds_to_utc_midnight(now: float) -> float:
    """Seconds from the epoch time ``now`` to the next 00:00 UTC."""
    return 86_400.0 - (now % 86_400.0)


class Pacer:
    """Sliding-window pacer shared by every request of one client (see module docstring).

    ``wait_for_quota``: when the daily quota is used up, wait for the reset instead of
    raising; ``on_quota_wait(seconds)`` is called once when such a wait starts (the CLI
    shows a countdown or logs one line); ``wall_clock`` gives epoch seconds (tests).
    """

    def __init__(
        self,
        *,
        max_requests: int = 100,
        interval_ms: int = 10_000,
        margin_ms: int = 100,
        daily_limit: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        wait_for_quota: bool = False,
        on_quota_wait: Callable[[float], None] | None = None,
        wall_clock: Clock = time.time,
    ) -> None:
        if max_requests < 1 or interval_ms < 1:
            raise ValueError("max_requests and interval_ms must be positive")
        self.max_requests = max_requests
        self.interval_ms = interval_ms
        self.margin_ms = margin_ms
        self.daily_limit = daily_limit
        #: our best estimate of the requests left today (None until the server tells us)
        self.daily_remaining: int | None = None
        self.wait_for_quota = wait_for_quota
        self._on_quota_wait = on_quota_wait
        self._wall = wall_clock
        self._clock = clock
        self._sleep = sleep
        self._own: deque[_Send] = deque()
        #: every send that may still be in the server's window (ours ever outlives ``_own``)
        self._history: deque[_Send] = deque()
        self._pending: set[_Send] = set()
        self._max_rtt = 0.0
        self._foreign: deque[float] = deque()
        self._rtts: deque[float] = deque(maxlen=_SAMPLES)
        self._margin_floor_ms = float(margin_ms)
        self._paused_until = 0.0
        self._seq = 0
        self._lock = asyncio.Lock()
        self.waited_s = 0.0
        #: seconds spent waiting for the daily quota to reset
        self.quota_waited_s = 0.0
        #: sends by other clients of the location that we learnt about from the headers
        self.foreign_seen = 0

    # -- the window ---------------------------------------------------------------------

    @property
    def effective_margin_ms(self) -> float:
        """The margin for every send: ``margin_ms``, widened by 429s our sends explain."""
        return max(float(self.margin_ms), self._margin_floor_ms)

    @property
    def window_s(self) -> float:
        """The span we enforce, in seconds: the server's interval plus our margin."""
        return (self.interval_ms + self.effective_margin_ms) / 1000.0

    @property
    def latency_s(self) -> float | None:
        """A high (90th percentile) round trip of recent answers; None before the first."""
        if not self._rtts:
            return None
        ordered = sorted(self._rtts)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]

    def _headroom(self) -> int:
        # a stray send or two costs its own slots; a client that keeps sending, 2 % more
        return min(len(self._foreign), max(1, round(self.max_requests * SHARED_HEADROOM)))

    @property
    def rate_per_s(self) -> float:
        """Requests per second we may send now: our share of the window over its span."""
        self._expire(self._clock())
        ours = self.max_requests - len(self._foreign) - self._headroom()
        return max(1, ours) / self.window_s

    def _until(self, send: _Send, now: float) -> float:
        """When ``send`` leaves our window: its dispatch plus the window, plus the part of
        its round trip beyond the fastest recent one (the server counted it somewhere
        between dispatch and answer: a slow or delayed send may have been counted late,
        so it also leaves the server's window late). Unanswered: no extra yet."""
        if send.done is None:
            return send.at + self.window_s
        floor = min(self._rtts) if self._rtts else 0.0
        return send.at + self.window_s + max(0.0, send.done - send.at - floor)

    def _expire(self, now: float) -> None:
        own = self._own
        while own and self._until(own[0], now) <= now:
            own.popleft()
        if len(own) > 1 and own[0].at <= now - self.window_s:
            # a slow send lingers at the front: drop the expired ones behind it too
            kept = [e for e in own if self._until(e, now) > now]
            if len(kept) != len(own):
                self._own = deque(kept)
        horizon = now - self.window_s
        foreign = self._foreign
        while foreign and foreign[0] <= horizon:
            foreign.popleft()

    def _delay(self, now: float) -> float:
        """Seconds until one more send fits (0 when it fits now)."""
        if now < self._paused_until:
            return self._paused_until - now
        self._expire(now)
        limit = self.max_requests - self._headroom()
        excess = len(self._own) + len(self._foreign) - limit + 1
        if excess <= 0:
            return 0.0
        # the window frees one slot each time one of its oldest sends expires
        frees = sorted([*(self._until(e, now) for e in self._own),
                        *(t + self.window_s for t in self._foreign)])
        return frees[excess - 1] - now

    # -- the day ------------------------------------------------------------------------

    async def _check_daily(self) -> None:
        if self.daily_remaining is None or self.daily_remaining > 0:
            return
        if not self.wait_for_quota:
            raise RateLimitedError(
                "daily API quota exhausted (X-RateLimit-Daily-Remaining reached 0)",
                status=429,
                hint=DAILY_HINT,
            )
        # the API sends no reset time: the day is a UTC day (as the sandbox's); a minute
        # past midnight, one request tells (its headers set the quota again)
        wait = seconds_to_utc_midnight(self._wall()) + 60.0
        log.warning("daily API quota used up: waiting %.0f s for the reset (UTC midnight)",
                    wait)
        if self._on_quota_wait is not None:
            self._on_quota_wait(wait)
        self.quota_waited_s += wait
        await self._sleep(wait)
        self.daily_remaining = None  # unknown until the next answer
        self._paused_until = 0.0

    async def acquire(self) -> Ticket:
        """Wait until one more request fits every limit, count it as sent, return a ticket.

        Waiters are served in arrival order (asyncio.Lock is FIFO). Raises
        :class:`~bulkio.errors.RateLimitedError` when the daily quota is exhausted (unless
        ``wait_for_quota``).
        """
        async with self._lock:
            while True:
                await self._check_daily()
                now = self._clock()
                delay = self._delay(now)
                if delay <= 0:
                    break
                self.waited_s += delay
                await self._sleep(delay)
            entry = _Send(now)
            self._own.append(entry)
            self._history.append(entry)
            self._pending.add(entry)
            self._trim_history(now)
            self._seq += 1
            if self.daily_remaining is not None:
                self.daily_remaining -= 1
            return Ticket(seq=self._seq, sent_at=now, own_in_window=len(self._own),
                          entry=entry)

    # -- answers ------------------------------------------------------------------------

    def _trim_history(self, now: float) -> None:
        horizon = now - self.interval_ms / 1000.0 - self._max_rtt - 1.0
        history = self._history
        while history and history[0].at < horizon and history[0].done is not None:
            history.popleft()

    def _answered(self, ticket: Ticket, now: float) -> None:
        entry = ticket.entry
        if entry.done is None:
            entry.done = now
            self._pending.discard(entry)
            rtt = now - ticket.sent_at
            self._rtts.append(rtt)
            self._max_rtt = max(self._max_rtt, rtt)

    def settle(self, ticket: Ticket) -> None:
        """The request behind ``ticket`` got no answer (timeout, dropped): stop waiting."""
        entry = ticket.entry
        if entry.done is None:
            entry.done = self._clock()
            self._pending.discard(entry)

    def _ours_possible(self, ticket: Ticket) -> int:
        """Upper bound of our sends in the server's window when ``ticket``'s request arrived.

        It arrived after it was sent and before its answer came (now); the server's window
        then covered at least ``[sent_at - interval, sent_at]``. Any send of ours already
        made may have arrived before it (out of order), unless its own answer came before
        that window began.
        """
        start = ticket.sent_at - self.interval_ms / 1000.0
        oldest = start - self._max_rtt  # an answered send lasted at most the longest trip
        count = 0
        for s in reversed(self._history):
            if s.at < oldest:
                break
            if s.done is None or s.done > start:
                count += 1
        # a send still unanswered counts wherever it started (the loop saw the young ones)
        count += sum(1 for s in self._pending if s.at < oldest)
        return count

    def observe(self, headers: Mapping[str, str], ticket: Ticket | None = None) -> RateHeaders:
        """Adapt to the rate-limit headers of a response to the request behind ``ticket``."""
        rh = parse_rate_headers(headers)
        now = self._clock()
        if ticket is not None:
            self._answered(ticket, now)
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
                                ours=self._ours_possible(ticket))
        return rh

    def _learn_foreign(self, now: float, *, used: int, ours: int) -> int:
        """Record the proven foreign sends; return how many the window held (lower bound)."""
        foreign = used - ours
        self._expire(now)
        missing = foreign - len(self._foreign)
        if missing > 0:
            if not self._foreign:
                log.info("another client is using this location's budget: at least %d "
                         "requests in the last window", foreign)
            self._foreign.extend([now] * missing)
            self.foreign_seen += missing
        return max(0, foreign)

    def on_429(self, headers: Mapping[str, str], ticket: Ticket | None = None) -> None:
        """Learn from a 429: every sender waits until the server's window has room again
        (see the module docstring); the daily quota exhausted raises."""
        rh = self.observe(headers, None)
        if rh.daily_remaining is not None and rh.daily_remaining <= 0:
            self.daily_remaining = 0
            if not self.wait_for_quota:
                raise RateLimitedError(
                    "daily API quota exhausted (X-RateLimit-Daily-Remaining reached 0)",
                    status=429, hint=DAILY_HINT,
                )
            return
        now = self._clock()
        if ticket is None:
            until = now + self.window_s
            if until > self._paused_until:
                log.warning("429 from the API: pausing all requests for %.1f s",
                            self.window_s)
                self._paused_until = until
            return
        self._answered(ticket, now)
        # the server's window was full (unless ``Remaining`` says otherwise: then this 429
        # was not about the window, and the client's retry backoff is the only wait). The
        # refused send stays in our log: counting it errs on the safe side.
        used = self.max_requests - rh.remaining if rh.remaining is not None else self.max_requests
        if used < self.max_requests:
            return
        foreign = self._learn_foreign(now, used=used, ours=self._ours_possible(ticket) - 1)
        if foreign <= 0:
            # our own sends explain it: some arrived closer together than the margin allows
            cap = self.interval_ms * MARGIN_CAP
            self._margin_floor_ms = min(cap, max(self._margin_floor_ms * 1.5,
                                                 self.effective_margin_ms + 20.0))
            log.info("429 from the API (latency jitter): margin now %.0f ms",
                     self.effective_margin_ms)
        else:
            log.warning("429 from the API: the window has room again in %.2f s",
                        self._delay(now))


class AdaptiveConcurrency:
    """How many requests may be in flight: Little's law, capped, halved under strain.

    The pacer decides the rate; enough requests must be in flight to reach it, no more:
    ``target = rate x latency x 1.25 + 2`` (:meth:`fit`, called after each answer with the
    pacer's figures), between 1 and ``maximum`` (the safe maximum, which also sizes the
    connection pool). Before the first answer ``start`` requests may go. An overload
    signal (5xx, timeout) halves a separate ceiling so a struggling server gets air; every
    ``limit`` successes in a row add one slot back. The limit in force is the lower of the
    two.
    """

    HEADROOM = 1.25

    def __init__(self, maximum: int, *, start: int = 8) -> None:
        if maximum < 1:
            raise ValueError("maximum must be at least 1")
        self.maximum = maximum
        self.target = max(1, min(maximum, start))
        self.ceiling = maximum
        self.lowest = self.limit
        self.active = 0
        self._streak = 0
        self._cond = asyncio.Condition()

    @property
    def limit(self) -> int:
        """Requests allowed in flight now."""
        return max(1, min(self.target, self.ceiling))

    def fit(self, rate_per_s: float, latency_s: float | None) -> None:
        """Size the target from the allowed rate and the measured latency (Little's law)."""
        if latency_s is None:
            return
        wanted = math.ceil(rate_per_s * latency_s * self.HEADROOM) + 2
        target = max(1, min(self.maximum, wanted))
        if target != self.target:
            log.debug("in flight: %d (%.1f req/s x %.0f ms)", target, rate_per_s,
                      latency_s * 1000)
            # waiters see a raised limit when the answer's release notifies them
            self.target = target

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
                if self.ceiling > 1:
                    self.ceiling = max(1, self.limit // 2)
                    self.lowest = min(self.lowest, self.limit)
                    log.info("server under strain: %d requests in flight at most", self.limit)
            else:
                self._streak += 1
                if self._streak >= self.ceiling and self.ceiling < self.maximum:
                    self.ceiling += 1
                    self._streak = 0
            self._cond.notify_all()
