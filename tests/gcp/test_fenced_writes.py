"""The interleavings each fenced write exists for, on Google's Firestore emulator (the npm one
ignores `update_time` preconditions: there these tests are skipped), and the mutation check:
take any one precondition out and some interleaving fails."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from google.cloud import firestore

from fakes import FakeClock
from followup.adapters.firestore.fence import Fence
from followup.clock import AMSTERDAM
from gcp import fence_cases as cases

pytestmark = pytest.mark.real_firestore
SITES = ("complete", "release", "replace", "take over", "finish", "advance")


def test_a_run_waking_after_its_lease_leaves_its_successors_outcome(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    cases.a_run_waking_after_its_lease_leaves_its_successors_outcome(db, prefix, fclock)


def test_a_stalled_reconciler_leaves_its_successors_claim(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    cases.a_stalled_reconciler_leaves_its_successors_claim(db, prefix, fclock)


@pytest.mark.parametrize("before_write", [1, 2, 3])
def test_a_crash_while_replacing_a_failed_claim_never_strands_it(
    db: firestore.Client, prefix: str, fclock: FakeClock, before_write: int
) -> None:
    cases.a_crash_while_replacing_a_failed_claim_never_strands_it(db, prefix, fclock, before_write)


def test_two_reclaimers_that_both_read_the_failed_claim_one_wins(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    cases.two_reclaimers_that_both_read_the_failed_claim_one_wins(db, prefix, fclock)


def test_a_late_finisher_never_stamps_its_successors_attempt(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    cases.a_late_finisher_never_stamps_its_successors_attempt(db, prefix, fclock)


def test_two_invocations_taking_over_one_attempt_start_one(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    cases.two_invocations_taking_over_one_attempt_start_one(db, prefix, fclock)


def test_a_takeover_that_finds_the_attempt_finished_starts_nothing(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    cases.a_takeover_that_finds_the_attempt_finished_starts_nothing(db, prefix, fclock)


@pytest.mark.parametrize("before_write", [1, 2, 3])
def test_a_crash_while_taking_over_never_strands_the_call(
    db: firestore.Client, prefix: str, fclock: FakeClock, before_write: int
) -> None:
    cases.a_crash_while_taking_over_never_strands_the_call(db, prefix, fclock, before_write)


@pytest.mark.parametrize("stale", [12, 20])
def test_a_stale_advance_leaves_the_successors_watermark(
    db: firestore.Client, prefix: str, fclock: FakeClock, stale: int
) -> None:
    cases.a_stale_advance_leaves_the_successors_watermark(db, prefix, fclock, stale)


def test_a_watermark_only_moves_forward(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    cases.a_watermark_only_moves_forward(db, prefix, fclock)


@pytest.mark.parametrize("site", SITES)
def test_taking_out_any_one_precondition_fails_an_interleaving(
    db: firestore.Client, monkeypatch: pytest.MonkeyPatch, site: str
) -> None:
    fenced, used = Fence.option, set[str]()

    def without(self: Fence, client: firestore.Client) -> object:
        used.add(self.write)
        return None if self.write == site else fenced(self, client)

    monkeypatch.setattr(Fence, "option", without)
    failed = []
    for name, case in cases.CASES.items():
        try:
            case(db, f"m{uuid.uuid4().hex[:10]}_", FakeClock(datetime.now(AMSTERDAM)))
        except Exception as exc:
            failed.append(f"{name}: {type(exc).__name__}")
    assert site in used, f"no case reached the {site} precondition"
    assert failed, f"every interleaving passed without the {site} precondition"
