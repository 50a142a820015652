"""The site shows each page of a statement in a box of its own (site financials.html); its
cells must stay those the PDF prints from partials/financials.html."""

from __future__ import annotations

import re

from planbuilder.editions import editions
from planbuilder.render.pdf import print_html

TABLE = re.compile(r'<table class="fin-table statement-table[^"]*">.*?</table>', re.S)


def _texts(html: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", t).split()) for t in TABLE.findall(html)]


def test_site_statements_print_the_same_cells_as_the_pdf(sample_build):
    site = _texts((sample_build.site_dir / "financials.html").read_text(encoding="utf-8"))
    report, theme = sample_build.report, sample_build.theme
    [internal] = [e for e in editions(report.plan, theme) if e.name == "internal"]
    pdf, _ = print_html(report, theme, internal, root=sample_build.root)
    printed = _texts(pdf)
    assert len(site) == 9  # three statements, a page of columns per fiscal year
    assert "Income statement (1/3) · Amounts in whole USD" in site[0]
    assert "FY 2026" in site[0] and "Net profit" in site[0]
    assert site == printed[: len(site)]
