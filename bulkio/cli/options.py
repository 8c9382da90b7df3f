"""Shared CLI options for every command that talks to the API, and where to send requests.

Usage in a command module (the function receives one ``api: ApiOptions`` argument)::

    from bulkio.cli import main
    from bulkio.cli.options import ApiOptions, abort_on_errors, api_options, open_target

    @main.command()
    @api_options
    def export(api: ApiOptions) -> None:
        \"\"\"Export contacts ...\"\"\"
        with abort_on_errors(), open_target(api) as target:
            stats = asyncio.run(run_export(target))   # async with target.client() as c: ...

:func:`api_options` adds ``--location-id``, ``--base-url``, ``--api-version``, ``--config``,
``--profile``, ``--sandbox``, ``--sandbox-db``, ``-q/--quiet`` and ``-v/--verbose``
(repeatable) and sets up logging to stderr before the command runs. :func:`open_target`
yields a :class:`Target` (base URL, token, location): with ``--sandbox`` an in-process
sandbox on 127.0.0.1 whose data persists in ``--sandbox-db`` (rate limits real: 100 per
10 s), otherwise the settings resolved by :func:`bulkio.config.load_settings` (flags >
``--profile`` > ``BULKIO_*`` env > TOML file).
:func:`abort_on_errors` turns any :class:`~bulkio.errors.BulkioError` into one line plus a
hint on stderr and exit code 1.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource
from tqdm import tqdm

from bulkio.api.client import Client
from bulkio.api.wire import API_VERSIONS
from bulkio.config import DEFAULT_MAX_IN_FLIGHT, load_settings
from bulkio.errors import BulkioError
from bulkio.i18n import _
from bulkio.runs.home import STATE_DIR_ENV, find_state_home, journal_in, sandbox_db_in
from bulkio.runs.kit import Progress, ProgressFn

__all__ = [
    "DEFAULT_SANDBOX_DB",
    "AbortError",
    "ApiOptions",
    "Target",
    "abort_on_errors",
    "api_options",
    "configure_logging",
    "emit_json",
    "json_option",
    "log_file_option",
    "next_step",
    "open_target",
    "phase_bar",
    "progress_bar",
    "quota_countdown",
    "reading_bar",
    "replay_command",
    "state_dir_option",
    "state_only",
]

#: shown in --help; the real default is ``sandbox.db`` in the state home
DEFAULT_SANDBOX_DB = Path(".bulkio") / "sandbox.db"

R = TypeVar("R")


@dataclass(frozen=True)
class ApiOptions:
    """The values of the :func:`api_options` bundle, as passed to the command."""

    location_id: str | None = None
    base_url: str | None = None
    api_version: str | None = None
    config: Path | None = None
    profile: str | None = None
    wait_for_quota: bool = False
    sandbox: bool = False
    #: None: ``sandbox.db`` in the state home
    sandbox_db: Path | None = None
    verbose: int = 0
    quiet: bool = False
    #: ``--state-dir`` / ``$BULKIO_STATE_DIR``; None: found like git finds ``.git``
    state_dir: Path | None = None

    @property
    def home(self) -> Path:
        """The state home (:mod:`bulkio.runs.home`)."""
        return find_state_home(self.state_dir)

    def journal(self, explicit: Path | None = None) -> Path:
        """The run journal: ``explicit`` (``--journal``), else the state home's."""
        return explicit if explicit is not None else journal_in(self.home)

    @property
    def sandbox_path(self) -> Path:
        """The sandbox database: ``--sandbox-db``, else the state home's."""
        return self.sandbox_db if self.sandbox_db is not None else sandbox_db_in(self.home)


@dataclass(frozen=True)
class Target:
    """Where requests go: base URL, token (kept out of repr), location, API version."""

    base_url: str
    token: str = field(repr=False)
    location_id: str
    api_version: str = "v3"
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT
    sandbox: bool = False
    #: --wait-for-quota: a used-up daily quota waits for the reset instead of ending the run
    wait_for_quota: bool = False

    def client(self, **overrides: Any) -> Client:
        """A :class:`~bulkio.api.client.Client` for this target (keyword overrides allowed)."""
        kwargs: dict[str, Any] = {
            "base_url": self.base_url,
            "token": self.token,
            "location_id": self.location_id,
            "api_version": self.api_version,
            "max_in_flight": self.max_in_flight,
        }
        if self.wait_for_quota:
            kwargs["wait_for_quota"] = True
            kwargs["on_quota_wait"] = quota_countdown
        kwargs.update(overrides)
        return Client(**kwargs)


class _RedactSecrets(logging.Filter):
    """Defence in depth: blank out registered secrets in every log record."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            redacted = message
            for secret in self.secrets:
                redacted = redacted.replace(secret, "***")
            if redacted != message:
                record.msg, record.args = redacted, None
        return True


_redactor = _RedactSecrets()
_handlers: list[logging.Handler] = []

#: -v lines: UTC timestamp (ISO 8601, milliseconds), level, logger, message
_VERBOSE_FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def _formatter(fmt: str) -> logging.Formatter:
    formatter = logging.Formatter(fmt, datefmt=_TIME_FORMAT)
    formatter.converter = time.gmtime
    return formatter


def configure_logging(*, verbose: int = 0, quiet: bool = False,
                      log_file: Path | None = None) -> None:
    """Log ``bulkio.*`` to stderr: warnings by default, -v info (one line per request,
    each with a UTC timestamp), -vv debug, --quiet errors only; ``log_file`` also keeps
    every line at info level (debug with -vv), whatever -q says, token redacted.
    Safe to call again (replaces its own handlers)."""
    logger = logging.getLogger("bulkio")
    for old in _handlers:
        logger.removeHandler(old)
        old.close()
    _handlers.clear()
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(_formatter(_VERBOSE_FORMAT if verbose else "bulkio: %(message)s"))
    if quiet:
        console.setLevel(logging.ERROR)
    else:
        console.setLevel({0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG))
    _handlers.append(console)
    level = console.level
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            keep = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise click.BadParameter(f"cannot write {log_file}: {exc.strerror}",
                                     param_hint="--log-file") from None
        keep.setFormatter(_formatter(_VERBOSE_FORMAT))
        keep.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
        _handlers.append(keep)
        level = min(level, keep.level)
    for handler in _handlers:
        handler.addFilter(_redactor)
        logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(level)


def emit_json(doc: object) -> None:
    """The --json convention: ONE JSON document on ONE line on stdout (UTF-8 kept)."""
    click.echo(json.dumps(doc, ensure_ascii=False, default=str))


#: ``--json``: the summary as one JSON object on one line on stdout (docs/scripting.md)
json_option = click.option(
    "--json", "as_json", is_flag=True,
    help="Print the summary as one JSON object on one line on stdout (docs/scripting.md).",
)

#: ``--log-file``: keep the run's log (info lines, debug with -vv; the token redacted)
log_file_option = click.option(
    "--log-file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
    help="Append the run's log to FILE (every -v line with its timestamp, -vv adds debug; "
    "the token is never written).",
)


#: ``--state-dir``: where journals, the sandbox database and locks live
state_dir_option = click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=STATE_DIR_ENV,
    metavar="DIR",
    help="State home: journal, sandbox database, locks [env BULKIO_STATE_DIR; default: the "
    "nearest .bulkio/ (or bulkio.toml's folder) from here up, else ./.bulkio].",
)


def api_options(func: Callable[..., R]) -> Callable[..., R]:
    """Click decorator: add the API option bundle; the command receives ``api: ApiOptions``."""
    options = [
        click.option(
            "--location-id",
            envvar="BULKIO_LOCATION_ID",
            metavar="ID",
            help="Sub-account (location) id [env BULKIO_LOCATION_ID].",
        ),
        click.option(
            "--base-url",
            envvar="BULKIO_BASE_URL",
            metavar="URL",
            help="API base URL [env BULKIO_BASE_URL; default https://services.leadconnectorhq.com].",
        ),
        click.option(
            "--api-version",
            type=click.Choice(API_VERSIONS),
            envvar="BULKIO_API_VERSION",
            help="Version header [env BULKIO_API_VERSION; default v3].",
        ),
        click.option(
            "--config",
            "config",
            type=click.Path(dir_okay=False, path_type=Path),
            help="TOML config file (default $BULKIO_CONFIG, ./bulkio.toml, "
            "~/.config/bulkio/config.toml). The token comes from BULKIO_TOKEN or this file.",
        ),
        click.option(
            "--profile",
            envvar="BULKIO_PROFILE",
            metavar="NAME",
            help="Use [profiles.NAME] of the config file (location, token, base URL) "
            "[env BULKIO_PROFILE]; `bulkio profiles` lists them.",
        ),
        click.option(
            "--locations",
            metavar="all|NAME,NAME|FILE",
            help="Run for several sub-accounts in one process: profiles of the config file "
            "(all: every one), location ids with an agency --profile (all: every install), "
            "or sandbox locations with --sandbox; a table and the worst exit code follow.",
        ),
        click.option(
            "--wait-for-quota",
            is_flag=True,
            help="When the location's daily quota (200,000 requests) is used up, wait for "
            "the reset (UTC midnight) and go on, instead of stopping.",
        ),
        click.option(
            "--sandbox",
            is_flag=True,
            help="Run against the embedded sandbox (local emulator; nothing leaves the machine).",
        ),
        click.option(
            "--sandbox-db",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Sandbox database file (with --sandbox) [default: sandbox.db in the state "
            "home].",
        ),
        state_dir_option,
        click.option("-q", "--quiet", is_flag=True, help="No progress bar; errors only."),
        click.option(
            "-v", "--verbose", count=True,
            help="Log each request (method, path, status, time) with a UTC timestamp.",
        ),
        log_file_option,
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        profile = kwargs.pop("profile")
        if profile is not None:
            _profile_beats_environment(kwargs)
        api = ApiOptions(
            location_id=kwargs.pop("location_id"),
            base_url=kwargs.pop("base_url"),
            api_version=kwargs.pop("api_version"),
            config=kwargs.pop("config"),
            profile=profile,
            wait_for_quota=kwargs.pop("wait_for_quota"),
            sandbox=kwargs.pop("sandbox"),
            sandbox_db=kwargs.pop("sandbox_db"),
            verbose=kwargs.pop("verbose"),
            quiet=kwargs.pop("quiet"),
            state_dir=kwargs.pop("state_dir"),
        )
        configure_logging(verbose=api.verbose, quiet=api.quiet,
                          log_file=kwargs.pop("log_file"))
        locations = kwargs.pop("locations")
        if locations is not None:
            from bulkio.cli.fanout import resolve_locations, route_for_import, run_for_locations

            with abort_on_errors():
                destinations = resolve_locations(locations, api)
                routed = route_for_import(kwargs, destinations)
            run_for_locations(func, args, kwargs, destinations, routed)
        return func(*args, api=api, **kwargs)

    decorated: Callable[..., R] = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated


def _profile_beats_environment(kwargs: dict[str, Any]) -> None:
    """A named profile wins over ``BULKIO_*`` variables; typed flags still win over it."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    for name in ("location_id", "base_url", "api_version"):
        if ctx.get_parameter_source(name) is ParameterSource.ENVIRONMENT:
            kwargs[name] = None


def with_run_location(api: ApiOptions, journal_path: Path, run_id: str | None) -> ApiOptions:
    """``api`` with the run's own location when the user named none.

    The journal knows where a run wrote, so ``resume``, ``retry`` and ``undo`` need only
    the token (from the environment or config file), never ``--location-id`` again.
    """
    if run_id is None or api.location_id is not None or not journal_path.exists():
        return api
    from bulkio.runs.journal import Journal

    with Journal.open(journal_path) as journal:
        location = journal.get_run(run_id).location_id
    return replace(api, location_id=location) if location else api


@contextmanager
def open_target(opts: ApiOptions) -> Iterator[Target]:
    """Yield the :class:`Target` for ``opts``: an in-process sandbox with ``--sandbox``,
    else the resolved settings (raises :class:`~bulkio.errors.ConfigError` if incomplete)."""
    if opts.sandbox:
        from bulkio.sandbox import Sandbox

        db = opts.sandbox_path
        db.parent.mkdir(parents=True, exist_ok=True)
        with Sandbox(db_path=db) as sb:
            token, location = sb.token, sb.location_id
            wanted = opts.location_id
            if wanted and wanted != sb.location_id:
                # another location of the sandbox (bulkio sandbox locations add); an id the
                # sandbox does not have (a real location's, from the environment) is ignored
                info = sb.store.location_info(wanted)
                if info is not None:
                    token, location = info["token"], wanted
            _redactor.secrets.add(token)
            logging.getLogger("bulkio.cli").info("sandbox listening on %s", sb.url)
            yield Target(
                base_url=sb.url,
                token=token,
                location_id=location,
                api_version=opts.api_version or "v3",
                sandbox=True,
                wait_for_quota=opts.wait_for_quota,
            )
        return
    settings = load_settings(
        location_id=opts.location_id,
        base_url=opts.base_url,
        api_version=opts.api_version,
        config_path=opts.config,
        profile=opts.profile,
    )
    _redactor.secrets.add(settings.token)
    token = settings.token
    if settings.company_id is not None:  # an agency profile: this location's own token
        from bulkio.api.agency import location_token

        token = asyncio.run(location_token(
            agency_token=settings.token, company_id=settings.company_id,
            location_id=settings.location_id, base_url=settings.base_url,
        ))
        _redactor.secrets.add(token)
    yield Target(
        base_url=settings.base_url,
        token=token,
        location_id=settings.location_id,
        api_version=settings.api_version,
        max_in_flight=settings.max_in_flight,
        wait_for_quota=opts.wait_for_quota,
    )


def quota_countdown(seconds: float) -> None:
    """Show the wait for the daily quota: a countdown on a terminal (the pacer has logged
    one line already, which is all a cron log gets)."""
    if not sys.stderr.isatty():
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    deadline = loop.time() + seconds

    async def tick() -> None:
        while (left := deadline - loop.time()) > 0:
            hours, rest = divmod(int(left), 3600)
            sys.stderr.write(f"\rbulkio: daily quota used up; going on in "
                             f"{hours:d}:{rest // 60:02d}:{rest % 60:02d} ")
            sys.stderr.flush()
            await asyncio.sleep(min(1.0, left))
        sys.stderr.write("\rbulkio: daily quota reset; going on" + " " * 20 + "\n")

    _countdowns.add(task := loop.create_task(tick()))
    task.add_done_callback(_countdowns.discard)


#: running countdown tasks (a reference keeps them from being collected mid-wait)
_countdowns: set[asyncio.Task[None]] = set()


class AbortError(click.ClickException):
    """A run-aborting error (bad input, auth, network): exit code 1, not click's 2."""

    exit_code = 1


@contextmanager
def abort_on_errors() -> Iterator[None]:
    """Turn a :class:`~bulkio.errors.BulkioError` into ``Error: <message>`` (+ hint), exit 1."""
    try:
        yield
    except BulkioError as exc:
        message = str(exc)
        given = _given_journal() if "`bulkio runs`" in exc.hint else None
        if given is not None:  # the run list the user needs is in the journal they named
            exc.hint = exc.hint.replace("`bulkio runs`",
                                        f"`bulkio runs --journal {shlex.quote(given)}`")
        if exc.hint:
            message = _("{message} (hint: {hint})").format(message=message, hint=_(exc.hint))
        raise AbortError(message) from exc


def _given_journal() -> str | None:
    """The --journal the user typed for the running command (or its group), if any."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        for name in ("journal", "journal_path"):
            source = ctx.get_parameter_source(name)
            if source is not None and source is not ParameterSource.DEFAULT:
                value = ctx.params.get(name)
                if value is not None:
                    return str(value)
        ctx = ctx.parent
    return None


#: the converted value of these options is not what the user typed: give it back
_TYPED = {"\t": "tab"}


def replay_command(*, add: tuple[str, ...] = (), drop: tuple[str, ...] = ()) -> str:
    """The running command as the user typed it (arguments and the options given on the
    command line, not those from env or config), plus ``add``, minus options in ``drop``."""
    ctx = click.get_current_context()
    names: list[str] = []
    node: click.Context | None = ctx
    while node is not None and node.parent is not None:  # the root's name may be "python -m"
        names.insert(0, node.info_name or "")
        node = node.parent
    parts = ["bulkio", *names]
    for param in ctx.command.params:
        name = param.name
        if name is None or ctx.get_parameter_source(name) is not ParameterSource.COMMANDLINE:
            continue
        value = ctx.params.get(name)
        if isinstance(param, click.Argument):
            values = value if isinstance(value, tuple | list) else (value,)
            parts += [str(v) for v in values]
            continue
        flag = max(param.opts, key=len)
        if flag in add or flag in drop:
            continue
        if isinstance(param, click.Option) and param.is_flag:
            if value:
                parts.append(flag)
            continue
        for one in value if param.multiple and isinstance(value, tuple | list) else (value,):
            parts += [flag, _TYPED.get(str(one), str(one))]
    return shlex.join([*parts, *add])


#: the options a next-step command needs again when the user typed them (where the
#: journal, the sandbox and the API are); the location comes from the run's journal
_STATE_OPTIONS = ("state_dir", "journal", "journal_path")
_FORWARDED = ("sandbox", "sandbox_db", "state_dir", "journal", "journal_path", "base_url",
              "api_version", "config", "profile")


#: ``forward=`` for commands that take no API options (``bulkio runs``)
state_only = _STATE_OPTIONS


def next_step(*words: str, forward: tuple[str, ...] = _FORWARDED) -> str:
    """A command line to print as the next step (``bulkio resume ID ...``) that runs
    verbatim: the words plus the options of the running command that say where state and
    API are (``--sandbox``, ``--state-dir``, ``--journal``, ...), as the user typed them;
    ``forward`` names the ones the next command accepts."""
    parts = ["bulkio", *words]
    ctx = click.get_current_context(silent=True)
    seen: set[str] = set()
    while ctx is not None:
        for param in ctx.command.params:
            name = param.name
            if (name not in forward or name in seen or not isinstance(param, click.Option)
                    or ctx.get_parameter_source(name) is not ParameterSource.COMMANDLINE):
                continue
            value = ctx.params.get(name)
            flag = max(param.opts, key=len)
            if param.is_flag:
                if value:
                    parts.append(flag)
                    seen.add(name)
            elif value is not None:
                parts += [flag, str(value)]
                seen.add(name)
        ctx = ctx.parent
    return shlex.join(parts)


@contextmanager
def progress_bar(api: ApiOptions, label: str, *, enabled: bool = True
                 ) -> Iterator[ProgressFn | None]:
    """A tqdm bar on stderr (rows done, failures, ETA once the total is known) for a run's
    ``progress`` callback; None when not a TTY, with --quiet, or not ``enabled``."""
    if not enabled or api.quiet or not sys.stderr.isatty():
        yield None
        return
    bar = tqdm(desc=label, unit="row", file=sys.stderr, dynamic_ncols=True)

    def update(p: Progress) -> None:
        if p.total is not None and bar.total != p.total:
            bar.total = p.total
            bar.refresh()
        bar.update(p.done - bar.n)
        bar.set_postfix(failed=p.failed, refresh=False)

    try:
        yield update
    finally:
        bar.close()


#: file suffixes whose rows are lines (a newline count estimates the rows for the bar)
_LINE_FILES = {".csv", ".txt", ".tsv", ".tab"}


def estimate_rows(path: Path) -> int | None:
    """Rows of a CSV-like file, from its newlines (quoted line breaks aside), without parsing
    it; None for a spreadsheet or an unreadable file."""
    if path.suffix.lower() not in _LINE_FILES:
        return None
    lines = 0
    last = b"\n"
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return None
    lines += last != b"\n"
    return max(lines - 1, 0)  # the header


@contextmanager
def reading_bar(api: ApiOptions | None, path: Path, *, quiet: bool = False
                ) -> Iterator[Callable[[int], None] | None]:
    """A tqdm bar on stderr for reading and preparing ``path`` (rows read; total estimated
    from the file's lines for CSV); None when not a TTY or with --quiet."""
    if quiet or (api is not None and api.quiet) or not sys.stderr.isatty():
        yield None
        return
    bar = tqdm(desc=f"reading {path.name}", total=estimate_rows(path), unit="row",
               file=sys.stderr, dynamic_ncols=True, leave=False)

    def update(rows: int) -> None:
        if bar.total is not None and rows > bar.total:
            bar.total = rows
        bar.update(rows - bar.n)

    try:
        yield update
    finally:
        bar.close()


@contextmanager
def phase_bar(api: ApiOptions, label: str) -> Iterator[ProgressFn | None]:
    """Like :func:`progress_bar`, but the bar appears only when the phase starts (its first
    update): for a phase at the end of a run, such as writing the reports."""
    if api.quiet or not sys.stderr.isatty():
        yield None
        return
    bars: list[tqdm[Any]] = []

    def update(p: Progress) -> None:
        if not bars:
            bars.append(tqdm(desc=label, total=p.total, unit="row", file=sys.stderr,
                             dynamic_ncols=True, leave=False))
        bar = bars[0]
        if p.total is not None and bar.total != p.total:
            bar.total = p.total
        bar.update(p.done - bar.n)

    try:
        yield update
    finally:
        for bar in bars:
            bar.close()
