"""When the Exact consent lapses: a refresh token dies after 30 days unused (KB: API limits,
../shared/docs/exact-online-api.md), so the consent lives 30 days from its last refresh. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from followup.model import TokenSet

REFRESH_TOKEN_DAYS = 30  # Exact drops a refresh token unused this long
WARN_DAYS = 7  # say so this long before it lapses
RENEW = "followup auth exact"


@dataclass(frozen=True)
class ConsentHealth:
    """The Exact consent as the owner should know it."""

    refreshed_at: datetime  # the last refresh (or sign-in)
    lapses_at: datetime  # unused until then, only a new consent helps
    warn: bool  # within WARN_DAYS of lapsing, or lapsed
    lapsed: bool


def consent_health(tokens: TokenSet, now: datetime) -> ConsentHealth:
    """How long the stored consent lives if nothing refreshes it."""
    lapses_at = tokens.refreshed_at + timedelta(days=REFRESH_TOKEN_DAYS)
    return ConsentHealth(
        refreshed_at=tokens.refreshed_at,
        lapses_at=lapses_at,
        warn=now >= lapses_at - timedelta(days=WARN_DAYS),
        lapsed=now >= lapses_at,
    )
