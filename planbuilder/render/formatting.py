"""Locale-aware formatting of money, dates and numbers (Babel), bound to one plan."""

from __future__ import annotations

import copy
import datetime as dt
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
from planbuilder.render.i18n import translations

#: U+2212, the minus sign of every negative number shown.
MINUS = "\u2212"
#: Decimals a KPI's value shows when the KPI does not set ``precision``.
KPI_PRECISION = {"count": 0, "percent": 1, "days": 1, "ratio": 2}

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
            return self._minus(self._money(amount, whole))

    def _minus(self, text: str) -> str:
        """A real minus sign where the locale's data gives a hyphen-minus, so that every
        negative number in a document shows the same sign."""
        return text.replace("-", MINUS) if "-" in text else text

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

    def amount(self, amount: Decimal | int | None) -> str:
        """Money without its symbol, to the currency's minor unit (``144,605.04``), for a
        table whose caption names the currency."""
        if amount is None:
            return ""
        return self.number(self.quantize(Decimal(amount)), get_currency_precision(self.currency))

    def signed_money(self, amount: Decimal | None, whole: bool = False) -> str:
        if amount is None:
            return ""
        text = self.money(abs(amount), whole)
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
            return self._minus(
                format_decimal(value, locale=self.locale, decimal_quantization=False)
            )

    def percent(self, value: Decimal | None, digits: int = 1) -> str:
        """``value`` is in percent (12.5 means 12.5 %), shown the locale's way."""
        if value is None:
            return ""
        pattern = copy.copy(self.babel_locale.percent_formats[None])
        pattern.frac_prec = (0, digits)
        with localcontext(_WIDE):
            return self._minus(pattern.apply(Decimal(value) / 100, self.babel_locale))

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
        """A statement column's one-line label: ``Jan 2026``, ``Q1 2027`` (``Feb–Apr 2027``
        off the calendar quarters), ``FY 2027``, or a partial fiscal year ``2026, Feb–Dec``;
        the year in full, as everywhere else (``Jan 26`` reads as a day)."""
        first, last = first_day(period.first), first_day(period.last)
        if period.kind == "month":
            return format_skeleton("yMMM", first, locale=self.locale)
        span = format_skeleton("MMM", first, locale=self.locale)
        if period.last != period.first:
            span += f"–{format_skeleton('MMM', last, locale=self.locale)}"
        if period.kind == "quarter":
            if period.first % 3 == 0 and period.months == 3:
                return format_date(first, "QQQ y", locale=self.locale)
            return f"{span} {format_date(last, 'y', locale=self.locale)}"
        if getattr(period, "partial", False):
            return f"{period.fiscal_year}, {span}"
        return f"{year_word} {period.fiscal_year}"

    def ratio(self, value: Decimal | None) -> str:
        """Two decimals and the language's word for "times" (``2.29×``, ``2,29 lần``)."""
        if value is None:
            return ""
        pattern = copy.copy(self.babel_locale.decimal_formats[None])
        pattern.frac_prec = (2, 2)  # always two decimals: 1.50×, never 1.5×
        with localcontext(_WIDE):
            shown = pattern.apply(Decimal(value), self.babel_locale)
        return _ngettext(self.locale, "%(num)s×", "%(num)s×", value).replace("%(num)s", shown)

    def kpi_value(
        self, value: Decimal | None, unit: str | None, precision: int | None = None
    ) -> str:
        """A KPI's value in its unit, with ``precision`` decimals (by default: money as
        money, counts whole, percents and days to one decimal, ratios to two)."""
        if value is None:
            return ""
        if unit == "money":
            return self.money(value, whole=precision == 0)
        if unit is None and precision is None:
            # A goal without a KPI: its numbers as written, a computed one to two decimals.
            exponent = Decimal(value).as_tuple().exponent
            return self.number(value, 2 if isinstance(exponent, int) and exponent < -2 else None)
        if precision is None:
            precision = KPI_PRECISION.get(unit or "count", 0)
        if unit == "percent":
            return self.percent(value, precision)
        shown = self.number(value, precision)
        if unit == "days":
            return _ngettext(self.locale, "%(num)s day", "%(num)s days", value).replace(
                "%(num)s", shown
            )
        if unit == "ratio":
            return _ngettext(self.locale, "%(num)s×", "%(num)s×", value).replace("%(num)s", shown)
        return shown


def _ngettext(locale: str, singular: str, plural: str, n) -> str:
    """The catalog's form of ``n`` (a fraction takes the plural form, as in English)."""
    count = int(n) if Decimal(n) == Decimal(n).to_integral_value() else 2
    return translations(Locale.parse(locale).language).ngettext(singular, plural, count)
