"""What `followup status` reads from the Firestore ledger (the StatusView port)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from google.cloud.firestore_v1 import FieldFilter

from followup.adapters.firestore.claims import claim_from
from followup.adapters.firestore.connection import FirestoreConnection, calling
from followup.adapters.firestore.pauses import pause_from
from followup.model import Claim, Outcome, Pause
from followup.ports import StatusView


class FirestoreStatus(StatusView):
    """The StatusView port on Firestore."""

    def __init__(self, db: FirestoreConnection) -> None:
        self._db = db

    def recent_runs(self, limit: int) -> list[dict[str, Any]]:
        """The latest run reports, newest first."""
        runs = self._db.collection("runs")
        query = runs.order_by("started_at", direction="DESCENDING").limit(limit)
        with calling("reading recent runs"):
            return [
                dict((s.to_dict() or {}).get("report") or {}) for s in query.stream(**self._db.opts)
            ]

    def runs_of(self, run_date: date, run_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The reports of these runs recorded for `run_date`, by run id (`runs/{run_id}`)."""
        runs, wanted = self._db.collection("runs"), list(dict.fromkeys(run_ids))
        found: dict[str, dict[str, Any]] = {}
        with calling("reading the runs of a fan-out"):
            for start in range(0, len(wanted), 100):  # one batch read per hundred
                refs = [runs.document(run_id) for run_id in wanted[start : start + 100]]
                for snap in self._db.client.get_all(refs, **self._db.opts):
                    data = (snap.to_dict() or {}) if snap.exists else {}
                    if data.get("run_date") == run_date.isoformat():
                        found[snap.id] = dict(data.get("report") or {})
        return found

    def attention(self) -> list[tuple[Claim, Outcome | None, str]]:
        """Pending and uncertain claims, oldest first."""
        claims, opts = self._db.collection("claims"), self._db.opts
        pending = claims.where(filter=FieldFilter("pending", "==", True))
        uncertain = claims.where(filter=FieldFilter("outcome", "==", Outcome.UNCERTAIN.value))
        found: list[tuple[Claim, Outcome | None, str]] = []
        with calling("listing claims that need a look"):
            for snap in [*pending.stream(**opts), *uncertain.stream(**opts)]:
                data = snap.to_dict() or {}
                outcome = Outcome(data["outcome"]) if data.get("outcome") else None
                reason = str(data.get("reason") or "no outcome recorded yet")
                found.append((claim_from(data), outcome, reason))
        return sorted(found, key=lambda item: item[0].claimed_at)

    def all_pauses(self) -> list[Pause]:
        """Every pause."""
        pauses = self._db.collection("pauses")
        with calling("reading pauses"):
            rows = [s.to_dict() or {} for s in pauses.stream(**self._db.opts)]
        return sorted((pause_from(r) for r in rows), key=lambda p: (p.division or 0, p.target))
