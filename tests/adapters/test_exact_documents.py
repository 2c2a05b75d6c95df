"""Invoice PDFs from the sandbox over real HTTP: ExactClient.download and invoice_pdfs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx
import pytest

from followup.errors import ExactDownloadTooLarge, ExactError, ExactRequestError
from followup.exact.auth import ExactAuth
from followup.exact.client import ExactClient
from followup.exact.documents import invoice_pdfs
from followup.exact.queries import ExactOnlineSource
from followup.sandbox.division import Division
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState

if TYPE_CHECKING:
    from conftest import SharedClock

DIVISION = 123456


@pytest.fixture
def division(state: SandboxState) -> Division:
    return state.add_division(DIVISION, "Bakkerij De Gouden Croissant B.V.")


def book(division: Division, count: int, first: int = 501, with_document: bool = True) -> list[str]:
    """`count` invoices of one customer, numbered from `first`; their entry IDs."""
    account = division.add_account(code=str(first), name=f"Klant {first}")
    return [
        division.add_invoice(
            account,
            first + n,
            date(2026, 2, 2),
            date(2026, 3, 4),
            Decimal(100 + n),
            with_document=with_document,
        )
        for n in range(count)
    ]


def attachment_id(division: Division, entry_id: str) -> str:
    (document,) = [d for d in division.documents.values() if d.entry_id == entry_id]
    return document.attachments[0].id


def resources(state: SandboxState) -> list[str]:
    """What was called, in order: the resource under the division, or the download page."""
    return [
        path.split("?", 1)[0].removeprefix(f"/api/v1/{division}/")
        for division, _, path in state.calls
    ]


def attachment_url(client: ExactClient, entry_id: str) -> str:
    (document,) = client.get_all(
        f"{DIVISION}/documents/Documents",
        {"$select": "ID", "$filter": f"FinancialTransactionEntryID eq guid'{entry_id}'"},
    )
    (attachment,) = client.get_all(
        f"{DIVISION}/documents/DocumentAttachments",
        {"$select": "Url", "$filter": f"Document eq guid'{document['ID']}'"},
    )
    return str(attachment["Url"])


def test_three_invoices_take_one_documents_call_one_attachments_call_and_three_downloads(
    division: Division, state: SandboxState, client: ExactClient
) -> None:
    entries = book(division, 3)

    pdfs = invoice_pdfs(client, DIVISION, entries)

    assert client.calls == {DIVISION: 5}
    assert resources(state) == [
        "documents/Documents",
        "documents/DocumentAttachments",
        *["/docs/SysAttachment.aspx"] * 3,
    ]
    assert list(pdfs) == entries
    for number, entry in enumerate(entries, start=501):
        name, content = pdfs[entry]
        assert name == f"Factuur {number}.pdf"
        assert content.startswith(b"%PDF-1.4")
        assert b"(Factuur %d) Tj" % number in content


def test_the_queries_select_only_what_is_used_and_downloads_ask_for_the_file(
    division: Division, state: SandboxState, client: ExactClient
) -> None:
    invoice_pdfs(client, DIVISION, book(division, 1))

    documents, attachments, download = (path for _, _, path in state.calls)
    assert "$select=ID,FinancialTransactionEntryID,Type&" in documents
    assert "$select=ID,Document,FileName,FileSize,Url&" in attachments
    assert download.endswith("&Download=1")


def test_many_invoices_are_looked_up_in_batches_within_the_query_budget(
    division: Division, state: SandboxState, client: ExactClient
) -> None:
    entries = book(division, 25)

    pdfs = invoice_pdfs(client, DIVISION, entries)

    assert len(pdfs) == 25
    # ~90 encoded characters per entry clause: 2 document calls; shorter ones: 1 attachment call
    assert resources(state).count("documents/Documents") == 2
    assert resources(state).count("documents/DocumentAttachments") == 1
    assert client.calls[DIVISION] == 2 + 1 + 25


def test_an_invoice_without_a_document_is_absent_and_noted_at_info(
    division: Division, client: ExactClient, caplog: pytest.LogCaptureFixture
) -> None:
    with_pdf = book(division, 2)
    without = book(division, 1, first=601, with_document=False)

    with caplog.at_level(logging.INFO, logger="followup.exact.documents"):
        pdfs = invoice_pdfs(client, DIVISION, [*with_pdf, *without])

    assert list(pdfs) == with_pdf
    assert client.calls[DIVISION] == 1 + 1 + 2
    assert [r.levelname for r in caplog.records if without[0] in r.getMessage()] == ["INFO"]


def test_the_pdf_among_a_documents_files_is_taken_and_one_without_a_pdf_is_absent(
    division: Division, client: ExactClient
) -> None:
    entries = book(division, 3)
    pdf = b"%PDF-1.4 the copy"
    division.set_attachments(entries[0], [("factuur.xml", b"<xml/>"), ("Kopie.PDF", pdf)])
    division.set_attachments(entries[1], [("factuur.xml", b"<xml/>")])
    division.set_attachments(entries[2], [])

    assert invoice_pdfs(client, DIVISION, entries) == {entries[0]: ("Kopie.PDF", pdf)}
    assert client.calls[DIVISION] == 1 + 1 + 1


def test_a_failing_download_leaves_the_others_intact(
    division: Division,
    state: SandboxState,
    client: ExactClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entries = book(division, 3)
    state.inject(path_contains=attachment_id(division, entries[1]), statuses=[404])

    with caplog.at_level(logging.WARNING, logger="followup.exact.documents"):
        pdfs = invoice_pdfs(client, DIVISION, entries)

    assert list(pdfs) == [entries[0], entries[2]]
    assert client.calls[DIVISION] == 5  # a 404 is not retried
    assert any("Factuur 502.pdf not downloaded" in r.getMessage() for r in caplog.records)


def test_a_download_failing_once_with_5xx_is_retried(
    division: Division, state: SandboxState, client: ExactClient
) -> None:
    entries = book(division, 2)
    state.inject(path_contains=attachment_id(division, entries[0]), statuses=[503])

    assert list(invoice_pdfs(client, DIVISION, entries)) == entries
    assert client.calls[DIVISION] == 1 + 1 + 3


def test_after_three_failed_downloads_the_rest_are_not_tried(
    division: Division, state: SandboxState, client: ExactClient
) -> None:
    entries = book(division, 5)
    state.inject(path_contains="SysAttachment.aspx", statuses=[404] * 5)

    assert invoice_pdfs(client, DIVISION, entries) == {}
    assert resources(state).count("/docs/SysAttachment.aspx") == 3


def test_a_spent_daily_budget_stops_the_downloads_and_keeps_what_came(
    division: Division, state: SandboxState, client: ExactClient
) -> None:
    entries = book(division, 3)
    state.daily_limit = 3

    pdfs = invoice_pdfs(client, DIVISION, entries)

    assert list(pdfs) == entries[:1]
    assert resources(state).count("/docs/SysAttachment.aspx") == 1  # then the budget was spent


def test_downloads_wait_out_the_minutely_limit_like_any_call(
    division: Division, state: SandboxState, client: ExactClient, clock: SharedClock
) -> None:
    entries = book(division, 3)
    state.minutely_limit = 3

    assert list(invoice_pdfs(client, DIVISION, entries)) == entries
    assert clock.sleeps == [60.0]
    assert client.calls[DIVISION] == 5  # waited on the headers; never met a 429


def test_a_file_that_is_not_a_pdf_is_left_out(division: Division, client: ExactClient) -> None:
    entries = book(division, 2)
    division.set_attachments(entries[0], [("Factuur 501.pdf", b"<html>Inloggen</html>")])

    assert list(invoice_pdfs(client, DIVISION, entries)) == entries[1:]


def test_a_pdf_larger_than_the_cap_is_not_downloaded(
    division: Division, server: SandboxServer, auth: ExactAuth, clock: SharedClock
) -> None:
    entries = book(division, 2)
    with ExactClient(server.base_url, auth, clock, max_download_bytes=100) as small:
        assert invoice_pdfs(small, DIVISION, entries) == {}
        assert small.calls[DIVISION] == 2  # FileSize told: no download tried


def test_odd_entry_ids_are_skipped_and_duplicates_looked_up_once(
    division: Division, client: ExactClient
) -> None:
    (entry,) = book(division, 1)

    pdfs = invoice_pdfs(client, DIVISION, ["not-a-guid", entry, entry.upper()])

    assert list(pdfs) == [entry]
    assert client.calls[DIVISION] == 3


def test_no_invoices_take_no_calls(client: ExactClient) -> None:
    assert invoice_pdfs(client, DIVISION, []) == {}
    assert client.calls == {}


def test_the_source_hands_the_pdfs_through(division: Division, client: ExactClient) -> None:
    entries = book(division, 2, with_document=True)

    pdfs = ExactOnlineSource(client).invoice_pdfs(DIVISION, entries)

    assert [name for name, _ in pdfs.values()] == ["Factuur 501.pdf", "Factuur 502.pdf"]


# --- ExactClient.download ------------------------------------------------------------------


def test_download_gives_the_bytes_and_counts_for_the_division_of_the_url(
    division: Division, client: ExactClient
) -> None:
    url = attachment_url(client, book(division, 1)[0])

    content = client.download(url)

    assert content.startswith(b"%PDF-")
    assert content.rstrip().endswith(b"%%EOF")
    assert client.calls == {DIVISION: 3}


def test_the_download_url_refuses_a_request_without_a_token(
    division: Division, client: ExactClient
) -> None:
    url = attachment_url(client, book(division, 1)[0])

    assert httpx.get(url).status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example/docs/SysAttachment.aspx?ID=1&_Division_=123456",
        "http://127.0.0.1:1/docs/SysAttachment.aspx?ID=1&_Division_=123456",
        "/docs/SysAttachment.aspx?ID=1&_Division_=123456",
    ],
)
def test_download_refuses_other_hosts_without_sending_the_token(
    url: str, state: SandboxState, client: ExactClient
) -> None:
    with pytest.raises(ExactError, match="leaves Exact"):
        client.download(url)
    assert state.calls == []
    assert client.calls == {}


def test_download_of_an_unknown_attachment_is_a_request_error(
    division: Division, server: SandboxServer, client: ExactClient
) -> None:
    url = (
        f"{server.base_url}/docs/SysAttachment.aspx?ID={book(division, 1)[0]}&_Division_={DIVISION}"
    )

    with pytest.raises(ExactRequestError) as caught:
        client.download(url)
    assert caught.value.status == 404
    assert caught.value.endpoint == "docs/SysAttachment.aspx"


def test_download_refuses_a_declared_size_over_the_cap(
    division: Division, server: SandboxServer, auth: ExactAuth, clock: SharedClock
) -> None:
    entry = book(division, 1)[0]
    with ExactClient(server.base_url, auth, clock, max_download_bytes=100) as small:
        url = attachment_url(small, entry)
        with pytest.raises(ExactDownloadTooLarge, match="limit is 100"):
            small.download(url)


def test_download_stops_reading_an_undeclared_body_past_the_cap(
    server: SandboxServer, auth: ExactAuth, clock: SharedClock
) -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"%" * 64

    def chunked(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())  # no Content-Length

    transport = httpx.MockTransport(chunked)
    with ExactClient(
        server.base_url, auth, clock, transport=transport, max_download_bytes=1000
    ) as ours:
        with pytest.raises(ExactDownloadTooLarge, match="more than 1000 bytes"):
            ours.download(f"{server.base_url}/docs/SysAttachment.aspx?ID=1&_Division_=7")
        assert ours.calls == {7: 1}
