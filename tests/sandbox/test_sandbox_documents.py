"""Invoice documents: documents/Documents, documents/DocumentAttachments and the PDF download."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from followup.sandbox.division import Division
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState

DOCUMENTS = "123456/documents/Documents"
ATTACHMENTS = "123456/documents/DocumentAttachments"


@pytest.fixture
def invoices(division: Division) -> dict[str, str]:
    """Two invoices with a document, one booked outside the sales module, one credit note."""
    zwaan = division.add_account(code="1001", name="Café De Zwaan (Noord)")
    anker = division.add_account(code="1002", name="Hotel 't Anker")
    return {
        "zwaan": zwaan,
        "501": division.add_invoice(
            zwaan, 501, date(2026, 3, 2), date(2026, 4, 1), Decimal("1234.50")
        ),
        "502": division.add_invoice(anker, 502, date(2026, 3, 3), date(2026, 4, 2), Decimal(99)),
        "503": division.add_invoice(
            anker, 503, date(2026, 3, 4), date(2026, 4, 3), Decimal(10), with_document=False
        ),
        "504": division.add_invoice(anker, 504, date(2026, 3, 5), date(2026, 4, 4), Decimal(-99)),
    }


def _results(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    rows = response.json()["d"]["results"]
    assert isinstance(rows, list)
    return rows


def _document(api: httpx.Client, entry_id: str) -> dict[str, Any]:
    params = {"$filter": f"FinancialTransactionEntryID eq guid'{entry_id}'"}
    (row,) = _results(api.get(DOCUMENTS, params=params))
    return row


def _attachment(api: httpx.Client, entry_id: str) -> dict[str, Any]:
    document = _document(api, entry_id)
    params = {"$filter": f"Document eq guid'{document['ID']}'"}
    (row,) = _results(api.get(ATTACHMENTS, params=params))
    return row


def assert_valid_pdf(content: bytes) -> None:
    """Header, trailer, and an xref whose every offset points at its object."""
    assert content.startswith(b"%PDF-1.")
    assert content.rstrip().endswith(b"%%EOF")
    start = int(re.findall(rb"startxref\s+(\d+)", content)[-1])
    assert content[start:].startswith(b"xref")
    header = re.match(rb"xref\s+0 (\d+)\s+", content[start:])
    assert header is not None
    entries = content[start + header.end() :].split(b"trailer")[0]
    rows = [entries[i : i + 20] for i in range(0, len(entries), 20)]
    assert len(rows) == int(header.group(1))
    for number, row in enumerate(rows[1:], start=1):
        offset = int(row[:10])
        assert content[offset:].startswith(b"%d 0 obj" % number), number
    length = re.search(rb"/Length (\d+) >>\nstream\n", content)
    assert length is not None
    end = length.end() + int(length.group(1))
    assert content[end:].startswith(b"\nendstream")


def test_every_invoice_with_a_document_is_served_as_a_sales_invoice_document(
    invoices: dict[str, str], api: httpx.Client
) -> None:
    rows = _results(api.get(DOCUMENTS))

    assert sorted(row["SalesInvoiceNumber"] for row in rows) == [501, 502, 504]
    document = _document(api, invoices["501"])
    assert document["Type"] == 10
    assert document["Account"] == invoices["zwaan"]
    assert document["FinancialTransactionEntryID"] == invoices["501"]
    assert document["Subject"] == "Factuur 501"
    assert document["Created"] == "/Date(1772442000000)/"  # 2026-03-02 09:00, wall clock


def test_an_invoice_booked_without_a_document_has_none(
    invoices: dict[str, str], api: httpx.Client
) -> None:
    params = {"$filter": f"FinancialTransactionEntryID eq guid'{invoices['503']}'"}

    assert _results(api.get(DOCUMENTS, params=params)) == []


def test_documents_filter_on_several_entries_and_on_the_invoice_number(
    invoices: dict[str, str], api: httpx.Client
) -> None:
    either = " or ".join(
        f"FinancialTransactionEntryID eq guid'{invoices[n]}'" for n in ("501", "503", "504")
    )
    params = {"$select": "ID,SalesInvoiceNumber", "$filter": either}
    by_entry = _results(api.get(DOCUMENTS, params=params))
    by_number = _results(api.get(DOCUMENTS, params={"$filter": "SalesInvoiceNumber eq 502"}))

    assert sorted(row["SalesInvoiceNumber"] for row in by_entry) == [501, 504]
    assert set(by_entry[0]) == {"ID", "SalesInvoiceNumber"}
    assert [row["FinancialTransactionEntryID"] for row in by_number] == [invoices["502"]]


def test_an_attachment_names_the_pdf_its_size_and_an_absolute_url(
    invoices: dict[str, str], api: httpx.Client, server: SandboxServer
) -> None:
    attachment = _attachment(api, invoices["501"])

    assert attachment["FileName"] == "Factuur 501.pdf"
    url = str(attachment["Url"])
    assert url == (
        f"{server.base_url}/docs/SysAttachment.aspx?ID={attachment['ID']}&_Division_=123456"
    )
    content = api.get(url).content
    assert attachment["FileSize"] == len(content)


def test_attachments_filter_by_id(
    invoices: dict[str, str], api: httpx.Client
) -> None:
    attachment = _attachment(api, invoices["502"])
    by_id = _results(api.get(ATTACHMENTS, params={"$filter": f"ID eq guid'{attachment['ID']}'"}))

    assert [row["FileName"] for row in by_id] == ["Factuur 502.pdf"]
    assert len(_results(api.get(ATTACHMENTS))) == 3


def test_the_download_is_a_valid_pdf_showing_the_invoice(
    invoices: dict[str, str], api: httpx.Client
) -> None:
    response = api.get(str(_attachment(api, invoices["501"])["Url"]) + "&Download=1")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert_valid_pdf(response.content)
    for text in (b"Factuur 501", b"Caf\xe9 De Zwaan \\(Noord\\)", b"02-03-2026", b"\x80 1.234,50"):
        assert text in response.content


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_pdf_reader_reads_the_invoice_text(
    invoices: dict[str, str], api: httpx.Client, tmp_path: Path
) -> None:
    pdf = tmp_path / "factuur.pdf"
    pdf.write_bytes(api.get(str(_attachment(api, invoices["504"])["Url"])).content)

    reader = shutil.which("pdftotext")
    assert reader is not None
    text = subprocess.run(  # noqa: S603 - our own file through a known reader
        [reader, str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout

    assert "Factuur 504" in text
    assert "Klant: Hotel 't Anker" in text
    assert "Bedrag: -€ 99,00" in text


def test_the_download_needs_a_valid_bearer_token(
    invoices: dict[str, str], api: httpx.Client
) -> None:
    url = str(_attachment(api, invoices["501"])["Url"])

    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_downloads_count_against_the_division_rate_limit(
    invoices: dict[str, str], api: httpx.Client, state: SandboxState
) -> None:
    url = str(_attachment(api, invoices["501"])["Url"])  # two calls so far
    state.minutely_limit = 4

    first = api.get(url)
    second = api.get(url)
    third = api.get(url)

    assert first.headers["X-RateLimit-Minutely-Remaining"] == "1"
    assert second.headers["X-RateLimit-Minutely-Remaining"] == "0"
    assert third.status_code == 429
    assert [call[0] for call in state.calls[-3:]] == [123456, 123456, 123456]


def test_an_unknown_attachment_or_division_is_not_found(
    invoices: dict[str, str], api: httpx.Client, server: SandboxServer
) -> None:
    base = f"{server.base_url}/docs/SysAttachment.aspx"
    unknown = api.get(base, params={"ID": invoices["501"], "_Division_": "123456"})
    no_division = api.get(base, params={"ID": invoices["501"], "_Division_": "999"})

    assert unknown.status_code == 404
    assert no_division.status_code == 404


def test_a_document_may_hold_other_files_or_none(
    invoices: dict[str, str], division: Division, api: httpx.Client
) -> None:
    division.set_attachments(invoices["501"], [("factuur.xml", b"<xml/>"), ("F.PDF", b"%PDF-")])
    division.set_attachments(invoices["502"], [])
    document = _document(api, invoices["501"])

    rows = _results(api.get(ATTACHMENTS, params={"$filter": f"Document eq guid'{document['ID']}'"}))
    xml = api.get(str(next(row["Url"] for row in rows if row["FileName"] == "factuur.xml")))

    assert sorted(str(row["FileName"]) for row in rows) == ["F.PDF", "factuur.xml"]
    assert xml.headers["Content-Type"] == "application/xml"
    assert xml.content == b"<xml/>"
    assert len(_results(api.get(ATTACHMENTS))) == 3  # 501: two, 502: none, 504: one


def test_documents_leave_the_other_guids_of_a_division_as_they_were() -> None:
    def next_guid(with_document: bool) -> str:
        division = SandboxState().add_division(123456, "A")
        account = division.add_account(code="1", name="X")
        division.add_invoice(
            account, 1, date(2026, 3, 2), date(2026, 4, 1), Decimal(1), with_document=with_document
        )
        return division.add_account(code="2", name="Y")

    assert next_guid(with_document=True) == next_guid(with_document=False)
