"""Money, dates and numbers follow the plan's locale and currency (Babel)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from planbuilder.render.formatting import Formatter


@pytest.mark.parametrize(
    ("locale", "currency", "amount", "expected"),
    [
        ("en_US", "USD", "4820.5", "$4,820.50"),
        ("es_ES", "EUR", "14820.5", "14.820,50\xa0€"),
        ("de_DE", "EUR", "1234567.891", "1.234.567,89\xa0€"),
        ("vi_VN", "VND", "1500000", "1.500.000\xa0₫"),
        ("en_US", "USD", "0.125", "$0.12"),  # half-even at display
        ("en_US", "USD", "0.135", "$0.14"),
    ],
)
def test_money(locale, currency, amount, expected):
    assert Formatter(locale, currency).money(Decimal(amount)) == expected


def test_whole_money_drops_the_minor_unit():
    assert Formatter("en_US", "USD").money(Decimal("184700.00"), whole=True) == "$184,700"
    assert Formatter("es_ES", "EUR").money(Decimal("184700.50"), whole=True) == "184.700\xa0€"


def test_dates_and_months_are_localised():
    assert Formatter("en_US", "USD").date(dt.date(2027, 3, 31)) == "Mar 31, 2027"
    assert Formatter("es_ES", "EUR").date(dt.date(2027, 3, 31)) == "31 mar 2027"
    assert Formatter("en_US", "USD").month("2027-03") == "Mar 2027"


def test_percent_and_kpi_values():
    f = Formatter("en_US", "USD")
    assert f.percent(Decimal("12.5")) == "12.5%"
    assert f.kpi_value(Decimal("40.1"), "percent") == "40.1%"
    assert f.kpi_value(Decimal("31.9"), "money") == "$31.90"
    assert f.kpi_value(Decimal("461"), "count") == "461"
    assert f.signed_money(Decimal("-320.5")) == "−$320.50"


@pytest.mark.parametrize("locale", ["en_US", "es_ES", "vi_VN"])
def test_the_largest_allowed_amount_formats(locale):
    from planbuilder.schema import MAX_AMOUNT

    fmt = Formatter(locale, {"en_US": "USD", "es_ES": "EUR", "vi_VN": "VND"}[locale])
    largest = Decimal(MAX_AMOUNT - 1)
    assert "999" in fmt.money(largest)
    assert "999" in fmt.money(-largest, whole=True)
    assert "999" in fmt.number(largest, 2)
    # a projection may grow a valid amount far beyond it: still no exception
    assert fmt.money(largest * Decimal(101) ** 60)
    assert fmt.percent(Decimal(10) ** 30)


@pytest.mark.parametrize(
    ("locale", "currency", "money", "percent", "number"),
    [
        ("en_US", "USD", "−$37,185.54", "−7.25%", "−3"),
        ("es_ES", "EUR", "−37.185,54\xa0€", "−7,25\xa0%", "−3"),
        ("vi_VN", "VND", "−37.186\xa0₫", "−7,25%", "−3"),
    ],
)
def test_every_negative_number_has_one_minus_sign(locale, currency, money, percent, number):
    f = Formatter(locale, currency)
    assert f.money(Decimal("-37185.54")) == money
    assert f.percent(Decimal("-7.25"), 2) == percent
    assert f.number(Decimal(-3)) == number
    assert "-" not in f.money(Decimal("-5"), whole=True) + f.signed_money(Decimal("-5"))


def test_ratio_and_days_in_the_readers_language():
    assert Formatter("en_US", "USD").ratio(Decimal("2.2912")) == "2.29×"
    assert Formatter("vi_VN", "VND").ratio(Decimal("2.2912")) == "2,29 lần"
    assert Formatter("es_ES", "EUR").ratio(Decimal("2.2912")) == "2,29 veces"
    days = Decimal("2.821428571428571428571428571")
    assert Formatter("en_US", "USD").kpi_value(days, "days") == "2.8 days"
    assert Formatter("en_US", "USD").kpi_value(Decimal(1), "days", 0) == "1 day"
    assert Formatter("es_ES", "EUR").kpi_value(Decimal(3), "days", 0) == "3 días"
    assert Formatter("vi_VN", "VND").kpi_value(days, "days") == "2,8 ngày"


def test_kpi_values_keep_the_kpis_precision():
    f = Formatter("en_US", "USD")
    assert f.kpi_value(Decimal("483.4"), "count") == "483"
    assert f.kpi_value(Decimal("483.4"), "count", 1) == "483.4"
    assert f.kpi_value(Decimal("40.123"), "percent", 2) == "40.12%"
    assert f.kpi_value(Decimal("2.5"), None) == "2.5"  # a goal without a KPI, as written
    assert f.kpi_value(Decimal("1") / Decimal("3"), None) == "0.33"
