"""Dry runs that say what would really happen (issue 14, point 5), over the sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from bulkio.cli import main


def run(sandbox: Any, *args: str, target: bool = True) -> Result:
    argv = list(args)
    env = {"BULKIO_TOKEN": None, "BULKIO_LOCATION_ID": None, "BULKIO_CONFIG": None}
    if target:
        argv += ["--base-url", sandbox.url, "--location-id", sandbox.location_id]
        env["BULKIO_TOKEN"] = sandbox.token
    return CliRunner().invoke(main, argv, env=env, catch_exceptions=False)


def test_tags_remove_all_dry_run_lists_the_contacts_real_tags(sandbox: Any, tmp_path: Path
                                                              ) -> None:
    ids = sandbox.admin.seed(sandbox.location_id, contacts=[
        {"firstName": "Ana", "email": "ana@ejemplo.mx", "tags": ["vip", "cliente 2025"]},
        {"firstName": "Luis", "email": "luis@ejemplo.mx", "tags": []},
    ])
    src = tmp_path / "t.csv"
    src.write_text("email,tags\nana@ejemplo.mx,otra\nluis@ejemplo.mx,otra\n"
                   "nadie@ejemplo.mx,otra\n", encoding="utf-8")
    result = run(sandbox, "tags", "remove", str(src), "--all", "--dry-run", "--json")
    assert result.exit_code == 3, result.output  # nadie@ is no contact: that row would fail
    plan = json.loads(result.stdout)["dry_run"]
    assert plan["contacts_resolved"] is True
    assert plan["runnable"] == 2 and plan["failures"] == {"contact-not-found": 1}
    listed = {e["row"]: e for e in plan["rows_listed"]}
    assert sorted(listed[2]["tags"]) == ["cliente 2025", "vip"]  # not the column's "otra"
    assert listed[2]["contact_id"] == ids[0]
    assert listed[3]["tags"] == []
    assert listed[4]["error"] == "contact-not-found"
    contacts = {c["id"]: c for c in sandbox.admin.contacts(sandbox.location_id)}
    assert sorted(contacts[ids[0]]["tags"]) == ["cliente 2025", "vip"]  # nothing removed


def test_tags_remove_dry_run_lists_only_tags_the_contact_has(sandbox: Any, tmp_path: Path
                                                             ) -> None:
    sandbox.admin.seed(sandbox.location_id, contacts=[
        {"firstName": "Ana", "email": "ana@ejemplo.mx", "tags": ["vip"]}])
    src = tmp_path / "t.csv"
    src.write_text('email,tags\nana@ejemplo.mx,"vip, nunca"\n', encoding="utf-8")
    result = run(sandbox, "tags", "remove", str(src), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "contacts looked up" in result.output
    assert '"tags": ["vip"]' in result.output and "nunca" not in result.output


def test_bulk_dry_run_without_a_target_says_it_did_not_look_contacts_up(
        sandbox: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)  # no bulkio.toml around
    src = tmp_path / "t.csv"
    src.write_text("email\nnadie@ejemplo.mx\n", encoding="utf-8")
    result = run(sandbox, "tags", "remove", str(src), "--all", "--dry-run", "--json",
                 target=False)
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)["dry_run"]
    assert plan["contacts_resolved"] is False and plan["lookup_requests"] == {}
    assert plan["rows_listed"] == [{"row": 2, "contact": "email nadie@ejemplo.mx",
                                    "tags": "all"}]
    text = run(sandbox, "tags", "remove", str(src), "--all", "--dry-run", target=False)
    assert "contacts NOT looked up: no API target is configured" in text.stderr


def test_import_dry_run_announces_the_columns_not_sent_and_lists_them_in_json(
        sandbox: Any, tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text("email,nombre,color favorito\nana@ejemplo.mx,Ana,azul\n", encoding="utf-8")
    result = run(sandbox, "import", str(src), "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc["columns_not_sent"]) == ["color favorito"]
    assert "columns NOT sent (1; kept in the reports):" in result.stderr
    assert "  color favorito: " in result.stderr
    assert sandbox.admin.contacts(sandbox.location_id) == []
    sent = run(sandbox, "import", str(src), "--json")
    assert list(json.loads(sent.stdout)["columns_not_sent"]) == ["color favorito"]
