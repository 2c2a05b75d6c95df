"""The ledger's ports on Firestore, over one connection (connection.py says how they fence)."""

from __future__ import annotations

from google.cloud import firestore

from followup.adapters.firestore.claims import FirestoreClaims
from followup.adapters.firestore.connection import FirestoreConnection
from followup.adapters.firestore.pauses import FirestorePauses
from followup.adapters.firestore.runs import FirestoreRuns
from followup.adapters.firestore.status import FirestoreStatus
from followup.ports import Clock, Stores


def open_stores(
    client: firestore.Client,
    clock: Clock,
    *,
    prefix: str = "followup_",
    retention_days: int = 400,
    lease_seconds: float = 1800.0,
    timeout_seconds: float = 20.0,
) -> Stores:
    """The claims, run log, pauses and status view in the collections `{prefix}...`, sharing
    one connection, so a run's claims are fenced by the division lease it holds. `close` leaves
    the client open: whoever made it closes it."""
    db = FirestoreConnection(
        client, clock, prefix=prefix, retention_days=retention_days, timeout_seconds=timeout_seconds
    )
    return Stores(
        claims=FirestoreClaims(db),
        runs=FirestoreRuns(db, lease_seconds=lease_seconds),
        pauses=FirestorePauses(db),
        status=FirestoreStatus(db),
        close=lambda: None,
    )
