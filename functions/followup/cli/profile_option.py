"""`--division N` for the commands that act for one administration's mailbox (`auth gmail`,
`auth mailbox`): with a profile per administration ([division.N]: an accountancy office, a
holding) each client's consent belongs to its own mailbox, so the command must be told whose."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from followup.doctor.profiles import mailbox_words
from followup.errors import ConfigError
from followup.settings import Settings, load


def add(command: argparse.ArgumentParser) -> None:
    """Add the --division N and --office options."""
    whose = command.add_mutually_exclusive_group()
    whose.add_argument(
        "--division",
        type=int,
        metavar="N",
        help="with a profile per administration ([division.N]): the mailbox of division N's "
        "profile (needed then; each client's consent is kept apart)",
    )
    whose.add_argument(
        "--office",
        action="store_true",
        help="with a profile per administration: the office's own mailbox (the [mail.transport] "
        "at the top of the file, which sends the overview digest)",
    )


def chosen(config: Path, division: int | None, office: bool = False) -> tuple[Settings, str] | None:
    """The settings whose mailbox the command is for, and the prefix of its keys in the file
    ("division.101." or ""). With profiles and neither `division` nor `office`: None, after
    saying on stderr which there are to choose from. A `division` without a profile:
    ConfigError."""
    settings = load(config)
    if not settings.profiles or office:
        return settings, ""
    if division is None:
        listed = "\n".join(
            f"  --division {number}  {profile.company.name}: {mailbox_words(profile)}"
            for number, profile in sorted(settings.profiles.items())
        )
        print(
            f"followup: {config} has a profile per administration: say whose mailbox this "
            f"consent is for with --division N (or --office for the office's own):\n{listed}",
            file=sys.stderr,
        )
        return None
    try:
        profile = settings.for_division(division)
    except ConfigError as exc:
        raise ConfigError(exc.problems, str(config)) from None
    print(f"Division {division}, {profile.company.name}: {mailbox_words(profile)}", flush=True)
    return profile, f"division.{division}."
