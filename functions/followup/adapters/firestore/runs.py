"""Per-division run state in Firestore (the RunLog port): the division lock, a lease in
`{prefix}leases` (lease.py), the payment watermark (watermarks.py) and `{prefix}runs/{run_id}`.

While a run holds its division's lease, the claims sharing its connection are fenced by it
(`FirestoreConnection.fenced_by`); so is the watermark it advances.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from followup.adapters.firestore.connection import FirestoreConnection, calling
from followup.adapters.firestore.lease import FirestoreLease
from followup.adapters.firestore.watermarks import Watermarks
from followup.errors import LedgerBusy, LedgerError
from followup.model import RunReport, Watermark
from followup.ports import RunLog
from followup.report import report_to_dict

log = logging.getLogger(__name__)


class FirestoreRuns(RunLog):
    """The RunLog port on Firestore; `lease_seconds`: how long a division's lease lasts
    unrenewed (a crashed run's division is free again after it)."""

    def __init__(
        self, db: FirestoreConnection, *, lease_seconds: float = 1800.0, holder: str | None = None
    ) -> None:
        self._db = db
        self._lease_seconds = lease_seconds
        self._holder = holder
        self._watermarks = Watermarks(db)

    @contextmanager
    def division_lock(self, division: int) -> Iterator[None]:
        """Hold a division's lease for this run; LedgerBusy while another live run holds it."""
        lease = FirestoreLease(
            self._db.collection("leases"),
            f"division-{division}",
            self._db.clock,
            self._lease_seconds,
            holder=self._holder,
            calls=self._db.calls,
        )
        if not lease.try_acquire():
            seen = lease.last_seen
            holder = f" ({seen.holder}, lease until {seen.expires_at.isoformat()})" if seen else ""
            raise LedgerBusy(f"division {division} is being run by another run right now{holder}")
        try:
            with self._db.fenced_by(division, lease):
                yield
        finally:
            try:
                lease.release()
            except LedgerError as exc:  # the lease expires by itself
                log.warning("could not release the lock of division %s: %s", division, exc)

    def watermark(self, division: int) -> Watermark | None:
        """The division's watermark, if it ran before."""
        with calling("reading the watermark"):
            return self._watermarks.read(division)

    def advance(self, division: int, watermark: Watermark) -> None:
        """Move the watermark forward, over the version this run read (watermarks.py)."""
        self._db.guard(division)
        now = self._db.clock.now()
        fields = {
            "division": division,
            "sync_timestamp": watermark.sync_timestamp,
            "run_date": watermark.run_date.isoformat(),
            "complete": watermark.complete,
            "listing_pages": dict(watermark.listing_pages),
            "replies_seen": watermark.replies_seen,
            "updated_at": now,
            "expire_at": now + self._db.keep,
        }
        with calling("storing the watermark"):
            self._watermarks.advance(division, fields)

    def record_run(self, report: RunReport) -> None:
        """Keep the run's report."""
        fields = {
            "run_id": report.run_id,
            "run_date": report.run_date.isoformat(),
            "started_at": report.started_at,
            "ok": report.ok,
            "report": report_to_dict(report),
            "expire_at": report.started_at + self._db.keep,
        }
        with calling("recording the run"):
            self._db.collection("runs").document(report.run_id).set(fields, **self._db.opts)
