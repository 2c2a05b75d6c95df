"""Client-side rate limiting below Gmail's per-user quota: a token bucket of quota units."""

from __future__ import annotations

import threading
from datetime import datetime

from followup.ports import Clock

# Quota units per call (developers.google.com/gmail/api/reference/quota).
UNITS = {
    "messages.send": 100,
    "drafts.create": 10,
    "messages.list": 5,
    "messages.get": 5,
    "drafts.list": 5,
    "drafts.get": 5,
    "threads.get": 10,
}


class QuotaBucket:
    """Spends quota units at most `units_per_second` on average, in bursts of `burst_units`."""

    def __init__(
        self, clock: Clock, units_per_second: float = 200.0, burst_units: float | None = None
    ) -> None:
        if units_per_second <= 0:
            raise ValueError("units_per_second must be positive")
        self._clock = clock
        self._rate = units_per_second
        self._burst = max(burst_units or units_per_second, max(UNITS.values()))
        self._level = self._burst
        self._at: datetime | None = None
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting, for the run's logs and the tests

    def take(self, units: float) -> None:
        """Spend `units`, first waiting (with the Clock) until the bucket holds them."""
        with self._lock:
            while True:
                now = self._clock.now()
                if self._at is not None:
                    elapsed = max((now - self._at).total_seconds(), 0.0)
                    self._level = min(self._burst, self._level + elapsed * self._rate)
                self._at = now
                if self._level >= units:
                    self._level -= units
                    return
                wait = (units - self._level) / self._rate
                self.waited += wait
                self._clock.sleep(wait)
