"""Month arithmetic, in one place.

A month is held as an *index*: ``year * 12 + month - 1`` (January 2027 is
``2027 * 12``). Indexes add and subtract like numbers, so "three months after" is
``index + 3``; these helpers convert between indexes, ``YYYY-MM`` text and dates.
"""

from __future__ import annotations

import datetime as dt


def month_index(month: str) -> int:
    """``"2027-03"`` → the month's index."""
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def month_name(index: int) -> str:
    """A month index → ``"2027-03"``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def index_of(day: dt.date) -> int:
    """The index of the month ``day`` falls in."""
    return day.year * 12 + day.month - 1


def first_day(index: int) -> dt.date:
    """The first day of a month index."""
    return dt.date(index // 12, index % 12 + 1, 1)


def last_day(index: int) -> dt.date:
    """The last day of a month index."""
    return first_day(index + 1) - dt.timedelta(days=1)


def month_end(month: str) -> dt.date:
    """The last day of a ``YYYY-MM`` month."""
    return last_day(month_index(month))


def calendar_month(index: int) -> int:
    """1 for January … 12 for December."""
    return index % 12 + 1


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), clipped to the end of a shorter month."""
    index = index_of(day) + months
    return dt.date(index // 12, index % 12 + 1, min(day.day, last_day(index).day))
