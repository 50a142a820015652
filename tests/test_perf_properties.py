"""Properties behind the speed of a build, asserted without timing anything: no work done
twice, output that grows with the plan rather than with its square."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from planbuilder import load
from planbuilder.build import build
from planbuilder.cli import Progress
from planbuilder.load import ParseCache, parse_yaml
from planbuilder.render import site
from planbuilder.render.layout import LayoutJob, layout_pdf

from .conftest import SAMPLE, TODAY


def chapters(count: int) -> dict[str, str]:
    return {
        f"sections/{i:04}-part-{i}.md": f"---\ntitle: Part {i}\n---\nSome words about part {i}.\n"
        for i in range(count)
    }


def html_bytes(result) -> int:
    return sum(
        len(data)
        for name, data in result.site_files.files.items()
        if name.endswith(".html") and isinstance(data, bytes)
    )


def test_an_unchanged_build_lays_out_no_pdf(make_plan, tmp_path, monkeypatch):
    plan = make_plan({"sections/01-summary.md": "Stable words.\n"})
    first = build(plan, tmp_path / "out", today=TODAY)
    assert first.ok and first.pdf_paths and first.reused == ()

    def no_layout(*args, **kwargs):
        raise AssertionError("a PDF was laid out again")

    monkeypatch.setattr("planbuilder.pdfcache.layout_pdf", no_layout)
    monkeypatch.setattr("planbuilder.pdfcache.LayoutPool.submit", no_layout)
    second = build(plan, tmp_path / "out", today=TODAY)
    assert second.ok and second.reused == second.pdf_paths == first.pdf_paths
    assert second.pdf_path.read_bytes() == first.pdf_path.read_bytes()


def test_the_site_grows_linearly_with_its_chapters(make_plan, tmp_path):
    small = build(make_plan(chapters(100)), tmp_path / "small", pdf=False, today=TODAY)
    large = build(make_plan(chapters(1000)), tmp_path / "large", pdf=False, today=TODAY)
    assert small.ok and large.ok
    assert html_bytes(large) / html_bytes(small) < 12
    # Every chapter is still reachable from the dashboard's sidebar.
    dashboard = large.site_files.files["index.html"].decode()
    sidebar = dashboard.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert sidebar.count('href="sections/') == 1000


def test_the_navigation_is_rendered_once_per_folder_depth(make_plan, tmp_path, monkeypatch):
    renders = []
    original = site.NavCache._render

    def counted(self, context):
        renders.append(context["page"])
        return original(self, context)

    monkeypatch.setattr(site.NavCache, "_render", counted)
    result = build(make_plan(chapters(12)), tmp_path / "out", pdf=False, today=TODAY)
    assert result.ok
    pages = [name for name in result.site_files.files if name.endswith(".html")]
    assert len(pages) > 12
    # Top-level pages and chapter pages: one shared render and one check each.
    assert len(renders) == 4
    # Each page marks its own link as the current one, and only that one.
    for name in pages:
        html = result.site_files.files[name].decode()
        assert html.count('aria-current="page"') == 1
        own = name.rsplit("/", 1)[-1]
        assert f'{own}" aria-current="page"' in html


def test_a_large_site_renders_its_navigation_per_block_of_chapters(
    make_plan, tmp_path, monkeypatch
):
    renders = []
    original = site.NavCache._render
    monkeypatch.setattr(
        site.NavCache, "_render", lambda self, c: renders.append(1) or original(self, c)
    )
    result = build(make_plan(chapters(500)), tmp_path / "out", pdf=False, today=TODAY)
    assert result.ok
    # Once (and one check) for each block of 50 chapters, for the dashboard, and for the
    # search page (top level, listing the first block): not once per page.
    assert len(renders) == 2 * (10 + 1 + 1)
    page = result.site_files.files["sections/part-75.html"].decode()
    assert 'href="../sections/part-50.html"' in page  # its block
    assert 'href="../sections/part-120.html"' not in page  # another block


def test_a_yaml_edit_renders_fewer_pages_than_a_full_build(make_plan, tmp_path, monkeypatch):
    plan = make_plan(
        {**chapters(20), "team.yaml": "- {id: ada, name: Ada Lovelace, role: Founder}\n"}
    )
    rendered: list[str] = []
    original = site.render_template

    def counted(env, name, context):
        rendered.append(name)
        return original(env, name, context)

    monkeypatch.setattr(site, "render_template", counted)
    first = build(plan, tmp_path / "gen-1", pdf=False, today=TODAY)
    full = len(rendered)
    rendered.clear()
    team = plan / "team.yaml"
    team.write_text("- {id: ada, name: Ada King, role: Founder}\n")
    second = build(plan, tmp_path / "gen-2", pdf=False, today=TODAY, previous=first, changed={team})
    assert second.ok and second.incremental
    assert 0 < len(rendered) < full and "section.html" not in rendered
    assert "Ada King" in (second.site_dir / "team.html").read_text()


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLE.glob("*.yaml")))
def test_libyaml_reads_like_the_pure_python_loader(name, monkeypatch):
    path = SAMPLE / name
    text = path.read_text()
    fast, fast_problems = parse_yaml(text, path)
    monkeypatch.setattr(load, "_CLoader", None)
    slow, slow_problems = parse_yaml(text, path)
    assert fast.data == slow.data and fast_problems == slow_problems
    assert fast.positions == slow.positions and fast.key_positions == slow.key_positions


def test_a_cached_parse_gives_each_caller_its_own_data(monkeypatch):
    monkeypatch.setattr(load, "parse_cache", ParseCache())
    text = "- id: a\n  actuals: {2027-01: 1.5}\n"
    first, _ = parse_yaml(text, Path("kpis.yaml"))
    first.data[0]["actuals"]["2027-02"] = 2
    second, _ = parse_yaml(text, Path("kpis.yaml"))
    assert second.data == [{"id": "a", "actuals": {"2027-01": load.Decimal("1.5")}}]
    assert second.positions == first.positions
    assert second.positions[(0, "actuals", "2027-01")].line == 2


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_one_line_per_phase_off_a_terminal_and_pages_on_one():
    messages = ["checking the plan", "laying out the PDF: Investor (1/1)"]
    messages += [f"laying out the PDF: Investor (1/1) · page {n}" for n in (1, 2, 3)]
    messages += ["writing the output"]
    log = io.StringIO()
    progress = Progress(quiet=False, verbose=False, stream=log)
    for message in messages:
        progress(message)
    progress.done()
    assert log.getvalue().splitlines() == [
        "checking the plan…",
        "laying out the PDF: Investor (1/1)…",
        "writing the output…",
    ]
    screen = Terminal()
    progress = Progress(quiet=False, verbose=False, stream=screen)
    for message in messages:
        progress(message)
    progress.done()
    lines = screen.getvalue().split("\n")
    # Each phase keeps one line; the page count updates in place on it.
    assert len(lines) == 4 and lines[-1] == ""
    assert lines[1].endswith("\r\033[Klaying out the PDF: Investor (1/1) · page 3…")
    assert "page 2" in lines[1]


def test_the_layout_reports_each_page(tmp_path):
    html = "<p>one</p><p style='break-before: page'>two</p><p style='break-before: page'>3</p>"
    job = LayoutJob(html, str(tmp_path), (str(tmp_path),), ())
    pages: list[int] = []
    data = layout_pdf(job, pages.append)
    assert data.startswith(b"%PDF-") and pages == [1, 2, 3]


def test_positions_are_made_only_when_read(tmp_path):
    # A value's position is the same Position as before, shifted for front matter, but
    # the parsed file keeps plain (line, column) pairs until one is read.
    from planbuilder.load import Marks, parse_yaml
    from planbuilder.problems import Position

    doc, problems = parse_yaml("a:\n  - x\n  - {b: 2}\n", tmp_path / "f.yaml", line_offset=3)
    assert problems == []
    assert isinstance(doc.positions, Marks)
    assert doc.positions[("a", 1, "b")] == Position(str(tmp_path / "f.yaml"), 6, 9)
    assert doc.key_pos(("a",)) == Position(str(tmp_path / "f.yaml"), 4, 1)
    assert doc.pos(("a", 1, "missing")) == Position(str(tmp_path / "f.yaml"), 6, 5)
    assert dict(doc.positions) == {
        (): Position(str(tmp_path / "f.yaml"), 4, 1),
        ("a",): Position(str(tmp_path / "f.yaml"), 5, 3),
        ("a", 0): Position(str(tmp_path / "f.yaml"), 5, 5),
        ("a", 1): Position(str(tmp_path / "f.yaml"), 6, 5),
        ("a", 1, "b"): Position(str(tmp_path / "f.yaml"), 6, 9),
    }


def test_a_rebuild_links_the_unchanged_files_of_the_previous_generation(make_plan, tmp_path):
    plan = make_plan(
        {**chapters(3), "team.yaml": "- {id: ada, name: Ada Lovelace, role: Founder}\n"}
    )
    first = build(plan, tmp_path / "gen-1", pdf=False, today=TODAY)
    team = plan / "team.yaml"
    team.write_text("- {id: ada, name: Ada King, role: Founder}\n")
    second = build(plan, tmp_path / "gen-2", pdf=False, today=TODAY, previous=first, changed={team})
    assert second.incremental
    kept = "sections/part-1.html"
    assert (second.site_dir / kept).stat().st_ino == (first.site_dir / kept).stat().st_ino
    assert (second.site_dir / "static/site.css").samefile(first.site_dir / "static/site.css")
    # The page that changed is a file of its own; the earlier one is left as it was.
    assert not (second.site_dir / "team.html").samefile(first.site_dir / "team.html")
    assert "Ada King" in (second.site_dir / "team.html").read_text()
    assert "Ada Lovelace" in (first.site_dir / "team.html").read_text()


def test_a_rebuild_never_links_through_a_link_in_the_previous_generation(make_plan, tmp_path):
    plan = make_plan(
        {**chapters(3), "team.yaml": "- {id: ada, name: Ada Lovelace, role: Founder}\n"}
    )
    first = build(plan, tmp_path / "gen-1", pdf=False, today=TODAY)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the site")
    page = first.site_dir / "sections/part-1.html"
    expected = page.read_bytes()
    page.unlink()
    page.symlink_to(secret)
    (first.site_dir / "sections/part-2.html").unlink()  # gone: written again
    moved = first.site_dir / "static"
    moved.rename(tmp_path / "static-moved")
    moved.symlink_to(tmp_path / "static-moved")
    team = plan / "team.yaml"
    team.write_text("- {id: ada, name: Ada King, role: Founder}\n")
    second = build(plan, tmp_path / "gen-2", pdf=False, today=TODAY, previous=first, changed={team})
    assert second.ok and second.incremental
    written = second.site_dir / "sections/part-1.html"
    assert not written.is_symlink() and written.read_bytes() == expected
    css = second.site_dir / "static/site.css"
    assert not css.is_symlink() and not css.samefile(tmp_path / "static-moved/site.css")
    assert (second.site_dir / "sections/part-2.html").read_bytes() == (
        first.site_files.files["sections/part-2.html"]
    )


def test_search_words_without_links_are_those_of_the_full_pattern():
    import itertools

    pieces = ["# Head", "**bold**", "a_b", "`code`", "> quote", "| x | y |", "[text]", "(p)", "!"]
    for combo in itertools.permutations(pieces, 4):
        text = " ".join(combo) + "\n"
        assert "](" not in text
        slow = " ".join(site._MARKUP.sub(lambda m: m.group(1) or " ", text).split())
        assert site._plain(text) == slow
    assert site._plain("see [the *market*](market.md) ![](a.png)") == "see the *market*"


def test_a_build_puts_the_collectors_thresholds_back(make_plan, tmp_path, monkeypatch):
    import gc

    from planbuilder import build as build_module

    before = gc.get_threshold()
    seen = []
    original = build_module.prepare

    def watched(*args, **kwargs):
        seen.append(gc.get_threshold())
        return original(*args, **kwargs)

    monkeypatch.setattr(build_module, "prepare", watched)
    plan = make_plan(chapters(2))
    assert build(plan, tmp_path / "out", pdf=False, today=TODAY).ok
    assert seen == [
        (
            build_module.BUILD_GC_THRESHOLD,
            build_module.BUILD_GC_MIDDLE,
            build_module.BUILD_GC_OLDEST,
        )
    ]
    assert gc.get_threshold() == before


def test_a_build_collects_only_when_it_lays_out_a_pdf_here(make_plan, tmp_path, monkeypatch):
    import gc

    from planbuilder import build as build_module

    states = []
    original = build_module.prepare

    def watched(*args, **kwargs):
        states.append(gc.isenabled())
        return original(*args, **kwargs)

    def fake_layout(job, on_page=None):
        states.append(gc.isenabled())
        return b"%PDF-1.7 laid out"

    monkeypatch.setattr(build_module, "prepare", watched)
    monkeypatch.setattr("planbuilder.pdfcache.layout_pdf", fake_layout)
    plan = make_plan(chapters(2))
    assert gc.isenabled()
    # A site alone, and a check (nothing laid out): no collections while they run.
    assert build(plan, tmp_path / "site", pdf=False, today=TODAY).ok
    assert build(plan, tmp_path / "check", write=False, layout=False, today=TODAY).ok
    assert states == [False, False]
    assert gc.isenabled()
    # A PDF laid out in this process (no pool): collected as usual, before and during.
    states.clear()
    result = build(plan, tmp_path / "pdf", today=TODAY)
    assert result.ok and result.pdf_path.read_bytes() == b"%PDF-1.7 laid out"
    assert states == [True, True]
    assert gc.isenabled()
