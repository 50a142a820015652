"""The theme's message catalogs: the template made from the English words, merged into
each language.

English is the source language. Each word of ``LABELS`` is one message whose context
(``msgctxt``) is its key (``fin_loans``; a nested one ``change_areas.chapter``) and whose
``msgid`` is the English text; a word with a number is an ``ngettext`` message found in
the theme's templates and in the Python sources. After adding or changing an English
word::

    python -m planbuilder.render.catalog extract   # writes planbuilder/locale/planbuilder.pot
    python -m planbuilder.render.catalog update    # merges it into every language's .po

``update`` keeps every translation whose English is unchanged, marks one whose English
changed as fuzzy (it shows in English until a translator checks it and removes the flag),
adds new words with an empty translation and drops words no longer in the template (git
history keeps them). ``check`` exits with status 1 while the template differs from the
words.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract, extract_python
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

from planbuilder.render.i18n import DOMAIN, LOCALE_DIR
from planbuilder.render.labels import LABELS, label_messages
from planbuilder.themes import themes_root

TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
_PACKAGE = Path(__file__).resolve().parent.parent
_HEADER = "# The words of planbuilder's default theme (English, the source language)."


def template() -> Catalog:
    """The catalog template: every English word of ``LABELS``, then every plural message."""
    catalog = Catalog(project="planbuilder", domain=DOMAIN, header_comment=_HEADER, fuzzy=False)
    for context, english in label_messages(LABELS):
        catalog.add(english, context=context)
    for (singular, plural), where in plural_messages().items():
        catalog.add((singular, plural), locations=[(name, None) for name in sorted(where)])
    return catalog


def plural_messages() -> dict[tuple[str, str], set[str]]:
    """Every ``ngettext`` message of the bundled themes' templates and of the Python
    sources (``_ngettext(locale, singular, plural, n)``), with the files using it."""
    found: dict[tuple[str, str], set[str]] = {}

    def scan(files, method, keywords, root: Path) -> None:
        for path in sorted(files):
            with path.open("rb") as handle:
                for _line, message, _comments, _context in extract(
                    method, handle, keywords=keywords, options={"trim_blocks": "1"}
                ):
                    if isinstance(message, tuple):
                        found.setdefault(message[:2], set()).add(path.relative_to(root).as_posix())

    themes = themes_root()
    scan(themes.rglob("*.html"), babel_extract, {"ngettext": (1, 2)}, themes.parent)
    scan(_PACKAGE.rglob("*.py"), extract_python, {"_ngettext": (2, 3)}, _PACKAGE.parent)
    return found


def differences(catalog: Catalog, reference: Catalog) -> list[str]:
    """The messages of ``reference`` that ``catalog`` lacks and those it has in excess."""
    mine = {(m.context, _ids(m)) for m in catalog if m.id}
    theirs = {(m.context, _ids(m)) for m in reference if m.id}
    return [f"missing: {m}" for m in sorted(theirs - mine, key=str)] + [
        f"not in the words: {m}" for m in sorted(mine - theirs, key=str)
    ]


def _ids(message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def write(path: Path, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_po(
        buffer, catalog, width=0, include_lineno=False, ignore_obsolete=True, include_previous=True
    )
    path.write_bytes(buffer.getvalue())


def languages() -> list[str]:
    """The languages with a catalog."""
    return sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract_template() -> bool:
    """Write the template when its messages differ from the words; True when written (an
    unchanged template keeps its file, and so its creation date)."""
    fresh = template()
    if TEMPLATE.is_file() and not differences(read(TEMPLATE), fresh):
        return False
    write(TEMPLATE, fresh)
    return True


def update(language: str) -> Catalog:
    """``language``'s catalog merged with the template (see the module's docstring)."""
    catalog = read(po_path(language), language)
    source = read(TEMPLATE)
    # A word is its context: when its English changed, carry the translation over as
    # fuzzy (Babel's own fuzzy matching compares English texts across keys).
    wanted = {m.context: m.id for m in source if m.id and m.context}
    renamed = {}
    for message in list(catalog):
        new_id = wanted.get(message.context) if message.id else None
        if new_id is not None and new_id != message.id:
            catalog.delete(message.id, context=message.context)
            catalog.add(new_id, message.string, context=message.context, flags={"fuzzy"})
            renamed[message.context] = message.id
    catalog.update(source, no_fuzzy_matching=True, update_header_comment=False)
    for message in catalog:
        if message.context in renamed:
            message.previous_id = [renamed[message.context]]
    return catalog


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m planbuilder.render.catalog")
    parser.add_argument("command", choices=["extract", "update", "check"])
    command = parser.parse_args(argv).command
    if command == "check":
        problems = differences(read(TEMPLATE) if TEMPLATE.is_file() else Catalog(), template())
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run: python -m planbuilder.render.catalog extract", file=sys.stderr)
        return 1 if problems else 0
    if command == "extract":
        written = extract_template()
        print(f"{TEMPLATE}: {'written' if written else 'up to date'}")
        return 0
    for language in languages():
        catalog = update(language)
        write(po_path(language), catalog)
        untranslated = sum(1 for m in catalog if m.id and not is_finished(m))
        print(f"{po_path(language)}: {untranslated} to translate or check")
    return 0


def is_finished(message) -> bool:
    """Translated in every form and not fuzzy: shown instead of the English."""
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all(strings) and not message.fuzzy


if __name__ == "__main__":
    sys.exit(main())
