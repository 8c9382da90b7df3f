"""The state home is found like git finds .git; --state-dir / BULKIO_STATE_DIR override."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkio.runs.home import find_state_home, journal_in, sandbox_db_in


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("BULKIO_STATE_DIR", raising=False)
    ws = tmp_path / "ws"
    (ws / "clientes" / "2026").mkdir(parents=True)
    return ws


def test_nearest_ancestor_holding_dot_bulkio_wins(workspace: Path) -> None:
    (workspace / ".bulkio").mkdir()
    deep = workspace / "clientes" / "2026"
    assert find_state_home(start=deep) == workspace.resolve() / ".bulkio"
    (workspace / "clientes" / ".bulkio").mkdir()  # a nearer one
    assert find_state_home(start=deep) == workspace.resolve() / "clientes" / ".bulkio"


def test_bulkio_toml_marks_the_workspace(workspace: Path) -> None:
    (workspace / "bulkio.toml").write_text("", encoding="utf-8")
    assert find_state_home(start=workspace / "clientes") == workspace.resolve() / ".bulkio"


def test_else_the_current_folder(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workspace / "clientes")
    assert find_state_home(env={}) == (workspace / "clientes").resolve() / ".bulkio"


def test_flag_then_environment_override(workspace: Path) -> None:
    (workspace / ".bulkio").mkdir()
    env = {"BULKIO_STATE_DIR": str(workspace / "from-env")}
    start = workspace / "clientes"
    assert find_state_home(start=start, env=env) == (workspace / "from-env").resolve()
    assert find_state_home(workspace / "flag", start=start, env=env) == \
        (workspace / "flag").resolve()


def test_files_of_the_home(tmp_path: Path) -> None:
    assert journal_in(tmp_path) == tmp_path / "journal.db"
    assert sandbox_db_in(tmp_path) == tmp_path / "sandbox.db"
