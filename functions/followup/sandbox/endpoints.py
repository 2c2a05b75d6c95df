"""The endpoints the sandbox serves: their fields (named as Exact names them), which may be
filtered, and their page sizes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from followup.sandbox import rows
from followup.sandbox.division import Division
from followup.sandbox.odata import FieldType
from followup.sandbox.rows import Row

_TYPES = {
    "guid": FieldType.GUID,
    "str": FieldType.STRING,
    "int": FieldType.INT,
    "num": FieldType.DECIMAL,
    "bool": FieldType.BOOL,
    "date": FieldType.DATETIME,
}


def fields(spec: str) -> dict[str, FieldType]:
    """Field types from `Name:type` words (type: guid, str, int, num, bool, date)."""
    pairs = (word.split(":") for word in spec.split())
    return {name: _TYPES[kind] for name, kind in pairs}


class Kind(Enum):
    """Standard endpoints page by 60; bulk and sync by 1,000."""

    STANDARD = "standard"
    BULK = "bulk"
    SYNC = "sync"

    @property
    def page_size(self) -> int:
        """The most records one page holds."""
        return 60 if self is Kind.STANDARD else 1000


@dataclass(frozen=True)
class Endpoint:
    """One served resource."""

    kind: Kind
    fields: dict[str, FieldType]
    rows: Callable[[Division, list[Division]], list[Row]]
    filterable: frozenset[str] | None = None  # None: every field
    key: str = "ID"  # the order of the listing, and what `$skiptoken` carries
    links: tuple[str, ...] = ()  # fields holding a server-relative URL, served absolute


RECEIVABLE_FIELDS = fields(
    "ID:guid Account:guid AccountCode:str AccountContact:guid AccountContactName:str "
    "AccountName:str AmountDC:num AmountFC:num Created:date Currency:str Description:str "
    "Division:int Document:guid DueDate:date EndDate:date EndToEndID:str EntryDate:date "
    "EntryID:guid EntryNumber:int GLAccount:guid InvoiceDate:date InvoiceNumber:int "
    "IsFullyPaid:bool LastPaymentDate:date Modified:date Source:int Status:int "
    "TransactionAmountDC:num TransactionAmountFC:num TransactionDueDate:date "
    "TransactionEntryID:guid TransactionID:guid TransactionIsReversal:bool TransactionType:int "
    "YourRef:str"
)
# Bulk/Cashflow/Receivables can filter only on these (PQ/PI, see docs/exact-online-api.md).
BULK_RECEIVABLE_FILTERS = frozenset(
    ["Account", "Document", "EndDate", "EndToEndID", "EntryDate", "EntryID", "GLAccount", "ID",
     "InvoiceDate", "InvoiceNumber", "Source", "Status", "TransactionID", "TransactionType"]
)  # fmt: skip
PAYMENT_TERM_FIELDS = RECEIVABLE_FIELDS | fields("Timestamp:int LineType:int")
ACCOUNT_FIELDS = fields(
    "ID:guid Blocked:bool Classification1:guid Code:str CustomerSince:date Division:int Email:str "
    "InvoiceAccount:guid InvoicingMethod:int IsSales:bool IsSupplier:bool Language:str "
    "LanguageDescription:str MainContact:guid Name:str Status:str"
)
CONTACT_FIELDS = fields(
    "ID:guid Account:guid AccountName:str BusinessEmail:str Division:int Email:str "
    "FirstName:str FullName:str IsMainContact:bool Language:str LastName:str"
)
DIVISION_FIELDS = fields("Code:int Country:str Currency:str Description:str HID:int")
CLASSIFICATION_FIELDS = fields("ID:guid Code:str Description:str")
DOCUMENT_FIELDS = fields(
    "ID:guid Account:guid AccountName:str Created:date Division:int DocumentDate:date "
    "FinancialTransactionEntryID:guid Modified:date SalesInvoiceNumber:int Subject:str "
    "Type:int TypeDescription:str"
)
DOCUMENT_FILTERS = frozenset(
    ["ID", "Account", "FinancialTransactionEntryID", "SalesInvoiceNumber", "Type"]
)
ATTACHMENT_FIELDS = fields("ID:guid Document:guid FileName:str FileSize:num Url:str")
ME_FIELDS = fields(
    "CurrentDivision:int Email:str FullName:str LanguageCode:str UserID:guid UserName:str"
)

ENDPOINTS: dict[str, Endpoint] = {
    "system/Divisions": Endpoint(Kind.STANDARD, DIVISION_FIELDS, rows.divisions, key="Code"),
    "system/AllDivisions": Endpoint(Kind.STANDARD, DIVISION_FIELDS, rows.divisions, key="Code"),
    "cashflow/Receivables": Endpoint(Kind.STANDARD, RECEIVABLE_FIELDS, rows.receivables),
    "bulk/Cashflow/Receivables": Endpoint(
        Kind.BULK, RECEIVABLE_FIELDS, rows.receivables, BULK_RECEIVABLE_FILTERS
    ),
    "sync/Cashflow/PaymentTerms": Endpoint(
        Kind.SYNC, PAYMENT_TERM_FIELDS, rows.payment_terms, frozenset({"Timestamp"}), "Timestamp"
    ),
    "crm/Accounts": Endpoint(Kind.STANDARD, ACCOUNT_FIELDS, rows.accounts),
    "bulk/CRM/Accounts": Endpoint(Kind.BULK, ACCOUNT_FIELDS, rows.accounts),
    "crm/Contacts": Endpoint(Kind.STANDARD, CONTACT_FIELDS, rows.contacts),
    "bulk/CRM/Contacts": Endpoint(Kind.BULK, CONTACT_FIELDS, rows.contacts),
    "crm/AccountClassifications": Endpoint(
        Kind.STANDARD, CLASSIFICATION_FIELDS, rows.classifications
    ),
    "documents/Documents": Endpoint(
        Kind.STANDARD, DOCUMENT_FIELDS, rows.documents, DOCUMENT_FILTERS
    ),
    "documents/DocumentAttachments": Endpoint(
        Kind.STANDARD,
        ATTACHMENT_FIELDS,
        rows.attachments,
        frozenset({"ID", "Document"}),
        links=("Url",),
    ),
}
