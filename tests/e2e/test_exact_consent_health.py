"""`followup doctor` and `followup status` say when the Exact consent was last refreshed and
warn before it lapses unused (Exact drops a refresh token after 30 days)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cli_support import followup, write_config
from followup.adapters.file_tokens import FileTokenStore
from followup.clock import AMSTERDAM
from followup.model import TokenSet
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxClock, SandboxState

ENV = {"FOLLOWUP_EXACT_CLIENT_SECRET": SandboxState.client_secret}


@pytest.fixture
def sandbox() -> Iterator[tuple[SandboxState, SandboxServer]]:
    state = SandboxState(clock=SandboxClock())
    state.add_division(101, "Bakkerij Noord B.V.")
    with SandboxServer(state) as server:
        yield state, server


def _stored(tmp_path: Path, state: SandboxState, days_ago: int) -> datetime:
    issued = state.issue_tokens()
    refreshed = datetime.now(AMSTERDAM) - timedelta(days=days_ago)
    FileTokenStore(tmp_path / "state" / "exact-tokens.json").save(
        TokenSet(
            access_token=issued["access_token"],
            access_expires_at=refreshed + timedelta(minutes=10),
            refresh_token=issued["refresh_token"],
            refreshed_at=refreshed,
        )
    )
    return refreshed + timedelta(days=30)


def test_a_consent_days_from_lapsing_is_a_warning_in_doctor_and_status(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    state, server = sandbox
    lapses = _stored(tmp_path, state, days_ago=25)
    config = write_config(tmp_path, server.base_url, state, 101)

    doctor = followup("doctor", "--config", str(config), cwd=tmp_path, env=ENV)
    status = followup("status", "--config", str(config), cwd=tmp_path, env=ENV)

    said = " ".join(doctor.stdout.split())  # the report wraps its lines
    assert f"the consent lapses after {lapses:%Y-%m-%d}" in said
    assert f"WARNING Exact consent: the consent lapses on {lapses:%Y-%m-%d}" in said
    assert f"lapses after {lapses:%Y-%m-%d}" in status.stdout
    assert "renew the Exact consent: followup auth exact" in status.stdout


def test_a_fresh_consent_is_shown_without_a_warning(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    state, server = sandbox
    lapses = _stored(tmp_path, state, days_ago=1)
    config = write_config(tmp_path, server.base_url, state, 101)

    status = followup("status", "--config", str(config), "--json", cwd=tmp_path, env=ENV)

    assert f'"lapses_at": "{lapses.isoformat()}"' in status.stdout
    assert '"warning": false' in status.stdout
