"""Everything the sandbox knows: divisions and their data, tokens, rate-limit usage, injected
failures and the calls it served."""

from __future__ import annotations

import threading
import uuid
from collections import deque
from datetime import datetime, timedelta
from typing import TypedDict

from followup.clock import AMSTERDAM, SystemClock
from followup.sandbox.division import Division
from followup.sandbox.limits import RateLimiter
from followup.sandbox.tokens import Now, TokenBook


class SandboxClock:
    """A controllable clock: time stands still until advanced. `sleep` advances it, so code that
    waits on a rate limit runs instantly against the sandbox."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(AMSTERDAM)
        aware = start if start.tzinfo is not None else start.replace(tzinfo=AMSTERDAM)
        self._now = aware.astimezone(AMSTERDAM)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The sandbox's current time in Europe/Amsterdam."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        with self._lock:
            self._now = (self._now + timedelta(seconds=seconds)).astimezone(AMSTERDAM)

    def sleep(self, seconds: float) -> None:
        """Advance instead of sleeping (the Clock port)."""
        if seconds > 0:
            self.advance(seconds)


class IssuedTokens(TypedDict):
    """What `SandboxState.issue_tokens` hands out."""

    access_token: str
    refresh_token: str
    expires_in: int


Call = tuple[int | None, str, str]  # (division or None, method, percent-decoded path with query)
Served = tuple[int | None, datetime, int]  # (division or None, when, the status answered)


class SandboxState:
    """The simulated Exact Online. Mutate it from tests; the server reads it under `lock`."""

    client_id = "followup-sandbox"
    client_secret = "sandbox-secret"  # noqa: S105 - a fixed, public sandbox credential

    def __init__(self, clock: Now | None = None) -> None:
        self.clock: Now = clock or SystemClock()
        self.lock = threading.RLock()
        self.divisions: dict[int, Division] = {}
        self.calls: list[Call] = []
        self.served: list[Served] = []  # per call, in order: when it was answered and how
        self.minutely_limit = 60
        self.daily_limit = 5000
        self.latency_seconds = 0.0
        self.user_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "sandbox/user"))
        self.user_name = "owner@example.nl"
        self.full_name = "Demo Eigenaar"
        self.tokens = TokenBook(self.clock)
        self.limits = RateLimiter()
        self._injections: list[tuple[str, deque[int], bool]] = []
        self.hidden: set[int] = set()  # divisions the token may no longer see: 403, unlisted

    @property
    def refresh_count(self) -> int:
        """How many refreshes succeeded."""
        return self.tokens.refresh_count

    @property
    def current_division(self) -> int | None:
        """What current/Me calls CurrentDivision: the first division added."""
        return next(iter(self.divisions), None)

    def issue_tokens(self) -> IssuedTokens:
        """Tokens of a fresh consent (as if by authorization_code): starts a new chain."""
        with self.lock:
            grant = self.tokens.issue()
        return {
            "access_token": grant.access_token,
            "refresh_token": grant.refresh_token,
            "expires_in": grant.expires_in,
        }

    def issue_code(self) -> str:
        """A one-time code for grant_type=authorization_code."""
        with self.lock:
            return self.tokens.issue_code()

    def add_division(self, code: int, description: str) -> Division:
        """Create an administration the token can see."""
        with self.lock:
            if code in self.divisions:
                raise ValueError(f"division {code} exists already")
            division = Division(code, description, self.lock)
            self.divisions[code] = division
            return division

    def hide_division(self, code: int) -> None:
        """Take a division from the token (the user lost access, or the app's consent no longer
        covers it): its calls answer 403 and system/Divisions leaves it out."""
        with self.lock:
            self.hidden.add(code)

    def withdraw_consent(self) -> None:
        """The user withdraws the app's consent in Exact: refreshes are refused from now on."""
        with self.lock:
            self.tokens.withdraw()

    def inject(self, path_contains: str, statuses: list[int], served: bool = False) -> None:
        """Answer the next requests whose path contains `path_contains` with these statuses, one
        each. With `served`, the request is handled first and only its answer is replaced (a lost
        response: e.g. a refresh that rotated the token but never reached the client)."""
        with self.lock:
            self._injections.append((path_contains, deque(statuses), served))

    def take_injection(self, path: str) -> tuple[int, bool] | None:
        """The injected status for this request, if any, and whether to serve it anyway."""
        with self.lock:
            for index, (needle, statuses, served) in enumerate(self._injections):
                if needle in path and statuses:
                    status = statuses.popleft()
                    if not statuses:
                        del self._injections[index]
                    return status, served
            return None
