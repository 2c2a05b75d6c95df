"""A one-page invoice PDF written by hand: the few objects a reader needs and an exact xref.

Text is Helvetica (one of the 14 standard fonts, nothing embedded) in WinAnsiEncoding, so
names with accents and the euro sign come out right; anything outside cp1252 becomes '?'.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def dutch_amount(amount: Decimal, currency: str) -> str:
    """`€ 1.234,56` (Dutch separators; the sign before the symbol)."""
    text = f"{abs(amount):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    sign = "-" if amount < 0 else ""
    return f"{sign}{_SYMBOLS.get(currency, currency)} {text}"


def invoice_pdf(
    number: int, customer: str, invoice_date: date, amount: Decimal, currency: str = "EUR"
) -> bytes:
    """A valid one-page PDF showing the invoice number, the customer, the date and the amount."""
    lines = [
        (18, f"Factuur {number}"),
        (11, f"Klant: {customer}"),
        (11, f"Factuurdatum: {invoice_date:%d-%m-%Y}"),
        (11, f"Bedrag: {dutch_amount(amount, currency)}"),
    ]
    return pdf_document(lines, title=f"Factuur {number}")


def pdf_document(lines: Sequence[tuple[int, str]], title: str = "") -> bytes:
    """A one-page A4 PDF with one text line per (font size, text), from the top left."""
    stream = _content(lines)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%b\nendstream" % (len(stream), stream),
        b"<< /Title (%b) /Producer (followup sandbox) >>" % _literal(title),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # a binary comment: "this file is binary"
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)  # 20 bytes each
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def _content(lines: Sequence[tuple[int, str]]) -> bytes:
    parts = [b"BT", b"72 770 Td"]
    for index, (size, text) in enumerate(lines):
        if index:
            parts.append(b"0 -%d Td" % (size + 10))
        parts.append(b"/F1 %d Tf (%b) Tj" % (size, _literal(text)))
    parts.append(b"ET")
    return b"\n".join(parts)


def _literal(text: str) -> bytes:
    """A PDF string literal's inside: cp1252 bytes with `\\`, `(` and `)` escaped."""
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
