"""Fault injection with the real service on the Google adapters: the Firestore ledger on the
emulator and the Gmail mailer on the local Gmail stand-in. Crashes at each step, two scheduler
invocations at once, Firestore down at the start: never a second mail."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from email.message import EmailMessage
from typing import Any

import pytest
from google.cloud import firestore

from fakes import (
    DIV,
    FakeClock,
    FakeComposer,
    FakeSource,
    account,
    division_data,
    line,
)
from followup import service
from followup.adapters.firestore import open_stores
from followup.adapters.gmail.credentials import gmail_service, scopes_for, user_credentials
from followup.adapters.gmail.mailer import GmailMailer
from followup.errors import LedgerError
from followup.model import Delivery, Mode, Outcome, RunReport
from followup.policy import Rules
from followup.ports import Ledger, Stores
from followup.settings import Languages, Modes
from followup.settings.rules import Policy
from gcp.gmail_server import GmailServer, GmailState
from gcp.net import free_port

RUN = date(2026, 11, 23)
YESTERDAY = date(2026, 11, 22)


def data() -> dict[int, Any]:
    acc1, acc2, acc3 = account(1), account(2), account(3, email="")
    return {
        DIV: division_data(
            [acc1, acc2, acc3],
            payments=[
                line(1, acc1.id, status=50, paid_on=YESTERDAY, timestamp=11),
                line(3, acc3.id, status=50, paid_on=YESTERDAY, timestamp=13),
            ],
            open_items=[line(4, acc2.id, due=date(2026, 11, 1))],
        )
    }


class Crash(BaseException):
    """The process dies here (nothing after it runs)."""


class CrashingLedger:
    """The real ledger that dies right after a claim, or instead of recording an outcome."""

    def __init__(self, inner: Ledger, after_claim: bool = False) -> None:
        self.inner, self.after_claim = inner, after_claim

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def claim(self, claim: Any) -> bool:
        won = self.inner.claim(claim)
        if self.after_claim:
            raise Crash("after the claim, before the send")
        return won

    def complete(self, *args: Any, **kwargs: Any) -> None:
        if not self.after_claim:
            raise Crash("after the send, before the outcome")
        self.inner.complete(*args, **kwargs)


def crashing(stores: Stores, after_claim: bool = False) -> Stores:
    """The stores with the crashing ledger for claims."""
    return replace(stores, claims=CrashingLedger(stores.claims, after_claim))


class CrashingMailer:
    """The real mailer that dies right after Gmail accepted the mail."""

    def __init__(self, inner: GmailMailer) -> None:
        self.inner = inner

    def deliver(self, message: EmailMessage, mode: Mode, key: str) -> Delivery:
        self.inner.deliver(message, mode, key)
        raise Crash("after the send")

    def find(self, claim: Any) -> Any:
        return self.inner.find(claim)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gmail(clock: FakeClock) -> Iterator[GmailServer]:
    with GmailServer(GmailState(now=clock.now)) as server:
        yield server


def mailer_on(gmail: GmailServer, clock: FakeClock, reconcile: bool) -> GmailMailer:
    scopes = scopes_for([Mode.SEND], reconcile)
    state = gmail.state
    creds = user_credentials(
        "refresh-SECRET", state.client_id, state.client_secret, scopes, gmail.token_uri
    )
    service_ = gmail_service(creds, api_endpoint=gmail.endpoint, timeout_seconds=5)
    return GmailMailer(service_, clock, scopes, rng=random.Random(3))


def deps(
    ledger: Stores, mailer: Any, clock: FakeClock, source: FakeSource | None = None
) -> service.Deps:
    return service.Deps(
        source=source or FakeSource(data()),
        ledger=ledger.claims,
        runlog=ledger.runs,
        mailer=mailer,
        composer=FakeComposer(),
        clock=clock,
        rules=Rules(
            Policy(reminders_on_working_days_only=False),
            Modes(confirmation=Mode.SEND, reminder=Mode.SEND),
            Languages(),
        ),
        pauses=ledger.pauses,
    )


def ledger_on(db: firestore.Client, prefix: str, clock: FakeClock) -> Stores:
    return open_stores(db, clock, prefix=prefix, timeout_seconds=5)


def outcomes(report: RunReport) -> list[str]:
    return sorted(e.outcome.value for e in report.entries())


def sent_keys(gmail: GmailServer) -> list[str]:
    return sorted(str(m.message["To"]) for m in gmail.state.sent())


@pytest.mark.parametrize("reconcile", [True, False])
def test_a_crash_after_the_claim_never_sends_twice(
    db: firestore.Client, prefix: str, clock: FakeClock, gmail: GmailServer, reconcile: bool
) -> None:
    ledger = ledger_on(db, prefix, clock)
    mailer = mailer_on(gmail, clock, reconcile)
    with pytest.raises(Crash):
        service.run(deps(crashing(ledger, after_claim=True), mailer, clock), RUN)
    assert gmail.state.sent() == []
    second = service.run(deps(ledger, mailer, clock), RUN)
    if reconcile:  # Sent was searched: provably absent, so delivered now, once
        assert outcomes(second) == ["sent", "sent", "skipped"]
        assert len(gmail.state.sent()) == 2
    else:  # can't look: reported, never sent automatically
        assert "uncertain" in outcomes(second)
        assert len(gmail.state.sent()) == 1
    third = service.run(deps(ledger, mailer, clock), RUN)
    assert "sent" not in outcomes(third)
    assert len(gmail.state.sent()) == (2 if reconcile else 1)


@pytest.mark.parametrize("reconcile", [True, False])
def test_a_crash_after_the_send_is_found_or_reported_never_resent(
    db: firestore.Client, prefix: str, clock: FakeClock, gmail: GmailServer, reconcile: bool
) -> None:
    ledger = ledger_on(db, prefix, clock)
    mailer = mailer_on(gmail, clock, reconcile)
    with pytest.raises(Crash):
        service.run(deps(ledger, CrashingMailer(mailer), clock), RUN)
    [first] = gmail.state.sent()
    clock.sleep(86_400)  # the next morning
    second = service.run(deps(ledger, mailer, clock), RUN)
    assert len(gmail.state.sent()) == 2  # the crashed one once, the other one once
    [key] = [e.key for e in second.entries() if e.recipient == str(first.message["To"])]
    if reconcile:
        assert ledger.claims.outcome(key) == (
            Outcome.SENT,
            "delivered by an earlier run that died before recording it",
        )
    else:
        assert ledger.claims.outcome(key)[0] is Outcome.UNCERTAIN  # type: ignore[index]


def test_a_crash_before_the_outcome_is_recovered_with_gmails_ids(
    db: firestore.Client, prefix: str, clock: FakeClock, gmail: GmailServer
) -> None:
    ledger = ledger_on(db, prefix, clock)
    mailer = mailer_on(gmail, clock, reconcile=True)
    with pytest.raises(Crash):
        service.run(deps(crashing(ledger), mailer, clock), RUN)
    [first] = gmail.state.sent()
    report = service.run(deps(ledger, mailer, clock), RUN)
    assert len(gmail.state.sent()) == 2
    recovered = [e for e in report.entries() if "died before recording" in e.reason]
    assert len(recovered) == 1
    data_ = (
        db.collection(f"{prefix}claims")
        .where(filter=firestore.FieldFilter("provider_id", "==", first.id))
        .get()
    )
    assert [d.get("thread_id") for d in data_] == [first.thread_id]


def test_a_lost_answer_from_gmail_stops_the_division_and_is_reconciled(
    db: firestore.Client, prefix: str, clock: FakeClock, gmail: GmailServer
) -> None:
    ledger = ledger_on(db, prefix, clock)
    mailer = mailer_on(gmail, clock, reconcile=True)
    gmail.state.drop_after = {"messages.send"}
    first = service.run(deps(ledger, mailer, clock), RUN)
    assert "may exist" in first.divisions[0].error
    service.run(deps(ledger, mailer, clock), RUN)
    assert len(gmail.state.sent()) == 2


def test_two_scheduler_invocations_at_once_send_each_mail_once(
    db: firestore.Client, prefix: str, clock: FakeClock, gmail: GmailServer
) -> None:
    start = threading.Barrier(2)

    def invocation(n: int) -> RunReport:
        client = firestore.Client(project=db.project)  # each invocation: its own clients
        run_deps = deps(ledger_on(client, prefix, clock), mailer_on(gmail, clock, True), clock)
        start.wait(10)
        return service.run(run_deps, RUN, run_id=f"invocation-{n}")

    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(pool.map(invocation, range(2)))
    assert len(gmail.state.sent()) == 2
    assert len(set(sent_keys(gmail))) == 2
    busy = [r for r in reports if "another run" in r.divisions[0].error]
    assert len(busy) <= 1  # the other waited out nothing: it was turned away, or came after
    again = service.run(
        deps(ledger_on(db, prefix, clock), mailer_on(gmail, clock, True), clock), RUN
    )
    assert "sent" not in outcomes(again)


def test_firestore_unavailable_at_the_start_fails_clearly_and_sends_nothing(
    firestore_emulator: str,
    clock: FakeClock,
    gmail: GmailServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{free_port()}")
    dead = open_stores(firestore.Client(project="followup-test"), clock, timeout_seconds=1)
    with pytest.raises(LedgerError, match="Firestore is unavailable") as caught:
        service.run(deps(dead, mailer_on(gmail, clock, True), clock), RUN)
    assert caught.value.retryable
    assert gmail.state.sent() == []
    assert gmail.state.calls == []
