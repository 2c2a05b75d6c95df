"""The trigger book in Firestore: which scheduler calls were taken.

`{prefix}triggers/{call}` is created by the first invocation of a call (`create()` is atomic).
A repeated call finds it: `done` → nothing to do; `running` within its lease → another
invocation is at it. An attempt that ended with `retry`, or whose lease ran out (the invocation
died), is taken over by replacing the marker in one write fenced on the version read
(fence.py): of racing invocations one lands, and a crash leaves the old attempt or the
new one, nothing in between. `finish()` writes only over the version its own attempt wrote, so a
late finisher never stamps its successor's attempt; refused, it records what it found
(`{prefix}refused_writes`). No contended transaction: fence.py says why, and
docs/google-cloud.md has the crash windows. Documents carry `expire_at` (the TTL field).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud.firestore_v1 import DocumentReference

from followup.adapters.firestore.connection import FirestoreConnection, calling, doc_id
from followup.adapters.firestore.fence import REFUSED, Fence, landed, replacing, written_at
from followup.ports import Begun, TriggerBook


class FirestoreTriggerBook(TriggerBook):
    """TriggerBook on Firestore: the collection `{prefix}triggers`; `lease_seconds`: how long
    an invocation holds a call before another may take it over."""

    def __init__(self, db: FirestoreConnection, *, lease_seconds: float = 1860.0) -> None:
        self._db = db
        self._client = db.client
        self._clock = db.clock
        self._triggers = db.collection("triggers")
        self._lease = timedelta(seconds=lease_seconds)
        self._opts = db.opts
        self._mine: dict[str, tuple[str, datetime]] = {}  # call → our holder, our marker's version

    def begin(self, trigger: str, run_date: date) -> Begun:
        """Take a scheduler call once (see the module docstring)."""
        doc = self._triggers.document(doc_id(trigger))
        fields = self._fields(trigger, run_date, attempt=1)
        with calling(f"taking the scheduler call {trigger}"):
            for _ in range(4):  # the marker changed while we looked: look again
                try:
                    written = doc.create(fields, **self._opts)
                except gexc.AlreadyExists:
                    begun = self._take_over(doc, trigger, run_date, fields["holder"])
                    if begun is not None:
                        return begun
                    continue
                self._mine[trigger] = (fields["holder"], written_at(written))
                return Begun.NEW
        return Begun.RUNNING

    def _take_over(
        self, doc: DocumentReference, trigger: str, run_date: date, holder: str
    ) -> Begun | None:
        """DONE, RUNNING, NEW when we replaced the old attempt; None: look again."""
        snap = doc.get(**self._opts)
        if not snap.exists:
            return None
        old = snap.to_dict() or {}
        if old.get("holder") == holder:  # our create landed; a retry of the call was refused
            self._mine[trigger] = (holder, written_at(snap))
            return Begun.NEW
        state = old.get("state")
        if state == "done":
            return Begun.DONE
        now = self._clock.now()
        if state == "running" and old.get("lease_until") and old["lease_until"] > now:
            return Begun.RUNNING
        fields = self._fields(trigger, run_date, attempt=int(old.get("attempt") or 1) + 1)
        fields["holder"] = holder
        fence = Fence("take over", written_at(snap))
        try:
            written = doc.update(
                replacing(old, fields), option=fence.option(self._client), **self._opts
            )
        except REFUSED:
            return None  # another invocation came first (or the attempt finished)
        self._mine[trigger] = (holder, written_at(written))
        return Begun.NEW

    def finish(self, trigger: str, *, retry: bool) -> None:
        """Record the end of our attempt: only over our own marker (see the module docstring)."""
        mine = self._mine.pop(trigger, None)
        if mine is None:
            return
        holder, version = mine
        doc = self._triggers.document(doc_id(trigger))
        update = {"state": "retry" if retry else "done", "finished_at": self._clock.now()}
        ours, fence = {"holder": holder, **update}, Fence("finish", version)
        with calling(f"finishing the scheduler call {trigger}"):
            try:
                doc.update(update, option=fence.option(self._client), **self._opts)
            except REFUSED:
                snap = doc.get(**self._opts)
                found = snap.to_dict() if snap.exists else None
                if not landed(found, ours):  # else ours landed; a retry of the call was refused
                    self._db.refusals.record(fence.write, doc.path, ours, found)

    def _fields(self, trigger: str, run_date: date, *, attempt: int) -> dict[str, Any]:
        now = self._clock.now()
        return {
            "trigger": trigger,
            "run_date": run_date.isoformat(),
            "state": "running",
            "attempt": attempt,
            "holder": uuid.uuid4().hex,
            "started_at": now,
            "lease_until": now + self._lease,
            "expire_at": now + self._db.keep,
        }
