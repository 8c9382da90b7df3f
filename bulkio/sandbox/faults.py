"""Fault injection: error statuses, 429s, latency and dropped connections.

A fault plan holds probabilities per action and/or an exact sequence of actions consumed one
per matching request. Actions: ``500``/``502``/``503``/``504``/``429`` (an error answer),
``"drop_before_commit"`` (close the socket before the write happens),
``"drop_after_commit"`` (perform the write, then close the socket without answering) and
``"ok"`` (no fault for that request).
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

ERROR_STATUSES = (429, 500, 502, 503, 504)
DROPS = ("drop_before_commit", "drop_after_commit")
Action = int | str


def _check_action(action: Any) -> Action:
    if action in ERROR_STATUSES or action in DROPS or action == "ok":
        return action  # type: ignore[no-any-return]
    if isinstance(action, str) and action.isdigit() and int(action) in ERROR_STATUSES:
        return int(action)
    raise ValueError(f"unknown fault action {action!r}")


@dataclass
class FaultPlan:
    """What to inject; everything off by default."""

    probabilities: dict[Action, float] = field(default_factory=dict)
    sequence: deque[Action] = field(default_factory=deque)
    latency_ms: int = 0
    path_contains: str | None = None
    method: str | None = None
    seed: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultPlan:
        """Build a plan from the admin endpoint's JSON (validates keys and actions)."""
        allowed = {"probabilities", "sequence", "latency_ms", "path_contains", "method", "seed",
                   *(f"p{status}" for status in ERROR_STATUSES), *DROPS}  # fmt: skip
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"unknown fault setting {unknown[0]!r}")
        probs = {_check_action(k): float(v) for k, v in (data.get("probabilities") or {}).items()}
        for status in ERROR_STATUSES:
            key = f"p{status}"
            if key in data:
                probs[status] = float(data[key])
        for drop in DROPS:
            if drop in data and not isinstance(data[drop], bool):
                probs[drop] = float(data[drop])
        for action, p in probs.items():
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"probability of {action!r} must be between 0 and 1, not {p:g}")
        if sum(probs.values()) > 1.0 + 1e-9:
            raise ValueError("fault probabilities add up to more than 1")
        seq = deque(_check_action(a) for a in (data.get("sequence") or []))
        latency_ms = int(data.get("latency_ms") or 0)
        if latency_ms < 0:
            raise ValueError(f"latency_ms must be 0 or more, not {latency_ms}")
        return cls(
            probabilities=probs,
            sequence=seq,
            latency_ms=latency_ms,
            path_contains=data.get("path_contains"),
            method=(data.get("method") or None) and str(data["method"]).upper(),
            seed=data.get("seed"),
        )

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON (for the admin view)."""
        return {
            "probabilities": {str(k): v for k, v in self.probabilities.items()},
            "sequence": list(self.sequence),
            "latency_ms": self.latency_ms,
            "path_contains": self.path_contains,
            "method": self.method,
        }


class FaultInjector:
    """Decides, per request, which fault (if any) to inject."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self._lock = threading.Lock()
        self.plan = plan or FaultPlan()
        self._rng = random.Random(self.plan.seed)
        self.injected: list[dict[str, Any]] = []

    def set(self, plan: FaultPlan) -> None:
        """Replace the plan."""
        with self._lock:
            self.plan = plan
            self._rng = random.Random(plan.seed)

    def clear(self) -> None:
        """Remove every fault."""
        self.set(FaultPlan())

    def latency_ms(self, method: str, path: str) -> int:
        """Added latency for this request."""
        with self._lock:
            return self.plan.latency_ms if self._matches(method, path) else 0

    def pick(self, method: str, path: str) -> Action | None:
        """The fault for this request, or None."""
        with self._lock:
            plan = self.plan
            if not self._matches(method, path):
                return None
            action: Action | None = None
            if plan.sequence:
                action = plan.sequence.popleft()
            else:
                roll = self._rng.random()
                acc = 0.0
                for candidate, p in plan.probabilities.items():
                    acc += p
                    if roll < acc:
                        action = candidate
                        break
            if action == "ok":
                action = None
            if action is not None:
                self.injected.append({"method": method, "path": path, "fault": action})
            return action

    def _matches(self, method: str, path: str) -> bool:
        plan = self.plan
        if plan.method and plan.method != method:
            return False
        return not (plan.path_contains and plan.path_contains not in path)
