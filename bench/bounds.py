"""The fewest Exact calls a read could make, part by part, and the calls the sandbox answered,
split the same way: what the benchmarks print next to each other.

A part's lower bound is the cheapest way Exact's contract allows to get what the run needed:
- sync: the payment sync can only be read from a row version, so the rows after `since`, at
  1,000 a page (a first run, without a watermark: the whole history), at most the reader's
  `budget` of pages a run;
- open: every outstanding row, at 1,000 a page (one call even for none);
- accounts, contacts: the IDs involved, either by the whole `sync/CRM/*` listing (1,000 a page)
  or by `ID eq guid'…' or …` filters on `crm/*` (60 rows a page; as many IDs as fit a filter,
  counted with `followup.exact.batches.id_filters` on the real IDs): whichever is fewer;
- first invoices: the payers' oldest sales invoice, either by `Account eq` filters on
  bulk/Cashflow/Receivables or by listing every sales invoice (1,000 a page): whichever is fewer.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from followup.clock import SystemClock
from followup.exact.batches import id_filters
from followup.exact.codes import ItemStatus, TransactionType
from followup.exact.contract import contract
from followup.model import DivisionData
from followup.sandbox.division import Division
from followup.sandbox.records import RECEIVABLE
from followup.sandbox.state import Call
from sandbox_process import SandboxProcess, pages

PARTS = ("sync", "open", "accounts", "contacts", "first invoices", "other")
FIRST_INVOICES = f"TransactionType eq {TransactionType.SALES_ENTRY} and ({{}})"


@dataclass(frozen=True)
class Census:
    """What a division holds, as far as the bounds need it (taken when it is built)."""

    stamps: tuple[int, ...]  # every sync row's Timestamp, sorted
    accounts: int
    contacts: int
    sales_lines: int  # receivable lines of sales invoices (TransactionType 20), any status

    def rows_after(self, since: int | None) -> int:
        """Sync rows a read from `since` (None: from the start) has to go through."""
        return sum(1 for stamp in self.stamps if stamp > (since or 1))


def census(division: Division) -> dict[str, Any]:
    """A division's Census, as a build's info (the child process sends it to the parent)."""
    sales = [x for x in division.lines if x.line_type == RECEIVABLE]
    return {
        "census": Census(
            stamps=tuple(sorted(line.timestamp for line in division.lines)),
            accounts=len(division.accounts),
            contacts=len(division.contacts),
            sales_lines=sum(1 for x in sales if x.transaction_type == TransactionType.SALES_ENTRY),
        )
    }


def filter_calls(field: str, ids: Iterable[str], resource: str, within: str = "{}") -> int:
    """Calls that `field eq guid'…' or …` filters on `resource` take for these IDs (each
    filter one page: at most a page of IDs; within `within`, as many as the query budget holds,
    as queries.py asks for first invoices)."""
    return len(_filters(field, ids, resource, within))


def ids_per_filter(field: str, ids: Iterable[str], resource: str, within: str = "{}") -> int:
    """How many of these IDs one filter holds at most (counted on the IDs repeated, so that
    there are more than a filter holds)."""
    some = sorted(set(ids))
    if not some:
        return 0
    filters = _filters(field, some * (200 // len(some) + 1), resource, within, unique=False)
    return filters[0].count(" eq guid'")


def _filters(
    field: str, ids: Iterable[str], resource: str, within: str, unique: bool = True
) -> list[str]:
    literals = [f"guid'{guid.lower()}'" for guid in (sorted(set(ids)) if unique else ids)]
    most = contract().endpoint(resource).page_size if within == "{}" else len(literals)
    return list(id_filters(field, literals, most=max(most, 1), within=within))


@dataclass(frozen=True)
class Bound:
    """A read's lower bound per part, and how each was worked out."""

    parts: dict[str, int]
    why: dict[str, str]

    @property
    def total(self) -> int:
        """The sum of the parts."""
        return sum(self.parts.values())


def involved(data: DivisionData) -> tuple[set[str], set[str], set[str]]:
    """The account, contact and payer IDs a read had to look up (as queries.py gathers them)."""
    lines = data.payments + data.open_items
    accounts = {line.account_id for line in lines}
    contacts = {line.contact_id for line in lines if line.contact_id}
    contacts |= {a.main_contact_id for a in data.accounts.values() if a.main_contact_id}
    found = {key.lower() for key in data.accounts}
    payers = {x.account_id for x in data.payments if x.status == ItemStatus.MATCHED}
    return accounts, contacts, {guid for guid in payers if guid.lower() in found}


def lower_bound(data: DivisionData, totals: Census, since: int | None, budget: int) -> Bound:
    """Per part, the fewest calls this read could have made (see the module's text)."""
    rows = totals.rows_after(since)
    parts = {"sync": min(budget, pages(rows)), "open": pages(len(data.open_items))}
    why = {
        "sync": f"min({budget} pages, ceil({rows} rows / 1000) = {pages(rows)})",
        "open": f"ceil({len(data.open_items)} rows / 1000)",
    }
    accounts, contacts, payers = involved(data)
    for part, ids, total in (("accounts", accounts, totals.accounts),
                             ("contacts", contacts, totals.contacts)):  # fmt: skip
        resource = f"crm/{part.capitalize()}"
        filters, each = filter_calls("ID", ids, resource), ids_per_filter("ID", ids, resource)
        parts[part] = min(pages(total), filters) if ids else 0
        why[part] = (f"min(listing ceil({total} / 1000) = {pages(total)}, filters "
                     f"ceil({len(ids)} IDs / {each} a filter) = {filters})")  # fmt: skip
    endpoint = "bulk/Cashflow/Receivables"
    filters = filter_calls("Account", payers, endpoint, FIRST_INVOICES)
    each = ids_per_filter("Account", payers, endpoint, FIRST_INVOICES)
    parts["first invoices"] = min(filters, pages(totals.sales_lines)) if payers else 0
    why["first invoices"] = (
        f"min(filters ceil({len(payers)} payers / {each} a filter) = {filters}, every sales "
        f"invoice ceil({totals.sales_lines} / 1000) = {pages(totals.sales_lines)})"
        if payers else "no payer: no call"
    )  # fmt: skip
    parts["other"], why["other"] = 0, "-"
    return Bound(parts, why)


def part_of(call: Call) -> str:
    """Which part of a read a call served, by its endpoint and filter."""
    _, _, path = call
    target, _, query = path.partition("?")
    endpoint = target.split("/", 4)[-1]  # /api/v1/<division>/<endpoint>
    if endpoint == "sync/Cashflow/PaymentTerms":
        return "sync"
    if endpoint == "bulk/Cashflow/Receivables":
        return "first invoices" if "TransactionType eq" in query else "open"
    if endpoint in ("crm/Accounts", "sync/CRM/Accounts"):
        return "accounts"
    if endpoint in ("crm/Contacts", "sync/CRM/Contacts"):
        return "contacts"
    return "other"


def endpoint_of(call: Call) -> str:
    """The endpoint a call asked (without the division), `crm/*` marked as filtered."""
    _, _, path = call
    target, _, query = path.partition("?")
    endpoint = target.split("/", 4)[-1]
    return endpoint + (" (ID filter)" if endpoint.startswith("crm/") and "ID eq" in query else "")


def split(calls: Iterable[Call]) -> tuple[Counter[str], Counter[str]]:
    """Calls per part and per endpoint."""
    parts: Counter[str] = Counter()
    endpoints: Counter[str] = Counter()
    for call in calls:
        parts[part_of(call)] += 1
        endpoints[endpoint_of(call)] += 1
    return parts, endpoints


def per_part(calls: Counter[str], bound: Bound) -> list[tuple[str, ...]]:
    """Rows of a table: part, calls, lower bound, over, how the bound was worked out."""
    rows: list[tuple[str, ...]] = [("part", "calls", "lower bound", "over", "lower bound from")]
    for part in PARTS:
        made, least = calls[part], bound.parts[part]
        if made or least:
            rows.append((part, str(made), str(least), over(made, least), bound.why[part]))
    made = sum(calls.values())
    rows.append(("total", str(made), str(bound.total), over(made, bound.total), ""))
    return rows


def over(calls: int, bound: int) -> str:
    """Calls over the bound, signed."""
    return f"{calls - bound:+d}"


class WaitingClock(SystemClock):
    """The system clock, counting the seconds the client slept (rate limits, retries)."""

    def __init__(self) -> None:
        self.slept = 0.0

    def sleep(self, seconds: float) -> None:
        """Sleep for real, and count it."""
        self.slept += max(seconds, 0.0)
        super().sleep(seconds)


@dataclass(frozen=True)
class Measured:
    """One read: what it returned, the calls the sandbox answered for it, its wall time and
    how much of it the client spent waiting."""

    name: str
    data: DivisionData
    calls: list[Call]
    wall: float
    waited: float


def measure(
    name: str,
    sandbox: SandboxProcess,
    division: int,
    read: Callable[[], DivisionData],
    clock: WaitingClock,
) -> Measured:
    """Run `read` and collect the calls the sandbox answered the division meanwhile."""
    before, slept = len(sandbox.calls()), clock.slept
    start = time.perf_counter()
    data = read()
    wall = time.perf_counter() - start
    calls = [call for call in sandbox.calls()[before:] if call[0] == division]
    return Measured(name, data, calls, wall, clock.slept - slept)
