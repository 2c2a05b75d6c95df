"""Per-division run state in the ledger's SQLite file (the RunLog port): the division lock (an
OS file lock beside the file, so a crashed run releases it with its process), the payment
watermark and the run reports."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from followup.adapters.sqlite.connection import LedgerFile
from followup.errors import LedgerBusy
from followup.model import RunReport, Watermark
from followup.ports import RunLog
from followup.report import report_to_dict


class SqliteRuns(RunLog):
    """The RunLog port on the SQLite file."""

    def __init__(self, file: LedgerFile) -> None:
        self._file = file

    @contextmanager
    def division_lock(self, division: int) -> Iterator[None]:
        """An exclusive OS lock per division; released when the process ends, however it ends."""
        path = self._file.path
        lock_path = path.with_name(f"{path.name}.division-{division}.lock")
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
        row = self._file.db.execute(
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
        with self._file.tx() as db:
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
        with self._file.tx() as db:
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
