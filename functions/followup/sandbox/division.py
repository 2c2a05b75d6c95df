"""One simulated administration: its accounts, contacts and invoices (cashbook.py: the bank entries
and matches that settle them)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from followup.exact.codes import TransactionType
from followup.sandbox.bank_lines import OWN_ENTRIES, StatementLine
from followup.sandbox.cashbook import CashBook
from followup.sandbox.documents import DocumentRecord, invoice_document, with_files
from followup.sandbox.matching import aware
from followup.sandbox.readings import Readings
from followup.sandbox.records import (
    PAYABLE,
    RATES,
    RECEIVABLE,
    AccountRecord,
    Booking,
    ContactRecord,
    LineRecord,
    at_amsterdam,
)


class Division(CashBook):
    """The data of one administration. Builders take the state's lock, so the server may run."""

    def __init__(self, code: int, description: str, lock: threading.RLock | None = None) -> None:
        super().__init__(code, lock)
        self.code = code
        self.description = description
        self.currency = "EUR"
        self.accounts: dict[str, AccountRecord] = {}
        self.contacts: dict[str, ContactRecord] = {}
        self.documents: dict[str, DocumentRecord] = {}  # by ID
        self.readings = Readings()  # how the rows show what Exact's reference leaves open
        self.statement_lines: list[StatementLine] = []  # bank lines that are no customer's
        self._codes: set[str] = set()

    def classification_id(self, code: str) -> str:
        """The guid Exact would use for an account classification code."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox/{self.code}/classification/{code}"))

    def add_account(
        self,
        code: str,
        name: str,
        email: str = "",
        language: str = "",
        blocked: bool = False,
        classification: str = "",
        status: str = "C",
        is_sales: bool = True,
        is_supplier: bool = False,
    ) -> str:
        """Add a customer (or, with is_supplier, a supplier); returns its ID."""
        with self._lock:
            if code.strip() in self._codes:
                raise ValueError(f"account code {code!r} exists already")
            self._codes.add(code.strip())
            account_id = self.new_guid()
            self.accounts[account_id] = AccountRecord(
                account_id, code.strip(), name, email, language, blocked, classification, status,
                is_sales, is_supplier,
            )  # fmt: skip
            return account_id

    def import_statement(
        self, day: date, description: str = "Bankkosten", booked_at: datetime | None = None
    ) -> None:
        """Import a bank statement for `day` with one line that is no customer's (bank costs):
        financialtransaction/BankEntryLines then shows a line of that date."""
        with self._lock:
            number = OWN_ENTRIES + len(self.statement_lines) + 1
            moment = aware(booked_at) if booked_at else at_amsterdam(day, 18)
            self.statement_lines.append(StatementLine(day, number, description, moment))

    def add_contact(
        self,
        account_id: str,
        first_name: str,
        last_name: str,
        email: str = "",
        language: str = "",
        is_main: bool = False,
        business_email: str = "",
    ) -> str:
        """Add a contact person; `is_main` also makes it the account's MainContact."""
        with self._lock:
            account = self.accounts[account_id]
            contact_id = self.new_guid()
            self.contacts[contact_id] = ContactRecord(
                contact_id, account_id, first_name, last_name, email, business_email, language,
                is_main,
            )  # fmt: skip
            if is_main:
                for other in self.contacts.values():
                    if other.account_id == account_id and other.id != contact_id:
                        other.is_main = False
                account.main_contact = contact_id
            return contact_id

    def add_invoice(
        self,
        account_id: str,
        number: int,
        invoice_date: date,
        due_date: date,
        amount: Decimal,
        currency: str = "EUR",
        description: str = "",
        contact_id: str | None = None,
        your_ref: str = "",
        booked_at: datetime | None = None,
        is_reversal: bool = False,
        with_document: bool = True,
    ) -> str:
        """Book a sales invoice (a credit note, TransactionType 21, when negative) as one open
        line; returns the entry's ID (the lines' TransactionEntryID). It gets a document with
        the invoice's PDF unless `with_document` is False (booked outside the sales module)."""
        kind = TransactionType.SALES_CREDIT_NOTE if amount < 0 else TransactionType.SALES_ENTRY
        booking = Booking(
            account_id, number, invoice_date, due_date, amount, currency, description, contact_id,
            your_ref, booked_at, is_reversal,
        )  # fmt: skip
        with self._lock:
            entry_id = self._book(booking, kind, RECEIVABLE)
            if with_document:
                created = aware(booked_at) if booked_at else at_amsterdam(invoice_date, 9)
                document = invoice_document(
                    self.code, entry_id, account_id, self.accounts[account_id].name, number,
                    invoice_date, amount, currency, created,
                )  # fmt: skip
                self.documents[document.id] = document
            return entry_id

    def set_attachments(self, entry_id: str, files: Sequence[tuple[str, bytes]]) -> None:
        """Replace the files of an invoice's document with these (file name, content), in
        order; none leaves a document without attachments."""
        with self._lock:
            found = [d for d in self.documents.values() if d.entry_id == entry_id]
            if not found:
                raise KeyError(f"entry {entry_id} has no document")
            self.documents[found[0].id] = with_files(found[0], self.code, files)

    def add_payable(self, booking: Booking) -> str:
        """Book a purchase invoice: a LineType 22 line, seen only by sync/Cashflow/PaymentTerms.
        Its amount is stored negative (money owed by the division; the sign is unverified)."""
        owed = replace(booking, amount=-abs(booking.amount), contact_id=None, your_ref="")
        return self._book(owed, TransactionType.PURCHASE_ENTRY, PAYABLE)

    def _book(self, booking: Booking, transaction_type: int, line_type: int) -> str:
        b = booking
        if b.currency not in RATES:
            raise ValueError(f"the sandbox has no rate for {b.currency}")
        with self._lock:
            if b.account_id not in self.accounts:
                raise KeyError(b.account_id)
            at = aware(b.booked_at) if b.booked_at else at_amsterdam(b.invoice_date, 9)
            entry_id = self.new_guid()
            line = LineRecord(
                self.new_guid(), self.new_guid(), entry_id, b.account_id, b.contact_id, b.number,
                b.invoice_date, b.due_date, b.amount, b.currency, b.amount, transaction_type,
                line_type, b.description, b.your_ref, b.is_reversal, created=at, modified=at,
            )  # fmt: skip
            self._stamp(line, at)
            self.lines.append(line)
            return entry_id
