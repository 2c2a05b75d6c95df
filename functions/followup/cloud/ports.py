"""The ports of the cloud doors: the memory of scheduler calls and the queue of division runs."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Protocol


class Begun(StrEnum):
    """What `TriggerBook.begin` found for a scheduler call."""

    NEW = "new"  # this invocation processes the call (a first call, or a takeover)
    DONE = "done"  # an earlier invocation processed it: answer, do nothing
    RUNNING = "running"  # another invocation is processing it right now


class TriggerBook(Protocol):
    """Remembers scheduler calls so a repeated call (same job, same schedule time) runs once."""

    def begin(self, trigger: str, run_date: date) -> Begun:
        """Take the call: atomically, one invocation gets NEW. A call whose last attempt ended
        with `retry=True`, or whose invocation died (its lease ran out), may be taken again."""
        ...

    def finish(self, trigger: str, *, retry: bool) -> None:
        """Record the end of this invocation's attempt; `retry` lets a repeated call run again."""
        ...


class DivisionQueue(Protocol):
    """Hands the run of one division to another invocation (Cloud Tasks)."""

    def enqueue(self, name: str, payload: dict[str, Any]) -> bool:
        """Create the task `name` carrying `payload`; False when a task of that name existed."""
        ...
