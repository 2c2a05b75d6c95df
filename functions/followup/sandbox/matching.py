"""The mechanics of a division's lines: splitting off the part to match, matching a group,
opening matched lines again, new bank lines, and stamping each change (Timestamp, Modified)."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from followup.clock import AMSTERDAM
from followup.exact.codes import ItemStatus, TransactionType
from followup.sandbox.records import RECEIVABLE, AccountRecord, LineRecord, at_amsterdam

FIRST_TIMESTAMP = 100_001
FIRST_BANK_ENTRY = 26_200_001


def aware(moment: datetime) -> datetime:
    """A datetime with a time zone (Amsterdam when it had none)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=AMSTERDAM)


def when(booked_at: datetime | None, day: date) -> datetime:
    """When a booking happened: as given, else 10:00 on its day."""
    return aware(booked_at) if booked_at else at_amsterdam(day, 10)


class LineBook:
    """A division's receivable and payable lines, and the steps every booking is made of."""

    accounts: dict[str, AccountRecord]

    def __init__(self, seed: int, lock: threading.RLock | None) -> None:
        self.lines: list[LineRecord] = []
        self._lock = lock or threading.RLock()
        self._rng = random.Random(seed)  # deterministic guids for a deterministic build
        self._timestamp = FIRST_TIMESTAMP - 1
        self._matches = 0
        self._bank_entries = FIRST_BANK_ENTRY - 1

    def new_guid(self) -> str:
        """A random-looking but reproducible guid."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _take(self, entry_id: str, amount: Decimal, changed: list[LineRecord]) -> list[LineRecord]:
        """`amount` (a magnitude) of an entry's open lines, split off where needed."""
        taken: list[LineRecord] = []
        left = amount
        for line in self._open_lines(entry_id):
            if left <= 0:
                break
            portion = min(left, abs(line.amount))
            taken += self._take_line(line, portion.copy_sign(line.amount), changed)
            left -= portion
        return taken

    def _take_line(
        self, line: LineRecord, amount: Decimal, changed: list[LineRecord]
    ) -> list[LineRecord]:
        """The line itself when `amount` is all of it; else a new part split off it."""
        remember(changed, line)
        if amount == line.amount:
            return [line]
        part = replace(
            line, id=self.new_guid(), entry_id=self.new_guid(), amount=amount, timestamp=0
        )
        line.amount -= amount
        self.lines.append(part)
        remember(changed, part)
        return [part]

    def _match_group(self, group: Iterable[LineRecord], paid_on: date) -> None:
        lines = list(group)
        self._matches += 1
        end = max(line.invoice_date for line in lines)
        for line in lines:
            line.status, line.fully_paid, line.match_id = ItemStatus.MATCHED, True, self._matches
            line.last_payment_date, line.end_date = paid_on, end

    def _note_remainders(
        self, group: Iterable[LineRecord], paid_on: date, changed: list[LineRecord]
    ) -> None:
        """An entry matched in part: its open remainder has had a payment too."""
        for entry_id in {line.transaction_entry_id for line in group}:
            for line in self.lines:
                if line.transaction_entry_id == entry_id and line.is_open:
                    line.last_payment_date = paid_on
                    remember(changed, line)

    def _unmatch(self, lines: Iterable[LineRecord]) -> list[LineRecord]:
        """Open matched lines again; their entries' LastPaymentDate falls back to what is still
        matched (or none)."""
        changed: list[LineRecord] = []
        for line in list(lines):
            line.status, line.fully_paid, line.match_id, line.end_date = (
                ItemStatus.OPEN,
                False,
                None,
                None,
            )
            remember(changed, line)
        for entry_id in {line.transaction_entry_id for line in changed}:
            entry = [x for x in self.lines if x.transaction_entry_id == entry_id]
            paid = [x.last_payment_date for x in entry if x.status == ItemStatus.MATCHED]
            last = max((day for day in paid if day is not None), default=None)
            for line in entry:
                if line.is_open and line.last_payment_date != last:
                    line.last_payment_date = last
                    remember(changed, line)
        return changed

    def _new_cash(
        self,
        account_id: str,
        money: Decimal,
        day: date,
        like: LineRecord | None,
        is_reversal: bool = False,
    ) -> LineRecord:
        """An open bank entry line: InvoiceDate and DueDate are the entry's date, no invoice
        number; the currency and line type follow the line it pays (default: EUR receivable)."""
        self._bank_entries += 1
        placeholder = datetime.min.replace(tzinfo=AMSTERDAM)  # set by _stamp_all
        line = LineRecord(
            self.new_guid(), self.new_guid(), self.new_guid(), account_id, None, None, day, day,
            money, like.currency if like else "EUR", money, TransactionType.CASH_FLOW,
            like.line_type if like else RECEIVABLE, "", "", is_reversal, created=placeholder,
            modified=placeholder, entry_number=self._bank_entries,
        )  # fmt: skip
        self.lines.append(line)
        return line

    def _line(self, line_id: str) -> LineRecord:
        for line in self.lines:
            if line.id == line_id:
                return line
        raise KeyError(line_id)

    def _open_lines(self, entry_id: str) -> list[LineRecord]:
        lines = [line for line in self.lines if line.transaction_entry_id == entry_id]
        if not lines:
            raise KeyError(entry_id)
        open_lines = [line for line in lines if line.is_open]
        if not open_lines:
            raise ValueError(f"entry {entry_id} has nothing open")
        return open_lines

    def _stamp_all(self, lines: Iterable[LineRecord], at: datetime) -> None:
        for line in lines:
            if line.timestamp == 0:
                line.created = at
            self._stamp(line, at)

    def _stamp(self, line: LineRecord, at: datetime) -> None:
        self._timestamp += 1
        line.timestamp, line.modified = self._timestamp, at


def sum_of(lines: Iterable[LineRecord]) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0))


def remember(changed: list[LineRecord], line: LineRecord) -> None:
    if not any(line is seen for seen in changed):
        changed.append(line)
