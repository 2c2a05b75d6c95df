"""One simulated administration: its accounts, contacts and receivable lines, and how payments
match them."""

from __future__ import annotations

import random
import threading
import uuid
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from followup.clock import AMSTERDAM
from followup.sandbox.records import (
    MATCHED,
    OPEN,
    PAYABLE,
    RATES,
    RECEIVABLE,
    SALES_CREDIT_NOTE,
    SALES_ENTRY,
    AccountRecord,
    ContactRecord,
    LineRecord,
    at_amsterdam,
)

_FIRST_TIMESTAMP = 100_001


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=AMSTERDAM)


class Division:
    """The data of one administration. Builders take the state's lock, so the server may run."""

    def __init__(self, code: int, description: str, lock: threading.RLock | None = None) -> None:
        self.code = code
        self.description = description
        self.currency = "EUR"
        self.accounts: dict[str, AccountRecord] = {}
        self.contacts: dict[str, ContactRecord] = {}
        self.lines: list[LineRecord] = []
        self._codes: set[str] = set()
        self._lock = lock or threading.RLock()
        self._rng = random.Random(code)  # deterministic guids for a deterministic build
        self._timestamp = _FIRST_TIMESTAMP - 1

    def new_guid(self) -> str:
        """A random-looking but reproducible guid."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

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
    ) -> str:
        """Book a sales invoice (a credit note when negative) as one open line; returns the
        entry's ID (the lines' TransactionEntryID)."""
        kind = SALES_CREDIT_NOTE if amount < 0 else SALES_ENTRY
        return self._book(
            account_id, number, invoice_date, due_date, amount, currency, description,
            contact_id, your_ref, booked_at, is_reversal, kind, RECEIVABLE,
        )  # fmt: skip

    def add_payable(
        self,
        account_id: str,
        number: int,
        invoice_date: date,
        due_date: date,
        amount: Decimal,
        description: str = "",
        booked_at: datetime | None = None,
    ) -> str:
        """Book a purchase invoice: a LineType 22 line, seen only by sync/Cashflow/PaymentTerms.
        Its amount is stored negative (money owed by the division; the sign is unverified)."""
        return self._book(
            account_id, number, invoice_date, due_date, -abs(amount), "EUR", description,
            None, "", booked_at, False, 30, PAYABLE,
        )  # fmt: skip

    def _book(
        self,
        account_id: str,
        number: int,
        invoice_date: date,
        due_date: date,
        amount: Decimal,
        currency: str,
        description: str,
        contact_id: str | None,
        your_ref: str,
        booked_at: datetime | None,
        is_reversal: bool,
        transaction_type: int,
        line_type: int,
    ) -> str:
        if currency not in RATES:
            raise ValueError(f"the sandbox has no rate for {currency}")
        with self._lock:
            if account_id not in self.accounts:
                raise KeyError(account_id)
            at = _aware(booked_at) if booked_at else at_amsterdam(invoice_date, 9)
            entry_id = self.new_guid()
            line = LineRecord(
                self.new_guid(), self.new_guid(), entry_id, account_id, contact_id, number,
                invoice_date, due_date, amount, currency, amount, transaction_type, line_type,
                description, your_ref, is_reversal, created=at, modified=at,
            )  # fmt: skip
            self._stamp(line, at)
            self.lines.append(line)
            return entry_id

    def pay(
        self,
        entry_id: str,
        amount: Decimal,
        payment_date: date,
        booked_at: datetime | None = None,
    ) -> None:
        """Match a payment (or, for a credit note, a refund) against an entry's open lines.

        Enough to cover them matches them all; less splits the open line into a matched part
        and a smaller open remainder.
        """
        with self._lock:
            lines = [line for line in self.lines if line.transaction_entry_id == entry_id]
            if not lines:
                raise KeyError(entry_id)
            open_lines = [line for line in lines if line.status == OPEN]
            if not open_lines:
                raise ValueError(f"entry {entry_id} has nothing open")
            at = _aware(booked_at) if booked_at else at_amsterdam(payment_date, 10)
            left = abs(amount)
            for line in open_lines:
                if left <= 0:
                    break
                if left >= abs(line.amount):
                    left -= abs(line.amount)
                    self._settle(line, payment_date, at)
                else:
                    self._split(line, left.copy_sign(line.amount), payment_date, at)
                    left = Decimal(0)

    def _settle(self, line: LineRecord, payment_date: date, at: datetime) -> None:
        line.status, line.fully_paid = MATCHED, True
        line.last_payment_date = line.end_date = payment_date
        self._stamp(line, at)

    def _split(self, line: LineRecord, paid: Decimal, payment_date: date, at: datetime) -> None:
        matched = replace(
            line, id=self.new_guid(), entry_id=self.new_guid(), amount=paid, created=at
        )
        self._settle(matched, payment_date, at)
        self.lines.append(matched)
        line.amount -= paid
        line.last_payment_date = payment_date
        self._stamp(line, at)

    def _stamp(self, line: LineRecord, at: datetime) -> None:
        self._timestamp += 1
        line.timestamp, line.modified = self._timestamp, at
