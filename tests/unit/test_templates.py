"""Every built-in template, in every language and shape, renders a mail a spam filter and a
customer would both accept.

The ALL-CAPS rule flags words of four or more capital letters; shorter ones are currency codes
and abbreviations a mail needs (EUR, USD, BTW, BV) and are allowed.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from followup.compose import Composer, Rendered
from followup.model import Customer, InvoiceLine, MailKind, Mode, PlannedMail, Recipient
from followup.settings import Company

WEBSITE = "www.studio-noord.nl"
COMPANY = Company(
    name="Studio Noord B.V.",
    from_name="Studio Noord",
    from_address="facturen@studio-noord.nl",
    reply_to="info@studio-noord.nl",
    bcc_archive="archief@studio-noord.nl",
    phone="020 123 4567",
    website=WEBSITE,
)
SETTLED_WORDS = {"nl": ["voldaan"], "en": ["paid in full", "settled"]}
SHOUTING = re.compile(r"\b[A-ZÀ-Þ]{4,}\b")
LINK = re.compile(r"(?:https?://|www\.)[^\s\"'<>]+", re.IGNORECASE)


def line(
    number: str,
    amount: str,
    remaining: str = "0",
    currency: str = "EUR",
    description: str = "Website onderhoud januari",
) -> InvoiceLine:
    return InvoiceLine(
        item_id=f"item-{number}",
        invoice_number=number,
        invoice_date=date(2026, 1, 12),
        due_date=date(2026, 1, 26),
        amount=Decimal(amount),
        currency=currency,
        invoice_total=Decimal(amount) + Decimal(remaining),
        remaining=Decimal(remaining),
        payment_date=date(2026, 2, 2),
        days_overdue=9,
        description=description,
    )


SHAPES: dict[str, tuple[InvoiceLine, ...]] = {
    "one invoice": (line("2026-0042", "1250"),),
    "a partial payment": (line("2026-0042", "500", remaining="750"),),
    "two invoices": (line("2026-0041", "1250"), line("2026-0042", "300")),
    "a partial and a settled invoice": (
        line("2026-0041", "1250"),
        line("2026-0042", "300", remaining="200"),
    ),
    "many invoices": tuple(line(f"2026-00{40 + i}", "100") for i in range(5)),
    "dollars": (line("2026-0042", "1250", currency="USD"),),
    "two currencies": (line("2026-0041", "1250"), line("2026-0042", "300", currency="USD")),
}


def mail(
    kind: str = "confirmation",
    lang: str = "nl",
    lines: tuple[InvoiceLine, ...] = SHAPES["one invoice"],
    variant: str = "standard",
    first_name: str = "Anna",
    customer_name: str = "Bakkerij De Gouden Croissant",
) -> PlannedMail:
    return PlannedMail(
        key=f"1:{kind}:{lines[0].item_id}",
        division=1,
        kind=MailKind(kind),
        mode=Mode.DRAFT,
        customer=Customer("acc-1", "C001", customer_name),
        recipient=Recipient("anna@croissant.nl", "Anna de Vries", first_name, lang),
        lines=lines,
        item_ids=tuple(x.item_id for x in lines),
        level=1 if kind == "reminder" else 0,
        variant=variant,
    )


STANDARD = Composer(COMPANY)


def render(planned: PlannedMail, company: Company = COMPANY) -> Rendered:
    composer = STANDARD if company is COMPANY else Composer(company)
    return composer.render(planned)


def visible(markup: str) -> str:
    """What a reader of the HTML part sees: tags (and the doctype) out, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", " ", markup))


def sentences(text: str) -> int:
    return len(re.findall(r"[a-z)][.?](?:\s|$)", text))


@pytest.mark.parametrize("variant", ["standard", "personal"])
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("kind", ["confirmation", "reminder"])
def test_every_template_renders_a_clean_mail(
    kind: str, lang: str, shape: str, variant: str
) -> None:
    rendered = render(mail(kind, lang, SHAPES[shape], variant))
    assert rendered.html is not None
    seen = visible(rendered.html)
    every = [rendered.subject, rendered.text, seen]

    assert rendered.subject
    assert "\n" not in rendered.subject
    assert rendered.subject == " ".join(rendered.subject.split())
    for part in every:
        assert not SHOUTING.findall(part), part
        assert "!!" not in part
        assert "{{" not in part
        assert "{%" not in part
        assert "Undefined" not in part
    links = LINK.findall(rendered.text + rendered.html)
    assert links, "the company website is in the signature"
    assert all(link.rstrip(".,").endswith(WEBSITE) for link in links), links
    assert re.findall(r'href="([^"]*)"', rendered.html) == [f"https://{WEBSITE}"]
    assert len([x for x in rendered.text.splitlines() if x.strip()]) >= 5
    assert sentences(rendered.text) >= 5
    assert sentences(seen) >= 5
    for number in (x.invoice_number for x in SHAPES[shape]):
        assert number in rendered.text
        assert number in seen


@pytest.mark.parametrize("kind", ["confirmation", "reminder"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_subject_names_one_two_or_three_invoices_and_counts_more(kind: str, lang: str) -> None:
    one = render(mail(kind, lang, SHAPES["one invoice"])).subject
    two = render(mail(kind, lang, SHAPES["two invoices"])).subject
    many = render(mail(kind, lang, SHAPES["many invoices"])).subject
    joined = {"nl": "2026-0041 en 2026-0042", "en": "2026-0041 and 2026-0042"}[lang]
    assert "2026-0042" in one
    assert joined in two
    assert f"5 {'facturen' if lang == 'nl' else 'invoices'}" in many
    assert "2026-0040" not in many


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_partial_payment_is_never_called_settled_and_states_the_balance(lang: str) -> None:
    rendered = render(mail("confirmation", lang, SHAPES["a partial payment"]))
    assert rendered.html is not None
    balance = {"nl": "€ 750,00", "en": "€750.00"}[lang]
    received = {"nl": "€ 500,00", "en": "€500.00"}[lang]
    for part in (rendered.subject, rendered.text, visible(rendered.html)):
        for word in SETTLED_WORDS[lang]:
            assert word not in part.lower()
    for part in (rendered.text, visible(rendered.html)):
        assert balance in part
        assert received in part


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_in_a_mixed_mail_only_the_settled_invoice_is_called_settled(lang: str) -> None:
    rendered = render(mail("confirmation", lang, SHAPES["a partial and a settled invoice"]))
    rows = {x.split()[0]: x for x in rendered.text.splitlines() if x.startswith("2026-004")}
    settled = SETTLED_WORDS[lang][0]
    assert settled in rows["2026-0041"]
    assert settled not in rows["2026-0042"]
    assert {"nl": "€ 200,00", "en": "€200.00"}[lang] in rows["2026-0042"]


def test_dutch_mails_show_dutch_amounts_and_dates() -> None:
    text = render(mail("confirmation", "nl")).text
    assert "€ 1.250,00" in text
    assert "12 januari 2026" in text


def test_english_mails_show_british_amounts_and_dates() -> None:
    text = render(mail("confirmation", "en")).text
    assert "€1,250.00" in text
    assert "12 January 2026" in text


@pytest.mark.parametrize("kind", ["confirmation", "reminder"])
def test_dollar_invoices_are_shown_in_dollars(kind: str) -> None:
    rendered = render(mail(kind, "nl", SHAPES["dollars"]))
    assert "US$ 1.250,00" in rendered.text
    assert "€" not in rendered.text


def test_a_reminder_totals_what_is_outstanding_per_currency() -> None:
    rendered = render(mail("reminder", "nl", SHAPES["two currencies"]))
    assert "Totaal openstaand: € 1.250,00 en US$ 300,00" in rendered.text
    assert rendered.html is not None
    assert visible(rendered.html).count("Totaal openstaand") == 2  # one row per currency


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_reminder_asks_for_payment_within_seven_days_and_excuses_those_who_paid(
    lang: str,
) -> None:
    text = render(mail("reminder", lang)).text
    assert {"nl": "binnen 7 dagen", "en": "within 7 days"}[lang] in text
    assert {"nl": "als niet verzonden beschouwen", "en": "please ignore this message"}[lang] in text
    assert "9" in text  # days overdue
    assert {"nl": "26 jan 2026", "en": "26 Jan 2026"}[lang] in text  # the due date


def test_confirmations_say_je_and_reminders_say_u() -> None:
    confirmation = render(mail("confirmation", "nl")).text
    reminder = render(mail("reminder", "nl")).text
    assert re.search(r"\bje\b", confirmation)
    assert not re.search(r"\bu\b", confirmation)
    assert re.search(r"\bu\b", reminder)
    assert not re.search(r"\bje\b", reminder)


@pytest.mark.parametrize(
    ("first_name", "customer_name", "kind", "lang", "greeting"),
    [
        ("Anna", "Bakkerij", "confirmation", "nl", "Beste Anna,"),
        ("JAN", "Bakkerij", "confirmation", "nl", "Beste Jan,"),
        ("", "Bakkerij De Gouden Croissant", "confirmation", "nl", "Beste Bakkerij De Gouden"),
        ("", "", "confirmation", "nl", "Beste klant,"),
        ("", "", "confirmation", "en", "Dear customer,"),
        ("", "", "reminder", "nl", "Geachte heer, mevrouw,"),
        ("", "", "reminder", "en", "Dear Sir or Madam,"),
    ],
)
def test_the_greeting_is_personal_when_it_can_be(
    first_name: str, customer_name: str, kind: str, lang: str, greeting: str
) -> None:
    planned = mail(kind, lang, first_name=first_name, customer_name=customer_name)
    assert render(planned).text.startswith(greeting)


def test_the_personal_variant_offers_a_call_to_say_thanks() -> None:
    assert "bel je" in render(mail(variant="personal")).text
    assert "bel je" not in render(mail()).text


def test_the_signature_from_the_settings_closes_both_parts() -> None:
    company = COMPANY.model_copy(update={"signature": "Marieke Jansen\nStudio Noord\n" + WEBSITE})
    rendered = render(mail(), company)
    assert rendered.text.rstrip().endswith(f"Marieke Jansen\nStudio Noord\n{WEBSITE}")
    assert rendered.html is not None
    assert "Marieke Jansen<br>" in rendered.html
    assert f'<a href="https://{WEBSITE}"' in rendered.html


def test_without_a_website_there_is_no_link_at_all() -> None:
    rendered = render(mail(), COMPANY.model_copy(update={"website": ""}))
    assert rendered.html is not None
    assert "href" not in rendered.html
    assert not LINK.findall(rendered.text)


def test_a_description_with_markup_is_escaped_in_html() -> None:
    lines = (replace(SHAPES["one invoice"][0], description="<script>alert(1)</script> & co"),)
    rendered = render(mail(lines=lines))
    assert rendered.html is not None
    assert "<script" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in rendered.html
    assert "<script>alert(1)</script> & co" in rendered.text  # plain text needs no escaping
