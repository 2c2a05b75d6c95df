"""Exact rows as values: a receivable line, an account, a contact. A row that can't be used
raises OddRow with the reason; the source skips it and reports it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from followup.exact.client import Row
from followup.exact.codes import TransactionType, status_of, transaction_type_of
from followup.exact.dates import to_date
from followup.model import Account, Contact, Receivable

CENT = Decimal("0.01")


class OddRow(ValueError):
    """A row Exact sent that can't be used (a missing number, an unreadable date …)."""


def receivable(row: Row) -> Receivable:
    """A receivable line (bulk/Cashflow/Receivables or sync/Cashflow/PaymentTerms) as a value.

    A bank/cash line (TransactionType 40) usually has no InvoiceNumber: it maps to "". Its
    InvoiceDate is the bank entry's date; a missing DueDate falls back to it (unverified whether
    Exact fills DueDate on cash lines).
    """
    kind = transaction_type_of(_int(row, "TransactionType"))
    cash = kind == TransactionType.CASH_FLOW
    number = row.get("InvoiceNumber")
    if (number is None or number == "") and not cash:
        raise OddRow("no InvoiceNumber")
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    stamp = row.get("Timestamp")
    invoice_date = _date(row, "InvoiceDate")
    due_date = _optional_date(row, "DueDate") if cash else _date(row, "DueDate")
    return Receivable(
        id=_text(row, "ID", required=True),
        entry_id=_text(row, "TransactionEntryID") or _text(row, "EntryID", required=True),
        account_id=_text(row, "Account", required=True),
        invoice_number="" if number is None else str(number),
        invoice_date=invoice_date,
        due_date=due_date or invoice_date,
        amount=_money(row, "AmountFC"),
        currency=_text(row, "Currency", required=True).strip().upper(),
        invoice_total=_money(row, "TransactionAmountFC"),
        status=status_of(_int(row, "Status")),
        fully_paid=bool(row.get("IsFullyPaid")),
        payment_date=_optional_date(row, "LastPaymentDate"),
        contact_id=_text(row, "AccountContact") or None,
        description=_text(row, "Description"),
        your_ref=_text(row, "YourRef"),
        is_reversal=bool(row.get("TransactionIsReversal")),
        amount_dc=None if row.get("AmountDC") is None else _money(row, "AmountDC"),
        timestamp=int(stamp) if isinstance(stamp, int | str) and str(stamp).isdigit() else None,
        transaction_type=kind,
        entry_number=_text(row, "EntryNumber"),
    )


def account(row: Row) -> Account:
    """A crm/Accounts row as a value: Code without its padding, Language upper-cased."""
    classification = row.get("Classification1")
    return Account(
        id=_text(row, "ID", required=True),
        code=_text(row, "Code").strip(),
        name=_text(row, "Name").strip(),
        email=_text(row, "Email").strip(),
        language=_text(row, "Language").strip().upper(),
        blocked=bool(row.get("Blocked")),
        main_contact_id=_text(row, "MainContact") or None,
        classification=str(classification) if classification else None,
    )


def contact(row: Row) -> Contact:
    """A crm/Contacts row as a value; BusinessEmail when Email is empty."""
    email = _text(row, "Email").strip() or _text(row, "BusinessEmail").strip()
    return Contact(
        id=_text(row, "ID", required=True),
        account_id=_text(row, "Account"),
        first_name=_text(row, "FirstName").strip(),
        last_name=_text(row, "LastName").strip(),
        email=email,
        language=_text(row, "Language").strip().upper(),
        is_main=bool(row.get("IsMainContact")),
    )


def _text(row: Row, name: str, *, required: bool = False) -> str:
    value = row.get(name)
    if value is None or value == "":
        if required:
            raise OddRow(f"no {name}")
        return ""
    return str(value)


def _money(row: Row, name: str) -> Decimal:
    value = row.get(name)
    if value is None or isinstance(value, bool):
        raise OddRow(f"no {name}")
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except InvalidOperation:
        raise OddRow(f"{name} is not a number") from None
    if not amount.is_finite():
        raise OddRow(f"{name} is not a number")
    return amount


def _int(row: Row, name: str) -> int:
    value: Any = row.get(name)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise OddRow(f"{name} is not a number") from None


def _date(row: Row, name: str) -> date:
    day = _optional_date(row, name)
    if day is None:
        raise OddRow(f"no {name}")
    return day


def _optional_date(row: Row, name: str) -> date | None:
    value = row.get(name)
    if value is not None and not isinstance(value, str):
        raise OddRow(f"{name} is not a date")
    try:
        return to_date(value)
    except ValueError:
        raise OddRow(f"{name} is not a date") from None
