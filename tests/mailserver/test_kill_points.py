"""Exactly once over SMTP, which has no idempotency key: the real service, the SQLite ledger and
the SMTP/IMAP mailer on Dovecot and the submission server, killed at each step of a delivery.
The next run looks each unsettled claim up by its Message-ID in Sent and Drafts: found → it is
recorded, never repeated; not found → a drafting kind is drafted again, a sending kind is
"uncertain: check Sent" and never sent again."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fakes import DIV, FakeClock, FakeComposer, FakeSource, account, division_data, line
from followup import service
from followup.adapters.mailbox.smtp_mailer import SmtpImapMailer
from followup.adapters.sqlite import open_stores
from followup.model import Claim, MailKind, Mode, Outcome, RunReport
from followup.policy import Rules
from followup.ports import Ledger, Stores
from followup.settings import Languages, Modes
from followup.settings.rules import Policy
from mailserver.conftest import Mailbox
from mailserver.dovecot import Dovecot
from mailserver.reading import folder, mailer, password_login
from mailserver.submission_server import SubmissionServer

RUN = date(2026, 11, 23)
YESTERDAY = date(2026, 11, 22)
SENT_BEFORE = "delivered by an earlier run that died before recording it"


class Crash(BaseException):
    """The process dies here (nothing after it runs)."""


def data() -> dict[int, Any]:
    paid, late, silent = account(1), account(2), account(3, email="")
    return {
        DIV: division_data(
            [paid, late, silent],
            payments=[line(1, paid.id, status=50, paid_on=YESTERDAY, timestamp=11),
                      line(3, silent.id, status=50, paid_on=YESTERDAY, timestamp=13)],
            open_items=[line(4, late.id, due=date(2026, 11, 1))],
        )
    }  # fmt: skip


class CrashingLedger:
    """The real ledger that dies right after a claim, or instead of recording an outcome."""

    def __init__(self, inner: Ledger, after_claim: bool = False) -> None:
        self.inner, self.after_claim = inner, after_claim

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def claim(self, claim: Claim) -> bool:
        won = self.inner.claim(claim)
        if self.after_claim:
            raise Crash("after the claim, before the delivery")
        return won

    def complete(self, *args: Any, **kwargs: Any) -> None:
        raise Crash("after the delivery, before the outcome")


def crashing(stores: Stores, after_claim: bool = False) -> Stores:
    """The stores with the crashing ledger for claims."""
    return replace(stores, claims=CrashingLedger(stores.claims, after_claim))


class CrashAfterSubmission:
    """The real submission; the process dies right after the server took the mail (so the
    copy for Sent is never filed)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def send(self, *args: Any, **kwargs: Any) -> str:
        self.inner.send(*args, **kwargs)
        raise Crash("after the server took the mail, before its copy went to Sent")


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Stores]:
    opened = open_stores(tmp_path / "ledger.sqlite3")
    yield opened
    opened.close()


def deps(ledger: Stores, mailer_: Any, clock: FakeClock, mode: Mode = Mode.SEND) -> service.Deps:
    return service.Deps(
        source=FakeSource(data()),
        ledger=ledger.claims,
        runlog=ledger.runs,
        mailer=mailer_,
        composer=FakeComposer(),
        clock=clock,
        rules=Rules(
            Policy(reminders_on_working_days_only=False),
            Modes(confirmation=mode, reminder=mode),
            Languages(),
        ),
        pauses=ledger.pauses,
    )


def outcomes(report: RunReport) -> list[str]:
    return sorted(e.outcome.value for e in report.entries())


@pytest.fixture
def make(
    dovecot: Dovecot, mailbox: Mailbox, starttls_smtp: SubmissionServer,
    client_context: ssl.SSLContext, clock: FakeClock,
) -> Iterator[Any]:  # fmt: skip
    made: list[SmtpImapMailer] = []

    def make(mode: Mode = Mode.SEND, append_sent: bool = False) -> SmtpImapMailer:
        kinds = () if mode is Mode.DRAFT else (MailKind.CONFIRMATION, MailKind.REMINDER)
        m = mailer(dovecot, starttls_smtp, password_login(mailbox), client_context, clock,
                   append_sent=append_sent, sending=kinds)  # fmt: skip
        made.append(m)
        return m

    yield make
    for m in made:
        m.close()


def test_a_crash_after_the_claim_leaves_a_mail_that_may_send_uncertain_never_sent(
    ledger: Stores, make: Any, clock: FakeClock, starttls_smtp: SubmissionServer
) -> None:
    m = make()
    with pytest.raises(Crash):
        service.run(deps(crashing(ledger, after_claim=True), m, clock), RUN)
    assert starttls_smtp.state.received == []
    second = service.run(deps(ledger, m, clock), RUN)
    assert "uncertain" in outcomes(second)  # SMTP can't tell: reported, never sent again
    assert len(starttls_smtp.state.received) == 1  # the other mail
    third = service.run(deps(ledger, m, clock), RUN)
    assert "sent" not in outcomes(third)
    assert len(starttls_smtp.state.received) == 1


def test_a_crash_after_the_claim_of_a_draft_drafts_it_again_once(
    ledger: Stores, make: Any, clock: FakeClock, dovecot: Dovecot, mailbox: Mailbox,
    client_context: ssl.SSLContext,
) -> None:  # fmt: skip
    m = make(Mode.DRAFT)
    with pytest.raises(Crash):
        service.run(deps(crashing(ledger, after_claim=True), m, clock, Mode.DRAFT), RUN)
    assert folder(dovecot, mailbox, "Drafts", client_context) == []
    second = service.run(deps(ledger, m, clock, Mode.DRAFT), RUN)
    assert outcomes(second) == ["drafted", "drafted", "skipped"]  # provably never stored
    service.run(deps(ledger, m, clock, Mode.DRAFT), RUN)
    assert len(folder(dovecot, mailbox, "Drafts", client_context)) == 2


def test_a_crash_after_the_append_finds_the_draft_and_stores_no_second_one(
    ledger: Stores, make: Any, clock: FakeClock, dovecot: Dovecot, mailbox: Mailbox,
    client_context: ssl.SSLContext,
) -> None:  # fmt: skip
    m = make(Mode.DRAFT)
    with pytest.raises(Crash):
        service.run(deps(crashing(ledger), m, clock, Mode.DRAFT), RUN)
    [first] = folder(dovecot, mailbox, "Drafts", client_context)
    second = service.run(deps(ledger, m, clock, Mode.DRAFT), RUN)
    [key] = [e.key for e in second.entries() if e.recipient == str(first["To"])]
    assert ledger.claims.outcome(key) == (Outcome.DRAFTED, SENT_BEFORE)
    assert len(folder(dovecot, mailbox, "Drafts", client_context)) == 2  # the other one


def test_a_crash_after_the_server_took_the_mail_is_found_in_sent_and_recorded(
    ledger: Stores, make: Any, clock: FakeClock, starttls_smtp: SubmissionServer
) -> None:
    starttls_smtp.state.keep_sent = True  # as Gmail and Microsoft 365 do
    m = make()
    with pytest.raises(Crash):
        service.run(deps(crashing(ledger), m, clock), RUN)
    [first] = starttls_smtp.state.received
    clock.sleep(86_400)  # the next morning
    second = service.run(deps(ledger, m, clock), RUN)
    assert len(starttls_smtp.state.received) == 2  # the crashed one once, the other once
    [key] = [e.key for e in second.entries() if e.recipient == first.header("To")]
    assert ledger.claims.outcome(key) == (Outcome.SENT, SENT_BEFORE)


def test_a_crash_between_the_send_and_the_sent_copy_is_uncertain_and_never_resent(
    ledger: Stores, make: Any, clock: FakeClock, starttls_smtp: SubmissionServer
) -> None:
    m = make(append_sent=True)  # a provider that keeps no copy: followup files it
    m._smtp = CrashAfterSubmission(m._smtp)  # the kill point is inside deliver
    with pytest.raises(Crash):
        service.run(deps(ledger, m, clock), RUN)
    m = make(append_sent=True)
    second = service.run(deps(ledger, m, clock), RUN)
    assert "uncertain" in outcomes(second)
    assert len(starttls_smtp.state.received) == 2
    service.run(deps(ledger, m, clock), RUN)
    assert len(starttls_smtp.state.received) == 2


@pytest.mark.parametrize("kept", [True, False])
def test_an_answer_lost_after_the_mail_went_out_is_settled_by_the_next_run_never_resent(
    ledger: Stores, make: Any, clock: FakeClock, starttls_smtp: SubmissionServer,
    kept: bool,
) -> None:  # fmt: skip
    starttls_smtp.state.keep_sent = kept
    starttls_smtp.state.hang_up_after_data = 1  # takes the first mail, never answers
    m = make()
    first = service.run(deps(ledger, m, clock), RUN)
    assert "may have been taken" in (first.divisions[0].error or "")
    [taken] = starttls_smtp.state.received
    second = service.run(deps(ledger, m, clock), RUN)
    [key] = [e.key for e in second.entries() if e.recipient == taken.header("To")]
    if kept:  # found in Sent by its Message-ID
        assert ledger.claims.outcome(key) == (Outcome.SENT, SENT_BEFORE)
    else:
        assert ledger.claims.outcome(key)[0] is Outcome.UNCERTAIN  # type: ignore[index]
    assert len(starttls_smtp.state.received) == 2
    service.run(deps(ledger, m, clock), RUN)
    assert len(starttls_smtp.state.received) == 2


def test_a_refused_recipient_is_recorded_as_rejected_and_the_run_goes_on(
    ledger: Stores, make: Any, clock: FakeClock, starttls_smtp: SubmissionServer
) -> None:
    starttls_smtp.state.recipient_replies["info@klant1.example.nl"] = ["550 5.1.1 No such user"]
    report = service.run(deps(ledger, make(), clock), RUN)
    assert outcomes(report) == ["rejected", "sent", "skipped"]
    assert [r.recipients for r in starttls_smtp.state.received] == [["info@klant2.example.nl"]]
    again = service.run(deps(ledger, make(), clock), RUN)
    assert "sent" not in outcomes(again)  # a permanent refusal is not tried again
