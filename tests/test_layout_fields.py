"""What the templates print comes from compute: first loan payment, thin debt cover,
the review's recent KPI months, milestones with notes. Each is checked in compute and
in the print document a reader sees."""

from __future__ import annotations

import re
from decimal import Decimal

from planbuilder.build import prepare
from planbuilder.editions import editions
from planbuilder.render.pdf import print_html
from tests.conftest import TODAY

LOAN_PLAN = {
    "plan.yaml": """\
        title: Growth plan 2027
        company: Example Studio LLC
        date: 2027-01-15
        as_of: 2027-06-30
        locale: en_US
        currency: USD
        editions:
          lender:
            chapters: [loan-request, dscr]
    """,
    "financials.yaml": """\
        start: 2027-01
        horizon_months: 24
        starting_cash: 50000
        min_dscr: 1.25
        revenue:
          - {name: Sales, monthly: 3000}
        funding:
          loans:
            - {name: Oven loan, principal: 12000, rate: 6, term_months: 24, start: 2027-01,
               grace_months: 4}
    """,
}


def lender_html(make_plan) -> tuple[str, object]:
    prepared = prepare(make_plan(LOAN_PLAN), today=TODAY)
    [edition] = editions(prepared.report.plan, prepared.theme)
    html, problems = print_html(prepared.report, prepared.theme, edition, root=prepared.root)
    assert not [p for p in problems if p.is_error], problems
    return html, prepared.report


def test_first_payment_is_the_level_payment_after_the_interest_only_months(make_plan):
    html, report = lender_html(make_plan)
    [summary] = report.financials.loan_summaries
    # 12,000 at 6 %: 60.00 interest only for four months, then the annuity of 12,000 at
    # 0.5 % a month over the 20 months left: 632.00.
    assert [p.payment for p in summary.schedule[:4]] == [Decimal("60.00")] * 4
    assert summary.first_payment == Decimal("632.00") == summary.schedule[4].payment
    row = re.search(r"<th scope=\"row\">Oven loan.*?</tr>", html, re.S).group(0)
    assert row.endswith('<td class="num">$632</td></tr>')  # a summary: whole dollars


def dscr_cells(html: str) -> list[tuple[bool, str]]:
    """(marked negative, value) of every DSCR cell: the coverage table, then the annual
    row."""
    found = re.findall(r'<td class="num( negative)?">([\d.]+)×</td>', html)
    return [(bool(negative), value) for negative, value in found]


def test_debt_cover_below_the_lenders_floor_is_marked(make_plan):
    # Year 1: 4 × 60.00 interest + 8 × 632.00 = 5,296.00 of debt service; year 2: 7,584.00.
    html, report = lender_html(make_plan)  # 36,000 a year of operating profit: covered
    base = report.financials.base
    assert [y.dscr_low for y in base.years] == [False, False]
    assert not base.min_dscr_low
    assert dscr_cells(html) == [(False, "6.80"), (False, "4.75")] * 2
    files = dict(LOAN_PLAN)
    files["financials.yaml"] = files["financials.yaml"].replace("monthly: 3000", "monthly: 400")
    prepared = prepare(make_plan(files), today=TODAY)  # 4,800 a year: below 1.25×
    [edition] = editions(prepared.report.plan, prepared.theme)
    html, _ = print_html(prepared.report, prepared.theme, edition, root=prepared.root)
    base = prepared.report.financials.base
    assert [y.dscr_low for y in base.years] == [True, True]
    assert base.min_dscr_low
    assert dscr_cells(html) == [(True, "0.91"), (True, "0.63")] * 2


def test_review_shows_the_last_six_months_aligned_across_kpis(make_plan):
    plan = make_plan(
        {
            "kpis.yaml": """\
                - id: subs
                  name: Subscribers
                  actuals: {2027-01: 10, 2027-02: 11, 2027-03: 12, 2027-04: 13,
                            2027-05: 14, 2027-06: 15, 2027-07: 16}
                - id: nps
                  name: NPS
                  actuals: {2027-03: 40, 2027-05: 45}
            """,
            "milestones.yaml": """\
                - id: m
                  title: Launch
                  due: 2027-03-01
                  notes: Slipped once.
                - id: quiet
                  title: Quiet one
                  due: 2027-04-01
            """,
        }
    )
    prepared = prepare(plan, today=TODAY)
    review = prepared.report.review
    assert review.recent_months == (
        "2027-02",
        "2027-03",
        "2027-04",
        "2027-05",
        "2027-06",
        "2027-07",
    )
    assert [(kv.kpi.id, values) for kv, values in review.recent_actuals] == [
        ("subs", tuple(Decimal(v) for v in (11, 12, 13, 14, 15, 16))),
        ("nps", (None, Decimal(40), None, Decimal(45), None, None)),
    ]
    assert [v.milestone.id for v in prepared.report.noted_milestones] == ["m"]
    html, _ = print_html(prepared.report, prepared.theme, root=prepared.root)
    table = re.search(r'<table class="actuals-wide">.*?</table>', html, re.S).group(0)
    head = re.findall(r'<th scope="col" class="num">([^<]*)</th>', table)
    assert head == ["Feb 2027", "Mar 2027", "Apr 2027", "May 2027", "Jun 2027", "Jul 2027"]
    nps = re.search(r"NPS</th>(.*?)</tr>", table).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', nps) == ["", "40", "", "45", "", ""]
    assert "Slipped once." in html and "Quiet one</h3>" not in html
