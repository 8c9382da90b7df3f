"""``bulkio tags|business|delete|runs`` end to end over HTTP against the sandbox."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bulkio.bulk.rows import OpSettings, find_columns, iso_instant, parse_row
from bulkio.cli import main
from bulkio.errors import InputError


def run(sandbox: Any, *args: str, input: str | None = None) -> Result:
    argv = [*args, "--base-url", sandbox.url, "--location-id", sandbox.location_id]
    return CliRunner().invoke(main, argv, env={"BULKIO_TOKEN": sandbox.token}, input=input,
                              catch_exceptions=False)


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, delimiter: str = ","
              ) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def contacts(sandbox: Any) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in sandbox.admin.contacts(sandbox.location_id)}


def api_calls(sandbox: Any, fragment: str = "") -> list[dict[str, Any]]:
    return [r for r in sandbox.admin.requests()
            if r.get("location_id") == sandbox.location_id and fragment in r["path"]]


def seed(sandbox: Any, n: int, **extra: Any) -> list[str]:
    people = [{"firstName": f"P{i}", "email": f"p{i}@ejemplo.mx", **extra} for i in range(n)]
    return sandbox.admin.seed(sandbox.location_id, contacts=people)


# -- pure row parsing -----------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "order", "expected"), [
    ("2026-12-31", None, "2026-12-31T00:00:00Z"),
    ("31/12/2026", "DMY", "2026-12-31T00:00:00Z"),
    ("12/31/2026", "MDY", "2026-12-31T00:00:00Z"),
    ("15/12/2026 10:30", "DMY", "2026-12-15T10:30:00Z"),
    ("15/12/2026 3:05 pm", "DMY", "2026-12-15T15:05:00Z"),
    ("2026-12-15T10:30:00-06:00", None, "2026-12-15T16:30:00Z"),
    ("2026-12-15 10:30", None, "2026-12-15T10:30:00Z"),
    ("31 dic 2026", None, "2026-12-31T00:00:00Z"),
])  # fmt: skip
def test_due_dates_become_iso_utc(raw: str, order: str | None, expected: str) -> None:
    assert iso_instant(raw, order=order) == expected


@pytest.mark.parametrize(("raw", "order", "code"), [
    ("03/04/2026", None, "ambiguous-date"),
    ("mañana", None, "invalid-date"),
    ("31/02/2026", "DMY", "impossible-date"),
    ("2026-12-15 25:00", None, "invalid-date"),
])  # fmt: skip
def test_bad_due_dates_fail_with_a_code(raw: str, order: str | None, code: str) -> None:
    result = iso_instant(raw, order=order)
    assert isinstance(result, tuple) and result[0] == code


@pytest.mark.parametrize(("headers", "values", "expected"), [
    (["Correo electrónico", "Etiquetas"], {"Correo electrónico": "ANA@Ejemplo.MX",
                                           "Etiquetas": "vip; 2026"},
     ("email", "ANA@ejemplo.mx", ["vip", "2026"])),
    (["Teléfono", "tags"], {"Teléfono": "55 1234 5678", "tags": "vip"},
     ("phone", "+525512345678", ["vip"])),
    (["contact_id", "email", "tags"], {"contact_id": "abc", "email": "x@y.mx", "tags": "a"},
     ("contact_id", "abc", ["a"])),
])  # fmt: skip
def test_rows_name_their_contact_by_id_email_or_phone(
    headers: list[str], values: dict[str, str], expected: tuple[str, str, list[str]]
) -> None:
    settings = OpSettings(op="tags-add")
    job = parse_row(2, values, find_columns(headers, settings), settings, region="MX")
    assert not isinstance(job, tuple)
    kind, value, tags = expected
    assert getattr(job.ref, kind) == value
    assert job.payload == {"tags": tags}


def test_a_file_without_contact_columns_is_refused() -> None:
    with pytest.raises(InputError, match="contact_id, email or phone"):
        find_columns(["nombre", "tags"], OpSettings(op="tags-add"))
    with pytest.raises(InputError, match="tags"):
        find_columns(["email"], OpSettings(op="tags-add"))


# -- tags -----------------------------------------------------------------------------------


def test_tags_add_by_id_email_and_phone_with_row_failures(sandbox: Any, tmp_path: Path) -> None:
    ids = sandbox.admin.seed(sandbox.location_id, contacts=[
        {"firstName": "Ana", "email": "ana@ejemplo.mx", "tags": ["cliente"]},
        {"firstName": "Beto", "phone": "+525512345678"},
        {"firstName": "Carla", "email": "carla@ejemplo.mx"},
        {"firstName": "Borrada", "email": "borrada@ejemplo.mx"},
    ])  # fmt: skip
    other_loc, _ = sandbox.admin.create_location()
    [foreign] = sandbox.admin.seed(other_loc, contacts=[{"email": "ajeno@ejemplo.mx"}])
    assert run(sandbox, "delete", _one_id(tmp_path, ids[3]), "--yes").exit_code == 0
    src = write_csv(tmp_path / "etiquetas.csv", ["contact_id", "correo", "teléfono", "etiquetas"], [
        ["", "ANA@ejemplo.mx", "", "VIP, cliente"],
        ["", "", "55 1234 5678", "vip"],
        [ids[2], "", "", "vip"],
        ["", "nadie@ejemplo.mx", "", "vip"],
        [ids[3], "", "", "vip"],          # deleted
        [foreign, "", "", "vip"],         # another location
        ["zzzzzzzzzzzzzzzzzzzz", "", "", "vip"],  # unknown id
        ["", "ana@ejemplo.mx", "", ""],   # no tags
    ])  # fmt: skip
    result = run(sandbox, "tags", "add", str(src), "--default-region", "MX", "--json")
    assert result.exit_code == 3, result.output
    summary = json.loads(result.stdout)
    assert summary["by_action"] == {"tagged": 3}
    assert summary["by_error"] == {"contact-not-found": 4, "missing-value": 1}
    now = contacts(sandbox)
    assert now[ids[0]]["tags"] == ["cliente", "vip"]
    assert now[ids[1]]["tags"] == ["vip"] and now[ids[2]]["tags"] == ["vip"]
    assert sandbox.admin.contacts(other_loc)[0]["tags"] == []
    fails = {r["_row"]: r for r in read_csv(tmp_path / "etiquetas.tags-add.failures.csv")}
    assert set(fails) == {"5", "6", "7", "8", "9"}
    assert fails["7"]["_error_message"] == "contact does not belong to location"
    assert fails["5"]["correo"] == "nadie@ejemplo.mx"  # the user's columns are kept
    ok = read_csv(tmp_path / "etiquetas.tags-add.success.csv")
    # the file has its own contact_id column, so ours is _contact_id
    assert [(r["_row"], r["_contact_id"], r["action"]) for r in ok] == [
        ("2", ids[0], "tagged"), ("3", ids[1], "tagged"), ("4", ids[2], "tagged")]


def _one_id(tmp_path: Path, cid: str) -> str:
    return str(write_csv(tmp_path / f"del-{cid}.csv", ["contact_id"], [[cid]]))


def test_tags_are_grouped_by_tag_set_and_chunked(sandbox: Any, tmp_path: Path) -> None:
    ids = seed(sandbox, 45)
    rows = [[cid, "a, b" if i % 3 else "c"] for i, cid in enumerate(ids)]
    src = write_csv(tmp_path / "t.csv", ["id", "tags"], rows)
    result = run(sandbox, "tags", "add", str(src), "--chunk-size", "10", "--tags", "extra",
                 "--tag-column", "tags")
    assert result.exit_code == 0, result.output
    calls = api_calls(sandbox, "/contacts/bulk/tags/update/add")
    groups = {"a|b": 30, "c": 15}
    assert len(calls) == sum(math.ceil(n / 10) for n in groups.values())
    now = contacts(sandbox)
    assert now[ids[0]]["tags"] == ["c", "extra"] and now[ids[1]]["tags"] == ["a", "b", "extra"]


def test_a_422_on_a_large_tag_chunk_halves_it(sandbox: Any, tmp_path: Path) -> None:
    sandbox.admin.set_limits(max_bulk_tag_ids=30)
    ids = seed(sandbox, 80)
    src = write_csv(tmp_path / "t.csv", ["contact_id"], [[c] for c in ids])
    result = run(sandbox, "tags", "add", str(src), "--tags", "migrado", "--json")
    assert result.exit_code == 0, result.output
    assert all(c["tags"] == ["migrado"] for c in contacts(sandbox).values())
    statuses = [r["status"] for r in api_calls(sandbox, "/bulk/tags/")]
    # 80 -> 422; halves of 40 -> 422 each; from then on chunks of at most 20
    assert statuses.count(422) == 3
    assert statuses.count(201) == 4


def test_tags_remove_and_remove_all(sandbox: Any, tmp_path: Path) -> None:
    ids = seed(sandbox, 3, tags=["a", "b", "c"])
    src = write_csv(tmp_path / "t.csv", ["contact_id"], [[c] for c in ids[:2]])
    assert run(sandbox, "tags", "remove", str(src), "--tags", "a,b").exit_code == 0
    assert [contacts(sandbox)[c]["tags"] for c in ids] == [["c"], ["c"], ["a", "b", "c"]]
    src2 = write_csv(tmp_path / "u.csv", ["contact_id"], [[ids[2]]])
    assert run(sandbox, "tags", "remove", str(src2), "--all").exit_code == 0
    assert contacts(sandbox)[ids[2]]["tags"] == []
    assert run(sandbox, "tags", "add", str(src2), "--all").exit_code == 2


def test_only_tags_remove_offers_all() -> None:
    add_help = CliRunner().invoke(main, ["tags", "add", "-h"]).output
    remove_help = CliRunner().invoke(main, ["tags", "remove", "-h"]).output
    assert "--all" not in add_help and "--all " in remove_help
    typo = CliRunner().invoke(main, ["tags", "add", "x.csv", "--tag", "a"])
    assert typo.exit_code == 2 and "'--all'" not in typo.output and "'--tags'" in typo.output


def test_email_lookups_are_cached_and_ambiguity_is_reported(sandbox: Any, tmp_path: Path
                                                            ) -> None:
    sandbox.admin.seed(sandbox.location_id, contacts=[
        {"email": "ana@ejemplo.mx"}, {"email": "beto@ejemplo.mx", "phone": "+525511112222"},
        {"phone": "+525533334444"},
    ])  # fmt: skip
    src = write_csv(tmp_path / "t.csv", ["email", "phone", "tags"], [
        ["ana@ejemplo.mx", "", "a"], ["Ana@Ejemplo.mx", "", "b"], ["ana@ejemplo.mx", "", "c"],
        ["beto@ejemplo.mx", "+52 55 3333 4444", "d"],   # email and phone: two contacts
        ["no-es-correo", "", "e"],
    ])  # fmt: skip
    result = run(sandbox, "tags", "add", str(src), "--json")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["by_error"] == {"ambiguous-contact": 1, "invalid-email": 1}
    lookups = api_calls(sandbox, "/contacts/search/duplicate")
    assert len(lookups) == 3  # ana once, beto's email, the phone


# -- business -------------------------------------------------------------------------------


def test_business_assign_sends_ceil_n_over_50_calls(sandbox: Any, tmp_path: Path) -> None:
    ids = seed(sandbox, 120, businessId="old-biz")
    other = seed(sandbox, 10)
    rows = [[c, "biz-a"] for c in ids] + [[c, "biz-b"] for c in other]
    rows.append(["zzzzzzzzzzzzzzzzzzzz", "biz-b"])
    src = write_csv(tmp_path / "b.csv", ["contact_id", "business_id"], rows)
    result = run(sandbox, "business", "assign", str(src), "--json")
    assert result.exit_code == 3, result.output
    summary = json.loads(result.stdout)
    assert summary["by_action"] == {"assigned": 130}
    assert summary["by_error"] == {"contact-not-found": 1}
    calls = api_calls(sandbox, "/contacts/bulk/business")
    assert len(calls) == math.ceil(120 / 50) + 1
    now = contacts(sandbox)
    assert {now[c].get("businessId") for c in ids} == {"biz-a"}
    assert {now[c].get("businessId") for c in other} == {"biz-b"}
    assert len(api_calls(sandbox, "/contacts/search")) == 4  # previous ids, one per call


def test_business_remove_and_no_previous(sandbox: Any, tmp_path: Path) -> None:
    ids = seed(sandbox, 3, businessId="biz")
    src = write_csv(tmp_path / "b.csv", ["contact_id"], [[c] for c in ids])
    result = run(sandbox, "business", "remove", str(src), "--no-previous")
    assert result.exit_code == 0, result.output
    assert all("businessId" not in c for c in contacts(sandbox).values())
    assert api_calls(sandbox, "/contacts/search") == []
    assert run(sandbox, "business", "assign", str(src)).exit_code == 1  # no business given


# -- dry run and delete ---------------------------------------------------------------------


def test_dry_run_sends_nothing(sandbox: Any, tmp_path: Path) -> None:
    ids = seed(sandbox, 5)
    src = write_csv(tmp_path / "t.csv", ["contact_id", "email"],
                    [[c, ""] for c in ids] + [["", "x@ejemplo.mx"], ["", "no-es-correo"]])
    sandbox.admin.clear_requests()
    for args in (["tags", "add", str(src), "--tags", "a"], ["delete", str(src)],
                 ["business", "assign", str(src), "--business-id", "b"]):
        result = run(sandbox, *args, "--dry-run", "--json")
        assert result.exit_code == 3, result.output  # the last two rows would fail
        plan = json.loads(result.stdout)["dry_run"]
        assert plan["rows"] == 7 and plan["runnable"] == 5 and plan["contacts_resolved"]
        assert plan["failures"] == {"contact-not-found": 1, "invalid-email": 1}
    # only read-only lookups went out (the email, then the ids' existence and tags)
    assert {(r["method"], r["path"].split("?")[0]) for r in api_calls(sandbox)} == {
        ("GET", "/contacts/search/duplicate"), ("POST", "/contacts/search")}
    assert all(c.get("tags") == [] for c in contacts(sandbox).values())
    listing = run(sandbox, "delete", str(src), "--dry-run").output
    assert f"row 2: id {ids[0]}" in listing
    assert "row 7: contact-not-found: no contact has email x@ejemplo.mx" in listing
    assert not (tmp_path / ".bulkio").exists()


def test_delete_without_a_terminal_asks_for_yes(sandbox: Any, tmp_path: Path) -> None:
    ids = seed(sandbox, 3)
    src = write_csv(tmp_path / "d.csv", ["contact_id"], [[c] for c in ids[:2]])
    for stdin in (None, "y\n"):  # nothing to read, or a pipe: nobody saw the question
        refused = run(sandbox, "delete", str(src), input=stdin)
        assert refused.exit_code == 1, refused.output
        assert "no terminal to confirm on; add --yes to delete 2 contacts" in refused.output
        assert len(contacts(sandbox)) == 3


def test_delete_asks_for_confirmation(sandbox: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr("bulkio.cli.bulk._interactive", lambda: True)
    ids = seed(sandbox, 3)
    src = write_csv(tmp_path / "d.csv", ["contact_id"], [[c] for c in ids[:2]])
    refused = run(sandbox, "delete", str(src), input="n\n")
    assert refused.exit_code == 1
    assert "Delete 2 contacts" in refused.output
    assert len(contacts(sandbox)) == 3
    accepted = run(sandbox, "delete", str(src), input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert set(contacts(sandbox)) == {ids[2]}
    again = run(sandbox, "delete", str(src), "--yes", "--json")
    assert again.exit_code == 3
    assert json.loads(again.stdout)["by_error"] == {"contact-not-found": 2}


# -- runs -----------------------------------------------------------------------------------


def test_runs_lists_and_shows_runs(sandbox: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    ids = seed(sandbox, 2)
    src = write_csv(tmp_path / "t.csv", ["contact_id"], [[c] for c in ids])
    result = run(sandbox, "tags", "add", "t.csv", "--tags", "x", "--json")
    run_id = json.loads(result.stdout)["run_id"]
    listing = CliRunner().invoke(main, ["runs", "--json"])
    assert listing.exit_code == 0
    [doc] = json.loads(listing.stdout)["runs"]
    assert doc["id"] == run_id and doc["command"] == "tags add"
    assert doc["file"] == str(src.resolve()) and doc["succeeded"] == 2
    assert doc["location_id"] == sandbox.location_id
    text = CliRunner().invoke(main, ["runs"]).output
    assert run_id in text and "tags add" in text
    shown = CliRunner().invoke(main, ["runs", "show", run_id[:-1]])
    assert shown.exit_code == 0 and "tags (done)" in shown.output
    missing = CliRunner().invoke(main, ["runs", "show", "nope"])
    assert missing.exit_code == 1 and "bulkio runs" in missing.output
    elsewhere = CliRunner().invoke(main, ["runs", "--journal", str(tmp_path / "x.db")])
    assert elsewhere.exit_code == 1 and "no run journal" in elsewhere.output


def test_runs_show_and_undo_take_the_journal_and_hints_repeat_it(
    sandbox: Any, tmp_path: Path, monkeypatch: Any,
) -> None:
    ids = seed(sandbox, 1)
    folder = tmp_path / "clientes"
    folder.mkdir()
    write_csv(folder / "t.csv", ["contact_id"], [[ids[0]]])
    result = run(sandbox, "tags", "add", str(folder / "t.csv"), "--tags", "x", "--json",
                 "--journal", str(folder / ".bulkio" / "journal.db"))
    run_id = json.loads(result.stdout)["run_id"]
    monkeypatch.chdir(tmp_path)  # no journal here: only --journal finds the run
    journal = str(Path("clientes") / ".bulkio" / "journal.db")
    for argv in (["runs", "show", run_id, "--journal", journal],
                 ["runs", "--journal", journal, "show", run_id]):
        shown = CliRunner().invoke(main, argv)
        assert shown.exit_code == 0, shown.output
        assert run_id in shown.output and "tags (done)" in shown.output
    for argv in (["runs", "show", "nope", "--journal", journal],
                 ["runs", "--journal", journal, "show", "nope"],
                 ["undo", "nope", "--journal", journal, "--dry-run"],
                 ["retry", "nope", "--journal", journal, "--sandbox"]):
        missing = CliRunner().invoke(main, argv)
        assert missing.exit_code == 1, (argv, missing.output)
        assert f"`bulkio runs --journal {journal}`" in missing.output, (argv, missing.output)
    monkeypatch.delenv("BULKIO_STATE_DIR")
    monkeypatch.chdir(folder)  # the state home is found from here: clientes/.bulkio
    plain = CliRunner().invoke(main, ["runs", "show", "nope"])
    assert plain.exit_code == 1 and "`bulkio runs`" in plain.output


def test_xlsx_in_xlsx_reports_out(sandbox: Any, tmp_path: Path) -> None:
    from openpyxl import Workbook, load_workbook

    ids = seed(sandbox, 2)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Clientes"
    ws.append(["Lista de etiquetas"])  # a title row above the header
    ws.append(["ID", "Etiquetas"])
    ws.append([ids[0], "vip"])
    ws.append(["zzzzzzzzzzzzzzzzzzzz", "vip"])
    wb.save(tmp_path / "clientes.xlsx")
    result = run(sandbox, "tags", "add", str(tmp_path / "clientes.xlsx"), "--header-row", "2")
    assert result.exit_code == 3, result.output
    ok = load_workbook(tmp_path / "clientes.tags-add.success.xlsx")["Success"]
    assert [c.value for c in ok[2]][:3] == [3, ids[0], "tagged"]
    bad = load_workbook(tmp_path / "clientes.tags-add.failures.xlsx")["Failures"]
    assert [c.value for c in bad[2]][:2] == [4, "contact-not-found"]


def test_delete_resume_reports_contacts_this_run_already_deleted_as_deleted(
    sandbox: Any, tmp_path: Path,
) -> None:
    ids = seed(sandbox, 2)
    src = write_csv(tmp_path / "borrar.csv", ["contact_id"], [[i] for i in ids])
    # the first delete goes through but its answer is lost: the resend meets a 404
    sandbox.admin.set_faults(sequence=["drop_after_commit"], method="DELETE")
    first = run(sandbox, "delete", str(src), "--yes", "--json")
    sandbox.admin.clear_faults()
    assert json.loads(first.stdout)["failed"] == 1, first.output
    again = run(sandbox, "delete", str(src), "--yes", "--resume", "--json")
    assert again.exit_code == 0, again.output
    doc = json.loads(again.stdout)
    assert doc["failed"] == 0 and doc["by_action"] == {"deleted": 2}
    assert sandbox.admin.contacts(sandbox.location_id) == []
