"""The period month-end close locks: "last month", the latest calendar month that ended at least two days ago.

The rule (features/month_end_close.feature, docs/cycles/month_end_close.md): a month qualifies when its last day
is on or before the day before yesterday, so the lock date never reaches today in any time zone. The docs' own
examples: on 29 November and on 1 December it is October; from 2 December, November. Expected periods below are
written by hand from that rule and the Gregorian calendar (leap years: divisible by 4, except centuries not
divisible by 400).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from odoo_uat.cycles.month_end_close import Period, period_to_close


def d(text: str) -> date:
    return date.fromisoformat(text)


CASES = [
    # today, first day, last day of the period to close
    # -- the documented examples
    ("2026-11-29", "2026-10-01", "2026-10-31"),
    ("2026-12-01", "2026-10-01", "2026-10-31"),  # November ended yesterday: not two days ago yet
    ("2026-12-02", "2026-11-01", "2026-11-30"),  # November ended the day before yesterday
    # -- January closes a month of the previous year
    ("2027-01-01", "2026-11-01", "2026-11-30"),
    ("2027-01-02", "2026-12-01", "2026-12-31"),
    ("2027-01-15", "2026-12-01", "2026-12-31"),
    ("2027-01-31", "2026-12-01", "2026-12-31"),
    ("2027-02-01", "2026-12-01", "2026-12-31"),
    ("2027-02-02", "2027-01-01", "2027-01-31"),
    # -- the 1st, the 2nd and the last day of months of each length
    ("2026-05-01", "2026-03-01", "2026-03-31"),
    ("2026-05-02", "2026-04-01", "2026-04-30"),  # a 30-day month
    ("2026-07-31", "2026-06-01", "2026-06-30"),
    ("2026-08-01", "2026-06-01", "2026-06-30"),
    ("2026-08-02", "2026-07-01", "2026-07-31"),  # a 31-day month
    ("2026-08-31", "2026-07-01", "2026-07-31"),
    # -- February, common years
    ("2026-03-01", "2026-01-01", "2026-01-31"),  # 28 February was yesterday
    ("2026-03-02", "2026-02-01", "2026-02-28"),
    ("2100-03-02", "2100-02-01", "2100-02-28"),  # a century not divisible by 400 is not a leap year
    # -- February, leap years
    ("2028-02-29", "2028-01-01", "2028-01-31"),
    ("2028-03-01", "2028-01-01", "2028-01-31"),  # 29 February was yesterday
    ("2028-03-02", "2028-02-01", "2028-02-29"),
    ("2028-03-03", "2028-02-01", "2028-02-29"),
    ("2000-03-02", "2000-02-01", "2000-02-29"),  # divisible by 400: a leap year
]


@pytest.mark.parametrize(("today", "first", "last"), CASES, ids=[case[0] for case in CASES])
def test_period_to_close(today: str, first: str, last: str) -> None:
    assert period_to_close(d(today)) == Period(d(first), d(last))


def test_every_day_of_four_years_follows_the_rule() -> None:
    """For each day of 2027-2030 (2028 a leap year), checked against the rule itself, not the implementation."""
    day = d("2027-01-01")
    while day <= d("2030-12-31"):
        period = period_to_close(day)
        day_before_yesterday = day - timedelta(days=2)
        # a whole calendar month...
        assert period.start.day == 1
        assert (period.end + timedelta(days=1)).day == 1
        assert (period.start.year, period.start.month) == (period.end.year, period.end.month)
        # ...that ended at least two days ago...
        assert period.end <= day_before_yesterday, day
        # ...and the latest one: the month after it had not ended by the day before yesterday.
        following_end = (period.end + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        assert following_end > day_before_yesterday, day
        day += timedelta(days=1)


def test_the_lock_never_reaches_yesterday() -> None:
    """The lock date is the period's end: at most the day before yesterday, so today is open in every time zone."""
    for today in (d("2026-12-02"), d("2027-01-02"), d("2028-03-02")):
        assert period_to_close(today).end == today - timedelta(days=2)


def test_label_and_contains() -> None:
    december = period_to_close(d("2027-01-02"))
    assert december.label == "December 2026"
    assert december.contains(d("2026-12-01"))
    assert december.contains(d("2026-12-31"))
    assert not december.contains(d("2026-11-30"))
    assert not december.contains(d("2027-01-01"))
    assert period_to_close(d("2028-03-02")).label == "February 2028"
