"""Figures and cross-references in Markdown: ``{=name}``, ``{>target}``, ``{~literal}``,
the registry the compute stage builds, the literal-amount lint and ``planbuilder figures``."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader

from planbuilder.build import build, check, prepare
from planbuilder.cli import main
from planbuilder.render.markdown import Target, render_section
from planbuilder.render.sections import prose_context
from tests.conftest import MINIMAL_PLAN, SAMPLE, TODAY

PLAN = (
    MINIMAL_PLAN
    + """\
editions:
  full:
    chapters: [all]
  brief:
    chapters: [summary]
"""
)

FINANCIALS = """\
start: 2027-01
horizon_months: 24
starting_cash: 50000
revenue:
  - {name: Sales, monthly: 9000}
expenses:
  recurring:
    - {name: Rent, category: premises, monthly: 3000}
funding:
  loans:
    - {name: Equipment, principal: 60000, rate: 6, term_months: 48, start: 2027-02}
use_of_funds:
  investment: 60000
"""

MILESTONES = """\
- {id: launch, title: Launch the shop, due: 2027-09-30, budget: 2500, done: 2027-05-02}
- {id: hire, title: Hire a baker, due: 2027-03-31, budget: 1200}
"""

SUMMARY = """\
---
title: Summary
---
We borrow {=loan.equipment.principal} at {=loan.equipment.rate}.
The {>details: detailed figures} explain it.
"""

DETAILS = """\
---
title: Details
---
The loan of {=loan.equipment.principal} runs for {=loan.equipment.term} months.
"""


def plan_files(**changes: str) -> dict[str, str]:
    files = {
        "plan.yaml": PLAN,
        "financials.yaml": FINANCIALS,
        "milestones.yaml": MILESTONES,
        "sections/01-summary.md": SUMMARY,
        "sections/02-details.md": DETAILS,
    }
    files.update(changes)
    return files


def pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def codes(problems, code):
    return [p for p in problems if p.code == code]


# The registry ---------------------------------------------------------------------------


def test_the_registry_names_figures_by_ids_and_periods(make_plan):
    prepared = prepare(make_plan(plan_files()), today=TODAY)
    figures = prepared.report.figures
    value = {f.name: (f.value, f.kind) for f in figures}
    assert value["loan.equipment.principal"] == (Decimal("60000"), "money")
    assert value["loan.equipment.rate"] == (Decimal("6"), "percent")
    assert value["loan.equipment.term"] == (Decimal(48), "count")
    assert value["funding.total"] == (Decimal("60000"), "money")
    assert value["uses.total"] == (Decimal("60000"), "money")
    assert value["milestones.budget"] == (Decimal("3700"), "money")
    assert value["milestones.done"] == (Decimal(1), "count")
    assert value["milestones.overdue"] == (Decimal(1), "count")  # hire, due in March
    assert value["milestone.hire.due"] == (dt.date(2027, 3, 31), "date")
    assert value["milestone.launch.budget"] == (Decimal("2500"), "money")
    # 12-month blocks from the start, named by their year: revenue 12 × 9,000
    assert value["year.2027.revenue"] == (Decimal("108000.00"), "money")
    assert value["year.2028.revenue"] == (Decimal("108000.00"), "money")
    assert value["projection.break-even"] == (2027 * 12, "month")
    names = figures.names
    assert len(names) == len(set(names))
    assert (
        names.index("plan.date")
        < names.index("milestones.budget")
        < names.index("year.2027.ebitda")
    )


def test_a_loan_id_keeps_its_figure_names_when_the_loan_is_renamed(make_plan):
    renamed = FINANCIALS.replace(
        "{name: Equipment,", "{id: equipment, name: Roaster and grinder loan,"
    )
    prepared = prepare(make_plan(plan_files(**{"financials.yaml": renamed})), today=TODAY)
    assert prepared.ok, prepared.problems
    names = prepared.report.figures.names
    assert "loan.equipment.principal" in names
    assert not any(name.startswith("loan.roaster") for name in names)


# Figures in prose, in every output ------------------------------------------------------


def test_a_new_principal_changes_every_mention_in_the_site_and_every_pdf(make_plan, tmp_path):
    folder = make_plan(plan_files())
    out = tmp_path / "out"
    first = build(folder, out, today=TODAY)
    assert first.ok, first.problems
    for page in ("summary", "details"):
        html = (out / "site" / "sections" / f"{page}.html").read_text()
        assert "$60,000" in html
    full, brief = (
        next(p for p in first.pdf_paths if p.stem.endswith(e)) for e in ("full", "brief")
    )
    assert "We borrow $60,000 at 6%." in pdf_text(full)
    assert "The loan of $60,000 runs for 48 months." in pdf_text(full)
    assert "We borrow $60,000 at 6%." in pdf_text(brief)

    (folder / "financials.yaml").write_text(
        FINANCIALS.replace("principal: 60000", "principal: 75000")
    )
    second = build(folder, out, today=TODAY)
    assert second.ok, second.problems
    for page in ("summary", "details"):
        html = (out / "site" / "sections" / f"{page}.html").read_text()
        assert "$75,000" in html and "$60,000" not in html
    assert "We borrow $75,000 at 6%." in pdf_text(full)
    assert "The loan of $75,000 runs for 48 months." in pdf_text(full)
    assert "borrow $60,000" not in pdf_text(full)  # (the use of funds stays $60,000)
    assert "The loan of $60,000" not in pdf_text(full)
    assert "We borrow $75,000 at 6%." in pdf_text(brief)


def test_an_unknown_figure_is_an_error_at_its_column_with_a_hint(make_plan):
    body = "---\ntitle: Summary\n---\nFirst line.\nWe borrow {=loan.equipment.principle} now.\n"
    result = check(make_plan(plan_files(**{"sections/01-summary.md": body})), today=TODAY)
    [problem] = codes(result.errors, "figure-unknown")
    assert problem.message == "unknown figure `loan.equipment.principle`"
    assert (problem.position.name, problem.position.line, problem.position.column) == (
        "01-summary.md",
        5,
        11,
    )
    assert problem.hint == "did you mean `loan.equipment.principal`?"


def test_a_name_with_template_or_html_text_is_an_error_and_printed_escaped(make_plan):
    body = "---\ntitle: Summary\n---\nA {={{ 7 * 7 }}} and {=<script>alert(1)</script>}.\n"
    folder = make_plan(plan_files(**{"sections/01-summary.md": body}))
    result = check(folder, today=TODAY)
    found = codes(result.errors, "figure-unknown")
    assert [p.message for p in found] == [
        "`{={{ 7 * 7 }` is not a figure name",
        "`{=<script>alert(1)</script>}` is not a figure name",
    ]
    report = prepare(folder, today=TODAY).report
    section = report.plan.sections[0]
    target = Target(asset_url=str, section_url=lambda slug, anchor: None)
    html = render_section(section, folder, target, {}, prose_context(report)).html
    assert "49" not in html
    assert "<script>" not in html
    assert "{=&lt;script&gt;alert(1)&lt;/script&gt;}" in html


def test_escaped_braces_and_code_are_left_as_written(make_plan):
    body = "---\ntitle: Summary\n---\nWrite \\{=loan.equipment.principal} or `{=nothing}`.\n"
    folder = make_plan(plan_files(**{"sections/01-summary.md": body}))
    result = build(folder, write=False, pdf=False, today=TODAY)
    assert result.ok, result.problems
    html = result.site_files.files["sections/summary.html"].decode()
    assert "Write {=loan.equipment.principal} or <code>{=nothing}</code>." in html


# Literal amounts --------------------------------------------------------------------------


def test_a_literal_amount_that_is_no_figure_warns_with_the_nearest(make_plan):
    body = "---\ntitle: Summary\n---\nWe need about $61,000 and a 6 % rate.\n"
    result = check(make_plan(plan_files(**{"sections/01-summary.md": body})), today=TODAY)
    money, percent = codes(result.warnings, "literal-figure")
    assert money.message == "`$61,000` is none of the plan's figures"
    assert (money.position.line, money.position.column) == (4, 15)
    assert money.hint.startswith("nearest figures: `{=")
    assert "(`$60,000`)" not in money.hint and "($60,000)" in money.hint
    assert percent.message == (
        "`6 %` is written literally; it is the plan's figure {=loan.equipment.rate}"
    )
    assert percent.hint.startswith("write {=loan.equipment.rate} ")


def test_a_literal_amount_is_found_in_table_cells_and_through_entities(make_plan):
    # Amounts written with an entity for the sign have no `$` in their source text.
    body = (
        "---\ntitle: Summary\n---\nWe need about &#36;61,000.\n\n"
        "| item | cost |\n|---|---|\n| roaster | $61,000 |\n"
    )
    result = check(make_plan(plan_files(**{"sections/01-summary.md": body})), today=TODAY)
    found = codes(result.warnings, "literal-figure")
    assert [(p.message, p.position.line) for p in found] == [
        ("`$61,000` is none of the plan's figures", 4),
        ("`$61,000` is none of the plan's figures", 8),
    ]


def test_a_deliberate_literal_is_printed_and_not_linted(make_plan):
    body = "---\ntitle: Summary\n---\nA bag costs {~$17.50}.\n"
    result = build(
        make_plan(plan_files(**{"sections/01-summary.md": body})),
        write=False,
        pdf=False,
        today=TODAY,
    )
    assert not codes(result.problems, "literal-figure")
    assert "A bag costs $17.50." in result.site_files.files["sections/summary.html"].decode()


# Cross-references ---------------------------------------------------------------------------


def test_a_reference_links_where_its_target_is_and_reads_plainly_where_not(make_plan):
    result = check(make_plan(plan_files()), today=TODAY)
    [left_out] = codes(result.warnings, "reference-left-out")
    assert left_out.message == ("edition `brief` leaves out `details`, which this text refers to")
    assert (left_out.position.name, left_out.position.line, left_out.position.column) == (
        "01-summary.md",
        5,
        5,
    )


def test_references_in_the_site_and_each_edition(make_plan, tmp_path):
    from planbuilder.editions import editions
    from planbuilder.render.pdf import print_html

    folder = make_plan(plan_files())
    result = build(folder, write=False, pdf=False, today=TODAY)
    site = result.site_files.files["sections/summary.html"].decode()
    assert '<a href="../sections/details.html" class="xref">detailed figures</a>' in site
    full, brief = editions(result.report.plan, result.theme)
    html, _ = print_html(result.report, result.theme, full, root=folder)
    assert '<a href="#section-details" class="xref">detailed figures</a>' in html
    html, _ = print_html(result.report, result.theme, brief, root=folder)
    assert "The detailed figures explain it." in html


def test_an_optional_reference_left_out_gives_no_warning(make_plan):
    body = "---\ntitle: Summary\n---\nSee {>details?: the details} and {>milestones?}.\n"
    result = check(make_plan(plan_files(**{"sections/01-summary.md": body})), today=TODAY)
    assert not codes(result.problems, "reference-left-out")


def test_a_structured_part_left_out_of_an_edition_warns(make_plan):
    body = "---\ntitle: Summary\n---\nSee {>milestones: the milestone table}.\n"
    result = check(make_plan(plan_files(**{"sections/01-summary.md": body})), today=TODAY)
    [left_out] = codes(result.warnings, "reference-left-out")
    assert left_out.message == "edition `brief` leaves out `milestones`, which this text refers to"


def test_an_unknown_reference_is_an_error_with_a_hint(make_plan):
    body = "---\ntitle: Summary\n---\nSee {>milstones}.\n"
    result = check(make_plan(plan_files(**{"sections/01-summary.md": body})), today=TODAY)
    [problem] = codes(result.errors, "reference-unknown")
    assert problem.message == "unknown cross-reference `{>milstones}`"
    assert problem.hint == "did you mean `milestones`?"
    assert (problem.position.line, problem.position.column) == (4, 5)


# Dates, the CLI and the sample ------------------------------------------------------------


def test_funding_before_the_plans_date_warns(make_plan):
    plan = PLAN.replace("date: 2027-01-15", "date: 2027-03-10")
    result = check(make_plan(plan_files(**{"plan.yaml": plan})), today=TODAY)
    [problem] = codes(result.warnings, "funding-before-plan")
    assert problem.message == (
        "the loan `Equipment` starts in 2027-02, before the plan's date (2027-03-10)"
    )
    assert (problem.position.name, problem.position.line) == ("financials.yaml", 11)


def test_the_figures_command_lists_names_and_values(make_plan, capsys):
    folder = make_plan(plan_files())
    assert main(["figures", str(folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(
        r"loan\.equipment\.principal +\$60,000",
        next(line for line in lines if line.startswith("loan.equipment.principal ")),
    )
    assert main(["figures", str(folder), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    entry = next(d for d in data if d["name"] == "milestone.hire.due")
    assert entry == {
        "name": "milestone.hire.due",
        "kind": "date",
        "value": "2027-03-31",
        "text": "March 31, 2027",
    }


def test_the_sample_quotes_its_figures_and_passes_strict():
    result = check(SAMPLE, strict=True, today=TODAY)
    assert result.ok, result.problems
    for path in (SAMPLE / "sections").glob("*.md"):
        assert not re.search(r"\$\d", re.sub(r"\{~[^}]*\}", "", path.read_text())), path


def test_figures_and_literals_follow_the_plans_locale(make_plan):
    plan = PLAN.replace("locale: en_US", "locale: es_ES").replace("currency: USD", "currency: EUR")
    body = "---\ntitle: Summary\n---\nPedimos {=loan.equipment.principal}, no 60.000 €.\n"
    folder = make_plan(plan_files(**{"plan.yaml": plan, "sections/01-summary.md": body}))
    result = build(folder, write=False, pdf=False, today=TODAY)
    [literal] = codes(result.warnings, "literal-figure")
    assert literal.message.startswith("`60.000 €` is written literally")
    assert (literal.position.line, literal.position.column) == (4, 41)
    html = result.site_files.files["sections/summary.html"].decode()
    assert "Pedimos 60.000\xa0€, no 60.000 €." in html


def test_a_plan_stopped_by_a_yaml_error_reports_no_knock_on_figure_errors(make_plan):
    files = plan_files(**{"milestones.yaml": "- {id: launch, title: Launch, due: 2027-13-01}\n"})
    files["sections/02-details.md"] += "A broken image: ![x](../assets/missing.png)\n"
    result = check(make_plan(files), today=TODAY)
    assert [(p.position.name, p.message) for p in result.problems if p.is_error] == [
        ("milestones.yaml", "`2027-13-01` is not a date: month 13 does not exist"),
        ("02-details.md", "image `../assets/missing.png` not found"),
    ]


def test_funding_counts_only_what_the_plan_raises_not_an_existing_loan(make_plan):
    existing = FINANCIALS.replace(
        "starting_cash: 50000\n",
        "opening_balance:\n  cash: 50000\n  paid_in_capital: 36000\n  loans:\n"
        "    - {name: Van loan, balance: 14000, rate: 6.5, remaining_months: 30}\n",
    )
    prepared = prepare(make_plan(plan_files(**{"financials.yaml": existing})), today=TODAY)
    assert prepared.ok, prepared.problems
    value = {f.name: f.value for f in prepared.report.figures}
    assert value["funding.loans"] == Decimal("60000")
    assert value["funding.loan-count"] == Decimal(1)
    assert value["loan.van-loan.principal"] == Decimal("14000")
