"""financialtransaction/BankEntryLines: the division's bank statement lines, as Exact lists them.

Every receipt and refund the sandbox books (cashbook.py) is a bank entry with one line on the
debtors account, dated the day the money moved; `Division.import_statement` adds a line that
is no customer's (bank costs, say): a statement imported for a day on which no customer paid.
Only `Date` matters to followup ("Date of the statement line"); the other documented fields
are filled where the sandbox knows them, else null (the amounts' sign convention on these lines
is not documented: left null).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from followup.exact.codes import TransactionType
from followup.exact.contract import contract

if TYPE_CHECKING:  # the division module imports this one
    from followup.sandbox.division import Division

Row = dict[str, object]
ENDPOINT = "financialtransaction/BankEntryLines"
OWN_ENTRIES = 900_000  # entry numbers of imported statement lines, apart from the receipts'


@dataclass(frozen=True)
class StatementLine:
    """A bank statement line no customer's payment term shows."""

    day: date
    number: int
    description: str
    booked_at: datetime

    def entry_id(self, division: int) -> str:
        """The bank entry (header) this line belongs to."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox/{division}/statement/{self.number}"))


def _row(division: int, entry_id: str, number: int, day: date, created: datetime) -> Row:
    row: Row = dict.fromkeys(contract().endpoint(ENDPOINT).fields)
    return row | {
        "ID": str(uuid.uuid5(uuid.UUID(entry_id), "line/1")), "EntryID": entry_id,
        "EntryNumber": number, "Date": day, "Division": division, "LineNumber": 1,
        "Created": created, "Modified": created,
    }  # fmt: skip


def bank_entry_lines(division: Division, _: list[Division]) -> list[Row]:
    """One line per bank entry the division holds: its receipts and refunds (one per entry,
    however matches split them), and the statement lines imported apart."""
    rows: dict[str, Row] = {}
    for line in division.lines:
        if line.transaction_type != TransactionType.CASH_FLOW or line.transaction_entry_id in rows:
            continue
        account = division.accounts[line.account_id]
        row = _row(division.code, line.transaction_entry_id, line.entry_number or 0,
                   line.invoice_date, line.created)  # fmt: skip
        rows[line.transaction_entry_id] = row | {
            "Account": account.id, "AccountCode": account.code.rjust(18),
            "AccountName": account.name, "Description": line.description or None,
        }  # fmt: skip
    for own in division.statement_lines:
        entry = own.entry_id(division.code)
        row = _row(division.code, entry, own.number, own.day, own.booked_at)
        rows[entry] = row | {"Description": own.description}
    return list(rows.values())
