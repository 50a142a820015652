"""Names for URLs, anchors and files, made from titles and file names."""

from __future__ import annotations

import functools
import re
import unicodedata


def slugify(text: str) -> str:
    """ASCII, lowercase, hyphen-separated; accents folded (``Kế hoạch`` → ``ke-hoach``)."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", bare).strip("-")


# Kept between builds by the exact name (a pure function of it): the dev server asks for
# each chapter's slug in every build, and a plan may have a thousand chapters.
@functools.lru_cache(maxsize=4096)
def section_slug(stem: str) -> str:
    """``01-executive-summary`` → ``executive-summary``: drop the ordering prefix.
    Answers are kept for the last 4,096 names."""
    return slugify(re.sub(r"^\d+[-_ .]+", "", stem)) or slugify(stem) or "section"
