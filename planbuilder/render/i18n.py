"""The theme's words in other languages: gettext catalogs, read from ``.po`` at run time.

The catalogs are ``planbuilder/locale/<language>/LC_MESSAGES/planbuilder.po`` (English is
the source language; ``render/catalog.py`` writes the template and merges it into each
language). They hold every word of ``labels.LABELS`` (context = the word's key) and the
plural forms of words with a number (``ngettext``). They are compiled in memory with Babel
when first used (once per process), so a wheel needs no build step; fuzzy and empty
entries are left out, so those words show in English.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path
from typing import IO

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "planbuilder"


@functools.lru_cache(maxsize=16)
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of ``language``; English (the messages as written) when there is none."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        return compile_po(handle, language)


def compile_po(handle: IO[bytes], language: str) -> gettext.GNUTranslations:
    """A ``.po`` file compiled to gettext translations, without its fuzzy entries."""
    catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def ngettext_for(locale: str, number=None):
    """``ngettext(singular, plural, n)`` for templates: the form of ``n`` in ``locale``'s
    language, with ``%(num)s``/``%(num)d`` replaced by ``n`` (shown by ``number``)."""
    catalog = translations(Locale.parse(locale).language)

    def ngettext(singular: str, plural: str, n: int) -> str:
        shown = number(n) if number is not None else str(n)
        text = catalog.ngettext(singular, plural, int(n))
        return text.replace("%(num)d", shown).replace("%(num)s", shown)

    return ngettext
