"""After a YAML edit the dev server renders only the pages that show what changed, and the
site it writes is byte for byte the site a full build writes."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from planbuilder import compute, figures, finance, load, slugs, tables
from planbuilder.build import build
from planbuilder.keep import KeptByIdentity
from planbuilder.render import charts, environment, site

from .conftest import REPO, TODAY

# (file, text, replacement): each changes what some pages show, on the same lines.
EDITS = [
    ("milestones.yaml", "budget: 9800.00", "budget: 9900.00"),
    ("milestones.yaml", "Relaunch the web shop", "Rebuild the web shop"),
    ("milestones.yaml", "done: 2026-04-27", "done: 2026-05-03"),
    ("kpis.yaml", "2026-10: 489", "2026-10: 498"),
    ("kpis.yaml", "name: Active subscribers", "name: Subscribers"),
    ("goals.yaml", "target: 25", "target: 27"),
    ("goals.yaml", "title: Supply 25 café", "title: Supply 27 café"),
    ("team.yaml", "Tomas", "Tomás"),
    ("milestones.yaml", "spend: {from: 2027-06,", "spend: {from: 2027-05,"),
    ("financials.yaml", "cash: 42000.00", "cash: 47000.00"),
    ("financials.yaml", "month: 2027-03}", "month: 2027-03, milestone: tasting-room-opening}"),
    ("business-model.yaml", "Home brewers", "Home baristas"),
]


def full_build(plan: Path, out: Path):
    """The plan built with nothing kept from earlier builds: the reference."""
    with nothing_kept():
        return build(plan, out, pdf=False, today=TODAY)


def assert_same_site(after, full, context: object = None) -> None:
    """``after`` wrote exactly the files of ``full``, byte for byte."""
    assert sorted(after.site_files.files) == sorted(full.site_files.files)
    for relative in full.site_files.files:
        written = (after.site_dir / relative).read_bytes()
        assert written == (full.site_dir / relative).read_bytes(), (context, relative)


@contextlib.contextmanager
def nothing_kept():
    """A build that uses nothing an earlier build kept: every file parsed, every milestone
    view computed, every fragment of markup rendered again (its own environment)."""
    kept = [load.parse_cache, compute._last_views, finance._LAST_SPEND_ROWS[0]]
    kept += [site._LAST_WORDS[0], site._LAST_MILESTONE_ENTRIES, site._LAST_ENTRIES[0]]
    kept += [site._ENTRY_JSON[0], site.make_environment, finance._LAST_REPORT[0]]
    kept += [figures._LAST_VIEW_FIGURES, tables._LAST_LINES, finance._SPENT]
    load.parse_cache, compute._last_views, finance._LAST_SPEND_ROWS[0] = None, KeptByIdentity(), {}
    finance._LAST_REPORT[0] = None
    figures._LAST_VIEW_FIGURES, tables._LAST_LINES = KeptByIdentity(), KeptByIdentity()
    finance._SPENT = KeptByIdentity()
    site._LAST_WORDS[0], site._LAST_ENTRIES[0], site._ENTRY_JSON[0] = {}, {}, {}
    site._LAST_MILESTONE_ENTRIES = KeptByIdentity()
    slugs.section_slug.cache_clear()
    charts._LAST_VIEW_ROWS[0] = None
    site.make_environment = lambda theme, fmt: environment._environment.__wrapped__(
        theme, fmt, environment.os.environ.get(environment.SANDBOX_ALL_ENV) == "1", True
    )
    try:
        yield
    finally:
        load.parse_cache, compute._last_views, finance._LAST_SPEND_ROWS[0] = kept[:3]
        site._LAST_WORDS[0], site._LAST_MILESTONE_ENTRIES, site._LAST_ENTRIES[0] = kept[3:6]
        site._ENTRY_JSON[0], site.make_environment, finance._LAST_REPORT[0] = kept[6:9]
        figures._LAST_VIEW_FIGURES, tables._LAST_LINES, finance._SPENT = kept[9:]


def rendered_templates(monkeypatch) -> list[str]:
    names: list[str] = []
    original = site.render_template

    def counted(env, name, context):
        names.append(context["page"].id)
        return original(env, name, context)

    monkeypatch.setattr(site, "render_template", counted)
    return names


@pytest.mark.parametrize(("name", "old", "new"), EDITS)
def test_an_incremental_build_after_a_yaml_edit_is_a_full_build(
    sample_copy, tmp_path, monkeypatch, name, old, new
):
    first = build(sample_copy, tmp_path / "gen-1", pdf=False, today=TODAY)
    assert first.ok, first.problems
    path = sample_copy / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    rendered = rendered_templates(monkeypatch)
    after = build(
        sample_copy, tmp_path / "gen-2", pdf=False, today=TODAY, previous=first, changed={path}
    )
    assert after.ok and after.incremental
    assert "index" in rendered and len(rendered) < len(first.site_files.files)
    full = full_build(sample_copy, tmp_path / "gen-3")
    assert_same_site(after, full)
    assert sorted(after.problems) == sorted(full.problems)


def test_a_milestone_edit_renders_only_the_pages_that_show_milestones(
    sample_copy, tmp_path, monkeypatch
):
    first = build(sample_copy, tmp_path / "gen-1", pdf=False, today=TODAY)
    path = sample_copy / "milestones.yaml"
    path.write_text(path.read_text().replace("Relaunch the web shop", "Rebuild the web shop"))
    rendered = rendered_templates(monkeypatch)
    after = build(
        sample_copy, tmp_path / "gen-2", pdf=False, today=TODAY, previous=first, changed={path}
    )
    assert after.incremental
    # The title is on the dashboard, in the milestones list, the goals it advances, the
    # financials' spending by milestone and the search; the team, KPI and business model
    # pages and the chapters are carried over.
    assert sorted(rendered) == ["financials", "goals", "index", "milestones", "search"]
    assert "Rebuild the web shop" in (after.site_dir / "financials.html").read_text()
    for kept in ("team.html", "kpis.html", "business-model.html"):
        assert after.site_files.files[kept] is first.site_files.files[kept]
    assert "Rebuild the web shop" in (after.site_dir / "milestones.html").read_text()


def test_a_figure_change_renders_the_chapters_that_quote_it(sample_copy, tmp_path, monkeypatch):
    first = build(sample_copy, tmp_path / "gen-1", pdf=False, today=TODAY)
    path = sample_copy / "kpis.yaml"
    # The latest value of active subscribers, quoted by the company chapter.
    path.write_text(path.read_text().replace("2026-10: 489", "2026-10: 498"))
    rendered = rendered_templates(monkeypatch)
    after = build(
        sample_copy, tmp_path / "gen-2", pdf=False, today=TODAY, previous=first, changed={path}
    )
    assert after.incremental
    assert "section:company" in rendered
    assert "498 active subscribers" in (after.site_dir / "sections/company.html").read_text()
    chapters = [page for page in rendered if page.startswith("section:")]
    assert len(chapters) < len(first.report.plan.sections)


def test_a_template_override_renders_every_page_other_than_chapters(
    sample_copy, tmp_path, monkeypatch
):
    override = sample_copy / "theme" / "templates"
    override.mkdir(parents=True)
    bundled = REPO / "themes" / "default" / "templates" / "team.html"
    (override / "team.html").write_text(bundled.read_text(encoding="utf-8"))
    first = build(sample_copy, tmp_path / "gen-1", pdf=False, today=TODAY)
    path = sample_copy / "milestones.yaml"
    path.write_text(path.read_text().replace("Relaunch the web shop", "Rebuild the web shop"))
    rendered = rendered_templates(monkeypatch)
    after = build(
        sample_copy, tmp_path / "gen-2", pdf=False, today=TODAY, previous=first, changed={path}
    )
    assert after.incremental
    assert "team" in rendered and "kpis" in rendered


def test_reordered_milestones_leave_the_quoting_chapters_alone(make_plan, tmp_path, monkeypatch):
    # Milestones due the same day are listed by title, and so are their figures: renaming
    # one changes the order of the figures, not what any of them is.
    milestones = (
        "- {id: alpha, title: Alpha launch, due: 2027-05-31, budget: 1000.00}\n"
        "- {id: beta, title: Beta launch, due: 2027-05-31, budget: 2000.00}\n"
    )
    plan = make_plan(
        {
            "milestones.yaml": milestones,
            "sections/01-plan.md": (
                "---\ntitle: Plan\n---\nAlpha costs {=milestone.alpha.budget}.\n"
            ),
        }
    )
    first = build(plan, tmp_path / "gen-1", pdf=False, today=TODAY)
    assert first.ok, first.problems
    path = plan / "milestones.yaml"
    path.write_text(milestones.replace("Alpha launch", "Zeta launch"))
    rendered = rendered_templates(monkeypatch)
    after = build(plan, tmp_path / "gen-2", pdf=False, today=TODAY, previous=first, changed={path})
    assert after.incremental
    assert "section:plan" not in rendered and "milestones" in rendered
    assert (
        after.site_files.files["sections/plan.html"] is first.site_files.files["sections/plan.html"]
    )


# Edits one after the other, as saves in the dev server: its parse cache reads again only
# the changed items (``load._splice``) or, when in doubt, the whole file, and the checks of
# unchanged files are kept (``validate._CHECKED``).
ADDED = (
    "- id: espresso-course\n  title: Run an espresso course\n  due: 2026-09-30\n"
    "  budget: 800.00\n  owner: maya\n  goals: [wholesale]\n\n"
)
SAVES = [
    ("milestones.yaml", "Relaunch the web shop", "Rebuild the web shop"),  # the same lines
    ("milestones.yaml", "- id: first-office-account\n", ADDED + "- id: first-office-account\n"),
    ("kpis.yaml", "2026-10: 489", "2026-10: 498"),
    ("milestones.yaml", "  budget: 3200.00\n", "  budget: 3300.00\n  capital: true\n"),
    ("goals.yaml", "target: 25", "target: 27"),
    ("milestones.yaml", "- id: referral-program\n", "- id: referral-scheme\n"),  # an id
    ("milestones.yaml", "course\n", "course: [\n"),  # broken
    ("milestones.yaml", "course: [\n", "course\n"),  # fixed
    ("team.yaml", "Tomas", "Tomás"),
    ("milestones.yaml", "  budget: 1500.00\n", "  budget: lots\n"),  # an error in an item
    ("milestones.yaml", "  budget: 38500.00\n", "  budget: 38500.00\n\n"),  # a line before it
    ("milestones.yaml", "  budget: lots\n", "  budget: 1500.00\n"),  # the error fixed
    ("milestones.yaml", ADDED, ""),  # the milestone removed
    ("milestones.yaml", "  due: 2026-04-30\n", "  due: 2026-05-30\n"),  # the order changes
    ("milestones.yaml", "Rebuild the web shop", "Relaunch the web shop"),  # undone
    ("milestones.yaml", "  budget: 9800.00\n", "  budget: 9800.0\n"),  # written otherwise
    ("milestones.yaml", "  actual_cost: 9415.50\n", "  actual_cost: 9451.50\n"),
    ("team.yaml", "Tomás", "Tomas"),  # every milestone view made again
    ("milestones.yaml", "Install the 15 kg roaster", "Install the roaster"),  # a capex line
    ("milestones.yaml", "spend: {from: 2027-06,", "spend: {from: 2027-05,"),
    ("financials.yaml", "cash: 42000.00", "cash: 47000.00"),
    ("financials.yaml", "month: 2027-03}", "month: 2027-03, milestone: tasting-room-opening}"),
    ("milestones.yaml", "Launch the subscriber referral", "Start the subscriber referral"),
]
BROKEN = {7, 10, 11}  # the saves after which the plan has errors


def test_saves_in_the_dev_server_build_what_a_full_build_does(sample_copy, tmp_path, monkeypatch):
    from planbuilder import validate

    cache = load.ParseCache()
    spliced = []
    splice = load._splice
    monkeypatch.setattr(load, "_splice", lambda *a: spliced.append(splice(*a)) or spliced[-1])
    kept = []
    keep = validate._kept_check
    monkeypatch.setattr(validate, "_kept_check", lambda *a: kept.append(keep(*a)) or kept[-1])
    monkeypatch.setattr(load, "parse_cache", cache)
    last = build(sample_copy, tmp_path / "gen-0", pdf=False, today=TODAY)
    incremental = 0
    for n, (name, old, new) in enumerate(SAVES, start=1):
        path = sample_copy / name
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, 1))
        monkeypatch.setattr(load, "parse_cache", cache)
        gen = tmp_path / f"gen-{n}"
        after = build(sample_copy, gen, pdf=False, today=TODAY, previous=last, changed={path})
        # The reference parses every file, computes every milestone view and renders
        # every row again.
        full = full_build(sample_copy, tmp_path / f"full-{n}")
        assert after.problems == full.problems, new
        assert after.ok == full.ok == (n not in BROKEN), new
        incremental += after.incremental
        if after.ok:
            assert_same_site(after, full, new)
        last = after
    assert incremental == len(SAVES) - 5  # not after errors, nor the save after that
    assert sum(doc is not None for doc in spliced) >= 10  # only the changed items parsed
    assert sum(check is not None for check in kept) > 50  # and checked


def test_a_milestone_save_renders_only_that_milestones_rows(sample_copy, tmp_path, monkeypatch):
    from planbuilder.render.environment import fragments_of

    monkeypatch.setattr(load, "parse_cache", load.ParseCache())  # as the dev server does
    last = build(sample_copy, tmp_path / "gen-1", pdf=False, today=TODAY)
    fragments = fragments_of(site.make_environment(last.theme, _formatter(last)))
    path = sample_copy / "milestones.yaml"
    path.write_text(path.read_text().replace("Relaunch the web shop", "Rebuild the web shop"))
    fragments.made.clear()
    after = build(
        sample_copy, tmp_path / "gen-2", pdf=False, today=TODAY, previous=last, changed={path}
    )
    assert after.incremental
    # Its row in the milestone table, in the financials' spending by milestone, under the
    # goals it advances (one item, shown under both) and in the search page; every other
    # row is kept.
    views = [v for v in after.report.milestones if v.milestone.id == "web-shop-relaunch"]
    assert len(views[0].goals) == 2
    assert fragments.made == {
        "milestone-row": 1,
        "milestone-spend": 1,
        "goal-milestone": 1,
        "search-item": 1,
    }
    assert len(after.report.milestones) > 10
    for page in ("milestones.html", "financials.html", "goals.html", "search.html"):
        assert "Rebuild the web shop" in (after.site_dir / page).read_text(), page
    # Undone (a text parsed before): again only that milestone's rows are made.
    path.write_text(path.read_text().replace("Rebuild the web shop", "Relaunch the web shop"))
    fragments.made.clear()
    undone = build(
        sample_copy, tmp_path / "gen-3", pdf=False, today=TODAY, previous=after, changed={path}
    )
    assert undone.incremental
    assert fragments.made == {
        "milestone-row": 1,
        "milestone-spend": 1,
        "goal-milestone": 1,
        "search-item": 1,
    }
    for page in ("milestones.html", "financials.html", "goals.html", "search.html"):
        text = (undone.site_dir / page).read_text()
        assert "Relaunch the web shop" in text and "Rebuild the web shop" not in text, page


def _formatter(result):
    from planbuilder.render.formatting import Formatter

    meta = result.report.plan.meta
    return Formatter(meta.locale, meta.currency)


def test_kept_fragments_are_forgotten_when_their_template_changes(tmp_path):
    import os

    from jinja2 import Environment, FileSystemLoader

    from planbuilder.render.environment import FragmentCache

    template = tmp_path / "list.html"
    template.write_text(
        "{% for r in missing_fragments('item', records, at) %}{% set item %}"
        "<li>{{ at }}{{ r.title }}</li>{% endset %}{% set _ = keep_fragment('item', r, item, at) %}"
        "{% endfor %}{{ joined_fragments('item', records, at) }}"
    )
    env = Environment(loader=FileSystemLoader(str(tmp_path)), autoescape=True)
    fragments = FragmentCache(env, True)
    env.globals.update(
        missing_fragments=fragments.missing_fragments,
        keep_fragment=fragments.keep_fragment,
        joined_fragments=fragments.joined_fragments,
    )
    env.globals["records"] = [site.SearchEntry("page", name, "", "") for name in ("<A>", "B")]

    def render(at=""):
        fragments.start()
        return env.get_template("list.html").render(at=at)

    assert render() == "<li>&lt;A&gt;</li><li>B</li>"
    assert render() == "<li>&lt;A&gt;</li><li>B</li>" and fragments.made["item"] == 2
    # What else a fragment shows (``extra``) must be equal too.
    assert render("../") == "<li>../&lt;A&gt;</li><li>../B</li>" and fragments.made["item"] == 4
    template.write_text(template.read_text().replace("<li>", "<li class='x'>"))
    stat = template.stat()
    os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))
    assert render() == "<li class='x'>&lt;A&gt;</li><li class='x'>B</li>"
    assert fragments.made["item"] == 6


def test_chapters_made_from_the_shell_after_a_figure_change_are_a_full_builds(
    sample_copy, tmp_path, monkeypatch
):
    """Enough chapters quote a changed figure for their pages to come from one rendered
    shell (``site.ChapterShells``): the same bytes as a full build."""
    for i in range(site.SHELL_MIN_PAGES + 2):
        (sample_copy / "sections" / f"{50 + i}-quote-{i}.md").write_text(
            f"---\ntitle: Quote {i} & <more>\n---\n"
            f"We have {{=kpi.active-subscribers.latest}} subscribers ({i}).\n"
        )
    first = build(sample_copy, tmp_path / "gen-1", pdf=False, today=TODAY)
    assert first.ok, first.problems
    path = sample_copy / "kpis.yaml"
    path.write_text(path.read_text().replace("2026-10: 489", "2026-10: 498"))
    filled = []
    page = site.ChapterShells.page
    monkeypatch.setattr(
        site.ChapterShells, "page", lambda self, *a: filled.append(page(self, *a)) or filled[-1]
    )
    after = build(
        sample_copy, tmp_path / "gen-2", pdf=False, today=TODAY, previous=first, changed={path}
    )
    assert after.incremental
    assert sum(html is not None for html in filled) >= site.SHELL_MIN_PAGES - 2
    full = full_build(sample_copy, tmp_path / "gen-3")
    assert_same_site(after, full)
    assert "We have 498 subscribers (3)." in (after.site_dir / "sections/quote-3.html").read_text()
