"""The official working-day calendar (法定节假日 and 调休 make-up days) from ``chinese_calendar``.

The library knows the State Council's holiday notices for the years it lists (2004–2026 in
1.11.0); it is updated each year when the next notice is published. For any other year these
functions raise ``NoCalendar``: a count of working days cannot be known before the notice, so
the caller leaves the phrase unparsed rather than guess.
"""

import datetime

import chinese_calendar

from tasks.deadlines.festivals import NoCalendar

ONE_DAY = datetime.timedelta(days=1)


def is_workday(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as error:
        raise NoCalendar(str(error)) from error


def add_workdays(start: datetime.date, count: int) -> datetime.date:
    """The ``count``-th working day after ``start`` (``start`` itself not counted)."""
    day = start
    while count > 0:
        day += ONE_DAY
        count -= is_workday(day)
    return day


def first_workday_after(day: datetime.date) -> datetime.date:
    """The first working day after ``day``: after a festival, the day work resumes."""
    return add_workdays(day, 1)
