"""The few OData queries a run needs, as `followup.ports.ExactSource`.

Per division: the sync read of the payment terms changed since the watermark
(exact/payment_sync.py), one bulk read of the outstanding receivables (exact/receivables.py),
and the fewest calls that fetch the accounts and contacts involved (exact/customers.py; plus,
when asked for, one call naming the account classifications).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from followup.exact import customers, payment_sync, receivables
from followup.exact.bank_statements import bank_statements
from followup.exact.client import ExactClient
from followup.exact.codes import ItemStatus
from followup.exact.customers import ListingPages
from followup.exact.documents import invoice_pdfs
from followup.exact.payment_sync import HISTORY_PAGES
from followup.exact.reading import Reader
from followup.model import BankStatements, DivisionData, UnreadableRow

__all__ = ["HISTORY_PAGES", "ExactOnlineSource"]


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
        self._reader = Reader(client)
        self._resolve_classifications = resolve_classifications
        self._history_pages = history_pages

    @property
    def skipped_rows(self) -> list[UnreadableRow]:
        """Every row left out so far, in order (see exact/reading.py)."""
        return self._reader.skipped_rows

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
        listing_pages: ListingPages | None = None,
    ) -> DivisionData:
        """Payment lines changed since row version `since` (None: from the start of the sync)
        and dated on or after `first_day`, every open receivable line, and the accounts and
        contacts of all those lines. `listing_pages`: what an earlier read learnt of the size
        of the accounts and contacts listings (see exact/customers.py)."""
        reader, known = self._reader, dict(listing_pages or {})
        calls_before = self._client.calls[division]
        skipped_before = len(reader.skipped_rows)
        payments, next_watermark, caught_up = payment_sync.changed_lines(
            reader, division, since or 1, first_day, self._history_pages
        )
        open_items = receivables.open_items(reader, division)
        lines = payments + open_items
        involved = {line.account_id for line in lines}
        accounts = customers.accounts(
            reader, division, involved, known, self._resolve_classifications
        )
        contact_ids = {line.contact_id for line in lines if line.contact_id}
        contact_ids |= {a.main_contact_id for a in accounts.values() if a.main_contact_id}
        contacts = customers.contacts(reader, division, contact_ids, known)
        payers = {line.account_id for line in payments if line.status == ItemStatus.MATCHED}
        firsts = receivables.first_invoices(reader, division, payers & set(accounts))
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
            unreadable=tuple(reader.skipped_rows[skipped_before:]),
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
        items report, for these customers (exact/receivables.py)."""
        return receivables.amounts_in_transit(self._reader, division, account_ids)
