"""Skip-unchanged sees every field and the tags; the default tag chunk is 100 contacts.

A re-import skips a row only when everything it would send is the same: a changed tag, name
or city must be sent again and land in the sandbox; tags in another order are the same set.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from bulkio.cli import main

HEADER = ["email", "first name", "city", "tags"]
ROWS = [
    ["t0@ejemplo.mx", "Ana", "Puebla", "vip"],
    ["t1@ejemplo.mx", "Beto", "Toluca", "vip"],
    ["t2@ejemplo.mx", "Carla", "León", "vip"],
    ["t3@ejemplo.mx", "Dora", "Mérida", "a, b"],
    ["t4@ejemplo.mx", "Elena", "Colima", "vip"],
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_cli(sandbox: Any, *args: str) -> Result:
    argv = [*args, "--base-url", sandbox.url, "--location-id", sandbox.location_id]
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token},
                              catch_exceptions=False)


def sent(sandbox: Any) -> list[tuple[str, str]]:
    """(method, path) of every request this test's location received, in order."""
    return [(r["method"], r["path"]) for r in sandbox.admin.requests(sandbox.location_id)]


def by_email(sandbox: Any) -> dict[str, dict[str, Any]]:
    return {c["email"]: c for c in sandbox.admin.contacts(sandbox.location_id)}


def test_changed_tag_name_or_city_is_sent_again_and_reordered_tags_are_not(
        sandbox: Any, tmp_path: Path) -> None:
    src = write_csv(tmp_path / "contactos.csv", ROWS)
    first = run_cli(sandbox, "import", str(src), "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["by_action"] == {"created": 5}
    changed = [
        ["t0@ejemplo.mx", "Ana", "Puebla", "vip, nuevo"],  # one more tag
        ["t1@ejemplo.mx", "Roberto", "Toluca", "vip"],  # first name
        ["t2@ejemplo.mx", "Carla", "Querétaro", "vip"],  # city
        ["t3@ejemplo.mx", "Dora", "Mérida", "b, a"],  # same tags, other order
        ["t4@ejemplo.mx", "Elena", "Colima", "vip"],  # untouched
    ]
    write_csv(src, changed)
    sandbox.admin.clear_requests()
    again = run_cli(sandbox, "import", str(src), "--json")
    assert again.exit_code == 0, again.output
    doc = json.loads(again.stdout)
    assert doc["by_action"] == {"updated": 3, "unchanged": 2}
    assert sent(sandbox).count(("POST", "/contacts/upsert")) == 3
    held = by_email(sandbox)
    assert sorted(held["t0@ejemplo.mx"]["tags"]) == ["nuevo", "vip"]
    assert held["t1@ejemplo.mx"]["firstName"] == "Roberto"
    assert held["t2@ejemplo.mx"]["city"] == "Querétaro"
    assert sorted(held["t3@ejemplo.mx"]["tags"]) == ["a", "b"]
    assert len(held) == 5
    success = list(csv.DictReader((tmp_path / "contactos.success.csv").open(
        encoding="utf-8-sig", newline="")))
    assert [(r["_row"], r["action"]) for r in success] == [
        ("2", "updated"), ("3", "updated"), ("4", "updated"), ("5", "unchanged"),
        ("6", "unchanged")]
    # unchanged rows still name their contact
    assert [r["contact_id"] for r in success] == [held[f"t{i}@ejemplo.mx"]["id"] for i in range(5)]


def test_a_row_unchanged_in_one_location_is_sent_to_another(sandbox: Any, tmp_path: Path,
                                                            ) -> None:
    src = write_csv(tmp_path / "contactos.csv", ROWS[:2])
    assert run_cli(sandbox, "import", str(src), "--json").exit_code == 0
    other_id, other_token = sandbox.admin.create_location()
    argv = ["import", str(src), "--json", "--base-url", sandbox.url, "--location-id", other_id]
    result = CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": other_token},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["by_action"] == {"created": 2}
    assert sorted(c["email"] for c in sandbox.admin.contacts(other_id)) == [
        "t0@ejemplo.mx", "t1@ejemplo.mx"]


def test_default_tag_chunk_is_100_contacts(sandbox: Any, tmp_path: Path) -> None:
    rows = [[f"k{i}@ejemplo.mx", f"N{i}", "", "lote"] for i in range(105)]
    src = write_csv(tmp_path / "lote.csv", rows)
    result = run_cli(sandbox, "import", str(src), "--json")  # no --tag-chunk: the default
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["by_action"] == {"created": 105}
    # 105 contacts with one tag set: a chunk of 100, then the last 5
    assert sent(sandbox).count(("POST", "/contacts/bulk/tags/update/add")) == 2
    held = sandbox.admin.contacts(sandbox.location_id)
    assert len(held) == 105 and all(c["tags"] == ["lote"] for c in held)


def test_a_row_the_planner_refuses_fails_alone_and_is_retried_once_fixed(
        sandbox: Any, tmp_path: Path) -> None:
    sandbox.admin.create_custom_field(sandbox.location_id, name="Plan",
                                      data_type="SINGLE_OPTIONS", options=["Básico", "Premium"])
    (tmp_path / "map.toml").write_text('[columns]\n"email" = "email"\n'
                                       '"Plan" = { custom_field = "Plan" }\n', encoding="utf-8")
    rows = [["p0@ejemplo.mx", "premium"], ["p1@ejemplo.mx", "Oro"], ["p2@ejemplo.mx", ""]]
    src = write_csv(tmp_path / "planes.csv", rows, header=["email", "Plan"])
    args = ["import", str(src), "--map", str(tmp_path / "map.toml"), "--json"]
    result = run_cli(sandbox, *args)
    assert result.exit_code == 3, result.output
    doc = json.loads(result.stdout)
    assert doc["by_action"] == {"created": 2} and doc["by_error"] == {"invalid-value": 1}
    failures = list(csv.DictReader((tmp_path / "planes.failures.csv").open(
        encoding="utf-8-sig", newline="")))
    assert [(r["_row"], r["email"], r["_error_code"], r["_error_message"]) for r in failures] \
        == [("3", "p1@ejemplo.mx", "invalid-value",
             "'Oro' is not an option of 'Plan': Básico, Premium")]
    assert sorted(c["email"] for c in sandbox.admin.contacts(sandbox.location_id)) == [
        "p0@ejemplo.mx", "p2@ejemplo.mx"]
    # the failed row is not "unchanged" on the next run: fixed, it is sent
    write_csv(src, [["p0@ejemplo.mx", "premium"], ["p1@ejemplo.mx", "Básico"],
                    ["p2@ejemplo.mx", ""]], header=["email", "Plan"])
    again = run_cli(sandbox, *args)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["by_action"] == {"created": 1, "unchanged": 2}
