"""The docs site builds with ``mkdocs build --strict``: no broken link, no page left out."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="mkdocs is in the docs extra: pip install -e '.[docs]'")
    pytest.importorskip("material", reason="mkdocs-material is in the docs extra")
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f",
         str(ROOT / "mkdocs.yml"), "-d", str(site)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    pages = {p.relative_to(site).parent.as_posix() for p in site.rglob("index.html")}
    for md in (ROOT / "docs").glob("*.md"):
        name = "." if md.stem == "index" else md.stem
        assert name in pages, f"docs/{md.name} is not in the built site (add it to mkdocs.yml nav)"
    shutil.rmtree(site)
