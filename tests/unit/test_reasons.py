"""Reasons: English text for logs and JSON, a code and values for the owner's language."""

from __future__ import annotations

import copy
import string
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from followup import reasons
from followup.mail.compose import Composer
from followup.mail.samples import COMPANY
from followup.model import Customer, DivisionReport, MailKind, Outcome, ReportEntry, RunReport
from followup.reasons import Param, Reason
from followup.report import summary

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
SAMPLE: dict[str, Param] = {
    "day": date(2026, 11, 30),
    "until": date(2026, 12, 1),
    "sent": date(2026, 11, 2),
    "last": date(2026, 11, 18),
    "next": date(2026, 11, 25),
    "amount": Decimal("7820.00"),
    "limit": Decimal(5000),
    "currency": "EUR",
    "days": 14,
    "level": 2,
    "sends": 64,
    "cap": 50,
    "address": "jan@@example",
    "note": "levering betwist",
    "detail": "HTTP 503",
    "division": 654321,
    "customer": "1001",
    "sender": "jan@klant.example.nl",
    "recipient": "info@klant.example.nl",
    "subject": "Re: Betalingsherinnering F0042",
}
ONLY_A_DETAIL = {"delivery_failed", "delivery_rejected"}  # the mailbox's own words, as they are


def sample(code: str) -> Reason:
    names = {f for _, f, _, _ in string.Formatter().parse(reasons.ENGLISH[code]) if f}
    extra = {"currency"} if "amount" in names else set()
    return reasons.reason(code, **{n: SAMPLE[n] for n in names | extra})


def one_of_each() -> RunReport:
    skipped = MailKind.REMINDER, Outcome.SKIPPED
    entries = [
        ReportEntry(
            1, *skipped, Customer("", str(n), "Klant"), sample(code), invoice_numbers=(str(n),)
        )
        for n, code in enumerate(sorted(reasons.ENGLISH), start=1000)
    ]
    return RunReport("r", NOW.date(), False, NOW, [DivisionReport(1, entries)], NOW)


def test_a_reason_is_its_english_text_so_logs_json_and_the_ledger_keep_working() -> None:
    paused = reasons.paused(date(2026, 12, 1), "dispute")
    assert paused == "paused until 2026-12-01: dispute"
    assert (paused.code, paused.params) == (
        "paused",
        {"until": date(2026, 12, 1), "note": "dispute"},
    )
    assert reasons.unmatched_credit(Decimal("40.00"), "EUR") == (
        "an unmatched payment or credit note of 40.00 is waiting in Exact: match it before "
        "reminding"
    )
    assert reasons.interval(date(2026, 11, 18), date(2026, 11, 25), 7) == (
        "reminded on 2026-11-18; the next reminder can go from 2026-11-25 (one per 7 days)"
    )
    assert reasons.invalid_email("x@") == "invalid e-mail address in Exact: 'x@'"
    assert copy.deepcopy(paused).params == paused.params


def test_a_plain_text_is_a_reason_without_a_code() -> None:
    assert reasons.as_reason("mailer: connection reset").code == ""
    assert reasons.to_json("mailer: connection reset") == {"code": "", "params": {}}
    assert reasons.to_json(reasons.final_term(date(2026, 11, 2), 14, date(2026, 11, 16))) == {
        "code": "final_term",
        "params": {"sent": "2026-11-02", "days": 14, "until": "2026-11-16"},
    }


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_reason_is_worded_by_the_templates_of_each_language(lang: str) -> None:
    report = one_of_each()
    text = summary(report, lang)
    rendered = Composer(COMPANY).render_digest(report, lang)
    for entry in report.entries():
        said = reasons.as_reason(entry.reason)
        if lang == "nl" and said.code not in ONLY_A_DETAIL:
            assert str(said) not in text + rendered.text, said.code  # no English in Dutch
        assert "2026-1" not in text + rendered.text  # dates in the locale, never ISO
    dutch = {"nl": "30 november 2026", "en": "30 November 2026"}[lang]
    assert dutch in text
    assert {"nl": "€ 7.820,00", "en": "€7,820.00"}[lang] in text


def test_the_dutch_words_of_the_reasons_from_exact_and_the_escalation() -> None:
    text = summary(one_of_each(), "nl")
    for dutch in (
        "aanmaning van 2 november 2026: de termijn van 14 dagen loopt tot 1 december 2026",
        "de aanmaning van 2 november 2026 is onbeantwoord: bel de klant of draag de vordering "
        "over; er gaan geen automatische herinneringen meer",
        "Exact dateert de betaling op 30 november 2026, na vandaag: controleer de boeking",
        "relatie geblokkeerd in Exact",
        "staat in de instellingen op de lijst om niet te herinneren",
        "ongeldig e-mailadres in Exact: 'jan@@example'",
        "veiligheidsgrens: er zouden 64 mails verstuurd worden, meer dan de grens van 50",
        "bezorgen mislukt: HTTP 503",
    ):
        assert dutch in text
