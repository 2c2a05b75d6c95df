"""What a division's customers owe, per currency: for the run report and the owner's digest."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from followup.exact.codes import TransactionType
from followup.model import DivisionData


def balances(data: DivisionData, run_date: date) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Per currency: everything still open on invoices, and the part past its due date."""
    outstanding: dict[str, Decimal] = defaultdict(Decimal)
    overdue: dict[str, Decimal] = defaultdict(Decimal)
    invoice = TransactionType.SALES_ENTRY
    for line in data.open_items:
        if line.is_open and line.transaction_type == invoice and line.amount > 0:
            outstanding[line.currency] += line.amount
            if line.due_date < run_date:
                overdue[line.currency] += line.amount
    return dict(outstanding), dict(overdue)
