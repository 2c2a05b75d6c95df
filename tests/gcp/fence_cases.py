"""The interleavings that the Firestore adapters' fenced writes exist for, one function each.

Each takes a Firestore client on the emulator, a fresh collection prefix and a fake clock, and
plays two or three runs (ledgers, trigger books) against the same documents in one order.
test_fenced_writes.py runs each as a test; the mutation check runs them all with one
precondition taken out and expects one to fail. Ledgers checked the lease before writing; a run
that stalls between that check and its write is a ledger whose lease is not in play here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from google.cloud import firestore

from fakes import FakeClock
from followup.adapters.firestore import open_stores
from followup.adapters.firestore.connection import FirestoreConnection, doc_id
from followup.adapters.firestore.trigger_book import FirestoreTriggerBook
from followup.clock import AMSTERDAM
from followup.model import Claim, Delivery, MailKind, Mode, Outcome, Watermark
from followup.ports import Begun, Stores
from gcp.interleave import paused

Case = Callable[[firestore.Client, str, FakeClock], None]
LEASE = 60
KEY = "100/reminder/1001/L1/abc"
CALL = "followup-daily@2026-11-23T08:00:00+00:00"
DAY = date(2026, 11, 23)


def claim(run_id: str = "run-1") -> Claim:
    return Claim(
        key=KEY,
        division=100,
        kind=MailKind.REMINDER,
        item_ids=("e1@L1",),
        recipient="info@klant.example.nl",
        subject="Herinnering",
        amount=Decimal("12.50"),
        currency="EUR",
        claimed_at=datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM),
        run_id=run_id,
    )


def ledger(db: firestore.Client, prefix: str, clock: FakeClock) -> Stores:
    return open_stores(db, clock, prefix=prefix, lease_seconds=LEASE, timeout_seconds=5)


def book(db: firestore.Client, prefix: str, clock: FakeClock) -> FirestoreTriggerBook:
    connection = FirestoreConnection(db, clock, prefix=prefix, timeout_seconds=5)
    return FirestoreTriggerBook(connection, lease_seconds=LEASE)


def stored_claim(db: firestore.Client, prefix: str) -> dict[str, Any]:
    snap = db.collection(f"{prefix}claims").document(doc_id(KEY)).get()
    return snap.to_dict() or {}


def refusals(db: firestore.Client, prefix: str) -> list[dict[str, Any]]:
    """The refused writes, as recorded."""
    return [d.to_dict() or {} for d in db.collection(f"{prefix}refused_writes").stream()]


# --- complete(): a run that stalled past its lease wakes up --------------------------------


def a_run_waking_after_its_lease_leaves_its_successors_outcome(
    db: firestore.Client, prefix: str, clock: FakeClock
) -> None:
    slow, successor = ledger(db, prefix, clock), ledger(db, prefix, clock)
    with slow.runs.division_lock(100):
        assert slow.claims.claim(claim("slow"))
        clock.sleep(LEASE + 1)  # stalled in delivery, past its lease
        with successor.runs.division_lock(100):  # takes the division over and settles the leftover
            [left] = successor.claims.unfinished(100)
            # the mailer found nothing (the slow run had sent nothing)
            successor.claims.release(left.key)
            assert successor.claims.claim(claim("successor"))
            successor.claims.complete(KEY, Outcome.SENT, Delivery(Mode.SEND, "m-2", "t-2"))
        slow.claims.complete(KEY, Outcome.FAILED, reason="the delivery timed out")  # wakes up
    found = stored_claim(db, prefix)
    assert (found["run_id"], found["outcome"]) == ("successor", "sent")
    assert not ledger(db, prefix, clock).claims.claim(claim("third"))  # never claimable again
    [refused] = refusals(db, prefix)
    assert (refused["write"], refused["ours"]["outcome"]) == ("complete", "failed")
    assert (refused["found"]["run_id"], refused["found"]["outcome"]) == ("successor", "sent")
    assert refused["expire_at"] > clock.now()


# --- release(): a reconciler stalls between reading a leftover and releasing it -------------


def a_stalled_reconciler_leaves_its_successors_claim(
    db: firestore.Client, prefix: str, clock: FakeClock
) -> None:
    assert ledger(db, prefix, clock).claims.claim(claim("crashed"))  # its run died: no outcome
    stalled, successor = ledger(db, prefix, clock), ledger(db, prefix, clock)
    [left] = stalled.claims.unfinished(100)  # then it asks the mailer, slowly
    successor.claims.unfinished(100)
    successor.claims.release(left.key)
    assert successor.claims.claim(claim("successor"))  # planned again, being delivered now
    stalled.claims.release(left.key)  # the mailer said: never delivered
    assert stored_claim(db, prefix)["run_id"] == "successor"
    assert not ledger(db, prefix, clock).claims.claim(claim("third"))
    assert [r["write"] for r in refusals(db, prefix)] == ["release"]


# --- claim(): a failed claim replaced by one write --------------------------------------------


def failed_claim(db: firestore.Client, prefix: str, clock: FakeClock) -> None:
    first = ledger(db, prefix, clock)
    assert first.claims.claim(claim("first"))
    first.claims.complete(KEY, Outcome.FAILED, reason="quota")


def a_crash_while_replacing_a_failed_claim_never_strands_it(
    db: firestore.Client, prefix: str, clock: FakeClock, before_write: int
) -> None:
    failed_claim(db, prefix, clock)
    dying = ledger(db, prefix, clock)
    with paused(lambda: dying.claims.claim(claim("dying")), before_write=before_write) as step:
        if step.held:
            step.crash()
    later = ledger(db, prefix, clock)
    leftover = [c.run_id for c in later.claims.unfinished(100)]
    assert leftover == ["dying"] or later.claims.claim(claim("later")), (
        "the key can never be claimed"
    )


def two_reclaimers_that_both_read_the_failed_claim_one_wins(
    db: firestore.Client, prefix: str, clock: FakeClock
) -> None:
    failed_claim(db, prefix, clock)
    slow, fast = ledger(db, prefix, clock), ledger(db, prefix, clock)
    with paused(lambda: slow.claims.claim(claim("slow")), before_write=2) as step:  # read it failed
        assert step.held
        assert fast.claims.claim(claim("fast"))
        assert step.resume() is False
    found = stored_claim(db, prefix)
    assert (found["run_id"], found["pending"]) == ("fast", True)


# --- the trigger book: takeovers and late finishers --------------------------------------------


def a_late_finisher_never_stamps_its_successors_attempt(
    db: firestore.Client, prefix: str, clock: FakeClock
) -> None:
    first = book(db, prefix, clock)
    assert first.begin(CALL, DAY) is Begun.NEW
    clock.sleep(LEASE + 1)  # it looks dead
    with paused(lambda: first.finish(CALL, retry=True), before_write=1) as step:
        assert step.held  # it finishes after all, slowly
        second = book(db, prefix, clock)
        assert second.begin(CALL, DAY) is Begun.NEW  # meanwhile the call was taken over
        step.resume()
    assert book(db, prefix, clock).begin(CALL, DAY) is Begun.RUNNING  # no third attempt
    second.finish(CALL, retry=False)
    assert book(db, prefix, clock).begin(CALL, DAY) is Begun.DONE
    [refused] = refusals(db, prefix)
    assert (refused["write"], refused["found"]["attempt"]) == ("finish", 2)


def two_invocations_taking_over_one_attempt_start_one(
    db: firestore.Client, prefix: str, clock: FakeClock
) -> None:
    first = book(db, prefix, clock)
    assert first.begin(CALL, DAY) is Begun.NEW
    first.finish(CALL, retry=True)
    slow, fast = book(db, prefix, clock), book(db, prefix, clock)
    with paused(lambda: slow.begin(CALL, DAY), before_write=2) as step:  # read it: retry
        assert step.held
        assert fast.begin(CALL, DAY) is Begun.NEW
        assert step.resume() is Begun.RUNNING


def a_takeover_that_finds_the_attempt_finished_starts_nothing(
    db: firestore.Client, prefix: str, clock: FakeClock
) -> None:
    first = book(db, prefix, clock)
    assert first.begin(CALL, DAY) is Begun.NEW
    clock.sleep(LEASE + 1)
    taker = book(db, prefix, clock)
    with paused(lambda: taker.begin(CALL, DAY), before_write=2) as step:  # read it: expired
        assert step.held
        first.finish(CALL, retry=False)  # it was alive after all, and is done
        assert step.resume() is Begun.DONE


def a_crash_while_taking_over_never_strands_the_call(
    db: firestore.Client, prefix: str, clock: FakeClock, before_write: int
) -> None:
    first = book(db, prefix, clock)
    assert first.begin(CALL, DAY) is Begun.NEW
    first.finish(CALL, retry=True)
    dying = book(db, prefix, clock)
    with paused(lambda: dying.begin(CALL, DAY), before_write=before_write) as step:
        if step.held:
            step.crash()
    clock.sleep(LEASE + 1)  # whatever it wrote, its lease is over
    assert book(db, prefix, clock).begin(CALL, DAY) is Begun.NEW


# --- advance(): a stale run --------------------------------------------------------------------


def a_stale_advance_leaves_the_successors_watermark(
    db: firestore.Client, prefix: str, clock: FakeClock, stale: int
) -> None:
    ledger(db, prefix, clock).runs.advance(100, Watermark(10, date(2026, 11, 22)))
    old, successor = ledger(db, prefix, clock), ledger(db, prefix, clock)
    assert old.runs.watermark(100) == Watermark(10, date(2026, 11, 22))  # then it stalls
    successor.runs.watermark(100)
    successor.runs.advance(100, Watermark(15, DAY))
    old.runs.advance(100, Watermark(stale, DAY))
    assert ledger(db, prefix, clock).runs.watermark(100) == Watermark(15, DAY)
    [refused] = refusals(db, prefix)
    assert (refused["write"], refused["found"]["sync_timestamp"]) == ("advance", 15)


def a_watermark_only_moves_forward(db: firestore.Client, prefix: str, clock: FakeClock) -> None:
    one = ledger(db, prefix, clock)
    one.runs.advance(100, Watermark(50, DAY))
    one.runs.advance(100, Watermark(40, date(2026, 11, 24)))  # behind: refused
    assert one.runs.watermark(100) == Watermark(50, DAY)
    one.runs.advance(100, Watermark(50, date(2026, 11, 24), complete=False))  # equal: taken
    assert ledger(db, prefix, clock).runs.watermark(100) == Watermark(50, date(2026, 11, 24), False)


CASES: dict[str, Case] = {
    "complete": a_run_waking_after_its_lease_leaves_its_successors_outcome,
    "release": a_stalled_reconciler_leaves_its_successors_claim,
    "replace: crash": lambda db, p, c: a_crash_while_replacing_a_failed_claim_never_strands_it(
        db, p, c, 3
    ),
    "replace: race": two_reclaimers_that_both_read_the_failed_claim_one_wins,
    "finish": a_late_finisher_never_stamps_its_successors_attempt,
    "take over: race": two_invocations_taking_over_one_attempt_start_one,
    "take over: finished": a_takeover_that_finds_the_attempt_finished_starts_nothing,
    "take over: crash": lambda db, p, c: a_crash_while_taking_over_never_strands_the_call(
        db, p, c, 3
    ),
    "advance: behind": lambda db, p, c: a_stale_advance_leaves_the_successors_watermark(
        db, p, c, 12
    ),
    "advance: ahead": lambda db, p, c: a_stale_advance_leaves_the_successors_watermark(
        db, p, c, 20
    ),
    "advance: forward": a_watermark_only_moves_forward,
}
