"""Words the themes show around the plan's own text, in the plan's language.

English is complete and is the source language: other languages translate these words in
the gettext catalogs ``planbuilder/locale/<language>/LC_MESSAGES/planbuilder.po``, one
message per word with its key as context (see ``render/catalog.py``). Any word a catalog
lacks, or has only as a fuzzy or empty entry, shows in English.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from babel import Locale

from planbuilder.names import display_name as names_display_name
from planbuilder.render.i18n import translations

LABELS: dict[str, object] = {
    "dashboard": "Dashboard",
    "business_model": "Business model",
    "goals": "Goals",
    "milestones": "Milestones",
    "kpis": "Key performance indicators",
    "kpis_short": "KPIs",
    "team": "Team",
    "contents": "Contents",
    "figure": "Figure",
    "plan": "Plan",
    "tracking": "Tracking",
    "what_changed": "What changed",
    "changes_since": "Changes since {rev}",
    "changed": "changed",
    "no_changes": "Nothing in the plan changed.",
    "change_areas": {
        "chapter": "Chapters",
        "milestone": "Milestones",
        "goal": "Goals",
        "kpi": "KPIs",
        "funding": "Loans and funding",
        "figure": "Headline figures",
    },
    "confidential": "Confidential",
    "prepared_by": "Prepared by",
    "as_of": "Status as of",
    "mission": "Mission",
    "vision": "Vision",
    "customers": "Who is the customer?",
    "value": "What does the customer value?",
    "delivery": "How is that value delivered at a profit?",
    "canvas": "Business model canvas",
    "canvas_blocks": {
        "segments": "Customer segments",
        "value_propositions": "Value propositions",
        "channels": "Channels",
        "customer_relationships": "Customer relationships",
        "revenue_streams": "Revenue streams",
        "key_resources": "Key resources",
        "key_activities": "Key activities",
        "key_partnerships": "Key partnerships",
        "cost_structure": "Cost structure",
    },
    "what": "What",
    "when": "When",
    "how_much": "How much",
    "who": "Who",
    "status": "Status",
    "actual_cost": "Actual cost",
    "budget_total": "Milestone budget",
    "budget_open": "Still to spend",
    "budget_by_owner": "Budget by owner",
    "next_milestones": "Next milestones",
    "overdue": "Overdue",
    "done": "Done",
    "nothing_next": "No open milestones ahead.",
    "total": "Total",
    "owner": "Owner",
    "unassigned": "Unassigned",
    "horizon": {"short": "Short term", "long": "Long term"},
    "specific": "Specific",
    "measurable": "Measurable",
    "achievable": "Achievable",
    "relevant": "Relevant",
    "time_bound": "Deadline",
    "baseline": "Baseline",
    "target": "Target",
    "latest": "Latest",
    "change": "Change",
    # A change of a percentage, in percentage points ("+0.5 pp"); {value} is the number.
    "percentage_points": "{value}\u00a0pp",
    "category": "Category",
    "direction": {"up": "Higher is better", "down": "Lower is better"},
    "actuals": "Monthly actuals",
    "month": "Month",
    "value_col": "Value",
    "milestones_done": "milestones done",
    "notes": "Notes",
    "history": "Recalibrations",
    "reason": "Reason",
    "earlier_due": "Earlier due date",
    "earlier_budget": "Earlier budget",
    "days": "days",
    "page": "Page",
    "of": "of",
    "download_pdf": "Download the PDF",
    "no_data": "No data yet.",
    "status_names": {
        "done-on-time": "Done",
        "done-late": "Done late",
        "overdue": "Overdue",
        "due-soon": "Due soon",
        "upcoming": "Upcoming",
    },
    "generated_by": "Built with planbuilder",
    "skip_to_content": "Skip to content",
    "previous_next": "Previous and next page",
    "kpi": "KPI",
    "source_kinds": {"equity": "Equity", "loan": "Loan"},
    "assumptions": {
        "starting_cash": "Starting cash",
        "first_month": "{name}: first month",
        "units": "{name}: units a month",
        "price": "{name}: price",
        "growth_from": "{name}: monthly growth from {month}",
        "cost_of_sales": "{name}: cost of sales",
        "seasonality": "{name}: seasonality",
        "monthly_expense": "{name} ({category}) a month",
        "expense_growth": "{name}: monthly growth",
        "one_off": "{name} ({category}), {month}",
        "principal": "{name}: principal",
        "rate": "{name}: annual rate",
        "term": "{name}: term",
        "term_value": "{months} months, {grace} interest-only",
        "equity": "Equity from {name}, {month}",
        "loan": "Loan",
        "investors": "investors",
    },
    "timeline": "Milestone timeline",
    "today": "As of",
    "no_goal": "Not linked to a goal",
    "moved_from": "Moved from",
    "against_target": "against the target",
    "target_path": "Target path",
    "budget_by_goal": "Budget by goal",
    "budget_by_goal_shared": (
        "A milestone that serves several goals counts under each of them, "
        "so the bars add up to more than the total budget."
    ),
    "progress_names": {
        "achieved": "Achieved",
        "on-track": "On track",
        "at-risk": "At risk",
        "off-track": "Off track",
        "missed": "Missed",
        "no-data": "No data yet",
    },
    "expected": "Expected by now",
    "of_change": "of the change done",
    "trend": "Trend",
    "trend_names": {"up": "Rising", "down": "Falling", "flat": "Flat"},
    "target_met": "Target met",
    "review": "Monthly review",
    "done_recently": "Done in the last month",
    "due_next_30": "Due in the next 30 days",
    "goals_at_risk": "Goals at risk",
    "nothing": "Nothing.",
    "over_budget": "over budget",
    "under_budget": "under budget",
    "on_budget": "on budget",
    "filter": "Show",
    "all": "All",
    "by_status": "Status",
    "by_owner": "Owner",
    "moved_times": {1: "moved once", 2: "moved twice"},
    "moved_n": "moved {n} times",
    "budget_changed": "budget",
    "financials": "Financials",
    # Display names of the standard ids of expense, use-of-funds and KPI categories.
    "category_names": {
        "investment": "Investment",
        "milestones": "Milestones",
        "working_capital": "Working capital",
        "contingency": "Contingency",
        "other": "Other",
        "sales": "Sales",
        "finance": "Finance",
        "marketing": "Marketing",
        "operations": "Operations",
        "customers": "Customers",
    },
    "chapter_names": {
        "business-model": "Business model",
        "goals": "Goals",
        "milestones": "Milestones",
        "kpis": "Key performance indicators",
        "team": "Management and team",
        "review": "Monthly review",
        "financials": "Financial projection",
        "use-of-funds": "Use of funds",
        "loan-request": "Loan request",
        "repayment": "Repayment schedule",
        "cash-flow": "Cash-flow projection",
        "dscr": "Debt-service coverage",
        "collateral": "Collateral and guarantees",
        "income-statement": "Income statement",
        "balance-sheet": "Balance sheet",
        "cash-flow-statement": "Cash-flow statement",
        "debt-summary": "Debt summary",
        "amortisation": "Appendix: loan amortisation",
    },
    "version": "Version",
    "draft": "Draft — uncommitted changes",
    "prepared_for": "prepared for",
    "fin_rate": "Rate",
    "fin_term": "Months",
    "fin_first_month": "First month",
    "fin_interest_only": "interest only",
    "fin_revenue": "Revenue",
    "fin_costs": "Costs (cost of sales and operating expenses)",
    "fin_cash": "Cash at month end",
    "fin_scenario": "Scenario",
    "fin_break_even": "Break-even",
    "fin_chart_revenue": "Monthly revenue and costs",
    "fin_chart_cash": "Cash at the end of each month",
    # A series' first and last values, in a chart's description for screen readers.
    "chart_span": "{start} to {end}",
    "fin_uses": "Use of funds",
    "fin_sources": "Sources of funds",
    "fin_cash_now": "Cash at the end of the projection",
    "fin_runway": "Runway",
    "fin_runway_ok": "Cash lasts the whole projection",
    "fin_runway_months": "months until cash runs out",
    "fin_break_even_month": "Break-even (EBITDA)",
    "fin_never": "Not within the projection",
    "fin_min_cash": "Lowest cash",
    "fin_min_dscr": "Lowest yearly debt-service coverage",
    "fin_monthly": "Monthly projection",
    "fin_monthly_note": "Months for the first two years, then quarters.",
    "fin_period": "Period",
    "fin_cost_of_sales": "Cost of sales",
    "fin_gross": "Gross margin",
    "fin_ebitda": "EBITDA",
    "fin_investment": "Investment",
    "fin_interest": "Interest",
    "fin_principal": "Principal",
    "fin_inflows": "Funding in",
    "fin_net_cash": "Net cash flow",
    "fin_closing": "Cash",
    "fin_annual": "Profit and loss by year",
    "fin_year": "Year",
    "fin_net_profit": "Net profit",
    "fin_debt_service": "Debt service",
    "fin_dscr": "DSCR",
    "fin_loans": "Loan schedules",
    "fin_loan": "Loan",
    "fin_loan_amount": "Amount",
    "fin_payment": "Payment",
    "fin_monthly_payment": "Monthly payment",
    "fin_balance": "Balance",
    "fin_opening": "Opening",
    "fin_scenarios": "Scenarios",
    "fin_base": "Base case",
    "fin_assumptions": "Assumptions",
    "fin_driver": "Driver",
    "fin_source": "Source",
    "fin_variance": "Forecast and actual",
    "fin_forecast": "Forecast",
    "fin_actual": "Actual",
    "fin_difference": "Difference",
    "fin_by_milestone": "Spending by milestone",
    "fin_by_milestone_note": (
        "budget and due date as planned; actual cost and date once done. The projection "
        "counts a done milestone at its actual cost, the others at their budget."
    ),
    "fin_due": "Due",
    "fin_budget": "Budget",
    "fin_variance_lines": {
        "revenue": "Revenue",
        "costs": "Costs (cost of sales and operating expenses)",
        "capex": "Capital spending",
    },
    "fin_balanced": "Sources and uses balance.",
    "fin_unbalanced": "Sources and uses do not balance.",
    "fin_collateral": "Collateral and guarantees",
    "fin_rounding": (
        "Each monthly figure is rounded to the currency's smallest unit once; "
        "every total is the sum of the figures shown."
    ),
    # Site search, CSV downloads and the phone menu (issue 16).
    "search": "Search",
    "search_label": "Search the plan",
    "search_title": "Everything in this plan",
    "search_intro": "Every chapter, goal, milestone and KPI. Type words to narrow the list.",
    "search_none": "Nothing matches these words.",
    "search_kinds": {"page": "Page", "goal": "Goal", "milestone": "Milestone", "kpi": "KPI"},
    "download_csv": "Download as CSV",
    # Above a table or chart wider than the screen (shown only while it scrolls).
    "scroll_sideways": "Scroll sideways to see all of it",
    "cash_projected_for": "projected for",
    "fin_fy": "FY",
    "fin_income_statement": "Income statement",
    "fin_balance_sheet": "Balance sheet",
    "fin_cash_flow_statement": "Cash-flow statement",
    # Each statement's caption says what its fiscal-year column is.
    "fin_income_statement_note": (
        "Amounts in whole {currency}; months for the first two years, then quarters, and "
        "each fiscal year's total, the sum of its periods. Costs are negative; a cost line's "
        "positive amount, marked +, is a credit. Every subtotal is the sum of the lines "
        "above it."
    ),
    "fin_balance_sheet_note": (
        "Amounts in whole {currency} at the end of each period: months for the first two "
        "years, then quarters, and each fiscal year's closing balance. Every total is the "
        "sum of the lines above it."
    ),
    "fin_cash_flow_statement_note": (
        "Amounts in whole {currency}; months for the first two years, then quarters, and "
        "each fiscal year's total, the sum of its periods; for the year, cash at the start "
        "is its opening cash and cash its closing cash. Every subtotal is the sum of the "
        "lines above it."
    ),
    "fin_actuals_note": (
        "Periods marked “Actual” use the actual totals of revenue, costs and capital "
        "expenditure; the forecast's lines stay, and a line “difference from forecast” "
        "takes revenue and costs to their actual totals. The rest is projected."
    ),
    "fin_actual_revenue_difference": "Actual revenue: difference from forecast",
    "fin_actual_costs_difference": "Actual costs: difference from forecast",
    "fin_basis": {
        "actual": "Actual",
        "projected": "Projected",
        "mixed": "Actual and projected",
    },
    "fin_actual_to": "Actual to {month}",
    "fin_operating_expenses": "Operating expenses",
    "fin_depreciation": "Depreciation",
    "fin_ebit": "EBIT",
    "fin_profit_before_tax": "Profit before tax",
    "fin_income_tax": "Income tax",
    "fin_less_income_tax_paid": "less income tax paid",
    "fin_less_owner_draws": "less owner draws and dividends",
    "fin_assets": "Assets",
    "fin_receivables": "Receivables",
    "fin_inventory": "Inventory",
    "fin_fixed_assets_cost": "Fixed assets at cost",
    "fin_accumulated_depreciation": "less accumulated depreciation",
    "fin_total_assets": "Total assets",
    "fin_liabilities": "Liabilities and equity",
    "fin_payables": "Payables",
    "fin_tax_payable": "Income tax payable",
    "fin_total_liabilities": "Total liabilities",
    "fin_paid_in_capital": "Paid-in capital",
    "fin_retained_earnings": "Retained earnings",
    "fin_equity": "Total equity",
    "fin_liabilities_and_equity": "Total liabilities and equity",
    "fin_change_receivables": "Change in receivables",
    "fin_change_inventory": "Change in inventory",
    "fin_change_payables": "Change in payables",
    "fin_change_tax_payable": "Change in income tax payable",
    "fin_operating_cash": "Cash from operations",
    "fin_capex": "Capital expenditure",
    "fin_investing_cash": "Cash from investing",
    "fin_equity_in": "Equity paid in",
    "fin_loans_in": "Loans drawn",
    "fin_principal_repaid": "Principal repaid",
    "fin_owner_draws": "Owner draws and dividends",
    "fin_financing_cash": "Cash from financing",
    "fin_opening_cash": "Cash at the start",
    "fin_debt_summary": "Debt summary",
    "fin_all_loans": "All loans",
    "fin_total_years": "Total {fy} {first}–{last}",
    "fin_total_year": "Total {fy} {year}",
    "fin_loan_life": "Life of the loan, {first} – {last}",
    "fin_loans_life": "All loans over their lives, {first} – {last}",
    "fin_horizon_balance": "Owed at the end of the projection",
    "fin_year_end_balance": "Balance at year end",
    "fin_amortisation": "Monthly amortisation",
    "fin_amortisation_note": "The monthly schedules behind the debt summary, loan by loan.",
    "fin_dscr_definition": (
        "DSCR = (EBITDA − income tax paid − owner draws) ÷ scheduled interest and "
        "principal of all loans in the fiscal year; “—” where no debt service falls in "
        "the year."
    ),
    "fin_break_even_definition": (
        "Break-even: the first month from which EBITDA stays at or above zero to the end "
        "of the projection."
    ),
    "fin_break_even_revenue": "Break-even revenue",
    "fin_break_even_revenue_definition": (
        "Break-even revenue = operating expenses ÷ contribution margin (gross margin ÷ revenue)."
    ),
    "fin_payback": "Payback",
    "fin_payback_definition": (
        "Payback: the month from which cumulative free cash flow (cash from operations − "
        "capital expenditure) stays above zero."
    ),
    "fin_runway_unfunded": "Runway without new funding",
    "fin_runway_funded": "Runway with the planned funding",
    "fin_runway_definition": (
        "Runway: whole months from {as_of} until cash falls below zero, without funding "
        "not yet received by then, and with the planned funding."
    ),
    "fin_net_profit_total": "Net profit over the projection",
    "fin_no_debt_service": "—",
    "fin_other_cash": "Tax, draws, working capital",
    "fin_cash_available": "Cash available for debt service",
    "fin_dscr_caption": "Debt-service coverage by fiscal year",
}


@functools.lru_cache(maxsize=16)
def labels_for(locale: str) -> dict[str, object]:
    """The words for ``locale``'s language, English wherever a translation lacks one."""
    catalog = translations(Locale.parse(locale).language)
    return _translate(LABELS, "", catalog.pgettext)


def _translate(words: dict, prefix: str, pgettext) -> dict:
    """``words`` with each English text replaced by its translation, same keys."""
    return {
        key: _translate(value, f"{prefix}{key}.", pgettext)
        if isinstance(value, dict)
        else pgettext(f"{prefix}{key}", value)
        for key, value in words.items()
    }


def label_messages(words: dict, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every word as (context, English): the context is its key, a nested key joined
    with dots (``change_areas.chapter``, ``moved_times.1``)."""
    for key, value in words.items():
        if isinstance(value, dict):
            yield from label_messages(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def standard_names(locale: str) -> dict[str, str]:
    """The words for the standard ids of ``locale``'s language (expense, use-of-funds and
    KPI categories): what ``compute`` names them by."""
    return {key: str(word) for key, word in labels_for(locale)["category_names"].items()}


def display_name(value: str, names: dict | None = None) -> str:
    """A plan's id as a reader sees it (the ``display_name`` filter, for themes): the
    standard name for a standard id, else the id made readable."""
    return names_display_name(value, words=names)
