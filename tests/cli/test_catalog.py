"""The gettext catalogs stay complete: every marked message and help text has its Spanish."""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import click
from babel.messages.catalog import Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bulkio.cli.translated import CLICK_MESSAGES

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "bulkio" / "locale" / "es" / "LC_MESSAGES" / "bulkio.po"
MO = PO.with_suffix(".mo")
_PERCENT = re.compile(r"%(?:\(\w+\))?[sdr]")


def _extracted() -> set[str]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _placeholders(text: str) -> list[str]:
    names = [name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name]
    return sorted(names + _PERCENT.findall(text))


def _forms(message: Message) -> list[str]:
    """A translation's text, or each of its plural forms."""
    text = message.string
    return [str(t) for t in text] if isinstance(text, (list, tuple)) else [str(text)]


def test_the_committed_mo_is_the_compiled_po() -> None:
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="es")
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert MO.read_bytes() == compiled.getvalue(), (
        "bulkio.mo is stale: run `pybabel compile -d bulkio/locale -D bulkio`"
    )


def test_every_extracted_message_has_a_spanish_translation_with_the_same_placeholders() -> None:
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="es")
    extracted = _extracted()
    assert len(extracted) > 600  # the CLI's help texts, its summaries, errors and row issues
    missing = sorted(m for m in extracted if m not in catalog or not all(_forms(catalog[m])))
    assert not missing, f"{len(missing)} messages lack Spanish (docs/development.md): {missing}"
    fuzzy = sorted(m for m in extracted if catalog[m].fuzzy)
    assert not fuzzy, f"fuzzy translations to review: {fuzzy}"
    mismatched = [
        (m, form)
        for m in extracted
        for form in _forms(catalog[m])
        if _placeholders(m) != _placeholders(form)
    ]
    assert not mismatched, f"placeholders differ between msgid and msgstr: {mismatched}"
    obsolete = sorted(str(m.id) for m in catalog
                      if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in extracted)
    assert not obsolete, f"messages no longer in the code (run pybabel update): {obsolete}"


def test_the_click_words_in_the_catalog_are_clicks_own() -> None:
    # click marks these with gettext; a message click no longer has would never show
    folder = Path(click.__file__).parent
    source = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.py"))
    gone = [m for m in CLICK_MESSAGES if f'"{m}"' not in source]
    assert not gone
