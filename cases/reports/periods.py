"""Calendar months in the reporting time zone (``settings.TIME_ZONE``, Asia/Shanghai by default)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_of(moment: datetime | date) -> date:
    """The first day of the month ``moment`` falls in (a date is taken as it is)."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(zone()).date()
    return moment.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_start(month: date) -> datetime:
    """The first instant of ``month`` in the reporting time zone."""
    return datetime.combine(month, time.min, tzinfo=zone())


def month_end(month: date) -> datetime:
    """The end of ``month``: the first instant of the next one. "At the month's end" means just
    before it: an event at exactly this instant belongs to the next month."""
    return month_start(add_months(month, 1))


def current_month(now: datetime | None = None) -> date:
    return month_of(now or timezone.now())


def parse_month(text: str) -> date:
    """``YYYY-MM`` → the month's first day; ``ValueError`` for anything else."""
    parsed = datetime.strptime(text.strip(), "%Y-%m")
    if parsed.year < 2000:
        raise ValueError(text)
    return parsed.date()


def format_month(month: date) -> str:
    return f"{month:%Y-%m}"
