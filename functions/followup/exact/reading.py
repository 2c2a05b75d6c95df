"""What every read of one ExactOnlineSource shares: the client, and the rows left out so far.

A row that can't be mapped (or an ID that isn't a GUID) is left out of a run's data, logged as
a warning with its ID and kept, with its customer and invoice when the row had them, for the
run report; the run goes on without it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from followup.exact.client import ExactClient, Row
from followup.exact.dates import odata_guid
from followup.exact.rows import OddRow
from followup.model import UnreadableRow

log = logging.getLogger(__name__)

T = TypeVar("T")


class Reader:
    """The client one source reads through, and the rows its reads left out."""

    def __init__(self, client: ExactClient) -> None:
        self.client = client
        self.skipped_rows: list[UnreadableRow] = []

    def mapped(
        self, division: int, endpoint: str, rows: Iterable[Row], convert: Callable[[Row], T]
    ) -> list[T]:
        """The rows converted; a row `convert` refuses (OddRow) is left out and reported."""
        mapped: list[T] = []
        for row in rows:
            try:
                mapped.append(convert(row))
            except OddRow as exc:
                self.skip(division, endpoint, str(row.get("ID") or "?"), str(exc), row)
        return mapped

    def guid_literals(self, division: int, endpoint: str, ids: set[str]) -> list[str]:
        """`guid'…'` literals of the IDs, sorted; an ID that isn't a GUID is reported."""
        literals: list[str] = []
        for guid in sorted(ids):
            try:
                literals.append(odata_guid(guid))
            except ValueError:
                self.skip(division, endpoint, guid, "not a GUID")
        return literals

    def skip(
        self, division: int, endpoint: str, row_id: str, reason: str, row: Row | None = None
    ) -> None:
        """Leave a row out, logged and kept with what identifies it for a bookkeeper: the
        customer (AccountCode/AccountName on lines, Code/Name on accounts) and the invoice."""
        log.warning("skipping row %s of %s: %s", row_id, endpoint, reason)
        raw = row or {}
        self.skipped_rows.append(
            UnreadableRow(
                division=division,
                endpoint=endpoint.removeprefix(f"{division}/"),
                row_id=row_id,
                reason=reason,
                customer_code=_raw_text(raw, "AccountCode") or _raw_text(raw, "Code"),
                customer_name=_raw_text(raw, "AccountName") or _raw_text(raw, "Name"),
                invoice_number=_raw_text(raw, "InvoiceNumber"),
            )
        )


def _raw_text(row: Row, name: str) -> str:
    """A text field of a raw row, trimmed (Exact pads account codes); "" when absent."""
    value = row.get(name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None or isinstance(value, bool) else str(value).strip()
