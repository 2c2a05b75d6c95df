"""The claims in the ledger's SQLite file (the Ledger port): a mail is claimed, a row under its
key with the items it covers, before it is delivered; its outcome is written after."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from followup.adapters.sqlite.connection import LedgerFile
from followup.keys import last_reminder
from followup.model import Claim, Delivery, LastReminder, MailKind, Outcome, SentReminder
from followup.ports import Ledger

_CLAIM_COLUMNS = (
    "SELECT key, division, kind, recipient, subject, amount, currency, claimed_at, run_id,"
    " customer, outcome, reason FROM claims"
)
# Outcomes after which a claim's items count as covered. A plain failure is retried next run.
_FINAL = tuple(o.value for o in Outcome if o is not Outcome.FAILED)


class SqliteClaims(Ledger):
    """The Ledger port on the SQLite file."""

    def __init__(self, file: LedgerFile) -> None:
        self._file = file

    def covered(self, division: int, kind: MailKind, item_ids: Iterable[str]) -> set[str]:
        """The items a claim with a final or pending outcome already covers."""
        ids = list(dict.fromkeys(item_ids))
        found: set[str] = set()
        marks = ",".join("?" * len(_FINAL))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            holes = ",".join("?" * len(chunk))
            rows = self._file.db.execute(
                "SELECT i.item_id FROM claim_items i JOIN claims c ON c.key = i.key"  # noqa: S608
                f" WHERE i.division = ? AND i.kind = ? AND i.item_id IN ({holes})"
                f" AND (c.outcome IS NULL OR c.outcome IN ({marks}))",
                (division, kind.value, *chunk, *_FINAL),
            )
            found.update(row[0] for row in rows)
        return found

    def claim(self, claim: Claim) -> bool:
        """Insert the claim and its items; a failed earlier claim of the same key is replaced."""
        with self._file.tx() as db:
            row = db.execute("SELECT outcome FROM claims WHERE key = ?", (claim.key,)).fetchone()
            if row is not None:
                if row[0] != Outcome.FAILED.value:
                    return False
                db.execute("DELETE FROM claims WHERE key = ?", (claim.key,))
            db.execute(
                "INSERT INTO claims (key, division, kind, recipient, subject, amount, currency,"
                " claimed_at, run_id, customer, run_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    claim.key,
                    claim.division,
                    claim.kind.value,
                    claim.recipient,
                    claim.subject,
                    str(claim.amount),
                    claim.currency,
                    claim.claimed_at.isoformat(),
                    claim.run_id,
                    claim.customer,
                    claim.run_date.isoformat() if claim.run_date else None,
                ),
            )
            db.executemany(
                "INSERT INTO claim_items (division, kind, item_id, key) VALUES (?, ?, ?, ?)",
                [(claim.division, claim.kind.value, item, claim.key) for item in claim.item_ids],
            )
        return True

    def complete(
        self, key: str, outcome: Outcome, delivery: Delivery | None = None, reason: str = ""
    ) -> None:
        """Record the outcome of a claim."""
        with self._file.tx() as db:
            db.execute(
                "UPDATE claims SET outcome = ?, mode = ?, provider_id = ?, thread_id = ?,"
                " reason = ?, completed_at = datetime('now') WHERE key = ?",
                (
                    outcome.value,
                    delivery.mode.value if delivery else None,
                    delivery.provider_id if delivery else None,
                    delivery.thread_id if delivery else None,
                    reason,
                    key,
                ),
            )

    def release(self, key: str) -> None:
        """Forget a claim proven undelivered."""
        with self._file.tx() as db:
            db.execute("DELETE FROM claims WHERE key = ? AND outcome IS NULL", (key,))

    def unfinished(self, division: int) -> list[Claim]:
        """Claims left without an outcome."""
        found = claims_where(self._file.db, "division = ? AND outcome IS NULL", (division,))
        return [c for c, _, _ in found]

    def outcome(self, key: str) -> tuple[Outcome | None, str] | None:
        """The recorded outcome and reason of a key (None if never claimed). For status views."""
        row = self._file.db.execute(
            "SELECT outcome, reason FROM claims WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        return (Outcome(row[0]) if row[0] else None, row[1] or "")

    def last_reminders(self, division: int, since: date) -> dict[str, LastReminder]:
        """Per customer, the latest reminder by run date (a plain failure doesn't count)."""
        rows = self._file.db.execute(
            "SELECT c.customer, COALESCE(c.run_date, substr(c.claimed_at, 1, 10)) AS day,"
            " c.claimed_at, c.key, group_concat(i.item_id, ' ') FROM claims c"
            " LEFT JOIN claim_items i ON i.key = c.key"
            " WHERE c.division = ? AND c.kind = ? AND c.customer != ''"
            " AND (c.outcome IS NULL OR c.outcome != ?) AND day >= ?"
            " GROUP BY c.key ORDER BY day, c.claimed_at",
            (division, MailKind.REMINDER.value, Outcome.FAILED.value, since.isoformat()),
        ).fetchall()
        return {
            customer: last_reminder(date.fromisoformat(day), key, (items or "").split())
            for customer, day, _, key, items in rows
        }

    def sent_reminders(self, division: int, since: date) -> list[SentReminder]:
        """Reminders sent or drafted by runs dated `since` or later, with the mailer's ids."""
        rows = self._file.db.execute(
            "SELECT key, customer, recipient, COALESCE(run_date, substr(claimed_at, 1, 10))"
            " AS day, claimed_at, provider_id, COALESCE(thread_id, '') FROM claims"
            " WHERE division = ? AND kind = ? AND customer != '' AND outcome IN (?, ?)"
            " AND provider_id IS NOT NULL AND day >= ? ORDER BY day, claimed_at",
            (division, MailKind.REMINDER.value, Outcome.SENT.value, Outcome.DRAFTED.value,
             since.isoformat()),
        ).fetchall()  # fmt: skip
        return [
            SentReminder(
                key, cust, to, date.fromisoformat(day), datetime.fromisoformat(at), pid, tid
            )
            for key, cust, to, day, at, pid, tid in rows
        ]


def claims_where(
    db: sqlite3.Connection, where: str, params: tuple[object, ...]
) -> list[tuple[Claim, Outcome | None, str]]:
    """Claims matching a condition, oldest first, with their outcome and reason."""
    # `where` is one of this package's own constants, never user input.
    query = f"{_CLAIM_COLUMNS} WHERE {where} ORDER BY claimed_at"
    rows = db.execute(query, params).fetchall()
    found = []
    for (
        key,
        div,
        kind,
        recipient,
        subject,
        amount,
        currency,
        at,
        run_id,
        cust,
        out,
        why,
    ) in rows:
        items = db.execute("SELECT item_id FROM claim_items WHERE key = ?", (key,))
        claim = Claim(
            key=key,
            division=div,
            kind=MailKind(kind),
            item_ids=tuple(r[0] for r in items),
            recipient=recipient,
            subject=subject,
            amount=Decimal(amount),
            currency=currency,
            claimed_at=datetime.fromisoformat(at),
            run_id=run_id,
            customer=cust,
        )
        found.append((claim, Outcome(out) if out else None, why or ""))
    return found
