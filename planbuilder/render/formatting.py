"""Locale-aware formatting of money, dates and numbers (Babel), bound to one plan."""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import (
    format_currency,
    format_decimal,
    get_currency_precision,
)

from planbuilder.calendar import first_day, month_index

#: Enough digits that rounding and formatting never raise, however far a projection
#: grows a valid amount (the default context stops at 28 digits).
_WIDE = Context(prec=2000, Emax=10**6, Emin=-(10**6))


@dataclass(frozen=True)
class Formatter:
    """Formats values for the plan's locale and currency.

    Money is rounded half-even to the currency's minor unit only here, at display.
    """

    locale: str
    currency: str

    @property
    def babel_locale(self) -> Locale:
        return Locale.parse(self.locale)

    def quantize(self, amount: Decimal) -> Decimal:
        digits = get_currency_precision(self.currency)
        return amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN, context=_WIDE)

    def money(self, amount: Decimal | int | None, whole: bool = False) -> str:
        """``$4,500.00`` / ``4.500,00 €`` / ``4.500 ₫``; ``whole`` drops the minor unit."""
        if amount is None:
            return ""
        with localcontext(_WIDE):
            return self._money(amount, whole)

    def _money(self, amount: Decimal | int, whole: bool) -> str:
        if not whole:
            return format_currency(
                self.quantize(Decimal(amount)), self.currency, locale=self.locale
            )
        pattern = copy.copy(self.babel_locale.currency_formats["standard"])
        pattern.frac_prec = (0, 0)
        rounded = Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        return pattern.apply(
            rounded, self.babel_locale, currency=self.currency, currency_digits=False
        )

    def signed_money(self, amount: Decimal | None) -> str:
        if amount is None:
            return ""
        text = self.money(abs(amount))
        if amount > 0:
            return "+" + text
        if amount < 0:
            return "−" + text
        return text

    def number(self, value: Decimal | int | None, digits: int | None = None) -> str:
        if value is None:
            return ""
        with localcontext(_WIDE):
            if digits is not None:
                value = Decimal(value).quantize(
                    Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN
                )
            return format_decimal(value, locale=self.locale, decimal_quantization=False)

    def percent(self, value: Decimal | None, digits: int = 1) -> str:
        """``value`` is in percent (12.5 means 12.5 %), shown the locale's way."""
        if value is None:
            return ""
        pattern = copy.copy(self.babel_locale.percent_formats[None])
        pattern.frac_prec = (0, digits)
        with localcontext(_WIDE):
            return pattern.apply(Decimal(value) / 100, self.babel_locale)

    def date(self, value: dt.date | None, style: str = "medium") -> str:
        if value is None:
            return ""
        return format_date(value, format=style, locale=self.locale)

    def month(self, value: str | int | dt.date | None) -> str:
        """``2027-03`` (or a month index, year * 12 + month - 1) → ``Mar 2027``."""
        if value is None:
            return ""
        if isinstance(value, int):
            value = first_day(value)
        elif isinstance(value, str):
            value = first_day(month_index(value))
        return format_skeleton("yMMM", value, locale=self.locale)

    def period(self, period) -> str:
        """A month (``Mar 2027``) or a span of months (``Jan 2028 – Mar 2028``)."""
        if period.first == period.last:
            return self.month(period.first)
        return f"{self.month(period.first)} – {self.month(period.last)}"

    def period_short(self, period, year_word: str = "FY") -> str:
        """A statement column's one-line label: ``Jan 26``, ``Q1 27`` (``Feb–Apr 27`` off
        the calendar quarters), ``FY 2027``, or a partial fiscal year ``2026, Feb–Dec``."""
        first, last = first_day(period.first), first_day(period.last)
        if period.kind == "month":
            pattern = self.babel_locale.datetime_skeletons["yMMM"].pattern
            return format_date(first, re.sub("y+", "yy", pattern), locale=self.locale)
        span = format_skeleton("MMM", first, locale=self.locale)
        if period.last != period.first:
            span += f"–{format_skeleton('MMM', last, locale=self.locale)}"
        if period.kind == "quarter":
            if period.first % 3 == 0 and period.months == 3:
                return format_date(first, "QQQ yy", locale=self.locale)
            return f"{span} {format_date(last, 'yy', locale=self.locale)}"
        if getattr(period, "partial", False):
            return f"{period.fiscal_year}, {span}"
        return f"{year_word} {period.fiscal_year}"

    def ratio(self, value: Decimal | None) -> str:
        """Always two decimals: ``1.50×``."""
        if value is None:
            return ""
        pattern = copy.copy(self.babel_locale.decimal_formats[None])
        pattern.frac_prec = (2, 2)
        with localcontext(_WIDE):
            return f"{pattern.apply(Decimal(value), self.babel_locale)}×"

    def kpi_value(self, value: Decimal | None, unit: str | None) -> str:
        if value is None:
            return ""
        if unit == "money":
            return self.money(value)
        if unit == "percent":
            return self.percent(value)
        if unit == "days":
            return f"{self.number(value)} d"
        return self.number(value)
