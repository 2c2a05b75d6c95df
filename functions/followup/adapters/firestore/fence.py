"""Fenced writes: what finishes or replaces what a claim or lease started lands only on the
version of the document this run created or last read (docs/google-cloud.md).

Each such write is one document write with an `update_time` precondition (`Fence.option`).
Refused (FailedPrecondition: someone wrote the document since; NotFound: it is gone), the writer
reads what is there: when it is what this very write makes, an earlier attempt of the call
landed and only its answer was lost, so the write counts as done (`landed`); otherwise the
writer leaves the document alone and records what it found (`Refusals`): a warning in the log
and a `{prefix}refused_writes` document, never an overwrite.

Why not transactions: Google's emulator livelocks on contended transactions ("Transaction lock
timeout", firebase-tools #8300) and production gives up after 5 attempts, while a precondition
is one atomic write that never waits: the loser learns at once that it lost, on Firestore and
on the emulator alike. So no code here relies on a contended transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1 import CollectionReference
from google.cloud.firestore_v1._helpers import WriteOption

from followup.errors import LedgerError
from followup.ports import Clock

log = logging.getLogger(__name__)

REFUSED = (gexc.FailedPrecondition, gexc.NotFound)  # what a write with a stale fence gets
# What a refusal keeps of the document it found: who wrote it and what it says, not its items.
_FOUND = (
    "key",
    "claim_id",
    "run_id",
    "pending",
    "outcome",
    "reason",
    "provider_id",
    "trigger",
    "state",
    "attempt",
    "holder",
    "division",
    "sync_timestamp",
    "run_date",
    "complete",
)


@dataclass(frozen=True)
class Fence:
    """The version of a document that one write may replace."""

    write: str  # which write it fences ("complete", "release", ...): named in refusals
    update_time: datetime  # when this run created the document, or when the version it read was

    def option(self, client: firestore.Client) -> WriteOption | None:
        """The precondition: the document still has this update_time."""
        return client.write_option(last_update_time=self.update_time)


def written_at(result: Any) -> datetime:
    """The update_time of a snapshot or of a write's result (a datetime, from proto-plus)."""
    when = getattr(result, "update_time", None)
    if not isinstance(when, datetime):
        raise LedgerError("Firestore gave a document or a write without its update time")
    return when


def replacing(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The field updates that turn document `old` into exactly `new` in one `update()`."""
    return {**{name: firestore.DELETE_FIELD for name in old if name not in new}, **new}


def landed(found: dict[str, Any] | None, updates: dict[str, Any]) -> bool:
    """Whether a document already holds every one of these field updates."""
    if found is None:
        return False
    for name, value in updates.items():
        if value is firestore.DELETE_FIELD:
            if name in found:
                return False
        elif found.get(name) != value:
            return False
    return True


class Refusals:
    """Where a fenced write that was refused says what it found instead."""

    def __init__(
        self, collection: CollectionReference, clock: Clock, keep: timedelta, opts: dict[str, Any]
    ) -> None:
        self._collection = collection
        self._clock = clock
        self._keep = keep
        self._opts = opts

    def record(
        self, fence: str, path: str, ours: dict[str, Any], found: dict[str, Any] | None
    ) -> None:
        """Log the refusal and keep it; a failure to keep it is only logged."""
        seen = {k: found[k] for k in _FOUND if k in found} if found is not None else None
        mine = {k: v for k, v in ours.items() if v is not firestore.DELETE_FIELD}
        log.warning(
            "%s of %s refused: it is no longer the version this run wrote or read, or it is ahead "
            "of this write; found %s there and kept it instead of writing %s",
            fence,
            path,
            seen if seen is not None else "nothing",
            mine,
        )
        now = self._clock.now()
        record = {
            "write": fence,
            "document": path,
            "ours": mine,
            "found": seen,
            "refused_at": now,
            "expire_at": now + self._keep,
        }
        try:
            self._collection.document().create(record, **self._opts)
        except gexc.GoogleAPIError as exc:
            log.warning("could not keep the refusal of %s on %s: %s", fence, path, exc)
