"""The trigger book in the SQLite ledger file: which scheduler calls were taken (embedded default).

A call is taken by inserting its row (the primary key makes that atomic across processes);
a repeated call finds the row. A call whose attempt ended with `retry` or whose lease ran out
(the invocation died) is taken over by one conditional UPDATE on the attempt number.
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from followup.adapters.sqlite.connection import LedgerFile
from followup.ports import Begun, Clock, TriggerBook


class SqliteTriggerBook(TriggerBook):
    """TriggerBook on the ledger's SQLite file (its own connection; the `triggers` table)."""

    def __init__(self, path: Path, clock: Clock, *, lease_seconds: float = 1860.0) -> None:
        self.path = path
        self._clock = clock
        self._lease = lease_seconds
        self._mine: dict[str, str] = {}
        # One invocation at a time uses a book, whichever thread serves it.
        self._file = LedgerFile(path, what="trigger book", any_thread=True)

    def close(self) -> None:
        """Close the connection."""
        self._file.close()

    def begin(self, trigger: str, run_date: date) -> Begun:
        """Take a scheduler call once (see the module docstring)."""
        now = self._clock.now()
        holder = uuid.uuid4().hex
        lease_until = now.timestamp() + self._lease
        db = self._file.db
        with self._file.failures():
            taken = db.execute(
                "INSERT OR IGNORE INTO triggers (trigger, run_date, state, attempt, holder,"
                " lease_until, started_at) VALUES (?, ?, 'running', 1, ?, ?, ?)",
                (trigger, run_date.isoformat(), holder, lease_until, now.isoformat()),
            ).rowcount
            if not taken:
                row = db.execute(
                    "SELECT state, attempt, lease_until FROM triggers WHERE trigger = ?",
                    (trigger,),
                ).fetchone()
                state, attempt, until = row
                if state == "done":
                    return Begun.DONE
                if state == "running" and until > now.timestamp():
                    return Begun.RUNNING
                taken = db.execute(
                    "UPDATE triggers SET state = 'running', attempt = attempt + 1, holder = ?,"
                    " lease_until = ?, started_at = ?, finished_at = NULL"
                    " WHERE trigger = ? AND attempt = ?",
                    (holder, lease_until, now.isoformat(), trigger, attempt),
                ).rowcount
                if not taken:
                    return Begun.RUNNING
        self._mine[trigger] = holder
        return Begun.NEW

    def finish(self, trigger: str, *, retry: bool) -> None:
        """Record the end of our attempt (not if another invocation took the call over)."""
        holder = self._mine.pop(trigger, None)
        if holder is None:
            return
        with self._file.failures():
            self._file.db.execute(
                "UPDATE triggers SET state = ?, finished_at = ? WHERE trigger = ? AND holder = ?",
                ("retry" if retry else "done", self._clock.now().isoformat(), trigger, holder),
            )
