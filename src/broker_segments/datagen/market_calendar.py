"""Trading days: weekdays minus an approximate fixed list of Chinese market holidays."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

# Dates of Chinese New Year, the Dragon Boat and the Mid-Autumn festivals.


def _by_year(text: str) -> dict[int, date]:
    return {d.year: d for d in map(date.fromisoformat, text.split())}


_SPRING_FESTIVAL = _by_year(
    """
    2005-02-09 2006-01-29 2007-02-18 2008-02-07 2009-01-26 2010-02-14 2011-02-03
    2012-01-23 2013-02-10 2014-01-31 2015-02-19 2016-02-08 2017-01-28 2018-02-16
    2019-02-05 2020-01-25 2021-02-12 2022-02-01 2023-01-22 2024-02-10 2025-01-29
    2026-02-17 2027-02-06 2028-01-26 2029-02-13 2030-02-03
    """
)
_DRAGON_BOAT = _by_year(
    """
    2005-06-11 2006-05-31 2007-06-19 2008-06-08 2009-05-28 2010-06-16 2011-06-06
    2012-06-23 2013-06-12 2014-06-02 2015-06-20 2016-06-09 2017-05-30 2018-06-18
    2019-06-07 2020-06-25 2021-06-14 2022-06-03 2023-06-22 2024-06-10 2025-05-31
    2026-06-19 2027-06-09 2028-05-28 2029-06-16 2030-06-05
    """
)
_MID_AUTUMN = _by_year(
    """
    2005-09-18 2006-10-06 2007-09-25 2008-09-14 2009-10-03 2010-09-22 2011-09-12
    2012-09-30 2013-09-19 2014-09-08 2015-09-27 2016-09-15 2017-10-04 2018-09-24
    2019-09-13 2020-10-01 2021-09-21 2022-09-10 2023-09-29 2024-09-17 2025-10-06
    2026-09-25 2027-09-15 2028-10-03 2029-09-22 2030-09-12
    """
)


def market_holidays(year: int) -> set[date]:
    """Approximate Shanghai/Shenzhen exchange closures of one year (weekends not included)."""
    days = {date(year, 1, 1), date(year, 4, 4), date(year, 4, 5)}
    days |= {date(year, 5, d) for d in range(1, 6)}
    days |= {date(year, 10, d) for d in range(1, 8)}
    if year in _SPRING_FESTIVAL:
        new_year = _SPRING_FESTIVAL[year]
        days |= {new_year + timedelta(days=k) for k in range(-1, 7)}
    for table in (_DRAGON_BOAT, _MID_AUTUMN):
        if year in table:
            festival = table[year]
            if festival.weekday() >= 5:  # a weekend festival closes the next Monday
                festival += timedelta(days=7 - festival.weekday())
            days.add(festival)
    return days


def to_day_number(d: date) -> int:
    """Days since 1970-01-01 (Arrow's date32)."""
    return d.toordinal() - _EPOCH_ORDINAL


def from_day_number(n: int) -> date:
    return date.fromordinal(int(n) + _EPOCH_ORDINAL)


def trading_days(first: date, last: date) -> np.ndarray:
    """Trading days in [first, last] as int32 day numbers (days since 1970-01-01), ascending."""
    start, stop = to_day_number(first), to_day_number(last)
    days = np.arange(start, stop + 1, dtype=np.int32)
    days = days[(days + 3) % 7 < 5]  # 1970-01-01 was a Thursday: (d + 3) % 7 is Mon=0..Sun=6
    holidays = [
        to_day_number(h) for y in range(first.year, last.year + 1) for h in market_holidays(y)
    ]
    return days[~np.isin(days, np.asarray(holidays, dtype=np.int32))]


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def window_start(end_date: date, months: int) -> date:
    """First calendar day of the `months` months ending at end_date: the day after the same day
    `months` months earlier (month ends map to month ends: 2025-06-30, 3 -> 2025-04-01)."""
    year, month = divmod(end_date.year * 12 + end_date.month - 1 - months, 12)
    month += 1
    if end_date == _month_end(end_date.year, end_date.month):
        return _month_end(year, month) + timedelta(days=1)
    return date(year, month, min(end_date.day, _month_end(year, month).day)) + timedelta(days=1)
