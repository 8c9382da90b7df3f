"""Settings from flags, environment (``BULKIO_*``) and an optional TOML file.

Precedence, strongest first: command-line flags, environment variables, the config file.
The config file is ``--config FILE``, else ``$BULKIO_CONFIG``, else ``./bulkio.toml``, else
``~/.config/bulkio/config.toml`` (the first that exists; an explicitly named file must
exist). Keys in the file are the setting names::

    token = "pit-..."            # or BULKIO_TOKEN; never accepted on the command line
    location_id = "ve9EPM428h8vShlRW1KT"
    base_url = "https://services.leadconnectorhq.com"
    api_version = "v3"           # or "2021-07-28"
    max_in_flight = 64           # the most requests in flight (the client sizes it below)

The token never appears in ``repr``/``str`` of :class:`Settings`, and goes only where the
user meant it to go:

* the base URL must be ``https://``, or plain ``http://`` to a loopback address (127.0.0.0/8,
  ``::1``, ``localhost``: the sandbox); anything else is refused before any connection;
* a base URL other than the default is logged (a warning, so the CLI shows it on stderr
  before the first request) with where it came from: ``--base-url``, ``BULKIO_BASE_URL``
  or the config file's path;
* a token holding whitespace (a space, tab or line break, e.g. pasted with a newline) is
  refused with one line that never shows the token;
* on POSIX, a config file holding a token that group or others can read gets a warning
  with the fix (``chmod 600 <file>``).

Profiles: one ``[profiles.NAME]`` table per sub-account (or per environment), selected with
``--profile NAME`` or ``BULKIO_PROFILE``; a profile's values replace the top-level ones and
the ``BULKIO_*`` variables, command-line flags still win::

    [profiles.cancun]
    location_id = "ve9EPM428h8vShlRW1KT"
    token_env = "CANCUN_TOKEN"   # the token is read from this variable (or token = "...")
    base_url = "https://services.leadconnectorhq.com"   # optional

An *agency* profile has ``company_id`` and ``app_id`` instead of ``location_id``: its token
is an agency token, exchanged for a location's own token in memory when a command names
the location (``--location-id``).

The token never appears in ``repr``/``str`` of :class:`Settings` or :class:`Profile`.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bulkio.api.client import DEFAULT_MAX_IN_FLIGHT
from bulkio.api.wire import API_VERSIONS, DEFAULT_BASE_URL
from bulkio.errors import ConfigError
from bulkio.i18n import _

__all__ = [
    "API_VERSIONS",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_IN_FLIGHT",
    "Profile",
    "Settings",
    "find_config_file",
    "load_profiles",
    "load_settings",
    "mask_token",
]

log = logging.getLogger("bulkio.config")

_KNOWN_KEYS = frozenset({"token", "location_id", "base_url", "api_version", "max_in_flight",
                         "profiles"})
_PROFILE_KEYS = frozenset({"token", "token_env", "location_id", "base_url", "api_version",
                           "max_in_flight", "company_id", "app_id"})


@dataclass(frozen=True)
class Settings:
    """Everything needed to talk to one location; ``token`` is kept out of repr/str."""

    token: str = field(repr=False)
    location_id: str
    base_url: str = DEFAULT_BASE_URL
    api_version: str = "v3"
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT
    #: the config file the settings were read from, if any
    config_path: Path | None = None
    #: the profile the settings came from, if any
    profile: str | None = None
    #: an agency profile's company: ``token`` is then the agency token, to be exchanged
    #: for ``location_id``'s own token (:func:`bulkio.api.agency.location_token`)
    company_id: str | None = None

    def __str__(self) -> str:
        return repr(self)


def find_config_file(
    config_path: str | Path | None = None, *, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The config file to read: explicit path, ``$BULKIO_CONFIG``, ./bulkio.toml, ~/.config."""
    env = os.environ if environ is None else environ
    explicit = config_path if config_path is not None else env.get("BULKIO_CONFIG") or None
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(
                _("config file not found: {path}").format(path=path),
                hint=_("check --config / BULKIO_CONFIG, or remove it to use ./bulkio.toml"),
            )
        return path
    for candidate in (Path("bulkio.toml"), Path.home() / ".config" / "bulkio" / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            _("{path}: not valid TOML ({error})").format(path=path, error=exc),
            hint=_("fix the file or point --config elsewhere"),
        ) from exc
    except OSError as exc:
        raise ConfigError(
            _("{path}: cannot read ({strerror})").format(path=path, strerror=exc.strerror),
            hint=_("check the file's permissions, or point --config elsewhere"),
        ) from exc
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            _("{path}: unknown setting(s) {names}").format(path=path, names=", ".join(unknown)),
            hint=_("known settings: {names}").format(names=", ".join(sorted(_KNOWN_KEYS))),
        )
    for key, value in data.items():
        if key == "profiles":
            continue  # checked by _profiles_table
        expected = int if key == "max_in_flight" else str
        if not isinstance(value, expected) or isinstance(value, bool):
            example = f"{key} = 8" if expected is int else f'{key} = "..." (in quotes)'
            raise ConfigError(
                _("{path}: {key} must be a {value}").format(
                    path=path, key=key, value='whole number' if expected is int else 'string'),
                hint=_("write it as {example}").format(example=example),
            )
    return data


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (127.0.0.0/8, ``::1``)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, *, origin: str) -> str:
    """``url`` without a trailing slash, if the token may go there; else a ConfigError.

    Allowed: ``https://host``, or ``http://`` to a loopback address (the sandbox).
    """
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in ("http", "https") or not host:
        raise ConfigError(_("base URL from {origin} must be an https:// address: {url}").format(
            origin=origin, url=url),
                          hint=f"e.g. --base-url {DEFAULT_BASE_URL}")
    if scheme == "http" and not is_loopback_host(host):
        raise ConfigError(
            _("base URL from {origin} uses plain http to {host}: the token would travel "
              "unencrypted; use https").format(origin=origin, host=host),
            hint=_("write https://{host}... (plain http is allowed only to 127.0.0.1, "
                   "the sandbox)").format(host=host),
        )
    return url.rstrip("/")


def check_token(token: str, *, origin: str) -> None:
    """Refuse a token holding whitespace (one line, the token never shown)."""
    if any(ch.isspace() for ch in token):
        kind = "a line break" if any(ch in token for ch in "\r\n") else "a space or tab"
        raise ConfigError(
            _("the API token from {origin} contains {kind}").format(origin=origin, kind=kind),
            hint=_("copy the token again without spaces or line breaks"),
        )


def warn_if_readable(path: Path) -> None:
    """Warn when a config file holding a token can be read by group or others (POSIX)."""
    if os.name != "posix":
        return
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("%s holds the API token and other users can read it; fix: chmod 600 %s",
                    path, path)


def load_settings(
    *,
    location_id: str | None = None,
    base_url: str | None = None,
    api_version: str | None = None,
    config_path: str | Path | None = None,
    max_in_flight: int | None = None,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings: flags (the arguments) win over ``BULKIO_*`` env, over the file.

    ``profile`` (else ``$BULKIO_PROFILE``) selects a ``[profiles.NAME]`` table: its values
    win over the environment and the file's top level (see the module docstring).
    Raises :class:`~bulkio.errors.ConfigError` (one line plus a hint) when the token or the
    location id is missing, or a value is invalid.
    """
    env = os.environ if environ is None else environ
    path = find_config_file(config_path, environ=env)
    file = _read_toml(path) if path is not None else {}
    name = profile or env.get("BULKIO_PROFILE") or None
    company: str | None = None
    if name is not None:
        chosen = _select_profile(name, path, file, env)
        env, file = _profile_overlay(chosen, env, file)
        company = chosen.company_id
        if company is not None and not location_id:
            raise ConfigError(
                _("profile {name} is an agency profile: which of its locations?").format(name=name),
                hint=_("pass --location-id ID; `bulkio profiles locations {name}` lists "
                       "them").format(name=name),
            )

    def pick(flag: str | None, env_name: str, key: str) -> str | None:
        for value in (flag, env.get(env_name), file.get(key)):
            if value is not None and str(value).strip():
                return str(value).strip()
        return None

    raw_token = env.get("BULKIO_TOKEN")
    token_origin = "BULKIO_TOKEN"
    if raw_token is None or not raw_token.strip():
        raw_token = file.get("token")
        token_origin = str(path)
    if raw_token is not None and raw_token.strip():
        # only a shell's trailing newline is forgiven; whitespace inside is refused
        raw_token = raw_token.strip() if token_origin == "BULKIO_TOKEN" else raw_token
        check_token(raw_token, origin=token_origin)
    token = raw_token if raw_token is not None and raw_token.strip() else None
    if path is not None and file.get("token"):
        warn_if_readable(path)
    if token is None:
        hint = (_("set BULKIO_TOKEN or token in {path} (never pass it on the command line), "
                  "or use --sandbox").format(path=path) if path is not None else
                _("set BULKIO_TOKEN or a config file (never pass it on the command line), "
                  "or use --sandbox"))
        raise ConfigError(_("no API token"), hint=hint)
    loc = pick(location_id, "BULKIO_LOCATION_ID", "location_id")
    if loc is None:
        raise ConfigError(
            _("no location id"),
            hint=_("pass --location-id, set BULKIO_LOCATION_ID, or add location_id to the config"),
        )
    url, url_origin = DEFAULT_BASE_URL, "the default"
    for value, origin in ((base_url, "--base-url"), (env.get("BULKIO_BASE_URL"),
                          "BULKIO_BASE_URL"), (file.get("base_url"), str(path))):
        if value is not None and str(value).strip():
            url, url_origin = str(value).strip(), origin
            break
    url = check_base_url(url, origin=url_origin)
    if url != DEFAULT_BASE_URL.rstrip("/"):
        log.warning("API at %s (base URL from %s)", url, url_origin)
    version = pick(api_version, "BULKIO_API_VERSION", "api_version") or "v3"
    if version not in API_VERSIONS:
        raise ConfigError(
            _("unsupported API version: {version}").format(version=version),
            hint=_("use one of: {names}").format(names=', '.join(API_VERSIONS)),
        )
    inflight = max_in_flight if max_in_flight is not None else file.get("max_in_flight")
    inflight = DEFAULT_MAX_IN_FLIGHT if inflight is None else int(inflight)
    if not 1 <= inflight <= 64:
        raise ConfigError(
            _("max_in_flight must be between 1 and 64, got {inflight}").format(inflight=inflight),
            hint=_("set max_in_flight in {value} to 1-64 (default {DEFAULT_MAX_IN_FLIGHT})").format(
                value=path or 'the config file', DEFAULT_MAX_IN_FLIGHT=DEFAULT_MAX_IN_FLIGHT),
        )
    return Settings(
        token=token,
        location_id=loc,
        base_url=url,
        api_version=version,
        max_in_flight=inflight,
        config_path=path,
        profile=name,
        company_id=company,
    )


# -- profiles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """One ``[profiles.NAME]`` table; ``token`` is resolved (inline or from ``token_env``)."""

    name: str
    location_id: str
    token: str | None = field(default=None, repr=False)
    #: an agency profile: the company whose sub-accounts the (agency) token opens
    company_id: str | None = None
    #: the app whose installed locations an agency profile lists
    app_id: str | None = None
    #: the environment variable the token comes from, when not inline
    token_env: str | None = None
    base_url: str | None = None
    api_version: str | None = None
    max_in_flight: int | None = None

    def __str__(self) -> str:
        return repr(self)

    @property
    def token_source(self) -> str:
        """Where the token comes from, for people: ``inline`` or ``env VAR``."""
        return f"env {self.token_env}" if self.token_env else "inline"


def mask_token(token: str | None) -> str:
    """A token shown to people: its first 4 and last 4 characters, or ``(unset)``."""
    if not token:
        return "(unset)"
    if len(token) < 16:
        return "****"
    return f"{token[:4]}…{token[-4:]}"


def _profiles_table(path: Path | None, file: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    raw = file.get("profiles", {})
    where = str(path) if path is not None else "the config file"
    if not isinstance(raw, dict):
        raise ConfigError(_("{where}: profiles must be tables").format(where=where),
                          hint=_("write them as [profiles.NAME] with location_id = \"...\""))
    tables: dict[str, dict[str, Any]] = {}
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise ConfigError(_("{where}: profiles.{name} must be a table").format(
                where=where, name=name),
                              hint=_("write it as [profiles.{name}] with "
                                     "location_id = \"...\"").format(name=name))
        unknown = sorted(set(table) - _PROFILE_KEYS)
        if unknown:
            raise ConfigError(
                _("{where}: profile {name}: unknown setting(s) {names}").format(
                    where=where, name=name, names=', '.join(unknown)),
                hint=_("known settings: {names}").format(names=', '.join(sorted(_PROFILE_KEYS))),
            )
        for key, value in table.items():
            expected = int if key == "max_in_flight" else str
            if not isinstance(value, expected) or isinstance(value, bool):
                example = f"{key} = 8" if expected is int else f'{key} = "..." (in quotes)'
                raise ConfigError(_("{where}: profile {name}: {key} has the wrong type").format(
                    where=where, name=name, key=key),
                                  hint=_("write it as {example}").format(example=example))
        agency = bool(str(table.get("company_id", "")).strip())
        if not agency and not str(table.get("location_id", "")).strip():
            raise ConfigError(_("{where}: profile {name} has no location_id").format(
                where=where, name=name),
                              hint=_("add location_id = \"...\" under [profiles.{name}] (or "
                                     "company_id and app_id for an agency token)").format(
                                  name=name))
        if agency and not str(table.get("app_id", "")).strip():
            raise ConfigError(_("{where}: agency profile {name} has no app_id").format(
                where=where, name=name),
                              hint=_("add app_id = \"...\" under [profiles.{name}] (the "
                                     "marketplace app whose installed locations it lists)").format(
                                  name=name))
        if "token" in table and "token_env" in table:
            raise ConfigError(_("{where}: profile {name} has both token and token_env").format(
                where=where, name=name),
                              hint=_("keep one: token_env names the variable holding the token"))
        tables[str(name)] = table
    return tables


def _profile_from(name: str, table: Mapping[str, Any], env: Mapping[str, str]) -> Profile:
    token_env = table.get("token_env")
    token = env.get(token_env) if token_env else table.get("token")
    return Profile(
        name=name,
        location_id=str(table.get("location_id", "")).strip(),
        token=token.strip() if isinstance(token, str) and token.strip() else None,
        company_id=table.get("company_id"),
        app_id=table.get("app_id"),
        token_env=token_env,
        base_url=table.get("base_url"),
        api_version=table.get("api_version"),
        max_in_flight=table.get("max_in_flight"),
    )


def load_profiles(
    config_path: str | Path | None = None, *, environ: Mapping[str, str] | None = None
) -> tuple[Path | None, list[Profile]]:
    """The config file and its profiles in file order (tokens resolved, possibly None)."""
    env = os.environ if environ is None else environ
    path = find_config_file(config_path, environ=env)
    file = _read_toml(path) if path is not None else {}
    tables = _profiles_table(path, file)
    return path, [_profile_from(name, table, env) for name, table in tables.items()]


def _select_profile(
    name: str, path: Path | None, file: Mapping[str, Any], env: Mapping[str, str]
) -> Profile:
    tables = _profiles_table(path, file)
    if name not in tables:
        known = ", ".join(tables) or "none"
        where = str(path) if path is not None else "no config file found"
        raise ConfigError(
            _("unknown profile {name} ({where})").format(name=repr(name), where=where),
            hint=_("profiles defined: {known}; `bulkio profiles` lists them").format(known=known),
        )
    chosen = _profile_from(name, tables[name], env)
    if chosen.token is None:
        how = (f"set {chosen.token_env}" if chosen.token_env
               else f'add token_env = "VAR" under [profiles.{name}]')
        raise ConfigError(_("profile {name} has no token").format(name=name), hint=how)
    return chosen


def _profile_overlay(
    chosen: Profile, env: Mapping[str, str], file: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, Any]]:
    """Environment and file as :func:`load_settings` reads them, with the profile on top."""
    overlay = {
        "BULKIO_TOKEN": chosen.token,
        "BULKIO_LOCATION_ID": chosen.location_id or None,
        "BULKIO_BASE_URL": chosen.base_url,
        "BULKIO_API_VERSION": chosen.api_version,
    }
    new_env = dict(env)
    new_env.update({k: v for k, v in overlay.items() if v is not None})
    new_file = {k: v for k, v in file.items() if k != "profiles"}
    if chosen.max_in_flight is not None:
        new_file["max_in_flight"] = chosen.max_in_flight
    return new_env, new_file
