"""Credentials: the Exact Online OAuth tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class TokenSet:
    """Exact Online OAuth tokens: the refresh token and the access token it last produced."""

    access_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_token: str = field(repr=False)
    refreshed_at: datetime  # when the current access token was issued (Exact: 570 s between)
