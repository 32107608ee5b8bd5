"""SLA deadlines on a working calendar, as Odoo 19 plans them (no Odoo needed).

OCA helpdesk_mgmt_sla stores an SLA line's deadline as
`team.resource_calendar_id.plan_hours(hours, ticket.create_date, compute_leaves=True)` (helpdesk_ticket_sla.py,
`_compute_deadline`). Odoo's resource.calendar (`plan_hours`, `_work_intervals_batch`) then:
- walks the calendar's attendances day by day in the calendar's time zone, lunch lines excluded; on a two-week
  calendar a day's week is `floor((date.toordinal() - 1) / 7) % 2` (`get_week_type`);
- reads an attendance's hours with `float_to_time`: to the minute, and 24:00 as 23:59:59.999999;
- localises those wall times with pytz's `localize`, whose default `is_dst=False` reads a wall time that a DST
  change repeats or skips in standard time;
- clips the first interval at the ticket's creation, takes out global time off (`resource.calendar.leaves` with no
  resource, of this calendar or of none), and returns the moment the hours run out; `hours <= interval_hours`,
  so a deadline at the very end of a working period stays there.

Every expected deadline below was worked out by hand from those rules (the arithmetic is in each case's `why`),
not by running the harness. UTC is written `Z`; in winter Europe/London is UTC, in summer (BST) UTC+1.
On 1 December 2026 every case of CASES was also run through the bundled Odoo 19's own `plan_hours`
(compute_leaves=True, calendars and global leaves created to match): all agree to the second. Five of them
(DST-repeated hours in London and Sydney, an hour that is not a whole minute, a 24:00 period end) disagreed with
the harness before `_attendance_moment` read attendance hours the way Odoo does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from odoo_uat.cycles.helpdesk_escalation import Attendance, WorkingCalendar, plan_working_hours

LONDON = "Europe/London"
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def z(text: str) -> datetime:
    """A UTC moment, '2026-02-02 09:00' style."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def days(weekdays: range | tuple[int, ...], *periods: tuple[float, float], week: int | None = None) -> list[Attendance]:
    return [Attendance(day, start, end, week) for day in weekdays for start, end in periods]


def calendar(
    attendances: list[Attendance],
    tz: str = LONDON,
    closures: tuple[tuple[datetime, datetime], ...] = (),
    *,
    two_weeks: bool = False,
    flexible: bool = False,
    name: str = "test calendar",
) -> WorkingCalendar:
    return WorkingCalendar(
        id=1,
        name=name,
        tz=tz,
        hours_per_day=8.0,
        flexible=flexible,
        two_weeks=two_weeks,
        attendances=tuple(attendances),
        closures=closures,
    )


def whole_day_off(day: str, tz_offset_hours: int = 0) -> tuple[datetime, datetime]:
    """A public holiday as Odoo's form stores it: local 00:00:00 to 23:59:59, in UTC."""
    start = z(f"{day} 00:00") - timedelta(hours=tz_offset_hours)
    return start, start + timedelta(hours=23, minutes=59, seconds=59)


# Odoo 19's default "Standard 40 hours/week": Mon-Fri 08-12, lunch 12-13 (a `lunch` line, left out), 13-17.
STANDARD = days(range(MON, SAT), (8, 12), (13, 17))
OFFICE_LONDON = calendar(STANDARD, name="Standard 40 hours/week, Europe/London")

# Christmas 2026 in England: Friday 25 December and Monday 28 December (Boxing Day, substitute), GMT.
CHRISTMAS = calendar(STANDARD, closures=(whole_day_off("2026-12-25"), whole_day_off("2026-12-28")))
# Spring bank holiday, Monday 25 May 2026, BST: local midnight to 23:59:59 is 23:00Z the day before to 22:59:59Z.
SPRING_BANK_HOLIDAY = calendar(STANDARD, closures=(whole_day_off("2026-05-25", tz_offset_hours=1),))
TRAINING_AFTERNOON = calendar(STANDARD, closures=((z("2026-02-04 13:00"), z("2026-02-04 17:00")),))
FIRE_DRILL = calendar(STANDARD, closures=((z("2026-02-04 10:30"), z("2026-02-04 11:30")),))
CLOSED_MON_TO_WED = calendar(STANDARD, closures=((z("2026-02-02 00:00"), z("2026-02-04 23:59:59")),))
OVERLAPPING_CLOSURES = calendar(
    STANDARD, closures=((z("2026-02-03 08:00"), z("2026-02-03 12:00")), (z("2026-02-03 10:00"), z("2026-02-03 15:00")))
)

ROUND_THE_CLOCK = calendar(days(range(7), (0, 24)), name="24/7, Europe/London")
SUNDAY_NIGHT_ON_CALL = calendar(days((SUN,), (0, 8)), name="Sunday 00:00-08:00 on call")
SUNDAY_MAINTENANCE_WINDOW = calendar(days((SUN,), (1, 5)), name="Sunday 01:00-05:00 maintenance window")
NEW_YORK = calendar(days(range(MON, SAT), (9, 17)), tz="America/New_York")
SYDNEY = calendar(days(range(MON, SAT), (9, 17)), tz="Australia/Sydney")
SYDNEY_SUNDAY_WINDOW = calendar(days((SUN,), (2, 6)), tz="Australia/Sydney", name="Sunday 02:00-06:00, Sydney")

# Two-week calendar, UTC: week type 0 ("First") Mon-Fri 09-17, week type 1 ("Second") Mon-Wed 09-13.
# Odoo's week type of a date is floor((toordinal - 1) / 7) % 2: the week of Monday 8 June 2026 is 0, of 15 June 1.
ALTERNATE_WEEKS = calendar(
    days(range(MON, SAT), (9, 17), week=0) + days((MON, TUE, WED), (9, 13), week=1), tz="UTC", two_weeks=True
)

# hour_from 8.33 is not a whole minute: Odoo's float_to_time reads it as 08:20 (60 * 0.33 = 19.8, rounded).
ODD_START = calendar(days((MON,), (8.33, 12)), tz="UTC")
# An evening shift ending at 24:00, which Odoo reads as 23:59:59.999999, and a Tuesday morning.
EVENING_THEN_MORNING = calendar(days((MON,), (16, 24)) + days((TUE,), (8, 12)), tz="UTC")


@dataclass(frozen=True)
class Case:
    name: str
    calendar: WorkingCalendar
    raised: datetime
    hours: float
    due: datetime
    why: str


CASES = [
    # -- one working day, lunch break ---------------------------------------------------------------------
    Case("inside the morning", OFFICE_LONDON, z("2026-02-02 09:00"), 2, z("2026-02-02 11:00"), "Mon 09-11"),
    Case("across lunch", OFFICE_LONDON, z("2026-02-02 11:00"), 2, z("2026-02-02 14:00"), "11-12, 13-14"),
    Case(
        "ends exactly when the morning ends",
        OFFICE_LONDON,
        z("2026-02-02 10:00"),
        2,
        z("2026-02-02 12:00"),
        "10-12; hours <= interval, so 12:00, not 13:00",
    ),
    Case("raised during lunch", OFFICE_LONDON, z("2026-02-02 12:30"), 1, z("2026-02-02 14:00"), "13-14"),
    Case("fraction of an hour", OFFICE_LONDON, z("2026-02-02 16:30"), 0.75, z("2026-02-03 08:15"), "0.5 + 0.25"),
    # -- raised outside working hours ---------------------------------------------------------------------
    Case("raised before opening", OFFICE_LONDON, z("2026-02-02 06:15"), 1.5, z("2026-02-02 09:30"), "08-09:30"),
    Case("raised at closing time", OFFICE_LONDON, z("2026-02-02 17:00"), 1, z("2026-02-03 09:00"), "Tue 08-09"),
    Case("raised after closing", OFFICE_LONDON, z("2026-02-02 18:00"), 2, z("2026-02-03 10:00"), "Tue 08-10"),
    Case("zero hours on a Saturday", OFFICE_LONDON, z("2026-02-07 10:00"), 0, z("2026-02-09 08:00"), "next start"),
    # -- weekends -----------------------------------------------------------------------------------------
    Case("Friday evening", OFFICE_LONDON, z("2026-02-06 17:30"), 3, z("2026-02-09 11:00"), "Mon 08-11"),
    Case("Friday afternoon", OFFICE_LONDON, z("2026-02-06 15:00"), 4, z("2026-02-09 10:00"), "Fri 2h, Mon 2h"),
    Case("Sunday ticket, 8 hours", OFFICE_LONDON, z("2026-02-08 10:00"), 8, z("2026-02-09 17:00"), "all Monday"),
    # -- several days -------------------------------------------------------------------------------------
    Case(
        "20 hours from Monday 10:00",
        OFFICE_LONDON,
        z("2026-02-02 10:00"),
        20,
        z("2026-02-04 15:00"),
        "Mon 6h, Tue 8h (14), Wed 08-12 (18), 13-15 (20)",
    ),
    Case(
        "100 hours: past Odoo's 14-day planning window",
        OFFICE_LONDON,
        z("2026-02-02 08:00"),
        100,
        z("2026-02-18 12:00"),
        "two weeks 80h to Fri 13 Feb 17:00; Mon 16 (88), Tue 17 (96), Wed 18 08-12 (100)",
    ),
    # -- public holidays and other global time off --------------------------------------------------------
    Case(
        "Christmas Day and the Boxing Day substitute",
        CHRISTMAS,
        z("2026-12-24 16:00"),
        4,
        z("2026-12-29 11:00"),
        "Thu 16-17 (1h); Fri 25 off; weekend; Mon 28 off; Tue 08-11",
    ),
    Case("raised on a holiday", CHRISTMAS, z("2026-12-25 10:00"), 2, z("2026-12-29 10:00"), "Tue 08-10"),
    Case(
        "bank holiday in summer time",
        SPRING_BANK_HOLIDAY,
        z("2026-05-22 14:00"),
        4,
        z("2026-05-26 09:00"),
        "Fri 15:00-17:00 BST (2h); Mon 25 off (23:00Z Sun to 22:59:59Z Mon); Tue 08:00-10:00 BST = 07:00-09:00Z",
    ),
    Case(
        "afternoon closed for training",
        TRAINING_AFTERNOON,
        z("2026-02-04 10:00"),
        4,
        z("2026-02-05 10:00"),
        "Wed 10-12; 13-17 closed; Thu 08-10",
    ),
    Case(
        "closure in the middle of the morning",
        FIRE_DRILL,
        z("2026-02-04 09:00"),
        3,
        z("2026-02-04 14:00"),
        "09-10:30 (1.5), 11:30-12 (0.5), 13-14",
    ),
    Case(
        "site closed Monday to Wednesday",
        CLOSED_MON_TO_WED,
        z("2026-01-30 16:00"),
        2,
        z("2026-02-05 09:00"),
        "Fri 16-17; Mon-Wed closed; Thu 08-09",
    ),
    Case(
        "overlapping closures",
        OVERLAPPING_CLOSURES,
        z("2026-02-03 08:00"),
        3,
        z("2026-02-04 09:00"),
        "Tue closed 08-15: 15-17 (2h); Wed 08-09",
    ),
    # -- daylight saving time (the calendar's time zone) --------------------------------------------------
    Case(
        "weekend of the March change, Europe/London",
        OFFICE_LONDON,
        z("2026-03-27 15:00"),
        4,
        z("2026-03-30 09:00"),
        "Fri 15-17 GMT (2h); Sun 29 Mar clocks go forward; Mon 08:00 BST = 07:00Z, +2h",
    ),
    Case(
        "weekend of the October change, Europe/London",
        OFFICE_LONDON,
        z("2026-10-23 14:00"),
        4,
        z("2026-10-26 10:00"),
        "Fri 15-17 BST = 14-16Z (2h); Sun 25 Oct clocks go back; Mon 08:00 GMT = 08:00Z, +2h",
    ),
    Case(
        "raised after local midnight, before UTC midnight",
        OFFICE_LONDON,
        z("2026-06-08 23:30"),
        1,
        z("2026-06-09 08:00"),
        "00:30 BST Tue 9 June; Tue 08:00 BST = 07:00Z, +1h",
    ),
    Case(
        "24/7 over the March change: working hours are real hours",
        ROUND_THE_CLOCK,
        z("2026-03-28 12:00"),
        24,
        z("2026-03-29 12:00"),
        "Sat 12:00Z-24:00 (12h); Sunday is 23h long (00:00Z-23:00Z); 12h more: 12:00Z = 13:00 BST",
    ),
    Case(
        "24/7 over the October change",
        ROUND_THE_CLOCK,
        z("2026-10-24 12:00"),
        24,
        z("2026-10-25 12:00"),
        "Sat 13:00 BST-24:00 BST = 12:00Z-23:00Z (11h); Sunday is 25h long from 23:00Z; 13h more: 12:00Z",
    ),
    Case(
        "a shift that spans the March change is 7 real hours",
        SUNDAY_NIGHT_ON_CALL,
        z("2026-03-28 20:00"),
        7,
        z("2026-03-29 07:00"),
        "Sun 00:00 GMT = 00:00Z to 08:00 BST = 07:00Z",
    ),
    Case(
        "the hour the March change skips is not worked",
        SUNDAY_NIGHT_ON_CALL,
        z("2026-03-28 20:00"),
        7.5,
        z("2026-04-04 23:30"),
        "7h on 29 March; next Sunday 00:00 BST = Sat 4 April 23:00Z, +0.5h",
    ),
    Case(
        "a shift that spans the October change is 9 real hours",
        SUNDAY_NIGHT_ON_CALL,
        z("2026-10-24 20:00"),
        9,
        z("2026-10-25 08:00"),
        "Sun 00:00 BST = Sat 23:00Z to 08:00 GMT = 08:00Z",
    ),
    Case(
        "a period starting in the hour the March change skips",
        SUNDAY_MAINTENANCE_WINDOW,
        z("2026-03-28 12:00"),
        1,
        z("2026-03-29 02:00"),
        "01:00 does not exist on 29 March; is_dst=False reads it as 01:00 GMT = 01:00Z; +1h",
    ),
    Case(
        "that period is 3 real hours long",
        SUNDAY_MAINTENANCE_WINDOW,
        z("2026-03-28 12:00"),
        3.5,
        z("2026-04-05 00:30"),
        "01:00Z to 05:00 BST = 04:00Z (3h); Sun 5 April 01:00 BST = 00:00Z, +0.5h",
    ),
    Case(
        "a period starting in the hour the October change repeats",
        SUNDAY_MAINTENANCE_WINDOW,
        z("2026-10-24 12:00"),
        1,
        z("2026-10-25 02:00"),
        "01:00 happens twice on 25 October; is_dst=False takes 01:00 GMT = 01:00Z, not 01:00 BST = 00:00Z",
    ),
    Case(
        "that period is 4 real hours long",
        SUNDAY_MAINTENANCE_WINDOW,
        z("2026-10-24 12:00"),
        4.5,
        z("2026-11-01 01:30"),
        "01:00Z to 05:00Z (4h); Sun 1 November 01:00 GMT, +0.5h",
    ),
    Case(
        "America/New_York, second Sunday of March",
        NEW_YORK,
        z("2026-03-06 20:00"),
        4,
        z("2026-03-09 15:00"),
        "Fri 15-17 EST = 20-22Z (2h); Mon 09:00 EDT = 13:00Z, +2h",
    ),
    Case(
        "Australia/Sydney: the local Monday is the UTC Sunday",
        SYDNEY,
        z("2026-02-01 22:00"),
        1,
        z("2026-02-01 23:00"),
        "Sun 22:00Z = Mon 09:00 AEDT (UTC+11); 10:00 AEDT = 23:00Z",
    ),
    Case(
        "Australia/Sydney, the hour the April change repeats",
        SYDNEY_SUNDAY_WINDOW,
        z("2026-04-04 00:00"),
        1,
        z("2026-04-04 17:00"),
        "5 April 03:00 AEDT becomes 02:00 AEST; 02:00 is read as AEST (UTC+10) = Sat 16:00Z; +1h",
    ),
    Case(
        "Australia/Sydney, the hour the October change skips",
        SYDNEY_SUNDAY_WINDOW,
        z("2026-10-03 00:00"),
        3.5,
        z("2026-10-10 15:30"),
        "4 October 02:00 AEST jumps to 03:00 AEDT: 02:00 AEST = 16:00Z to 06:00 AEDT = 19:00Z (3h); "
        "Sun 11 October 02:00 AEDT = Sat 10 October 15:00Z, +0.5h",
    ),
    # -- two-week calendars -------------------------------------------------------------------------------
    Case(
        "two-week calendar, a short week",
        ALTERNATE_WEEKS,
        z("2026-06-17 11:00"),
        6,
        z("2026-06-22 13:00"),
        "Wed 17 June is week 1: 11-13 (2h), no Thu/Fri; Mon 22 June is week 0: 09-13",
    ),
    Case(
        "two-week calendar, a full week",
        ALTERNATE_WEEKS,
        z("2026-06-10 11:00"),
        6,
        z("2026-06-10 17:00"),
        "Wed 10 June is week 0: 11-17",
    ),
    # -- how Odoo reads an attendance's hours ------------------------------------------------------------
    Case(
        "an hour that is not a whole minute",
        ODD_START,
        z("2026-02-02 07:00"),
        1,
        z("2026-02-02 09:20"),
        "8.33 is read as 08:20 (float_to_time rounds to the minute), not 08:19:48; +1h",
    ),
    Case(
        "a deadline at a 24:00 period end",
        EVENING_THEN_MORNING,
        z("2026-02-02 16:00"),
        8,
        z("2026-02-03 08:00"),
        "24:00 is 23:59:59.999999: Monday holds 8h less 1 microsecond, so Odoo plans the last microsecond on "
        "Tuesday 08:00 (stored to the second: 08:00:00), not at midnight",
    ),
]


def assert_due(planned: datetime | None, expected: datetime, why: str) -> None:
    assert planned is not None, f"no deadline planned; expected {expected:%a %Y-%m-%d %H:%M:%S}Z ({why})"
    # Odoo computes in microseconds and stores the deadline to the second; 1 ms of slack covers float noise.
    assert abs(planned - expected) < timedelta(milliseconds=1), (
        f"planned {planned.astimezone(UTC):%a %Y-%m-%d %H:%M:%S.%f}Z, Odoo plans {expected:%a %Y-%m-%d %H:%M:%S}Z "
        f"({why})"
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_deadline_is_where_odoo_plans_it(case: Case) -> None:
    assert_due(plan_working_hours(case.calendar, case.raised, case.hours), case.due, case.why)


def test_the_deadline_is_an_aware_utc_moment() -> None:
    planned = plan_working_hours(OFFICE_LONDON, z("2026-06-12 15:00"), 1)
    assert planned is not None
    assert planned.utcoffset() == timedelta(0)
    # Friday 12 June 2026, 16:00 BST = 15:00Z; one hour later is 17:00 BST = 16:00Z.
    assert planned == z("2026-06-12 16:00")


def test_a_start_in_another_zone_is_the_same_moment() -> None:
    in_london = datetime(2026, 6, 12, 16, 0, tzinfo=ZoneInfo(LONDON))
    planned = plan_working_hours(OFFICE_LONDON, in_london, 1)
    assert planned == z("2026-06-12 16:00")


def test_holidays_of_a_winter_week_are_taken_out_whole() -> None:
    """A 40-hour week with Christmas Day and the Boxing Day substitute in it leaves 24 working hours."""
    monday = z("2026-12-21 08:00")
    # Mon 21 to Thu 24: 32 hours; Fri 25 and Mon 28 off; Tue 29 is the next working day.
    assert plan_working_hours(CHRISTMAS, monday, 32) == z("2026-12-24 17:00")
    assert plan_working_hours(CHRISTMAS, monday, 33) == z("2026-12-29 09:00")


@pytest.mark.parametrize(
    "unplannable",
    [
        calendar(STANDARD, flexible=True),
        calendar([]),
        calendar(STANDARD, tz="Mars/Olympus_Mons"),
    ],
    ids=["flexible hours", "no attendances", "unknown time zone"],
)
def test_no_deadline_when_the_calendar_cannot_tell(unplannable: WorkingCalendar) -> None:
    """Odoo spreads a flexible calendar's hours around noon; the harness does not guess and says so (None)."""
    assert plan_working_hours(unplannable, z("2026-02-02 09:00"), 4) is None


def test_no_deadline_when_a_closure_never_ends_within_the_horizon() -> None:
    closed = calendar(STANDARD, closures=((z("2026-01-01 00:00"), z("2030-01-01 00:00")),))
    assert plan_working_hours(closed, z("2026-02-02 09:00"), 1) is None


def test_weekly_hours() -> None:
    assert OFFICE_LONDON.weekly_hours() == 40
    assert ROUND_THE_CLOCK.weekly_hours() == 168
    # (5 x 8 + 3 x 4) / 2: a two-week calendar's hours per week are the average of its two weeks
    assert ALTERNATE_WEEKS.weekly_hours() == 26
