"""``import --create-duplicates`` and business names in the businessId column
(``--business-names``, ``--create-businesses`` and its undo), over the sandbox."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from bulkio.cli import main


def _run(sandbox: Any, *args: str) -> Result:
    argv = [*args, "--base-url", sandbox.url, "--location-id", sandbox.location_id, "--json"]
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token},
                              catch_exceptions=False)


def test_create_duplicates_where_the_location_allows_them(sandbox: Any, tmp_path: Path) -> None:
    sandbox.admin.set_settings(sandbox.location_id, allow_duplicates=True)
    sandbox.admin.seed(sandbox.location_id, contacts=[{"email": "ana@ejemplo.mx"}])
    path = tmp_path / "d.csv"
    path.write_text("Email,Nombre\nana@ejemplo.mx,Ana\n", encoding="utf-8")
    result = _run(sandbox, "import", str(path), "--create-duplicates")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["by_action"] == {"created": 1} and doc["warnings"] == {}
    emails = [c["email"] for c in sandbox.admin.contacts(sandbox.location_id)]
    assert emails == ["ana@ejemplo.mx", "ana@ejemplo.mx"]


def test_business_names_resolve_and_create_with_undo(sandbox: Any, tmp_path: Path) -> None:
    acme = sandbox.admin.create_business(sandbox.location_id, name="Acme Pérez")["id"]
    path = tmp_path / "b.csv"
    path.write_text("Email,Business ID\na@ejemplo.mx,ACME PEREZ\nb@ejemplo.mx,Nueva SA\n"
                    "c@ejemplo.mx,nueva sa\n", encoding="utf-8")
    unknown = tmp_path / "u.csv"
    unknown.write_text("Email,Business ID\nb@ejemplo.mx,Nueva SA\n", encoding="utf-8")
    plain = _run(sandbox, "import", str(unknown), "--business-names")
    assert plain.exit_code == 3, plain.output
    assert json.loads(plain.stdout)["by_error"] == {"unknown-business": 1}
    assert sandbox.admin.contacts(sandbox.location_id) == []
    journal = tmp_path / "j.db"
    result = _run(sandbox, "import", str(path), "--create-businesses", "--journal", str(journal))
    assert result.exit_code == 0, result.output
    names = {b["name"]: b["id"] for b in sandbox.admin.businesses(sandbox.location_id)}
    assert sorted(names) == ["Acme Pérez", "Nueva SA"]
    now = {c["email"]: c.get("businessId") for c in sandbox.admin.contacts(sandbox.location_id)}
    assert now == {"a@ejemplo.mx": acme, "b@ejemplo.mx": names["Nueva SA"],
                   "c@ejemplo.mx": names["Nueva SA"]}
    undone = _run(sandbox, "undo", json.loads(result.stdout)["run_id"], "--journal",
                  str(journal), "--yes")
    assert undone.exit_code == 0, undone.output
    assert [b["name"] for b in sandbox.admin.businesses(sandbox.location_id)] == ["Acme Pérez"]


def test_assigned_to_and_followers_by_email_or_name(sandbox: Any, tmp_path: Path) -> None:
    # a location of a new agency: its users are not shared with other tests
    company, _ = sandbox.admin.create_company("Agencia de prueba")
    location_id, token = sandbox.admin.create_location(company_id=company)
    sandbox = dataclasses.replace(sandbox, location_id=location_id, token=token)
    loc = [sandbox.location_id]
    juan = sandbox.admin.create_user(first_name="Juan", last_name="Pérez", company_id=company,
                                     email="juan@agencia.mx", location_ids=loc)["id"]
    ana = sandbox.admin.create_user(first_name="Ana", last_name="Ruiz", company_id=company,
                                    email="ana@agencia.mx", location_ids=loc)["id"]
    path = tmp_path / "a.csv"
    path.write_text("Email,Asignado a,Seguidores\n"
                    "a@ejemplo.mx,juan perez,ANA@agencia.mx; Juan Pérez\n"
                    "b@ejemplo.mx,Nadie Nunca,\n"
                    "c@ejemplo.mx,usr_fijo,\n", encoding="utf-8")
    sandbox.admin.clear_requests()
    result = _run(sandbox, "import", str(path), "--company-id", company)
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["by_error"] == {"unknown-user": 1}
    now = {c["email"]: c for c in sandbox.admin.contacts(sandbox.location_id)}
    assert set(now) == {"a@ejemplo.mx", "c@ejemplo.mx"}
    assert now["a@ejemplo.mx"]["assignedTo"] == juan
    assert now["a@ejemplo.mx"]["followers"] == [ana, juan]
    assert now["c@ejemplo.mx"]["assignedTo"] == "usr_fijo"  # an id is sent as it is
    searches = [r for r in sandbox.admin.requests(sandbox.location_id)
                if r["path"] == "/users/search"]
    assert len(searches) == 1
