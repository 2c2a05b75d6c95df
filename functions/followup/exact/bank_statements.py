"""How fresh a division's bank statements are: `financialtransaction/BankEntryLines`, `Date`
("Date of the statement line", FinancialTransactionBankEntryLines).

The reference has no "imported on" field anywhere (../shared/docs/exact-reference/
bank_statement_import_candidates.md); the newest statement line's date says up to which day
the bank's money is in the books, which is what a reminder depends on. (`BankEntries.Created`
would call an old statement imported today fresh.) See docs/exact-data.md.

One call answers the daily question: `$select=Date&$filter=Date ge datetime'<cutoff>'&$top=1`,
one row or none. `$orderby` is slow on Exact and not needed: only when no line is that recent,
the newest date is found by asking the same one-row question of earlier days (a week back,
then a year back, then halving the span between): at most 12 one-row calls, on the days a
division's statements are behind. No line in a year: the division has no bank statements.
"""

from __future__ import annotations

from datetime import date, timedelta

from followup.exact.client import ExactClient
from followup.exact.dates import odata_datetime
from followup.model import BankStatements

ENDPOINT = "financialtransaction/BankEntryLines"
WEEK = timedelta(days=7)
YEAR = timedelta(days=365)


def bank_statements(client: ExactClient, division: int, cutoff: date) -> BankStatements:
    """Whether a statement line is dated on or after `cutoff`, else the newest line's date
    (None: no line in the year before the cutoff)."""
    if _any_from(client, division, cutoff):
        return BankStatements(cutoff, current=True)
    newer_than_week = _any_from(client, division, cutoff - WEEK)
    if newer_than_week:
        low = cutoff - WEEK
    elif _any_from(client, division, cutoff - YEAR):
        low = cutoff - YEAR
    else:
        return BankStatements(cutoff, current=False, latest=None)
    high = cutoff - WEEK if not newer_than_week else cutoff
    # A line on or after `low`, none on or after `high`: halve until they are a day apart.
    while (high - low).days > 1:
        middle = low + timedelta(days=(high - low).days // 2)
        if _any_from(client, division, middle):
            low = middle
        else:
            high = middle
    return BankStatements(cutoff, current=False, latest=low)


def _any_from(client: ExactClient, division: int, day: date) -> bool:
    """Whether any statement line is dated on or after `day`: one call, one row at most."""
    params = {"$select": "Date", "$filter": f"Date ge {odata_datetime(day)}", "$top": "1"}
    rows, _ = next(client.pages(f"{division}/{ENDPOINT}", params))
    return bool(rows)
