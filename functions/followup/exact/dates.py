"""Exact's date format and OData literals.

Exact sends dates as `/Date(1767225600000)/`. The milliseconds are *not* a UTC instant: read as
UTC they give the Dutch wall-clock time (airbytehq/airbyte source-exact). So
`/Date(1767225600000)/` is 2026-01-01 00:00 in Amsterdam, not 01:00.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

from followup.clock import AMSTERDAM

_EPOCH = datetime(1970, 1, 1)  # naive on purpose: the ms are wall-clock time
# An optional "+0100" suffix is part of the Microsoft JSON date format; Exact doesn't send it,
# and the ms already are the local wall-clock time, so it is accepted and ignored.
_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")


def parse_datetime(value: str | None) -> datetime | None:
    """`/Date(ms)/` (or an ISO-8601 string) → an aware Amsterdam datetime; None stays None."""
    if value is None or value == "":
        return None
    match = _MS_DATE.match(value.strip())
    if match:
        wall = _EPOCH + timedelta(milliseconds=int(match.group(1)))
    else:
        try:
            wall = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"not an Exact date: {value!r}") from None
        if wall.tzinfo is not None:
            return wall.astimezone(AMSTERDAM)
    return wall.replace(tzinfo=AMSTERDAM)


def to_date(value: str | None) -> date | None:
    """`/Date(ms)/` → the Amsterdam calendar date; None stays None."""
    moment = parse_datetime(value)
    return None if moment is None else moment.date()


def odata_datetime(value: date | datetime) -> str:
    """An OData datetime literal in Amsterdam wall-clock time: `datetime'2026-01-01T00:00:00'`."""
    if isinstance(value, datetime):
        wall = value.astimezone(AMSTERDAM) if value.tzinfo is not None else value
        moment = wall.replace(tzinfo=None, microsecond=0)
    else:
        moment = datetime(value.year, value.month, value.day)
    return f"datetime'{moment.isoformat(timespec='seconds')}'"


def odata_guid(value: str) -> str:
    """An OData guid literal, `guid'…'`; raises ValueError for anything but a GUID."""
    return f"guid'{uuid.UUID(value)}'"
