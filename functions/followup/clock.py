"""The real clock, and the business time zone."""

from __future__ import annotations

import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class SystemClock:
    """Wall-clock time and real sleeping."""

    def now(self) -> datetime:
        """The current time in Europe/Amsterdam."""
        return datetime.now(AMSTERDAM)

    def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        if seconds > 0:
            time.sleep(seconds)


def business_date(moment: datetime) -> date:
    """The Amsterdam calendar date of an aware moment."""
    return moment.astimezone(AMSTERDAM).date()
