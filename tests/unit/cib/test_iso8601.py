"""ISO 8601 dates, durations and intervals, checked against Pacemaker 2.1.5.

Expected values come from the real tools: ``iso8601 -d TEXT -S`` (seconds
since the epoch; "invalid" when it printed "Invalid date/time specified"),
``iso8601 -p START/DURATION`` and operation timeouts/intervals as
``crm_simulate -G`` wrote them into the transition graph.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hapy.cib.iso8601 import (
    Duration,
    add_duration,
    duration_interval_seconds,
    format_datetime,
    parse_datetime,
    parse_duration,
    parse_interval_ms,
    parse_msec,
)

#: text -> iso8601 -d TEXT -S (None: Pacemaker rejected it)
DATES: list[tuple[str, int | None]] = [
    ('2005-020', 1106179200),
    ('2005-020T12:30', 1106224200),
    ('2014-05-07 00:28:00', 1399422480),
    ('2019-W09-1', 1551052800),
    ('2007-01-01T00:00:00Z', 1167609600),
    ('2019-09-24 00:30:00 +01:00', 1569281400),
    ('2019-09-24T00:30:00+01:00', 1569285000),
    ('2019-09-24', 1569283200),
    ('2019-09-24T12', 1569326400),
    ('2019-09-24T12:30:45.5', 1569328245),
    ('20190924', 1569283200),
    ('20190924T123045', 1569328245),
    ('2019-09-24T12:30:45-0530', 1569328245),
    ('2019-13-01', None),
    ('2019-02-30', None),
    ('garbage', None),
    ('', None),
    ('2019', None),
    ('2019-09', 1546992000),
    ('2019-09-24T25:00', None),
    ('2019-09-24T24:00:00', 1569369600),
    ('2019-W53-1', None),
    ('2020-W53-7', 1609632000),
    ('2019-366', None),
    ('2020-366', 1609372800),
    ('2019-09-24T12:30:61', None),
    ('2019-09-24 00:30:00 -05:00', 1569303000),
    ('2019-09-24 00:30:00 +0100', 1569281400),
    ('2019-09-24 00:30:00 +01', 1569281400),
    ('2019-09-24 00:30:00 Z', 1569285000),
    ('2019-09-24 00:30:00 +1', 1569281400),
    ('2019-09-24 00:30:00 +01:30', 1569279600),
    ('2019-09-24 00:30:00 01:00', 1569281400),
    ('2019-09-24 00:30:00 +25:00', None),
    ('2019-09-24 00:30:00 garbage', 1569285000),
    ('2019-09-24 00:30 +01:00', 1569281400),
    ('2019-09-24T00:30:00xyz', 1569285000),
    ('2019-09-24Tfoo', None),
    ('2019-09-24 foo', None),
    ('2019-09-24T', 1569283200),
    ('2019-09-24x', 1569283200),
    ('2019-9-4', 1567555200),
    ('19-09-24', -61544620800),
    ('2019/09/24', None),
    ('2019-09-24T1:2:3', 1569286923),
    ('2019-09-24T12:30:45,5', 1569328245),
    ('2019-09-24T123045', 1569328245),
    ('2019-09-24T1230', 1569328200),
    ('2019-09-24 12', 1569326400),
    ('2019-W09', None),
    ('2019-W09-8', None),
    ('2019-W9-1', 1551052800),
    ('2019-W09-1T10:00', 1551088800),
    ('2019-W01-1', 1546214400),
    ('2020-W01-1', 1577664000),
    ('2021-W01-1', 1609718400),
    ('2019-020 10:00', 1547978400),
    ('2019-0-1', None),
    ('2019-1-0', None),
    ('2019-01-32', None),
    ('9999-12-31', 253402214400),
    ('2019-09-24T12:60', None),
    ('2019-09-24T23:59:60', None),
    ('2019-09-24T24:00:01', None),
    ('2019-02-29', None),
    ('2020-02-29', 1582934400),
    ('1900-02-29', None),
    ('2000-02-29', 951782400),
    ('2019-09-24 23:30:00 -01:00', 1569371400),
    ('2004-W53-6', 1104537600),
    ('2015-W53-7', 1451779200),
]


@pytest.mark.parametrize(("text", "epoch"), DATES)
def test_parse_datetime_like_iso8601(text: str, epoch: int | None) -> None:
    if epoch is None:
        with pytest.raises(ValueError, match="invalid date/time"):
            parse_datetime(text, allow_now=False)
    else:
        assert int(parse_datetime(text, allow_now=False).timestamp()) == epoch


def test_offsets_are_kept_and_aware() -> None:
    dt = parse_datetime("2019-09-24 00:30:00 +01:00")
    assert dt.utcoffset() == timedelta(hours=1)
    assert (dt.hour, dt.day) == (0, 24)
    plain = parse_datetime("2019-09-24 00:30:00")
    assert plain.tzinfo is UTC
    # glued to the time, Pacemaker ignores the offset
    assert parse_datetime("2019-09-24T00:30:00+01:00") == plain


def test_time_alone_is_on_today() -> None:
    now = datetime(2026, 11, 26, 19, 1, 52, tzinfo=UTC)
    # iso8601 -d on 2026-11-26: "T12:30" and "12:30" -> 2026-11-26 12:30:00Z
    assert parse_datetime("T12:30", now=now) == datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
    assert parse_datetime("12:30", now=now) == datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
    assert parse_datetime("T123045", now=now) == datetime(2026, 11, 26, 12, 30, 45, tzinfo=UTC)
    # 12:30:45 +02:00 -> 10:30:45Z
    assert parse_datetime("12:30:45 +02:00", now=now).astimezone(UTC) == datetime(
        2026, 11, 26, 10, 30, 45, tzinfo=UTC)
    for text in ("12", "1230", "123045"):
        with pytest.raises(ValueError):
            parse_datetime(text, now=now)


def test_now() -> None:
    now = datetime(2026, 11, 26, 19, 1, 52, 123, tzinfo=UTC)
    assert parse_datetime("now", now=now) == now.replace(microsecond=0)
    with pytest.raises(ValueError):
        parse_datetime("now", allow_now=False)


def test_format_datetime() -> None:
    dt = parse_datetime("2019-09-24 00:30:00 +01:00")
    assert format_datetime(dt) == "2019-09-23 23:30:00Z"


def test_error_message_names_the_text() -> None:
    with pytest.raises(ValueError, match=r"'2019-02-30'.*no day 30"):
        parse_datetime("2019-02-30")


#: START/DURATION -> the end iso8601 -p printed (UTC)
PERIODS: list[tuple[str, str]] = [
    ('2005-01-31/P1M', '2005-02-28 00:00:00Z'),
    ('2004-02-29/P1Y', '2005-03-01 00:00:00Z'),
    ('2005-01-31/P1M1D', '2005-03-01 00:00:00Z'),
    ('2005-01-31/P2M', '2005-03-31 00:00:00Z'),
    ('2005-03-31/P-1M', '2005-02-28 00:00:00Z'),
    ('2005-01-31T23:00:00/PT2H', '2005-02-01 01:00:00Z'),
    ('2005-01-31/P1Y1M', '2006-02-28 00:00:00Z'),
    ('2005-12-31/P1M', '2006-01-31 00:00:00Z'),
    ('2004-01-31/P1M', '2004-02-29 00:00:00Z'),
    ('2005-01-31/P13M', '2006-02-28 00:00:00Z'),
    ('2005-01-31/P1M30D', '2005-03-30 00:00:00Z'),
    ('2005-01-31/P1DT24H', '2005-02-02 00:00:00Z'),
    ('2004-02-29/P1Y1M', '2005-04-01 00:00:00Z'),
    ('2004-366/P1Y', '2005-12-31 00:00:00Z'),
    ('2004-03-01/P1Y', '2005-03-02 00:00:00Z'),
    ('2005-03-01/P-1Y', '2004-02-29 00:00:00Z'),
    ('2004-02-29/P4Y', '2008-02-29 00:00:00Z'),
    ('2004-02-29/P-1Y', '2003-03-01 00:00:00Z'),
    ('2004-02-29/P12M', '2005-02-28 00:00:00Z'),
    ('2005-01-31/P-13M', '2003-12-31 00:00:00Z'),
    ('2005-02-28/PT-1S', '2005-02-27 23:59:59Z'),
    ('2004-02-29/P1Y-1M', '2005-02-01 00:00:00Z'),
    ('2005-03-31 00:30:00 +01:00/P1M', '2005-04-29 23:30:00Z'),
    ('2019-01-01/P2W', '2019-01-15 00:00:00Z'),
    ('2019-01-01/P1W2D', '2019-01-10 00:00:00Z'),
    ('2019-01-01/PT1M2M', '2019-01-01 00:03:00Z'),
    ('2019-01-01/P1Y2Y', '2021-01-01 00:00:00Z'),
    ('2019-01-01/P2M3M', '2019-04-01 00:00:00Z'),
    ('2019-01-01/P1H', '2019-01-01 01:00:00Z'),
    ('2019-01-01/PT1D', '2019-01-02 00:00:00Z'),
    ('2019-01-01/PT36H', '2019-01-02 12:00:00Z'),
]


@pytest.mark.parametrize(("period", "end"), PERIODS)
def test_add_duration_like_iso8601(period: str, end: str) -> None:
    start, duration = period.split("/")
    result = add_duration(parse_datetime(start), parse_duration(duration))
    assert format_datetime(result) == end


def test_add_duration_works_in_local_time() -> None:
    start = datetime(2005, 3, 31, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    # iso8601 -p "2005-03-31 00:30:00 +01:00/P1M" -L -> 2005-04-30 00:30:00 +01:00
    end = add_duration(start, Duration(months=1))
    assert (end.month, end.day, end.hour) == (4, 30, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P1Y2M3DT4H5M6S", Duration(1, 2, 0, 3, 4, 5, 6)),
        ("PT10S", Duration(seconds=10)),
        ("P2W", Duration(weeks=2)),
        ("P1W2D", Duration(weeks=1, days=2)),
        ("PT", Duration()),
        ("P-1D", Duration(days=-1)),
        ("P+1D", Duration(days=1)),
        ("P1DT", Duration(days=1)),
        ("P1H", Duration(hours=1)),  # iso8601 -D: 3600 seconds
        ("PT1D", Duration(days=1)),
        ("P1Y2Y", Duration(years=2)),  # iso8601 -D: 2 years (replaced)
        ("P2M3M", Duration(months=3)),  # 3 months (replaced)
        ("P1D2D", Duration(days=3)),  # 3 days (added)
        ("PT1M2M", Duration(minutes=3)),  # 180 seconds
        ("PT1S2S", Duration(seconds=3)),
        ("P1M1Y", Duration(years=1, months=1)),
        ("P1D T1H", Duration(days=1)),  # a blank ends it
        ("P1D ", Duration(days=1)),
    ],
)
def test_parse_duration(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["P", "1M", "P1.5D", "PT1.5S", "p1d", " P1D", "P1X", "P1", "P1DX", "P1D2", ""]
)
def test_parse_duration_rejects(text: str) -> None:
    # each of these: iso8601 -D -> "Invalid duration specified"
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


#: start timeout -> CRM_meta_timeout in crm_simulate's graph (None: the default
#: 20000 was used, i.e. Pacemaker found the timeout invalid)
TIMEOUTS: list[tuple[str, int | None]] = [
    ("10", 10000), ("10s", 10000), ("10sec", 10000), ("10ms", 10), ("10msec", 10),
    ("10us", 0), ("10usec", 0), ("1m", 60000), ("1min", 60000), ("1h", 3600000),
    ("1hr", 3600000), (" 10s", 10000), ("10s ", 10000), ("10 s", 10000), ("10S", 10000),
    ("10MS", 10), ("1.5s", 1000), ("1.5", 1000), ("0", 0), ("10 ms", 10), ("10mins", 600000),
    ("10m ", 600000), ("10min30s", 600000), ("1500us", 1), ("999us", 0), ("10secs", 10000),
    ("1H", 3600000), ("5.9ms", 5), ("010", 10000),
    ("PT1M", None), ("PT1M30S", None), ("P1D", None), ("abc", None), ("", None),
    ("10x", None), ("-5", None), ("-5s", None), ("+5s", None), ("P1M", None),
    ("PT1.5S", None), ("1e3", None), ("1d", None), ("Pt1m", None), ("PT", None), ("P", None),
    ("0x10", None),
]


@pytest.mark.parametrize(("text", "ms"), TIMEOUTS)
def test_parse_msec_like_timeouts(text: str, ms: int | None) -> None:
    if ms is None:
        with pytest.raises(ValueError, match="invalid interval"):
            parse_msec(text)
    else:
        assert parse_msec(text) == ms


#: monitor interval -> the recurring monitor's key in crm_simulate's graph
#: (None: no recurring monitor, i.e. invalid or zero)
INTERVALS: list[tuple[str, int | None]] = [
    ("10", 10000), ("PT1M", 60000), ("PT1M30S", 90000), ("PT10S", 10000),
    ("P1M", 2592000000), ("1.5s", 1000), ("10mins", 600000), ("P1W", 518400000),
    ("PT36H", 129600000), ("PT1M ", 60000), ("10 ms", 10),
    ("P2D", 86400000), ("P3D", 172800000), ("P8D", 604800000), ("P2W", 1123200000),
    ("P1DT1H", 3600000), ("P2DT1H", 90000000), ("P1Y2D", 86400000), ("P1M1D", 2592000000),
    ("P1M2D", 2678400000), ("P1W1D", 604800000), ("PT24H", 86400000), ("PT1H", 3600000),
    ("P1DT0H0M1S", 1000), ("PT1S", 1000), ("PT1M1S", 61000), ("P2DT-1H", 82800000),
    ("P1D2D", 172800000),
    # zero: Pacemaker schedules no recurring monitor
    ("P1D", 0), ("P1Y", 0), ("P0D", 0), ("PT0S", 0), ("P1Y1D", 0), ("P-1D", 0), ("PT", 0),
    # invalid
    ("PT1.5S", None), ("Pt1m", None), ("P", None), ("abc", None),
    ("pt1m", None), (" PT1M", None), ("-5", None), ("10x", None), ("", None), ("PT-1S", None),
]


@pytest.mark.parametrize(("text", "ms"), INTERVALS)
def test_parse_interval_ms_like_monitor_intervals(text: str, ms: int | None) -> None:
    if ms is None:
        with pytest.raises(ValueError, match="invalid interval"):
            parse_interval_ms(text)
    else:
        assert parse_interval_ms(text) == ms


def test_intervals_beyond_32_bits_are_left_to_the_caller() -> None:
    # crm_simulate saturates these at 4294967295
    assert parse_interval_ms("P2Y") == 365 * 86400 * 1000
    assert parse_interval_ms("P2M") == 60 * 86400 * 1000
    assert duration_interval_seconds(Duration(years=3)) == 730 * 86400


def test_parse_interval_ms_none_and_no_iso() -> None:
    with pytest.raises(ValueError):
        parse_interval_ms(None)
    with pytest.raises(ValueError):
        parse_interval_ms("PT1M", iso=False)
