"""Festival days (节日) in a Gregorian year, for deadline phrases such as ``春节前`` or ``国庆节后``.

Lunar festivals come from ``lunardate`` (its tables run 1900–2099), 清明 from the solar-term
formula of ``chinese_calendar`` (1900–2100); nothing is typed in by hand. A year a library does
not cover raises ``NoCalendar``: the caller leaves the phrase unparsed rather than guess.
"""

import datetime

import chinese_calendar
from lunardate import LunarDate

#: (lunar month, lunar day) of the lunar festivals.
LUNAR = {"春节": (1, 1), "元宵": (1, 15), "端午": (5, 5), "中秋": (8, 15), "重阳": (9, 9)}
#: (month, day) of the festivals on fixed Gregorian dates.
SOLAR = {"元旦": (1, 1), "五一": (5, 1), "七一": (7, 1), "八一": (8, 1), "国庆": (10, 1)}
#: Other names ledgers use for the same festivals.
ALIASES = {"劳动节": "五一", "建党节": "七一", "建军节": "八一", "元宵节": "元宵", "端午节": "端午",
           "中秋节": "中秋", "重阳节": "重阳", "国庆节": "国庆", "清明节": "清明"}
#: Every name the parser recognises, longest first so that 国庆节 is read before 国庆.
NAMES = tuple(sorted({*LUNAR, *SOLAR, *ALIASES, "清明", "除夕"}, key=len, reverse=True))


class NoCalendar(Exception):
    """The calendar libraries hold no data for this year."""


def festival_day(name: str, year: int) -> datetime.date:
    """The day of festival ``name`` (any of NAMES) that falls in Gregorian ``year``."""
    name = ALIASES.get(name, name)
    if name in SOLAR:
        return datetime.date(year, *SOLAR[name])
    if name == "除夕":  # the eve of the 春节 that falls in this year
        return festival_day("春节", year) - datetime.timedelta(days=1)
    try:
        if name == "清明":
            return chinese_calendar.get_solar_terms(datetime.date(year, 4, 1), datetime.date(year, 4, 30))[0][0]
        return LunarDate(year, *LUNAR[name]).to_solar_date()
    except (ValueError, NotImplementedError) as error:
        raise NoCalendar(f"{name} {year}") from error
