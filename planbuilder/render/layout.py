"""Lay out a rendered print document as a PDF with WeasyPrint.

Only plain values come in (the HTML, folders, stylesheet paths, options), so a layout
can run in a worker process on exactly the document that was rendered and keyed,
never on a plan read again from disk. WeasyPrint is imported only here and only when
a PDF is made (it takes half a second to import). Every file it loads goes through
``ConfinedFetcher``, which refuses the network and any file outside the allowed folders.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from planbuilder.paths import is_inside


@dataclass(frozen=True)
class LayoutJob:
    """Everything one PDF layout needs, as plain (picklable) values."""

    html: str
    base: str  # folder relative URLs in the HTML are resolved against
    roots: tuple[str, ...]  # the only folders files may be loaded from
    stylesheets: tuple[str, ...]
    pdf_variant: str | None = None


class _PageCounter(logging.Handler):
    """Calls ``on_page(n)`` as WeasyPrint lays out page ``n`` (from its progress log).

    Page numbers only count up: WeasyPrint logs every page again in the quick passes that
    fill in ``counter(pages)`` and the contents' page numbers."""

    def __init__(self, on_page: Callable[[int], None]):
        super().__init__(logging.INFO)
        self.on_page = on_page
        self.last = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "Creating layout - Page" in str(record.msg) and record.args:
            page = int(record.args[0])
            if page > self.last:
                self.last = page
                self.on_page(page)


def layout_pdf(job: LayoutJob, on_page: Callable[[int], None] | None = None) -> bytes:
    """The PDF bytes of ``job.html`` laid out with ``job.stylesheets``; ``on_page(n)`` is
    called as each page is laid out."""
    # WeasyPrint logs every refused fetch as a warning; our own checks already
    # report missing files with their position, so keep its log quiet.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    if on_page is None:
        return _layout(job)
    progress_log = logging.getLogger("weasyprint.progress")
    counter = _PageCounter(on_page)
    level, propagate = progress_log.level, progress_log.propagate
    progress_log.setLevel(logging.INFO)
    progress_log.propagate = False
    progress_log.addHandler(counter)
    try:
        return _layout(job)
    finally:
        progress_log.removeHandler(counter)
        progress_log.setLevel(level)
        progress_log.propagate = propagate


def _layout(job: LayoutJob) -> bytes:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fetcher = confined_fetcher([Path(root) for root in job.roots])
    font_config = FontConfiguration()
    css = [
        weasyprint.CSS(filename=path, url_fetcher=fetcher, font_config=font_config)
        for path in job.stylesheets
    ]
    document = weasyprint.HTML(
        string=job.html, base_url=job.base.rstrip("/") + "/", url_fetcher=fetcher
    ).render(stylesheets=css, font_config=font_config)
    identifier = hashlib.sha256(job.html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    options: dict = {"pdf_identifier": identifier, "pdf_tags": True}
    if job.pdf_variant:
        options["pdf_variant"] = job.pdf_variant
    return document.write_pdf(**options)


def confined_fetcher(roots: list[Path]):
    """A WeasyPrint URL fetcher that loads ``data:`` URLs and files inside ``roots`` only."""
    from weasyprint.urls import URLFetcher

    resolved = [r.resolve() for r in roots]

    class ConfinedFetcher(URLFetcher):
        """Loads ``data:`` URLs and files inside the allowed folders; nothing else."""

        def __init__(self):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, timeout=5)

        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                from urllib.request import url2pathname

                path = Path(url2pathname(url.split("?")[0].split("#")[0].removeprefix("file:")))
                if not any(is_inside(path, root) for root in resolved):
                    raise ValueError(f"refused to load a file outside the plan: {url}")
            elif not url.startswith("data:"):
                raise ValueError(f"refused to load from the network: {url}")
            return super().fetch(url, headers)

    return ConfinedFetcher()
