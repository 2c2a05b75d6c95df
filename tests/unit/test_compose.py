"""Composer: templates found in the right places, headers data can't break, a MIME message that
parses back with a text and an HTML part."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import followup
from followup.errors import MailerError, TemplateError
from followup.mail.compose import TEMPLATES_ENV, Composer, default_template_dir, search_path
from followup.model import Customer, InvoiceLine, MailKind, Mode, PlannedMail, Recipient
from followup.settings import Company

NOW = datetime(2026, 2, 3, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
COMPANY = Company(
    name="Studio Noord B.V.",
    from_name="Studio Noord",
    from_address="facturen@studio-noord.nl",
    reply_to="info@studio-noord.nl",
    bcc_archive="archief@studio-noord.nl",
    phone="020 123 4567",
    website="https://studio-noord.nl",
)
LINE = InvoiceLine(
    entry_id="item-42",
    invoice_number="2026-0042",
    invoice_date=date(2026, 1, 12),
    due_date=date(2026, 1, 26),
    amount=Decimal("1250"),
    currency="EUR",
    invoice_total=Decimal("1250"),
    remaining=Decimal("0"),
    payment_date=date(2026, 2, 2),
    description="Website onderhoud",
)


def mail(
    name: str = "Anna de Vries",
    email_address: str = "anna@croissant.nl",
    lang: str = "nl",
    variant: str = "standard",
    description: str = "Website onderhoud",
    kind: MailKind = MailKind.CONFIRMATION,
    tone: str | None = None,
) -> PlannedMail:
    line = InvoiceLine(**{**LINE.__dict__, "description": description})
    return PlannedMail(
        key="1:confirmation:item-42",
        division=1,
        kind=kind,
        mode=Mode.DRAFT,
        customer=Customer("acc-1", "C001", "Bakkerij De Gouden Croissant"),
        recipient=Recipient(email_address, name, "Anna", lang),
        lines=(line,),
        item_ids=("item-42",),
        tone=tone,
        variant=None if tone else variant,
    )


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def reparse(message: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(
        message.as_bytes(policy=email.policy.SMTP), policy=email.policy.default
    )
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_a_message_has_every_header_a_mail_client_expects() -> None:
    message = reparse(Composer(COMPANY).message(mail(), NOW))
    assert message["From"] == "Studio Noord <facturen@studio-noord.nl>"
    assert message["To"] == "Anna de Vries <anna@croissant.nl>"
    assert message["Reply-To"] == "Studio Noord <info@studio-noord.nl>"
    assert message["Bcc"] == "archief@studio-noord.nl"
    assert message["Subject"] == "Betaling ontvangen voor factuur 2026-0042"
    assert message["Date"] == "Tue, 03 Feb 2026 09:00:00 +0100"
    assert message["Message-ID"].endswith("@studio-noord.nl>")


def test_reply_to_and_bcc_are_left_out_when_not_set() -> None:
    company = COMPANY.model_copy(update={"reply_to": None, "bcc_archive": None})
    message = Composer(company).message(mail(), NOW)
    assert "Reply-To" not in message
    assert "Bcc" not in message


def test_the_message_parses_back_with_a_text_and_an_html_part() -> None:
    message = reparse(Composer(COMPANY).message(mail(), NOW))
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    markup = message.get_body(preferencelist=("html",))
    assert text is not None
    assert markup is not None
    assert "€ 1.250,00" in text.get_content()
    assert "<table" in markup.get_content()


def test_text_only_leaves_the_html_part_out() -> None:
    composer = Composer(COMPANY, text_only=True)
    assert composer.render(mail()).html is None
    message = reparse(composer.message(mail(), NOW))
    assert message.get_content_type() == "text/plain"


def test_a_name_with_a_line_break_cannot_add_a_header() -> None:
    evil = "Anna\r\nBcc: victim@example.org"
    message = Composer(COMPANY).message(mail(name=evil), NOW)
    raw = message.as_bytes(policy=email.policy.SMTP)
    assert b"\r\nBcc: victim" not in raw
    parsed = reparse(message)
    assert parsed.get_all("Bcc") == ["archief@studio-noord.nl"]
    assert parsed["To"].addresses[0].display_name == "Anna Bcc: victim@example.org"


def test_a_description_with_a_line_break_stays_on_its_row() -> None:
    rendered = Composer(COMPANY).render(mail(description="Onderhoud\r\nSubject: hi\x00"))
    assert "  Onderhoud Subject: hi" in rendered.text.splitlines()


@pytest.mark.parametrize("display", ['Café "Noord", B.V.', "Bakkerij Ünal & Zn."])
def test_sender_names_with_commas_quotes_or_accents_survive_the_round_trip(display: str) -> None:
    company = COMPANY.model_copy(update={"from_name": display})
    parsed = reparse(Composer(company).message(mail(), NOW))
    sender = parsed["From"].addresses[0]
    assert sender.display_name == display
    assert sender.addr_spec == "facturen@studio-noord.nl"


def test_an_internationalised_domain_is_written_in_its_ascii_form() -> None:
    parsed = reparse(Composer(COMPANY).message(mail(email_address="anna@bäckerei.de"), NOW))
    assert parsed["To"].addresses[0].domain == "xn--bckerei-5wa.de"


@pytest.mark.parametrize("address", ["", "anna", "anna@croissant.nl; jan@croissant.nl", "a b@c.nl"])
def test_an_unusable_recipient_address_is_a_permanent_mailer_error(address: str) -> None:
    with pytest.raises(MailerError, match="invalid e-mail address") as caught:
        Composer(COMPANY).message(mail(email_address=address), NOW)
    assert caught.value.permanent


def test_a_language_without_templates_names_the_missing_folder() -> None:
    with pytest.raises(TemplateError, match=r"confirmation/de"):
        Composer(COMPANY).render(mail(lang="de"))


def test_a_nonsense_language_is_refused_before_it_reaches_the_file_system() -> None:
    with pytest.raises(TemplateError, match="not a template folder name"):
        Composer(COMPANY).render(mail(lang="../nl"))


def test_an_owners_folder_overrides_single_templates(tmp_path: Path) -> None:
    write(tmp_path, "confirmation/nl/subject.txt.j2", "Dank je wel voor {{ invoice_numbers[0] }}\n")
    composer = Composer(COMPANY, search_path(tmp_path))
    rendered = composer.render(mail())
    assert rendered.subject == "Dank je wel voor 2026-0042"
    assert "€ 1.250,00" in rendered.text  # the body still comes from the built-in folder


def test_a_variant_uses_its_own_templates_and_the_standard_ones_for_the_rest(
    tmp_path: Path,
) -> None:
    write(tmp_path, "confirmation/nl/informal/subject.txt.j2", "Top, {{ greeting_name }}\n")
    composer = Composer(COMPANY, [tmp_path, default_template_dir()])
    rendered = composer.render(mail(variant="informal"))
    assert rendered.subject == "Top, Anna"
    assert "Je betaling van € 1.250,00" in rendered.text  # the built-in informal body
    assert composer.render(mail(variant="unknown-yet")).subject.startswith("Betaling ontvangen")


def test_an_undefined_variable_is_a_template_error_naming_the_template(tmp_path: Path) -> None:
    write(tmp_path, "confirmation/nl/subject.txt.j2", "Factuur {{ invoice.number }}\n")
    with pytest.raises(TemplateError, match=r"confirmation/nl/subject\.txt\.j2.*invoice"):
        Composer(COMPANY, search_path(tmp_path)).render(mail())


def test_a_syntax_error_is_a_template_error_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, "confirmation/nl/body.txt.j2", "Beste\n{% if %}\n")
    with pytest.raises(TemplateError, match=r"body\.txt\.j2, line 2"):
        Composer(COMPANY, search_path(tmp_path)).render(mail())


def test_a_syntax_error_in_an_imported_template_names_that_template(tmp_path: Path) -> None:
    write(tmp_path, "confirmation/nl/phrases.j2", "{% macro greeting() %}\n{% endif %}\n")
    with pytest.raises(TemplateError, match=r"confirmation/nl/phrases\.j2, line 2"):
        Composer(COMPANY, search_path(tmp_path)).render(mail())


def test_verify_finds_a_broken_template_before_any_mail_is_written(tmp_path: Path) -> None:
    write(tmp_path, "reminder/en/body.html.j2", "{% block %}")
    composer = Composer(COMPANY, search_path(tmp_path))
    composer.verify(["confirmation"], ["nl", "en"])
    with pytest.raises(TemplateError, match=r"reminder/en/body\.html\.j2"):
        composer.verify(["confirmation", "reminder"], ["nl", "en"])


@pytest.mark.parametrize("subject", ["Eerste regel\nTweede regel\n", "   \n"])
def test_a_subject_must_be_one_line_of_text(tmp_path: Path, subject: str) -> None:
    write(tmp_path, "confirmation/nl/subject.txt.j2", subject)
    with pytest.raises(TemplateError, match="subject"):
        Composer(COMPANY, search_path(tmp_path)).render(mail())


def test_the_subject_is_stripped_and_its_spaces_collapsed(tmp_path: Path) -> None:
    write(tmp_path, "confirmation/nl/subject.txt.j2", "  Betaling\t ontvangen   \n\n")
    assert Composer(COMPANY, search_path(tmp_path)).render(mail()).subject == "Betaling ontvangen"


def test_the_built_in_templates_are_found_in_the_repository() -> None:
    found = default_template_dir()
    assert found == Path(followup.__file__).resolve().parents[2] / "templates"
    assert (found / "confirmation" / "body.html.j2").is_file()
    assert (found / "confirmation" / "nl" / "phrases.j2").is_file()


def test_the_environment_can_point_at_another_template_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TEMPLATES_ENV, str(tmp_path))
    assert default_template_dir() == tmp_path
    monkeypatch.setenv(TEMPLATES_ENV, str(tmp_path / "missing"))
    with pytest.raises(TemplateError, match=r"tried .*missing"):
        default_template_dir()


def test_a_missing_template_folder_is_refused_when_the_composer_is_built(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="not found"):
        Composer(COMPANY, [tmp_path / "nowhere"])


def test_a_mail_without_invoices_is_a_template_error() -> None:
    empty = PlannedMail(**{**mail().__dict__, "lines": ()})
    with pytest.raises(TemplateError, match="no invoice lines"):
        Composer(COMPANY).render(empty)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_invoice_pdfs_are_attached_after_the_text_and_html_parts() -> None:
    composer = Composer(COMPANY)
    message = reparse(
        composer.message(mail(), NOW, attachments=[("2026-0042.pdf", PDF), ("2026-0043", PDF)])
    )
    assert message.get_content_type() == "multipart/mixed"
    body = message.get_body(preferencelist=("html", "plain"))
    assert body is not None
    assert body.get_content_type() == "text/html"
    files = list(message.iter_attachments())
    assert [f.get_content_type() for f in files] == ["application/pdf", "application/pdf"]
    assert [f.get_filename() for f in files] == ["2026-0042.pdf", "2026-0043.pdf"]
    assert files[0].get_content() == PDF


def test_without_attachments_the_message_stays_multipart_alternative() -> None:
    assert reparse(Composer(COMPANY).message(mail(), NOW)).get_content_type() == (
        "multipart/alternative"
    )


def test_an_attachment_name_from_exact_cannot_break_the_headers_or_leave_the_folder() -> None:
    evil = "../../2026\r\nContent-Type: text/html; x=.pdf"
    raw = Composer(COMPANY).message(mail(), NOW, attachments=[(evil, PDF)])
    parsed = reparse(raw)
    (attached,) = list(parsed.iter_attachments())
    name = attached.get_filename()
    assert name is not None
    assert "/" not in name
    assert "\n" not in name
    assert name.endswith(".pdf")
    assert attached.get_content_type() == "application/pdf"


def test_an_attachment_that_is_not_a_pdf_is_refused() -> None:
    with pytest.raises(MailerError, match="not a PDF"):
        Composer(COMPANY).message(mail(), NOW, attachments=[("x.pdf", b"<html>login</html>")])


def test_a_text_only_mail_with_a_pdf_has_the_text_and_the_pdf() -> None:
    message = reparse(Composer(COMPANY, text_only=True).message(mail(), NOW, [("a.pdf", PDF)]))
    assert message.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in message.iter_parts()] == [
        "text/plain",
        "application/pdf",
    ]


def test_an_owners_variant_wording_overrides_only_that_variant(tmp_path: Path) -> None:
    builtin = default_template_dir() / "confirmation" / "nl" / "phrases.j2"
    wording = builtin.read_text(encoding="utf-8").replace(
        "Je hoeft verder niets te doen.", "Helemaal top zo, je hoeft niets meer te doen."
    )
    write(tmp_path, "confirmation/nl/informal/phrases.j2", wording)
    composer = Composer(COMPANY, search_path(tmp_path))
    assert "Helemaal top zo" in composer.render(mail(variant="informal")).text
    assert "Helemaal top zo" not in composer.render(mail()).text


def test_an_owners_wording_from_before_the_iban_paragraph_still_renders(tmp_path: Path) -> None:
    for kind in ("confirmation", "reminder"):
        builtin = (default_template_dir() / kind / "nl" / "phrases.j2").read_text(encoding="utf-8")
        before, _, rest = builtin.partition("{% macro how_to_pay() %}")
        assert rest, kind
        write(tmp_path, f"{kind}/nl/phrases.j2", before + rest.split("{% endmacro %}", 1)[1])
    company = COMPANY.model_copy(update={"iban": "NL91ABNA0417164300"})
    composer = Composer(company, search_path(tmp_path))
    reminder = composer.render(mail(kind=MailKind.REMINDER, tone="friendly"))
    assert "2026-0042" in reminder.text
    assert "IBAN" not in reminder.text  # their wording, without the paragraph they never had
    assert "€ 1.250,00" in composer.render(mail()).text


def test_a_new_language_is_a_folder_with_its_wording_and_subjects(tmp_path: Path) -> None:
    for name in ("phrases.j2", "subject.txt.j2"):
        english = (default_template_dir() / "confirmation" / "en" / name).read_text()
        write(tmp_path, f"confirmation/de/{name}", english.replace("Dear", "Sehr geehrte"))
    composer = Composer(COMPANY, search_path(tmp_path))
    rendered = composer.render(mail(lang="de"))
    assert rendered.text.startswith("Sehr geehrte Anna,")
    assert "1.250,00 €" in rendered.text  # German amounts, from the language code alone
    assert composer.languages("confirmation") == ["de", "en", "nl"]
    assert composer.languages("reminder") == ["en", "nl"]


def test_an_override_folder_from_the_settings_file_is_used_by_the_wired_app(
    tmp_path: Path,
) -> None:
    from followup import bootstrap, settings

    write(tmp_path, "eigen/confirmation/nl/subject.txt.j2", "Dank voor {{ invoice_numbers[0] }}\n")
    config = tmp_path / "followup.toml"
    config.write_text(
        '[company]\nname = "Studio Noord"\nfrom_address = "facturen@studio-noord.nl"\n'
        '[exact]\nclient_id = "id"\nclient_secret = "secret"\n'
        '[mail]\ntemplates = "eigen"\n'
        '[confirmations]\nupsell = { nl = "Vraag naar ons onderhoudsabonnement." }\n',
        encoding="utf-8",
    )
    with bootstrap.build(settings.load(config)) as app:
        composer = app.deps.composer
        assert composer.message(mail(), NOW)["Subject"] == "Dank voor 2026-0042"
        upsell = composer.message(mail(variant="upsell"), NOW)
        text = upsell.get_body(preferencelist=("plain",))
        assert text is not None
        assert "onderhoudsabonnement" in text.get_content()
