"""Disputes and pauses in the ledger's SQLite file (the PauseBook port)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from followup.adapters.sqlite.connection import LedgerFile
from followup.model import Pause
from followup.ports import PauseBook

COLUMNS = "SELECT target, division, until, reason FROM pauses"


class SqlitePauses(PauseBook):
    """The PauseBook port on the SQLite file (division 0 in a row: every division)."""

    def __init__(self, file: LedgerFile) -> None:
        self._file = file

    def pauses(self, division: int) -> list[Pause]:
        """The division's pauses and the global ones."""
        rows = self._file.db.execute(
            f"{COLUMNS} WHERE division IN (0, ?) ORDER BY target",
            (division,),
        ).fetchall()
        return pauses_from(rows)

    def pause(self, pause: Pause) -> None:
        """Add or replace a pause."""
        with self._file.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO pauses (target, division, until, reason)"
                " VALUES (?, ?, ?, ?)",
                (pause.target, pause.division or 0, pause.until.isoformat(), pause.reason),
            )

    def resume(self, target: str, division: int | None) -> bool:
        """Lift a pause."""
        with self._file.tx() as db:
            cursor = db.execute(
                "DELETE FROM pauses WHERE target = ? AND division = ?", (target, division or 0)
            )
        return cursor.rowcount > 0


def pauses_from(rows: Iterable[tuple[str, int, str, str]]) -> list[Pause]:
    """Pauses from rows of COLUMNS."""
    return [
        Pause(target, date.fromisoformat(until), reason, div or None)
        for target, div, until, reason in rows
    ]
