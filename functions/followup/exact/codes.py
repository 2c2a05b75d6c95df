"""Exact's numeric codes that followup reads, named once, with Exact's documented meaning.

Both come with every receivable line (bulk/Cashflow/Receivables, sync/Cashflow/PaymentTerms;
see docs/exact-data.md). Exact may send a code that is not listed here: `status_of` and
`transaction_type_of` keep such a code as the number it is, so that the row is read as before
and simply matches none of the names.
"""

from __future__ import annotations

from enum import IntEnum


class TransactionType(IntEnum):
    """`TransactionType`, "Type of the linked transaction" (the codes followup uses)."""

    SALES_ENTRY = 20  # a sales invoice
    SALES_CREDIT_NOTE = 21
    PURCHASE_ENTRY = 30  # a purchase invoice (the sandbox's creditors side)
    CASH_FLOW = 40  # a bank or cash line: money received (negative) or paid back (positive)


class ItemStatus(IntEnum):
    """`Status` of a receivable line: 20 open, 30 selected for collection, 40 collection
    processed (the money is on its way), 50 matched with other items or statement lines."""

    OPEN = 20
    SELECTED = 30
    PROCESSED = 40
    MATCHED = 50


def transaction_type_of(code: int) -> TransactionType | int:
    """A `TransactionType` as its name, or the number itself when followup has no name for it."""
    try:
        return TransactionType(code)
    except ValueError:
        return code


def status_of(code: int) -> ItemStatus | int:
    """A `Status` as its name, or the number itself when Exact documents no such status."""
    try:
        return ItemStatus(code)
    except ValueError:
        return code
