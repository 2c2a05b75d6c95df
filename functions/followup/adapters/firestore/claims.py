"""The claims of the Firestore ledger (the Ledger port), `{prefix}claims/{key}`.

A claim is created with the items it covers and a snapshot (recipient, subject, amount,
currency); a second creator gets AlreadyExists: not claimed. A plain `failed` claim is replaced
by one fenced write; an outcome or a release is written only over the version of the claim this
run created or read (claim_writes.py). A claim is taken only while the run still holds its
division's lease (`FirestoreConnection.guard`).

Queries: `covered` uses `cover` array-contains-any (single-field index); `unfinished` equality
on division + pending; `last_reminders` and `sent_reminders` equality on division + kind with a
range on `claimed_day` (a composite index: division, kind, claimed_day).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from google.cloud.firestore_v1 import DocumentReference, FieldFilter, Query

from followup.adapters.firestore.claim_writes import ClaimWrites
from followup.adapters.firestore.connection import FirestoreConnection, calling, doc_id
from followup.clock import AMSTERDAM, business_date
from followup.keys import last_reminder
from followup.model import Claim, Delivery, LastReminder, MailKind, Outcome, SentReminder
from followup.ports import Ledger

_ANY_LIMIT = 30  # Firestore's cap on array-contains-any / in values
_FAILED = Outcome.FAILED.value


class FirestoreClaims(Ledger):
    """The Ledger port on Firestore."""

    def __init__(self, db: FirestoreConnection) -> None:
        self._db = db
        self._claims = db.collection("claims")
        self._writes = ClaimWrites(db)

    def _doc(self, key: str) -> DocumentReference:
        return self._claims.document(doc_id(key))

    def covered(self, division: int, kind: MailKind, item_ids: Iterable[str]) -> set[str]:
        """The items a claim with a final or pending outcome already covers."""
        wanted = {_cover(division, kind, item): item for item in dict.fromkeys(item_ids)}
        tokens, found = list(wanted), set[str]()
        with calling("reading claims"):
            for start in range(0, len(tokens), _ANY_LIMIT):
                chunk = tokens[start : start + _ANY_LIMIT]
                query = self._claims.where(filter=FieldFilter("cover", "array_contains_any", chunk))
                for snap in query.stream(**self._db.opts):
                    data = snap.to_dict() or {}
                    if data.get("outcome") != _FAILED:
                        found.update(wanted[t] for t in data.get("cover", []) if t in wanted)
        return found

    def claim(self, claim: Claim) -> bool:
        """Create the claim; a failed earlier claim of the same key is replaced by one winner."""
        self._db.guard(claim.division)
        fields = self._fields(claim, uuid.uuid4().hex)
        with calling(f"claiming {claim.key}"):
            return self._writes.create(self._doc(claim.key), fields)

    def complete(
        self, key: str, outcome: Outcome, delivery: Delivery | None = None, reason: str = ""
    ) -> None:
        """Record the outcome of a claim, with the provider's ids: only over the claim this run
        made or read (a successor's claim found instead is left as it is, and recorded)."""
        now = self._db.clock.now()
        update = {
            "outcome": outcome.value,
            "pending": False,
            "mode": delivery.mode.value if delivery else None,
            "provider_id": delivery.provider_id if delivery else None,
            "thread_id": delivery.thread_id if delivery else None,
            "reason": reason,
            "completed_at": now,
            "expire_at": now + self._db.keep,
        }
        with calling(f"recording the outcome of {key}"):
            self._writes.complete(self._doc(key), key, update)

    def release(self, key: str) -> None:
        """Forget a claim proven undelivered: the version this run made or read, without outcome."""
        with calling(f"releasing {key}"):
            self._writes.release(self._doc(key), key)

    def unfinished(self, division: int) -> list[Claim]:
        """Claims left without an outcome, oldest first."""
        query = self._claims.where(filter=FieldFilter("division", "==", division)).where(
            filter=FieldFilter("pending", "==", True)
        )
        with calling("listing unfinished claims"):
            snaps = list(query.stream(**self._db.opts))
        for snap in snaps:  # what a release or an outcome of these claims fences on
            self._writes.remember(snap)
        claims = [claim_from(s.to_dict() or {}) for s in snaps]
        return sorted(claims, key=lambda c: c.claimed_at)

    def outcome(self, key: str) -> tuple[Outcome | None, str] | None:
        """The recorded outcome and reason of a key (None if never claimed). For status views."""
        with calling(f"reading {key}"):
            snap = self._doc(key).get(**self._db.opts)
        if not snap.exists:
            return None
        data = snap.to_dict() or {}
        return (Outcome(data["outcome"]) if data.get("outcome") else None, data.get("reason") or "")

    def last_reminders(self, division: int, since: date) -> dict[str, LastReminder]:
        """Per customer code, the latest reminder by run date (failures aside). The query is on
        the claim's day (indexed): a claim is never made before its run date, so it finds
        every reminder of a run dated `since` or later."""
        query = self._reminders(division, since)
        latest: dict[str, tuple[str, datetime, LastReminder]] = {}
        with calling("reading recent reminders"):
            for snap in query.stream(**self._db.opts):
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
        query = self._reminders(division, since)
        with calling("reading recent reminders"):
            rows = [s.to_dict() or {} for s in query.stream(**self._db.opts)]
        found = [_sent_from(r) for r in rows if r.get("customer") and r.get("provider_id")
                 and r.get("outcome") in (Outcome.SENT.value, Outcome.DRAFTED.value)]  # fmt: skip
        return sorted(
            (r for r in found if r.run_date >= since), key=lambda r: (r.run_date, r.claimed_at)
        )

    def _reminders(self, division: int, since: date) -> Query:
        """The division's reminders claimed on `since` or later (the composite index)."""
        return (
            self._claims.where(filter=FieldFilter("division", "==", division))
            .where(filter=FieldFilter("kind", "==", MailKind.REMINDER.value))
            .where(filter=FieldFilter("claimed_day", ">=", since.isoformat()))
        )

    def _fields(self, claim: Claim, claim_id: str) -> dict[str, Any]:
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
            "expire_at": claim.claimed_at + self._db.keep,
        }


def _cover(division: int, kind: MailKind, item: str) -> str:
    return f"{division}|{kind.value}|{item}"


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


def claim_from(data: dict[str, Any]) -> Claim:
    """A claim from its document."""
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
