"""The create()-only lease on the Firestore emulator: one holder, expiry, takeover, renewal."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from google.cloud import firestore

from fakes import FakeClock
from followup.adapters.firestore.lease import FirestoreLease


def lease(
    db: firestore.Client, prefix: str, clock: FakeClock, holder: str, seconds: float = 60
) -> FirestoreLease:
    return FirestoreLease(
        db.collection(f"{prefix}leases"), "division-100", clock, seconds, holder=holder
    )


def test_a_free_lease_is_taken_and_a_second_holder_is_refused(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    one, two = lease(db, prefix, fclock, "one"), lease(db, prefix, fclock, "two")
    assert one.try_acquire()
    assert not two.try_acquire()
    assert two.last_seen is not None
    assert two.last_seen.holder == "one"


def test_a_released_lease_can_be_taken_again_many_times(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    one, two = lease(db, prefix, fclock, "one"), lease(db, prefix, fclock, "two")
    for _ in range(3):
        assert one.try_acquire()
        one.release()
        assert two.try_acquire()
        assert not one.try_acquire()
        two.release()


def test_an_expired_lease_is_taken_over_and_its_old_holder_knows_it_lost(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    crashed, taker = lease(db, prefix, fclock, "crashed"), lease(db, prefix, fclock, "taker")
    assert crashed.try_acquire()
    fclock.sleep(61)
    assert taker.try_acquire()
    assert not crashed.ensure()
    crashed.release()  # a no-op: it is not the holder any more
    assert not lease(db, prefix, fclock, "third").try_acquire()
    taker.release()
    assert lease(db, prefix, fclock, "third").try_acquire()


def test_renewing_keeps_a_long_holder_in_and_others_out(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    holder, other = lease(db, prefix, fclock, "holder"), lease(db, prefix, fclock, "other")
    assert holder.try_acquire()
    for _ in range(5):
        fclock.sleep(40)  # past half of 60 s: renewed each time
        assert holder.ensure()
        assert not other.try_acquire()


@pytest.mark.parametrize("expired", [False, True])
def test_of_many_racing_takers_exactly_one_wins(
    db: firestore.Client, prefix: str, fclock: FakeClock, expired: bool
) -> None:
    if expired:
        assert lease(db, prefix, fclock, "crashed").try_acquire()
        fclock.sleep(61)
    takers = [lease(db, prefix, fclock, f"t{i}") for i in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        won = list(pool.map(lambda t: t.try_acquire(), takers))
    assert won.count(True) == 1
