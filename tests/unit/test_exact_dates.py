"""Exact's /Date(ms)/ values are Dutch wall-clock time; the calendar date never shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from followup.clock import AMSTERDAM
from followup.exact.dates import odata_datetime, odata_guid, parse_datetime, to_date


def exact(wall: datetime) -> str:
    """How Exact would send a Dutch wall-clock time: its ms read as if it were UTC."""
    ms = (wall - datetime(1970, 1, 1)) // timedelta(milliseconds=1)
    return f"/Date({ms})/"


def test_new_years_midnight_is_read_as_amsterdam_midnight() -> None:
    moment = parse_datetime("/Date(1767225600000)/")
    assert moment == datetime(2026, 1, 1, tzinfo=AMSTERDAM)
    assert moment is not None
    assert moment.utcoffset() == timedelta(hours=1)


def test_the_date_is_the_dutch_calendar_date_not_the_utc_one() -> None:
    assert to_date("/Date(1767225600000)/") == date(2026, 1, 1)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 3, 28),
        date(2026, 3, 29),  # clocks go forward at 02:00
        date(2026, 3, 30),
        date(2026, 10, 24),
        date(2026, 10, 25),  # clocks go back at 03:00
        date(2026, 10, 26),
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 4, 30),
        date(2026, 6, 30),
        date(2026, 12, 31),
        date(2028, 2, 29),
    ],
)
def test_midnight_keeps_its_calendar_date_around_dst_and_month_ends(day: date) -> None:
    midnight = datetime(day.year, day.month, day.day)
    assert to_date(exact(midnight)) == day
    assert to_date(exact(midnight + timedelta(hours=23, minutes=59))) == day


def test_summer_time_wall_clock_gets_the_summer_offset() -> None:
    moment = parse_datetime(exact(datetime(2026, 3, 29, 12, 0)))
    assert moment is not None
    assert (moment.hour, moment.utcoffset()) == (12, timedelta(hours=2))
    assert moment.astimezone(UTC) == datetime(2026, 3, 29, 10, 0, tzinfo=UTC)


def test_winter_time_after_the_october_change_gets_the_winter_offset() -> None:
    moment = parse_datetime(exact(datetime(2026, 10, 25, 12, 0)))
    assert moment is not None
    assert moment.utcoffset() == timedelta(hours=1)


def test_none_and_empty_stay_none() -> None:
    assert parse_datetime(None) is None
    assert parse_datetime("") is None
    assert to_date(None) is None


def test_an_iso_string_is_accepted_too() -> None:
    assert to_date("2026-05-01T00:00:00") == date(2026, 5, 1)


def test_a_date_before_1970_parses() -> None:
    assert to_date(exact(datetime(1969, 12, 31))) == date(1969, 12, 31)


def test_garbage_raises_value_error() -> None:
    with pytest.raises(ValueError, match="not an Exact date"):
        parse_datetime("yesterday")


def test_odata_datetime_literal_from_a_date() -> None:
    assert odata_datetime(date(2026, 1, 1)) == "datetime'2026-01-01T00:00:00'"


def test_odata_datetime_literal_from_an_aware_datetime_uses_amsterdam_wall_time() -> None:
    moment = datetime(2026, 6, 30, 22, 0, 5, 123, tzinfo=UTC)
    assert odata_datetime(moment) == "datetime'2026-07-01T00:00:05'"


def test_odata_guid_literal() -> None:
    guid = "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"
    assert odata_guid(guid) == "guid'0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'"


def test_odata_guid_refuses_anything_else() -> None:
    with pytest.raises(ValueError, match="badly formed"):
        odata_guid("x' or 1 eq 1 or ID eq 'y")
