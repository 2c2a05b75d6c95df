"""The doctor's Exact checks: the token store, the token, and access to each division.

No refresh unless asked: a still valid access token is used as is (a 401 on it is reported, not
mended by a refresh), and an expired one is reported with when the next run will refresh it.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta

from followup import bootstrap
from followup.doctor.checks import Bearer, Check, WouldWait, ok, problem, skipped, warning
from followup.doctor.paths import file_trouble
from followup.errors import (
    ExactAuthError,
    ExactError,
    ExactRequestError,
    ExactTokenRevoked,
    FollowupError,
)
from followup.exact.auth import EXPIRY_MARGIN
from followup.exact.client import ExactClient
from followup.exact.consent import division_name, me, visible_divisions
from followup.exact.lapse import consent_health
from followup.ports import Clock
from followup.settings import FileTokens, Settings

REFRESH_TOKEN_DAYS = 30  # Exact drops a refresh token unused this long
SIGN_IN = "run `followup auth exact --config FILE` (a new sign-in to Exact Online)"


def tokens_place(settings: Settings) -> str:
    """Where the Exact tokens are kept, in words."""
    chosen = settings.tokens
    if isinstance(chosen, FileTokens):
        return str(chosen.path)
    return f"the Secret Manager secret {chosen.secret_name}"


def _when(moment: datetime, now: datetime) -> str:
    ago = now - moment
    if ago < timedelta(hours=1):
        span = f"{max(int(ago.total_seconds() // 60), 0)} min ago"
    elif ago < timedelta(days=2):
        span = f"{int(ago.total_seconds() // 3600)} h ago"
    else:
        span = f"{ago.days} days ago"
    return f"{moment:%Y-%m-%d %H:%M} ({span})"


@dataclass(frozen=True)
class ExactAccess:
    """A client on a valid access token, and the signed-in user's current division."""

    client: ExactClient
    current_division: int | None


def exact_checks(
    settings: Settings,
    clock: Clock,
    resources: ExitStack,
    refresh: bool,
    divisions: list[int] | None = None,
) -> Iterator[Check]:
    """Token store, token, divisions (`divisions`, else the configured ones)."""
    chosen = settings.exact.divisions if divisions is None else divisions
    access = yield from token_checks(settings, clock, resources, refresh)
    if access is not None:
        yield from division_checks(access, chosen)


def token_checks(
    settings: Settings, clock: Clock, resources: ExitStack, refresh: bool
) -> Generator[Check, None, ExactAccess | None]:
    """Token store and token; the access they give (None: the divisions can't be checked)."""
    place = tokens_place(settings)
    chosen = settings.tokens
    trouble = (
        file_trouble(chosen.path, "[tokens] path", example="exact-tokens.json")
        if isinstance(chosen, FileTokens)
        else None
    )
    if trouble:
        yield problem("token store", *trouble)  # no sign-in can store tokens there either
        yield skipped("Exact token", "no place for tokens")
        return None
    try:
        tokens = bootstrap.open_token_store(settings, clock, resources).load()
    except FollowupError as exc:
        yield problem("token store", str(exc), SIGN_IN)
        yield skipped("Exact token", "no readable tokens")
        return None
    if tokens is None:
        yield problem("token store", f"no Exact tokens in {place}", SIGN_IN)
        yield skipped("Exact token", "no tokens")
        return None
    now = clock.now()
    health = consent_health(tokens, now)
    yield ok(
        "token store",
        f"{place} holds Exact tokens, last refreshed {_when(tokens.refreshed_at, now)}; "
        f"unused, the consent lapses after {health.lapses_at:%Y-%m-%d %H:%M}",
    )
    if health.warn and not health.lapsed:
        yield warning(
            "Exact consent",
            f"the consent lapses on {health.lapses_at:%Y-%m-%d} unless a run refreshes it before",
            "let the daily run go (each run refreshes it), or " + SIGN_IN,
        )
    if now - tokens.refreshed_at > timedelta(days=REFRESH_TOKEN_DAYS):
        yield problem(
            "Exact token",
            f"the refresh token was last used {(now - tokens.refreshed_at).days} days ago; Exact "
            f"drops refresh tokens unused for {REFRESH_TOKEN_DAYS} days",
            SIGN_IN,
        )
        return None
    if now < tokens.access_expires_at - EXPIRY_MARGIN:
        token, how = tokens.access_token, f"stored, valid until {tokens.access_expires_at:%H:%M}"
    elif not refresh:
        yield ok(
            "Exact token",
            f"the access token expired at {tokens.access_expires_at:%Y-%m-%d %H:%M}; the next "
            "run will refresh it (not done now: each refresh rotates the refresh token)",
        )
        yield skipped(
            "divisions",
            "checking them needs a valid access token: `followup doctor --refresh` spends one "
            "refresh to check them now",
        )
        return None
    else:
        try:
            auth, _ = bootstrap.open_exact(settings, clock, resources)
            token, how = auth.access_token(), "refreshed just now"
        except ExactTokenRevoked as exc:
            yield problem("Exact token", str(exc), SIGN_IN + ": only that mends a broken chain")
            return None
        except WouldWait as exc:
            yield problem("Exact token", f"Exact won't refresh yet: {exc}", "run doctor later")
            return None
        except FollowupError as exc:
            yield problem(
                "Exact token",
                f"the refresh failed: {exc}",
                "run `followup doctor` later; if it persists, " + SIGN_IN,
            )
            return None
    client = bootstrap.exact_client(settings, Bearer(token), clock, resources, attempts=2)
    try:
        account = me(client)
    except ExactAuthError as exc:
        yield problem(
            "Exact token",
            f"Exact refused the stored access token ({exc})",
            "the next run will refresh it; if that fails too, " + SIGN_IN,
        )
        return None
    except FollowupError as exc:
        yield problem("Exact token", f"current/Me failed: {exc}", "try again later")
        return None
    who = account.name or account.user_name
    yield ok("Exact token", f"{how}; signed in as {who} ({account.user_name})")
    return ExactAccess(client, account.current_division)


def division_checks(access: ExactAccess, configured: list[int]) -> Iterator[Check]:
    """Access to each division in `configured` (one call each); none: the visible ones."""
    client, current = access.client, access.current_division

    def visible() -> dict[int, str]:  # only when needed: a listing of hundreds takes pages
        return visible_divisions(client, current) if current is not None else {}

    if not configured:
        listed = ", ".join(f"{code} {name}" for code, name in visible().items()) or "none"
        yield ok("divisions", f"none configured: a run covers every visible one: {listed}")
        return
    for division in configured:
        name = f"division {division}"
        try:
            description = division_name(client, division)
        except (ExactAuthError, ExactRequestError) as exc:
            seen = ", ".join(str(code) for code in visible()) or "none"
            yield problem(
                name,
                f"no access ({exc})",
                f"correct [exact] divisions (this Exact user sees: {seen}), or give the user "
                "access to it in Exact and allow the app on it with `followup auth exact`",
            )
            continue
        except ExactError as exc:
            yield problem(name, f"could not be checked ({exc})", "try again later")
            continue
        yield ok(name, description or "accessible")
