"""Which divisions an accountancy office's run covers (settings with profiles, `[division.N]`).

Every profile's division must be one the Exact token sees: a profile for another is a settings
mistake, refused before anything runs or any task is created (as office.py does for `followup
run`). With `[exact] divisions` empty the run covers every visible division that has a profile;
a visible division without one is left out and reported (in the answer and the logs): it would
otherwise mail in another company's name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from followup import reasons
from followup.errors import ConfigError
from followup.settings import Settings

log = logging.getLogger("followup.cloud")
_SHOWN = 10  # visible divisions named in the message, at most


@dataclass(frozen=True)
class LeftOut:
    """A division the token sees that the run leaves out, and why."""

    division: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for the answer."""
        return {"division": self.division, "reason": self.reason}


def known(settings: Settings) -> list[int]:
    """The divisions the settings name: `[exact] divisions`, else the profiled ones (none:
    any division)."""
    return list(settings.exact.divisions) or sorted(settings.profiles)


def check_seen(settings: Settings, visible: Sequence[int]) -> None:
    """A ConfigError naming `division.N` for each profile whose division the token can't see."""
    seen = sorted(set(visible))
    unseen = sorted(set(settings.profiles) - set(seen))
    if unseen:
        listed = ", ".join(str(d) for d in seen[:_SHOWN]) + (", …" if len(seen) > _SHOWN else "")
        raise ConfigError(
            [
                f"division.{n}: the Exact consent doesn't reach this administration (it reaches "
                f"{listed or 'none'}): check the number in Exact, or give the consent's user "
                "access to it"
                for n in unseen
            ]
        )


def choose(settings: Settings, visible: Sequence[int]) -> tuple[list[int], list[LeftOut]]:
    """The divisions an every-division run covers (the visible ones; with profiles, those that
    have one) and the visible ones it leaves out, logged; check_seen first."""
    check_seen(settings, visible)
    seen, profiled = sorted(set(visible)), settings.profiles
    if not profiled:
        return seen, []
    left_out = [
        LeftOut(d, str(reasons.division_without_profile(d))) for d in seen if d not in profiled
    ]
    for left in left_out:
        log.warning(
            "division %s: not run: %s",
            left.division,
            left.reason,
            extra={
                "decision": {
                    "event": "division_left_out",
                    "division": left.division,
                    "reason": left.reason,
                }
            },
        )
    return [d for d in seen if d in profiled], left_out
