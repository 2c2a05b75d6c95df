"""What a run did: one report line per mail or skip, per division, and for the whole run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from followup.model.choices import MailKind, Outcome, Tone, Variant
from followup.model.exact_data import UnreadableRow
from followup.model.plan import Customer


@dataclass(frozen=True)
class ReportEntry:
    """One line of the run report; `reason` and `notes` may be reasons.Reason (English text
    with a code and values the owner's templates word in their language)."""

    division: int
    kind: MailKind
    outcome: Outcome
    customer: Customer  # a recovered claim and the digest know only a code ("owner")
    reason: str = ""
    key: str = ""
    recipient: str = ""
    subject: str = ""
    invoice_numbers: tuple[str, ...] = ()
    provider_id: str = ""
    amount: Decimal = Decimal(0)  # paid (confirmation) or outstanding (reminder), all lines
    currency: str = ""
    call_customer: bool = False  # a reminder above the call threshold: phone them
    notes: tuple[str, ...] = ()  # why the mode or wording was chosen
    level: int = 0  # reminders: the mail's level (1 friendly .. 3 final)
    tone: Tone | None = None  # reminders: how firmly the mail is written
    variant: Variant | None = None  # confirmations: how the thank-you is written


@dataclass
class DivisionReport:
    """What one division's run did."""

    division: int
    entries: list[ReportEntry] = field(default_factory=list)
    error: str = ""
    retryable: bool = False  # the error may go away when run again (5xx at the HTTP edge)
    exact_calls: int = 0
    notes: list[str] = field(default_factory=list)
    outstanding: dict[str, Decimal] = field(default_factory=dict)  # per currency: all open
    overdue: dict[str, Decimal] = field(default_factory=dict)  # per currency: past due
    unreadable: list[UnreadableRow] = field(default_factory=list)  # rows Exact sent, unusable
    # An office's administration: its own digest, to the person responsible for it (office.py).
    digest: ReportEntry | None = None
    company: str = ""  # an office's administration: the company its profile names
    seconds: float = 0.0  # an office's administration: its build and run, wall clock

    @property
    def ok(self) -> bool:
        """The division ran to the end."""
        return not self.error


@dataclass
class RunReport:
    """What a whole run did, division by division."""

    run_id: str
    run_date: date
    dry_run: bool
    started_at: datetime
    divisions: list[DivisionReport] = field(default_factory=list)
    finished_at: datetime | None = None
    digest: ReportEntry | None = None  # the owner's digest mail, when enabled
    # The Exact consent after the run: last refreshed, when it lapses unused (exact/lapse.py).
    consent_refreshed_at: datetime | None = None
    consent_lapses_at: datetime | None = None
    consent_warn: bool = False

    @property
    def ok(self) -> bool:
        """Every division ran to the end."""
        return all(d.ok for d in self.divisions)

    def entries(self) -> list[ReportEntry]:
        """All report lines of all divisions."""
        return [e for d in self.divisions for e in d.entries]
