"""Themes: the chapters a theme declares in theme.yaml, and a plan adding its own."""

from __future__ import annotations

import re
from pathlib import Path

from planbuilder.build import build, prepare
from planbuilder.editions import editions
from planbuilder.render.pdf import print_html
from planbuilder.themes import DEFAULT_THEME, resolve_theme
from tests.conftest import MINIMAL_PLAN, SAMPLE, TODAY, write_files

DEFAULT_ORDER = [
    "business-model",
    "goals",
    "milestones",
    "kpis",
    "team",
    "financials",
    "income-statement",
    "balance-sheet",
    "cash-flow-statement",
    "loan-request",
    "collateral",
    "debt-summary",
    "review",
    "use-of-funds",
    "repayment",
    "cash-flow",
    "dscr",
    "amortisation",
]
NOT_IN_ALL = ["use-of-funds", "repayment", "cash-flow", "dscr"]

SWOT = {
    "theme/theme.yaml": """\
        chapters:
          swot: {template: chapters/swot.html, title: SWOT analysis, needs: goals}
    """,
    "theme/templates/chapters/swot.html": """\
        <ul class="swot">{% for gv in report.goals %}<li>{{ gv.goal.title }}</li>{% endfor %}</ul>
    """,
    "goals.yaml": "- {id: g, title: Open a second shop}\n",
}


def chapter_ids(html: str) -> list[str]:
    return re.findall(r'<section class="chapter[^"]*" id="([^"]+)"', html)


def test_the_default_theme_declares_its_chapters_in_order():
    theme = resolve_theme(DEFAULT_THEME)
    assert [c.id for c in theme.chapters] == DEFAULT_ORDER
    assert theme.problems == ()
    landscape = [c.id for c in theme.chapters if c.landscape]
    assert landscape == ["income-statement", "balance-sheet", "cash-flow-statement", "cash-flow"]
    assert [c.id for c in theme.chapters if not c.in_all] == NOT_IN_ALL
    assert theme.chapter("dscr").needs == "loans"
    for chapter in theme.chapters:  # every declared template exists
        assert theme.find(f"templates/{chapter.template}") is not None, chapter.template
    # Editions validate chapter names against the bundled theme's declaration.
    assert [c.id for c in resolve_theme(DEFAULT_THEME).chapters] == DEFAULT_ORDER


def test_a_plan_adds_a_chapter_with_one_template_and_one_line(make_plan):
    plan = make_plan(SWOT)
    prepared = prepare(plan, today=TODAY)
    assert prepared.ok, prepared.problems
    [edition] = editions(prepared.report.plan, prepared.theme)
    assert [c.id for c in edition.chapters] == ["goals", "swot"]  # after the theme's own
    html, problems = print_html(prepared.report, prepared.theme, edition, root=prepared.root)
    assert problems == []
    assert chapter_ids(html) == ["goals", "swot"]
    assert '<h1>SWOT analysis</h1>\n<ul class="swot"><li>Open a second shop</li></ul>' in html
    assert '<a href="#swot">SWOT analysis</a>' in html  # in the table of contents


def test_an_edition_may_name_a_chapter_the_plan_added(make_plan):
    plan = make_plan(
        {
            **SWOT,
            "plan.yaml": MINIMAL_PLAN + "editions:\n  board:\n    chapters: [swot]\n",
        }
    )
    prepared = prepare(plan, today=TODAY)
    assert prepared.ok, prepared.problems
    [edition] = editions(prepared.report.plan, prepared.theme)
    assert [c.id for c in edition.chapters] == ["swot"]
    typo = make_plan({**SWOT, "plan.yaml": MINIMAL_PLAN + "editions:\n  b:\n    chapters: [swt]\n"})
    [problem] = [p for p in prepare(typo, today=TODAY).problems if p.is_error]
    assert (problem.message, problem.hint) == (
        "edition `b` names unknown chapter `swt`",
        "did you mean `swot`?",
    )


def test_an_added_chapter_is_laid_out_in_the_pdf(make_plan, tmp_path):
    from pypdf import PdfReader

    plan = make_plan(SWOT)
    result = build(plan, tmp_path / "out", site=False, today=TODAY)
    assert result.ok, result.problems
    reader = PdfReader(result.pdf_path)
    assert [item.title for item in reader.outline if not isinstance(item, list)] == [
        "Goals",
        "SWOT analysis",
    ]


def test_a_chapter_that_needs_what_the_plan_lacks_is_left_out(make_plan):
    files = dict(SWOT)
    del files["goals.yaml"]
    prepared = prepare(make_plan(files), today=TODAY)
    [edition] = editions(prepared.report.plan, prepared.theme)
    assert edition.chapters == ()


def test_a_plan_can_turn_a_chapter_landscape(make_plan):
    plan = make_plan(
        {
            "theme/theme.yaml": """\
                chapters:
                  goals: {template: chapters/goals.html, orientation: landscape, needs: goals}
            """,
            "goals.yaml": "- {id: g, title: Open a second shop}\n",
        }
    )
    prepared = prepare(plan, today=TODAY)
    html, _ = print_html(prepared.report, prepared.theme, root=prepared.root)
    assert '<section class="chapter landscape" id="goals">' in html
    # The other chapters keep their place and their declaration.
    assert [c.id for c in prepared.theme.chapters] == DEFAULT_ORDER


def test_mistakes_in_a_plans_theme_yaml_are_reported_with_their_line(tmp_path):
    override = write_files(
        tmp_path / "theme",
        {
            "theme.yaml": """\
                chapters:
                  swot: {template: chapters/swot.html}
                  risks: {template: chapters/risks.html, needs: goal}
                  wide: {template: chapters/wide.html, orientation: sideways}
                  Bad_Id: {template: x.html}
                  noted: {template: x.html, colour: red}
                  empty: {}
            """,
            "templates/chapters/swot.html": "<p>SWOT</p>\n",
        },
    )
    theme = resolve_theme(DEFAULT_THEME, override)
    found = [(p.position.line, p.message, p.hint) for p in theme.problems]
    assert found == [
        (3, "chapter `risks`: needs unknown part `goal`", "did you mean `goals`?"),
        (4, "chapter `wide`: orientation `sideways` is not portrait or landscape", ""),
        (5, "chapter `Bad_Id`: an id is lower-case letters, digits and hyphens", ""),
        (
            6,
            "chapter `noted`: unknown key `colour`",
            "keys: `template`, `orientation`, `needs`, `in_all`, `after`, `title`, `appendix`",
        ),
        (7, "chapter `empty`: needs a `template`", "empty: {template: chapters/empty.html}"),
    ]
    assert all(p.position.file == str(override / "theme.yaml") for p in theme.problems)
    assert [c.id for c in theme.chapters] == [*DEFAULT_ORDER, "swot"]


def test_invalid_yaml_in_theme_yaml_is_an_error_and_the_build_reports_it(make_plan, tmp_path):
    plan = make_plan({"theme/theme.yaml": "chapters: [unclosed\n"})
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    [problem] = result.errors
    assert problem.message == "theme.yaml is not valid YAML"
    assert problem.position.file == str(Path(plan) / "theme" / "theme.yaml")
    assert problem.position.line == 2


def test_a_surrogate_escape_in_theme_yaml_is_an_error_not_a_crash(make_plan, tmp_path):
    """As in the plan's own YAML (tests/test_fuzz.py): JSON's way to write an emoji reads
    as two lone surrogates, which no page can hold."""
    theme_yaml = (
        'chapters:\n  swot: {template: chapters/goals.html, title: "SWOT \\ud83d\\ude80"}\n'
    )
    plan = make_plan({"theme/theme.yaml": theme_yaml})
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    [problem] = result.errors
    assert problem.message.startswith("the text holds `\\ud83d\\ude80`")
    assert problem.hint.endswith("`\\U0001F680`")
    assert (problem.position.file, problem.position.line) == (
        str(Path(plan) / "theme" / "theme.yaml"),
        2,
    )


def test_the_sample_editions_keep_their_chapters():
    prepared = prepare(SAMPLE, today=TODAY)
    found = {
        e.name: [c.id for c in e.chapters] for e in editions(prepared.report.plan, prepared.theme)
    }
    assert found["lender"] == [
        "funding-request",
        "executive-summary",
        "company",
        "team",
        "market",
        "loan-request",
        "collateral",
        "use-of-funds",
        "financials",
        "income-statement",
        "balance-sheet",
        "cash-flow-statement",
        "dscr",
        "debt-summary",
        "amortisation",
    ]
    structured = [c for c in found["internal"] if c in {s.id for s in prepared.theme.chapters}]
    # `all`, then use-of-funds, which `all` leaves out, named after it; the appendix that
    # `all` brings closes the edition
    body = [c for c in DEFAULT_ORDER if c not in NOT_IN_ALL and c != "amortisation"]
    assert structured == [*body, "use-of-funds", "amortisation"]


def test_a_chapter_whose_template_is_missing_is_an_error_at_its_line(make_plan, tmp_path):
    plan = make_plan(
        {
            "theme/theme.yaml": """\
                # our own chapters
                chapters:
                  swot: {template: chapters/swot.html, title: SWOT analysis}
            """,
        }
    )
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    [problem] = result.errors
    assert problem.message == "chapter `swot`: template `chapters/swot.html` not found in the theme"
    assert problem.position.file == str(Path(plan) / "theme" / "theme.yaml")
    assert problem.position.line == 3
    assert resolve_theme(DEFAULT_THEME, Path(plan) / "theme").chapter("swot") is None
