"""How bank entries and credit notes settle a division's receivable lines: Exact's cashflow model.

Everything on the debtors account is a payment term (a receivable line): invoices (TransactionType
20, positive), credit notes (21, negative) and bank/cash lines (40): money received is a NEGATIVE
line, money paid back a POSITIVE one. Matching lines against each other sets them all to Status 50
(IsFullyPaid); a line matched in part is split into a matched part (a new ID and EntryID) and an
open remainder that keeps the original ID. A receipt nobody matched stays an open negative line.

Documented (Exact's field texts, see docs/exact-online-api.md): the Status codes; EndDate "is the
highest invoice date of all matched receivables"; a cash line's InvoiceDate is the bank entry's
date; a cash line matched with one invoice carries that invoice's YourRef. Our reading, not
documented: that a split part gets a new ID/EntryID, that LastPaymentDate is the date of the
match's money (the receipt's date, also when matched days later; the settlement date when a
credit note settles an invoice; the reversal's date for a reversed entry), and that a line
matched in part gets LastPaymentDate on its open remainder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from followup.exact.codes import ItemStatus, TransactionType
from followup.sandbox.matching import LineBook, aware, sum_of, when
from followup.sandbox.records import LineRecord

Part = tuple[str, Decimal]  # (TransactionEntryID of an invoice or credit note, amount to match)


class CashBook(LineBook):
    """The bookings that settle lines: bank entries, late matches, credit notes, reversals and
    direct debits. Each stamps every line it creates or changes with the next Timestamp and
    sets its Modified to the booking's moment. Builders take the state's lock."""

    def receive(
        self,
        account_id: str,
        amount: Decimal,
        payment_date: date,
        booked_at: datetime | None = None,
        match: Sequence[Part] = (),
        description: str = "",
    ) -> str:
        """Book money received from a customer: an open negative cash line, matched with the
        given invoice (or credit note) parts; what they don't use stays open. Returns the cash
        line's ID (after a part match: the open remainder's)."""
        if amount <= 0:
            raise ValueError("a receipt is a positive amount of money received")
        return self._bank_entry(account_id, -amount, payment_date, booked_at, match, description)

    def refund(
        self,
        credit_entry_id: str,
        amount: Decimal,
        payment_date: date,
        booked_at: datetime | None = None,
    ) -> str:
        """Pay (part of) a credit note back: a positive cash line matched with it."""
        if amount <= 0:
            raise ValueError("a refund is a positive amount of money paid out")
        with self._lock:
            credit = self._open_lines(credit_entry_id)
            if sum_of(credit) >= 0:
                raise ValueError(f"entry {credit_entry_id} is not a credit note")
            parts = [(credit_entry_id, amount)]
            return self._bank_entry(
                credit[0].account_id, amount, payment_date, booked_at, parts, "", credit[0]
            )

    def pay(
        self,
        entry_id: str,
        amount: Decimal,
        payment_date: date,
        booked_at: datetime | None = None,
    ) -> str:
        """The usual case in one call: money for one entry (a receipt for an invoice, a refund
        for a credit note, a payment to a supplier for a payable), matched with as much of it as
        is open. Returns the cash line's ID."""
        with self._lock:
            lines = self._open_lines(entry_id)
            outstanding = sum_of(lines)
            money = abs(amount).copy_sign(-outstanding)
            used = min(abs(amount), abs(outstanding))
            return self._bank_entry(
                lines[0].account_id, money, payment_date, booked_at, [(entry_id, used)], "",
                lines[0],
            )  # fmt: skip

    def match(self, cash_line_id: str, parts: Sequence[Part], booked_at: datetime) -> None:
        """Match an open cash line later than it was received: the invoices' LastPaymentDate is
        the receipt's date, their Modified and Timestamp those of this booking."""
        with self._lock:
            cash = self._line(cash_line_id)
            if cash.transaction_type != TransactionType.CASH_FLOW or not cash.is_open:
                raise ValueError(f"line {cash_line_id} is not an open cash line")
            changed: list[LineRecord] = []
            self._match_cash(cash, parts, changed)
            self._stamp_all(changed, aware(booked_at))

    def reverse(self, cash_line_id: str, day: date, booked_at: datetime | None = None) -> str:
        """Reverse the bank entry of a cash line: a reversal line of the opposite amount
        (TransactionIsReversal) matched with all of the entry's lines, and whatever the entry had
        settled open again. Split parts are not merged back: each stays an open line of its own,
        because a merge would delete a row, and a deleted row never shows in the sync feed.
        Returns the reversal line's ID."""
        with self._lock:
            cash = self._line(cash_line_id)
            if cash.transaction_type != TransactionType.CASH_FLOW or cash.is_reversal:
                raise ValueError(f"line {cash_line_id} is not a bank entry line to reverse")
            entry = [x for x in self.lines if x.transaction_entry_id == cash.transaction_entry_id]
            groups = {x.match_id for x in entry if x.match_id is not None}
            if any(x.is_reversal for x in self.lines if x.match_id in groups):
                raise ValueError(f"the entry of line {cash_line_id} is reversed already")
            changed = self._unmatch(
                x
                for x in self.lines
                if x.match_id in groups and x.transaction_entry_id != cash.transaction_entry_id
            )
            total = sum_of(entry)
            reversal = self._new_cash(cash.account_id, -total, day, cash, is_reversal=True)
            reversal.your_ref = cash.your_ref
            self._match_group([*entry, reversal], day)
            self._stamp_all([*changed, *entry, reversal], when(booked_at, day))
            return reversal.id

    # --- matches without money ------------------------------------------------------------

    def settle_with_credit_note(
        self,
        invoice_entry_id: str,
        credit_entry_id: str,
        day: date,
        booked_at: datetime | None = None,
    ) -> None:
        """Match a credit note with an invoice: no cash line. As much as both have open is
        matched (LastPaymentDate `day`); the larger one keeps an open remainder."""
        with self._lock:
            invoice = self._open_lines(invoice_entry_id)
            credit = self._open_lines(credit_entry_id)
            owed, credited = sum_of(invoice), sum_of(credit)
            if owed <= 0 or credited >= 0:
                raise ValueError("settle an invoice (positive) with a credit note (negative)")
            if invoice[0].account_id != credit[0].account_id:
                raise ValueError("a credit note settles invoices of its own account only")
            used = min(owed, -credited)
            changed: list[LineRecord] = []
            group = self._take(invoice_entry_id, used, changed)
            group += self._take(credit_entry_id, used, changed)
            self._match_group(group, day)
            self._note_remainders(group, day, changed)
            self._stamp_all(changed, when(booked_at, day))

    def collect(
        self, entry_id: str, day: date, processed: bool = False, booked_at: datetime | None = None
    ) -> None:
        """Direct debit: the entry's open lines are selected for collection (Status 30) or the
        collection is processed (40): the money is on its way, not yet received."""
        with self._lock:
            lines = [
                x
                for x in self._open_lines(entry_id)
                if x.status in (ItemStatus.OPEN, ItemStatus.SELECTED)
            ]
            if not lines:
                raise ValueError(f"entry {entry_id} has nothing left to collect")
            for line in lines:
                line.status = ItemStatus.PROCESSED if processed else ItemStatus.SELECTED
            self._stamp_all(lines, when(booked_at, day))

    # --- the mechanics --------------------------------------------------------------------

    def _bank_entry(
        self,
        account_id: str,
        money: Decimal,
        day: date,
        booked_at: datetime | None,
        parts: Sequence[Part],
        description: str,
        like: LineRecord | None = None,
    ) -> str:
        with self._lock:
            if account_id not in self.accounts:
                raise KeyError(account_id)
            self._check_parts(account_id, money, parts)
            cash = self._new_cash(account_id, money, day, like)
            cash.description = description
            changed = [cash]
            self._match_cash(cash, parts, changed)
            self._stamp_all(changed, when(booked_at, day))
            return cash.id

    def _check_parts(self, account_id: str, money: Decimal, parts: Sequence[Part]) -> None:
        """Refuse a match before anything changes: other accounts, too much, wrong sign."""
        total = Decimal(0)
        for entry_id, amount in parts:
            lines = self._open_lines(entry_id)
            if any(line.account_id != account_id for line in lines):
                raise ValueError(f"entry {entry_id} belongs to another account")
            outstanding = sum_of(lines)
            if not 0 < abs(amount) <= abs(outstanding):
                raise ValueError(f"entry {entry_id} has {outstanding} open, not {amount}")
            total += abs(amount).copy_sign(outstanding)
        if parts and (total == 0 or (total > 0) == (money > 0) or abs(total) > abs(money)):
            raise ValueError(f"parts of {total} can't be matched with money of {money}")

    def _match_cash(
        self, cash: LineRecord, parts: Sequence[Part], changed: list[LineRecord]
    ) -> None:
        """Match (part of) an open cash line with the parts of invoices and credit notes."""
        self._check_parts(cash.account_id, cash.amount, parts)
        if not parts:
            return
        paid_on = cash.invoice_date  # the bank entry's date: when the money moved
        group: list[LineRecord] = []
        for entry_id, amount in parts:
            group += self._take(entry_id, abs(amount), changed)
        group += self._take_line(cash, -sum_of(group), changed)
        self._match_group(group, paid_on)
        self._note_remainders(group, paid_on, changed)
        entries = {
            x.transaction_entry_id for x in group if x.transaction_type != TransactionType.CASH_FLOW
        }
        if len(entries) == 1:
            settled = next(x for x in group if x.transaction_type != TransactionType.CASH_FLOW)
            for line in [*group, cash]:
                if line.transaction_type == TransactionType.CASH_FLOW:
                    line.your_ref = settled.your_ref
