"""The few OData queries a run needs, as `followup.ports.ExactSource`.

Per division: the sync read of the payment terms changed since the watermark, one bulk read of
the outstanding receivables, and the fewest calls that fetch the accounts and contacts involved
(plus, when asked for, one call naming the account classifications).

A division's first run has no watermark. Exact's `read/sync/Sync/SyncTimestamp` can't start
`sync/Cashflow/PaymentTerms` from a date (PaymentTerms is not among its documented `endPoint`
values), so the first run reads the sync from its start, at most `history_pages` pages (1,000
rows each) per run; a longer history continues where it stopped in the next run (the
DivisionData says `caught_up=False`). Only rows dated in the run's window are kept.

Bank/cash lines (TransactionType 40) are receivable lines too: money received is a negative
line, a refund paid out a positive one; both come along with the payments, and an unmatched
receipt stays among the outstanding items (see docs/exact-data.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TypeVar

from followup.exact.bank_statements import bank_statements
from followup.exact.batches import id_filters
from followup.exact.client import ExactClient, Row
from followup.exact.contract import contract
from followup.exact.dates import odata_guid, to_date
from followup.exact.documents import invoice_pdfs
from followup.exact.rows import CASH_FLOW, OddRow, account, contact, receivable
from followup.model import (
    Account,
    BankStatements,
    Contact,
    DivisionData,
    Receivable,
    UnreadableRow,
)

log = logging.getLogger(__name__)

RECEIVABLE_LINE = 20  # LineType of a receivable payment term (22: payable)
SALES_ENTRY = 20  # TransactionType of a sales invoice
MATCHED = 50  # Status of a settled item; below it: open (20), selected for collection (30) and
# collection processed (40, the money is on its way)
HISTORY_PAGES = 30  # sync pages one run reads at most; a longer history goes on next run

LINE_FIELDS = (
    "ID", "Account", "AccountContact", "EntryID", "TransactionEntryID", "InvoiceNumber",
    "InvoiceDate", "DueDate", "AmountFC", "AmountDC", "Currency", "TransactionAmountFC",
    "Status", "IsFullyPaid", "LastPaymentDate", "Description", "YourRef",
    "TransactionIsReversal", "TransactionType", "AccountCode", "AccountName", "EntryNumber",
)  # fmt: skip
SYNC_FIELDS = ("Timestamp", "LineType", *LINE_FIELDS)
ACCOUNT_FIELDS = (
    "ID", "Code", "Name", "Email", "Language", "Blocked", "MainContact", "Classification1",
)  # fmt: skip
FIRST_INVOICE_FIELDS = ("Account", "InvoiceDate")
TRANSIT_FIELDS = ("AccountId", "InvoiceNumber", "AmountInTransit")
CENT = Decimal("0.01")
CLASSIFICATION_FIELDS = ("ID", "Code")
CONTACT_FIELDS = (
    "ID", "Account", "FirstName", "LastName", "Email", "BusinessEmail", "Language",
    "IsMainContact", "AccountName",
)  # fmt: skip

T = TypeVar("T")


# A row left out of a run's data, and why (with its customer and invoice when the row had them);
# the run goes on without it, and the run report lists it.
SkippedRow = UnreadableRow


class ExactOnlineSource:
    """Reads one division at a time through an ExactClient. Read-only, always.

    Rows that can't be mapped are skipped, logged as a warning with their ID and kept in
    `skipped_rows` for the run report. With `resolve_classifications`, an account's
    classification is the code of its Classification1 (one crm/AccountClassifications call when
    any account has one); without, it is Exact's guid.
    """

    def __init__(
        self,
        client: ExactClient,
        *,
        resolve_classifications: bool = False,
        history_pages: int = HISTORY_PAGES,
    ) -> None:
        self._client = client
        self._resolve_classifications = resolve_classifications
        self._history_pages = history_pages
        self.skipped_rows: list[SkippedRow] = []

    def divisions(self) -> list[int]:
        """The codes of every division the token can see (`system/Divisions`)."""
        me = self._client.get_all("current/Me", {"$select": "CurrentDivision"})
        if not me or me[0].get("CurrentDivision") is None:
            return []
        current = int(me[0]["CurrentDivision"])
        rows = self._client.get_all(f"{current}/system/Divisions", {"$select": "Code"})
        return sorted({int(row["Code"]) for row in rows if row.get("Code") is not None})

    def read(
        self,
        division: int,
        since: int | None,
        first_day: date,
        listing_pages: Mapping[str, int] | None = None,
    ) -> DivisionData:
        """Payment lines changed since row version `since` (None: from the start of the sync)
        and dated on or after `first_day`, every open receivable line, and the accounts and
        contacts of all those lines. `listing_pages`: what an earlier read learnt of the size
        of the accounts and contacts listings (see `_by_ids`)."""
        known = dict(listing_pages or {})
        calls_before = self._client.calls[division]
        skipped_before = len(self.skipped_rows)
        payments, next_watermark, caught_up = self._changed_lines(division, since or 1, first_day)
        open_items = self._open_items(division)
        lines = payments + open_items
        accounts = self._accounts(division, {line.account_id for line in lines}, known)
        contact_ids = {line.contact_id for line in lines if line.contact_id}
        contact_ids |= {a.main_contact_id for a in accounts.values() if a.main_contact_id}
        contacts = self._contacts(division, contact_ids, known)
        payers = {line.account_id for line in payments if line.status == MATCHED}
        firsts = self._first_invoices(division, payers & set(accounts))
        accounts = {
            key: replace(a, first_invoice=firsts.get(a.id.lower())) if a.id.lower() in firsts
            else a
            for key, a in accounts.items()
        }  # fmt: skip
        return DivisionData(
            division=division,
            payments=tuple(payments),
            open_items=tuple(open_items),
            accounts=accounts,
            contacts=contacts,
            next_watermark=next_watermark,
            exact_calls=self._client.calls[division] - calls_before,
            caught_up=caught_up,
            listing_pages=tuple(sorted(known.items())),
            unreadable=tuple(self.skipped_rows[skipped_before:]),
        )

    def invoice_pdfs(self, division: int, entry_ids: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        """Entry ID → (file name, PDF bytes) from Exact's documents (exact/documents.py)."""
        return invoice_pdfs(self._client, division, entry_ids)

    def bank_statements(self, division: int, cutoff: date) -> BankStatements:
        """How fresh the division's bank statements are (exact/bank_statements.py)."""
        return bank_statements(self._client, division, cutoff)

    def amounts_in_transit(
        self, division: int, account_ids: Sequence[str]
    ) -> dict[tuple[str, str], Decimal]:
        """(account ID lower-cased, InvoiceNumber) → AmountInTransit from Exact's outstanding
        items report (read/financial/ReceivablesList), for these customers: asked only for the
        customers about to be reminded, a few per call."""
        endpoint = f"{division}/read/financial/ReceivablesList"
        literals = self._guid_literals(division, endpoint, set(account_ids))
        most = contract().endpoint("read/financial/ReceivablesList").page_size
        found: dict[tuple[str, str], Decimal] = {}
        for either in id_filters("AccountId", literals, most=most):
            params = {"$select": ",".join(TRANSIT_FIELDS), "$filter": either}
            for row in self._client.get_all(endpoint, params):
                amount, number = row.get("AmountInTransit"), row.get("InvoiceNumber")
                if not isinstance(amount, int | float) or amount <= 0 or number is None:
                    continue
                key = (str(row.get("AccountId") or "").lower(), str(number))
                found[key] = found.get(key, Decimal(0)) + Decimal(str(amount)).quantize(CENT)
        return found

    def _changed_lines(
        self, division: int, since: int, first_day: date
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
        for count, (page, more) in enumerate(self._client.pages(endpoint, params), start=1):
            for row in page:
                stamp = row.get("Timestamp")
                if isinstance(stamp, int | str) and str(stamp).isdigit():
                    highest = max(highest, int(stamp))
                if row.get("LineType") == RECEIVABLE_LINE and _in_window(row, first_day):
                    receivable_rows.append(row)
            if more and count >= self._history_pages:
                caught_up = False
                break
        return self._mapped(division, endpoint, receivable_rows, receivable), highest, caught_up

    def _open_items(self, division: int) -> list[Receivable]:
        """Every outstanding line: open, selected for collection or processed (in transit)."""
        endpoint = f"{division}/bulk/Cashflow/Receivables"
        params = {"$select": ",".join(LINE_FIELDS), "$filter": f"Status lt {MATCHED}"}
        return self._mapped(division, endpoint, self._client.get_all(endpoint, params), receivable)

    def _first_invoices(self, division: int, account_ids: set[str]) -> dict[str, date]:
        """Account ID (lower case) → the date of its oldest sales invoice (TransactionType 20,
        any status) in bulk/Cashflow/Receivables: what "customer since" and the welcome line
        rest on. A few accounts per filtered call."""
        endpoint = f"{division}/bulk/Cashflow/Receivables"
        literals = self._guid_literals(division, endpoint, account_ids)
        oldest: dict[str, date] = {}
        within = f"TransactionType eq {SALES_ENTRY} and ({{}})"
        for either in id_filters("Account", literals, most=len(literals), within=within):
            params = {"$select": ",".join(FIRST_INVOICE_FIELDS), "$filter": either}
            for row in self._client.get_all(endpoint, params):
                try:
                    day = to_date(row.get("InvoiceDate"))
                except ValueError:
                    continue  # the row's own read reports it, if it matters
                key = str(row.get("Account") or "").lower()
                if day is not None and key:
                    oldest[key] = min(oldest.get(key, day), day)
        return oldest

    def _accounts(
        self, division: int, ids: set[str], known: dict[str, int]
    ) -> dict[str, Account]:
        endpoint = f"{division}/crm/Accounts"
        rows = self._by_ids(division, "CRM/Accounts", ACCOUNT_FIELDS, ids, known)
        wanted = _lowered(ids)
        found = {a.id: a for a in self._mapped(division, endpoint, rows, account)
                 if a.id.lower() in wanted}  # fmt: skip
        if self._resolve_classifications and any(a.classification for a in found.values()):
            codes = self._classification_codes(division)
            found = {key: _named(a, codes) for key, a in found.items()}
        return found

    def _classification_codes(self, division: int) -> dict[str, str]:
        """Classification guid (lower case) -> its code (crm/AccountClassifications)."""
        rows = self._client.get_all(
            f"{division}/crm/AccountClassifications", {"$select": ",".join(CLASSIFICATION_FIELDS)}
        )
        return {
            str(row["ID"]).lower(): str(row["Code"]).strip()
            for row in rows
            if row.get("ID") and row.get("Code")
        }

    def _contacts(
        self, division: int, ids: set[str], known: dict[str, int]
    ) -> dict[str, Contact]:
        endpoint = f"{division}/crm/Contacts"
        rows = self._by_ids(division, "CRM/Contacts", CONTACT_FIELDS, ids, known)
        wanted = _lowered(ids)
        return {c.id: c for c in self._mapped(division, endpoint, rows, contact)
                if c.id.lower() in wanted}  # fmt: skip

    def _by_ids(
        self,
        division: int,
        name: str,
        fields: tuple[str, ...],
        ids: set[str],
        known: dict[str, int],
    ) -> list[Row]:
        """The rows of `crm/<name>` with these IDs, in the fewest calls Exact's contract allows:
        `ID eq` filters on the standard endpoint (one page, 60 rows, a call: exact/batches.py)
        or the whole listing of `sync/<name>` (1,000 rows a page).

        Which is fewer depends on the listing's length. What a read learns of it is kept with
        the watermark (`known`: the page count of a listing read to its end, or at least one
        more than the pages read before stopping), and the next read takes the cheaper way
        outright. Knowing nothing yet, the listing is read only as long as it costs fewer calls
        than the filters would, and the IDs it didn't reach by then are filtered: at worst about
        twice the cheaper way, once per division.
        """
        resource = f"crm/{name.split('/', 1)[1]}"  # CRM/Accounts -> crm/Accounts
        standard = f"{division}/{resource}"
        literals = self._guid_literals(division, standard, ids)
        most = contract().endpoint(resource).page_size
        filters = list(id_filters("ID", literals, most=most))
        pages = known.get(name)
        if len(filters) <= 1 or (pages is not None and pages >= len(filters)):
            return self._filtered(standard, fields, filters)
        wanted, rows = _lowered(ids), []
        listing = self._client.pages(
            f"{division}/sync/{name}", {"$select": ",".join(fields), "$filter": "Timestamp gt 1"}
        )
        for count, (page, more) in enumerate(listing, start=1):
            rows += [row for row in page if str(row.get("ID") or "").lower() in wanted]
            if not more:
                known[name] = count
                return rows
            if name not in known and count >= len(filters) - 1:
                known[name] = count + 1  # at least: the next read knows filters are cheaper
                break
        seen = {str(row.get("ID") or "").lower() for row in rows}
        rest = [x for x in literals if x[5:-1].lower() not in seen]
        return rows + self._filtered(standard, fields, list(id_filters("ID", rest, most=most)))

    def _filtered(self, endpoint: str, fields: tuple[str, ...], filters: list[str]) -> list[Row]:
        rows: list[Row] = []
        for either in filters:
            rows += self._client.get_all(endpoint, {"$select": ",".join(fields), "$filter": either})
        return rows

    def _guid_literals(self, division: int, endpoint: str, ids: set[str]) -> list[str]:
        """`guid'…'` literals of the IDs, sorted; an ID that isn't a GUID is reported."""
        literals: list[str] = []
        for guid in sorted(ids):
            try:
                literals.append(odata_guid(guid))
            except ValueError:
                self._skip(division, endpoint, guid, "not a GUID")
        return literals

    def _mapped(
        self, division: int, endpoint: str, rows: Iterable[Row], convert: Callable[[Row], T]
    ) -> list[T]:
        mapped: list[T] = []
        for row in rows:
            try:
                mapped.append(convert(row))
            except OddRow as exc:
                self._skip(division, endpoint, str(row.get("ID") or "?"), str(exc), row)
        return mapped

    def _skip(
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


def _in_window(row: Row, first_day: date) -> bool:
    """Whether money moved on a sync row on or after `first_day` (its LastPaymentDate; a bank
    or cash line: its own date): the only rows a confirmation can use. A row whose date can't
    be read is kept, so that it is reported."""
    cash = row.get("TransactionType") == CASH_FLOW
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


def _named(account: Account, codes: dict[str, str]) -> Account:
    """The account with its classification's code instead of its guid, when known."""
    guid = account.classification or ""
    return replace(account, classification=codes.get(guid.lower(), account.classification))


def _lowered(ids: Iterable[str]) -> set[str]:
    return {guid.lower() for guid in ids}


def _raw_text(row: Row, name: str) -> str:
    """A text field of a raw row, trimmed (Exact pads account codes); "" when absent."""
    value = row.get(name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None or isinstance(value, bool) else str(value).strip()
