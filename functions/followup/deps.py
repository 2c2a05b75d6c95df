"""What a run is made of: the ports and settings the service needs, in one value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from followup.model import PlannedMail, RunReport
from followup.policy import Rules
from followup.ports import (
    Clock,
    ExactSource,
    Ledger,
    Mailer,
    PauseBook,
    Replies,
    RunLog,
    TokenStore,
)
from followup.settings.rules import Digest, ReplyWatch


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


@dataclass(frozen=True)
class Deps:
    """Everything a run needs; built by bootstrap (or by a test from fakes)."""

    source: ExactSource
    ledger: Ledger
    runlog: RunLog
    mailer: Mailer
    composer: Composer
    clock: Clock
    rules: Rules
    pauses: PauseBook
    divisions: tuple[int, ...] = ()  # empty: every division the token can see
    digest: Digest = field(default_factory=Digest)
    digest_language: str = "nl"
    attach_invoice_pdf: bool = False  # reminders carry the invoice PDFs from Exact
    tokens: TokenStore | None = None  # the Exact tokens: when the consent lapses, for the digest
    replies: Replies | None = None  # answers to reminders (`[replies] enabled`)
    reply_watch: ReplyWatch = field(default_factory=ReplyWatch)
