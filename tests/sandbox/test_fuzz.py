"""A small bounded schemathesis fuzz (bench/sandbox_fuzz.py runs the long one): valid and
invalid requests generated from contacts-v3.openapi.json get no 5xx and no non-JSON answer."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.conftest import SandboxHandle

pytest.importorskip("schemathesis")
_PATH = Path(__file__).resolve().parents[2] / "bench" / "sandbox_fuzz.py"
_SPEC = importlib.util.spec_from_file_location("sandbox_fuzz", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
fuzz_module = importlib.util.module_from_spec(_SPEC)
sys.modules["sandbox_fuzz"] = fuzz_module  # dataclasses look their module up there
_SPEC.loader.exec_module(fuzz_module)
SPEC_DIR = fuzz_module.find_spec_dir(Path(__file__))
if SPEC_DIR is None:
    pytest.skip("shared/spec not available", allow_module_level=True)


def test_bounded_fuzz_has_no_server_error(sandbox: SandboxHandle) -> None:
    info = sandbox.admin.info()
    sandbox.admin.seed(sandbox.location_id, count=3)
    report = fuzz_module.fuzz(
        sandbox.url, token=sandbox.token, agency_token=str(info["agencyToken"]),
        location_id=sandbox.location_id, company_id=str(info["companyId"]), spec_dir=SPEC_DIR,
        examples=3, seed=16,
    )  # fmt: skip
    assert report.operations == 31
    assert report.cases >= 150
    assert report.failures == []
