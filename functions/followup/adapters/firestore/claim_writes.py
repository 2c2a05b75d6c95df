"""The claim documents of the Firestore ledger: who may deliver a mail, and what became of it.

- A claim is the creation of `{prefix}claims/{key}` (`create()` is atomic): a second creator
  gets AlreadyExists and has not claimed.
- A claim whose outcome is a plain `failed` may be claimed again: the new claim replaces it in
  one `update()` fenced on the version read (fence.py). Of racing reclaimers exactly
  one lands, and a crash leaves the failed claim or the new one, never something in between.
- `complete()` and `release()` write only over the version of the claim this ledger created or
  last read (`claim` and `unfinished` remember it). A run that stalled past its lease and wakes
  up finds its successor's claim there instead: it records that and overwrites nothing.

Callers wrap these calls: Firestore's own errors come out as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud.firestore_v1 import DocumentReference, DocumentSnapshot

from followup.adapters.firestore.connection import FirestoreConnection
from followup.adapters.firestore.fence import REFUSED, Fence, landed, replacing, written_at
from followup.errors import LedgerError
from followup.model import Outcome

_FAILED = Outcome.FAILED.value


@dataclass(frozen=True)
class Seen:
    """The version of a claim this ledger created or last read."""

    claim_id: str
    update_time: datetime
    pending: bool


class ClaimWrites:
    """The writes to claim documents, each fenced; remembers the versions it made or read."""

    def __init__(self, db: FirestoreConnection) -> None:
        self._client = db.client
        self._refusals = db.refusals
        self._opts = db.opts
        self._seen: dict[str, Seen] = {}

    def create(self, doc: DocumentReference, fields: dict[str, Any]) -> bool:
        """Create the claim, or replace a failed one in one fenced write; False: claimed."""
        key, claim_id = str(fields["key"]), str(fields["claim_id"])
        for _ in range(4):  # the claim changed while we looked (released, replaced): look again
            try:
                written = doc.create(fields, **self._opts)
            except gexc.AlreadyExists:
                snap = doc.get(**self._opts)
                if not snap.exists:
                    continue
                old = snap.to_dict() or {}
                if old.get("claim_id") == claim_id:  # ours landed; a retry of the call was refused
                    self._seen[key] = Seen(claim_id, written_at(snap), True)
                    return True
                if old.get("outcome") != _FAILED:
                    return False
                fence = Fence("replace", written_at(snap))
                try:
                    written = doc.update(
                        replacing(old, fields), option=fence.option(self._client), **self._opts
                    )
                except REFUSED:
                    continue  # another reclaimer came first, or ours landed: the next look tells
            self._seen[key] = Seen(claim_id, written_at(written), True)
            return True
        return False

    def complete(self, doc: DocumentReference, key: str, update: dict[str, Any]) -> None:
        """Write an outcome over the version we made or read (or, unknown, a pending one now)."""
        known = self._seen.get(key)
        seen = known or self._read(doc)
        if seen is None:
            raise LedgerError(f"no claim {key!r} to record an outcome for")
        ours = {"claim_id": seen.claim_id, **update}
        fence = Fence("complete", seen.update_time)
        if known is None and not seen.pending:  # not ours, and it has an outcome already
            self._refused(doc, key, fence, ours)
            return
        try:
            written = doc.update(update, option=fence.option(self._client), **self._opts)
        except REFUSED:
            self._refused(doc, key, fence, ours)
            return
        self._seen[key] = Seen(seen.claim_id, written_at(written), False)

    def _refused(
        self, doc: DocumentReference, key: str, fence: Fence, ours: dict[str, Any]
    ) -> None:
        snap = doc.get(**self._opts)
        found = snap.to_dict() if snap.exists else None
        if landed(found, ours):  # ours landed; a retry of the call was refused
            self._seen[key] = Seen(str(ours["claim_id"]), written_at(snap), False)
        else:
            self._refusals.record(fence.write, doc.path, ours, found)

    def release(self, doc: DocumentReference, key: str) -> None:
        """Delete the claim, if the version we made or read is still there and has no outcome."""
        seen = self._seen.pop(key, None) or self._read(doc)
        if seen is None or not seen.pending:
            return
        fence = Fence("release", seen.update_time)
        try:
            doc.delete(option=fence.option(self._client), **self._opts)
        except REFUSED:
            snap = doc.get(**self._opts)
            if not snap.exists:
                return  # gone: our delete landed after all, or another run's did
            ours = {"claim_id": seen.claim_id, "released": True}
            self._refusals.record(fence.write, doc.path, ours, snap.to_dict() or {})

    def remember(self, snap: DocumentSnapshot[Any]) -> None:
        """A claim read by a listing (the version a later complete or release fences on)."""
        data = snap.to_dict() or {}
        key = str(data.get("key") or "")
        if key:
            claim_id = str(data.get("claim_id") or "")
            self._seen[key] = Seen(claim_id, written_at(snap), bool(data.get("pending")))

    def _read(self, doc: DocumentReference) -> Seen | None:
        snap = doc.get(**self._opts)
        if not snap.exists:
            return None
        data = snap.to_dict() or {}
        return Seen(str(data.get("claim_id") or ""), written_at(snap), bool(data.get("pending")))
