"""Settings precedence (flags > env > TOML), config file discovery, errors, secrecy."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bulkio.api.wire import DEFAULT_BASE_URL
from bulkio.cli.options import ApiOptions, abort_on_errors, api_options, open_target
from bulkio.config import Settings, find_config_file, load_profiles, load_settings, mask_token
from bulkio.errors import ConfigError

TOKEN = "pit-CONFIG-SECRET-42"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No BULKIO_* from the developer's shell, cwd and HOME in a temp dir."""
    for name in ("BULKIO_TOKEN", "BULKIO_LOCATION_ID", "BULKIO_BASE_URL",
                 "BULKIO_API_VERSION", "BULKIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_flags_win_over_env_which_win_over_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    write(Path("bulkio.toml"), f'token = "{TOKEN}"\nlocation_id = "from-file"\n'
          'base_url = "https://file.test"\napi_version = "2021-07-28"\nmax_in_flight = 4\n')
    s = load_settings()
    assert (s.token, s.location_id, s.base_url, s.api_version, s.max_in_flight) == (
        TOKEN, "from-file", "https://file.test", "2021-07-28", 4)
    assert s.config_path == Path("bulkio.toml")

    monkeypatch.setenv("BULKIO_LOCATION_ID", "from-env")
    monkeypatch.setenv("BULKIO_BASE_URL", "https://env.test/")
    monkeypatch.setenv("BULKIO_API_VERSION", "v3")
    monkeypatch.setenv("BULKIO_TOKEN", "pit-env-token")
    s = load_settings()
    assert (s.token, s.location_id, s.base_url, s.api_version) == (
        "pit-env-token", "from-env", "https://env.test", "v3")

    s = load_settings(location_id="from-flag", base_url="https://flag.test",
                      api_version="2021-07-28")
    assert (s.location_id, s.base_url, s.api_version) == (
        "from-flag", "https://flag.test", "2021-07-28")


def test_defaults_when_only_token_and_location_are_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULKIO_TOKEN", TOKEN)
    s = load_settings(location_id="loc")
    assert (s.base_url, s.api_version, s.max_in_flight, s.config_path) == (
        DEFAULT_BASE_URL, "v3", 64, None)


def test_config_file_search_order(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home_cfg = write(isolated / "home" / ".config" / "bulkio" / "config.toml", 'token = "h"\n')
    assert find_config_file() == home_cfg
    write(Path("bulkio.toml"), 'token = "cwd"\n')
    assert find_config_file() == Path("bulkio.toml")
    env_cfg = write(isolated / "env.toml", 'token = "e"\n')
    monkeypatch.setenv("BULKIO_CONFIG", str(env_cfg))
    assert find_config_file() == env_cfg
    flag_cfg = write(isolated / "flag.toml", 'token = "f"\nlocation_id = "L"\n')
    assert find_config_file(flag_cfg) == flag_cfg
    assert load_settings(config_path=flag_cfg).token == "f"


@pytest.mark.parametrize(
    ("setup", "kwargs", "fragment"),
    [
        ("", {"location_id": "L"}, "no API token"),
        (f'token = "{TOKEN}"\n', {}, "no location id"),
        (f'token = "{TOKEN}"\nlocation_id = "L"\napi_version = "2019"\n', {},
         "unsupported API version"),
        (f'token = "{TOKEN}"\nlocation_id = "L"\nbase_url = "services.example"\n', {},
         "must be an https:// address"),
        ('token = "unterminated\n', {}, "not valid TOML"),
        (f'token = "{TOKEN}"\nlocation = "L"\n', {}, "unknown setting(s) location"),
        (f'token = "{TOKEN}"\nlocation_id = 42\n', {}, "location_id must be a string"),
        (f'token = "{TOKEN}"\nlocation_id = "L"\nmax_in_flight = "8"\n', {},
         "max_in_flight must be a whole number"),
        (f'token = "{TOKEN}"\nlocation_id = "L"\nmax_in_flight = 0\n', {}, "max_in_flight"),
    ],
)
def test_bad_or_missing_settings_raise_one_line_config_errors(
    setup: str, kwargs: dict[str, str], fragment: str
) -> None:
    if setup:
        write(Path("bulkio.toml"), setup)
    with pytest.raises(ConfigError) as info:
        load_settings(**kwargs)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert info.value.hint, "every config error says what to do next"
    assert TOKEN not in message and TOKEN not in info.value.hint


def test_missing_token_hint_points_to_env_and_never_the_command_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(location_id="L")
    assert "BULKIO_TOKEN" in info.value.hint


def test_explicit_config_must_exist(isolated: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(config_path=isolated / "nope.toml")


def test_settings_repr_and_str_hide_the_token() -> None:
    s = Settings(token=TOKEN, location_id="L")
    assert TOKEN not in repr(s) and TOKEN not in str(s) and TOKEN not in f"{s}"
    assert "L" in repr(s)


# -- the CLI bundle ----------------------------------------------------------------------


@click.command()
@api_options
def probe(api: ApiOptions) -> None:
    """Print where requests would go."""
    logging.getLogger("bulkio.client").info("GET /contacts/x -> 200 (3 ms)")
    with abort_on_errors(), open_target(api) as target:
        # a careless log line: the target registered its token for redaction
        logging.getLogger("bulkio.client").info("oops %s", target.token)
        click.echo(f"{target.base_url} {target.location_id} {target.api_version} {target!r}")


def test_api_options_resolve_a_target_from_flags_env_and_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write(Path("bulkio.toml"), f'token = "{TOKEN}"\nlocation_id = "from-file"\n')
    result = CliRunner().invoke(probe, ["--base-url", "http://127.0.0.1:9", "-v"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("http://127.0.0.1:9 from-file v3 ")
    assert TOKEN not in result.output

    monkeypatch.setenv("BULKIO_LOCATION_ID", "from-env")
    result = CliRunner().invoke(probe, ["--api-version", "2021-07-28"])
    assert result.stdout.startswith(f"{DEFAULT_BASE_URL} from-env 2021-07-28 ")


def test_verbose_logs_requests_to_stderr_and_redacts_the_token() -> None:
    write(Path("bulkio.toml"), f'token = "{TOKEN}"\nlocation_id = "L"\n')
    quiet = CliRunner().invoke(probe, [])
    assert "GET /contacts/x" not in quiet.stderr
    loud = CliRunner().invoke(probe, ["-v"])
    assert "GET /contacts/x -> 200 (3 ms)" in loud.stderr
    assert "GET /contacts/x" not in loud.stdout
    assert "oops ***" in loud.stderr and TOKEN not in loud.output


def test_missing_settings_abort_with_exit_1_and_a_hint() -> None:
    result = CliRunner().invoke(probe, ["--location-id", "L"])
    assert result.exit_code == 1
    assert "Error: no API token" in result.stderr
    assert "BULKIO_TOKEN" in result.stderr
    assert "Traceback" not in result.output


def test_help_lists_the_bundle() -> None:
    result = CliRunner().invoke(probe, ["--help"])
    for opt in ("--location-id", "--base-url", "--api-version", "--config", "--sandbox",
                "--sandbox-db", "--quiet", "--verbose"):
        assert opt in result.output


# -- profiles ---------------------------------------------------------------------------

PROFILES = """
token = "pit-top-level-token-000000"
location_id = "topLevelLocation"

[profiles.cancun]
location_id = "cancunLocation"
token_env = "CANCUN_TOKEN"

[profiles.merida]
location_id = "meridaLocation"
token = "pit-merida-inline-token-0000"
base_url = "http://127.0.0.1:8765"
max_in_flight = 16
"""


def _profiles_file(tmp_path: Path, text: str = PROFILES) -> Path:
    path = tmp_path / "bulkio.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_profile_replaces_the_top_level_and_the_environment(tmp_path: Path) -> None:
    path = _profiles_file(tmp_path)
    env = {"CANCUN_TOKEN": "pit-cancun-from-env-00000", "BULKIO_TOKEN": "pit-ambient-0000000",
           "BULKIO_LOCATION_ID": "ambientLocation"}
    s = load_settings(config_path=path, profile="cancun", environ=env)
    assert (s.token, s.location_id, s.base_url, s.profile) == (
        "pit-cancun-from-env-00000", "cancunLocation", DEFAULT_BASE_URL, "cancun")
    m = load_settings(config_path=path, environ={"BULKIO_PROFILE": "merida"})
    assert (m.token, m.location_id, m.base_url, m.max_in_flight) == (
        "pit-merida-inline-token-0000", "meridaLocation", "http://127.0.0.1:8765", 16)


def test_a_flag_still_wins_over_the_profile(tmp_path: Path) -> None:
    path = _profiles_file(tmp_path)
    s = load_settings(config_path=path, profile="merida", location_id="typedLocation",
                      environ={})
    assert s.location_id == "typedLocation"


def test_without_a_profile_the_top_level_applies(tmp_path: Path) -> None:
    s = load_settings(config_path=_profiles_file(tmp_path), environ={})
    assert (s.token, s.location_id, s.profile) == (
        "pit-top-level-token-000000", "topLevelLocation", None)


def test_profile_token_env_unset_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(config_path=_profiles_file(tmp_path), profile="cancun", environ={})
    assert str(info.value) == "profile cancun has no token"
    assert info.value.hint == "set CANCUN_TOKEN"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[profiles.x]\ntoken = "t"\n', "profile x has no location_id"),
        ('[profiles.x]\nlocation_id = "l"\ntoken = "t"\ntoken_env = "V"\n',
         "profile x has both token and token_env"),
        ('[profiles.x]\nlocation_id = "l"\ntokn = "t"\n', "profile x: unknown setting(s) tokn"),
        ('[profiles.x]\nlocation_id = "l"\nmax_in_flight = "8"\n',
         "profile x: max_in_flight has the wrong type"),
    ],
)
def test_invalid_profiles_are_one_line_errors(tmp_path: Path, table: str, message: str) -> None:
    path = _profiles_file(tmp_path, table)
    with pytest.raises(ConfigError) as info:
        load_profiles(path, environ={})
    assert str(info.value) == f"{path}: {message}"


def test_load_profiles_keeps_file_order_and_masks_in_repr(tmp_path: Path) -> None:
    _path, profiles = load_profiles(_profiles_file(tmp_path),
                                   environ={"CANCUN_TOKEN": "pit-cancun-from-env-00000"})
    assert [(p.name, p.token_source) for p in profiles] == [
        ("cancun", "env CANCUN_TOKEN"), ("merida", "inline")]
    assert "pit-cancun" not in repr(profiles[0]) and "pit-cancun" not in str(profiles[0])
    assert mask_token(profiles[0].token) == "pit-…0000"
    assert mask_token("short") == "****" and mask_token(None) == "(unset)"


def test_wait_for_quota_reaches_the_clients_pacer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    monkeypatch.setenv("BULKIO_TOKEN", TOKEN)
    monkeypatch.setenv("BULKIO_CONFIG", str(_profiles_file(tmp_path)))
    with open_target(ApiOptions(location_id="loc", wait_for_quota=True)) as target:
        assert target.wait_for_quota
        assert target.client().pacer.wait_for_quota
    with open_target(ApiOptions(location_id="loc")) as target:
        assert not target.client().pacer.wait_for_quota
