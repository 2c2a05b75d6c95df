"""The ports: what the service needs from the outside world. Adapters and fakes implement them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from enum import StrEnum
from typing import Any, Protocol

from followup.model import (
    BankStatements,
    Claim,
    Delivery,
    DivisionData,
    LastReminder,
    MailKind,
    Mode,
    Outcome,
    Pause,
    PlannedMail,
    Reply,
    RunReport,
    SentReminder,
    TokenSet,
    Watermark,
)


class Clock(Protocol):
    """Time, injectable: the service never calls datetime.now() itself."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait."""
        ...


class ExactSource(Protocol):
    """Reads one Exact Online administration (division). Read-only, always."""

    def divisions(self) -> list[int]:
        """Every division the token can see."""
        ...

    def read(
        self,
        division: int,
        since: int | None,
        first_day: date,
        listing_pages: Mapping[str, int] | None = None,
    ) -> DivisionData:
        """Payment lines changed since row version `since` (on a first run: since `first_day`),
        every open receivable, and the accounts and contacts they involve."""
        ...

    def invoice_pdfs(self, division: int, entry_ids: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        """Entry ID → (file name, PDF bytes) of the invoices that have one; others are absent."""
        ...

    def amounts_in_transit(
        self, division: int, account_ids: Sequence[str]
    ) -> dict[tuple[str, str], Decimal]:
        """(account ID lower-cased, invoice's entry number) → AmountInTransit, for these
        customers' open items; only amounts above zero."""
        ...

    def bank_statements(self, division: int, cutoff: date) -> BankStatements:
        """Whether a bank statement line is dated on or after `cutoff`; when not, the newest
        line's date (None: no line in the year before)."""
        ...


class TokenStore(Protocol):
    """Where the Exact tokens live. Writes are atomic; `lock` serializes refreshes."""

    def load(self) -> TokenSet | None:
        """The stored tokens, or None when there are none yet."""
        ...

    def save(self, tokens: TokenSet) -> None:
        """Replace the stored tokens atomically."""
        ...

    def lock(self) -> AbstractContextManager[None]:
        """Hold the right to refresh, across processes."""
        ...


class Trace(StrEnum):
    """What a mailer knows about a message it may or may not have delivered."""

    ABSENT = "absent"  # provably never delivered: safe to deliver now
    UNKNOWN = "unknown"  # can't tell: report, never re-send automatically


class Mailer(Protocol):
    """Delivers a composed mail as a draft or sends it."""

    def deliver(self, message: EmailMessage, mode: Mode, key: str) -> Delivery:
        """Draft or send; raises MailerError (permanent or not) on failure."""
        ...

    def find(self, claim: Claim) -> Delivery | Trace:
        """Look for the delivery of a claim left without outcome by a crashed run."""
        ...


class Ledger(Protocol):
    """Remembers which mails were claimed and delivered: the exactly-once memory."""

    def covered(self, division: int, kind: MailKind, item_ids: Iterable[str]) -> set[str]:
        """The items some earlier claim already covers (a retryable failure doesn't count)."""
        ...

    def claim(self, claim: Claim) -> bool:
        """Atomically take the right to deliver; False if the key is already claimed."""
        ...

    def complete(
        self, key: str, outcome: Outcome, delivery: Delivery | None = None, reason: str = ""
    ) -> None:
        """Record what became of a claim."""
        ...

    def release(self, key: str) -> None:
        """Forget a claim whose mail was proven never delivered, so it can be planned again."""
        ...

    def unfinished(self, division: int) -> list[Claim]:
        """Claims without an outcome: left by a run that died between claim and outcome."""
        ...

    def last_reminders(self, division: int, since: date) -> dict[str, LastReminder]:
        """Per customer code, the latest reminder of a run dated `since` or later, by run date
        (delivered, drafted or in doubt; a plain failure doesn't count)."""
        ...

    def sent_reminders(self, division: int, since: date) -> list[SentReminder]:
        """The reminders of runs dated `since` or later that were sent or drafted, with the
        mailer's ids: what a customer's answer refers to. Oldest first."""
        ...


class Replies(Protocol):
    """Answers to our reminders in the owner's mailbox (read-only)."""

    def replies(self, division: int, reminders: Sequence[SentReminder], since: date) -> list[Reply]:
        """The messages answering these reminders that arrived on `since` or later, not sent
        by us; an automatic answer is among them (policy tells it apart)."""
        ...


class PauseBook(Protocol):
    """Disputes and pauses: customers or invoices not to chase until a date."""

    def pauses(self, division: int) -> list[Pause]:
        """The pauses that apply to a division (its own and the global ones)."""
        ...

    def pause(self, pause: Pause) -> None:
        """Add or replace the pause of one target."""
        ...

    def resume(self, target: str, division: int | None) -> bool:
        """Lift a pause; False if there was none."""
        ...


class RunLog(Protocol):
    """Per-division run state: the lock, the payment watermark, the run records."""

    def division_lock(self, division: int) -> AbstractContextManager[None]:
        """Hold one division for this run; raises LedgerBusy when another run holds it."""
        ...

    def watermark(self, division: int) -> Watermark | None:
        """Where the last successful run of this division stopped reading payments."""
        ...

    def advance(self, division: int, watermark: Watermark) -> None:
        """Move the watermark, after every claimed mail has an outcome."""
        ...

    def record_run(self, report: RunReport) -> None:
        """Keep the run's report."""
        ...


class StatusView(Protocol):
    """What is read back from the ledger: what `followup status` shows, and the runs an office's
    overview after a fan-out is made of."""

    def recent_runs(self, limit: int) -> list[dict[str, Any]]:
        """The reports (as JSON data) of the latest runs, newest first."""
        ...

    def attention(self) -> list[tuple[Claim, Outcome | None, str]]:
        """Claims that need a look: pending (no outcome yet) or uncertain, with the reason."""
        ...

    def all_pauses(self) -> list[Pause]:
        """Every pause, in every division."""
        ...

    def runs_of(self, run_date: date, run_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Run id → the report (as JSON data) of those of these runs recorded for `run_date`:
        what an office's overview after a fan-out reads of its divisions' runs."""
        ...


class Composer(Protocol):
    """Turns a planned mail (or a run's digest) into a MIME message."""

    def message(
        self, mail: PlannedMail, now: datetime, attachments: Sequence[tuple[str, bytes]] = ()
    ) -> EmailMessage:
        """The complete message, headers included."""
        ...

    def digest(self, report: RunReport, lang: str, now: datetime, to: str) -> EmailMessage:
        """The owner's digest of a run."""
        ...


class RefreshTokenStore(Protocol):
    """One mailbox's refresh token: load it, replace it."""

    where: str

    def load(self) -> str | None:
        """The stored refresh token, or None when there is none yet."""
        ...

    def save(self, refresh_token: str) -> None:
        """Replace the stored refresh token."""
        ...


@dataclass(frozen=True)
class Stores:
    """The ledger's ports on one backend: built together, closed together."""

    claims: Ledger
    runs: RunLog
    pauses: PauseBook
    status: StatusView
    close: Callable[[], None]


# --- The cloud doors: the memory of scheduler calls and the queue of division runs -----------


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

    def enqueue(
        self, name: str, payload: dict[str, Any], schedule_time: datetime | None = None
    ) -> bool:
        """Create the task `name` carrying `payload`, to run now or at `schedule_time`; False
        when a task of that name existed."""
        ...
