"""The formatter's fast path gives exactly Babel's text (format_currency, format_decimal,
format_date), for many values and locales."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import pytest
from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, format_decimal, get_currency_precision

from planbuilder.render.formatting import _WIDE, DATE_PATTERNS, MINUS, Formatter, _shape

PAIRS = [
    ("en_US", "USD"),
    ("en_US", "EUR"),
    ("en_GB", "GBP"),
    ("en_IN", "INR"),  # grouping 3 then 2
    ("es_ES", "EUR"),
    ("es_MX", "MXN"),
    ("vi_VN", "VND"),
    ("vi", "USD"),
    ("de_DE", "EUR"),
    ("de_CH", "CHF"),
    ("fr_FR", "EUR"),
    ("fr_CA", "CAD"),
    ("ja_JP", "JPY"),
    ("ja", "USD"),
    ("nl_NL", "EUR"),
    ("pt_BR", "BRL"),
    ("sv_SE", "SEK"),
    ("it_IT", "EUR"),
    ("pl_PL", "PLN"),
    ("ar_EG", "EGP"),
    ("he_IL", "ILS"),
    ("ko_KR", "KRW"),
    ("zh_CN", "CNY"),
    ("tr_TR", "TRY"),
]

RAW = [
    "0",
    "-0",
    "0.00",
    "-0.00",
    "0.004",
    "0.005",
    "0.015",
    "-0.005",
    "1",
    "-1",
    "0.1",
    "9.999",
    "12.5",
    "-12.5",
    "999.995",
    "1000",
    "-1000",
    "1234.5",
    "4820.5",
    "14820.5",
    "99999.994",
    "100000",
    "1234567.891",
    "-1234567.891",
    "1500000",
    "12345678901234.567",
    "-98765432109876543210.125",
    "1E+3",
    "1.000000",
    "0.125",
    "0.135",
    "5E-7",
    "-3.14159",
    "31.9",
    "461",
    "40.1",
    "184700.50",
    "10000000000000000000000000000000",
]
VALUES = [Decimal(v) for v in RAW] + [Decimal(n) * Decimal("1.37") ** n for n in range(-5, 40)]


def _babel_money(locale: str, currency: str, amount: Decimal, whole: bool) -> str:
    """What ``Formatter.money`` gave through Babel's public functions alone."""
    with localcontext(_WIDE):
        if not whole:
            digits = get_currency_precision(currency)
            value = amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
            text = format_currency(value, currency, locale=locale)
        else:
            loc = Locale.parse(locale)
            pattern = copy.copy(loc.currency_formats["standard"])
            pattern.frac_prec = (0, 0)
            rounded = amount.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
            text = pattern.apply(rounded, loc, currency=currency, currency_digits=False)
    return text.replace("-", MINUS)


@pytest.mark.parametrize(("locale", "currency"), PAIRS)
def test_money_is_babels_text(locale, currency):
    fmt = Formatter(locale, currency)
    for value in VALUES:
        for whole in (False, True):
            assert fmt.money(value, whole) == _babel_money(locale, currency, value, whole), (
                value,
                whole,
            )


@pytest.mark.parametrize(("locale", "currency"), PAIRS)
def test_numbers_are_babels_text(locale, currency):
    fmt = Formatter(locale, currency)
    for value in VALUES:
        with localcontext(_WIDE):
            expected = format_decimal(value, locale=locale, decimal_quantization=False)
        assert fmt.number(value) == expected.replace("-", MINUS), value
        for digits in (0, 1, 2):
            with localcontext(_WIDE):
                rounded = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
                expected = format_decimal(rounded, locale=locale, decimal_quantization=False)
            assert fmt.number(value, digits) == expected.replace("-", MINUS), (value, digits)


@pytest.mark.parametrize(("locale", "currency"), PAIRS)
def test_percents_are_babels_text(locale, currency):
    fmt = Formatter(locale, currency)
    loc = Locale.parse(locale)
    for value in VALUES:
        for digits in (0, 1, 2):
            pattern = copy.copy(loc.percent_formats[None])
            pattern.frac_prec = (0, digits)
            with localcontext(_WIDE):
                expected = pattern.apply(value / 100, loc)
            assert fmt.percent(value, digits) == expected.replace("-", MINUS), (value, digits)


@pytest.mark.parametrize(("locale", "currency"), PAIRS)
def test_dates_and_months_are_babels_text(locale, currency):
    fmt = Formatter(locale, currency)
    # A language with its own patterns (Vietnamese) is Babel with those patterns.
    own = DATE_PATTERNS.get(Locale.parse(locale).language, {})
    day = dt.date(2019, 1, 1)
    while day < dt.date(2031, 1, 1):
        for style in ("short", "medium", "long", "full"):
            expected = format_date(day, format=own.get(style, style), locale=locale)
            assert fmt.date(day, style) == expected
        month = own.get("month")
        expected = (
            format_date(day, month, locale=locale)
            if month
            else format_skeleton("yMMM", day, locale=locale)
        )
        assert fmt.month(day) == expected
        day += dt.timedelta(days=37)


def test_the_fast_path_is_taken_for_the_common_locales():
    # Otherwise the tests above would only compare Babel with itself.
    for locale, currency in [("en_US", "USD"), ("es_ES", "EUR"), ("vi_VN", "VND")]:
        assert _shape(locale, "currency", currency) is not None
        assert _shape(locale, "decimal", "") is not None
        assert _shape(locale, "percent", "") is not None
