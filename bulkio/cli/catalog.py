"""The catalog's source: a Babel extractor for the click help texts bulkio renders translated.

Docstrings and ``help=`` texts are not gettext calls, so Babel's Python extractor does not
see them; ``babel.cfg`` maps ``bulkio/cli/__init__.py`` to :func:`extract_cli`, which yields
that file's gettext calls plus every help paragraph of the ``bulkio`` command tree (the
texts :class:`bulkio.cli.translated.TranslatedCommand` looks up). docs/development.md has
the commands that extract, update and compile the catalogs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python


def extract_cli(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Any]:  # Babel's own annotation of extract_python disagrees with its output
    """Babel extraction method: the file's own messages, then the CLI's help paragraphs."""
    yield from extract_python(fileobj, keywords, comment_tags, options)  # type: ignore[arg-type]
    from bulkio.cli import main  # imported late: a Babel plugin must not import the CLI at load
    from bulkio.cli.translated import help_messages

    for where, text in help_messages(main):
        yield 0, None, text, [f"help of {where}"]
