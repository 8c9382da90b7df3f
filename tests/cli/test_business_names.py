"""Company names -> business ids through the Businesses API (``business assign``), cached
per run, and ``--create-businesses`` with its undo, over the sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from bulkio.cli import main


def _run(sandbox: Any, *args: str) -> Result:
    argv = [*args, "--base-url", sandbox.url, "--location-id", sandbox.location_id]
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token},
                              catch_exceptions=False)


def _calls(sandbox: Any, method: str, path: str) -> int:
    return sum(1 for r in sandbox.admin.requests(sandbox.location_id)
               if r["method"] == method and r["path"] == path)


def _setup(sandbox: Any, tmp_path: Path, names: list[str]) -> tuple[dict[str, str], Path]:
    loc = sandbox.admin
    biz = {name: loc.create_business(sandbox.location_id, name=name)["id"]
           for name in ("Café Pérez", "Acme")}
    loc.create_business(sandbox.location_id, name="Duplicada")
    loc.create_business(sandbox.location_id, name="duplicada ")
    people = [{"email": f"p{i}@ejemplo.mx"} for i in range(len(names))]
    sandbox.admin.seed(sandbox.location_id, contacts=people)
    lines = ["email,Empresa"] + [f"p{i}@ejemplo.mx,{n}" for i, n in enumerate(names)]
    path = tmp_path / "b.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return biz, path


def test_names_resolve_exact_then_without_case_and_accents(sandbox: Any,
                                                           tmp_path: Path) -> None:
    biz, path = _setup(sandbox, tmp_path, ["Acme", "cafe perez", "CAFÉ  PÉREZ", "DUPLICADA",
                                           "Nueva SA", "Acme"])
    sandbox.admin.clear_requests()
    result = _run(sandbox, "business", "assign", str(path), "--json")
    assert result.exit_code == 3, result.output
    doc = json.loads(result.stdout)
    assert doc["by_action"] == {"assigned": 4}
    assert doc["by_error"] == {"ambiguous-business": 1, "unknown-business": 1}
    now = {c["email"]: c.get("businessId") for c in sandbox.admin.contacts(sandbox.location_id)}
    assert now == {"p0@ejemplo.mx": biz["Acme"], "p1@ejemplo.mx": biz["Café Pérez"],
                   "p2@ejemplo.mx": biz["Café Pérez"], "p3@ejemplo.mx": None,
                   "p4@ejemplo.mx": None, "p5@ejemplo.mx": biz["Acme"]}
    # one lookup for the whole run, not one per row or per distinct name
    assert _calls(sandbox, "GET", "/businesses/") == 1


def test_create_businesses_once_and_undo_deletes_only_those(sandbox: Any,
                                                            tmp_path: Path) -> None:
    _, path = _setup(sandbox, tmp_path, ["Nueva SA", "nueva sa", "Acme"])
    journal = tmp_path / "j.db"
    sandbox.admin.clear_requests()
    result = _run(sandbox, "business", "assign", str(path), "--create-businesses",
                  "--journal", str(journal), "--json")
    assert result.exit_code == 0, result.output
    assert _calls(sandbox, "POST", "/businesses/") == 1
    names = sorted(b["name"] for b in sandbox.admin.businesses(sandbox.location_id))
    assert names == ["Acme", "Café Pérez", "Duplicada", "Nueva SA", "duplicada "]
    nueva = next(b["id"] for b in sandbox.admin.businesses(sandbox.location_id)
                 if b["name"] == "Nueva SA")
    now = {c["email"]: c.get("businessId") for c in sandbox.admin.contacts(sandbox.location_id)}
    assert now["p0@ejemplo.mx"] == now["p1@ejemplo.mx"] == nueva
    run_id = json.loads(result.stdout)["run_id"]
    undone = _run(sandbox, "undo", run_id, "--journal", str(journal), "--json", "--yes")
    assert undone.exit_code == 0, undone.output
    names = sorted(b["name"] for b in sandbox.admin.businesses(sandbox.location_id))
    assert names == ["Acme", "Café Pérez", "Duplicada", "duplicada "]
