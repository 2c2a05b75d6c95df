"""A run's overrides (some divisions, one mail mode for every kind) laid on a copy of the
settings, before any adapter is wired to them."""

from __future__ import annotations

from collections.abc import Sequence

from followup.model import Mode
from followup.settings import Modes, Settings


def with_overrides(settings: Settings, divisions: Sequence[int], mode: str | None) -> Settings:
    """The settings for a run of some divisions (none: the configured ones), in one mail mode
    for every kind: a copy, made before the adapters are wired to it."""
    mail = settings.mail
    if mode is not None:
        forced = Modes(confirmation=Mode(mode), reminder=Mode(mode))
        mail = mail.model_copy(update={"mode": forced})
    exact = settings.exact.model_copy(
        update={"divisions": list(divisions or settings.exact.divisions)}
    )
    return settings.model_copy(update={"exact": exact, "mail": mail})
