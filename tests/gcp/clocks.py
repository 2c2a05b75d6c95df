"""A Clock over the Exact sandbox's time that threads can share."""

from __future__ import annotations

import time
from datetime import datetime

from followup.sandbox.state import SandboxClock


class SharedTime:
    """`sleep` advances the time every side sees, and yields the CPU a moment for real, so
    threads polling a lease don't spin."""

    def __init__(self, sandbox: SandboxClock) -> None:
        self.sandbox = sandbox

    def now(self) -> datetime:
        """The sandbox's time."""
        return self.sandbox.now()

    def sleep(self, seconds: float) -> None:
        """Advance the shared time; pause a few real milliseconds."""
        if seconds > 0:
            self.sandbox.advance(seconds)
            time.sleep(0.005)
