"""``bulkio profiles`` and ``--profile``, over the sandbox; the docs example is run as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bulkio.cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs" / "agencies.md"


def _blocks(lang: str) -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def _docs_config(tmp_path: Path, sandbox: Any) -> tuple[Path, dict[str, str]]:
    """The profiles of docs/agencies.md pointed at two fresh sandbox locations."""
    toml = _blocks("toml")[0]
    other_loc, other_token = sandbox.admin.create_location()
    toml = toml.replace("ve9EPM428h8vShlRW1KT", sandbox.location_id)
    toml = toml.replace("Xq2LmN7pRt0aBcDeFgHi", other_loc)
    toml = toml.replace("https://services.leadconnectorhq.com", sandbox.url)
    toml = toml.replace('token_env = "CANCUN_TOKEN"',
                        f'token_env = "CANCUN_TOKEN"\nbase_url = "{sandbox.url}"')
    path = tmp_path / "bulkio.toml"
    path.write_text(toml, encoding="utf-8")
    return path, {"CANCUN_TOKEN": sandbox.token, "MERIDA_TOKEN": other_token}


def test_the_docs_example_runs_against_the_sandbox(tmp_path: Path, sandbox: Any,
                                                   monkeypatch: Any) -> None:
    _config, env = _docs_config(tmp_path, sandbox)
    sandbox.admin.seed(sandbox.location_id, contacts=[{"email": "ana@ejemplo.mx"}])
    monkeypatch.chdir(tmp_path)
    commands = [shlex.split(line.split("#")[0]) for line in _blocks("bash")[0].splitlines()
                if line.startswith("bulkio ")]
    assert [c[:3] for c in commands] == [["bulkio", "profiles", "--config"],
                                         ["bulkio", "profiles", "check"],
                                         ["bulkio", "export", "--profile"]]
    outputs = []
    for argv in commands:
        result = CliRunner().invoke(main, argv[1:], env=env)
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout)
    listing, checked, _ = outputs
    assert "cancun" in listing and "env CANCUN_TOKEN" in listing
    assert sandbox.token not in listing and f"pit-…{sandbox.token[-4:]}" in listing
    assert re.search(r"cancun\s+ok\s+token valid, location reachable, contacts.readonly "
                     r"\(1 contacts\)", checked), checked
    assert re.search(r"merida\s+ok\s+.*\(0 contacts\)", checked), checked
    assert "ana@ejemplo.mx" in (tmp_path / "cancun.csv").read_text(encoding="utf-8")


def test_check_names_the_profile_whose_token_fails_and_exits_1(tmp_path: Path,
                                                              sandbox: Any) -> None:
    config, env = _docs_config(tmp_path, sandbox)
    env["MERIDA_TOKEN"] = "pit-" + "0" * 32
    result = CliRunner().invoke(main, ["profiles", "check", "--config", str(config)], env=env)
    assert result.exit_code == 1
    assert re.search(r"merida\s+FAILED\s+HTTP 401: Invalid token", result.stdout)
    assert re.search(r"cancun\s+ok", result.stdout)
    assert "1 of 2 profile(s) failed: merida" in result.stderr
    assert "0" * 32 not in result.output


def test_check_reports_a_token_that_does_not_open_the_location(tmp_path: Path,
                                                               sandbox: Any) -> None:
    config, env = _docs_config(tmp_path, sandbox)
    env["MERIDA_TOKEN"] = sandbox.token  # cancun's token, merida's location
    result = CliRunner().invoke(main, ["profiles", "check", "merida", "--config", str(config)],
                                env=env)
    assert result.exit_code == 1
    assert "HTTP 403: The token does not have access to this location." in result.stdout


def test_check_without_the_token_variable_says_which_to_set(tmp_path: Path,
                                                            sandbox: Any) -> None:
    config, env = _docs_config(tmp_path, sandbox)
    del env["MERIDA_TOKEN"]
    result = CliRunner().invoke(main, ["profiles", "check", "--config", str(config)], env=env)
    assert result.exit_code == 1
    assert re.search(r"merida\s+FAILED\s+no token \(set MERIDA_TOKEN\)", result.stdout)
    listing = CliRunner().invoke(main, ["profiles", "--config", str(config)], env=env).stdout
    assert re.search(r"merida\s+\S+\s+\(unset\)\s+env MERIDA_TOKEN \(not set\)", listing)


def test_an_unknown_profile_is_a_one_line_error_listing_the_known_ones(tmp_path: Path,
                                                                      sandbox: Any) -> None:
    config, env = _docs_config(tmp_path, sandbox)
    result = CliRunner().invoke(
        main, ["export", "-o", "x.csv", "--profile", "tulum", "--config", str(config)], env=env)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: unknown profile 'tulum' ({config}) (hint: profiles defined: cancun, merida; "
        "`bulkio profiles` lists them)")


def test_bulkio_profile_beats_bulkio_location_id_but_not_the_flag(
    tmp_path: Path, sandbox: Any, monkeypatch: Any
) -> None:
    config, env = _docs_config(tmp_path, sandbox)
    sandbox.admin.seed(sandbox.location_id, contacts=[{"email": "ana@ejemplo.mx"}])
    monkeypatch.chdir(tmp_path)
    env |= {"BULKIO_PROFILE": "cancun", "BULKIO_LOCATION_ID": "someOtherLocation",
            "BULKIO_TOKEN": "pit-wrong"}
    result = CliRunner().invoke(main, ["export", "-o", "a.csv", "--config", str(config)],
                                env=env)
    assert result.exit_code == 0, result.output
    assert "ana@ejemplo.mx" in (tmp_path / "a.csv").read_text(encoding="utf-8")
    typed = CliRunner().invoke(main, ["export", "-o", "b.csv", "--config", str(config),
                                      "--location-id", "someOtherLocation"], env=env)
    assert typed.exit_code == 1
    assert "403" in typed.stderr


def test_the_agency_example_lists_locations_and_exports_one_with_an_exchanged_token(
    tmp_path: Path, sandbox: Any, monkeypatch: Any
) -> None:
    company, agency_token = sandbox.admin.create_company("Agencia Sol")
    loc, loc_token = sandbox.admin.create_location(company_id=company, name="Cancún")
    sandbox.admin.seed(loc, contacts=[{"email": "sol@ejemplo.mx"}])
    toml = _blocks("toml")[1].replace("5DP4iH6HLkQsiKESj6rh", company)
    config = tmp_path / "bulkio.toml"
    config.write_text(toml + f'base_url = "{sandbox.url}"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    env = {"AGENCY_TOKEN": agency_token}
    commands = [shlex.split(line.split("#")[0]) for line in _blocks("bash")[2].splitlines()
                if line.startswith("bulkio ")]
    listed = CliRunner().invoke(main, commands[0][1:], env=env)
    assert listed.exit_code == 0, listed.output
    assert f"{loc}\tCancún" in listed.stdout.splitlines()
    export = [a.replace("ve9EPM428h8vShlRW1KT", loc) for a in commands[1][1:]]
    result = CliRunner().invoke(main, [*export, "--config", str(config)], env=env)
    assert result.exit_code == 0, result.output
    assert "sol@ejemplo.mx" in (tmp_path / "cancun.csv").read_text(encoding="utf-8")
    assert loc_token not in result.output and agency_token not in result.output
    checked = CliRunner().invoke(main, ["profiles", "check", "--config", str(config)], env=env)
    assert checked.exit_code == 0, checked.output
    assert re.search(r"agency\s+ok\s+agency token valid, oauth.readonly \(1 locations",
                     checked.stdout)
