"""The receivable lines read in bulk: every outstanding item (`bulk/Cashflow/Receivables`), the
oldest sales invoice of the customers who paid, and the amounts in transit of the outstanding
items report (`read/financial/ReceivablesList`).

Bank/cash lines (TransactionType 40) are receivable lines too: money received is a negative
line, a refund paid out a positive one; both come along with the payments, and an unmatched
receipt stays among the outstanding items (see docs/exact-data.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from followup.exact.batches import id_filters
from followup.exact.codes import ItemStatus, TransactionType
from followup.exact.contract import contract
from followup.exact.dates import to_date
from followup.exact.reading import Reader
from followup.exact.rows import receivable
from followup.model import Receivable

LINE_FIELDS = (
    "ID", "Account", "AccountContact", "EntryID", "TransactionEntryID", "InvoiceNumber",
    "InvoiceDate", "DueDate", "AmountFC", "AmountDC", "Currency", "TransactionAmountFC",
    "Status", "IsFullyPaid", "LastPaymentDate", "Description", "YourRef",
    "TransactionIsReversal", "TransactionType", "AccountCode", "AccountName", "EntryNumber",
)  # fmt: skip
FIRST_INVOICE_FIELDS = ("Account", "InvoiceDate")
TRANSIT_FIELDS = ("AccountId", "InvoiceNumber", "AmountInTransit")
CENT = Decimal("0.01")


def open_items(reader: Reader, division: int) -> list[Receivable]:
    """Every outstanding line: open, selected for collection or processed (in transit)."""
    endpoint = f"{division}/bulk/Cashflow/Receivables"
    params = {"$select": ",".join(LINE_FIELDS), "$filter": f"Status lt {ItemStatus.MATCHED}"}
    return reader.mapped(division, endpoint, reader.client.get_all(endpoint, params), receivable)


def first_invoices(reader: Reader, division: int, account_ids: set[str]) -> dict[str, date]:
    """Account ID (lower case) → the date of its oldest sales invoice (TransactionType 20,
    any status) in bulk/Cashflow/Receivables: what "customer since" and the welcome line
    rest on. A few accounts per filtered call."""
    endpoint = f"{division}/bulk/Cashflow/Receivables"
    literals = reader.guid_literals(division, endpoint, account_ids)
    oldest: dict[str, date] = {}
    within = f"TransactionType eq {TransactionType.SALES_ENTRY} and ({{}})"
    for either in id_filters("Account", literals, most=len(literals), within=within):
        params = {"$select": ",".join(FIRST_INVOICE_FIELDS), "$filter": either}
        for row in reader.client.get_all(endpoint, params):
            try:
                day = to_date(row.get("InvoiceDate"))
            except ValueError:
                continue  # the row's own read reports it, if it matters
            key = str(row.get("Account") or "").lower()
            if day is not None and key:
                oldest[key] = min(oldest.get(key, day), day)
    return oldest


def amounts_in_transit(
    reader: Reader, division: int, account_ids: Sequence[str]
) -> dict[tuple[str, str], Decimal]:
    """(account ID lower-cased, InvoiceNumber) → AmountInTransit from Exact's outstanding
    items report (read/financial/ReceivablesList), for these customers: asked only for the
    customers about to be reminded, a few per call."""
    endpoint = f"{division}/read/financial/ReceivablesList"
    literals = reader.guid_literals(division, endpoint, set(account_ids))
    most = contract().endpoint("read/financial/ReceivablesList").page_size
    found: dict[tuple[str, str], Decimal] = {}
    for either in id_filters("AccountId", literals, most=most):
        params = {"$select": ",".join(TRANSIT_FIELDS), "$filter": either}
        for row in reader.client.get_all(endpoint, params):
            amount, number = row.get("AmountInTransit"), row.get("InvoiceNumber")
            if not isinstance(amount, int | float) or amount <= 0 or number is None:
                continue
            key = (str(row.get("AccountId") or "").lower(), str(number))
            found[key] = found.get(key, Decimal(0)) + Decimal(str(amount)).quantize(CENT)
    return found
