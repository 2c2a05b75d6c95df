"""The ledger's SQLite file: one connection (WAL), its tables, its transactions.

Exactly-once rests on one rule: a mail is claimed (a row inserted under its key, with the
items it covers) before it is delivered, and its outcome is written after (claims.py). The
division lock is an OS file lock beside the file, so a crashed run releases it with its process
(runs.py). The trigger book keeps its table in the same file (trigger_book.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from followup.errors import LedgerError

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
CREATE TABLE IF NOT EXISTS triggers (
    trigger TEXT PRIMARY KEY,
    run_date TEXT NOT NULL,
    state TEXT NOT NULL,          -- running | done | retry
    attempt INTEGER NOT NULL,
    holder TEXT NOT NULL,
    lease_until REAL NOT NULL,    -- epoch seconds
    started_at TEXT NOT NULL,
    finished_at TEXT
);
"""


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


class LedgerFile:
    """One connection to the ledger's SQLite file, shared by the adapters of one process.

    `what` names its user in errors; `any_thread` lets whichever thread serves a call use it
    (one call at a time)."""

    def __init__(self, path: Path, *, what: str = "ledger", any_thread: bool = False) -> None:
        self.path = path
        self._what = what
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(
                path, timeout=30, isolation_level=None, check_same_thread=not any_thread
            )
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(SCHEMA)
            _migrate(self.db)
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"cannot open the {what} {path}: {exc}") from None

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    @contextmanager
    def failures(self) -> Iterator[None]:
        """SQLite's errors, as a LedgerError naming the file."""
        try:
            yield
        except sqlite3.Error as exc:
            raise LedgerError(f"{self._what} {self.path}: {exc}") from None

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE); rolled back on any error."""
        with self.failures():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
