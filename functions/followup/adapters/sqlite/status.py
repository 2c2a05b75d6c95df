"""What `followup status` reads from the ledger's SQLite file (the StatusView port)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from followup.adapters.sqlite.claims import claims_where
from followup.adapters.sqlite.connection import LedgerFile
from followup.adapters.sqlite.pauses import COLUMNS, pauses_from
from followup.model import Claim, Outcome, Pause
from followup.ports import StatusView


class SqliteStatus(StatusView):
    """The StatusView port on the SQLite file."""

    def __init__(self, file: LedgerFile) -> None:
        self._file = file

    def recent_runs(self, limit: int) -> list[dict[str, Any]]:
        """The latest run reports, newest first."""
        rows = self._file.db.execute(
            "SELECT report FROM runs ORDER BY started_at DESC LIMIT ?", (limit,)
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def runs_of(self, run_date: date, run_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The reports of these runs recorded for `run_date`, by run id."""
        wanted = list(dict.fromkeys(run_ids))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):  # below SQLite's limit of values per query
            chunk = wanted[start : start + 500]
            holes = ",".join("?" * len(chunk))  # placeholders only: the ids are values
            rows = self._file.db.execute(
                "SELECT run_id, report FROM runs"  # noqa: S608
                f" WHERE run_date = ? AND run_id IN ({holes})",
                (run_date.isoformat(), *chunk),
            ).fetchall()
            found.update({str(row[0]): json.loads(row[1]) for row in rows})
        return found

    def attention(self) -> list[tuple[Claim, Outcome | None, str]]:
        """Pending and uncertain claims, oldest first."""
        found = claims_where(
            self._file.db, "outcome IS NULL OR outcome = ?", (Outcome.UNCERTAIN.value,)
        )
        return [(c, out, why or "no outcome recorded yet") for c, out, why in found]

    def all_pauses(self) -> list[Pause]:
        """Every pause."""
        rows = self._file.db.execute(f"{COLUMNS} ORDER BY division, target").fetchall()
        return pauses_from(rows)
