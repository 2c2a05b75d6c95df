"""The ledger and run log in one local SQLite file: the embedded default.

Exactly-once rests on one rule: a mail is claimed (a row inserted under its key, with the
items it covers) before it is delivered, and its outcome is written after. The division lock
is an OS file lock, so a crashed run releases it with its process.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

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
from followup.report import report_to_dict

SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY,
    division INTEGER NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    run_id TEXT NOT NULL,
    customer TEXT NOT NULL DEFAULT '',
    run_date TEXT,  -- the run's business date (NULL: written by an older version)
    outcome TEXT,
    mode TEXT,
    provider_id TEXT,
    thread_id TEXT,
    reason TEXT,
    completed_at TEXT
);
CREATE INDEX IF NOT EXISTS claims_unfinished ON claims (division) WHERE outcome IS NULL;
CREATE TABLE IF NOT EXISTS claim_items (
    division INTEGER NOT NULL,
    kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    key TEXT NOT NULL REFERENCES claims (key) ON DELETE CASCADE,
    PRIMARY KEY (division, kind, item_id, key)
);
CREATE TABLE IF NOT EXISTS watermarks (
    division INTEGER PRIMARY KEY,
    sync_timestamp INTEGER NOT NULL,
    run_date TEXT NOT NULL,
    complete INTEGER NOT NULL DEFAULT 1,  -- 0: the first run's history read isn't finished
    listing_pages TEXT NOT NULL DEFAULT '{}',  -- JSON: pages of listings read to their end
    replies_seen TEXT  -- answers to reminders looked for up to this moment (ISO)
);
CREATE TABLE IF NOT EXISTS pauses (
    target TEXT NOT NULL,
    division INTEGER NOT NULL,  -- 0: every division
    until TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (target, division)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    run_date TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ok INTEGER NOT NULL,
    report TEXT NOT NULL
);
"""

_CLAIM_COLUMNS = (
    "SELECT key, division, kind, recipient, subject, amount, currency, claimed_at, run_id,"
    " customer, outcome, reason FROM claims"
)
# Outcomes after which a claim's items count as covered. A plain failure is retried next run.
_FINAL = tuple(o.value for o in Outcome if o is not Outcome.FAILED)


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a ledger written by an earlier version up to SCHEMA."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(watermarks)")}
    if "complete" not in columns:
        db.execute("ALTER TABLE watermarks ADD COLUMN complete INTEGER NOT NULL DEFAULT 1")
    if "listing_pages" not in columns:
        db.execute("ALTER TABLE watermarks ADD COLUMN listing_pages TEXT NOT NULL DEFAULT '{}'")
    if "replies_seen" not in columns:
        db.execute("ALTER TABLE watermarks ADD COLUMN replies_seen TEXT")
    if "run_date" not in {row[1] for row in db.execute("PRAGMA table_info(claims)")}:
        db.execute("ALTER TABLE claims ADD COLUMN run_date TEXT")


class SqliteLedger:
    """Ledger and RunLog on SQLite (WAL, one connection per process)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            _migrate(self._db)
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"cannot open the ledger {path}: {exc}") from None

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise LedgerError(f"ledger {self.path}: {exc}") from None

    # --- Ledger -------------------------------------------------------------------------

    def covered(self, division: int, kind: MailKind, item_ids: Iterable[str]) -> set[str]:
        """The items a claim with a final or pending outcome already covers."""
        ids = list(dict.fromkeys(item_ids))
        found: set[str] = set()
        marks = ",".join("?" * len(_FINAL))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            holes = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT i.item_id FROM claim_items i JOIN claims c ON c.key = i.key"  # noqa: S608
                f" WHERE i.division = ? AND i.kind = ? AND i.item_id IN ({holes})"
                f" AND (c.outcome IS NULL OR c.outcome IN ({marks}))",
                (division, kind.value, *chunk, *_FINAL),
            )
            found.update(row[0] for row in rows)
        return found

    def claim(self, claim: Claim) -> bool:
        """Insert the claim and its items; a failed earlier claim of the same key is replaced."""
        with self._tx() as db:
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
        with self._tx() as db:
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
        with self._tx() as db:
            db.execute("DELETE FROM claims WHERE key = ? AND outcome IS NULL", (key,))

    def unfinished(self, division: int) -> list[Claim]:
        """Claims left without an outcome."""
        return [c for c, _, _ in self._claims("division = ? AND outcome IS NULL", (division,))]

    def _claims(
        self, where: str, params: tuple[object, ...]
    ) -> list[tuple[Claim, Outcome | None, str]]:
        """Claims matching a condition, oldest first, with their outcome and reason."""
        # `where` is one of this class's own constants, never user input.
        query = f"{_CLAIM_COLUMNS} WHERE {where} ORDER BY claimed_at"
        rows = self._db.execute(query, params).fetchall()
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
            items = self._db.execute("SELECT item_id FROM claim_items WHERE key = ?", (key,))
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

    def last_reminders(self, division: int, since: date) -> dict[str, LastReminder]:
        """Per customer, the latest reminder by run date (a plain failure doesn't count)."""
        rows = self._db.execute(
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
        rows = self._db.execute(
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

    # --- PauseBook ----------------------------------------------------------------------

    def pauses(self, division: int) -> list[Pause]:
        """The division's pauses and the global ones."""
        rows = self._db.execute(
            "SELECT target, division, until, reason FROM pauses WHERE division IN (0, ?)"
            " ORDER BY target",
            (division,),
        ).fetchall()
        return [
            Pause(target, date.fromisoformat(until), reason, div or None)
            for target, div, until, reason in rows
        ]

    def pause(self, pause: Pause) -> None:
        """Add or replace a pause."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO pauses (target, division, until, reason)"
                " VALUES (?, ?, ?, ?)",
                (pause.target, pause.division or 0, pause.until.isoformat(), pause.reason),
            )

    def resume(self, target: str, division: int | None) -> bool:
        """Lift a pause."""
        with self._tx() as db:
            cursor = db.execute(
                "DELETE FROM pauses WHERE target = ? AND division = ?", (target, division or 0)
            )
        return cursor.rowcount > 0

    def outcome(self, key: str) -> tuple[Outcome | None, str] | None:
        """The recorded outcome and reason of a key (None if never claimed). For status views."""
        row = self._db.execute(
            "SELECT outcome, reason FROM claims WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        return (Outcome(row[0]) if row[0] else None, row[1] or "")

    # --- StatusView ----------------------------------------------------------------------

    def recent_runs(self, limit: int) -> list[dict[str, Any]]:
        """The latest run reports, newest first."""
        rows = self._db.execute(
            "SELECT report FROM runs ORDER BY started_at DESC LIMIT ?", (limit,)
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def attention(self) -> list[tuple[Claim, Outcome | None, str]]:
        """Pending and uncertain claims, oldest first."""
        found = self._claims("outcome IS NULL OR outcome = ?", (Outcome.UNCERTAIN.value,))
        return [(c, out, why or "no outcome recorded yet") for c, out, why in found]

    def all_pauses(self) -> list[Pause]:
        """Every pause."""
        rows = self._db.execute(
            "SELECT target, division, until, reason FROM pauses ORDER BY division, target"
        ).fetchall()
        return [
            Pause(target, date.fromisoformat(until), reason, div or None)
            for target, div, until, reason in rows
        ]

    # --- RunLog -------------------------------------------------------------------------

    @contextmanager
    def division_lock(self, division: int) -> Iterator[None]:
        """An exclusive OS lock per division; released when the process ends, however it ends."""
        lock_path = self.path.with_name(f"{self.path.name}.division-{division}.lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LedgerBusy(
                    f"division {division} is being run by another process right now"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def watermark(self, division: int) -> Watermark | None:
        """The division's watermark, if it ran before."""
        row = self._db.execute(
            "SELECT sync_timestamp, run_date, complete, listing_pages, replies_seen FROM watermarks"
            " WHERE division = ?",
            (division,),
        ).fetchone()
        if row is None:
            return None
        pages = tuple(sorted((str(k), int(v)) for k, v in json.loads(row[3] or "{}").items()))
        seen = datetime.fromisoformat(row[4]) if row[4] else None
        return Watermark(row[0], date.fromisoformat(row[1]), bool(row[2]), pages, seen)

    def advance(self, division: int, watermark: Watermark) -> None:
        """Store the new watermark; one behind the stored row version is ignored (a stale run
        never moves it back)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO watermarks (division, sync_timestamp, run_date, complete,"
                " listing_pages, replies_seen) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (division)"
                " DO UPDATE SET sync_timestamp = excluded.sync_timestamp,"
                " run_date = excluded.run_date, complete = excluded.complete,"
                " listing_pages = excluded.listing_pages, replies_seen = excluded.replies_seen"
                " WHERE excluded.sync_timestamp >= watermarks.sync_timestamp",  # never back
                (
                    division,
                    watermark.sync_timestamp,
                    watermark.run_date.isoformat(),
                    int(watermark.complete),
                    json.dumps(dict(watermark.listing_pages)),
                    watermark.replies_seen.isoformat() if watermark.replies_seen else None,
                ),
            )

    def record_run(self, report: RunReport) -> None:
        """Keep the run's report as JSON."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO runs (run_id, run_date, started_at, ok, report)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    report.run_id,
                    report.run_date.isoformat(),
                    report.started_at.isoformat(),
                    int(report.ok),
                    json.dumps(report_to_dict(report)),
                ),
            )
