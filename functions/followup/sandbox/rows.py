"""The rows each endpoint shows, built from a division's records, with Exact's field names."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from followup.exact.codes import ItemStatus, TransactionType
from followup.sandbox.division import Division
from followup.sandbox.documents import DocumentRecord
from followup.sandbox.matching import FIRST_TIMESTAMP
from followup.sandbox.readings import shown
from followup.sandbox.records import (
    RECEIVABLE,
    AccountRecord,
    ContactRecord,
    LineRecord,
    to_division_currency,
)

Row = dict[str, object]
LANGUAGES = {"NL": "Dutch", "EN": "English", "DE": "German", "FR": "French"}


def padded(code: str) -> str:
    """An account code as Exact stores it: 18 characters, left-padded with spaces."""
    return code.rjust(18)


def _name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def line_row(division: Division, line: LineRecord) -> Row:
    """A receivable line (or, in sync, any payment term) as Exact shows it."""
    account = division.accounts[line.account_id]
    contact = division.contacts.get(line.contact_id or "")
    return {
        "ID": line.id, "Account": account.id, "AccountCode": padded(account.code),
        "AccountContact": line.contact_id,
        "AccountContactName": _name(contact.first_name, contact.last_name) if contact else None,
        "AccountName": account.name,
        "AmountDC": to_division_currency(line.amount, line.currency), "AmountFC": line.amount,
        "Created": line.created, "Currency": line.currency, "Description": line.description,
        "Division": division.code, "Document": None, "DueDate": line.due_date,
        "EndDate": line.end_date, "EndToEndID": None, "EntryDate": line.invoice_date,
        "EntryID": line.entry_id, "EntryNumber": line.entry_number or line.invoice_number,
        "GLAccount": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox/{division.code}/gl/1300")),
        "InvoiceDate": line.invoice_date, "InvoiceNumber": line.invoice_number,
        "IsFullyPaid": line.fully_paid, "LastPaymentDate": line.last_payment_date,
        "LineType": line.line_type, "Modified": line.modified, "Source": None,
        "Status": line.status, "Timestamp": line.timestamp,
        "TransactionAmountDC": to_division_currency(line.invoice_amount, line.currency),
        "TransactionAmountFC": line.invoice_amount, "TransactionDueDate": line.due_date,
        "TransactionEntryID": line.transaction_entry_id,
        "TransactionID": str(uuid.uuid5(uuid.NAMESPACE_OID, line.transaction_entry_id)),
        "TransactionIsReversal": line.is_reversal, "TransactionType": line.transaction_type,
        "YourRef": line.your_ref,
    }  # fmt: skip


def account_row(division: Division, a: AccountRecord) -> Row:
    """A crm/Accounts row. InvoicingMethod: 2 (e-mail) when there is an address, else 1.
    CustomerSince is documented as obsolete: served null."""
    classification = division.classification_id(a.classification) if a.classification else None
    return {
        "ID": a.id, "Blocked": a.blocked, "Classification1": classification,
        "Code": padded(a.code), "CustomerSince": None,
        "Division": division.code, "Email": a.email,
        "InvoiceAccount": None, "InvoicingMethod": 2 if a.email else 1, "IsSales": a.is_sales,
        "IsSupplier": a.is_supplier, "Language": a.language,
        "LanguageDescription": LANGUAGES.get(a.language, ""), "MainContact": a.main_contact,
        "Name": a.name, "Status": a.status,
    }  # fmt: skip


def contact_row(division: Division, c: ContactRecord) -> Row:
    """A crm/Contacts row."""
    return {
        "ID": c.id, "Account": c.account_id, "AccountName": division.accounts[c.account_id].name,
        "BusinessEmail": c.business_email, "Division": division.code, "Email": c.email,
        "FirstName": c.first_name, "FullName": _name(c.first_name, c.last_name),
        "IsMainContact": c.is_main, "Language": c.language, "LastName": c.last_name,
    }  # fmt: skip


def division_row(d: Division) -> Row:
    """A system/Divisions row."""
    return {
        "Code": d.code, "Country": "NL", "Currency": d.currency, "Description": d.description,
        "Hid": d.code,
    }  # fmt: skip


SYNC_ONLY = ("LineType", "Timestamp")  # fields of the sync payment terms, not of receivables


def _lines(division: Division) -> list[Row]:
    """Every payment term as the division's readings show it (sandbox/readings.py)."""
    return shown(division.readings, [line_row(division, line) for line in division.lines])


def receivables(division: Division, _: list[Division]) -> list[Row]:
    """Receivable lines only (LineType 20), without the sync-only fields."""
    return [
        {k: v for k, v in row.items() if k not in SYNC_ONLY}
        for row in _lines(division)
        if row["LineType"] == RECEIVABLE
    ]


def payment_terms(division: Division, _: list[Division]) -> list[Row]:
    """Receivable and payable lines alike, as sync/Cashflow/PaymentTerms serves them."""
    return _lines(division)


def receivables_list(division: Division, _: list[Division]) -> list[Row]:
    """read/financial/ReceivablesList: the outstanding items report, one row per open term.
    `InvoiceNumber` is the entry number (for a collection: its invoice's); `AmountInTransit`
    is the part selected or processed for collection, whichever way the receivable shows it."""
    report = []
    own_status = replace(division.readings, in_transit="status")  # the report has no Status
    raw = [line_row(division, line) for line in division.lines if line.line_type == RECEIVABLE]
    for row in shown(own_status, raw):
        status = row["Status"]
        if status == ItemStatus.MATCHED:
            continue
        transit = row["AmountFC"] if status in (ItemStatus.SELECTED, ItemStatus.PROCESSED) else 0
        cash = row["TransactionType"] == TransactionType.CASH_FLOW
        report.append({
            "HID": row["Timestamp"], "AccountCode": row["AccountCode"],
            "AccountId": row["Account"], "AccountName": row["AccountName"],
            "Amount": row["AmountFC"], "AmountInTransit": transit,
            "CurrencyCode": row["Currency"], "Description": row["Description"],
            "DueDate": row["DueDate"], "EntryNumber": row["EntryNumber"], "Id": None,
            "InvoiceDate": row["InvoiceDate"], "InvoiceNumber": row["EntryNumber"],
            "JournalCode": "BNK" if cash else "VK",
            "JournalDescription": "Bank" if cash else "Verkoopboek",
            "YourRef": None if cash else row["YourRef"],
        })  # fmt: skip
    return report


def accounts(division: Division, _: list[Division]) -> list[Row]:
    """crm/Accounts rows."""
    return [account_row(division, a) for a in division.accounts.values()]


def contacts(division: Division, _: list[Division]) -> list[Row]:
    """crm/Contacts rows."""
    return [contact_row(division, c) for c in division.contacts.values()]


def classifications(division: Division, _: list[Division]) -> list[Row]:
    """crm/AccountClassifications: the classification codes the accounts use."""
    codes = sorted({a.classification for a in division.accounts.values() if a.classification})
    return [
        {"ID": division.classification_id(code), "Code": code, "Description": code.title()}
        for code in codes
    ]


def divisions(_: Division, every: list[Division]) -> list[Row]:
    """system/Divisions: every division the user can see."""
    return [division_row(d) for d in every]


def document_row(division: Division, d: DocumentRecord) -> Row:
    """A documents/Documents row."""
    return {
        "ID": d.id, "Account": d.account_id, "AccountName": division.accounts[d.account_id].name,
        "Created": d.created, "Division": division.code, "DocumentDate": d.document_date,
        "FinancialTransactionEntryID": d.entry_id, "Modified": d.created,
        "SalesInvoiceNumber": d.invoice_number, "Subject": d.subject, "Type": d.type,
        "TypeDescription": "Verkoopfactuur" if d.type == 10 else "",
    }  # fmt: skip


def documents(division: Division, _: list[Division]) -> list[Row]:
    """documents/Documents rows: one per invoice booked with a document."""
    return [document_row(division, d) for d in division.documents.values()]


def attachments(division: Division, _: list[Division]) -> list[Row]:
    """documents/DocumentAttachments rows. Url is server-relative here; the API answers it
    absolute (see `Endpoint.links`)."""
    return [
        {
            "ID": a.id,
            "Document": a.document_id,
            "FileName": a.file_name,
            "FileSize": Decimal(len(a.content)),
            "Url": a.path(division.code),
        }
        for d in division.documents.values()
        for a in d.attachments
    ]


def synced(make: Callable[[Division, list[Division]], list[Row]]) -> Callable[..., list[Row]]:
    """The rows of a sync endpoint over the same records: a Timestamp each, in the order the
    records were made (the sandbox doesn't change accounts or contacts once made)."""

    def rows(division: Division, every: list[Division]) -> list[Row]:
        made = enumerate(make(division, every), start=FIRST_TIMESTAMP)
        return [{"Timestamp": n} | row for n, row in made]

    return rows
