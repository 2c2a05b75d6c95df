"""The run report for people and machines: the summary text and the JSON."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from followup import reasons
from followup.model import (
    Customer,
    DivisionReport,
    MailKind,
    Outcome,
    ReportEntry,
    RunReport,
    UnreadableRow,
)
from followup.report import report_to_dict, summary

NOW = datetime(2026, 2, 3, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
ROW = UnreadableRow(
    division=123456,
    endpoint="bulk/Cashflow/Receivables",
    row_id="5e1ab1c4-0009",
    reason="DueDate is not a date",
    customer_code="1003",
    customer_name="Restaurant De Molen",
    invoice_number="20260003",
)


def report(*divisions: DivisionReport) -> RunReport:
    return RunReport("run-1", date(2026, 2, 3), False, NOW, list(divisions), NOW)


@pytest.mark.parametrize(
    ("lang", "heading", "named", "nameless"),
    [
        (
            "en",
            "Rows from Exact that could not be read (2):",
            "- 1003 Restaurant De Molen, invoice 20260003: the due date is not a valid date, in "
            "outstanding items (bulk/Cashflow/Receivables)",
            "- customer unknown: an invalid reference (not a valid ID), in accounts "
            "(crm/Accounts, ID 12345)",
        ),
        (
            "nl",
            "Rijen uit Exact die niet gelezen konden worden (2):",
            "- 1003 Restaurant De Molen, factuur 20260003: vervaldatum is geen geldige datum, in "
            "openstaande posten (bulk/Cashflow/Receivables)",
            "- klant onbekend: ongeldige verwijzing (geen geldig ID), in relaties "
            "(crm/Accounts, ID 12345)",
        ),
    ],
)
def test_the_summary_lists_each_row_that_could_not_be_read_with_customer_invoice_and_reason(
    lang: str, heading: str, named: str, nameless: str
) -> None:
    row = UnreadableRow(123456, "crm/Accounts", "12345", "not a GUID")
    text = summary(report(DivisionReport(123456, unreadable=[ROW, row])), lang)
    assert heading in text
    assert named in text
    assert nameless in text


def test_a_summary_without_unreadable_rows_does_not_mention_them() -> None:
    assert "could not be read" not in summary(report(DivisionReport(123456)), "en")


def test_the_json_report_carries_each_unreadable_row_under_its_division() -> None:
    data = report_to_dict(report(DivisionReport(123456, unreadable=[ROW]), DivisionReport(7)))
    json.dumps(data)  # JSON-ready as it is
    assert data["divisions"][0]["unreadable"] == [
        {
            "division": 123456,
            "endpoint": "bulk/Cashflow/Receivables",
            "row_id": "5e1ab1c4-0009",
            "customer_code": "1003",
            "customer_name": "Restaurant De Molen",
            "invoice_number": "20260003",
            "reason": "DueDate is not a date",
        }
    ]
    assert data["divisions"][1]["unreadable"] == []


DAY = date(2026, 11, 23)
EUR = "EUR"
CONF, REM = MailKind.CONFIRMATION, MailKind.REMINDER


def who(shown: str) -> Customer:
    """A customer as the report shows it: "1001 Bakkerij Van Dam"."""
    code, _, name = shown.partition(" ")
    return Customer(f"acc-{code}", code, name)


def day(n: int) -> date:
    return DAY + timedelta(days=n)


def busy(*, dry_run: bool = False) -> RunReport:
    """A division's run with a mail of each kind, skips, a wait, a failure and a note."""
    division = DivisionReport(
        123456,
        outstanding={EUR: Decimal("9120.50")},
        overdue={EUR: Decimal("7820.00")},
        notes=[reasons.reminders_wait(day(1))],
    )
    done = Outcome.PLANNED if dry_run else Outcome.DRAFTED
    division.entries += [
        ReportEntry(123456, CONF, done, who("1001 Bakkerij Van Dam"), "payment for 2026-0112",
                    recipient="sanne@bakkerijvandam.nl", invoice_numbers=("2026-0112",),
                    amount=Decimal("1250.00"), currency=EUR),
        ReportEntry(123456, REM, done, who("2004 Bouwbedrijf Van Leeuwen"), "2 invoices",
                    recipient="info@vanleeuwenbouw.nl", invoice_numbers=("2026-0044", "2026-0051"),
                    amount=Decimal("7820.00"), currency=EUR, level=2, tone="businesslike",
                    notes=(reasons.call(Decimal("7820.00"), Decimal(5000)),)),
        ReportEntry(123456, REM, Outcome.SKIPPED, who("2005 Drukkerij Snelpers"), reasons.NO_EMAIL,
                    invoice_numbers=("2026-0071",)),
        ReportEntry(123456, REM, Outcome.SKIPPED, who("2006 Hovenier Groen"),
                    reasons.paused(day(8), "levering betwist"), invoice_numbers=("2026-0090",)),
        ReportEntry(123456, CONF, Outcome.SKIPPED, who("1038 Café Het Wapen"),
                    reasons.SETTLED_BY_CREDIT_NOTE, invoice_numbers=("2026-0093",)),
        ReportEntry(123456, REM, Outcome.ALREADY_DONE, who("2003 Restaurant De Molen"),
                    reasons.interval(day(-5), day(2), 7), invoice_numbers=("2026-0101",)),
        ReportEntry(123456, REM, Outcome.SKIPPED, who("2009 Garage Snel"),
                    reasons.unmatched_credit(Decimal("40.00"), EUR),
                    invoice_numbers=("2026-0077",)),
        ReportEntry(123456, CONF, Outcome.ALREADY_DONE, who("1002 Hotel Het Anker"),
                    reasons.ALREADY_DELIVERED, invoice_numbers=("2026-0080",)),
    ]  # fmt: skip
    if not dry_run:
        division.entries.append(
            ReportEntry(123456, CONF, Outcome.FAILED, who("1007 Café Het Hoekje"),
                        reasons.delivery_failed("SMTP 451 try again later"),
                        recipient="info@hethoekje.nl", invoice_numbers=("2026-0133",),
                        amount=Decimal("96.00"), currency=EUR)
        )  # fmt: skip
    return RunReport("run-2", DAY, dry_run, NOW, [division], NOW)


def lines_of(text: str, start: str) -> list[str]:
    """The lines of one section of the summary, up to the next heading."""
    after = text.split(start, 1)[1].split("\n")[1:]
    section = []
    for line in after:
        if not line.startswith("    - "):
            break
        section.append(line.removeprefix("    - "))
    return section


def test_a_dry_run_summary_names_each_mail_that_would_go_out_in_dutch() -> None:
    text = summary(busy(dry_run=True), "nl")
    assert text.startswith(
        "followup, run van 23 november 2026 (proefrun: er is niets bezorgd en niets vastgelegd)"
    )
    assert "Bevestigingen: 1 zou worden bezorgd, 0 als concept, 0 verstuurd, 1 overgeslagen" in text
    assert lines_of(text, "Zou worden bezorgd (2):") == [
        "Bevestiging: 1001 Bakkerij Van Dam, factuur 2026-0112, € 1.250,00, aan "
        "sanne@bakkerijvandam.nl",
        "Herinnering 2 (zakelijk): 2004 Bouwbedrijf Van Leeuwen, facturen 2026-0044 en "
        "2026-0051, € 7.820,00, aan info@vanleeuwenbouw.nl (openstaand € 7.820,00, boven "
        "€ 5.000,00: als concept klaargezet, bel de klant)",
    ]


def test_every_skip_wait_and_failure_names_the_customer_the_invoices_and_why_in_dutch() -> None:
    text = summary(busy(), "nl")
    assert sorted(lines_of(text, "Overgeslagen (4):")) == [
        "Bevestiging: 1038 Café Het Wapen, factuur 2026-0093: voldaan met een creditnota, niet "
        "met een betaling: geen bedankje",
        "Herinnering: 2005 Drukkerij Snelpers, factuur 2026-0071: geen e-mailadres in Exact "
        "(relatie en contactpersonen)",
        "Herinnering: 2006 Hovenier Groen, factuur 2026-0090: gepauzeerd tot en met 1 december "
        "2026: levering betwist",
        "Herinnering: 2009 Garage Snel, factuur 2026-0077: er staat in Exact een "
        "niet-afgeletterde betaling of creditnota van € 40,00: letter die eerst af, dan volgt "
        "de herinnering",
    ]
    assert lines_of(text, "Wacht nog, vanzelf een volgende keer (1):") == [
        "Herinnering: 2003 Restaurant De Molen, factuur 2026-0101: herinnerd op 18 november "
        "2026; de volgende herinnering kan vanaf 25 november 2026 (één per 7 dagen)"
    ]
    assert lines_of(text, "Mislukt, de volgende run probeert het opnieuw (1):") == [
        "Bevestiging: 1007 Café Het Hoekje, factuur 2026-0133, € 96,00, aan info@hethoekje.nl: "
        "bezorgen mislukt: SMTP 451 try again later"
    ]
    assert "Let op: geen werkdag: de herinneringen wachten tot 24 november 2026" in text
    assert "1 mail was al eerder bezorgd." in text


def test_the_dutch_summary_has_no_english_reason_and_the_english_one_no_iso_dates() -> None:
    report_ = busy()
    dutch, english = summary(report_, "nl"), summary(report_, "en")
    for entry in report_.entries():
        for said in (entry.reason, *entry.notes):
            if reasons.as_reason(said).code not in ("", "delivery_failed"):
                assert str(said) not in dutch
    assert "paused until 1 December 2026: levering betwist" in english
    assert "reminded on 18 November 2026; the next reminder can go from 25 November 2026" in (
        english
    )
    assert "2026-12-01" not in dutch + english
    assert "Reminder 2 (businesslike): 2004 Bouwbedrijf Van Leeuwen" in english
    assert "€7,820.00, above €5,000.00: drafted, call the customer" in english


def test_fifty_skips_are_fifty_lines_grouped_by_kind() -> None:
    division = DivisionReport(1)
    division.entries += [
        ReportEntry(1, REM if n % 2 else CONF, Outcome.SKIPPED, who(f"{3000 + n} Klant {n}"),
                    reasons.NO_EMAIL, invoice_numbers=(f"2026-{n:04}",))
        for n in range(50)
    ]  # fmt: skip
    text = summary(RunReport("r", DAY, False, NOW, [division], NOW), "nl")
    skipped = lines_of(text, "Overgeslagen (50):")
    assert len(skipped) == 50
    kinds = [line.split(":")[0] for line in skipped]
    assert kinds == ["Bevestiging"] * 25 + ["Herinnering"] * 25


def test_a_second_run_says_there_is_nothing_new_in_the_owners_language() -> None:
    division = DivisionReport(1, [ReportEntry(1, CONF, Outcome.ALREADY_DONE, who("1001 X"),
                                              reasons.ALREADY_DELIVERED)])  # fmt: skip
    again = RunReport("r", DAY, False, NOW, [division], NOW)
    assert summary(again, "nl").endswith(
        "Niets nieuws: de mail die aan de beurt was, is al door een eerdere run bezorgd."
    )
    assert summary(again, "en").endswith(
        "Nothing new: the 1 mail due was already delivered by an earlier run."
    )


def test_the_json_report_keeps_the_english_reason_with_its_code_and_values() -> None:
    data = report_to_dict(busy())
    json.dumps(data)
    paused = next(e for e in data["divisions"][0]["entries"] if e["customer"].startswith("2006"))
    assert paused["reason"] == "paused until 2026-12-01: levering betwist"
    assert paused["reason_code"] == "paused"
    assert paused["reason_params"] == {"until": "2026-12-01", "note": "levering betwist"}
    call = next(e for e in data["divisions"][0]["entries"] if e["customer"].startswith("2004"))
    assert call["note_codes"] == ["call"]
    assert (call["level"], call["variant"]) == (2, "businesslike")
    assert data["divisions"][0]["note_codes"] == ["reminders_wait"]


def test_the_progress_line_speaks_the_owners_language() -> None:
    from followup.model import DivisionReport
    from followup.report import progress

    done, failed = DivisionReport(123456), DivisionReport(654321, error="Exact: 503")
    assert progress("nl")(done) == "administratie 123456: 0 besluiten"
    assert progress("nl")(failed) == "administratie 654321: mislukt: Exact: 503"
    assert progress("en")(done) == "division 123456: 0 decisions"
