"""Dutch statutory extrajudicial collection costs (Besluit vergoeding buitengerechtelijke
incassokosten, the "WIK" scale): what a final notice says would be charged, never charges it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# (upper bound of the band, rate within it); the last band is open-ended.
_BANDS = (
    (Decimal(2500), Decimal("0.15")),
    (Decimal(5000), Decimal("0.10")),
    (Decimal(10000), Decimal("0.05")),
    (Decimal(200000), Decimal("0.01")),
    (None, Decimal("0.005")),
)
MINIMUM = Decimal(40)
MAXIMUM = Decimal(6775)


def collection_costs(principal: Decimal) -> Decimal:
    """The statutory costs on an outstanding principal (EUR), minimum 40, maximum 6,775."""
    if principal <= 0:
        return Decimal(0)
    total = Decimal(0)
    lower = Decimal(0)
    for upper, rate in _BANDS:
        top = principal if upper is None else min(principal, upper)
        if top > lower:
            total += (top - lower) * rate
        if upper is None or principal <= upper:
            break
        lower = upper
    total = min(max(total, MINIMUM), MAXIMUM)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
