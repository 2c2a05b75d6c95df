"""Invoice PDFs from Exact: documents/Documents → documents/DocumentAttachments → the file.

For n invoices: ⌈n/20⌉ Documents calls, ⌈d/20⌉ DocumentAttachments calls for the d documents
found, and one download per PDF. Never `salesinvoice/PrintedSalesInvoices`: that POST prints
and sends invoices, and this app is read-only.

Unverified (see docs/exact-online-api.md): that a sales invoice's Document carries the entry's
ID in FinancialTransactionEntryID (picqer's field text: "for a document of type sales invoice
it will return the InvoiceID of the sales invoice"; we take that to be the same guid), and that
an attachment's Url with `Download=1` (as picqer sends it) gives the file itself.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import httpx

from followup.errors import ExactAuthError, ExactError, ExactRateLimited
from followup.exact.batches import id_filters
from followup.exact.client import ExactClient, Row
from followup.exact.contract import STANDARD_PAGE

log = logging.getLogger(__name__)

MAX_FAILED_DOWNLOADS = 3  # then stop: Exact blocks keys that keep erring on an endpoint
SALES_INVOICE_DOCUMENT = 10  # Document.Type
DOCUMENT_FIELDS = ("ID", "FinancialTransactionEntryID", "Type")
ATTACHMENT_FIELDS = ("ID", "Document", "FileName", "FileSize", "Url")


@dataclass(frozen=True)
class _Pdf:
    entry_id: str
    file_name: str
    url: str
    size: float | None


def invoice_pdfs(
    client: ExactClient, division: int, entry_ids: Sequence[str]
) -> dict[str, tuple[str, bytes]]:
    """Entry ID (as given) → (file name, bytes) of its invoice's PDF: the first PDF attachment
    of its document (a sales-invoice document first). Invoices without one are left out (info);
    so is a PDF whose download fails (warning). The listing calls raise ExactError."""
    wanted = _guids(entry_ids)
    documents = _documents(client, division, list(wanted))
    attachments = _attachments(client, division, [d for ds in documents.values() for d in ds])
    pdfs: list[_Pdf] = []
    for entry in wanted:
        pdf = _first_pdf(entry, documents.get(entry, []), attachments)
        if pdf is None:
            log.info("division %s: invoice entry %s has no PDF in Exact", division, entry)
        else:
            pdfs.append(pdf)
    return {wanted[pdf.entry_id]: found for pdf, found in _downloaded(client, division, pdfs)}


def _guids(entry_ids: Iterable[str]) -> dict[str, str]:
    """Lower-case guid → the ID as given; not a guid: left out with a warning."""
    wanted: dict[str, str] = {}
    for given in entry_ids:
        try:
            wanted.setdefault(str(uuid.UUID(given)), given)
        except ValueError:
            log.warning("not an entry ID, no PDF looked up: %r", given)
    return wanted


def _batches(client: ExactClient, path: str, field: str, ids: list[str], select: str) -> list[Row]:
    literals = [f"guid'{guid}'" for guid in ids]
    rows: list[Row] = []
    for either in id_filters(field, literals, most=STANDARD_PAGE):
        rows += client.get_all(path, {"$select": select, "$filter": either})
    return rows


def _documents(client: ExactClient, division: int, entries: list[str]) -> dict[str, list[str]]:
    """Entry guid → its documents' IDs, sales-invoice documents first."""
    rows = _batches(
        client, f"{division}/documents/Documents", "FinancialTransactionEntryID", entries,
        ",".join(DOCUMENT_FIELDS),
    )  # fmt: skip
    rows.sort(key=lambda row: row.get("Type") != SALES_INVOICE_DOCUMENT)
    found: dict[str, list[str]] = {}
    for row in rows:
        entry, document = _lower(row.get("FinancialTransactionEntryID")), _lower(row.get("ID"))
        if entry and document:
            found.setdefault(entry, []).append(document)
    return found


def _attachments(client: ExactClient, division: int, documents: list[str]) -> dict[str, list[Row]]:
    """Document guid → its attachments, in the order served."""
    rows = _batches(
        client, f"{division}/documents/DocumentAttachments", "Document", documents,
        ",".join(ATTACHMENT_FIELDS),
    )  # fmt: skip
    found: dict[str, list[Row]] = {}
    for row in rows:
        found.setdefault(_lower(row.get("Document")), []).append(row)
    return found


def _first_pdf(entry: str, documents: list[str], attachments: dict[str, list[Row]]) -> _Pdf | None:
    for document in documents:
        for row in attachments.get(document, []):
            name, url = str(row.get("FileName") or ""), row.get("Url")
            if name.lower().endswith(".pdf") and isinstance(url, str) and url:
                size = row.get("FileSize")
                return _Pdf(
                    entry, name, url, float(size) if isinstance(size, int | float) else None
                )
    return None


def _downloaded(
    client: ExactClient, division: int, pdfs: list[_Pdf]
) -> Iterable[tuple[_Pdf, tuple[str, bytes]]]:
    """Each PDF that downloads; after MAX_FAILED_DOWNLOADS failures, or one that every further
    download would share (auth, spent budget), the rest are skipped."""
    failures = 0
    for index, pdf in enumerate(pdfs):
        if pdf.size is not None and pdf.size > client.max_download_bytes:
            log.warning(
                "division %s: %s is too large (%.0f bytes)", division, pdf.file_name, pdf.size
            )
            continue
        try:
            content = client.download(str(httpx.URL(pdf.url).copy_merge_params({"Download": "1"})))
        except ExactError as exc:
            failures += 1
            log.warning("division %s: %s not downloaded: %s", division, pdf.file_name, exc)
            if failures >= MAX_FAILED_DOWNLOADS or isinstance(
                exc, ExactAuthError | ExactRateLimited
            ):
                log.warning("division %s: %d PDF(s) not tried", division, len(pdfs) - index - 1)
                return
            continue
        if not content.startswith(b"%PDF-"):
            log.warning("division %s: %s is not a PDF; left out", division, pdf.file_name)
            continue
        yield pdf, (pdf.file_name, content)


def _lower(value: object) -> str:
    return value.lower() if isinstance(value, str) else ""
