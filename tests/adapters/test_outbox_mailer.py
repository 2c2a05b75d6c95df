"""OutboxMailer on a real folder: atomic .eml files, found again by key, and a preview page."""

from __future__ import annotations

import email
import email.policy
import email.utils
import html
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest

from followup.adapters.outbox_folder.mailer import OutboxMailer, file_name
from followup.errors import MailerError
from followup.model import Claim, Delivery, MailKind, Mode
from followup.ports import Mailer, Trace

T0 = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)


def message(
    subject: str = "Betaling ontvangen voor factuur 2026-0042",
    when: datetime = T0,
    markup: str | None = "<p>Beste Anna,</p>",
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Studio Noord <facturen@studio-noord.nl>"
    msg["To"] = "Anna de Vries <anna@croissant.nl>"
    msg["Reply-To"] = "info@studio-noord.nl"
    msg["Bcc"] = "archief@studio-noord.nl"
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(when)
    msg.set_content("Beste Anna,\n\nHartelijk dank voor je betaling.\n")
    if markup is not None:
        msg.add_alternative(markup, subtype="html")
    return msg


def claim(key: str) -> Claim:
    return Claim(
        key=key,
        division=1,
        kind=MailKind.CONFIRMATION,
        item_ids=("item-42",),
        recipient="anna@croissant.nl",
        subject="Betaling ontvangen",
        amount=Decimal("1250"),
        currency="EUR",
        claimed_at=T0,
        run_id="run-1",
    )


def test_the_outbox_is_a_mailer() -> None:
    mailer: Mailer = OutboxMailer(Path("outbox"))
    assert mailer is not None


def test_a_draft_lands_in_drafts_as_a_parseable_eml(tmp_path: Path) -> None:
    delivery = OutboxMailer(tmp_path).deliver(message(), Mode.DRAFT, "1:confirmation:item-42")
    assert delivery.mode is Mode.DRAFT
    assert delivery.provider_id.startswith("drafts/")
    assert delivery.provider_id.endswith(".eml")
    parsed = email.message_from_bytes(
        (tmp_path / delivery.provider_id).read_bytes(), policy=email.policy.default
    )
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == "Betaling ontvangen voor factuur 2026-0042"
    assert parsed.get_body(preferencelist=("plain",)) is not None
    assert parsed.get_body(preferencelist=("html",)) is not None


def test_a_sent_mail_lands_in_sent_with_crlf_line_ends(tmp_path: Path) -> None:
    delivery = OutboxMailer(tmp_path).deliver(message(), Mode.SEND, "1:reminder:item-42")
    assert delivery == Delivery(Mode.SEND, f"sent/{file_name('1:reminder:item-42')}")
    raw = (tmp_path / delivery.provider_id).read_bytes()
    assert b"\r\nSubject: Betaling ontvangen" in raw


def test_writing_leaves_no_temporary_files_behind(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path)
    mailer.deliver(message(), Mode.DRAFT, "a")
    mailer.deliver(message(), Mode.DRAFT, "a")  # a second write replaces the first whole
    assert [p.name for p in (tmp_path / "drafts").iterdir()] == [file_name("a")]


def test_a_failed_write_leaves_nothing_and_is_a_retryable_mailer_error(tmp_path: Path) -> None:
    (tmp_path / "drafts" / file_name("a")).mkdir(parents=True)  # can't be replaced by a file
    target = tmp_path / "drafts" / file_name("a")
    with pytest.raises(MailerError, match=re.escape(str(target))) as caught:
        OutboxMailer(tmp_path).deliver(message(), Mode.DRAFT, "a")
    assert not caught.value.permanent
    assert [p.name for p in (tmp_path / "drafts").iterdir()] == [file_name("a")]


def test_an_unwritable_outbox_names_the_path(tmp_path: Path) -> None:
    (tmp_path / "sent").write_text("a file where the folder should be")
    with pytest.raises(MailerError, match=re.escape(str(tmp_path / "sent"))):
        OutboxMailer(tmp_path).deliver(message(), Mode.SEND, "a")


def test_find_returns_the_delivery_of_a_written_key(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path)
    draft = mailer.deliver(message(), Mode.DRAFT, "1:confirmation:item-42")
    sent = mailer.deliver(message(), Mode.SEND, "1:reminder:item-7")
    assert mailer.find(claim("1:confirmation:item-42")) == draft
    assert mailer.find(claim("1:reminder:item-7")) == sent


def test_find_of_an_unknown_key_is_absent(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path)
    assert mailer.find(claim("never-written")) is Trace.ABSENT
    mailer.deliver(message(), Mode.DRAFT, "written")
    assert mailer.find(claim("never-written")) is Trace.ABSENT


def test_file_names_are_safe_and_unique_per_key() -> None:
    names = {file_name(k) for k in ["1/confirmation", "1:confirmation", "1 confirmation", "../x"]}
    assert len(names) == 4
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9._-]+\.eml", name)
        assert not name.startswith(".")
    assert file_name("a") == file_name("a")
    assert len(file_name("k" * 1000)) < 120


def test_the_index_lists_every_message_newest_first(tmp_path: Path) -> None:
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Oudste", T0), Mode.SEND, "old")
        mailer.deliver(message("Nieuwste", T0 + timedelta(hours=2)), Mode.DRAFT, "new")
        mailer.deliver(message("Middelste", T0 + timedelta(hours=1)), Mode.DRAFT, "mid")
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "2 drafts, 1 sent" in page
    assert page.index("Nieuwste") < page.index("Middelste") < page.index("Oudste")
    for key in ("old", "new", "mid"):
        assert file_name(key) in page
    for header in ("From", "To", "Reply-To", "Bcc", "Subject", "Date"):
        assert f"<th>{header}</th>" in page


def test_the_index_shows_html_in_a_sandboxed_frame_with_scripts_escaped(tmp_path: Path) -> None:
    evil = '<p>Beste Anna,</p><script>alert("x")</script><p title="a&b">ok</p>'
    mailer = OutboxMailer(tmp_path)
    mailer.deliver(message(markup=evil), Mode.DRAFT, "evil")
    page = mailer.write_index().read_text(encoding="utf-8")
    assert "<script" not in page
    frame = re.search(r'<iframe sandbox="" [^>]*srcdoc="([^"]*)"', page)
    assert frame is not None
    assert html.unescape(frame.group(1)).strip() == evil


def test_a_text_only_message_is_shown_as_preformatted_text(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path)
    mailer.deliver(message(markup=None), Mode.SEND, "plain")
    page = mailer.write_index().read_text(encoding="utf-8")
    assert "<iframe" not in page
    assert "<pre>Beste Anna,\n\nHartelijk dank voor je betaling.\n</pre>" in page


def test_an_empty_outbox_still_gets_an_index(tmp_path: Path) -> None:
    OutboxMailer(tmp_path / "outbox").close()
    assert "No messages yet." in (tmp_path / "outbox" / "index.html").read_text()


def test_the_index_puts_the_mails_under_a_heading_per_day_newest_day_first(
    tmp_path: Path,
) -> None:
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Eerste dag", T0), Mode.DRAFT, "first")
        mailer.deliver(message("Tweede dag vroeg", T0 + timedelta(days=1)), Mode.DRAFT, "early")
        mailer.deliver(
            message("Tweede dag laat", T0 + timedelta(days=1, hours=3)), Mode.SEND, "late"
        )
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    headings = re.findall(r'<h2 class="day" id="([0-9-]+)">([^<]+)', page)
    assert headings == [
        ("2026-02-04", "Wednesday 4 February 2026 "),
        ("2026-02-03", "Tuesday 3 February 2026 "),
    ]
    assert page.index("2026-02-04") < page.index("Tweede dag laat") < page.index("Tweede dag vroeg")
    assert page.index("Tweede dag vroeg") < page.index('id="2026-02-03"') < page.index("Eerste dag")
    assert "over 2 days" in page
