"""The payment watermark of each division, `{prefix}watermarks/{division}`, in Firestore.

A watermark only moves forward (never to a lower `sync_timestamp` than stored; an equal one may
change the run date and `complete`), and `advance` writes only over the version this run read
or wrote: `create()` where there was none, else an `update()` fenced on its `update_time`
(fence.py). A stale run, whose successor advanced meanwhile, records what it found
and leaves the successor's watermark as it is.

Callers wrap these calls: Firestore's own errors come out as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud.firestore_v1 import DocumentReference, DocumentSnapshot

from followup.adapters.firestore.connection import FirestoreConnection
from followup.adapters.firestore.fence import REFUSED, Fence, landed, written_at
from followup.model import Watermark


@dataclass(frozen=True)
class _Read:
    """The version of a watermark this run read or wrote (no update_time: there was none)."""

    update_time: datetime | None
    sync_timestamp: int | None


class Watermarks:
    """Reads and fenced writes of the watermarks; remembers the version of each it saw."""

    def __init__(self, db: FirestoreConnection) -> None:
        self._client = db.client
        self._collection = db.collection("watermarks")
        self._refusals = db.refusals
        self._opts = db.opts
        self._read: dict[int, _Read] = {}

    def read(self, division: int) -> Watermark | None:
        """The division's watermark (remembered: `advance` fences on it)."""
        snap = self._collection.document(str(division)).get(**self._opts)
        self._remember(division, snap)
        if not snap.exists:
            return None
        data = snap.to_dict() or {}
        return Watermark(
            int(data["sync_timestamp"]),
            date.fromisoformat(data["run_date"]),
            bool(data.get("complete", True)),
            tuple(sorted((str(k), int(v)) for k, v in (data.get("listing_pages") or {}).items())),
            data.get("replies_seen"),
        )

    def advance(self, division: int, fields: dict[str, Any]) -> None:
        """Store these watermark fields, forward only, over the version last read or written."""
        doc = self._collection.document(str(division))
        if division not in self._read:
            self.read(division)
        seen = self._read[division]
        if seen.sync_timestamp is not None and fields["sync_timestamp"] < seen.sync_timestamp:
            self._refused(division, doc, fields)  # a watermark never moves back
            return
        try:
            if seen.update_time is None:  # there was none: create it, if there still is none
                written = doc.create(fields, **self._opts)
            else:
                fence = Fence("advance", seen.update_time)
                written = doc.update(fields, option=fence.option(self._client), **self._opts)
        except (*REFUSED, gexc.AlreadyExists):
            self._refused(division, doc, fields)
            return
        self._read[division] = _Read(written_at(written), int(fields["sync_timestamp"]))

    def _refused(self, division: int, doc: DocumentReference, fields: dict[str, Any]) -> None:
        snap = doc.get(**self._opts)
        found = snap.to_dict() if snap.exists else None
        if landed(found, fields):  # ours landed; a retry of the call was refused
            self._remember(division, snap)
        else:
            self._refusals.record("advance", doc.path, fields, found)

    def _remember(self, division: int, snap: DocumentSnapshot[Any]) -> None:
        if not snap.exists:
            self._read[division] = _Read(None, None)
            return
        stored = (snap.to_dict() or {}).get("sync_timestamp")
        self._read[division] = _Read(written_at(snap), int(stored) if stored is not None else None)
