"""The top, cli: the ``bulkio`` command line, a click group; each command in its own module.

Click only: parse options, call ONE library function, render its result, choose the exit
code (0 ok, 1 aborted, 2 usage, 3 some rows failed). The only package that prints.

May import: every package of bulkio.

Public names: ``main`` (the click group, the ``bulkio`` entry point).
"""

from __future__ import annotations

import click

from bulkio.cli.safety_net import BulkioGroup
from bulkio.cli.translated import TranslatedGroup, lang_option

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _MainGroup(BulkioGroup, TranslatedGroup):
    """No tracebacks (BulkioGroup), help in the user's language (TranslatedGroup)."""


@click.group(cls=_MainGroup, context_settings=CONTEXT_SETTINGS)
@lang_option
@click.version_option(None, "-V", "--version", package_name="bulkio", prog_name="bulkio")
def main() -> None:
    """Move contacts between spreadsheets and the HighLevel Contacts API v3.

    \b
    Example:
      bulkio import samples/contactos_mx.csv --sandbox

    \b
    Exit codes:
      0  every row succeeded
      1  run aborted (bad input, auth, network)
      2  usage error
      3  run finished but some rows failed

    The API token comes from BULKIO_TOKEN or a config file (bulkio.toml), never the
    command line; the location from --location-id or BULKIO_LOCATION_ID. --sandbox needs
    neither. `bulkio COMMAND -h` shows a command's options and an example.
    """


# Commands register themselves here, one import per module (kept last to avoid cycles).
from bulkio.cli import bulk as _bulk  # noqa: E402,F401
from bulkio.cli import check as _check  # noqa: E402,F401
from bulkio.cli import copy as _copy  # noqa: E402,F401
from bulkio.cli import export as _export  # noqa: E402,F401
from bulkio.cli import import_ as _import  # noqa: E402,F401
from bulkio.cli import profiles as _profiles  # noqa: E402,F401
from bulkio.cli import runs as _runs  # noqa: E402,F401
from bulkio.cli import sandbox as _sandbox  # noqa: E402,F401
