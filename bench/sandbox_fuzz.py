"""Bounded fuzz of the sandbox against the v3 specs with schemathesis: server errors = 0.

For every operation of contacts-v3 (and businesses-v3, users-v3, oauth-v3 with ``--all``),
schemathesis generates valid (positive) and invalid (negative) requests from the spec;
each is sent over real HTTP to an in-process sandbox with the location's token, half of
them with the real ``locationId`` put back so handlers run past the location check. A
failure is any 5xx, any non-JSON answer, or a dropped connection. After the run, a search
of the location must still answer 200 (no request may poison stored data).

Prints operations, cases, answers by status class and the failures (method, path, status,
first bytes of the body). Exit code 1 when there is a failure.

Usage::

    .venv/bin/python bench/sandbox_fuzz.py                  # 30 cases per operation and mode
    .venv/bin/python bench/sandbox_fuzz.py --examples 200 --all
"""

from __future__ import annotations

import argparse
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPEC_NAMES = ("contacts-v3.openapi.json", "businesses-v3.openapi.json", "users-v3.openapi.json",
              "oauth-v3.openapi.json")  # fmt: skip


def find_spec_dir(start: Path) -> Path | None:
    """``../shared/spec`` beside the checkout (or a git worktree of it), or None."""
    for parent in start.resolve().parents:
        if (parent / "shared" / "spec" / SPEC_NAMES[0]).is_file():
            return parent / "shared" / "spec"
    return None


@dataclass
class FuzzReport:
    """What one fuzz run sent and what came back."""

    operations: int = 0
    cases: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return len(self.failures)


def _put_location(case: Any, location_id: str, company_id: str) -> None:
    for part in (case.body, case.query):
        if isinstance(part, dict):
            if "locationId" in part:
                part["locationId"] = location_id
            if "companyId" in part:
                part["companyId"] = company_id


def fuzz(
    url: str,
    *,
    token: str,
    agency_token: str,
    location_id: str,
    company_id: str,
    spec_dir: Path,
    names: tuple[str, ...] = SPEC_NAMES[:1],
    examples: int = 30,
    seed: int = 1,
) -> FuzzReport:
    """Run the bounded fuzz; returns the report (no assertion)."""
    import httpx
    import schemathesis
    from schemathesis import GenerationMode

    warnings.filterwarnings("ignore")
    report = FuzzReport()
    http = httpx.Client(base_url=url, timeout=30)
    target = _Target(http, url, token, agency_token, location_id, company_id)
    for name in names:
        schema = schemathesis.openapi.from_path(spec_dir / name)
        for result in schema.get_all_operations():
            op = result.ok()
            report.operations += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz_operation(target, op, mode, report, examples=examples, seed=seed)
    r = http.post("/contacts/search", json={"locationId": location_id, "pageLimit": 100},
                  headers={"Authorization": f"Bearer {token}", "Version": "v3"})  # fmt: skip
    if r.status_code != 200:
        report.failures.append(f"search after the fuzz: {r.status_code} {r.text[:120]}")
    http.close()
    return report


@dataclass
class _Target:
    http: Any
    url: str
    token: str
    agency_token: str
    location_id: str
    company_id: str


def _fuzz_operation(
    target: _Target, op: Any, mode: Any, report: FuzzReport, *, examples: int, seed: int
) -> None:
    import httpx
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    url = target.url
    bearer = target.agency_token if op.path.startswith("/oauth") else target.token
    sent = [0]

    @hseed(seed)
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        sent[0] += 1
        if sent[0] % 2:
            _put_location(case, target.location_id, target.company_id)
        kwargs = case.as_transport_kwargs(base_url=url)
        headers = {k: v for k, v in (kwargs.get("headers") or {}).items()
                   if k.lower() not in ("authorization", "version")}  # fmt: skip
        headers.update({"Authorization": f"Bearer {bearer}", "Version": "v3"})
        label = f"{op.method.upper()} {kwargs['url'][len(url):][:80]}"
        try:
            r = target.http.request(
                kwargs["method"], kwargs["url"], headers=headers,
                params=kwargs.get("params"), content=_content(kwargs),
            )  # fmt: skip
        except httpx.HTTPError as exc:
            report.failures.append(f"{label}: no answer ({exc.__class__.__name__})")
            return
        report.cases += 1
        report.statuses[f"{r.status_code // 100}xx"] += 1
        if r.status_code >= 500:
            report.failures.append(f"{label}: {r.status_code} {r.text[:120]}")
        elif not r.headers.get("content-type", "").startswith("application/json"):
            report.failures.append(f"{label}: non-JSON {r.status_code} {r.text[:80]}")

    run()


def _content(kwargs: dict[str, Any]) -> bytes | None:
    import json

    if "json" in kwargs:
        return json.dumps(kwargs["json"]).encode()
    data = kwargs.get("data")
    if isinstance(data, dict):
        from urllib.parse import urlencode

        return urlencode(data).encode()
    if isinstance(data, str):
        return data.encode()
    return data if isinstance(data, bytes) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=30, help="cases per operation and mode")
    parser.add_argument("--all", action="store_true", help="also businesses, users, oauth")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    spec_dir = find_spec_dir(Path(__file__))
    if spec_dir is None:
        raise SystemExit("shared/spec not found beside the checkout")
    from bulkio.sandbox import Sandbox

    with Sandbox(None, rate_limit=None, daily_limit=None) as sb:
        info = sb.admin.info()
        sb.admin.seed(sb.location_id, count=5)
        report = fuzz(
            sb.url, token=sb.token, agency_token=str(info["agencyToken"]),
            location_id=sb.location_id, company_id=str(info["companyId"]), spec_dir=spec_dir,
            names=SPEC_NAMES if args.all else SPEC_NAMES[:1], examples=args.examples,
            seed=args.seed,
        )  # fmt: skip
    print(f"{'operations':<16}{report.operations}")
    print(f"{'cases':<16}{report.cases}")
    for key in sorted(report.statuses):
        print(f"{key:<16}{report.statuses[key]}")
    print(f"{'server errors':<16}{report.server_errors}")
    for line in report.failures[:50]:
        print("  " + line)
    raise SystemExit(1 if report.failures else 0)


if __name__ == "__main__":
    main()
