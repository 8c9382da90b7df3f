"""Followers given as user emails or full names resolve through the Users API, one search
per distinct value, over the sandbox."""

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


def _own_agency(sandbox: Any) -> tuple[Any, str]:
    """A location of a new agency: its users are not shared with other tests."""
    company, _ = sandbox.admin.create_company("Agencia de prueba")
    location_id, token = sandbox.admin.create_location(company_id=company)
    return dataclasses.replace(sandbox, location_id=location_id, token=token), company


def test_followers_by_email_and_full_name(sandbox: Any, tmp_path: Path) -> None:
    sandbox, company = _own_agency(sandbox)
    loc = [sandbox.location_id]
    juan = sandbox.admin.create_user(first_name="Juan", last_name="Pérez",
                                     email="juan@agencia.mx", location_ids=loc,
                                     company_id=company)["id"]
    ana = sandbox.admin.create_user(first_name="Ana", last_name="Ruiz",
                                    email="ana@agencia.mx", location_ids=loc,
                                    company_id=company)["id"]
    for email in ("luis.a@agencia.mx", "luis.b@agencia.mx"):
        sandbox.admin.create_user(first_name="Luis", last_name="Gómez", email=email,
                                  location_ids=loc, company_id=company)
    sandbox.admin.seed(sandbox.location_id, contacts=[{"email": f"c{i}@ejemplo.mx"}
                                                      for i in range(5)])
    path = tmp_path / "f.csv"
    path.write_text("email,seguidores\n"
                    "c0@ejemplo.mx,juan perez\n"
                    "c1@ejemplo.mx,JUAN@agencia.mx; Ana Ruiz\n"
                    "c2@ejemplo.mx,Juan Pérez\n"
                    "c3@ejemplo.mx,Luis Gómez\n"
                    "c4@ejemplo.mx,Nadie Nunca\n", encoding="utf-8")
    sandbox.admin.clear_requests()
    result = _run(sandbox, "followers", "add", str(path), "--company-id", company)
    assert result.exit_code == 3, result.output
    doc = json.loads(result.stdout)
    assert doc["by_action"] == {"followers-added": 3}
    assert doc["by_error"] == {"ambiguous-user": 1, "unknown-user": 1}
    now = {c["email"]: c.get("followers") for c in sandbox.admin.contacts(sandbox.location_id)}
    assert now["c0@ejemplo.mx"] == [juan] and now["c2@ejemplo.mx"] == [juan]
    assert now["c1@ejemplo.mx"] == [juan, ana]
    # the location's users are listed once for the whole run, not once per row or value
    searches = [r for r in sandbox.admin.requests(sandbox.location_id)
                if r["path"] == "/users/search"]
    assert len(searches) == 1


def test_without_company_id_the_agency_is_read_from_the_location(
    sandbox: Any, tmp_path: Path
) -> None:
    sandbox, company = _own_agency(sandbox)
    juan = sandbox.admin.create_user(first_name="Juan", last_name="Pérez", company_id=company,
                                     email="juan@agencia.mx",
                                     location_ids=[sandbox.location_id])["id"]
    sandbox.admin.seed(sandbox.location_id, contacts=[{"email": "c@ejemplo.mx"},
                                                      {"email": "d@ejemplo.mx"}])
    path = tmp_path / "f.csv"
    path.write_text("email,followers\nc@ejemplo.mx,Juan Pérez\nd@ejemplo.mx,Nadie Nunca\n",
                    encoding="utf-8")
    sandbox.admin.clear_requests()
    result = _run(sandbox, "followers", "add", str(path))
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["by_error"] == {"unknown-user": 1}
    now = {c["email"]: c.get("followers") for c in sandbox.admin.contacts(sandbox.location_id)}
    assert now["c@ejemplo.mx"] == [juan]
    paths = [r["path"] for r in sandbox.admin.requests(sandbox.location_id)]
    assert paths.count(f"/locations/{sandbox.location_id}") == 1
    assert paths.count("/users/search") == 1


def test_task_assignee_by_full_name(sandbox: Any, tmp_path: Path) -> None:
    sandbox, company = _own_agency(sandbox)
    juan = sandbox.admin.create_user(first_name="Juan", last_name="Pérez", company_id=company,
                                     email="juan@agencia.mx",
                                     location_ids=[sandbox.location_id])["id"]
    sandbox.admin.seed(sandbox.location_id, contacts=[{"email": "c@ejemplo.mx"}])
    path = tmp_path / "t.csv"
    path.write_text("email,tarea,vence,asignado a\nc@ejemplo.mx,Llamar,2026-12-31,juan perez\n",
                    encoding="utf-8")
    result = _run(sandbox, "tasks", "add", str(path), "--company-id", company)
    assert result.exit_code == 0, result.output
    [task] = sandbox.admin.tasks(sandbox.location_id)
    assert task["assignedTo"] == juan
    again = _run(sandbox, "tasks", "add", str(path), "--company-id", company)
    assert json.loads(again.stdout)["by_action"] == {"unchanged": 1}  # never created twice
