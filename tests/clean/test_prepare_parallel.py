"""Phone validation in worker processes gives exactly the rows of in-process validation:
values, warnings, rejections and in-file duplicates (also across batches, for every
``--duplicates`` policy, including "first", where pass 2 starts before the workers end)."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from bulkio.clean import columns as prepare_plan
from bulkio.clean.normalize import phone as n_phone
from bulkio.clean.prepare import Duplicates, prepare_rows
from bulkio.clean.records import PreparedRow
from bulkio.files.table import SourceRow, Table

HEADERS = ["Correo", "Teléfono", "País"]
# the same +52 55 1234 5678 typed five ways, rows far apart (other batches)
SAME_PHONE = ["+52 55 1234 5678", "044 55 1234 5678", "5512345678", "(55) 1234-5678",
              "5512345678.0"]  # fmt: skip


@pytest.fixture(autouse=True)
def _single_threaded(monkeypatch: pytest.MonkeyPatch) -> None:
    # the suite's own server threads would make prepare skip the workers (fork is only
    # used without other threads); the workers run nothing those threads hold
    monkeypatch.setattr(prepare_plan, "threading", SimpleNamespace(active_count=lambda: 1))


def test_other_threads_mean_no_worker_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prepare_plan, "threading", SimpleNamespace(active_count=lambda: 3))
    assert prepare_plan._start_pool(2) is None


def _rows(n: int) -> list[list[str | None]]:
    rows: list[list[str | None]] = []
    for i in range(n):
        email: str | None = f"persona{i}@ejemplo.mx"
        phone: str | None = f"55{i:08d}"
        country = "México"
        if i % 97 == 0:
            phone = SAME_PHONE[(i // 97) % len(SAME_PHONE)]
            email = None if i % 2 else email
        elif i % 13 == 0:
            phone = "12345"  # rejected: a warning, the row keeps its email
        elif i % 17 == 0:
            phone = f"+1 212 555 {i % 10000:04d} ext 7"  # valid, extension dropped
            country = "Estados Unidos"
        elif i % 29 == 0:
            email = "persona5@ejemplo.mx"  # duplicate email
        rows.append([email, phone, country])
    return rows


def _factory(rows: list[list[str | None]]) -> Callable[[], Table]:
    def make() -> Table:
        source = (SourceRow(i + 2, dict(zip(HEADERS, r, strict=True))) for i, r in enumerate(rows))
        return Table(path=Path("t.csv"), format="csv", headers=list(HEADERS), rows=source)

    return make


def _prepare(rows: list[list[str | None]], duplicates: Duplicates) -> list[PreparedRow]:
    prep = prepare_rows(_factory(rows), default_region="MX", duplicates=duplicates,
                        today=date(2026, 6, 1))  # fmt: skip
    return list(prep)


def _seen(rows: list[PreparedRow]) -> list[tuple[object, ...]]:
    return [(r.row, r.contact, [(i.code, i.message, i.severity) for i in r.issues],
             [(c.column, c.before, c.after) for c in r.changes]) for r in rows]  # fmt: skip


@pytest.mark.parametrize("duplicates", ["first", "last", "fail"])
def test_workers_give_the_rows_of_in_process_validation(
    duplicates: Duplicates, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _rows(1500)
    monkeypatch.setattr(prepare_plan, "PHONE_BATCH", 1_000_000)
    inline = _seen(_prepare(rows, duplicates))
    n_phone._normalize.cache_clear()
    started: list[object] = []
    real_start = prepare_plan._start_pool

    def start(workers: int) -> object:
        pool = real_start(workers)
        started.append(pool)
        return pool

    monkeypatch.setattr(prepare_plan, "PHONE_BATCH", 64)
    monkeypatch.setattr(prepare_plan, "_start_pool", start)
    monkeypatch.setattr(prepare_plan.PhoneBatches, "_workers_for_machine", lambda self: 2)
    pooled = _seen(_prepare(rows, duplicates))
    assert len(started) == 1
    assert started[0] is not None
    assert pooled == inline
    dup_rows = [r for r in pooled if any(code == "duplicate-in-file" for code, _, _ in r[2])]
    assert len(dup_rows) >= 10  # phone and email duplicates were found across batches


def test_a_file_of_one_batch_starts_no_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(workers: int) -> object:
        raise AssertionError("no pool for a small file")

    monkeypatch.setattr(prepare_plan, "_start_pool", no_pool)
    rows = _prepare(_rows(300), "first")
    assert len(rows) == 300 and rows[1].contact["phone"] == "+525500000001"


def test_stopping_early_shuts_the_workers_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prepare_plan, "PHONE_BATCH", 64)
    monkeypatch.setattr(prepare_plan.PhoneBatches, "_workers_for_machine", lambda self: 2)
    pools: list[object] = []
    real_start = prepare_plan._start_pool

    def start(workers: int) -> object:
        pool = real_start(workers)
        pools.append(pool)
        return pool

    monkeypatch.setattr(prepare_plan, "_start_pool", start)
    prep = iter(prepare_rows(_factory(_rows(1500)), default_region="MX"))
    first = next(prep)
    assert first.row == 2
    prep.close()  # type: ignore[attr-defined]
    (pool,) = pools
    assert pool is not None
    with pytest.raises(RuntimeError, match="shutdown"):
        pool.submit(print)  # type: ignore[attr-defined]


_PARENT = os.getpid()


def _die_in_worker(values: list[tuple[str, str | None]], *, cached: bool = False) -> object:
    if os.getpid() != _PARENT:
        os._exit(3)
    return _REAL_CODES(values, cached=cached)


_REAL_CODES = n_phone.e164_codes


@pytest.mark.skipif(sys.platform == "win32", reason="needs fork")
def test_a_dead_worker_falls_back_to_this_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rows = _rows(600)
    expected = _seen(_prepare(rows, "last"))
    monkeypatch.setattr(prepare_plan, "PHONE_BATCH", 64)
    monkeypatch.setattr(prepare_plan.PhoneBatches, "_workers_for_machine", lambda self: 2)
    monkeypatch.setattr(n_phone, "e164_codes", _die_in_worker)
    monkeypatch.setattr(
        prepare_plan,
        "_start_pool",
        lambda workers: ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork")
        ),
    )
    assert _seen(_prepare(rows, "last")) == expected
    assert "validating in this process" in caplog.text
