"""The records of a plan, each declared once: fields, types, defaults, help text and bounds.

Validation (``validate.py``, ``validate_financials.py``), the defaults the model takes
(``model.py``) and the JSON Schema of every file (``schema.json_schema``) all read
these declarations; nothing else lists a record's fields.
"""

from __future__ import annotations

import re
from decimal import Decimal

from planbuilder.calendar import month_index
from planbuilder.schema import (
    MAX_AMOUNT,
    Boolean,
    Choice,
    Date,
    Either,
    Field,
    Identifier,
    Integer,
    Invalid,
    ListOf,
    MappingOf,
    Money,
    Month,
    Number,
    Percent,
    Record,
    Text,
    json_schema,
)

KPI_CATEGORIES = ("sales", "finance", "marketing", "operations", "customers")
KPI_UNITS = ("money", "percent", "count", "ratio", "days")
CANVAS_BLOCKS = (
    "segments",
    "value_propositions",
    "channels",
    "customer_relationships",
    "revenue_streams",
    "key_resources",
    "key_activities",
    "key_partnerships",
    "cost_structure",
)
#: Words an edition's `chapters:` may use besides section slugs and theme chapters.
CONTENTS = "contents"
ALL = "all"
#: Categories a plan may always name in `use_of_funds`, besides its own expense categories.
STANDARD_USES = ("milestones", "investment", "working_capital", "contingency")
#: Where a section without `order:` goes: after every numbered one.
DEFAULT_SECTION_ORDER = 1000

_MONEY_HELP = f"an exact amount; its size must stay below {MAX_AMOUNT:,}"
_NUMBER_HELP = f"a number whose size stays below {MAX_AMOUNT:,}"
_text_list = ListOf(Text(), allow_scalar=True)

EDITION = Record(
    "edition",
    {
        "title": Field(Text(200)),
        "prepared_for": Field(Text(200)),
        "chapters": Field(
            ListOf(Text(80), allow_scalar=True),
            required=True,
            example="[executive-summary, milestones, financials]",
            help="section slugs, structured chapters, `contents` or `all`",
        ),
    },
)


class _Email(Text):
    expected = "an email address"

    def clean(self, value, ctx):
        text = super().clean(value, ctx)
        if not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", text):
            raise Invalid(f"{text!r} is not an email address", "write it as name@example.com")
        return text


class _Website(Text):
    expected = "a web address"

    def clean(self, value, ctx):
        text = super().clean(value, ctx)
        if not re.fullmatch(r"https?://[^\s<>\"]+", text):
            raise Invalid(f"{text!r} is not a web address", "start it with https://")
        return text


CONTACT = Record(
    "contact",
    {
        "email": Field(_Email(200), example="hello@example.com"),
        "phone": Field(Text(60)),
        "address": Field(Text(300)),
        "website": Field(_Website(300), example="https://example.com"),
    },
)

PLAN = Record(
    "plan",
    {
        "title": Field(Text(300), required=True, example="Growth plan 2027–2028"),
        "subtitle": Field(Text(300)),
        "company": Field(Text(300), required=True, example="Example Studio LLC"),
        "author": Field(Text(300)),
        "date": Field(Date(), help="the date printed on the plan"),
        "as_of": Field(
            Date(), help="the day statuses are computed for (default: the day of the build)"
        ),
        "locale": Field(Text(40), default="en_US", help="language and country, e.g. `es_ES`"),
        "currency": Field(Text(3), help="ISO 4217 code (default: the locale's currency)"),
        "confidential": Field(Boolean(), default=False),
        "mission": Field(Text()),
        "vision": Field(Text()),
        "theme": Field(Text(80), default="default"),
        "checks": Field(
            Record(
                "checks",
                {
                    "max_growth_per_year": Field(
                        Number(minimum=Decimal(0)),
                        default=Decimal(300),
                        help="a goal implying more change a year (in percent) is flagged",
                    )
                },
            )
        ),
        "logo": Field(Text(300), help="an image in assets/, e.g. `assets/logo.png`"),
        "keywords": Field(ListOf(Text(100), allow_scalar=True)),
        "contact": Field(CONTACT, help="email, phone, address and website, shown on the cover"),
        "paper": Field(Choice("A4", "letter"), default="A4"),
        "pdf_variant": Field(Choice("pdf/a-3b", "pdf/a-2b", "pdf/ua-1")),
        "editions": Field(
            MappingOf(Identifier(), EDITION), help="PDF editions by name, each with its chapters"
        ),
    },
)

BUSINESS_MODEL = Record(
    "business model",
    {
        "customers": Field(Text(), required=True, example="Who is the customer?"),
        "value": Field(Text(), required=True, example="What does that customer value?"),
        "delivery": Field(Text(), required=True, example="How is it delivered at a profit?"),
        "canvas": Field(
            Record("canvas", {name: Field(_text_list) for name in CANVAS_BLOCKS}),
            convert=lambda canvas: tuple(
                (block, tuple(canvas[block])) for block in CANVAS_BLOCKS if canvas.get(block)
            ),
            model_type=tuple[tuple[str, tuple[str, ...]], ...],  # (block, items) in order
        ),
    },
)

GOAL = Record(
    "goal",
    {
        "id": Field(Identifier(), required=True, example="online-sales"),
        "title": Field(Text(300), required=True, example="Grow online sales by 25 %"),
        "horizon": Field(Choice("short", "long")),
        "specific": Field(Text()),
        "kpi": Field(Identifier(), help="the id of the KPI that measures it"),
        "baseline": Field(Number(), help="the KPI's value today; " + _NUMBER_HELP),
        "target": Field(Number(), help="the KPI's value to reach; " + _NUMBER_HELP),
        "deadline": Field(Date()),
        "owner": Field(Identifier(), help="the id of a team member"),
        "relevant": Field(Text()),
        "achievable": Field(Text()),
        "notes": Field(Text()),
    },
)

HISTORY_ENTRY = Record(
    "history entry",
    {
        "date": Field(Date(), required=True, example="2027-02-01 (when the change was decided)"),
        "due": Field(Date()),
        "budget": Field(Money(), help=_MONEY_HELP),
        "reason": Field(Text(), required=True, example="Supplier delivered late"),
    },
)

MILESTONE = Record(
    "milestone",
    {
        "id": Field(Identifier(), required=True, example="web-shop"),
        "title": Field(Text(300), required=True, example="Launch the new web shop"),
        "due": Field(Date(), required=True, example="2027-03-31"),
        "budget": Field(Money(), help=_MONEY_HELP),
        "owner": Field(Identifier(), help="the id of a team member"),
        "goals": Field(ListOf(Identifier(), allow_scalar=True)),
        "done": Field(Date()),
        "actual_cost": Field(Money(), help=_MONEY_HELP),
        "notes": Field(Text()),
        "history": Field(ListOf(HISTORY_ENTRY)),
        "capital": Field(
            Boolean(), default=False, help="an investment: cash out, not an operating expense"
        ),
        "spend": Field(
            Record(
                "spend",
                {
                    "from": Field(Month(), required=True, example="2027-01"),
                    "to": Field(Month(), required=True, example="2027-03"),
                },
            ),
            help="the months the budget is spread over (default: the due month)",
            convert=lambda spend: (month_index(spend["from"]), month_index(spend["to"])),
            model_type=tuple[int, int],  # month indexes
        ),
    },
)

KPI = Record(
    "KPI",
    {
        "id": Field(Identifier(), required=True, example="online-revenue"),
        "name": Field(Text(300), required=True, example="Monthly online revenue"),
        "description": Field(Text()),
        "category": Field(Choice(*KPI_CATEGORIES)),
        "unit": Field(Choice(*KPI_UNITS), default="count"),
        "direction": Field(Choice("up", "down"), default="up"),
        "precision": Field(
            Integer(0, 6),
            help="decimals its values show (default: counts 0, percents and days 1, ratios 2, "
            "money the currency's minor unit; 0 for whole units)",
        ),
        "target": Field(Number(), help=_NUMBER_HELP),
        "target_date": Field(Date()),
        "actuals": Field(
            MappingOf(Month(), Number()),
            help="YYYY-MM: value (also read from kpis/<id>.csv); " + _NUMBER_HELP,
            convert=lambda actuals: tuple(sorted(actuals.items())),
            model_type=tuple[tuple[str, Decimal], ...],  # (YYYY-MM, value), oldest first
        ),
    },
)

PERSON = Record(
    "team member",
    {
        "id": Field(Identifier(), required=True, example="founder"),
        "name": Field(Text(300), required=True, example="A. Founder"),
        "role": Field(Text(300)),
        "bio": Field(Text()),
    },
)

SECTION = Record(
    "section front matter",
    {
        "title": Field(Text(300), help="default: the first `# heading`, else the file name"),
        "order": Field(Integer(), default=DEFAULT_SECTION_ORDER),
        "editions": Field(
            ListOf(Identifier(), allow_scalar=True),
            help="if set, the only editions this section appears in",
        ),
    },
)

# --- financials.yaml ---------------------------------------------------------------------

GROWTH_STEP = Record(
    "growth step",
    {
        "from": Field(Month(), required=True, example="2027-01"),
        "percent": Field(Percent(Decimal(-100)), required=True, example="1.5"),
    },
)

REVENUE = Record(
    "revenue stream",
    {
        "name": Field(Text(200), required=True, example="Subscriptions"),
        "monthly": Field(Money(), help="the first month's amount; " + _MONEY_HELP),
        "units": Field(Number(minimum=Decimal(0)), help="units sold a month; " + _NUMBER_HELP),
        "price": Field(Money(), help="price of one unit; " + _MONEY_HELP),
        "growth": Field(
            Either(Percent(Decimal(-100)), ListOf(GROWTH_STEP)),
            default=Decimal(0),
            help="monthly growth in percent, or a list of steps `{from: YYYY-MM, percent: n}`",
        ),
        "start": Field(Month(), help="default: the projection's start"),
        "end": Field(Month()),
        "seasonality": Field(
            ListOf(Number(minimum=Decimal(0))), help="12 factors, January first (1.0 = average)"
        ),
        "cost_of_sales": Field(
            Percent(Decimal(0), Decimal(100)), default=Decimal(0), help="percent of revenue"
        ),
    },
)
#: The category of an expense that names none.
DEFAULT_CATEGORY = "other"
RECURRING = Record(
    "recurring expense",
    {
        "name": Field(Text(200), required=True, example="Rent"),
        "category": Field(Text(80), default=DEFAULT_CATEGORY),
        "monthly": Field(Money(), required=True, example="3200.00", help=_MONEY_HELP),
        "start": Field(Month(), help="default: the projection's start"),
        "end": Field(Month()),
        "growth": Field(Percent(Decimal(-100)), default=Decimal(0), help="monthly, in percent"),
        "milestone": Field(Identifier(), help="the milestone whose budget this line replaces"),
    },
)
ONE_OFF = Record(
    "one-off expense",
    {
        "name": Field(Text(200), required=True, example="Espresso machine"),
        "category": Field(Text(80), default=DEFAULT_CATEGORY),
        "amount": Field(Money(), required=True, example="21500.00", help=_MONEY_HELP),
        "month": Field(Month(), required=True, example="2027-08"),
        "milestone": Field(Identifier(), help="the milestone whose budget this line replaces"),
    },
)
EQUITY = Record(
    "equity",
    {
        "amount": Field(Money(), required=True, example="40000.00", help=_MONEY_HELP),
        "month": Field(
            Month(), required=True, example="2026-02", convert=month_index, model_type=int
        ),
        "investor": Field(Text(200)),
    },
)
LOAN = Record(
    "loan",
    {
        "id": Field(
            Identifier(),
            help="the loan's name in figure references, `{=loan.<id>.payment}` "
            "(default: its name as a slug)",
        ),
        "name": Field(Text(200)),
        "principal": Field(Money(), required=True, example="60000.00", help=_MONEY_HELP),
        "rate": Field(
            Percent(Decimal(0), Decimal(100)),
            required=True,
            example="7.25",
            help="annual interest in percent",
        ),
        "term_months": Field(Integer(1, 600), required=True, example="60"),
        "start": Field(
            Month(), required=True, example="2026-02", convert=month_index, model_type=int
        ),
        "grace_months": Field(
            Integer(0, 120), default=0, help="first months of the term paying interest only"
        ),
        "lender": Field(Text(200)),
    },
)
_LABEL_HELP = "the name readers see (default: {default})"
SCENARIO = Record(
    "scenario",
    {
        "label": Field(
            Text(200),
            example="Kịch bản xấu",
            help=_LABEL_HELP.format(default="its key made readable: `costs-up` → Costs up"),
        ),
        "description": Field(Text()),
        "revenue": Field(Percent(Decimal(-100)), default=Decimal(0), help="change in percent"),
        "expenses": Field(Percent(Decimal(-100)), default=Decimal(0), help="change in percent"),
        "rate_points": Field(
            Percent(Decimal(-100), Decimal(100)),
            default=Decimal(0),
            help="change of every loan's interest rate, in percentage points",
        ),
        "delay_months": Field(
            Integer(0, 60),
            default=0,
            help="how much later the streams and milestones named in `delay` begin "
            "(without `delay`: every stream that starts after the projection's start)",
        ),
        "delay": Field(
            ListOf(Text(200), allow_scalar=True),
            help="names of revenue streams or ids of milestones that `delay_months` delays",
        ),
    },
)
EXISTING_LOAN = Record(
    "existing loan",
    {
        "name": Field(Text(200)),
        "lender": Field(Text(200)),
        "balance": Field(Money(), required=True, example="45000.00", help=_MONEY_HELP),
        "rate": Field(
            Percent(Decimal(0), Decimal(100)),
            required=True,
            example="6.5",
            help="annual interest in percent",
        ),
        "remaining_months": Field(
            Integer(1, 600),
            required=True,
            example="40",
            help="months of payments left from the projection's start",
        ),
    },
)
OPENING_BALANCE = Record(
    "opening balance sheet",
    {
        "cash": Field(Money(), default=Decimal(0), help=_MONEY_HELP),
        "receivables": Field(Money(), default=Decimal(0), help=_MONEY_HELP),
        "inventory": Field(Money(), default=Decimal(0), help=_MONEY_HELP),
        "fixed_assets": Field(Money(), default=Decimal(0), help="net book value; " + _MONEY_HELP),
        "fixed_assets_life_months": Field(
            Integer(1, 600),
            default=60,
            help="months over which the fixed assets' book value is still depreciated",
        ),
        "payables": Field(Money(), default=Decimal(0), help=_MONEY_HELP),
        "paid_in_capital": Field(
            Money(),
            default=Decimal(0),
            help="equity paid in so far; retained earnings are the rest of the equity",
        ),
        "loans": Field(ListOf(EXISTING_LOAN)),
    },
)
CAPEX = Record(
    "capex",
    {
        "name": Field(Text(200), required=True, example="Second roaster"),
        "amount": Field(Money(), required=True, example="36000.00", help=_MONEY_HELP),
        "month": Field(
            Month(), required=True, example="2027-03", convert=month_index, model_type=int
        ),
        "life_months": Field(
            Integer(1, 600), required=True, example="84", help="useful life, straight-line"
        ),
    },
)
TAX = Record(
    "income tax",
    {
        "rate": Field(
            Percent(Decimal(0), Decimal(100)),
            required=True,
            example="21",
            help="percent of profit before tax",
        ),
        "losses_carried_forward": Field(
            Money(), default=Decimal(0), help="tax losses of earlier years; " + _MONEY_HELP
        ),
        "paid_months_after_year_end": Field(
            Integer(0, 12),
            default=3,
            help="a fiscal year's tax is paid in one sum this many months after the year ends",
        ),
    },
)
WORKING_CAPITAL = Record(
    "working capital",
    {
        "receivable_days": Field(
            Integer(0, 365), default=0, help="days customers take to pay (of revenue)"
        ),
        "inventory_days": Field(
            Integer(0, 365), default=0, help="days of cost of sales held as stock"
        ),
        "payable_days": Field(
            Integer(0, 365), default=0, help="days taken to pay suppliers (of cost of sales)"
        ),
    },
)
OWNER_DRAW = Record(
    "owner draw",
    {
        "name": Field(Text(200), default="Owner draws"),
        "monthly": Field(Money(), help="paid every month from `start` to `end`; " + _MONEY_HELP),
        "amount": Field(Money(), help="paid once, in `month`; " + _MONEY_HELP),
        "month": Field(Month()),
        "start": Field(Month(), help="default: the projection's start"),
        "end": Field(Month()),
    },
)
USE_OF_FUNDS_LINE = Record(
    "use of funds line",
    {
        "amount": Field(Money(), required=True, example="22000.00", help=_MONEY_HELP),
        "label": Field(
            Text(200),
            example="Roaster and tasting room",
            help=_LABEL_HELP.format(
                default="the theme's word for a standard use, else the category made readable"
            ),
        ),
    },
)
EXPENSES = Record(
    "expenses", {"recurring": Field(ListOf(RECURRING)), "one_off": Field(ListOf(ONE_OFF))}
)
FUNDING = Record("funding", {"equity": Field(ListOf(EQUITY)), "loans": Field(ListOf(LOAN))})
MONTHLY_ACTUALS = Record(
    "monthly actuals",
    {
        "revenue": Field(Money(), help=_MONEY_HELP),
        "expenses": Field(
            Money(), help="cost of sales and operating expenses, without capex; " + _MONEY_HELP
        ),
        "capex": Field(
            Money(), help="capital spending (equipment, fit-out) of the month; " + _MONEY_HELP
        ),
    },
)
FINANCIALS = Record(
    "financials",
    {
        "start": Field(
            Month(), required=True, example="2026-01", help="first month of the projection"
        ),
        "horizon_months": Field(Integer(12, 60), default=36),
        "starting_cash": Field(
            Money(),
            default=Decimal(0),
            help="cash at the start: the short form of `opening_balance` for a new business; "
            + _MONEY_HELP,
        ),
        "fiscal_year_start": Field(
            Integer(1, 12), default=1, help="the calendar month (1–12) a fiscal year begins"
        ),
        "opening_balance": Field(
            OPENING_BALANCE, help="where an existing business stands at the projection's start"
        ),
        "capex": Field(ListOf(CAPEX), help="investments, depreciated straight-line"),
        "capital_life_months": Field(
            Integer(1, 600),
            default=60,
            help="useful life of a milestone with `capital: true` (it becomes capex)",
        ),
        "tax": Field(TAX, help="income tax on profit; none when left out"),
        "working_capital": Field(WORKING_CAPITAL),
        "owner_draws": Field(ListOf(OWNER_DRAW), help="owner draws or dividends"),
        "min_dscr": Field(
            Number(minimum=Decimal(0)),
            default=Decimal("1.15"),
            help="warn when a year's debt-service coverage falls below this",
        ),
        "milestone_spending": Field(
            Boolean(), default=True, help="count milestone budgets as expenses"
        ),
        "revenue": Field(ListOf(REVENUE)),
        "expenses": Field(EXPENSES),
        "funding": Field(FUNDING),
        "use_of_funds": Field(
            MappingOf(Text(80), Either(Money(), USE_OF_FUNDS_LINE)),
            help="category: amount, or category: {amount, label}; " + _MONEY_HELP,
        ),
        "scenarios": Field(MappingOf(Identifier(), SCENARIO)),
        "actuals": Field(MappingOf(Month(), MONTHLY_ACTUALS)),
        "collateral": Field(Text()),
    },
)

#: Each YAML file of a plan with its record; list files hold a list of that record.
FILES: dict[str, tuple[Record, bool]] = {
    "plan.yaml": (PLAN, False),
    "business-model.yaml": (BUSINESS_MODEL, False),
    "goals.yaml": (GOAL, True),
    "milestones.yaml": (MILESTONE, True),
    "kpis.yaml": (KPI, True),
    "financials.yaml": (FINANCIALS, False),
    "team.yaml": (PERSON, True),
    "section front matter": (SECTION, False),
}
#: The list-shaped parts, with the record of one item and a singular label.
LIST_PARTS = {
    "goals": (GOAL, "goal"),
    "milestones": (MILESTONE, "milestone"),
    "kpis": (KPI, "KPI"),
    "team": (PERSON, "team member"),
}


def default(record: Record, name: str):
    """The declared default of a field (``None`` when it has none)."""
    return record.fields[name].default


def json_schemas() -> dict[str, dict]:
    """A JSON Schema (draft 2020-12) for each YAML file of a plan, by file name
    (``section front matter`` for the front matter of ``sections/*.md``)."""
    return {
        name: json_schema(record, many=many, title=name) for name, (record, many) in FILES.items()
    }
