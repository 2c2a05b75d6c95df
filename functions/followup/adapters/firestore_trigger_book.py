"""The trigger book in Firestore: which scheduler calls were taken, built on `create()`.

`{prefix}triggers/{call}` is created by the first invocation of a call: atomic on Firestore and
on the emulator alike (docs/google-cloud.md). A repeated call finds it: `done` → nothing to do;
`running` within its lease → another invocation is at it. An attempt that ended with `retry`,
or whose lease ran out (the invocation died), is taken over by whoever creates
`{prefix}trigger_takeovers/{call}~{attempt}` first; the winner rewrites the marker.
Both documents carry `expire_at` (the TTL field).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from followup.adapters.firestore_lease import Calls, firestore_failure
from followup.adapters.firestore_ledger import doc_id
from followup.cloud.ports import Begun
from followup.ports import Clock


class FirestoreTriggerBook:
    """TriggerBook on Firestore; collections `{prefix}triggers` and `{prefix}trigger_takeovers`."""

    def __init__(
        self,
        client: firestore.Client,
        clock: Clock,
        *,
        prefix: str = "followup_",
        lease_seconds: float = 1860.0,
        retention_days: int = 400,
        timeout_seconds: float = 20.0,
    ) -> None:
        self._client = client
        self._clock = clock
        self.prefix = prefix
        self._lease = timedelta(seconds=lease_seconds)
        self._keep = timedelta(days=retention_days)
        self._opts = Calls(timeout_seconds).options()
        self._mine: dict[str, str] = {}

    def begin(self, trigger: str, run_date: date) -> Begun:
        """Take a scheduler call once (see the module docstring)."""
        doc = self._client.collection(f"{self.prefix}triggers").document(doc_id(trigger))
        fields = self._fields(trigger, run_date, attempt=1)
        with _firestore(f"taking the scheduler call {trigger}"):
            try:
                doc.create(fields, **self._opts)
            except gexc.AlreadyExists:
                return self._take_over(doc, trigger, run_date)
        self._mine[trigger] = fields["holder"]
        return Begun.NEW

    def _take_over(self, doc: Any, trigger: str, run_date: date) -> Begun:
        old = doc.get(**self._opts).to_dict() or {}
        state = old.get("state")
        if state == "done":
            return Begun.DONE
        now = self._clock.now()
        if state == "running" and old.get("lease_until") and old["lease_until"] > now:
            return Begun.RUNNING
        attempt = int(old.get("attempt") or 1)
        takeover = self._client.collection(f"{self.prefix}trigger_takeovers").document(
            f"{doc_id(trigger)}~{attempt}"
        )
        try:
            takeover.create({"trigger": trigger, "expire_at": now + self._keep}, **self._opts)
        except gexc.AlreadyExists:
            return Begun.RUNNING
        fields = self._fields(trigger, run_date, attempt=attempt + 1)
        doc.set(fields, **self._opts)
        self._mine[trigger] = fields["holder"]
        return Begun.NEW

    def finish(self, trigger: str, *, retry: bool) -> None:
        """Record the end of our attempt (not if another invocation took the call over)."""
        holder = self._mine.pop(trigger, None)
        if holder is None:
            return
        doc = self._client.collection(f"{self.prefix}triggers").document(doc_id(trigger))
        with _firestore(f"finishing the scheduler call {trigger}"):
            if (doc.get(**self._opts).to_dict() or {}).get("holder") != holder:
                return
            now = self._clock.now()
            doc.update({"state": "retry" if retry else "done", "finished_at": now}, **self._opts)

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
            "expire_at": now + self._keep,
        }


@contextmanager
def _firestore(what: str) -> Iterator[None]:
    try:
        yield
    except gexc.GoogleAPIError as exc:
        raise firestore_failure(exc, what) from None
