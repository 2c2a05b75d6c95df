"""The documents Exact keeps with sales invoices (documents/Documents) and their files
(documents/DocumentAttachments), downloaded from `/docs/SysAttachment.aspx`.

As Exact shows them (picqer/exact-php-client Document.php, DocumentAttachment.php): a Document
of Type 10 (sales invoice) names the entry (FinancialTransactionEntryID) and the invoice number
(SalesInvoiceNumber); an attachment's Url is `{base}/docs/SysAttachment.aspx?ID=..&_Division_=..`
and gives the file to a GET with the bearer token.
"""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from followup.sandbox.exact_json import Response, error_body
from followup.sandbox.pdf import invoice_pdf

SALES_INVOICE_DOCUMENT = 10  # Document.Type of a sales invoice
DOWNLOAD_PATH = "/docs/SysAttachment.aspx"


@dataclass(frozen=True)
class AttachmentRecord:
    """One file of a document."""

    id: str
    document_id: str
    file_name: str
    content: bytes

    def path(self, division: int) -> str:
        """The server-relative Url, as Exact forms it (the host is added when served)."""
        return f"{DOWNLOAD_PATH}?" + urlencode({"ID": self.id, "_Division_": division})


@dataclass(frozen=True)
class DocumentRecord:
    """A documents/Documents row and its attachments."""

    id: str
    account_id: str
    entry_id: str
    invoice_number: int
    subject: str
    document_date: date
    created: datetime
    attachments: tuple[AttachmentRecord, ...]
    type: int = SALES_INVOICE_DOCUMENT


def invoice_document(
    division: int,
    entry_id: str,
    account_id: str,
    customer: str,
    number: int,
    invoice_date: date,
    amount: Decimal,
    currency: str,
    created: datetime,
) -> DocumentRecord:
    """The document of a sales invoice with its PDF. Its guids derive from the entry's, so
    adding documents leaves the division's other guids as they were."""
    document_id = _guid(division, "document", entry_id)
    pdf = AttachmentRecord(
        _guid(division, "attachment", entry_id),
        document_id,
        f"Factuur {number}.pdf",
        invoice_pdf(number, customer, invoice_date, amount, currency),
    )
    return DocumentRecord(
        document_id, account_id, entry_id, number, f"Factuur {number}", invoice_date, created,
        (pdf,),
    )  # fmt: skip


def with_files(
    document: DocumentRecord, division: int, files: Sequence[tuple[str, bytes]]
) -> DocumentRecord:
    """The document with these files (file name, content) instead of its own, in this order."""
    attachments = tuple(
        AttachmentRecord(
            _guid(
                division, "attachment" if index == 0 else f"attachment/{index}", document.entry_id
            ),
            document.id,
            name,
            content,
        )
        for index, (name, content) in enumerate(files)
    )
    return replace(document, attachments=attachments)


def _guid(division: int, kind: str, entry_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox/{division}/{kind}/{entry_id}"))


def attachment_response(documents: Iterable[DocumentRecord], attachment_id: str) -> Response:
    """The file of one attachment, or 404 (Exact's own answer to an unknown ID is unverified)."""
    wanted = attachment_id.strip().lower()
    for document in documents:
        for attachment in document.attachments:
            if attachment.id == wanted:
                kind = mimetypes.guess_type(attachment.file_name)[0]
                headers = {
                    "Content-Type": kind or "application/octet-stream",
                    "Content-Disposition": f'attachment; filename="{attachment.file_name}"',
                }
                return Response(200, headers=headers, content=attachment.content)
    return Response(404, error_body(f"Attachment not found: {attachment_id}"))
