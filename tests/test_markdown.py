"""Narrative sections: safe Markdown, rewritten links and images, problems with lines."""

from __future__ import annotations

import re
from pathlib import Path

from planbuilder.model import Section
from planbuilder.render.markdown import Target, render_section

SITE = Target(
    asset_url=lambda p: f"../{p.as_posix()}",
    section_url=lambda slug, anchor: f"../sections/{slug}.html" + (f"#{anchor}" if anchor else ""),
)


def section(root: Path, body: str, name: str = "intro.md") -> Section:
    path = root / "sections" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    return Section(slug=path.stem, title="Intro", order=1, body=body, body_line=4, path=path)


def test_raw_html_is_escaped_not_rendered(tmp_path: Path):
    result = render_section(
        section(tmp_path, "Hello <script>alert(1)</script> <b>x</b>\n"), tmp_path, SITE, {}
    )
    assert "<script>" not in result.html
    assert "&lt;script&gt;" in result.html


def test_javascript_links_do_not_become_links(tmp_path: Path):
    result = render_section(section(tmp_path, "[click](javascript:alert(1))\n"), tmp_path, SITE, {})
    assert 'href="javascript' not in result.html


def test_tables_headings_and_ids(tmp_path: Path):
    body = "# Market\n\n## Cafés and offices\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n"
    result = render_section(section(tmp_path, body), tmp_path, SITE, {})
    assert '<h2 id="intro--market">Market</h2>' in result.html
    assert '<h3 id="intro--cafes-and-offices">' in result.html
    assert '<table class="md-table">' in result.html
    # Demoted one level below the section title: the two headings are h2 and h3, in order.
    levels = re.findall(r"<(h[1-6])\b", result.html)
    assert levels == ["h2", "h3"]


def test_images_from_assets_are_rewritten(tmp_path: Path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "plan.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    body = "![a](../assets/plan.svg)\n\n![b](assets/plan.svg)\n"
    result = render_section(section(tmp_path, body), tmp_path, SITE, {})
    assert result.problems == ()
    assert result.html.count('src="../assets/plan.svg"') == 2


def test_missing_and_remote_images_are_errors_with_lines(tmp_path: Path):
    body = "Intro\n\n![gone](../assets/nope.png)\n\n![web](https://example.com/x.png)\n"
    result = render_section(section(tmp_path, body), tmp_path, SITE, {})
    found = [(p.position.line, p.message) for p in result.problems]
    assert found == [
        (6, "image `../assets/nope.png` not found"),
        (8, "image `https://example.com/x.png` is not a file of the plan"),
    ]
    assert "example.com" not in result.html


def test_image_outside_the_plan_is_refused(tmp_path: Path):
    plan = tmp_path / "plan"
    (tmp_path / "secret.png").write_bytes(b"\x89PNG")
    result = render_section(section(plan, "![x](../../secret.png)\n"), plan, SITE, {})
    assert result.problems and "not found" in result.problems[0].message
    assert "secret" not in result.html


def test_links_to_other_sections_follow_them(tmp_path: Path):
    body = "See [the market](03-market.md#competition) and [web](https://example.com).\n"
    result = render_section(section(tmp_path, body), tmp_path, SITE, {"03-market.md": "market"})
    assert 'href="../sections/market.html#competition"' in result.html
    assert 'href="https://example.com"' in result.html


def test_broken_relative_link_is_a_warning(tmp_path: Path):
    result = render_section(section(tmp_path, "[x](missing.md)\n"), tmp_path, SITE, {})
    [problem] = result.problems
    assert not problem.is_error
    assert problem.position.line == 4


def test_links_to_sections_outside_the_document_become_text(tmp_path: Path):
    pdf = Target(asset_url=lambda p: p.as_posix(), section_url=lambda slug, anchor: None)
    body = "Read [the funding request](07-funding-request.md) and [more](https://example.com).\n"
    result = render_section(
        section(tmp_path, body), tmp_path, pdf, {"07-funding-request.md": "funding-request"}
    )
    assert "<span>the funding request</span>" in result.html
    assert 'href="https://example.com"' in result.html
    assert result.problems == ()
