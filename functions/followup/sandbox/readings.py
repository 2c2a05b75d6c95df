"""The readings of Exact that its reference leaves open, as switches on a sandbox division, so
the tests can run the key cases under each (docs/exact-data.md, "Unverified"):

- `cash_rows`: a bank receipt is a cash-flow receivable row (TransactionType 40), or has none.
- `partial`: a part payment splits the invoice's row ("split": a matched part and an open
  remainder, each its own EntryID, as the reference describes), or leaves one open row with the
  amount reduced ("one_row").
- `in_transit`: a collection on its way is status 30/40 on the receivable ("status"), or only
  the report's `AmountInTransit` with the row still open ("amount").

The division's records stay one model; a reading changes only how its rows are shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from followup.exact.codes import ItemStatus, TransactionType
from followup.sandbox.records import RECEIVABLE

Row = dict[str, object]
IN_TRANSIT = (ItemStatus.SELECTED, ItemStatus.PROCESSED)


@dataclass
class Readings:
    """How one division shows what the reference doesn't settle."""

    cash_rows: bool = True
    partial: Literal["split", "one_row"] = "split"
    in_transit: Literal["status", "amount"] = "status"


def shown(readings: Readings, rows: list[Row]) -> list[Row]:
    """Receivable line rows (built with every field) as this reading shows them."""
    if not readings.cash_rows:
        rows = [
            r
            for r in rows
            if not (
                r["LineType"] == RECEIVABLE and r["TransactionType"] == TransactionType.CASH_FLOW
            )
        ]
    if readings.partial == "one_row":
        rows = _one_row_per_term(rows)
    if readings.in_transit == "amount":
        rows = [r | {"Status": ItemStatus.OPEN} if r["Status"] in IN_TRANSIT else r for r in rows]
    return rows


def _one_row_per_term(rows: list[Row]) -> list[Row]:
    """Each split invoice (or credit note) as one row: open with what is left and the last
    payment date, or matched in full."""
    groups: dict[object, list[Row]] = defaultdict(list)
    for row in rows:
        if row["LineType"] == RECEIVABLE and row["TransactionType"] != TransactionType.CASH_FLOW:
            groups[row["TransactionEntryID"]].append(row)
    merged = {entry: _merged(parts) for entry, parts in groups.items() if len(parts) > 1}
    result: list[Row] = []
    emitted: set[object] = set()
    for row in rows:
        entry = row["TransactionEntryID"] if row["LineType"] == RECEIVABLE else None
        if entry not in merged:
            result.append(row)
        elif entry not in emitted:
            result.append(merged[entry])
            emitted.add(entry)
    return result


def _merged(parts: list[Row]) -> Row:
    open_parts = [p for p in parts if p["Status"] != ItemStatus.MATCHED]
    matched = [p for p in parts if p["Status"] == ItemStatus.MATCHED]
    base = dict(open_parts[0] if open_parts else parts[0])
    counted = open_parts or parts
    paid = [p["LastPaymentDate"] for p in matched if p["LastPaymentDate"] is not None]
    base.update(
        AmountFC=sum(p["AmountFC"] for p in counted),  # type: ignore[misc]
        AmountDC=sum(p["AmountDC"] for p in counted),  # type: ignore[misc]
        Status=base["Status"] if open_parts else ItemStatus.MATCHED,
        IsFullyPaid=not open_parts,
        LastPaymentDate=max(paid) if paid else None,  # type: ignore[type-var]
        Timestamp=max(p["Timestamp"] for p in parts),  # type: ignore[type-var]
        Modified=max(p["Modified"] for p in parts),  # type: ignore[type-var]
    )
    return base
