"""Money on its way, as Exact's outstanding-items report shows it (read/financial/ReceivablesList
`AmountInTransit`): put on the open lines it belongs to, so a reminder never asks for it.

Exact may show a collection in progress as a receivable at status 30/40 or only as
`AmountInTransit` on the report (docs/exact-data.md); both readings end in the same
`Receivable.transit_amount`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from followup.model import DivisionData, Receivable

# (account ID in lower case, the report's InvoiceNumber) -> AmountInTransit. The report's
# InvoiceNumber is "for sales entry ... the entrynumber"; a collection's row names the invoice's.
Transit = Mapping[tuple[str, str], Decimal]


def with_transit(data: DivisionData, transit: Transit) -> DivisionData:
    """The data with each open line's share of the amount in transit set, oldest line first."""
    left: dict[tuple[str, str], Decimal] = defaultdict(Decimal, transit)
    lines: list[Receivable] = []
    for line in sorted(data.open_items, key=lambda x: (x.due_date, x.id)):
        key = (line.account_id.lower(), line.entry_number or line.invoice_number)
        share = min(left[key], line.amount) if line.is_open and line.amount > 0 else Decimal(0)
        if share > 0:
            left[key] -= share
            line = replace(line, amount_in_transit=share)
        lines.append(line)
    order = {line.id: n for n, line in enumerate(data.open_items)}
    lines.sort(key=lambda x: order[x.id])
    return replace(data, open_items=tuple(lines))
