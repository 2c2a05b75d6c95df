"""The ledger in Firestore: what its adapters share (the production twin of the SQLite file).

Who may deliver rests on `DocumentReference.create()` and on single writes fenced by an
`update_time` precondition, never on a contended transaction (fence.py says why;
docs/google-cloud.md has every document kind, its writers and its crash windows):

- A claim is the creation of `{prefix}claims/{key}` (claims.py, claim_writes.py). An outcome or
  a release is written only over the version of the claim this run created or read.
- The per-division run lock is a lease (lease.py, taken in runs.py): holder and expiry, taken
  over when a crashed run's lease expires. A run renews it as it claims (`guard`); a run that
  finds its lease taken over raises LedgerBusy instead of claiming more. What a run that
  stalled past its lease writes anyway (an outcome, a release, the watermark) is stopped by
  that write's fence. So the claims and the run log of one run share one connection.
- The watermark only moves forward, over the version this run read (watermarks.py).
- A fenced write that was refused leaves a `{prefix}refused_writes` document saying what it
  found, and a warning in the log.

Every document has `expire_at`: the TTL field (configure it on each collection group; deletion
follows within about a day).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import quote

from google.api_core import exceptions as gexc
from google.cloud import firestore

from followup.adapters.firestore.fence import Refusals
from followup.adapters.firestore.lease import Calls, FirestoreLease, firestore_failure
from followup.errors import LedgerBusy
from followup.ports import Clock


class FirestoreConnection:
    """The client, collection prefix, call timeouts and retention the ledger's adapters use, and
    the fence: the division leases this run holds (collections are named `{prefix}claims`...)."""

    def __init__(
        self,
        client: firestore.Client,
        clock: Clock,
        *,
        prefix: str = "followup_",
        retention_days: int = 400,
        timeout_seconds: float = 20.0,
    ) -> None:
        self.client = client
        self.clock = clock
        self.prefix = prefix
        self.keep = timedelta(days=retention_days)
        self.calls = Calls(timeout_seconds)
        self.opts = self.calls.options()
        self.refusals = Refusals(self.collection("refused_writes"), clock, self.keep, self.opts)
        self._held: dict[int, FirestoreLease] = {}

    def __repr__(self) -> str:
        return f"FirestoreConnection(project={self.client.project!r}, prefix={self.prefix!r})"

    def collection(self, name: str) -> firestore.CollectionReference:
        """The ledger's collection `name`, under the prefix."""
        return self.client.collection(f"{self.prefix}{name}")

    @contextmanager
    def fenced_by(self, division: int, lease: FirestoreLease) -> Iterator[None]:
        """While this run holds `lease`, its claims and watermark of `division` are written
        only while the lease is still its own (`guard`)."""
        self._held[division] = lease
        try:
            yield
        finally:
            self._held.pop(division, None)

    def guard(self, division: int) -> None:
        """Renew the division's lease when due; LedgerBusy when another run took it over."""
        lease = self._held.get(division)
        if lease is not None and not lease.ensure():
            raise LedgerBusy(
                f"lost the lock of division {division}: its lease expired and another run took "
                "it over; this run stops claiming mails for it"
            )


def doc_id(key: str) -> str:
    """A Firestore document id for a ledger key: readable, injective, within the limits."""
    encoded = quote(key, safe="")
    if len(encoded) > 700 or encoded.startswith("__") or encoded in ("", ".", ".."):
        return "h-" + hashlib.sha256(key.encode()).hexdigest()
    return encoded


@contextmanager
def calling(what: str) -> Iterator[None]:
    """Firestore's errors, as a retryable LedgerError saying what we were doing."""
    try:
        yield
    except gexc.GoogleAPIError as exc:
        raise firestore_failure(exc, what) from None
