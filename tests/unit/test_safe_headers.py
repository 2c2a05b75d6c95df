"""Headers stay within RFC 5322's 998 octets a line whatever Exact sends: endless names, invoice
numbers and descriptions are cut with an ellipsis in the headers, never in the body."""

from __future__ import annotations

import email
import email.header
import email.policy
from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest

from followup.errors import MailerError
from followup.mail.compose import Composer
from followup.mail.mime import NAME_MAX, SUBJECT_MAX
from followup.mail.samples import sample_report
from followup.model import Customer, MailKind, Outcome, PlannedMail, ReportEntry
from mail_shapes import COMPANY, TODAY, mail

NOW = datetime(2026, 2, 3, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LONG_NAME = "Bakkerij" + "X" * 10_000  # one word: a header can't be folded inside it
LONG_NUMBER = "2026-" + "9" * 5_000


def longest_line(message: EmailMessage) -> int:
    """The longest line, in octets, of the message as the outbox and Gmail get it."""
    raws = (message.as_bytes(), message.as_bytes(policy=email.policy.SMTP))
    return max(len(line) for raw in raws for line in raw.splitlines())


def reparse(message: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(
        message.as_bytes(policy=email.policy.SMTP), policy=email.policy.default
    )
    assert isinstance(parsed, EmailMessage)
    return parsed


def display_name(message: EmailMessage, header: str) -> str:
    """The display name as an RFC 2047 reader shows it. Not `headerregistry`'s: it keeps the space
    between two adjacent encoded words of a display name (CPython gh-128110)."""
    raw = email.message_from_bytes(message.as_bytes(policy=email.policy.SMTP))[header]
    shown = str(email.header.make_header(email.header.decode_header(raw)))
    return shown.rsplit(" <", 1)[0]


def from_exact(kind: MailKind, variant: str, name: str) -> PlannedMail:
    """A mail whose contact, customer, invoice number and description Exact made endless."""
    planned = mail(kind, variant, "nl", "one invoice")
    line = replace(planned.lines[0], invoice_number=LONG_NUMBER, description="Werk " * 1_000)
    return replace(
        planned,
        recipient=replace(planned.recipient, name=name, first_name=name),
        customer=replace(planned.customer, name=name),
        lines=(line,),
    )


@pytest.mark.parametrize("name", [LONG_NAME, "Anna " * 2_000, "Bäckerei Ünal " * 700])
@pytest.mark.parametrize(
    ("kind", "variant"), [(MailKind.CONFIRMATION, "standard"), (MailKind.REMINDER, "final")]
)
def test_no_header_line_passes_998_octets_whatever_exact_sends(
    kind: MailKind, variant: str, name: str
) -> None:
    message = Composer(COMPANY).message(
        from_exact(kind, variant, name), NOW, attachments=[(f"{LONG_NUMBER}.pdf", PDF)]
    )
    assert longest_line(message) <= 998

    parsed = reparse(message)
    assert parsed["To"].addresses[0].addr_spec.endswith(".nl")
    shown = display_name(message, "To")
    assert shown.endswith("…")
    assert len(shown) <= NAME_MAX
    assert shown[:-1] == " ".join(name.split())[: NAME_MAX - 1].rstrip()
    subject = str(parsed["Subject"])
    assert subject.endswith("…")
    assert len(subject) <= SUBJECT_MAX
    assert "2026-9999" in subject
    (pdf,) = list(parsed.iter_attachments())
    assert str(pdf.get_filename()).endswith("….pdf")
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    assert LONG_NUMBER in body.get_content()  # the body keeps everything


def test_an_ordinary_name_and_subject_are_left_as_they_are() -> None:
    parsed = reparse(Composer(COMPANY).message(mail(MailKind.REMINDER, "friendly", "nl"), NOW))
    assert parsed["To"].addresses[0].display_name == "Fatima El Amrani"
    assert "…" not in str(parsed["Subject"])


def test_an_endless_company_name_is_cut_in_the_from_header_and_in_the_digest() -> None:
    company = COMPANY.model_copy(update={"from_name": "Houtwerk" + "J" * 10_000})
    composer = Composer(company)
    for message in (
        composer.message(mail(MailKind.CONFIRMATION, "standard", "nl"), NOW),
        composer.digest(sample_report(TODAY, NOW), "nl", NOW, "eigenaar@houtwerkjansen.nl"),
    ):
        assert longest_line(message) <= 998
        assert reparse(message)["From"].addresses[0].addr_spec == "administratie@houtwerkjansen.nl"
        assert display_name(message, "From") == "Houtwerk" + "J" * (NAME_MAX - 9) + "…"


def test_the_digests_headers_stay_short_whatever_the_report_holds() -> None:
    report = sample_report(TODAY, NOW)
    report.divisions[0].notes.append("X" * 10_000)
    report.divisions[0].entries.append(
        ReportEntry(123456, MailKind.REMINDER, Outcome.DRAFTED, Customer("", "", LONG_NAME),
                    "level 2", invoice_numbers=(LONG_NUMBER,), call_customer=True)
    )  # fmt: skip
    message = Composer(COMPANY).digest(report, "en", NOW, "eigenaar@houtwerkjansen.nl")
    assert longest_line(message) <= 998
    parsed = reparse(message)
    assert parsed["To"].addresses[0].addr_spec == "eigenaar@houtwerkjansen.nl"
    assert "\n" not in str(parsed["Subject"])


@pytest.mark.parametrize("address", ["a" * 65 + "@croissant.nl", "anna@" + "c" * 250 + ".nl"])
def test_an_address_longer_than_smtp_allows_is_a_permanent_mailer_error(address: str) -> None:
    planned = mail(MailKind.CONFIRMATION, "standard", "nl")
    planned = replace(planned, recipient=replace(planned.recipient, email=address))
    with pytest.raises(MailerError, match="longer than an e-mail address can be") as caught:
        Composer(COMPANY).message(planned, NOW)
    assert caught.value.permanent
    assert len(str(caught.value)) < 300
