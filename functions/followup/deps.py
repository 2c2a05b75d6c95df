"""What a run is made of: the ports and settings the service needs, in one value; and a wired
application: those, with what to close afterwards."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field

from followup.policy import Rules
from followup.ports import (
    Clock,
    Composer,
    ExactSource,
    Ledger,
    Mailer,
    PauseBook,
    Replies,
    RunLog,
    TokenStore,
)
from followup.settings import Settings
from followup.settings.rules import Digest, ReplyWatch


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


@dataclass
class App:
    """A wired application: the service's dependencies and what to close afterwards."""

    settings: Settings
    deps: Deps
    resources: ExitStack

    def close(self) -> None:
        """Close files, connections and the outbox index."""
        self.resources.close()

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
