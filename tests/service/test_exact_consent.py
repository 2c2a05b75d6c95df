"""The Exact consent's health in a run: a division the consent no longer reaches is named and
the others run; the report says when the consent was last refreshed and when it lapses."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import date, timedelta

from fakes import (
    DIV,
    FakeClock,
    FakeComposer,
    FakeLedger,
    FakeMailer,
    FakeSource,
    account,
    division_data,
)
from followup import service
from followup.errors import ExactAuthError
from followup.model import TokenSet
from followup.policy import Rules
from followup.reasons import as_reason
from followup.settings import Languages, Modes
from followup.settings.rules import Policy

RUN = date(2026, 11, 23)
OTHER = 200


class StoredTokens:
    """A token store holding one TokenSet."""

    def __init__(self, tokens: TokenSet | None) -> None:
        self.tokens = tokens

    def load(self) -> TokenSet | None:
        return self.tokens

    def save(self, tokens: TokenSet) -> None:
        self.tokens = tokens

    def lock(self) -> AbstractContextManager[None]:
        return nullcontext()


def make(tokens: TokenSet | None = None) -> service.Deps:
    data = {d: division_data([account(1)], division=d) for d in (DIV, OTHER)}
    ledger, clock = FakeLedger(), FakeClock()
    return service.Deps(
        source=FakeSource(data),
        ledger=ledger,
        runlog=ledger,
        mailer=FakeMailer(),
        composer=FakeComposer(),
        clock=clock,
        rules=Rules(Policy(), Modes(), Languages()),
        pauses=ledger,
        tokens=StoredTokens(tokens),
    )


def _tokens(days_ago: int) -> TokenSet:
    at = FakeClock().now() - timedelta(days=days_ago)
    return TokenSet("a", at + timedelta(minutes=10), "r", at)


def test_a_division_the_consent_no_longer_reaches_is_named_and_the_others_run() -> None:
    deps = make()
    deps.source.failing[DIV] = ExactAuthError(  # type: ignore[attr-defined]
        "Exact refused the credentials", status=403, endpoint=f"{DIV}/crm/Accounts"
    )

    report = service.run(deps, RUN)

    unseen, other = report.divisions
    assert as_reason(unseen.error).code == "division_unseen"
    assert as_reason(unseen.error).params["division"] == DIV
    assert "followup auth exact" in unseen.error
    assert other.ok
    assert [read[0] for read in deps.source.reads] == [DIV, OTHER]  # type: ignore[attr-defined]


def test_the_report_says_when_the_consent_was_refreshed_and_when_it_lapses() -> None:
    deps = make(_tokens(days_ago=2))

    report = service.run(deps, RUN)

    assert report.consent_refreshed_at == deps.clock.now() - timedelta(days=2)
    assert report.consent_lapses_at == deps.clock.now() + timedelta(days=28)
    assert not report.consent_warn


def test_a_consent_a_week_from_lapsing_is_warned_about_in_the_log(caplog) -> None:  # type: ignore[no-untyped-def]
    deps = make(_tokens(days_ago=24))

    report = service.run(deps, RUN)

    assert report.consent_warn
    assert "renew the Exact consent: followup auth exact" in caplog.text
