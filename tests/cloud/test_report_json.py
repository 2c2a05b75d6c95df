"""Run reports read back from the run log's JSON (report_json.py), as an office's overview after
a fan-out reads its divisions' reports: every reason comes back with its code and values, so
the overview words it in the owner's language as the report itself would be worded."""

from __future__ import annotations

import string
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from followup import reasons
from followup.mail.compose import Composer
from followup.mail.samples import COMPANY
from followup.model import (
    Customer,
    DivisionReport,
    MailKind,
    Outcome,
    ReportEntry,
    RunReport,
    Tone,
    UnreadableRow,
    Variant,
)
from followup.reasons import Param, Reason
from followup.report import report_to_dict, summary
from followup.report_json import reason_from_json, report_from_dict

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
OWNER = Customer("", "owner", "")
TEXTS = {
    "customer": "1001",
    "sender": "Jan de Vries <jan@klant.example.nl>",
    "recipient": "info@klant.example.nl",
    "subject": 'Re: "Herinnering F0042" (betwist): zie bijlage',
}


def sample(code: str) -> Reason:
    """The reason of `code`, with a value of the right kind for each name it has."""
    names = {f for _, f, _, _ in string.Formatter().parse(reasons.ENGLISH[code]) if f}
    values: dict[str, Param] = {}
    for name in names:
        if name in ("day", "until", "sent", "last", "next"):
            values[name] = date(2026, 11, 30)
        elif name in ("amount", "limit"):
            values[name] = Decimal("7820.00")
            values["currency"] = "EUR"
        elif name in ("days", "level", "sends", "cap", "division"):
            values[name] = 14
        else:  # as Exact, the mailbox or the owner write them
            values[name] = TEXTS.get(name, f"{name} (HTTP 503): try again, later")
    return reasons.reason(code, **values)


# A note's values are read back from its text (the JSON keeps only its code); a value written
# as repr is not, and no note has one.
NOTES = sorted(c for c in reasons.ENGLISH if "!r}" not in reasons.ENGLISH[c])


def every_reason() -> RunReport:
    """A report with each reason once as an entry's, and every note on an entry and a division."""
    notes = tuple(sample(code) for code in NOTES)
    entries = [
        ReportEntry(
            1,
            MailKind.REMINDER,
            Outcome.SKIPPED,
            Customer("", str(n), "Klant"),
            sample(code),
            invoice_numbers=(str(n),),
            amount=Decimal("12.50"),
            currency="EUR",
            level=2,
            tone=Tone.BUSINESSLIKE,
        )
        for n, code in enumerate(sorted(reasons.ENGLISH), start=1000)
    ]
    entries.append(
        ReportEntry(
            1,
            MailKind.CONFIRMATION,
            Outcome.DRAFTED,
            Customer("", "1001", "Café De Zwaan"),
            "large payment",
            key="1/confirmation/1001/x",
            recipient="anna@example.nl",
            subject="Bedankt",
            invoice_numbers=("24207", "24225"),
            amount=Decimal("4194.15"),
            currency="EUR",
            call_customer=True,
            notes=notes,
            variant=Variant.PERSONAL,
        )
    )
    own_digest = ReportEntry(1, MailKind.DIGEST, Outcome.SENT, OWNER, "digest", key="1/digest")
    division = DivisionReport(
        1,
        entries,
        notes=list(notes),
        exact_calls=7,
        outstanding={"EUR": Decimal("16478.56"), "USD": Decimal("2400.00")},
        overdue={"EUR": Decimal("11656.70")},
        unreadable=[UnreadableRow(1, "bulk/Cashflow/Receivables", "r1", "no DueDate", "1001")],
        digest=own_digest,
        company="Bakkerij Jansen B.V.",
    )
    failed = DivisionReport(2, error="Exact is down", retryable=True, company="Fietsen")
    return RunReport("run-1", NOW.date(), False, NOW, [division, failed], NOW)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_report_read_back_from_its_json_is_worded_as_the_report_itself(lang: str) -> None:
    report = every_reason()
    back = report_from_dict(report_to_dict(report))

    assert report_to_dict(back) == report_to_dict(report)
    assert summary(back, lang) == summary(report, lang)
    composer = Composer(COMPANY)
    assert composer.render_digest(back, lang) == composer.render_digest(report, lang)


def test_every_reason_and_note_comes_back_with_its_code_and_values() -> None:
    back = report_from_dict(report_to_dict(every_reason()))
    (*skipped, drafted) = back.divisions[0].entries
    for entry, code in zip(skipped, sorted(reasons.ENGLISH), strict=True):
        found = reasons.as_reason(entry.reason)
        assert (found.code, found.params) == (code, sample(code).params)
    for note, code in zip([*drafted.notes, *back.divisions[0].notes], NOTES * 2, strict=True):
        assert reasons.as_reason(note).params == sample(code).params


def test_a_reason_whose_values_cant_be_had_comes_back_as_its_text() -> None:
    assert reasons.as_reason(reason_from_json("paused until soon", "paused")).code == ""
    assert reasons.as_reason(reason_from_json("no idea", "a_code_of_tomorrow")).code == ""
    text = "paused until 2026-12-01: dispute"
    for wrong in ({"until": "tomorrow", "note": "dispute"}, {"until": "2026-12-02", "note": ""}):
        assert reasons.as_reason(reason_from_json(text, "paused", wrong)).code == ""
    read = reasons.as_reason(reason_from_json(text, "paused"))  # no values: read from the text
    assert (read.code, read.params) == ("paused", {"until": date(2026, 12, 1), "note": "dispute"})
