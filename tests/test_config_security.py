"""The token goes only where the user meant: https or loopback http, the base URL and its
origin named on stderr before any request, tokens with whitespace refused, readable
config files warned about. The CLI tests use a real command against a closed port."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulkio.cli import main
from bulkio.config import load_settings
from bulkio.errors import ConfigError

TOKEN = "pit-SECURITY-SECRET-7"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("BULKIO_TOKEN", "BULKIO_LOCATION_ID", "BULKIO_BASE_URL",
                 "BULKIO_API_VERSION", "BULKIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("url", [
    "https://services.leadconnectorhq.com", "https://proxy.example.com:8443/api",
    "http://127.0.0.1:8000", "http://127.5.5.5", "http://localhost:9", "http://[::1]:9",
])
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    s = load_settings(location_id="L", base_url=url, environ={"BULKIO_TOKEN": TOKEN})
    assert s.base_url == url.rstrip("/")


@pytest.mark.parametrize(("where", "expected"), [
    ("flag", "base URL from --base-url uses plain http to 10.0.0.5"),
    ("env", "base URL from BULKIO_BASE_URL uses plain http to 10.0.0.5"),
    ("file", "base URL from bulkio.toml uses plain http to 10.0.0.5"),
])
def test_plain_http_elsewhere_is_refused_naming_https(where: str, expected: str) -> None:
    env = {"BULKIO_TOKEN": TOKEN}
    flag = None
    url = "http://10.0.0.5:8080"
    if where == "flag":
        flag = url
    elif where == "env":
        env["BULKIO_BASE_URL"] = url
    else:
        Path("bulkio.toml").write_text(f'base_url = "{url}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(location_id="L", base_url=flag, environ=env)
    assert str(info.value).startswith(expected)
    assert "use https" in str(info.value) and "\n" not in str(info.value)


def test_a_non_https_scheme_is_refused() -> None:
    with pytest.raises(ConfigError, match="must be an https:// address"):
        load_settings(location_id="L", base_url="ftp://x.example",
                      environ={"BULKIO_TOKEN": TOKEN})


@pytest.mark.parametrize(("token", "kind"), [
    ("pit-abc\ndef", "a line break"), ("pit-abc def", "a space or tab"),
    ("pit-abc\tdef", "a space or tab"),
])
def test_a_token_with_whitespace_is_refused_without_showing_it(token: str, kind: str) -> None:
    Path("bulkio.toml").write_text(f'token = "{token.encode("unicode_escape").decode()}"\n',
                                   encoding="utf-8")
    os.chmod("bulkio.toml", 0o600)
    for env in ({"BULKIO_TOKEN": token}, {}):
        with pytest.raises(ConfigError) as info:
            load_settings(location_id="L", environ=env)
        assert f"contains {kind}" in str(info.value)
        assert "pit-abc" not in str(info.value) and "\n" not in str(info.value)


def test_a_trailing_newline_from_the_shell_is_forgiven() -> None:
    assert load_settings(location_id="L", environ={"BULKIO_TOKEN": TOKEN + "\n"}).token == TOKEN


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_names_the_base_url_and_its_origin_before_any_request(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    cfg = tmp_path / "bulkio.toml"
    cfg.write_text(f'token = "{TOKEN}"\nlocation_id = "L"\nbase_url = "{url}"\n',
                   encoding="utf-8")
    os.chmod(cfg, 0o600)
    result = CliRunner().invoke(main, ["export", "-o", str(tmp_path / "c.csv")])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"bulkio: API at {url} (base URL from bulkio.toml)"
    assert lines[-1].startswith("Error: ")
    assert TOKEN not in result.output

    result = CliRunner().invoke(main, ["export", "-o", str(tmp_path / "c.csv"),
                                       "--base-url", "http://example.com"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [result.stderr.splitlines()[0]]
    assert result.stderr.startswith("Error: base URL from --base-url uses plain http to "
                                    "example.com: the token would travel unencrypted; use https")


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX-only")
def test_a_config_file_readable_by_others_gets_the_chmod_fix(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    cfg = tmp_path / "bulkio.toml"
    cfg.write_text(f'token = "{TOKEN}"\nlocation_id = "L"\n', encoding="utf-8")
    os.chmod(cfg, 0o644)
    with caplog.at_level("WARNING", logger="bulkio.config"):
        load_settings(environ={})
    assert caplog.messages == [
        "bulkio.toml holds the API token and other users can read it; "
        "fix: chmod 600 bulkio.toml"]
    caplog.clear()
    os.chmod(cfg, 0o600)
    with caplog.at_level("WARNING", logger="bulkio.config"):
        load_settings(environ={})
    assert caplog.messages == []
    # no token in the file: nothing to protect
    cfg.write_text('location_id = "L"\n', encoding="utf-8")
    os.chmod(cfg, 0o644)
    with caplog.at_level("WARNING", logger="bulkio.config"):
        load_settings(environ={"BULKIO_TOKEN": TOKEN})
    assert caplog.messages == []
