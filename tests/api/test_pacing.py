"""The sliding-window pacer, driven by a fake clock (no real waiting)."""

from __future__ import annotations

import asyncio
import bisect
import random

import pytest

from bulkio.api.pacing import Pacer, parse_rate_headers
from bulkio.errors import RateLimitedError


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def max_in_any_window(times: list[float], span_s: float) -> int:
    """The most sends any closed span of ``span_s`` seconds contains."""
    ordered = sorted(times)
    return max(
        bisect.bisect_right(ordered, t + span_s) - i for i, t in enumerate(ordered)
    ) if ordered else 0


def make(ft: FakeTime, **kw: int) -> Pacer:
    return Pacer(clock=ft.clock, sleep=ft.sleep, **kw)


@pytest.mark.parametrize(
    ("max_requests", "interval_ms", "workers", "seed"),
    [
        (100, 10_000, 1, 1),
        (100, 10_000, 10, 2),
        (7, 1_000, 3, 3),
        (1, 500, 4, 4),
        (50, 2_000, 8, 5),
    ],
)
def test_no_window_of_interval_ever_exceeds_max(
    max_requests: int, interval_ms: int, workers: int, seed: int
) -> None:
    ft = FakeTime()
    pacer = make(ft, max_requests=max_requests, interval_ms=interval_ms)
    rng = random.Random(seed)
    sent: list[float] = []

    async def worker(n: int) -> None:
        for _ in range(n):
            ticket = await pacer.acquire()
            sent.append(ticket.sent_at)
            # irregular think time between sends, sometimes none at all
            await ft.sleep(rng.choice([0.0, 0.0, 0.001, interval_ms / 1000 * rng.random() / 3]))

    async def run() -> None:
        await asyncio.gather(*(worker(4 * max_requests // workers + 3) for _ in range(workers)))

    asyncio.run(run())
    assert len(sent) == workers * (4 * max_requests // workers + 3)
    assert max_in_any_window(sent, interval_ms / 1000) <= max_requests


def test_a_burst_fills_the_window_then_waits_for_the_oldest_to_expire() -> None:
    ft = FakeTime()
    pacer = make(ft, max_requests=3, interval_ms=1000, margin_ms=50)

    async def run() -> list[float]:
        return [(await pacer.acquire()).sent_at for _ in range(7)]

    start = ft.now
    times = [t - start for t in asyncio.run(run())]
    # three at once, the fourth only when the first has left the 1.05 s window
    assert times[:3] == [0.0, 0.0, 0.0]
    assert times[3] == pytest.approx(1.05)
    assert times[6] == pytest.approx(2.10)


def test_full_rate_is_reachable() -> None:
    ft = FakeTime()
    pacer = make(ft, max_requests=100, interval_ms=10_000)

    async def run() -> None:
        for _ in range(1000):
            await pacer.acquire()

    start = ft.now
    asyncio.run(run())
    rate = 1000 / (ft.now - start) / 10.0  # fraction of 100 per 10 s
    assert rate > 0.97


def test_server_headers_win_over_defaults() -> None:
    ft = FakeTime()
    pacer = make(ft, max_requests=100, interval_ms=10_000)

    async def run() -> list[float]:
        first = await pacer.acquire()
        pacer.observe(
            {
                "X-RateLimit-Max": "2",
                "X-RateLimit-Remaining": "1",
                "X-RateLimit-Interval-Milliseconds": "1000",
                "X-RateLimit-Limit-Daily": "500",
                "X-RateLimit-Daily-Remaining": "400",
            },
            first,
        )
        return [first.sent_at] + [(await pacer.acquire()).sent_at for _ in range(5)]

    times = asyncio.run(run())
    assert (pacer.max_requests, pacer.interval_ms, pacer.daily_limit) == (2, 1000, 500)
    assert pacer.daily_remaining == 400 - 5
    assert max_in_any_window(times, 1.0) <= 2


def test_remaining_lower_than_our_count_means_someone_else_shares_the_budget() -> None:
    ft = FakeTime()
    pacer = make(ft, max_requests=10, interval_ms=1000, margin_ms=0)

    async def run() -> float:
        ticket = await pacer.acquire()
        # we sent 1, yet the server says 8 of 10 are used: 7 came from another client;
        # while it is around we leave it a tenth of the window (1 of 10)
        pacer.observe({"X-RateLimit-Remaining": "2", "X-RateLimit-Max": "10"}, ticket)
        for _ in range(1):  # room for exactly one more
            await pacer.acquire()
        assert ft.now == start
        await pacer.acquire()
        return ft.now

    start = ft.now
    assert asyncio.run(run()) - start == pytest.approx(1.0)  # the third had to wait


def test_429_pauses_every_sender_for_a_whole_window() -> None:
    ft = FakeTime()
    pacer = make(ft, max_requests=100, interval_ms=1000, margin_ms=20)

    async def run() -> float:
        ticket = await pacer.acquire()
        pacer.on_429({"X-RateLimit-Remaining": "0"}, ticket)
        return (await pacer.acquire()).sent_at - ticket.sent_at

    assert asyncio.run(run()) == pytest.approx(1.02)


def test_a_jitter_429_waits_only_until_the_window_has_room() -> None:
    ft = FakeTime()
    pacer = make(ft, max_requests=100, interval_ms=1000, margin_ms=20)

    async def run() -> tuple[float, list[float]]:
        sent = []
        for _ in range(100):  # a full window, 10 ms apart
            sent.append((await pacer.acquire()).sent_at)
            ft.now += 0.01
        ticket = await pacer.acquire()  # our log has room again: the first send expired
        sent.append(ticket.sent_at)
        # ...but that send reached the server late (jitter beyond the margin): refused
        pacer.on_429({"X-RateLimit-Remaining": "0", "X-RateLimit-Max": "100"}, ticket)
        after = [(await pacer.acquire()).sent_at for _ in range(250)]
        return after[0] - ticket.sent_at, sent + after

    wait, times = asyncio.run(run())
    assert 0 < wait < 0.05  # until our second-oldest send expires, not a whole window (1.02 s)
    # the server never sees more than max in any of its windows: the first send arrived
    # 30 ms late (hence the 429); the refused send is counted too, to be safe
    arrivals = [times[0] + 0.03, *times[1:]]
    assert max_in_any_window(arrivals, 1.0) <= 100


def test_daily_quota_exhausted_raises_with_a_come_back_tomorrow_hint() -> None:
    ft = FakeTime()
    pacer = make(ft)

    async def run() -> None:
        ticket = await pacer.acquire()
        pacer.observe({"X-RateLimit-Daily-Remaining": "1"}, ticket)
        await pacer.acquire()  # the last one of the day
        await pacer.acquire()

    with pytest.raises(RateLimitedError) as info:
        asyncio.run(run())
    assert "daily" in str(info.value)
    # how to go on is the command's to say (--resume, `bulkio resume ID`, or run it again)
    assert "tomorrow" in info.value.hint and "--resume" not in info.value.hint


def test_429_with_no_daily_quota_left_raises_at_once() -> None:
    ft = FakeTime()
    pacer = make(ft)

    async def run() -> None:
        ticket = await pacer.acquire()
        pacer.on_429({"X-RateLimit-Daily-Remaining": "0"}, ticket)

    with pytest.raises(RateLimitedError, match="daily API quota exhausted"):
        asyncio.run(run())


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, (None, None, None, None, None)),
        (
            {
                "x-ratelimit-max": "100",
                "x-ratelimit-remaining": "99",
                "x-ratelimit-interval-milliseconds": "10000",
                "x-ratelimit-limit-daily": "200000",
                "x-ratelimit-daily-remaining": "199999",
            },
            (100, 99, 10_000, 200_000, 199_999),
        ),
        ({"x-ratelimit-max": "lots", "x-ratelimit-remaining": " 5 "}, (None, 5, None, None, None)),
    ],
)
def test_parse_rate_headers(headers: dict[str, str], expected: tuple[int | None, ...]) -> None:
    import httpx

    rh = parse_rate_headers(httpx.Headers(headers))
    assert (rh.max, rh.remaining, rh.interval_ms, rh.daily_limit, rh.daily_remaining) == expected


def test_concurrency_halves_on_overload_and_regrows_one_by_one() -> None:
    from bulkio.api.pacing import AdaptiveConcurrency

    conc = AdaptiveConcurrency(8)

    async def cycle(*, overloaded: bool) -> None:
        await conc.acquire()
        await conc.release(overloaded=overloaded)

    async def run() -> list[int]:
        limits = []
        for _ in range(3):
            await cycle(overloaded=True)
            limits.append(conc.limit)
        for _ in range(1 + 2 + 3 + 4 + 5 + 6 + 7):  # limit 1 needs 1 success, 2 needs 2, ...
            await cycle(overloaded=False)
        limits.append(conc.limit)
        return limits

    assert asyncio.run(run()) == [4, 2, 1, 8]
    assert conc.lowest == 1 and conc.active == 0


def test_concurrency_never_admits_more_than_the_limit() -> None:
    from bulkio.api.pacing import AdaptiveConcurrency

    conc = AdaptiveConcurrency(4)
    peak = 0

    async def job(i: int) -> None:
        nonlocal peak
        await conc.acquire()
        peak = max(peak, conc.active)
        await asyncio.sleep(0)
        await conc.release(overloaded=i == 5)

    async def run() -> None:
        await asyncio.gather(*(job(i) for i in range(40)))

    asyncio.run(run())
    assert peak <= 4 and conc.active == 0 and conc.lowest == 2


def test_a_stray_foreign_send_costs_its_slot_and_one_more_not_the_whole_headroom() -> None:
    ft = FakeTime()
    pacer = make(ft, max_requests=100, interval_ms=1000, margin_ms=0)

    async def run() -> float:
        ticket = await pacer.acquire()
        # 2 used, 1 ours (answered, nothing else in flight): one stray send, say a script
        pacer.observe({"X-RateLimit-Remaining": "98", "X-RateLimit-Max": "100"}, ticket)
        for _ in range(97):
            await pacer.acquire()
        assert ft.now == start
        await pacer.acquire()
        return ft.now

    start = ft.now
    assert asyncio.run(run()) - start == pytest.approx(1.0)
    assert pacer.foreign_seen == 1


def _headers(remaining: int, limit: int = 100) -> dict[str, str]:
    return {"X-RateLimit-Remaining": str(remaining), "X-RateLimit-Max": str(limit)}


def test_answers_out_of_order_never_invent_another_client() -> None:
    # the stall: 8 sends in flight; the server counted them in another order than
    # we sent them, and the answers come back in any order
    ft = FakeTime()
    pacer = make(ft, max_requests=100, interval_ms=10_000)

    async def run() -> float:
        tickets = [await pacer.acquire() for _ in range(8)]
        arrival_order = [7, 3, 6, 0, 5, 1, 4, 2]  # the server saw the 8th first
        for used, k in enumerate(arrival_order, start=1):
            ft.now += 0.05
            pacer.observe(_headers(100 - used), tickets[k])
        for _ in range(92):  # the rest of the window goes at once
            await pacer.acquire()
        return ft.now

    start = ft.now
    assert asyncio.run(run()) == pytest.approx(start + 0.4)
    assert pacer.foreign_seen == 0


def test_a_slow_answer_overtaken_by_later_sends_invents_no_other_client() -> None:
    ft = FakeTime()
    pacer = make(ft, max_requests=100, interval_ms=10_000)

    async def run() -> None:
        slow = await pacer.acquire()
        later = []
        for used in range(2, 40):  # 38 more go out and come back while the first hangs
            t = await pacer.acquire()
            ft.now += 0.01
            pacer.observe(_headers(100 - used), t)
            later.append(t)
        ft.now += 3.0  # a loaded machine: the first answer is read 3 s late, and the
        pacer.observe(_headers(100 - 39), slow)  # server counted all 39 before it

    asyncio.run(run())
    assert pacer.foreign_seen == 0


def test_sends_answered_before_the_servers_window_do_not_hide_a_real_client() -> None:
    ft = FakeTime()
    pacer = make(ft, max_requests=100, interval_ms=1000, margin_ms=0)

    async def run() -> None:
        old = await pacer.acquire()
        ft.now += 0.01
        pacer.observe(_headers(99), old)
        ft.now += 1.5  # the old send left every window
        mine = await pacer.acquire()
        ft.now += 0.05
        # 31 used: 30 were another client's (ours: this one only)
        pacer.observe(_headers(69), mine)

    asyncio.run(run())
    assert pacer.foreign_seen == 30


def test_a_jitter_429_widens_the_margin_and_invents_no_client() -> None:
    ft = FakeTime()
    pacer = make(ft, max_requests=10, interval_ms=10_000, margin_ms=100)

    async def run() -> None:
        sent = [await pacer.acquire() for _ in range(10)]  # a burst, answered 200 ms later
        ft.now += 0.2
        for used, t in enumerate(sent, start=1):
            pacer.observe(_headers(10 - used, 10), t)
        ft.now += 9.91  # our log has room again (10.11 s on), the server's window did not:
        t = await pacer.acquire()  # the first send of the burst had reached it late
        ft.now += 0.2
        pacer.on_429(_headers(0, 10), t)

    asyncio.run(run())
    assert pacer.foreign_seen == 0
    assert pacer.effective_margin_ms == pytest.approx(150.0)  # 100 ms x 1.5


@pytest.mark.parametrize(
    ("rate", "latency", "maximum", "expected"),
    [
        (10.0, 1.5, 64, 21),     # real rate, busy API: ceil(10 x 1.5 x 1.25) + 2
        (100.0, 0.2, 64, 27),    # 10x rate, 50 ms + jitter
        (100.0, 0.05, 64, 9),    # loopback
        (10.0, 30.0, 64, 64),    # the safe maximum wins
        (10.0, None, 64, 8),     # nothing measured yet: the start value
    ],
)
def test_in_flight_follows_rate_times_latency(
    rate: float, latency: float | None, maximum: int, expected: int
) -> None:
    from bulkio.api.pacing import AdaptiveConcurrency

    conc = AdaptiveConcurrency(maximum)
    conc.fit(rate, latency)
    assert conc.limit == expected


def test_little_law_target_stays_under_the_strain_ceiling() -> None:
    from bulkio.api.pacing import AdaptiveConcurrency

    conc = AdaptiveConcurrency(64)
    conc.fit(10.0, 1.5)

    async def run() -> None:
        await conc.acquire()
        await conc.release(overloaded=True)  # a 5xx: halve what was allowed (21 -> 10)

    asyncio.run(run())
    assert conc.limit == 10
    conc.fit(10.0, 3.0)
    assert conc.limit == 10  # more latency does not override the strain ceiling


def test_wait_for_quota_sleeps_until_the_utc_day_resets_then_goes_on() -> None:
    ft = FakeTime()
    waits: list[float] = []
    wall = 1_764_633_600.0 + 23 * 3600  # 2025-12-02 23:00 UTC
    pacer = Pacer(clock=ft.clock, sleep=ft.sleep, wait_for_quota=True,
                  on_quota_wait=waits.append, wall_clock=lambda: wall)

    async def run() -> None:
        ticket = await pacer.acquire()
        pacer.observe({"X-RateLimit-Daily-Remaining": "0"}, ticket)
        await pacer.acquire()  # waits, then goes

    asyncio.run(run())
    assert waits == [3600.0 + 60.0]  # one hour to midnight, plus a minute
    assert pacer.quota_waited_s == 3660.0
