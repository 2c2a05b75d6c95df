"""A doctor's check and its verdict, the heading of a block of checks (one administration's
profile), a guard that turns a crashed check into a verdict, and the two adapters the checks run
with: a clock that won't wait long, and a bearer auth that never refreshes."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import httpx

from followup.errors import FollowupError
from followup.ports import Clock

MAX_WAIT_SECONDS = 5.0


class Status(StrEnum):
    """A check's verdict."""

    OK = "OK"
    WARNING = "WARNING"  # works, but customers will miss something; not a problem for the exit code
    PROBLEM = "PROBLEM"
    SKIPPED = "SKIPPED"  # could not be checked now; not a problem by itself


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    status: Status
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class Heading:
    """The start of a block of checks: `label` ("division 101", "the office") and `title`
    (the company's name)."""

    label: str
    title: str


def ok(name: str, detail: str) -> Check:
    """A check that passed."""
    return Check(name, Status.OK, detail)


def problem(name: str, detail: str, fix: str) -> Check:
    """A check that failed, with what to do."""
    return Check(name, Status.PROBLEM, detail, fix)


def warning(name: str, detail: str, fix: str) -> Check:
    """A check that passed with something the owner should still set, and how."""
    return Check(name, Status.WARNING, detail, fix)


def skipped(name: str, why: str) -> Check:
    """A check that could not run now."""
    return Check(name, Status.SKIPPED, why)


def guarded(name: str, checks: Callable[[], Iterator[Check]]) -> Iterator[Check]:
    """The checks; an unexpected failure becomes a PROBLEM instead of a traceback."""
    try:
        yield from checks()
    except Exception as exc:  # doctor reports, it doesn't crash
        fix = "run `followup -v doctor` for details"
        if type(exc).__name__ == "DefaultCredentialsError":  # google.auth, not imported here
            fix = (
                "this computer has no Google sign-in: `gcloud auth application-default login` "
                "(or run where the service account is)"
            )
        yield problem(name, f"the check itself failed ({type(exc).__name__}: {exc})", fix)


class WouldWait(FollowupError):
    """Doctor won't sit out a rate limit or Exact's 570 s between refreshes."""


class Impatient:
    """A Clock that waits a few seconds at most: longer waits raise WouldWait."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        """The wrapped clock's time."""
        return self._clock.now()

    def sleep(self, seconds: float) -> None:
        """Sleep briefly, or refuse."""
        if seconds > MAX_WAIT_SECONDS:
            until = self._clock.now() + timedelta(seconds=seconds)
            raise WouldWait(f"Exact asks to wait until {until:%H:%M:%S}; try again after that")
        self._clock.sleep(seconds)


class Bearer(httpx.Auth):
    """One access token as is: a 401 stays a 401 (no refresh behind the user's back)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with the token."""
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request
