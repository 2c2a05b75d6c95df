"""The digest puts what stops the chase first: a lapsing Exact consent, a division the consent
no longer reaches, bank statements that hold the reminders; in every language."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from followup import reasons
from followup.exact.lapse import consent_health
from followup.mail.compose import Composer
from followup.mail.samples import COMPANY, sample_report
from followup.model import DivisionReport, RunReport, TokenSet

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
COMPOSER = Composer(COMPANY)
SUMMARY = {"nl": "overzicht", "en": "summary"}
RENEW = "followup auth exact"


def _tokens(refreshed: datetime) -> TokenSet:
    return TokenSet("a", refreshed + timedelta(minutes=10), "r", refreshed)


def _with_consent(report: RunReport, refreshed: datetime) -> RunReport:
    health = consent_health(_tokens(refreshed), NOW)
    report.consent_refreshed_at, report.consent_lapses_at = health.refreshed_at, health.lapses_at
    report.consent_warn = health.warn
    return report


def test_the_consent_warns_within_seven_days_of_lapsing_and_not_before() -> None:
    assert not consent_health(_tokens(NOW - timedelta(days=22)), NOW).warn
    assert consent_health(_tokens(NOW - timedelta(days=23)), NOW).warn
    lapsed = consent_health(_tokens(NOW - timedelta(days=30)), NOW)
    assert lapsed.lapsed
    assert lapsed.lapses_at == NOW


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_lapsing_consent_is_the_first_thing_the_digest_says(lang: str) -> None:
    report = _with_consent(sample_report(NOW.date(), NOW), NOW - timedelta(days=25))
    rendered = COMPOSER.render_digest(report, lang)
    text = rendered.text
    assert RENEW in text
    assert text.index(RENEW) < text.index(SUMMARY[lang])
    assert {"nl": "28 november 2026", "en": "28 November 2026"}[lang] in text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_healthy_consent_is_one_quiet_line_with_its_dates(lang: str) -> None:
    report = _with_consent(sample_report(NOW.date(), NOW), NOW - timedelta(days=1))
    text = COMPOSER.render_digest(report, lang).text
    assert RENEW not in text
    assert {"nl": "22 november 2026", "en": "22 November 2026"}[lang] in text
    assert {"nl": "22 december 2026", "en": "22 December 2026"}[lang] in text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_division_the_consent_no_longer_reaches_is_named_at_the_top(lang: str) -> None:
    report = sample_report(NOW.date(), NOW)
    unseen = reasons.division_unseen(654321, "HTTP 403")
    report.divisions.append(DivisionReport(654321, error=unseen))
    rendered = COMPOSER.render_digest(report, lang)
    for part in (rendered.text, rendered.html or ""):
        assert "654321" in part
        assert RENEW in part
        assert part.index(RENEW) < part.index(SUMMARY[lang])
    word = {"nl": "toestemming voor Exact", "en": "Exact consent"}[lang]
    assert word in rendered.text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_bank_statements_that_hold_the_reminders_are_said_at_the_top(lang: str) -> None:
    report = sample_report(NOW.date(), NOW)
    report.divisions[0].notes.append(reasons.statements_held(date(2026, 11, 16), 3, False))
    text = COMPOSER.render_digest(report, lang).text
    said = {"nl": "bankafschriften laatst ingelezen op 16 november 2026",
            "en": "bank statements last imported on 16 November 2026"}[lang]  # fmt: skip
    assert said in text
    assert text.index(said) < text.index(SUMMARY[lang])
