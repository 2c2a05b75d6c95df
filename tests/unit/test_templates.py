"""Every built-in template, in every language, variant (or tone) and shape, renders a mail a spam
filter and a customer would both accept, and says what the product promises.

The ALL-CAPS rule flags words of four or more capital letters; shorter ones are currency codes
and abbreviations a mail needs (EUR, USD, BTW, BV) and are allowed, and so are the word IBAN and
the company's account number itself (NL44 RABO 0123 4567 89: bank details are written so).
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from followup import iban
from followup.mail.compose import Composer, Rendered
from followup.model import MailKind, PlannedMail
from followup.settings import Company
from mail_shapes import (
    ALLOWED_HOSTS,
    CASES,
    COMPANY,
    LANGUAGES,
    SHAPES,
    composer,
    mail,
)

CONFIRMATION, REMINDER = MailKind.CONFIRMATION, MailKind.REMINDER
SETTLED_WORDS = {"nl": ["voldaan"], "en": ["paid in full", "settled"]}
SHOUTING = re.compile(r"\b[A-ZÀ-Þ]{4,}\b")
LINK = re.compile(r"(?:https?://|www\.)[^\s\"'<>]+", re.IGNORECASE)
STANDARD = composer()


def shouting(text: str, company: Company = COMPANY) -> list[str]:
    """The ALL-CAPS words in a text, but for the word IBAN and the company's IBAN itself."""
    bank = iban.grouped(company.iban) if company.iban else ""
    found = SHOUTING.findall(text.replace(bank, "") if bank else text)
    return [word for word in found if word != "IBAN"]


def render(planned: PlannedMail, company: Company = COMPANY) -> Rendered:
    return (STANDARD if company is COMPANY else composer(company)).render(planned)


def visible(markup: str) -> str:
    """What a reader of the HTML part sees: tags (and the doctype) out, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", " ", markup)).replace("\u00a0", " ")


def sentences(text: str) -> int:
    return len(re.findall(r"[a-z0-9)][.?!](?:\s|$)", text))


def hosts(rendered: Rendered) -> set[str]:
    assert rendered.html is not None
    links = LINK.findall(rendered.text + rendered.html)
    hrefs = re.findall(r'href="([^"]*)"', rendered.html)
    found = set()
    for link in [*links, *(html.unescape(h) for h in hrefs)]:
        url = link if "://" in link else f"https://{link}"
        found.add(urlsplit(url.rstrip(".,")).hostname or "")
    return found


@pytest.mark.parametrize("shape", [None, *SHAPES])
@pytest.mark.parametrize(("kind", "variant", "lang"), CASES)
def test_every_template_renders_a_clean_mail(
    kind: MailKind, variant: str, lang: str, shape: str | None
) -> None:
    planned = mail(kind, variant, lang, shape)
    rendered = render(planned)
    assert rendered.html is not None
    seen = visible(rendered.html)

    assert rendered.subject
    assert "\n" not in rendered.subject
    assert rendered.subject == " ".join(rendered.subject.split())
    for part in (rendered.subject, rendered.text, seen):
        assert not shouting(part), part
        assert "!!" not in part
        assert "{{" not in part
        assert "{%" not in part
        assert "Undefined" not in part
    assert hosts(rendered) <= set(ALLOWED_HOSTS)
    assert len([x for x in rendered.text.splitlines() if x.strip()]) >= 5
    assert sentences(rendered.text) >= 5
    assert sentences(seen) >= 5
    for number in (x.invoice_number for x in planned.lines):
        assert number in rendered.text
        assert number in seen


def test_every_variant_is_checked_in_dutch_and_english() -> None:
    assert {"nl", "en"} <= set(LANGUAGES[CONFIRMATION])
    assert {"nl", "en"} <= set(LANGUAGES[REMINDER])
    assert len(CASES) >= 16


@pytest.mark.parametrize("kind", [CONFIRMATION, REMINDER])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_subject_names_one_two_or_three_invoices_and_counts_more(
    kind: MailKind, lang: str
) -> None:
    variant = "standard" if kind is CONFIRMATION else "friendly"
    one = render(mail(kind, variant, lang, "one invoice")).subject
    two = render(mail(kind, variant, lang, "two invoices")).subject
    many = render(mail(kind, variant, lang, "many invoices")).subject
    joined = {"nl": "2026-0041 en 2026-0042", "en": "2026-0041 and 2026-0042"}[lang]
    assert "2026-0042" in one
    assert joined in two
    assert f"5 {'facturen' if lang == 'nl' else 'invoices'}" in many
    assert "2026-0040" not in many


@pytest.mark.parametrize("variant", ["standard", "informal", "upsell", "personal"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_partial_payment_is_never_called_settled_and_states_the_balance(
    lang: str, variant: str
) -> None:
    rendered = render(mail(CONFIRMATION, variant, lang, "a partial payment"))
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
    rendered = render(mail(CONFIRMATION, "standard", lang, "a partial and a settled invoice"))
    rows = {x.split()[0]: x for x in rendered.text.splitlines() if x.startswith("2026-004")}
    settled = SETTLED_WORDS[lang][0]
    assert settled in rows["2026-0041"]
    assert settled not in rows["2026-0042"]
    assert {"nl": "€ 200,00", "en": "€200.00"}[lang] in rows["2026-0042"]


def test_dutch_mails_show_dutch_amounts_and_dates() -> None:
    text = render(mail(CONFIRMATION, "standard", "nl", "one invoice")).text
    assert "€ 1.250,00" in text
    assert "11 januari 2026" in text


def test_english_mails_show_british_amounts_and_dates() -> None:
    text = render(mail(CONFIRMATION, "standard", "en", "one invoice")).text
    assert "€1,250.00" in text
    assert "11 January 2026" in text


def test_in_html_an_amount_never_breaks_between_its_sign_and_its_number() -> None:
    rendered = render(mail(CONFIRMATION, "standard", "nl", "one invoice"))
    assert rendered.html is not None
    assert "€\u00a01.250,00" in rendered.html
    assert "€ 1.250,00" in rendered.text
    partial = render(mail(CONFIRMATION, "standard", "nl", "a partial payment")).html
    assert partial is not None
    assert "nog €\u00a0750,00 open" in partial  # in a paragraph, too


@pytest.mark.parametrize("kind", [CONFIRMATION, REMINDER])
def test_dollar_invoices_are_shown_in_dollars(kind: MailKind) -> None:
    variant = "standard" if kind is CONFIRMATION else "friendly"
    rendered = render(mail(kind, variant, "nl", "dollars"))
    assert "US$ 1.250,00" in rendered.text
    assert "€" not in rendered.text


@pytest.mark.parametrize("variant", ["friendly", "businesslike", "final"])
def test_a_reminder_totals_what_is_outstanding_per_currency(variant: str) -> None:
    rendered = render(mail(REMINDER, variant, "nl", "two currencies"))
    assert "Totaal openstaand: € 1.250,00" in rendered.text
    assert "Totaal openstaand: US$ 300,00" in rendered.text
    assert rendered.html is not None
    assert visible(rendered.html).count("Totaal openstaand") == 2  # one row per currency


@pytest.mark.parametrize("variant", ["friendly", "businesslike", "final"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_reminder_lists_each_invoice_with_its_level_days_and_amount(
    lang: str, variant: str
) -> None:
    text = render(mail(REMINDER, variant, lang, "two invoices")).text
    rows = {x.split()[0]: x for x in text.splitlines() if x.startswith("2026-004")}
    first, second = {"nl": ("eerste", "tweede"), "en": ("first", "second")}[lang]
    if variant == "final":
        second = {"nl": "aanmaning", "en": "final"}[lang]
    assert second in rows["2026-0041"]
    assert " 25 " in rows["2026-0041"]
    assert first in rows["2026-0042"]
    assert {"nl": "€ 300,00", "en": "€300.00"}[lang] in rows["2026-0042"]


@pytest.mark.parametrize(
    ("variant", "level", "nl", "en"),
    [
        ("friendly", 1, "Herinnering:", "Reminder:"),
        ("businesslike", 1, "Betalingsherinnering", "Payment reminder"),
        ("businesslike", 2, "Tweede herinnering", "Second reminder"),
        ("final", 3, "Aanmaning", "Final reminder"),
    ],
)
def test_the_subject_says_how_far_the_reminders_have_come(
    variant: str, level: int, nl: str, en: str
) -> None:
    for lang, start in (("nl", nl), ("en", en)):
        planned = mail(REMINDER, variant, lang, "one invoice", level=level)
        assert render(planned).subject.startswith(start)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_friendly_reminder_asks_for_payment_within_seven_days_and_excuses_those_who_paid(
    lang: str,
) -> None:
    text = render(mail(REMINDER, "friendly", lang, "one invoice")).text
    assert {"nl": "binnen 7 dagen", "en": "within 7 days"}[lang] in text
    assert {"nl": "als niet verzonden beschouwen", "en": "please ignore this message"}[lang] in text
    assert {"nl": "25 jan 2026", "en": "25 Jan 2026"}[lang] in text  # the due date


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_final_notice_gives_fourteen_days_and_states_the_collection_costs_carefully(
    lang: str,
) -> None:
    planned = mail(REMINDER, "final", lang, "one invoice", collection_costs=Decimal("187.50"))
    rendered = render(planned)
    assert rendered.html is not None
    for part in (rendered.text, visible(rendered.html)):
        assert {"nl": "binnen 14 dagen", "en": "within 14 days"}[lang] in part
        assert {"nl": "€ 187,50", "en": "€187.50"}[lang] in part
        assert {"nl": "niet in rekening", "en": "not charging"}[lang] in part  # would, not does
        assert {"nl": "zouden", "en": "would"}[lang] in part


def test_a_final_notice_without_collection_costs_does_not_mention_them() -> None:
    text = render(mail(REMINDER, "final", "nl", "one invoice", collection_costs=None)).text
    assert "incassokosten" not in text
    assert "binnen 14 dagen" in text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_each_invoice_has_its_payment_link_as_a_button_in_html_and_a_url_in_text(
    lang: str,
) -> None:
    planned = mail(REMINDER, "businesslike", lang, "two invoices")
    rendered = render(planned)
    assert rendered.html is not None
    for x in planned.lines:
        assert x.payment_link in rendered.text
        assert f'href="{html.escape(x.payment_link)}"' in rendered.html
    assert rendered.html.count("background-color:#1f5fbf") == 2  # two buttons


def test_a_payment_link_that_is_not_a_plain_https_url_is_left_out() -> None:
    bad = [
        "http://betaal.voorbeeldkassa.nl/p/1",
        'https://betaal.voorbeeldkassa.nl/p/1" onclick="x',
        "https://evil.example@betaal.voorbeeldkassa.nl/p/1",
        "javascript:alert(1)",
    ]
    for link in bad:
        lines = tuple(replace(x, payment_link=link) for x in SHAPES["one invoice"])
        rendered = render(replace(mail(REMINDER, "friendly", "nl", "one invoice"), lines=lines))
        assert rendered.html is not None
        assert "voorbeeldkassa" not in rendered.text + rendered.html
        assert "Betaal online" not in rendered.html


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_money_already_on_its_way_is_noted_under_its_invoice(lang: str) -> None:
    rendered = render(mail(REMINDER, "friendly", lang, "a partial and a settled invoice"))
    assert rendered.html is not None
    on_its_way = {"nl": "€ 100,00 al onderweg", "en": "€100.00 is already on its way"}[lang]
    assert on_its_way in rendered.text
    assert on_its_way in visible(rendered.html)
    after = rendered.text.split("2026-0042", 1)[1]
    assert on_its_way in after.split("\n\n", 1)[0]  # in the table, under its own row


@pytest.mark.parametrize("variant", ["friendly", "businesslike", "final"])
def test_a_reminder_gives_the_reply_address_and_the_phone_number(variant: str) -> None:
    text = render(mail(REMINDER, variant, "nl", "one invoice")).text
    assert "info@houtwerkjansen.nl" in text
    assert "030 234 56 78" in text


WHERE_TO_PAY = {
    "nl": "overmaken naar IBAN NL44 RABO 0123 4567 89 t.n.v. Houtwerk Jansen B.V., onder "
    "vermelding van factuurnummer",
    "en": "to IBAN NL44 RABO 0123 4567 89, in the name of Houtwerk Jansen B.V., quoting invoice "
    "number",
}


def parts(rendered: Rendered) -> tuple[str, str]:
    assert rendered.html is not None
    return rendered.text, " ".join(visible(rendered.html).split())


@pytest.mark.parametrize("variant", ["friendly", "businesslike", "final"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_reminder_says_where_to_pay_beside_the_payment_links(lang: str, variant: str) -> None:
    one = render(mail(REMINDER, variant, lang, "one invoice"))
    two = render(mail(REMINDER, variant, lang, "two invoices"))
    online = {"nl": "direct online betalen via de betaallink", "en": "pay online straight away"}
    for part in parts(one):
        assert f"{WHERE_TO_PAY[lang]} 2026-0042." in part
        assert online[lang] in part  # the payment link stays
    numbers = {
        "nl": "factuurnummers 2026-0041 en 2026-0042.",
        "en": "numbers 2026-0041 and 2026-0042.",
    }
    for part in parts(two):
        assert numbers[lang] in part
        assert "IBAN NL44 RABO 0123 4567 89" in part
    assert "You can transfer the amount to IBAN" in render(mail(REMINDER, variant, "en")).text
    assert "U kunt het bedrag overmaken naar IBAN" in render(mail(REMINDER, variant, "nl")).text


@pytest.mark.parametrize("variant", ["standard", "informal", "upsell", "personal"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_partial_payment_thank_you_says_where_to_pay_the_rest_and_a_full_one_does_not(
    lang: str, variant: str
) -> None:
    partial = render(mail(CONFIRMATION, variant, lang, "a partial payment"))
    mixed = render(mail(CONFIRMATION, variant, lang, "a partial and a settled invoice"))
    full = render(mail(CONFIRMATION, variant, lang, "one invoice"))
    for part in (*parts(partial), *parts(mixed)):
        assert f"{WHERE_TO_PAY[lang]} 2026-0042." in part  # the partly paid one only
        assert "2026-0041." not in part
    for part in parts(full):
        assert "IBAN" not in part
    refund = render(mail(CONFIRMATION, "refund", lang))
    assert "IBAN" not in refund.text


def test_the_informal_thank_you_tells_where_to_pay_with_je() -> None:
    text = render(mail(CONFIRMATION, "informal", "nl", "a partial payment")).text
    assert "Het resterende bedrag kun je overmaken naar IBAN NL44 RABO 0123 4567 89" in text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_bic_and_another_account_holder_are_named_when_set(lang: str) -> None:
    company = COMPANY.model_copy(update={"bic": "RABONL2U", "account_holder": "M. Jansen"})
    for planned in (
        mail(REMINDER, "friendly", lang, "one invoice"),
        mail(CONFIRMATION, "standard", lang, "a partial payment"),
    ):
        text = render(planned, company).text
        assert "IBAN NL44 RABO 0123 4567 89 (BIC RABONL2U)" in text
        assert {"nl": "t.n.v. M. Jansen,", "en": "in the name of M. Jansen,"}[lang] in text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_without_an_iban_the_mails_still_ask_to_quote_the_invoice_number(lang: str) -> None:
    company = COMPANY.model_copy(update={"iban": ""})
    reminder = render(mail(REMINDER, "friendly", lang, "one invoice"), company)
    partial = render(mail(CONFIRMATION, "standard", lang, "a partial payment"), company)
    quoting = {"nl": "onder vermelding van het factuurnummer", "en": "quoting the invoice number"}
    for rendered in (reminder, partial):
        for part in parts(rendered):
            assert "IBAN" not in part
            assert quoting[lang] in part


def test_dutch_informal_confirmations_say_je_and_everything_else_says_u() -> None:
    for kind, variant in [(k, v) for k, v, lang in CASES if lang == "nl"]:
        text = render(mail(kind, variant, "nl", "one invoice")).text
        body = text.split("\n\n", 1)[1]
        if variant == "informal":
            assert re.search(r"\b[Jj]e\b", body), variant
            assert not re.search(r"\b[Uu]\b", body), variant
        else:
            assert re.search(r"\b[Uu]\b", body), variant
            assert not re.search(r"\b[Jj]e\b", body), variant


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_first_time_customer_is_welcomed_and_a_returning_one_thanked_for_the_years(
    lang: str,
) -> None:
    welcome = render(mail(CONFIRMATION, "standard", lang, first_time=True, customer_since=None))
    returning = render(mail(CONFIRMATION, "standard", lang, customer_since=date(2019, 3, 4)))
    neither = render(mail(CONFIRMATION, "standard", lang, customer_since=None))
    assert {"nl": "Welkom als klant!", "en": "Welcome as a customer!"}[lang] in welcome.text
    assert {"nl": "klant sinds maart 2019", "en": "customer since March 2019"}[
        lang
    ] in returning.text
    for text in (neither.text, returning.text):
        assert "Welkom" not in text
        assert "Welcome" not in text
    assert "sinds" not in neither.text
    assert "since" not in neither.text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_upsell_variant_adds_the_owners_offer_and_no_other_variant_does(lang: str) -> None:
    offer = {"nl": "kozijnen", "en": "window frames"}[lang]
    upsell = render(mail(CONFIRMATION, "upsell", lang))
    assert offer in upsell.text
    assert upsell.html is not None
    assert offer in upsell.html
    for variant in ("standard", "informal", "personal", "refund"):
        assert offer not in render(mail(CONFIRMATION, variant, lang)).text


def test_the_offer_is_escaped_in_html_and_kept_in_paragraphs() -> None:
    company_offer = {"nl": "Nieuw: <b>onderhoud</b> & meer.\n\nBel ons gerust."}
    rendered = Composer(COMPANY, upsell=company_offer).render(mail(CONFIRMATION, "upsell", "nl"))
    assert rendered.html is not None
    assert "&lt;b&gt;onderhoud&lt;/b&gt; &amp; meer." in rendered.html
    assert "Nieuw: <b>onderhoud</b> & meer.\n\nBel ons gerust." in rendered.text


def test_an_upsell_without_an_offer_in_the_customers_language_is_the_standard_mail() -> None:
    only_dutch = Composer(COMPANY, upsell={"nl": "Vraag naar onze kozijnen."})
    upsell = mail(CONFIRMATION, "upsell", "en")
    english = only_dutch.render(upsell)
    standard = only_dutch.render(replace(upsell, variant="standard"))
    assert english.text == standard.text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_personal_variant_offers_a_call_to_say_thanks(lang: str) -> None:
    call = {"nl": "Ik bel u", "en": "give you a call"}[lang]
    assert call in render(mail(CONFIRMATION, "personal", lang)).text
    assert call not in render(mail(CONFIRMATION, "standard", lang)).text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_refund_confirms_the_money_paid_back_for_each_credit_note(lang: str) -> None:
    rendered = render(mail(CONFIRMATION, "refund", lang))
    assert {"nl": "Terugbetaling voor creditnota CN2026-004", "en": "Refund for credit note"}[
        lang
    ] in rendered.subject
    assert {"nl": "€ 150,00 aan u hebben terugbetaald", "en": "refunded €150.00 to you"}[
        lang
    ] in rendered.text
    for word in SETTLED_WORDS[lang]:
        assert word not in rendered.text


@pytest.mark.parametrize(
    ("first_name", "customer_name", "kind", "variant", "lang", "greeting"),
    [
        ("Anna", "Bakkerij", CONFIRMATION, "standard", "nl", "Beste Anna,"),
        ("JAN", "Bakkerij", CONFIRMATION, "standard", "nl", "Beste Jan,"),
        ("", "Bakkerij De Gouden Croissant", CONFIRMATION, "standard", "nl", "Beste Bakkerij De"),
        ("", "", CONFIRMATION, "standard", "nl", "Beste klant,"),
        ("", "", CONFIRMATION, "standard", "en", "Dear customer,"),
        ("Anna", "Bakkerij", CONFIRMATION, "informal", "nl", "Hoi Anna,"),
        ("", "Bakkerij", CONFIRMATION, "informal", "en", "Hello,"),
        ("", "", REMINDER, "friendly", "nl", "Geachte heer, mevrouw,"),
        ("", "", REMINDER, "friendly", "en", "Dear customer,"),
        ("", "The Golden Lion", REMINDER, "final", "en", "Dear The Golden Lion,"),
        ("", "Bakkerij", REMINDER, "final", "nl", "Geachte heer, mevrouw,"),
    ],
)
def test_the_greeting_is_personal_when_it_can_be(
    first_name: str, customer_name: str, kind: MailKind, variant: str, lang: str, greeting: str
) -> None:
    planned = mail(kind, variant, lang)
    planned = replace(
        planned,
        recipient=replace(planned.recipient, first_name=first_name),
        customer=replace(planned.customer, name=customer_name),
    )
    assert render(planned).text.startswith(greeting)


def test_the_signature_from_the_settings_closes_both_parts() -> None:
    company = COMPANY.model_copy(update={"signature": "Marieke\nHoutwerk\nwww.houtwerkjansen.nl"})
    rendered = render(mail(CONFIRMATION, "standard", "nl"), company)
    assert rendered.text.rstrip().endswith("Marieke\nHoutwerk\nwww.houtwerkjansen.nl")
    assert rendered.html is not None
    assert "Marieke<br>" in rendered.html
    assert '<a href="https://www.houtwerkjansen.nl"' in rendered.html


def test_without_a_website_there_is_no_company_link_at_all() -> None:
    company = COMPANY.model_copy(update={"website": "", "signature": ""})
    rendered = render(mail(CONFIRMATION, "standard", "nl"), company)
    assert rendered.html is not None
    assert "href" not in rendered.html
    assert not LINK.findall(rendered.text)


def test_a_description_with_markup_is_escaped_in_html() -> None:
    planned = mail(REMINDER, "friendly", "nl", "one invoice")
    evil = "<script>alert(1)</script> & co"
    planned = replace(planned, lines=(replace(planned.lines[0], description=evil),))
    rendered = render(planned)
    assert rendered.html is not None
    assert "<script" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in rendered.html
    assert evil in rendered.text  # plain text needs no escaping


def test_a_customer_name_with_markup_is_escaped_in_html() -> None:
    planned = mail(CONFIRMATION, "standard", "nl")
    planned = replace(
        planned,
        recipient=replace(planned.recipient, first_name=""),
        customer=replace(planned.customer, name='<img src="x"> B.V.'),
    )
    rendered = render(planned)
    assert rendered.html is not None
    assert "<img" not in rendered.html
    assert "&lt;img src=&#34;x&#34;&gt; B.V." in rendered.html
