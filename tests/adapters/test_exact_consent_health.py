"""A run against the sandbox over HTTP when the Exact consent no longer reaches a division, and
when the user withdrew it: the first is named and the others run; the second stops the run
with the consent to renew."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fakes import FakeComposer, FakeMailer
from followup import service
from followup.adapters.file_tokens import FileTokenStore
from followup.adapters.sqlite import open_stores
from followup.exact.client import ExactClient
from followup.exact.queries import ExactOnlineSource
from followup.policy import Rules
from followup.reasons import as_reason
from followup.sandbox.state import SandboxState
from followup.settings.rules import Policy

if TYPE_CHECKING:
    from conftest import SharedClock

KEPT, SOLD = 101, 202
TODAY = date(2026, 3, 2)


@pytest.fixture
def deps(
    state: SandboxState,
    client: ExactClient,
    clock: SharedClock,
    store: FileTokenStore,
    tmp_path: Path,
) -> Iterator[service.Deps]:
    state.add_division(KEPT, "Bakkerij Noord B.V.")
    state.add_division(SOLD, "Bakkerij Zuid B.V.")
    ledger = open_stores(tmp_path / "ledger.sqlite3")
    yield service.Deps(
        source=ExactOnlineSource(client),
        ledger=ledger.claims,
        runlog=ledger.runs,
        pauses=ledger.pauses,
        mailer=FakeMailer(),
        composer=FakeComposer(),
        clock=clock,
        rules=Rules(policy=Policy()),
        divisions=(SOLD, KEPT),
        tokens=store,
    )
    ledger.close()


def test_a_division_the_token_no_longer_sees_is_named_and_the_others_run(
    state: SandboxState, deps: service.Deps
) -> None:
    state.hide_division(SOLD)

    report = service.run(deps, TODAY)

    sold, kept = report.divisions
    assert as_reason(sold.error).code == "division_unseen"
    assert "renew the Exact consent: followup auth exact" in sold.error
    assert kept.ok
    assert report.consent_lapses_at is not None


def test_a_withdrawn_consent_stops_the_run_and_says_which_consent_to_renew(
    state: SandboxState, clock: SharedClock, deps: service.Deps
) -> None:
    state.withdraw_consent()
    clock.sleep(600)  # the stored access token has expired: the run must refresh

    report = service.run(deps, TODAY)

    assert not report.ok
    assert all("followup auth exact" in d.error for d in report.divisions)
    assert "Consent withdrawn." in report.divisions[0].error
