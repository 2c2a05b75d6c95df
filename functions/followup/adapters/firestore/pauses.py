"""Disputes and pauses in Firestore (the PauseBook port): `{prefix}pauses/{division}/{target}`,
`set()` and `delete()` by `followup pause` / `resume`, the last word winning (not fenced)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from google.cloud.firestore_v1 import DocumentReference, FieldFilter

from followup.adapters.firestore.connection import FirestoreConnection, calling, doc_id
from followup.clock import AMSTERDAM
from followup.model import Pause
from followup.ports import PauseBook


class FirestorePauses(PauseBook):
    """The PauseBook port on Firestore (division 0 in a document: every division)."""

    def __init__(self, db: FirestoreConnection) -> None:
        self._db = db
        self._pauses = db.collection("pauses")

    def pauses(self, division: int) -> list[Pause]:
        """The division's pauses and the global ones."""
        query = self._pauses.where(filter=FieldFilter("division", "in", [0, division]))
        with calling("reading pauses"):
            rows = [s.to_dict() or {} for s in query.stream(**self._db.opts)]
        return sorted((pause_from(r) for r in rows), key=lambda p: (p.target, p.division or 0))

    def pause(self, pause: Pause) -> None:
        """Add or replace the pause of one target."""
        fields = {
            "target": pause.target,
            "division": pause.division or 0,
            "until": pause.until.isoformat(),
            "reason": pause.reason,
            "expire_at": datetime.combine(pause.until, datetime.min.time(), AMSTERDAM)
            + self._db.keep,
        }
        with calling("storing a pause"):
            self._doc(pause.target, pause.division).set(fields, **self._db.opts)

    def resume(self, target: str, division: int | None) -> bool:
        """Lift a pause; False if there was none."""
        doc = self._doc(target, division)
        with calling("lifting a pause"):
            if not doc.get(**self._db.opts).exists:
                return False
            doc.delete(**self._db.opts)
        return True

    def _doc(self, target: str, division: int | None) -> DocumentReference:
        return self._pauses.document(doc_id(f"{division or 0}/{target}"))


def pause_from(row: dict[str, Any]) -> Pause:
    """A pause from its document."""
    return Pause(
        row["target"],
        date.fromisoformat(row["until"]),
        row.get("reason", ""),
        int(row["division"]) or None,
    )
