"""Dates, durations and intervals the way Pacemaker 2.1.5 reads them.

Everything here was checked against the real tools (``iso8601 -d/-D/-p``,
``crm_rule`` and ``crm_simulate -t``); the quirks are deliberate:

* A UTC offset counts only when a blank separates it from the time:
  ``2019-09-24 00:30:00 +01:00`` is 23:30Z the day before, but in
  ``2019-09-24T00:30:00+01:00`` Pacemaker ignores the ``+01:00`` (and the
  ``Z``) and reads 00:30 UTC.  Offsets may be ``Z``, ``+HH:MM``, ``-HHMM``,
  ``+H`` or ``HH:MM``; text after the blank that is no offset is ignored.
* Dates: ``YYYY-MM-DD``, ``YYYYMMDD``, ordinal ``YYYY-DDD`` (so ``2019-09``
  is the 9th of January!) and week dates ``YYYY-Www-D``; components may have
  fewer digits (``2019-9-4``).  A year alone is invalid.
* Times after ``T`` or a blank: ``HH[:MM[:SS]]`` or ``HH[MM[SS]]``, fractions
  are dropped, ``24:00:00`` is the next midnight.  A time alone (``T12:30``
  or ``12:30``) is on today's date.
* Durations: in ``P1Y2Y`` years (and months) are replaced, but days, weeks,
  hours, minutes and seconds add up (``PT1M2M`` is 3 minutes); ``H``, ``S``
  and ``D`` are accepted on either side of ``T``; fractions are invalid; a
  blank ends the duration.  Adding one moves years by day-of-year
  (2004-02-29 + P1Y = 2005-03-01), then months with month-end clamping
  (2005-01-31 + P1M = 2005-02-28), then days and seconds.
* Intervals (``crm_get_msec``): ``10`` is 10 s; units ms/msec/us/usec/s/sec/
  m/min/h/hr matched case-insensitively by their first letters (``10mins``,
  ``10min30s`` are 10 minutes); a decimal part is dropped (``1.5s`` is 1 s);
  no sign.  Operation intervals also take ISO 8601 durations, converted the
  way Pacemaker 2.1.5 does it: one day short (``P1D`` is 0, ``P1W`` is 6
  days), a month is 30 days and ``PnY`` counts only n-1 years.
  Timeouts do *not* take ISO durations (use :func:`parse_msec`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hapy.records import record

_BLANKS = " \t\n\v\f\r"
_DIGITS = "0123456789"


@record
class Duration:
    """An ISO 8601 duration, field by field (nothing normalised)."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0


# -- calendar (the calendar module would do, but importing it costs start-up time) --


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_year(year: int) -> int:
    return 366 if _is_leap(year) else 365


def _days_in_month(year: int, month: int) -> int:
    return 29 if month == 2 and _is_leap(year) else _MONTH_DAYS[month]


# -- small scanners -------------------------------------------------------------------


def _digits(text: str, i: int) -> int:
    """Index just past the run of ASCII digits starting at ``i``."""
    n = len(text)
    while i < n and text[i] in _DIGITS:
        i += 1
    return i


def _bad_date(text: str, why: str) -> ValueError:
    return ValueError(f"invalid date/time '{text}': {why}")


# -- dates ----------------------------------------------------------------------------


def _weeks_in_year(year: int) -> int:
    return date(year, 12, 28).isocalendar()[1]


def _parse_date_part(text: str, part: str) -> date:
    """``part`` is the date text before any ``T`` or blank."""
    if "W" in part:
        pieces = part.split("-")
        if len(pieces) != 3 or not pieces[1].startswith("W"):
            raise _bad_date(text, "week dates are written YYYY-Www-D")
        year_s, week_s, day_s = pieces[0], pieces[1][1:], pieces[2]
        if not (year_s.isdigit() and week_s.isdigit() and day_s[:1].isdigit()):
            raise _bad_date(text, "week dates are written YYYY-Www-D")
        year, week = int(year_s), int(week_s)
        weekday = int(day_s[: _digits(day_s, 0)])
        _check_year(text, year)
        if not 1 <= week <= _weeks_in_year(year):
            raise _bad_date(text, f"{year} has no week {week}")
        if not 1 <= weekday <= 7:
            raise _bad_date(text, f"week day {weekday} is not 1-7")
        return date.fromisocalendar(year, week, weekday)
    pieces = part.split("-")
    # the last component may carry trailing junk, which Pacemaker ignores
    last = pieces[-1]
    end = _digits(last, 0)
    if end == 0:
        raise _bad_date(text, "no date found")
    pieces[-1] = last[:end]
    if not all(p.isdigit() and p.isascii() for p in pieces):
        raise _bad_date(text, "dates are written YYYY-MM-DD, YYYY-DDD or YYYY-Www-D")
    if len(pieces) == 3:
        year, month, day = (int(p) for p in pieces)
        _check_year(text, year)
        if not 1 <= month <= 12:
            raise _bad_date(text, f"month {month} is not 1-12")
        if not 1 <= day <= _days_in_month(year, month):
            raise _bad_date(text, f"{year}-{month:02d} has no day {day}")
        return date(year, month, day)
    if len(pieces) == 2:
        year, yday = int(pieces[0]), int(pieces[1])
        _check_year(text, year)
        if not 1 <= yday <= _days_in_year(year):
            raise _bad_date(text, f"{year} has no day {yday}")
        return date(year, 1, 1) + timedelta(days=yday - 1)
    compact = pieces[0]
    if len(compact) == 8:
        return _parse_date_part(text, f"{compact[:4]}-{compact[4:6]}-{compact[6:]}")
    raise _bad_date(text, "dates are written YYYY-MM-DD, YYYYMMDD, YYYY-DDD or YYYY-Www-D")


def _check_year(text: str, year: int) -> None:
    if not 1 <= year <= 9999:
        raise _bad_date(text, f"year {year} is out of range (1-9999)")


# -- times and offsets ----------------------------------------------------------------


def _parse_time_part(text: str, part: str) -> tuple[int, int, int, timedelta]:
    """``part`` is what follows ``T`` or the blank; returns h, m, s, offset."""
    i = _digits(part, 0)
    if i == 0:
        if part.strip(_BLANKS) == "":
            return 0, 0, 0, timedelta(0)
        raise _bad_date(text, "no time found after the date")
    fields: list[int]
    if i < len(part) and part[i] == ":":
        fields = [int(part[:i])]
        while len(fields) < 3 and i < len(part) and part[i] == ":":
            j = _digits(part, i + 1)
            if j == i + 1:
                raise _bad_date(text, "a ':' must be followed by digits")
            fields.append(int(part[i + 1 : j]))
            i = j
    else:
        run = part[:i]
        if len(run) <= 2:
            fields = [int(run)]
        elif len(run) in (4, 6):
            fields = [int(run[k : k + 2]) for k in range(0, len(run), 2)]
        else:
            raise _bad_date(text, f"cannot read the time '{run}'")
    while len(fields) < 3:
        fields.append(0)
    hour, minute, second = fields
    # fractions of a second are dropped
    if i < len(part) and part[i] in ".,":
        i = _digits(part, i + 1)
    if hour > 24 or (hour == 24 and (minute or second)):
        raise _bad_date(text, f"hour {hour} is out of range")
    if minute > 59 or second > 59:
        raise _bad_date(text, "minutes and seconds must be 0-59")
    rest = part[i:]
    offset = timedelta(0)
    if rest[:1] and rest[0] in _BLANKS:
        offset = _parse_offset(text, rest.strip(_BLANKS))
    # anything glued to the time (Z, +01:00, junk) is ignored, as Pacemaker does
    return hour, minute, second, offset


def _parse_offset(text: str, rest: str) -> timedelta:
    if rest[:1] in ("Z", "z") or not rest:
        return timedelta(0)
    sign = 1
    body = rest
    if body[0] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    i = _digits(body, 0)
    if i == 0:
        return timedelta(0)  # not an offset: ignored
    if i > 2 and (i == len(body) or body[i] not in ":"):
        hours, minutes = int(body[:2]), int(body[2:i] or 0)
    else:
        hours = int(body[:i])
        minutes = 0
        if i < len(body) and body[i] == ":":
            j = _digits(body, i + 1)
            minutes = int(body[i + 1 : j] or 0)
    if hours > 23 or minutes > 59:
        raise _bad_date(text, f"offset '{rest}' is out of range")
    return sign * timedelta(hours=hours, minutes=minutes)


def _is_time_only(value: str) -> bool:
    if value[0] == "T":
        return True
    head = value.split(None, 1)[0]
    return ":" in head and "-" not in head and "W" not in head


def parse_datetime(text: str, *, now: datetime | None = None, allow_now: bool = True) -> datetime:
    """A timezone-aware datetime (UTC when no offset is given).

    ``now`` supplies today's date for a time given alone (default: the
    current UTC date).  ``allow_now`` accepts the word ``now`` as the
    ``iso8601`` and ``crm_simulate -t`` commands do; a date in a CIB rule
    can not be ``now`` (Pacemaker treats it as invalid).  Raises ValueError.
    """
    value = text.strip(_BLANKS)
    if not value:
        raise ValueError("invalid date/time '': empty")
    if value == "now" and allow_now:
        return (now or datetime.now(UTC)).replace(microsecond=0)
    if _is_time_only(value):
        day = (now or datetime.now(UTC)).date()
        time_part = value[1:] if value[0] == "T" else value
        if value[0] != "T" and not value[0].isdigit():
            raise _bad_date(text, "no date found")
    else:
        cut = len(value)
        for k, ch in enumerate(value):
            if ch == "T" or ch in _BLANKS:
                cut = k
                break
        day = _parse_date_part(text, value[:cut])
        time_part = value[cut + 1 :] if cut < len(value) else ""
    hour, minute, second, offset = _parse_time_part(text, time_part)
    extra = timedelta(0)
    if hour == 24:
        hour, extra = 0, timedelta(days=1)
    tz = UTC if not offset else timezone(offset)
    try:
        result = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz)
        return result + extra
    except OverflowError as exc:
        raise _bad_date(text, str(exc)) from None


def format_datetime(dt: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SSZ`` in UTC, as ``iso8601 -d`` prints dates."""
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


# -- durations ------------------------------------------------------------------------


def parse_duration(text: str) -> Duration:
    """An ISO 8601 duration such as ``P1Y2M3DT4H5M6S``, ``PT10S`` or ``P2W``."""
    n = len(text)
    if n < 2 or text[0] != "P" or text[1] in _BLANKS:
        raise ValueError(f"invalid duration '{text}': durations start with P, as in PT10S")
    years = months = weeks = days = hours = minutes = seconds = 0
    in_time = False
    i = 1
    while i < n:
        ch = text[i]
        if ch in _BLANKS:
            break
        if ch == "T":
            in_time = True
            i += 1
            continue
        start = i
        if ch in "+-":
            i += 1
        j = _digits(text, i)
        if j == i:
            raise ValueError(f"invalid duration '{text}': expected a number at '{text[start:]}'")
        number = int(text[start:j])
        if j >= n:
            raise ValueError(f"invalid duration '{text}': '{text[start:j]}' has no unit")
        unit = text[j]
        i = j + 1
        if unit == "Y":
            years = number
        elif unit == "M" and not in_time:
            months = number
        elif unit == "M":
            minutes += number
        elif unit == "W":
            weeks += number
        elif unit == "D":
            days += number
        elif unit == "H":
            hours += number
        elif unit == "S":
            seconds += number
        else:
            raise ValueError(f"invalid duration '{text}': unknown unit '{unit}'")
    return Duration(years, months, weeks, days, hours, minutes, seconds)


def add_duration(dt: datetime, dur: Duration) -> datetime:
    """``dt`` moved by ``dur`` with Pacemaker's calendar arithmetic (local time)."""
    try:
        if dur.years:
            yday = dt.timetuple().tm_yday
            year = dt.year + dur.years
            yday = min(yday, _days_in_year(year))
            moved = date(year, 1, 1) + timedelta(days=yday - 1)
            dt = dt.replace(year=moved.year, month=moved.month, day=moved.day)
        if dur.months:
            year, month0 = divmod(dt.year * 12 + dt.month - 1 + dur.months, 12)
            day = min(dt.day, _days_in_month(year, month0 + 1))
            dt = dt.replace(year=year, month=month0 + 1, day=day)
        return dt + timedelta(
            days=dur.weeks * 7 + dur.days,
            seconds=dur.hours * 3600 + dur.minutes * 60 + dur.seconds,
        )
    except (OverflowError, ValueError) as exc:
        raise ValueError(f"date out of range: {exc}") from None


def duration_interval_seconds(dur: Duration) -> int:
    """Seconds of an ISO duration used as an operation interval (2.1.5 quirks)."""
    total = sum(_days_in_year(y) for y in range(1, max(dur.years, 1)))
    total *= 86400
    if dur.months > 0:
        total += dur.months * 30 * 86400
    days = dur.weeks * 7 + dur.days
    if days > 0:
        total += (days - 1) * 86400
    return total + dur.hours * 3600 + dur.minutes * 60 + dur.seconds


# -- intervals and timeouts ----------------------------------------------------------


def parse_msec(text: str | None) -> int:
    """Milliseconds in a timeout spec, like Pacemaker's ``crm_get_msec``.

    ``"10"`` is 10 s; ``ms``/``msec``, ``us``/``usec``, ``s``/``sec``,
    ``m``/``min``, ``h``/``hr`` (any case, blanks allowed around the
    number, text after a unit ignored).  Raises ValueError when invalid
    (Pacemaker then uses the default).
    """
    if text is None:
        raise ValueError("no interval given")
    n = len(text)
    i = 0
    while i < n and text[i] in _BLANKS:
        i += 1
    j = _digits(text, i)
    if j == i:
        raise ValueError(f"invalid interval '{text}': expected a number of seconds or "
                         "a number with a unit (ms, s, min, h)")
    number = int(text[i:j])
    if j < n and text[j] == ".":
        j = _digits(text, j + 1)
    while j < n and text[j] in _BLANKS:
        j += 1
    unit = text[j : j + 2].lower()
    if not unit:
        return number * 1000
    if unit == "ms":
        return number
    if unit == "us":
        return number // 1000
    if unit[0] == "s":
        return number * 1000
    if unit[0] == "m":
        return number * 60_000
    if unit[0] == "h":
        return number * 3_600_000
    raise ValueError(f"invalid interval '{text}': unknown unit '{text[j:]}'")


def parse_interval_ms(text: str | None, *, iso: bool = True) -> int:
    """Milliseconds in an operation interval: ``parse_msec`` or, when ``iso``,
    an ISO 8601 duration (``PT1M``).  Raises ValueError when invalid.

    Pacemaker stores intervals as 32-bit unsigned milliseconds, saturating at
    4294967295; that clamp is left to the caller.
    """
    if iso and text is not None and text[:1] == "P":
        try:
            dur = parse_duration(text)
        except ValueError:
            pass
        else:
            ms = duration_interval_seconds(dur) * 1000
            if ms < 0:
                raise ValueError(f"invalid interval '{text}': negative")
            return ms
    return parse_msec(text)


def parse_date_option(text: str, code: str) -> datetime:
    """A command's ``-t DATE`` option; a HapyError with ``code`` when invalid."""
    from hapy.reports import HapyError, report

    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise HapyError([report(code, f"invalid date '{text}': {exc}",
                                hint="use an ISO 8601 date such as 2024-01-31T12:00:00")]) \
            from None
