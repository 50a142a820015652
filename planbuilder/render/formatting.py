"""Locale-aware formatting of money, dates and numbers (Babel), bound to one plan."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from functools import lru_cache

from babel import Locale
from babel.dates import format_skeleton, parse_pattern
from babel.numbers import (
    NumberPattern,
    format_currency,
    format_decimal,
    get_currency_precision,
    get_currency_symbol,
)

from planbuilder.calendar import first_day, month_index
from planbuilder.render.i18n import translations
from planbuilder.render.labels import labels_for

#: U+2212, the minus sign of every negative number shown.
MINUS = "\u2212"
#: Decimals a KPI's value shows when the KPI does not set ``precision``.
KPI_PRECISION = {"count": 0, "percent": 1, "days": 1, "ratio": 2}

#: Date patterns (CLDR syntax) of languages whose business documents write dates otherwise
#: than Babel's data: Vietnamese banks print 30/06/2027 in tables, "ngày 30 tháng 6 năm
#: 2027" in running text and on the cover, and 06/2027 for a month (Babel's "thg 6 2027"
#: wraps in a narrow column). Keys: a ``date`` style, ``month`` (also a statement's month
#: column) and ``quarter``; a missing key keeps Babel's own format.
DATE_PATTERNS: dict[str, dict[str, str]] = {
    "vi": {
        "medium": "dd/MM/y",
        "long": "'ngày' d 'tháng' M 'năm' y",
        "month": "MM/y",
        "quarter": "QQQ/y",
    },
}
#: The money rule (README, "Numbers"): a style names the kind of table a figure sits in,
#: so that the same kind of figure looks the same in the site and the PDF. ``summary``
#: (statements, key figures, funding and loan requests, debt summary, coverage,
#: scenarios, budgets by goal or owner) shows whole units; ``schedule`` (loan
#: amortisation, milestone budgets beside their actual costs, forecast and actual, the
#: monthly projection) shows the currency's minor unit. ``True``: whole units.
MONEY_STYLES = {"summary": True, "schedule": False}

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
        return _locale(self.locale)  # parsed once: a new Locale loads its data again

    def quantize(self, amount: Decimal) -> Decimal:
        digits = get_currency_precision(self.currency)
        return amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN, context=_WIDE)

    def money(
        self, amount: Decimal | int | None, whole: bool = False, style: str | None = None
    ) -> str:
        """``$4,500.00`` / ``4.500,00 €`` / ``4.500 ₫``; ``whole`` drops the minor unit, and
        a named ``style`` (``MONEY_STYLES``) decides it by the kind of table."""
        if amount is None:
            return ""
        if style is not None:
            whole = MONEY_STYLES[style]
        # ``bool``: ``whole`` as ``_money`` reads it (a template may pass `none`), never the
        # ``None`` that keys ``amount``'s texts.
        key = (self.locale, self.currency, amount.__class__, str(amount), bool(whole))
        text = _MONEY_TEXT.get(key)
        if text is None:
            with localcontext(_WIDE):
                text = self._minus(self._money(amount, whole))
            _remember(_MONEY_TEXT, key, text)
        return text

    def _minus(self, text: str) -> str:
        """A real minus sign where the locale's data gives a hyphen-minus, so that every
        negative number in a document shows the same sign."""
        return text.replace("-", MINUS) if "-" in text else text

    def _money(self, amount: Decimal | int, whole: bool) -> str:
        shape = _shape(self.locale, "currency", self.currency)
        if not whole:
            value = self.quantize(Decimal(amount))
            if shape is not None and value.is_finite():
                digits = get_currency_precision(self.currency)
                return shape.apply(value, digits, digits)
            return format_currency(value, self.currency, locale=self.locale)
        rounded = Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        if shape is not None and rounded.is_finite():
            return shape.apply(rounded, 0, 0)
        pattern = copy.copy(self.babel_locale.currency_formats["standard"])
        pattern.frac_prec = (0, 0)
        return pattern.apply(
            rounded, self.babel_locale, currency=self.currency, currency_digits=False
        )

    def amount(self, amount: Decimal | int | None) -> str:
        """Money without its symbol, to the currency's minor unit (``144,605.04``), for a
        table whose caption names the currency."""
        if amount is None:
            return ""
        key = (self.locale, self.currency, amount.__class__, str(amount), None)
        text = _MONEY_TEXT.get(key)
        if text is None:
            digits = get_currency_precision(self.currency)
            text = self.number(self.quantize(Decimal(amount)), digits)
            _remember(_MONEY_TEXT, key, text)
        return text

    def signed_money(
        self, amount: Decimal | None, whole: bool = False, style: str | None = None
    ) -> str:
        if amount is None:
            return ""
        text = self.money(abs(amount), whole, style)
        if amount > 0:
            return "+" + text
        if amount < 0:
            return "−" + text
        return text

    def number(self, value: Decimal | int | None, digits: int | None = None) -> str:
        if value is None:
            return ""
        key = (self.locale, value.__class__, str(value), digits)
        text = _NUMBER_TEXT.get(key)
        if text is None:
            text = self._number(value, digits)
            _remember(_NUMBER_TEXT, key, text)
        return text

    def _number(self, value: Decimal | int, digits: int | None) -> str:
        with localcontext(_WIDE):
            if digits is not None:
                value = Decimal(value).quantize(
                    Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN
                )
            shape = _shape(self.locale, "decimal", "")
            if shape is not None and Decimal(value).is_finite():
                return self._minus(shape.apply_natural(Decimal(value)))
            return self._minus(
                format_decimal(value, locale=self.locale, decimal_quantization=False)
            )

    def percent(self, value: Decimal | None, digits: int = 1, fixed: bool = False) -> str:
        """``value`` is in percent (12.5 means 12.5 %), shown the locale's way, with up to
        ``digits`` decimals, or exactly ``digits`` when ``fixed`` (``96.0%`` by ``96.4%``)."""
        if value is None:
            return ""
        with localcontext(_WIDE):
            share = Decimal(value) / 100
            shape = _shape(self.locale, "percent", "")
            if shape is not None and share.is_finite():
                return self._minus(shape.apply(share, digits if fixed else 0, digits))
            pattern = copy.copy(self.babel_locale.percent_formats[None])
            pattern.frac_prec = (digits if fixed else 0, digits)
            return self._minus(pattern.apply(share, self.babel_locale))

    def _date_pattern(self, key: str) -> str | None:
        return DATE_PATTERNS.get(self.babel_locale.language, {}).get(key)

    def date(self, value: dt.date | None, style: str = "medium") -> str:
        """``value`` in a Babel style (``medium`` in tables, ``long`` in prose and on the
        cover), or the language's own pattern for that style (``DATE_PATTERNS``)."""
        if value is None:
            return ""
        key = (self.locale, style, value)
        text = _DATE_TEXT.get(key)
        if text is None:
            text = _date_text(self.locale, self._date_pattern(style) or style, value)
            _remember(_DATE_TEXT, key, text)
        return text

    def month(self, value: str | int | dt.date | None) -> str:
        """``2027-03`` (or a month index, year * 12 + month - 1) → ``Mar 2027``
        (``03/2027`` in Vietnamese)."""
        if value is None:
            return ""
        key = (self.locale, "month", value.__class__, value)
        text = _DATE_TEXT.get(key)
        if text is None:
            text = self._month(value)
            _remember(_DATE_TEXT, key, text)
        return text

    def _month(self, value: str | int | dt.date) -> str:
        if isinstance(value, int):
            value = first_day(value)
        elif isinstance(value, str):
            value = first_day(month_index(value))
        pattern = self._date_pattern("month")
        if pattern:
            return _date_text(self.locale, pattern, value)
        return _skeleton_text(self.locale, "yMMM", value)

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
            return self.month(period.first)  # the year in full, as everywhere else
        span = _skeleton_text(self.locale, "MMM", first)
        if period.last != period.first:
            span += f"–{_skeleton_text(self.locale, 'MMM', last)}"
        if period.kind == "quarter":
            if period.first % 3 == 0 and period.months == 3:
                quarter = self._date_pattern("quarter") or "QQQ y"
                return _date_text(self.locale, quarter, first)
            return f"{span} {_date_text(self.locale, 'y', last)}"
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
            return self.percent(value, precision, fixed=True)
        shown = self.number(value, precision)
        if unit == "days":
            return _ngettext(self.locale, "%(num)s day", "%(num)s days", value).replace(
                "%(num)s", shown
            )
        if unit == "ratio":
            return _ngettext(self.locale, "%(num)s×", "%(num)s×", value).replace("%(num)s", shown)
        return shown

    def kpi_change(
        self, value: Decimal | None, unit: str | None, precision: int | None = None
    ) -> str:
        """A change of a KPI's value, signed (``+3``, ``−$120``). A percent KPI changes by
        percentage points, not percent: ``+0.5 pp``, ``+0,5 p. p.``, ``+0,5 điểm %``."""
        if value is None:
            return ""
        if unit == "percent":
            digits = KPI_PRECISION["percent"] if precision is None else precision
            word = str(labels_for(self.locale)["percentage_points"])
            text = word.format(value=self.number(abs(value), digits))
        else:
            text = self.kpi_value(abs(value), unit, precision)
        return ("+" if value > 0 else MINUS if value < 0 else "") + text


def _ngettext(locale: str, singular: str, plural: str, n) -> str:
    """The catalog's form of ``n`` (a fraction takes the plural form, as in English)."""
    count = int(n) if Decimal(n) == Decimal(n).to_integral_value() else 2
    return translations(Locale.parse(locale).language).ngettext(singular, plural, count)


# Formatting is most of the pages made from YAML (a large plan shows thousands of amounts
# and dates), and Babel's public functions look up the locale, the pattern and the
# currency symbol again on every call. Below, each pattern is read once per locale (and
# date pattern string), and the digits are laid out by the same steps as Babel's
# ``NumberPattern.apply``. tests/test_formatting_fast.py checks the output against Babel's
# public functions, byte for byte.


#: Texts of amounts and numbers by locale, currency, the value's type and exact text
#: (``-0`` and ``0``, ``1.5`` and ``1.50`` apart) and options: a large plan shows the
#: same few thousand amounts tens of thousands of times.
_MONEY_TEXT: dict[tuple, str] = {}
_NUMBER_TEXT: dict[tuple, str] = {}
#: Dates shown by locale, style and date (a datetime is shown as its date).
_DATE_TEXT: dict[tuple, str] = {}


def _remember(texts: dict[tuple, str], key: tuple, text: str) -> None:
    if len(texts) >= 50_000:
        texts.clear()
    texts[key] = text


@lru_cache(maxsize=4096)
def _date_text(locale: str, format: str, value: dt.date) -> str:
    """``format_date(value, format, locale)``: a style name or a date pattern string."""
    if isinstance(value, dt.datetime):
        value = value.date()
    return _date_pattern(locale, format).apply(value, _locale(locale))


@lru_cache(maxsize=4096)
def _skeleton_text(locale: str, skeleton: str, value: dt.date) -> str:
    """``format_skeleton(skeleton, value, locale=locale)``."""
    return format_skeleton(skeleton, value, locale=locale)


@lru_cache(maxsize=256)
def _date_pattern(locale: str, format: str):
    """The parsed date pattern of a style name (``medium``) or a pattern string."""
    if format in ("full", "long", "medium", "short"):
        return _locale(locale).date_formats[format]
    return parse_pattern(format)


@lru_cache(maxsize=64)
def _locale(locale: str) -> Locale:
    return Locale.parse(locale)


@lru_cache(maxsize=256)
def _shape(locale: str, kind: str, currency: str) -> _Shape | None:
    """The locale's standard ``currency`` or ``decimal`` pattern, read once; ``None`` when
    the pattern uses something the fast path does not lay out (Babel formats it then)."""
    loc = _locale(locale)
    pattern: NumberPattern = {
        "currency": lambda: loc.currency_formats["standard"],
        "decimal": lambda: loc.decimal_formats[None],
        "percent": lambda: loc.percent_formats[None],
    }[kind]()
    if pattern.exp_prec or "@" in pattern.pattern or not pattern.number_pattern:
        return None
    affixes = [*pattern.prefix, *pattern.suffix]
    if any("¤¤¤" in text for text in affixes):
        return None  # the currency's name depends on the number (its plural form)
    if currency:
        symbol = get_currency_symbol(currency, loc)
        affixes = [text.replace("¤¤", currency.upper()).replace("¤", symbol) for text in affixes]
    if any("'" in text for text in affixes):
        return None  # quoted literals: Babel strips the quotes over the whole text
    symbols = loc.number_symbols["latn"]
    return _Shape(
        prefix=(affixes[0], affixes[1]),
        suffix=(affixes[2], affixes[3]),
        scale=pattern.scale,
        int_min=pattern.int_prec[0],
        grouping=pattern.grouping,
        frac_prec=pattern.frac_prec,
        group=symbols["group"],
        decimal=symbols["decimal"],
    )


@dataclass(frozen=True)
class _Shape:
    """A number pattern bound to a locale (and currency): affixes, grouping, symbols."""

    prefix: tuple[str, str]
    suffix: tuple[str, str]
    scale: int  # a percent pattern shows the value times 100
    int_min: int
    grouping: tuple[int, int]
    frac_prec: tuple[int, int]
    group: str
    decimal: str

    def apply(self, value: Decimal, frac_min: int, frac_max: int) -> str:
        """Babel's ``NumberPattern.apply`` for a finite ``Decimal`` with these decimals
        (in the caller's decimal context, as Babel's)."""
        if self.scale:
            value = value.scaleb(self.scale)
        negative = int(value.is_signed())
        value = abs(value).normalize()
        whole, _, frac = f"{value.quantize(_quantum(frac_max)):f}".partition(".")
        return (
            self.prefix[negative]
            + self._int(whole)
            + self._frac(frac or "0", frac_min, frac_max)
            + self.suffix[negative]
        )

    def apply_natural(self, value: Decimal) -> str:
        """``format_decimal(value, decimal_quantization=False)``: every decimal the
        value has, at least the pattern's."""
        exponent = abs(value.scaleb(self.scale)).normalize().as_tuple().exponent
        natural = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        low, high = self.frac_prec
        return self.apply(value, low, max(high, natural))

    def _int(self, digits: str) -> str:
        if len(digits) < self.int_min:
            digits = "0" * (self.int_min - len(digits)) + digits
        size, rest = self.grouping
        out = ""
        while len(digits) > size:
            out = self.group + digits[-size:] + out
            digits = digits[:-size]
            size = rest
        return digits + out

    def _frac(self, digits: str, low: int, high: int) -> str:
        if len(digits) < low:
            digits += "0" * (low - len(digits))
        if high == 0 or (low == 0 and int(digits) == 0):
            return ""
        while len(digits) > low and digits[-1] == "0":
            digits = digits[:-1]
        return self.decimal + digits


@lru_cache(maxsize=64)
def _quantum(digits: int) -> Decimal:
    return Decimal(10) ** (-digits)
