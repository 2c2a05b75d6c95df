"""The ledger and run log in Firestore: the production twin of SqliteLedger.

Who may deliver rests on `DocumentReference.create()` and on single writes fenced by an
`update_time` precondition, never on a contended transaction (firestore_fence.py says why;
docs/google-cloud.md has every document kind, its writers and its crash windows):

- A claim is the creation of `{prefix}claims/{key}`, with the items it covers and a snapshot
  (recipient, subject, amount, currency). A second creator gets AlreadyExists: not claimed.
  A plain `failed` claim is replaced by one fenced write; an outcome or a release is written
  only over the version of the claim this run created or read (firestore_claims.py).
- The per-division run lock is a lease (firestore_lease.py): holder and expiry, taken over when
  a crashed run's lease expires. A run renews it as it claims; a run that finds its lease taken
  over raises LedgerBusy instead of claiming more. What a run that stalled past its lease
  writes anyway (an outcome, a release, the watermark) is stopped by that write's fence.
- The watermark only moves forward, over the version this run read (firestore_watermarks.py).
- A fenced write that was refused leaves a `{prefix}refused_writes` document saying what it
  found, and a warning in the log.

Every document has `expire_at`: the TTL field (configure it on each collection group; deletion
follows within about a day). Queries: `covered` uses `cover` array-contains-any (single-field
index); `unfinished` equality on division + pending; `last_reminders` equality on division + kind
with a range on `claimed_day` (a composite index: division, kind, claimed_day).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1 import DocumentReference, FieldFilter

from followup.adapters.firestore.claims import ClaimWrites
from followup.adapters.firestore.fence import Refusals
from followup.adapters.firestore.lease import Calls, FirestoreLease, firestore_failure
from followup.adapters.firestore.watermarks import Watermarks
from followup.clock import AMSTERDAM, business_date
from followup.errors import LedgerBusy, LedgerError
from followup.keys import last_reminder
from followup.model import (
    Claim,
    Delivery,
    LastReminder,
    MailKind,
    Outcome,
    Pause,
    RunReport,
    SentReminder,
    Watermark,
)
from followup.ports import Clock
from followup.report import report_to_dict

log = logging.getLogger(__name__)

_ANY_LIMIT = 30  # Firestore's cap on array-contains-any / in values
_FAILED = Outcome.FAILED.value


class FirestoreLedger:
    """Ledger and RunLog on Firestore; collections named `{prefix}claims` and so on."""

    def __init__(
        self,
        client: firestore.Client,
        clock: Clock,
        *,
        prefix: str = "followup_",
        retention_days: int = 400,
        lease_seconds: float = 1800.0,
        timeout_seconds: float = 20.0,
        holder: str | None = None,
    ) -> None:
        self._client = client
        self._clock = clock
        self.prefix = prefix
        self._keep = timedelta(days=retention_days)
        self._lease_seconds = lease_seconds
        self._calls = Calls(timeout_seconds)
        self._opts = self._calls.options()
        self._holder = holder
        self._held: dict[int, FirestoreLease] = {}
        refusals = Refusals(self._col("refused_writes"), clock, self._keep, self._opts)
        self._claims = ClaimWrites(client, refusals, self._opts)
        self._watermarks = Watermarks(client, self._col("watermarks"), refusals, self._opts)

    def __repr__(self) -> str:
        return f"FirestoreLedger(project={self._client.project!r}, prefix={self.prefix!r})"

    def _col(self, name: str) -> firestore.CollectionReference:
        return self._client.collection(f"{self.prefix}{name}")

    def _claim_doc(self, key: str) -> DocumentReference:
        return self._col("claims").document(doc_id(key))

    # --- Ledger -------------------------------------------------------------------------

    def covered(self, division: int, kind: MailKind, item_ids: Iterable[str]) -> set[str]:
        """The items a claim with a final or pending outcome already covers."""
        wanted = {_cover(division, kind, item): item for item in dict.fromkeys(item_ids)}
        tokens, found = list(wanted), set[str]()
        with _firestore("reading claims"):
            for start in range(0, len(tokens), _ANY_LIMIT):
                chunk = tokens[start : start + _ANY_LIMIT]
                query = self._col("claims").where(
                    filter=FieldFilter("cover", "array_contains_any", chunk)
                )
                for snap in query.stream(**self._opts):
                    data = snap.to_dict() or {}
                    if data.get("outcome") != _FAILED:
                        found.update(wanted[t] for t in data.get("cover", []) if t in wanted)
        return found

    def claim(self, claim: Claim) -> bool:
        """Create the claim; a failed earlier claim of the same key is replaced by one winner."""
        self._guard(claim.division)
        fields = self._claim_fields(claim, uuid.uuid4().hex)
        with _firestore(f"claiming {claim.key}"):
            return self._claims.create(self._claim_doc(claim.key), fields)

    def complete(
        self, key: str, outcome: Outcome, delivery: Delivery | None = None, reason: str = ""
    ) -> None:
        """Record the outcome of a claim, with the provider's ids: only over the claim this run
        made or read (a successor's claim found instead is left as it is, and recorded)."""
        now = self._clock.now()
        update = {
            "outcome": outcome.value,
            "pending": False,
            "mode": delivery.mode.value if delivery else None,
            "provider_id": delivery.provider_id if delivery else None,
            "thread_id": delivery.thread_id if delivery else None,
            "reason": reason,
            "completed_at": now,
            "expire_at": now + self._keep,
        }
        with _firestore(f"recording the outcome of {key}"):
            self._claims.complete(self._claim_doc(key), key, update)

    def release(self, key: str) -> None:
        """Forget a claim proven undelivered: the version this run made or read, without outcome."""
        with _firestore(f"releasing {key}"):
            self._claims.release(self._claim_doc(key), key)

    def unfinished(self, division: int) -> list[Claim]:
        """Claims left without an outcome, oldest first."""
        query = (
            self._col("claims")
            .where(filter=FieldFilter("division", "==", division))
            .where(filter=FieldFilter("pending", "==", True))
        )
        with _firestore("listing unfinished claims"):
            snaps = list(query.stream(**self._opts))
        for snap in snaps:  # what a release or an outcome of these claims fences on
            self._claims.remember(snap)
        claims = [_claim_from(s.to_dict() or {}) for s in snaps]
        return sorted(claims, key=lambda c: c.claimed_at)

    def outcome(self, key: str) -> tuple[Outcome | None, str] | None:
        """The recorded outcome and reason of a key (None if never claimed). For status views."""
        with _firestore(f"reading {key}"):
            snap = self._claim_doc(key).get(**self._opts)
        if not snap.exists:
            return None
        data = snap.to_dict() or {}
        return (Outcome(data["outcome"]) if data.get("outcome") else None, data.get("reason") or "")

    def last_reminders(self, division: int, since: date) -> dict[str, LastReminder]:
        """Per customer code, the latest reminder by run date (failures aside). The query is on
        the claim's day (indexed): a claim is never made before its run date, so it finds
        every reminder of a run dated `since` or later."""
        query = (
            self._col("claims")
            .where(filter=FieldFilter("division", "==", division))
            .where(filter=FieldFilter("kind", "==", MailKind.REMINDER.value))
            .where(filter=FieldFilter("claimed_day", ">=", since.isoformat()))
        )
        latest: dict[str, tuple[str, datetime, LastReminder]] = {}
        with _firestore("reading recent reminders"):
            for snap in query.stream(**self._opts):
                data = snap.to_dict() or {}
                customer = str(data.get("customer") or "")
                if not customer or data.get("outcome") == _FAILED:
                    continue
                day = str(data.get("run_date") or data["claimed_day"])
                order = (day, data["claimed_at"])
                if customer in latest and latest[customer][:2] >= order:
                    continue
                items = data.get("item_ids") or ()
                reminder = last_reminder(date.fromisoformat(day), str(data["key"]), items)
                latest[customer] = (*order, reminder)
        return {customer: found[2] for customer, found in latest.items()}

    def sent_reminders(self, division: int, since: date) -> list[SentReminder]:
        """Reminders sent or drafted by runs dated `since` or later, with the mailer's ids (the
        same indexed query as last_reminders)."""
        query = (
            self._col("claims")
            .where(filter=FieldFilter("division", "==", division))
            .where(filter=FieldFilter("kind", "==", MailKind.REMINDER.value))
            .where(filter=FieldFilter("claimed_day", ">=", since.isoformat()))
        )
        with _firestore("reading recent reminders"):
            rows = [s.to_dict() or {} for s in query.stream(**self._opts)]
        found = [_sent_from(r) for r in rows if r.get("customer") and r.get("provider_id")
                 and r.get("outcome") in (Outcome.SENT.value, Outcome.DRAFTED.value)]  # fmt: skip
        return sorted(
            (r for r in found if r.run_date >= since), key=lambda r: (r.run_date, r.claimed_at)
        )

    # --- PauseBook (disputes) ------------------------------------------------------------

    def pauses(self, division: int) -> list[Pause]:
        """The division's pauses and the global ones."""
        query = self._col("pauses").where(filter=FieldFilter("division", "in", [0, division]))
        with _firestore("reading pauses"):
            rows = [s.to_dict() or {} for s in query.stream(**self._opts)]
        return sorted((_pause_from(r) for r in rows), key=lambda p: (p.target, p.division or 0))

    def pause(self, pause: Pause) -> None:
        """Add or replace the pause of one target."""
        fields = {
            "target": pause.target,
            "division": pause.division or 0,
            "until": pause.until.isoformat(),
            "reason": pause.reason,
            "expire_at": datetime.combine(pause.until, datetime.min.time(), AMSTERDAM) + self._keep,
        }
        with _firestore("storing a pause"):
            self._pause_doc(pause.target, pause.division).set(fields, **self._opts)

    def resume(self, target: str, division: int | None) -> bool:
        """Lift a pause; False if there was none."""
        doc = self._pause_doc(target, division)
        with _firestore("lifting a pause"):
            if not doc.get(**self._opts).exists:
                return False
            doc.delete(**self._opts)
        return True

    def _pause_doc(self, target: str, division: int | None) -> DocumentReference:
        return self._col("pauses").document(doc_id(f"{division or 0}/{target}"))

    # --- StatusView ----------------------------------------------------------------------

    def recent_runs(self, limit: int) -> list[dict[str, Any]]:
        """The latest run reports, newest first."""
        query = self._col("runs").order_by("started_at", direction="DESCENDING").limit(limit)
        with _firestore("reading recent runs"):
            return [
                dict((s.to_dict() or {}).get("report") or {}) for s in query.stream(**self._opts)
            ]

    def attention(self) -> list[tuple[Claim, Outcome | None, str]]:
        """Pending and uncertain claims, oldest first."""
        claims = self._col("claims")
        pending = claims.where(filter=FieldFilter("pending", "==", True))
        uncertain = claims.where(filter=FieldFilter("outcome", "==", Outcome.UNCERTAIN.value))
        found: list[tuple[Claim, Outcome | None, str]] = []
        with _firestore("listing claims that need a look"):
            for snap in [*pending.stream(**self._opts), *uncertain.stream(**self._opts)]:
                data = snap.to_dict() or {}
                outcome = Outcome(data["outcome"]) if data.get("outcome") else None
                reason = str(data.get("reason") or "no outcome recorded yet")
                found.append((_claim_from(data), outcome, reason))
        return sorted(found, key=lambda item: item[0].claimed_at)

    def all_pauses(self) -> list[Pause]:
        """Every pause."""
        with _firestore("reading pauses"):
            rows = [s.to_dict() or {} for s in self._col("pauses").stream(**self._opts)]
        return sorted((_pause_from(r) for r in rows), key=lambda p: (p.division or 0, p.target))

    # --- RunLog -------------------------------------------------------------------------

    @contextmanager
    def division_lock(self, division: int) -> Iterator[None]:
        """Hold a division's lease for this run; LedgerBusy while another live run holds it."""
        lease = FirestoreLease(
            self._col("leases"),
            f"division-{division}",
            self._clock,
            self._lease_seconds,
            holder=self._holder,
            calls=self._calls,
        )
        if not lease.try_acquire():
            seen = lease.last_seen
            holder = f" ({seen.holder}, lease until {seen.expires_at.isoformat()})" if seen else ""
            raise LedgerBusy(f"division {division} is being run by another run right now{holder}")
        self._held[division] = lease
        try:
            yield
        finally:
            self._held.pop(division, None)
            try:
                lease.release()
            except LedgerError as exc:  # the lease expires by itself
                log.warning("could not release the lock of division %s: %s", division, exc)

    def _guard(self, division: int) -> None:
        lease = self._held.get(division)
        if lease is not None and not lease.ensure():
            raise LedgerBusy(
                f"lost the lock of division {division}: its lease expired and another run took "
                "it over; this run stops claiming mails for it"
            )

    def watermark(self, division: int) -> Watermark | None:
        """The division's watermark, if it ran before."""
        with _firestore("reading the watermark"):
            return self._watermarks.read(division)

    def advance(self, division: int, watermark: Watermark) -> None:
        """Move the watermark forward, over the version this run read (see the docstring)."""
        self._guard(division)
        now = self._clock.now()
        fields = {
            "division": division,
            "sync_timestamp": watermark.sync_timestamp,
            "run_date": watermark.run_date.isoformat(),
            "complete": watermark.complete,
            "listing_pages": dict(watermark.listing_pages),
            "replies_seen": watermark.replies_seen,
            "updated_at": now,
            "expire_at": now + self._keep,
        }
        with _firestore("storing the watermark"):
            self._watermarks.advance(division, fields)

    def record_run(self, report: RunReport) -> None:
        """Keep the run's report."""
        fields = {
            "run_id": report.run_id,
            "run_date": report.run_date.isoformat(),
            "started_at": report.started_at,
            "ok": report.ok,
            "report": report_to_dict(report),
            "expire_at": report.started_at + self._keep,
        }
        with _firestore("recording the run"):
            self._col("runs").document(report.run_id).set(fields, **self._opts)

    def _claim_fields(self, claim: Claim, claim_id: str) -> dict[str, Any]:
        return {
            "key": claim.key,
            "claim_id": claim_id,
            "division": claim.division,
            "kind": claim.kind.value,
            "item_ids": list(claim.item_ids),
            "cover": [_cover(claim.division, claim.kind, i) for i in claim.item_ids],
            "customer": claim.customer,
            "recipient": claim.recipient,
            "subject": claim.subject,
            "amount": str(claim.amount),
            "currency": claim.currency,
            "claimed_at": claim.claimed_at,
            "claimed_day": business_date(claim.claimed_at).isoformat(),
            "run_date": claim.run_date.isoformat() if claim.run_date else None,
            "run_id": claim.run_id,
            "pending": True,
            "outcome": None,
            "expire_at": claim.claimed_at + self._keep,
        }


def doc_id(key: str) -> str:
    """A Firestore document id for a ledger key: readable, injective, within the limits."""
    encoded = quote(key, safe="")
    if len(encoded) > 700 or encoded.startswith("__") or encoded in ("", ".", ".."):
        return "h-" + hashlib.sha256(key.encode()).hexdigest()
    return encoded


def _cover(division: int, kind: MailKind, item: str) -> str:
    return f"{division}|{kind.value}|{item}"


def _pause_from(row: dict[str, Any]) -> Pause:
    return Pause(
        row["target"],
        date.fromisoformat(row["until"]),
        row.get("reason", ""),
        int(row["division"]) or None,
    )


def _sent_from(data: dict[str, Any]) -> SentReminder:
    claimed: datetime = data["claimed_at"]
    return SentReminder(
        key=str(data["key"]),
        customer=str(data["customer"]),
        recipient=str(data.get("recipient", "")),
        run_date=date.fromisoformat(str(data.get("run_date") or data["claimed_day"])),
        claimed_at=claimed.astimezone(AMSTERDAM),
        provider_id=str(data["provider_id"]),
        thread_id=str(data.get("thread_id") or ""),
    )


def _claim_from(data: dict[str, Any]) -> Claim:
    claimed: datetime = data["claimed_at"]
    fields = {
        "key": data["key"],
        "division": int(data["division"]),
        "kind": MailKind(data["kind"]),
        "item_ids": tuple(data.get("item_ids") or ()),
        "recipient": data.get("recipient", ""),
        "subject": data.get("subject", ""),
        "amount": Decimal(str(data.get("amount", "0"))),
        "currency": data.get("currency", ""),
        "claimed_at": claimed.astimezone(AMSTERDAM),
        "run_id": data.get("run_id", ""),
        "customer": data.get("customer", ""),
        "run_date": date.fromisoformat(data["run_date"]) if data.get("run_date") else None,
    }
    return Claim(**fields)


@contextmanager
def _firestore(what: str) -> Iterator[None]:
    try:
        yield
    except gexc.GoogleAPIError as exc:
        raise firestore_failure(exc, what) from None
