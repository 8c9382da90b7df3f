"""``bulkio sandbox serve|reset|status|fields`` and persistence of a sandbox database file."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.sandbox import Sandbox
from bulkio.sandbox.fields import copy_fields
from bulkio.sandbox.storage import Store

if TYPE_CHECKING:
    from tests.conftest import SandboxHandle

ROOT = Path(__file__).resolve().parents[2]


def test_file_db_keeps_contacts_token_and_location(tmp_path: Path) -> None:
    db = tmp_path / "sb.db"
    with Sandbox(db) as sb:
        token, loc = sb.token, sb.location_id
        sb.admin.seed(loc, count=3)
    with Sandbox(db) as sb:
        assert (sb.token, sb.location_id) == (token, loc)
        assert len(sb.admin.contacts(loc)) == 3


def test_status_and_reset(tmp_path: Path) -> None:
    db = tmp_path / "sb.db"
    with Sandbox(db) as sb:
        loc = sb.location_id
        sb.admin.seed(loc, count=2)
    runner = CliRunner()
    r = runner.invoke(main, ["sandbox", "status", "--db", str(db)])
    assert r.exit_code == 0
    assert "contacts:      2" in r.output and loc in r.output
    r = runner.invoke(main, ["sandbox", "reset", "--db", str(db)])
    assert r.exit_code == 0
    r = runner.invoke(main, ["sandbox", "status", "--db", str(db)])
    assert "contacts:      0" in r.output and loc in r.output


def test_status_without_db_is_one_clear_line(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["sandbox", "status", "--db", str(tmp_path / "none.db")])
    assert r.exit_code == 1
    assert "bulkio sandbox serve" in r.output
    assert "Traceback" not in r.output


def test_help_starts_with_a_line_then_an_example() -> None:
    for cmd in ("serve", "reset", "status"):
        r = CliRunner().invoke(main, ["sandbox", cmd, "-h"])
        assert r.exit_code == 0
        assert "Example:" in r.output and f"bulkio sandbox {cmd}" in r.output


def test_serve_prints_url_location_token_and_serves(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "bulkio", "sandbox", "serve", "--port", "0",
           "--db", str(tmp_path / "serve.db")]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = dict(proc.stdout.readline().split(":", 1) for _ in range(3))
        url, loc, token = (lines[k].strip() for k in ("base URL", "location id", "token"))
        assert url.startswith("http://127.0.0.1:")
        headers = {"Authorization": f"Bearer {token}", "Version": "v3"}
        r = httpx.post(f"{url}/contacts/", headers=headers,
                       json={"locationId": loc, "email": "cli@x.com"})  # fmt: skip
        assert r.status_code == 201
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0


# ------------------------------------------------------------------ serve: bad input


@pytest.fixture
def no_start(monkeypatch: pytest.MonkeyPatch) -> list[Sandbox]:
    """``Sandbox.start`` records the sandbox and fails as if the port were taken: a serve
    test that gets that far never blocks, and shows what the options built."""
    started: list[Sandbox] = []

    def refuse(self: Sandbox) -> Sandbox:
        started.append(self)
        raise OSError(errno.EADDRINUSE, "Address already in use")

    monkeypatch.setattr(Sandbox, "start", refuse)
    return started


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--port", "70000"),
        ("--port", "-1"),
        ("--rate-limit", "-1"),
        ("--rate-interval-ms", "0"),
        ("--rate-interval-ms", "-10"),
        ("--daily-limit", "-5"),
        ("--latency-ms", "-100"),
    ],
)
def test_serve_out_of_range_numbers_are_usage_errors(
    tmp_path: Path, no_start: list[Sandbox], option: str, value: str
) -> None:
    db = tmp_path / "sb.db"
    r = CliRunner().invoke(main, ["sandbox", "serve", option, value, "--db", str(db)])
    assert r.exit_code == 2, r.output
    assert f"Invalid value for '{option}': {value} is not in the range" in r.output
    assert "Overflow" not in r.output and "Traceback" not in r.output
    assert no_start == [] and not db.exists()


def test_serve_zero_switches_limits_off(tmp_path: Path, no_start: list[Sandbox]) -> None:
    args = ["sandbox", "serve", "--port", "0", "--rate-limit", "0", "--daily-limit", "0",
            "--latency-ms", "0", "--db", str(tmp_path / "sb.db")]  # fmt: skip
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 1  # the patched start: "port 0 is in use"
    [sb] = no_start
    limits = sb.state.limiter.limits
    assert (limits.rate_limit, limits.daily_limit) == (None, None)


@pytest.mark.parametrize(
    ("faults", "needle"),
    [
        ("notjson", "not valid JSON"),
        ("{'p503': 0.05}", "not valid JSON"),
        ("[503]", "expected a JSON object"),
        ('{"p999": 0.1}', "unknown fault setting 'p999'"),
        ('{"sequence": [418]}', "unknown fault action 418"),
        ('{"p503": -0.5}', "probability of 503 must be between 0 and 1, not -0.5"),
        ('{"p429": 5}', "probability of 429 must be between 0 and 1, not 5"),
        ('{"p503": 0.7, "p500": 0.6}', "add up to more than 1"),
        ('{"latency_ms": -5}', "latency_ms must be 0 or more"),
    ],
)
def test_serve_bad_faults_show_a_valid_example(
    tmp_path: Path, no_start: list[Sandbox], faults: str, needle: str
) -> None:
    from bulkio.sandbox.faults import FaultPlan

    r = CliRunner().invoke(main, ["sandbox", "serve", "--faults", faults,
                                  "--db", str(tmp_path / "sb.db")])  # fmt: skip
    assert r.exit_code == 2, r.output
    assert needle in r.output and no_start == []
    example = r.output.split("--faults '", 1)[1].split("'", 1)[0]
    plan = FaultPlan.from_json(json.loads(example))  # the example itself is accepted
    assert plan.probabilities


def test_serve_on_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "bulkio", "sandbox", "serve", "--port", str(port),
             "--db", str(tmp_path / "sb.db")],
            capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"Error: port {port} is in use; pick another with --port or use --port 0"
    ]


# ------------------------------------------------------------------ damaged --db

_DB_COMMANDS = [
    ["serve", "--port", "0"], ["status"], ["reset"], ["fields", "list"],
    ["fields", "add", "Plan", "--type", "TEXT"], ["fields", "remove", "Plan"],
]  # fmt: skip


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE runs (id TEXT)")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("command", _DB_COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize(
    ("kind", "needle"),
    [
        ("text", "not a sandbox database: the file is damaged or not SQLite"),
        ("foreign", "a SQLite database, but not a sandbox's (it holds tables runs)"),
    ],
)
def test_damaged_db_file_is_one_specific_line(
    tmp_path: Path, no_start: list[Sandbox], command: list[str], kind: str, needle: str
) -> None:
    db = tmp_path / "contactos.db"
    if kind == "text":
        db.write_text("email,phone\nana@x.mx,5512345678\n", encoding="utf-8")
    else:
        _foreign_sqlite(db)
    before = db.read_bytes()
    r = CliRunner().invoke(main, ["sandbox", *command, "--db", str(db)])
    assert r.exit_code == 1, r.output
    [line] = r.stderr.strip().splitlines()
    assert line.startswith(f"Error: {db}: {needle}"), line
    assert "(hint: " in line and "point to another file" in line
    assert db.read_bytes() == before and no_start == []


@pytest.mark.parametrize("command", _DB_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_db_in_a_folder_that_cannot_exist_is_one_specific_line(
    tmp_path: Path, no_start: list[Sandbox], command: list[str]
) -> None:
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    db = tmp_path / "notes.txt" / "sb.db"
    r = CliRunner().invoke(main, ["sandbox", *command, "--db", str(db)])
    assert r.exit_code == 1, r.output
    [line] = r.stderr.strip().splitlines()
    assert line.startswith(f"Error: {db}: "), line
    assert "folder" in line and "(hint: " in line and "Traceback" not in line


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize(
    ("command", "db", "needle"),
    [
        (["serve", "--port", "0"], "/proc/nope/x.db", "cannot create its folder /proc/nope"),
        (["fields", "add", "Plan", "--type", "TEXT"], "/proc/nope/x.db", "cannot create its"),
        (["status"], "/proc/nope/x.db", "no such folder /proc/nope"),
        (["reset"], "/proc/nope/x.db", "no such folder /proc/nope"),
        (["serve", "--port", "0"], "/proc/x.db", "cannot open or create the database there"),
    ],
)
def test_db_where_nothing_can_be_written(no_start: list[Sandbox], command: list[str], db: str,
                                         needle: str) -> None:  # fmt: skip
    r = CliRunner().invoke(main, ["sandbox", *command, "--db", db])
    assert r.exit_code == 1, r.output
    [line] = r.stderr.strip().splitlines()
    assert line.startswith(f"Error: {db}: {needle}"), line


def test_reset_and_list_with_the_default_db_in_a_fresh_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .bulkio/ here yet: nothing to do, not an error
    r = CliRunner().invoke(main, ["sandbox", "reset"])
    assert r.exit_code == 0 and "nothing to reset" in r.output
    r = CliRunner().invoke(main, ["sandbox", "fields", "list"])
    assert r.exit_code == 0 and "no custom fields" in r.output
    assert not (tmp_path / ".bulkio").exists()


# ------------------------------------------------------------------ sandbox fields


def _fields(runner: CliRunner, db: Path) -> list[dict[str, Any]]:
    r = runner.invoke(main, ["sandbox", "fields", "list", "--json", "--db", str(db)])
    assert r.exit_code == 0, r.output
    return list(json.loads(r.stdout)["fields"])


def test_fields_add_list_remove(tmp_path: Path) -> None:
    db = tmp_path / "sb.db"
    runner = CliRunner()
    r = runner.invoke(main, ["sandbox", "fields", "add", "Plan", "--type", "single_options",
                             "--options", "Básico, Pro,Empresarial", "--db", str(db)])  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["sandbox", "fields", "add", "Fecha de alta", "--type", "DATE",
                             "--db", str(db)])  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["sandbox", "fields", "add", "Saldo", "--type", "Monetory",
                             "--key", "contact.saldo_mxn", "--db", str(db)])  # fmt: skip
    assert r.exit_code == 0, r.output
    got = [(f["name"], f["fieldKey"], f["dataType"], f["picklistOptions"])
           for f in _fields(runner, db)]  # fmt: skip
    assert got == [
        ("Plan", "contact.plan", "SINGLE_OPTIONS", ["Básico", "Pro", "Empresarial"]),
        ("Fecha de alta", "contact.fecha_de_alta", "DATE", []),
        ("Saldo", "contact.saldo_mxn", "MONETORY", []),
    ]
    r = runner.invoke(main, ["sandbox", "fields", "list", "--db", str(db)])
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["ID", "KEY", "TYPE", "NAME", "OPTIONS"]
    assert "contact.plan" in lines[1] and lines[1].endswith("Básico,Pro,Empresarial")
    # by key, then by name (case-insensitive), then by id
    r = runner.invoke(main, ["sandbox", "fields", "remove", "contact.fecha_de_alta",
                             "--db", str(db)])  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["sandbox", "fields", "remove", "saldo", "--db", str(db)])
    assert r.exit_code == 0, r.output
    plan_id = _fields(runner, db)[0]["id"]
    r = runner.invoke(main, ["sandbox", "fields", "remove", plan_id, "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert _fields(runner, db) == []
    r = runner.invoke(main, ["sandbox", "fields", "list", "--db", str(db)])
    assert r.exit_code == 0 and "no custom fields" in r.output


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["add", "plan", "--type", "TEXT"], 1, "already exists"),
        (["add", "PLAN ", "--type", "TEXT", "--key", "other"], 1, "already exists"),
        (["add", "Nivel", "--type", "TEXT", "--key", "contact.plan"], 1, "already used"),
        (["add", "Nivel", "--type", "RADIO"], 1, "needs its options"),
        (["add", "Nivel", "--type", "TEXT", "--options", "a,b"], 1, "has no options"),
        (["add", "Nivel", "--type", "TEXT", "--key", "contact.Mal Key"], 1, "invalid field key"),
        (["add", "Nivel", "--type", "FILE_UPLOAD"], 2, "not one of TEXT, LARGE_TEXT"),
        (["add", "Nivel"], 2, "--type"),
        (["remove", "Nivel"], 1, "it has: Plan (contact.plan)"),
    ],
)
def test_fields_bad_input_is_one_line(tmp_path: Path, args: list[str], code: int,
                                      needle: str) -> None:  # fmt: skip
    db = tmp_path / "sb.db"
    runner = CliRunner()
    r = runner.invoke(main, ["sandbox", "fields", "add", "Plan", "--type", "SINGLE_OPTIONS",
                             "--options", "A,B", "--db", str(db)])  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["sandbox", "fields", *args, "--db", str(db)])
    assert r.exit_code == code, r.output
    assert needle in r.output and "Traceback" not in r.output
    if code == 1:
        assert len(r.stderr.strip().splitlines()) == 1
    assert len(_fields(runner, db)) == 1


def test_fields_remove_without_db(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["sandbox", "fields", "remove", "Plan",
                                  "--db", str(tmp_path / "none.db")])  # fmt: skip
    assert r.exit_code == 1 and "no sandbox database" in r.output
    assert not (tmp_path / "none.db").exists()


def test_added_field_is_written_and_removed_with_its_values(tmp_path: Path) -> None:
    db = tmp_path / "sb.db"
    runner = CliRunner()
    r = runner.invoke(main, ["sandbox", "fields", "add", "Plan", "--type", "SINGLE_OPTIONS",
                             "--options", "Básico,Pro", "--db", str(db)])  # fmt: skip
    assert r.exit_code == 0, r.output
    field_id = r.stdout.strip()
    with Sandbox(db, rate_limit=None) as sb:
        headers = {"Authorization": f"Bearer {sb.token}", "Version": "v3"}
        body = {"locationId": sb.location_id, "email": "ana@ejemplo.mx",
                "customFields": [{"key": "contact.plan", "field_value": "Pro"}]}  # fmt: skip
        resp = httpx.post(f"{sb.url}/contacts/upsert", headers=headers, json=body)
        assert resp.status_code in (200, 201), resp.text
        body["customFields"] = [{"key": "contact.plan", "field_value": "Oro"}]
        resp = httpx.post(f"{sb.url}/contacts/upsert", headers=headers, json=body)
        assert resp.status_code == 422 and "Básico, Pro" in resp.text
        [contact] = sb.admin.contacts(sb.location_id)
        assert contact["customFields"] == [{"id": field_id, "value": "Pro"}]
    r = runner.invoke(main, ["sandbox", "fields", "remove", "Plan", "--db", str(db)])
    assert r.exit_code == 0, r.output
    with Sandbox(db, rate_limit=None) as sb:
        [contact] = sb.admin.contacts(sb.location_id)
        assert contact["customFields"] == []
        assert contact["email"] == "ana@ejemplo.mx"


def _make_real_fields(sandbox: SandboxHandle) -> None:
    loc = sandbox.location_id
    sandbox.admin.create_custom_field(loc, name="Plan", data_type="SINGLE_OPTIONS",
                                      options=["Básico", "Pro", "Empresarial"])  # fmt: skip
    sandbox.admin.create_custom_field(loc, name="Intereses", data_type="MULTIPLE_OPTIONS",
                                      options=["Autos", "Casa"],
                                      field_key="contact.intereses_v2")  # fmt: skip
    sandbox.admin.create_custom_field(loc, name="Fecha de alta", data_type="DATE")
    sandbox.admin.create_custom_field(loc, name="Teléfono oficina", data_type="PHONE",
                                      field_key="contact.tel_oficina")  # fmt: skip


def test_fields_copy_from_real_location(sandbox: SandboxHandle, tmp_path: Path) -> None:
    _make_real_fields(sandbox)
    db = tmp_path / "sb.db"
    runner = CliRunner(env={"BULKIO_TOKEN": sandbox.token, "BULKIO_BASE_URL": None,
                            "BULKIO_LOCATION_ID": None, "BULKIO_CONFIG": None})  # fmt: skip
    args = ["sandbox", "fields", "copy", "--from-location-id", sandbox.location_id,
            "--base-url", sandbox.url, "--db", str(db)]  # fmt: skip
    r = runner.invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "4 created" in r.output and sandbox.token not in r.output
    real = [(f["name"], f["fieldKey"], f["dataType"], f["picklistOptions"])
            for f in sandbox.server.store.custom_fields(sandbox.location_id)]  # fmt: skip
    mine = [(f["name"], f["fieldKey"], f["dataType"], f["picklistOptions"])
            for f in _fields(runner, db)]  # fmt: skip
    assert mine == real and len(mine) == 4
    # again: nothing changes
    r = runner.invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "4 unchanged" in r.output and len(_fields(runner, db)) == 4
    # a sandbox field with the same name but other options is left alone: exit 3
    r = runner.invoke(main, ["sandbox", "fields", "remove", "Plan", "--db", str(db)])
    assert r.exit_code == 0
    r = runner.invoke(main, ["sandbox", "fields", "add", "Plan", "--type", "SINGLE_OPTIONS",
                             "--options", "Oro", "--db", str(db)])  # fmt: skip
    assert r.exit_code == 0
    r = runner.invoke(main, args)
    assert r.exit_code == 3, r.output
    assert "conflict" in r.output and "1 conflict" in r.output
    assert [f["picklistOptions"] for f in _fields(runner, db) if f["name"] == "Plan"] == [["Oro"]]


def test_fields_copy_bad_token_or_no_token_aborts(sandbox: SandboxHandle, tmp_path: Path) -> None:
    args = ["sandbox", "fields", "copy", "--from-location-id", sandbox.location_id,
            "--base-url", sandbox.url, "--db", str(tmp_path / "sb.db")]  # fmt: skip
    clean = {"BULKIO_BASE_URL": None, "BULKIO_LOCATION_ID": None, "BULKIO_CONFIG": None}
    r = CliRunner(env={**clean, "BULKIO_TOKEN": "pit-wrong"}).invoke(main, args)
    assert r.exit_code == 1 and "401" in r.output
    assert "pit-wrong" not in r.output and "Traceback" not in r.output
    (tmp_path / "bulkio.toml").write_text('base_url = "http://127.0.0.1:9"\n')
    no_config = [*args, "--config", str(tmp_path / "bulkio.toml")]
    r = CliRunner(env={**clean, "BULKIO_TOKEN": None}).invoke(main, no_config)
    assert r.exit_code == 1 and "set BULKIO_TOKEN to the real location's token" in r.output


def test_copy_fields_reports_types_the_sandbox_lacks() -> None:
    store = Store(None)
    try:
        real = [
            {"name": "Contrato", "fieldKey": "contact.contrato", "dataType": "FILE_UPLOAD"},
            {"name": "Nivel", "fieldKey": "contact.nivel", "dataType": "RADIO",
             "picklistOptions": ["Alto", "Bajo"], "model": "contact"},
            {"name": "Empresa X", "fieldKey": "opportunity.x", "dataType": "TEXT",
             "model": "opportunity"},
        ]
        outcomes = copy_fields(store, store.default_location_id, real)
        assert [(o.name, o.action) for o in outcomes] == [
            ("Contrato", "unsupported"), ("Nivel", "created")]
        assert not outcomes[0].ok and outcomes[1].ok
        [nivel] = store.custom_fields(store.default_location_id)
        assert nivel["picklistOptions"] == ["Alto", "Bajo"] and nivel["dataType"] == "RADIO"
    finally:
        store.close()


def test_fields_help_starts_with_a_line_then_an_example() -> None:
    for cmd in ("add", "list", "remove", "copy"):
        r = CliRunner().invoke(main, ["sandbox", "fields", cmd, "-h"])
        assert r.exit_code == 0
        body = r.output.split("\n\n")
        assert body[1].strip() and "Example:" in body[2]
        assert f"bulkio sandbox fields {cmd}" in body[2]


def test_rehearse_import_with_custom_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README flow: add the field the mapping names, then import into the sandbox."""
    for name in ("contactos_mx.csv", "contactos_mx.map.toml"):
        shutil.copy(ROOT / "samples" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    r = runner.invoke(main, ["import", "contactos_mx.csv", "--map", "contactos_mx.map.toml",
                             "--sandbox", "-q"])  # fmt: skip
    assert r.exit_code == 1 and "unknown custom field 'Plan'" in r.output
    r = runner.invoke(main, ["sandbox", "fields", "add", "Plan", "--type", "SINGLE_OPTIONS",
                             "--options", "Básico,Pro,Empresarial"])  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["import", "contactos_mx.csv", "--map", "contactos_mx.map.toml",
                             "--sandbox", "-q"])  # fmt: skip
    assert r.exit_code == 3, r.output
    with Sandbox(tmp_path / ".bulkio" / "sandbox.db", rate_limit=None) as sb:
        [plan] = sb.store.custom_fields(sb.location_id)
        contacts = sb.admin.contacts(sb.location_id)
    values = [next(cf["value"] for cf in c["customFields"] if cf["id"] == plan["id"])
              for c in contacts]  # fmt: skip
    assert len(contacts) == 57
    assert set(values) == {"Básico", "Pro", "Empresarial"}
