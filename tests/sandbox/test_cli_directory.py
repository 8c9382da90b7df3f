"""``bulkio sandbox locations|users|businesses``: what they create is what the API serves."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.sandbox import Sandbox


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["sandbox", *args])
    return r.exit_code, r.stdout, r.stderr


def test_help_of_each_command_starts_with_a_line_then_an_example() -> None:
    for group in ("locations", "users", "businesses"):
        for cmd in ((), ("add",), ("list",)):
            code, out, _ = run(group, *cmd, "-h")
            assert code == 0
            assert out.splitlines()[2].strip() and "Example:" in out
            assert f"bulkio sandbox {group}" in out


def test_rehearsal_directory_served_by_the_api(tmp_path: Path) -> None:
    db = str(tmp_path / "sb.db")
    code, out, _ = run("locations", "add", "Sucursal Norte", "--address", "Av. Norte 1", "--db", db)
    assert code == 0
    norte, norte_token = out.strip().split("\t")
    code, out, _ = run("users", "add", "Juan Pérez", "--email", "Juan@Agencia.mx", "--db", db,
                       "--location-id", norte)  # fmt: skip
    assert code == 0
    juan = out.strip()
    code, out, _ = run("businesses", "add", "Tacos Don Pepe", "--city", "Monterrey",
                       "--location-id", norte, "--db", db)  # fmt: skip
    assert code == 0
    business = out.strip()
    code, out, _ = run("locations", "list", "--json", "--db", db)
    listing = json.loads(out)
    assert [loc["name"] for loc in listing["locations"]] == ["Sandbox location", "Sucursal Norte"]
    code, out, _ = run("users", "list", "--location-id", norte, "--db", db)
    assert code == 0 and juan in out and "juan@agencia.mx" in out
    code, out, _ = run("businesses", "list", "--location-id", norte, "--json", "--db", db)
    assert [(b["id"], b["name"], b["city"]) for b in json.loads(out)["businesses"]] == [
        (business, "Tacos Don Pepe", "Monterrey")]  # fmt: skip
    with Sandbox(db) as sb:
        agency = httpx.Client(base_url=sb.url, timeout=10, headers={
            "Authorization": f"Bearer {listing['agencyToken']}", "Version": "v3"})  # fmt: skip
        r = agency.post("/oauth/location-token",
                        data={"companyId": listing["companyId"], "locationId": norte})  # fmt: skip
        assert r.json()["accessToken"] == norte_token
        api = httpx.Client(base_url=sb.url, timeout=10, headers={
            "Authorization": f"Bearer {norte_token}", "Version": "v3"})  # fmt: skip
        found = api.get("/businesses/", params={"locationId": norte}).json()["businesses"]
        assert [b["id"] for b in found] == [business]
        users = api.get("/users/search", params={"companyId": listing["companyId"]}).json()
        assert [u["id"] for u in users["users"]] == [juan]


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "sb.db")
    assert run("users", "add", "Ana", "--email", "nope", "--db", db)[0] == 2
    code, _, err = run("users", "add", "Ana", "--email", "a@x.mx", "--location-id", "zzz",
                       "--db", db)  # fmt: skip
    assert code == 1
    assert err.strip().splitlines() == [
        "Error: no sandbox location zzz (hint: see them with: bulkio sandbox locations list)"]
    assert run("users", "add", "Ana", "--email", "a@x.mx", "--db", db)[0] == 0
    code, _, err = run("users", "add", "Ana B", "--email", "A@x.mx", "--db", db)
    assert code == 1 and "already exists" in err
