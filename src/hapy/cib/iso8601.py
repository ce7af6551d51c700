"""Dates, durations and intervals as Pacemaker reads them."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

_DUR_RE = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_INTERVAL_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_UNITS_MS = {
    "": 1000, "s": 1000, "sec": 1000, "secs": 1000, "second": 1000, "seconds": 1000,
    "ms": 1, "msec": 1, "msecs": 1, "us": 0.001, "usec": 0.001, "usecs": 0.001,
    "m": 60000, "min": 60000, "mins": 60000, "minute": 60000, "minutes": 60000,
    "h": 3600000, "hr": 3600000, "hrs": 3600000, "hour": 3600000, "hours": 3600000,
}


@dataclass(frozen=True)
class Duration:
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: float = 0


def parse_duration(text: str) -> Duration:
    m = _DUR_RE.match(text.strip())
    if not m or text.strip() in ("P", "PT"):
        raise ValueError(f"'{text}' is not an ISO 8601 duration")
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    return Duration(
        years=int(g.get("years", 0)), months=int(g.get("months", 0)),
        weeks=int(g.get("weeks", 0)), days=int(g.get("days", 0)),
        hours=int(g.get("hours", 0)), minutes=int(g.get("minutes", 0)),
        seconds=float(g.get("seconds", 0)),
    )


def add_duration(dt: datetime, dur: Duration) -> datetime:
    month_index = dt.month - 1 + dur.months
    year = dt.year + dur.years + month_index // 12
    month = month_index % 12 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    moved = dt.replace(year=year, month=month, day=day)
    return moved + timedelta(weeks=dur.weeks, days=dur.days, hours=dur.hours,
                             minutes=dur.minutes, seconds=dur.seconds)


def parse_interval_ms(text: str | None) -> int:
    """Pacemaker's interval/timeout: seconds by default, units or ISO 8601."""
    if text is None:
        return 0
    value = text.strip()
    if not value:
        return 0
    if value.upper().startswith("P"):
        dur = parse_duration(value.upper())
        seconds = (((dur.weeks * 7 + dur.days) * 24 + dur.hours) * 60 + dur.minutes) * 60 \
            + dur.seconds + dur.months * 30 * 86400 + dur.years * 365 * 86400
        return int(seconds * 1000)
    m = _INTERVAL_RE.match(value)
    if not m:
        raise ValueError(f"'{text}' is not a valid interval")
    unit = m.group(2).lower()
    if unit not in _UNITS_MS:
        raise ValueError(f"'{text}' has an unknown unit '{m.group(2)}'")
    return int(float(m.group(1)) * _UNITS_MS[unit])


_TIME_RE = re.compile(
    r"^(?P<h>\d{2}):?(?P<m>\d{2})?(?::?(?P<s>\d{2}(?:\.\d+)?))?"
    r"(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?$"
)


def _parse_tz(text: str | None) -> timezone:
    if not text or text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4]) if len(digits) >= 4 else 0
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _parse_date(text: str) -> datetime:
    m = re.match(r"^(\d{4})-?W(\d{2})-?(\d)$", text)
    if m:
        return datetime.fromisocalendar(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.match(r"^(\d{4})-(\d{3})$", text) or re.match(r"^(\d{4})(\d{3})$", text)
    if m:
        return datetime(int(m.group(1)), 1, 1) + timedelta(days=int(m.group(2)) - 1)
    m = re.match(r"^(\d{4})-?(\d{2})-?(\d{2})$", text)
    if m:
        return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.match(r"^(\d{4})$", text)
    if m:
        return datetime(int(m.group(1)), 1, 1)
    raise ValueError(f"'{text}' is not an ISO 8601 date")


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 date/time (ordinal, week and calendar dates; a space
    or T before the time; UTC when no offset is given)."""
    value = text.strip()
    if not value:
        raise ValueError("empty date")
    if value.lower() == "now":
        return datetime.now(UTC)
    parts = re.split(r"[T ]", value, maxsplit=1)
    date = _parse_date(parts[0])
    if len(parts) == 1 or not parts[1].strip():
        return date.replace(tzinfo=UTC)
    tm = _TIME_RE.match(parts[1].strip())
    if not tm:
        raise ValueError(f"'{text}' has an invalid time")
    seconds = float(tm.group("s") or 0)
    result = date.replace(hour=int(tm.group("h")), minute=int(tm.group("m") or 0),
                          second=int(seconds), tzinfo=_parse_tz(tm.group("tz")))
    return result.astimezone(UTC)
