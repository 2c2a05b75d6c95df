"""The embedded default: the ledger's ports on one local SQLite file (connection.py)."""

from __future__ import annotations

from pathlib import Path

from followup.adapters.sqlite.claims import SqliteClaims
from followup.adapters.sqlite.connection import LedgerFile
from followup.adapters.sqlite.pauses import SqlitePauses
from followup.adapters.sqlite.runs import SqliteRuns
from followup.adapters.sqlite.status import SqliteStatus
from followup.ports import Stores


def open_stores(path: Path) -> Stores:
    """The claims, run log, pauses and status view on the SQLite file at `path` (made when
    missing), over one connection; `close` closes it."""
    file = LedgerFile(path)
    return Stores(
        claims=SqliteClaims(file),
        runs=SqliteRuns(file),
        pauses=SqlitePauses(file),
        status=SqliteStatus(file),
        close=file.close,
    )
