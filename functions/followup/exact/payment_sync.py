"""The payment lines changed since a division's watermark: `sync/Cashflow/PaymentTerms`.

A division's first run has no watermark. Exact's `read/sync/Sync/SyncTimestamp` can't start
`sync/Cashflow/PaymentTerms` from a date (PaymentTerms is not among its documented `endPoint`
values), so the first run reads the sync from its start, at most `history_pages` pages (1,000
rows each) per run; a longer history continues where it stopped in the next run (the
DivisionData says `caught_up=False`). Only rows dated in the run's window are kept.
"""

from __future__ import annotations

from datetime import date

from followup.exact.client import Row
from followup.exact.codes import TransactionType
from followup.exact.dates import to_date
from followup.exact.reading import Reader
from followup.exact.receivables import LINE_FIELDS
from followup.exact.rows import receivable
from followup.model import Receivable

RECEIVABLE_LINE = 20  # LineType of a receivable payment term (22: payable)
HISTORY_PAGES = 30  # sync pages one run reads at most; a longer history goes on next run
SYNC_FIELDS = ("Timestamp", "LineType", *LINE_FIELDS)


def changed_lines(
    reader: Reader, division: int, since: int, first_day: date, history_pages: int
) -> tuple[list[Receivable], int, bool]:
    """The receivable lines changed since `since` that are dated on or after `first_day`,
    the highest row version read, and whether the sync was read to its end.

    The sync answers in row-version order, so stopping after whole pages and continuing
    from the highest version read loses nothing.
    """
    endpoint = f"{division}/sync/Cashflow/PaymentTerms"
    params = {"$select": ",".join(SYNC_FIELDS), "$filter": f"Timestamp gt {since}"}
    highest = since
    receivable_rows: list[Row] = []
    caught_up = True
    for count, (page, more) in enumerate(reader.client.pages(endpoint, params), start=1):
        for row in page:
            stamp = row.get("Timestamp")
            if isinstance(stamp, int | str) and str(stamp).isdigit():
                highest = max(highest, int(stamp))
            if row.get("LineType") == RECEIVABLE_LINE and _in_window(row, first_day):
                receivable_rows.append(row)
        if more and count >= history_pages:
            caught_up = False
            break
    return reader.mapped(division, endpoint, receivable_rows, receivable), highest, caught_up


def _in_window(row: Row, first_day: date) -> bool:
    """Whether money moved on a sync row on or after `first_day` (its LastPaymentDate; a bank
    or cash line: its own date): the only rows a confirmation can use. A row whose date can't
    be read is kept, so that it is reported."""
    cash = row.get("TransactionType") == TransactionType.CASH_FLOW
    value = row.get("LastPaymentDate") or (row.get("InvoiceDate") if cash else None)
    if value is None:
        return False
    if not isinstance(value, str):
        return True
    try:
        day = to_date(value)
    except ValueError:
        return True
    return day is not None and day >= first_day
