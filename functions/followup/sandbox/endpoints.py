"""The endpoints the sandbox serves, each held to Exact's published contract (exact/contract.py):
the documented fields and types, which fields a filter may name, the page size. A row carries
every documented field (null where the demo has no value) and nothing else.

What the contract lists but the sandbox doesn't model is answered 501; what the contract doesn't
list is refused 400, as Exact refuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

from followup.exact.contract import contract
from followup.sandbox import rows
from followup.sandbox.bank_lines import bank_entry_lines
from followup.sandbox.division import Division
from followup.sandbox.odata import FieldType
from followup.sandbox.rows import Row

EDM_TYPES = {
    "Edm.Guid": FieldType.GUID,
    "Edm.String": FieldType.STRING,
    "Edm.Byte": FieldType.INT,
    "Edm.Int16": FieldType.INT,
    "Edm.Int32": FieldType.INT,
    "Edm.Int64": FieldType.INT,
    "Edm.Double": FieldType.DECIMAL,
    "Edm.Boolean": FieldType.BOOL,
    "Edm.DateTime": FieldType.DATETIME,
    "Edm.Binary": FieldType.BINARY,
}


class Kind(Enum):
    """Standard endpoints page by 60; bulk and sync by 1,000."""

    STANDARD = "standard"
    BULK = "bulk"
    SYNC = "sync"


@dataclass(frozen=True)
class Endpoint:
    """One served resource, as the contract documents it."""

    kind: Kind
    fields: dict[str, FieldType]
    rows: Callable[[Division, list[Division]], list[Row]]
    filterable: frozenset[str] | None  # None: every field
    key: str  # the order of the listing, and what `$skiptoken` carries
    page_size: int
    links: tuple[str, ...] = ()  # fields holding a server-relative URL, served absolute


def fields_of(path: str) -> dict[str, FieldType]:
    """The documented fields of an endpoint, as the filter evaluator types them."""
    return {name: EDM_TYPES[edm] for name, edm in contract().endpoint(path).fields.items()}


def _served(
    path: str, make: Callable[[Division, list[Division]], list[Row]], links: tuple[str, ...] = ()
) -> Endpoint:
    documented = contract().endpoint(path)
    return Endpoint(
        kind=Kind(documented.kind),
        fields=fields_of(path),
        rows=make,
        filterable=documented.filterable,
        key=documented.key,
        page_size=documented.page_size,
        links=links,
    )


# What the sandbox models, by path after /api/v1/{division}/ (current/Me: api.py).
SERVED: Mapping[str, Callable[[Division, list[Division]], list[Row]]] = {
    "system/Divisions": rows.divisions,
    "cashflow/Receivables": rows.receivables,
    "bulk/Cashflow/Receivables": rows.receivables,
    "sync/Cashflow/PaymentTerms": rows.payment_terms,
    "crm/Accounts": rows.accounts,
    "crm/Contacts": rows.contacts,
    "sync/CRM/Accounts": rows.synced(rows.accounts),
    "sync/CRM/Contacts": rows.synced(rows.contacts),
    "crm/AccountClassifications": rows.classifications,
    "read/financial/ReceivablesList": rows.receivables_list,
    "documents/Documents": rows.documents,
    "documents/DocumentAttachments": rows.attachments,
    "financialtransaction/BankEntryLines": bank_entry_lines,
}
LINKS = {"documents/DocumentAttachments": ("Url",)}

ENDPOINTS: dict[str, Endpoint] = {
    path: _served(path, make, LINKS.get(path, ())) for path, make in SERVED.items()
}
ME_FIELDS = fields_of("current/Me")
