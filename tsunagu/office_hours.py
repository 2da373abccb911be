"""Office hours: activities outside them are counted as 時間外 (evenings, weekends, holidays).

Configured by TSUNAGU_OFFICE_HOURS (default 08:30-17:15). Weekends, national holidays (jpholiday)
and the year-end closure of government offices (12月29日〜1月3日) are outside office hours.
"""

from datetime import date, datetime, time

import jpholiday
from django.conf import settings
from django.utils import timezone


def office_hours() -> tuple[time, time]:
    start, end = settings.OFFICE_HOURS.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def is_office_day(day: date) -> bool:
    year_end = (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)
    return day.weekday() < 5 and not jpholiday.is_holiday(day) and not year_end


def is_out_of_hours(moment: datetime) -> bool:
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    start, end = office_hours()
    return not is_office_day(local.date()) or not start <= local.time() < end
