"""Help in the user's language: click commands whose texts are translated when rendered.

Docstrings and ``help=`` texts stay English in the code; :class:`TranslatedCommand` looks
each paragraph up in the catalog (``bulkio.i18n``) when it writes the help, and
:func:`help_messages` lists those paragraphs for the catalog (``bulkio/cli/catalog.py``
extracts them). Click's own words ("Usage:", "Options", "Show this message and exit.",
"Missing argument", ...) go through the same catalog: click marks them with gettext, and
:func:`_route_click_messages` points those marks at bulkio's catalog.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from typing import Any

import click

from bulkio.i18n import N_, _, ngettext, set_language

#: a paragraph click must not rewrap starts with this marker line
_NO_REWRAP = "\b"


def paragraphs(text: str) -> list[str]:
    """The translatable paragraphs of a help text: cleaned, split on blank lines, no marker."""
    out = []
    for para in inspect.cleandoc(text).partition("\f")[0].split("\n\n"):
        body = para.removeprefix(_NO_REWRAP).lstrip("\n")
        if body.strip():
            out.append(body)
    return out


def translate_help(text: str) -> str:
    """``text`` with each paragraph translated, click's no-rewrap markers kept."""
    out = []
    for para in inspect.cleandoc(text).partition("\f")[0].split("\n\n"):
        marker = para.startswith(_NO_REWRAP)
        body = para.removeprefix(_NO_REWRAP).lstrip("\n")
        translated = _(body) if body.strip() else body
        out.append(f"{_NO_REWRAP}\n{translated}" if marker else translated)
    return "\n\n".join(out)


class TranslatedCommand(click.Command):
    """A command whose help text and option help are rendered in the user's language."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        original = self.help
        self.help = translate_help(original) if original else original
        try:
            super().format_help_text(ctx, formatter)
        finally:
            self.help = original

    def get_short_help_str(self, limit: int = 45) -> str:
        original_short, original_help = self.short_help, self.help
        if original_short:
            self.short_help = _(inspect.cleandoc(original_short))
        elif original_help:
            # the summary line (the first paragraph) is what the group's listing shows
            self.help = translate_help(original_help)
        try:
            return super().get_short_help_str(limit)
        finally:
            self.short_help, self.help = original_short, original_help

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        params = self.get_params(ctx)
        saved = [(p, getattr(p, "help", None)) for p in params]
        for param, text in saved:
            if text:
                param.help = translate_help(text)
        try:
            super().format_options(ctx, formatter)
        finally:
            for param, text in saved:
                if text:
                    param.help = text


class TranslatedGroup(TranslatedCommand, click.Group):
    """A group rendered like :class:`TranslatedCommand`, whose subcommands are too."""

    command_class = TranslatedCommand
    group_class = type  # subgroups are of this class as well

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        finally:
            set_language(None)  # --lang holds for one invocation (tests run many in a process)


def _set_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        set_language(value)


#: ``bulkio --lang es``: the group's option, eager so that ``bulkio --lang es -h`` is Spanish
lang_option = click.option(
    "--lang",
    type=click.Choice(["en", "es"]),
    is_eager=True,
    expose_value=False,
    callback=_set_language,
    help="Language of messages, help and reports: en or es (default: BULKIO_LANG, else the "
    "locale: LC_ALL, LC_MESSAGES, LANG; es_MX.UTF-8 means es).",
)


def help_messages(command: click.Command) -> Iterator[tuple[str, str]]:
    """(where, paragraph) for every help text of ``command`` and its subcommands."""

    def walk(cmd: click.Command, path: str) -> Iterator[tuple[str, str]]:
        for text in (cmd.short_help, cmd.help, cmd.epilog):
            for para in paragraphs(text or ""):
                yield path, para
        for param in cmd.params:
            for para in paragraphs(getattr(param, "help", None) or ""):
                yield f"{path} {param.name}", para
        if isinstance(cmd, click.Group):
            for name in sorted(cmd.commands):
                yield from walk(cmd.commands[name], f"{path} {name}")

    yield from walk(command, command.name or "bulkio")


#: click's own words that bulkio users meet, in the catalog (click marks them with gettext)
CLICK_MESSAGES = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Aborted!"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing command."),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("default: {default}"),
    N_("required"),
    N_("env var: {var}"),
    N_("{value!r} is not one of {choices}."),
    N_("{value!r} is not a valid {number_type}."),
    N_("{name} {filename!r} does not exist."),
    N_("Do you want to continue?"),
    N_("Confirm the action without prompting."),
    N_("%(prog)s, version %(version)s"),
    N_("Did you mean {possibility}?"),
    N_("Option {name!r} requires an argument."),
    N_("Got unexpected extra argument ({args})"),
)


#: words bulkio's summaries show from data: row actions, related record kinds
SUMMARY_WORDS = (
    N_("created"),
    N_("updated"),
    N_("unchanged"),
    N_("notes"),
    N_("tasks"),
    N_("appointments"),
    # where a column's date order comes from (bulkio check)
    N_("column"),
    N_("option"),
    N_("mapping"),
    N_("detected"),
)


def _route_click_messages() -> None:
    """Send click's gettext marks to bulkio's catalog (English stays click's own text)."""
    for name, module in list(sys.modules.items()):
        if name == "click" or name.startswith("click."):
            if getattr(module, "_", None) is not None:
                module._ = _  # type: ignore[attr-defined]
            if getattr(module, "ngettext", None) is not None:
                module.ngettext = ngettext  # type: ignore[attr-defined]


_route_click_messages()
