"""Scenarios, use-of-funds lines and categories are shown by a display name, never by
their id; a change of a percent KPI reads in percentage points."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from planbuilder.build import build
from planbuilder.names import display_name, readable
from planbuilder.reference import reference_text
from planbuilder.render.formatting import Formatter
from tests.conftest import TODAY

VI_PLAN = """\
title: Kế hoạch 2027
company: Tiệm bánh Hoa Mai
date: 2027-01-15
as_of: 2027-06-30
locale: vi_VN
currency: VND
"""

FINANCIALS = """\
start: 2027-01
horizon_months: 12
starting_cash: 90000000
revenue:
  - {name: Bánh mì, monthly: 120000000, cost_of_sales: 45}
expenses:
  recurring:
    - {name: Tiền thuê, category: Mặt bằng Đà Nẵng, monthly: 18000000}
    - {name: Lương, category: nhan-su_ca-sang, monthly: 36000000}
    - {name: Văn phòng phẩm, monthly: 500000}
funding:
  loans:
    - {name: Khoản vay, principal: 150000000, rate: 9.5, term_months: 36, start: 2027-02}
use_of_funds:
  investment: {amount: 110000000, label: Lò nướng và tủ trưng bày}
  working_capital: 30000000
  nhan-su_ca-sang: 10000000
scenarios:
  xau:
    label: Kịch bản xấu
    description: Doanh thu giảm 10 %.
    revenue: -10%
  costs-up:
    expenses: 5%
"""

KPIS = """\
- id: margin
  name: Biên lợi nhuận gộp
  category: sales
  unit: percent
  actuals: {2027-04: 54.5, 2027-05: 55.0}
- id: customers
  name: Khách mỗi ngày
  category: customers
  actuals: {2027-04: 180, 2027-05: 171}
"""


def _text(html: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def vi_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("vi-names")
    plan = root / "plan"
    plan.mkdir()
    (plan / "plan.yaml").write_text(VI_PLAN, encoding="utf-8")
    (plan / "financials.yaml").write_text(FINANCIALS, encoding="utf-8")
    (plan / "kpis.yaml").write_text(KPIS, encoding="utf-8")
    result = build(plan, root / "out", today=TODAY)
    assert result.ok, result.problems
    return result


def test_an_id_reads_as_words_with_its_own_capitals():
    assert readable("costs-up") == "Costs up"
    assert readable("working_capital") == "Working capital"
    assert readable("Mặt bằng Đà Nẵng") == "Mặt bằng Đà Nẵng"  # never lower-cased
    assert readable("mặt-bằng_đà-nẵng") == "Mặt bằng đà nẵng"
    assert display_name("xau", "Kịch bản xấu") == "Kịch bản xấu"
    assert display_name("other", words={"other": "Khác"}) == "Khác"


def test_scenarios_show_their_label_or_their_key_made_readable(vi_build):
    page = _text((vi_build.site_dir / "financials.html").read_text(encoding="utf-8"))
    assert "Kịch bản xấu" in page and "Costs up" in page
    assert not re.search(r"\bxau\b|costs-up", page)
    assert "Kịch bản: Costs up" in page  # the cash chart's key names the scenario ...
    assert "Kịch bản: Kịch bản xấu" not in page  # ... once


def test_use_of_funds_lines_show_a_label_a_theme_word_or_the_category(vi_build):
    page = (vi_build.site_dir / "financials.html").read_text(encoding="utf-8")
    uses = _text(page.split('class="fin-table uses-table"')[1].split("</table>")[0])
    assert "Lò nướng và tủ trưng bày" in uses  # the label
    assert "Vốn lưu động" in uses  # the theme's word for working_capital
    assert "Nhan su ca sang" in uses  # an expense category made readable
    assert "investment" not in uses and "working_capital" not in uses
    chart = page.split('class="chart bar-chart"')[1].split("</svg>")[0]
    assert "Lò nướng và tủ trưng bày" in chart and "Vốn lưu động" in chart
    assert "working_capital" not in chart


def test_expense_categories_keep_their_capitals_and_standard_ones_are_translated(vi_build):
    page = _text((vi_build.site_dir / "financials.html").read_text(encoding="utf-8"))
    assert "Mặt bằng Đà Nẵng" in page
    assert "Mặt bằng đà nẵng" not in page
    assert "Khác" in page  # an expense without category: "other"
    assert not re.search(r"\b(Other|other|nhan-su_ca-sang)\b", page)


def test_kpi_categories_are_translated_and_percent_changes_are_points(vi_build):
    page = _text((vi_build.site_dir / "kpis.html").read_text(encoding="utf-8"))
    assert "Bán hàng" in page and "Khách hàng" in page
    assert not re.search(r"\b(sales|customers)\b", page)
    assert "+0,5\u00a0điểm %" in page  # 54.5 % → 55.0 %: half a percentage point
    assert "\u22129" in page  # a count falls with a real minus sign


def test_the_pdf_names_scenarios_and_uses_as_the_site_does(vi_build):
    text = " ".join(page.extract_text() for page in PdfReader(str(vi_build.pdf_paths[0])).pages)
    text = re.sub(r"\s+", " ", text)
    for name in ("Kịch bản xấu", "Costs up", "Lò nướng và tủ trưng bày", "Vốn lưu động"):
        assert name in text
    assert "working_capital" not in text and "costs-up" not in text


@pytest.mark.parametrize(
    ("locale", "shown"),
    [("en_US", "+0.5\u00a0pp"), ("es_ES", "+0,5\u00a0p.\u00a0p."), ("vi_VN", "+0,5\u00a0điểm %")],
)
def test_a_percent_kpi_changes_by_percentage_points(locale, shown):
    fmt = Formatter(locale, "USD")
    assert fmt.kpi_change(Decimal("0.5"), "percent") == shown
    assert fmt.kpi_change(Decimal("-1.25"), "percent", 2).startswith("\u22121")
    assert fmt.kpi_change(Decimal(3), "count") == "+3"


def test_a_use_of_funds_line_with_a_label_needs_its_amount(make_plan, tmp_path):
    plan = make_plan(
        {
            "financials.yaml": "start: 2027-01\nuse_of_funds:\n"
            "  investment: {label: Oven}\n  contingency: {amount: 5, colour: red}\n"
        }
    )
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    messages = [p.message for p in result.problems]
    assert "use of funds line is missing required field `amount`" in messages
    assert "unknown field `colour` in use of funds line" in messages


def test_the_reference_lists_the_new_label_fields():
    text = reference_text("financials.yaml")
    assert "use_of_funds: a mapping of text to a non-negative amount or use of funds line" in text
    scenario = text.split("scenarios:")[1]
    assert "label: text (optional)" in scenario.split("description:")[0]
