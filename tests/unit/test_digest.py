"""The owner's digest: per division what was sent, drafted, skipped, failed; who to call; what is
outstanding; and anything alarming first."""

from __future__ import annotations

import email
import email.policy
import html
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from followup import reasons
from followup.exact.rows import OddRow, receivable
from followup.mail.compose import Composer, Rendered
from followup.mail.samples import COMPANY, sample_report
from followup.model import (
    Customer,
    DivisionReport,
    MailKind,
    Outcome,
    ReportEntry,
    RunReport,
    UnreadableRow,
)

NOW = datetime(2026, 2, 3, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
TODAY = date(2026, 2, 3)
CAP = "SAFETY CAP: 64 mails would have been sent, more than the cap of 50; all were drafted"
COMPOSER = Composer(COMPANY)
LANGS = COMPOSER.languages("digest")


def visible(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", " ", markup)).replace("\u00a0", " ")


def digest(report: RunReport, lang: str = "en") -> Rendered:
    return COMPOSER.render_digest(report, lang)


def entry(outcome: Outcome, customer: str, reason: str = "", **more: object) -> ReportEntry:
    code, _, name = customer.partition(" ")
    who = Customer("", code, name)
    return ReportEntry(1, MailKind.REMINDER, outcome, who, reason, **more)  # type: ignore[arg-type]


def report(*divisions: DivisionReport, dry_run: bool = False) -> RunReport:
    return RunReport("run-1", TODAY, dry_run, NOW, list(divisions), NOW)


def test_there_is_a_digest_in_dutch_and_in_english() -> None:
    assert {"nl", "en"} <= set(LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_the_safety_cap_note_comes_before_anything_else(lang: str) -> None:
    capped = sample_report(TODAY, NOW)
    capped.divisions[0].notes.append(CAP)
    rendered = digest(capped, lang)
    assert rendered.html is not None
    for part in (rendered.text, visible(rendered.html)):
        first_division = part.index("123456", part.index(CAP) + len(CAP))
        assert part.index(CAP) < first_division
        assert part.index(CAP) < part.index({"nl": "overzicht", "en": "summary"}[lang])
    box = rendered.html.split(html.escape(CAP))[0].rsplit("<p", 1)[1]
    assert "#fde8e8" in box  # the alert style: red, bold
    assert rendered.subject.startswith({"nl": "Let op", "en": "Attention"}[lang])


@pytest.mark.parametrize("lang", LANGS)
def test_customers_to_call_are_listed_with_what_they_owe(lang: str) -> None:
    rendered = digest(sample_report(TODAY, NOW), lang)
    call = {"nl": "Klanten om te bellen", "en": "Customers to call"}[lang]
    text = rendered.text
    section = text[text.index(call) : text.index("123456")]
    assert "2004 Bouwbedrijf Van Leeuwen" in section
    assert {"nl": "€ 7.820,00", "en": "€7,820.00"}[lang] in section
    assert "Kapsalon" not in section
    assert {"nl": "1 klant bellen", "en": "1 customer to call"}[lang] in rendered.subject


def test_without_customers_to_call_there_is_no_such_section() -> None:
    quiet = report(DivisionReport(1, [entry(Outcome.SENT, "2001 Kapsalon", amount=Decimal(5))]))
    assert "Customers to call" not in digest(quiet).text


def test_skips_are_grouped_by_reason_with_their_counts() -> None:
    skipped = report(
        DivisionReport(
            1,
            [
                entry(Outcome.SKIPPED, "2005 Snelpers", "no e-mail address in Exact"),
                entry(Outcome.SKIPPED, "2007 Groen", "do not chase"),
                entry(Outcome.SKIPPED, "2008 Bakker", "no e-mail address in Exact"),
            ],
        )
    )
    text = digest(skipped).text
    assert "Skipped (3)" in text
    assert "no e-mail address in Exact (2):" in text
    assert "do not chase (1):" in text
    group = text.split("no e-mail address in Exact (2):")[1].split("\n\n")[0]
    assert "2005 Snelpers" in group
    assert "2008 Bakker" in group
    assert "2007 Groen" not in group


def test_failures_rejections_and_uncertain_mails_are_shown_with_their_reason() -> None:
    troubled = report(
        DivisionReport(
            1,
            [
                entry(Outcome.FAILED, "2001 Kapsalon", "mailer: connection reset"),
                entry(Outcome.REJECTED, "2002 Bosman", "invalid e-mail address 'x'"),
                entry(Outcome.UNCERTAIN, "2003 Leeuw", "uncertain: check Sent before resending"),
            ],
        )
    )
    rendered = digest(troubled)
    assert "Failed, the next run tries again (2)" in rendered.text
    assert "(mailer: connection reset)" in rendered.text
    assert "(invalid e-mail address 'x')" in rendered.text
    assert "Uncertain, check Sent before sending again (1)" in rendered.text
    assert "2 failed" in rendered.subject


@pytest.mark.parametrize("lang", LANGS)
def test_outstanding_and_overdue_are_given_per_division_and_in_all(lang: str) -> None:
    two = report(
        DivisionReport(
            1,
            outstanding={"EUR": Decimal("1000"), "USD": Decimal(50)},
            overdue={"EUR": Decimal(400)},
        ),
        DivisionReport(2, outstanding={"EUR": Decimal("500")}),
    )
    text = digest(two, lang).text
    euro = {"nl": "€ {}", "en": "€{}"}[lang]
    assert euro.format("1.500,00" if lang == "nl" else "1,500.00") in text  # in all
    assert euro.format("1.000,00" if lang == "nl" else "1,000.00") in text  # division 1
    assert euro.format("400,00" if lang == "nl" else "400.00") in text
    assert {"nl": "US$ 50,00", "en": "US$50.00"}[lang] in text


def test_the_digest_never_carries_a_customer_mails_subject_or_body() -> None:
    sent = report(
        DivisionReport(
            1,
            [entry(Outcome.SENT, "2001 Kapsalon", subject="Herinnering: factuur 2026-0120")],
        )
    )
    rendered = digest(sent)
    assert rendered.html is not None
    assert "Herinnering: factuur" not in rendered.text + rendered.html


def test_a_dry_run_says_nothing_was_delivered() -> None:
    dry = report(DivisionReport(1, [entry(Outcome.PLANNED, "2001 Kapsalon")]), dry_run=True)
    rendered = digest(dry)
    assert "dry run" in rendered.subject
    assert "This was a dry run" in rendered.text
    assert "Would have been delivered (1)" in rendered.text


def test_a_quiet_division_says_there_was_nothing_to_do() -> None:
    assert "Nothing to do in this division today." in digest(report(DivisionReport(7))).text


def test_names_from_exact_are_escaped_in_the_html_digest() -> None:
    evil = report(DivisionReport(1, [entry(Outcome.SENT, "<script>x</script> B.V.")]))
    rendered = digest(evil)
    assert rendered.html is not None
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;x&lt;/script&gt; B.V." in rendered.html


@pytest.mark.parametrize("lang", LANGS)
def test_the_digest_is_a_mail_to_the_owner_with_a_one_line_subject(lang: str) -> None:
    message = COMPOSER.digest(sample_report(TODAY, NOW), lang, NOW, "eigenaar@houtwerkjansen.nl")
    parsed = email.message_from_bytes(
        message.as_bytes(policy=email.policy.SMTP), policy=email.policy.default
    )
    assert parsed["To"] == "eigenaar@houtwerkjansen.nl"
    assert parsed["From"] == "Houtwerk Jansen <administratie@houtwerkjansen.nl>"
    assert "Bcc" not in parsed
    assert parsed.get_content_type() == "multipart/alternative"
    assert "\n" not in str(parsed["Subject"])
    assert parsed["Date"] == "Tue, 03 Feb 2026 09:00:00 +0100"


def test_a_text_only_composer_writes_a_text_only_digest() -> None:
    plain = Composer(COMPANY, text_only=True)
    message = plain.digest(sample_report(TODAY, NOW), "nl", NOW, "eigenaar@houtwerkjansen.nl")
    assert message.get_content_type() == "text/plain"


def unreadable(reason: str, **more: str) -> UnreadableRow:
    return UnreadableRow(1, "bulk/Cashflow/Receivables", "5e1ab1c4-0009", reason, **more)


@pytest.mark.parametrize("lang", LANGS)
def test_rows_exact_sent_that_could_not_be_read_are_listed_with_customer_invoice_and_reason(
    lang: str,
) -> None:
    row = unreadable(
        "DueDate is not a date",
        customer_code="1003",
        customer_name="Restaurant De Molen",
        invoice_number="20260003",
    )
    rendered = digest(report(DivisionReport(1, unreadable=[row])), lang)
    assert rendered.html is not None
    heading = {
        "nl": "Rijen uit Exact die niet gelezen konden worden (1)",
        "en": "Rows from Exact that could not be read (1)",
    }[lang]
    line = {
        "nl": "- 1003 Restaurant De Molen, factuur 20260003: vervaldatum is geen geldige datum, "
        "in openstaande posten (bulk/Cashflow/Receivables)",
        "en": "- 1003 Restaurant De Molen, invoice 20260003: the due date is not a valid date, "
        "in outstanding items (bulk/Cashflow/Receivables)",
    }[lang]
    hint = {"nl": "Controleer deze boekingen in Exact", "en": "Check these entries in Exact"}[lang]
    section = rendered.text.split(heading)[1]
    assert hint in section
    assert line in section
    assert {"nl": "Vandaag niets te doen", "en": "Nothing to do"}[lang] not in rendered.text
    shown = visible(rendered.html)
    for part in (heading, hint, "1003 Restaurant De Molen", "20260003", "(bulk/Cashflow/"):
        assert part in shown


ROW: dict[str, Any] = {  # a receivable line as Exact sends it, readable as it is
    "ID": "5e1ab1c4-0000-4000-8000-000000000001",
    "Account": "5e1ab1c4-0000-4000-8000-0000000000aa",
    "EntryID": "5e1ab1c4-0000-4000-8000-0000000000e1",
    "InvoiceNumber": 20260003,
    "InvoiceDate": "/Date(1767225600000)/",
    "DueDate": "/Date(1769817600000)/",
    "AmountFC": 100.1,
    "Currency": "EUR",
    "TransactionAmountFC": 242,
    "Status": 20,
    "TransactionType": 20,
}


@pytest.mark.parametrize(
    ("change", "dutch"),
    [
        ({"InvoiceNumber": None}, "geen factuurnummer"),
        ({"DueDate": None}, "geen vervaldatum"),
        ({"InvoiceDate": "/Date(gisteren)/"}, "factuurdatum is geen geldige datum"),
        ({"TransactionAmountFC": "n/a"}, "factuurbedrag is geen geldig getal"),
        ({"Status": None}, "status is geen geldig getal"),
        ({"Account": None}, "geen klant"),
    ],
)
def test_the_dutch_digest_words_exacts_reasons_in_dutch(change: dict[str, Any], dutch: str) -> None:
    with pytest.raises(OddRow) as refused:  # the reason exactly as the source records it
        receivable(ROW | change)
    row = unreadable(str(refused.value), customer_code="1003", invoice_number="20260003")
    text = digest(report(DivisionReport(1, unreadable=[row])), "nl").text
    assert f"1003, factuur 20260003: {dutch}, in openstaande posten" in text
    assert str(refused.value) not in text


def test_a_bad_reference_is_worded_with_its_row_id_when_nothing_else_identifies_it() -> None:
    row = UnreadableRow(1, "crm/Accounts", "12345", "not a GUID")
    text = digest(report(DivisionReport(1, unreadable=[row])), "nl").text
    said = "klant onbekend: ongeldige verwijzing (geen geldig ID), in relaties"
    assert f"- {said} (crm/Accounts, ID 12345)" in text


def test_a_reason_the_digest_does_not_know_is_shown_as_it_is() -> None:
    row = unreadable("Currency is not EUR", customer_code="1003")
    text = digest(report(DivisionReport(1, unreadable=[row]))).text
    assert "- 1003: Currency is not EUR, in" in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_summary_counts_the_rows_that_could_not_be_read(lang: str) -> None:
    rows = [unreadable("no InvoiceNumber"), unreadable("no DueDate")]
    text = digest(report(DivisionReport(1, unreadable=rows)), lang).text
    assert {
        "nl": "2 rijen uit Exact konden niet gelezen worden.",
        "en": "2 rows from Exact could not be read.",
    }[lang] in text


def test_names_of_unreadable_rows_are_escaped_in_the_html_digest() -> None:
    row = unreadable("no InvoiceNumber", customer_name="<b>Evil</b> B.V.")
    rendered = digest(report(DivisionReport(1, unreadable=[row])))
    assert rendered.html is not None
    assert "<b>Evil</b>" not in rendered.html
    assert "&lt;b&gt;Evil&lt;/b&gt; B.V." in rendered.html


def test_the_dutch_digest_words_skips_waits_and_notes_in_dutch_with_dates_and_amounts() -> None:
    division = DivisionReport(
        1,
        [
            entry(Outcome.SKIPPED, "2006 Groen", reasons.paused(date(2026, 2, 20), "betwist")),
            entry(Outcome.SKIPPED, "2007 Bos", reasons.paused(date(2026, 2, 20), "betwist")),
            entry(
                Outcome.ALREADY_DONE,
                "2003 De Molen",
                reasons.interval(date(2026, 1, 29), date(2026, 2, 5), 7),
                invoice_numbers=("2026-0101",),
            ),
            entry(
                Outcome.DRAFTED,
                "2004 Van Leeuwen",
                "level 2",
                amount=Decimal("7820.00"),
                currency="EUR",
                level=2,
                tone="businesslike",
                notes=(reasons.call(Decimal("7820.00"), Decimal(5000)),),
            ),
        ],
        notes=[reasons.safety_cap(64, 50)],
    )
    rendered = digest(report(division), "nl")
    assert rendered.html is not None
    for part in (rendered.text, visible(rendered.html)):
        assert "gepauzeerd tot en met 20 februari 2026: betwist (2)" in part
        assert "Wacht nog, vanzelf een volgende keer (1)" in part
        assert "herinnerd op 29 januari 2026; de volgende herinnering kan vanaf 5 februari" in part
        assert "Herinnering 2 (zakelijk)" in part
        assert "openstaand € 7.820,00, boven € 5.000,00: als concept klaargezet" in part
        assert "veiligheidsgrens: er zouden 64 mails verstuurd worden" in part
        for english in ("paused until", "reminded on", "outstanding", "SAFETY CAP", "2026-02"):
            assert english not in part
    assert "al eerder bezorgd" not in rendered.text  # a wait is not a delivered mail
