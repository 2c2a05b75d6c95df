"""The built-in sandbox in place of Exact Online, for settings that name a demo's state folder
(`[exact] sandbox`, as `followup demo` leaves them): the demo administration is built again as
it stood on the run date, served on 127.0.0.1, and given a fresh consent in the token file."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

from pydantic import SecretStr

from followup.clock import business_date
from followup.errors import ConfigError
from followup.model import TokenSet
from followup.ports import Clock, TokenStore
from followup.sandbox.demo_days import play_to
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState
from followup.settings import Settings

START_FILE = "demo-start"  # in the demo's state folder: the date the administration was seeded for


def demo_start(folder: Path) -> date:
    """The date the demo administration in `folder` was seeded for."""
    try:
        return date.fromisoformat((folder / START_FILE).read_text().strip())
    except (OSError, ValueError):
        raise ConfigError(
            [f"exact.sandbox: {folder} holds no demo (`followup demo --dir DIR` makes DIR/.demo)"]
        ) from None


def consent(state: SandboxState, store: TokenStore, clock: Clock) -> None:
    """Store the tokens of a fresh consent, as `followup auth exact` would: a sandbox's token
    book is new in every process."""
    issued = state.issue_tokens()
    now = clock.now()
    store.save(
        TokenSet(
            access_token=str(issued["access_token"]),
            access_expires_at=now + timedelta(seconds=int(issued["expires_in"])),
            refresh_token=str(issued["refresh_token"]),
            refreshed_at=now,
        )
    )


def serve(
    settings: Settings,
    clock: Clock,
    resources: ExitStack,
    tokens: TokenStore,
    run_date: date | None,
    state: SandboxState | None = None,
) -> Settings:
    """Serve the demo administration the settings name, as it stood on `run_date` (default:
    today) at 09:00, or `state` as it is (a demo holding its sandbox), on 127.0.0.1 until
    `resources` close, a fresh consent in `tokens` (the token store of the settings, a file);
    the settings, pointing at it. Once per `resources`."""
    folder = settings.exact.sandbox
    if folder is None:
        return settings
    if state is None:
        state = SandboxState(clock)
        play_to(state, *_days(folder, run_date or business_date(clock.now())))
    server = SandboxServer(state).start()
    resources.callback(server.stop)
    consent(state, tokens, clock)
    exact = settings.exact.model_copy(
        update={
            "base_url": server.base_url,
            "client_id": state.client_id,
            "client_secret": SecretStr(state.client_secret),
            "divisions": settings.exact.divisions or sorted(state.divisions),
        }
    )
    return settings.model_copy(update={"exact": exact})


def _days(folder: Path, day: date) -> tuple[date, date]:
    """The demo's start and the day to play it to; a day before the start has nothing."""
    start = demo_start(folder)
    if day < start:
        raise ConfigError(
            [
                f"exact.sandbox: the demo administration begins on {start.isoformat()}; "
                f"a run on {day.isoformat()} has nothing to read"
            ]
        )
    return start, day
