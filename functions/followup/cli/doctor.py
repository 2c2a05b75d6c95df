"""`followup doctor`: check everything a morning run needs; each problem with its fix."""

from __future__ import annotations

import argparse
import textwrap

from followup.cli.common import EXIT_FAILED, EXIT_OK, Commands, config_option
from followup.clock import SystemClock
from followup.doctor import run_checks
from followup.doctor.checks import Check, Heading, Status

WIDTH = 100


def register(commands: Commands) -> None:
    """Add `doctor`."""
    doctor = commands.add_parser(
        "doctor",
        help="check the settings, tokens, Exact access, Gmail, the ledger and the templates",
        description="Check everything a run depends on and print OK, WARNING or PROBLEM per "
        "check, each warning and problem with its fix: the settings, and that reminders say "
        "where to pay (an IBAN or a payment link); the Exact token store; the Exact token "
        "(used only while still valid: an expired one is left for the next run to refresh, "
        "unless --refresh); access to each configured division (one call each); the Gmail "
        "credentials against the scopes the configured modes need (drafts: gmail.compose, "
        "sending only: gmail.send, reconcile: gmail.readonly); the ledger (a probe record "
        "written and deleted); the templates of every configured language. Exit status 0 "
        "when all is well (warnings included), 1 when any check found a problem. With a "
        "profile per administration ([division.N]: an accountancy office or a holding), what "
        "they share is checked once, then the office's own mailbox and each administration in "
        "turn, in a block headed by its division number and company name.",
    )
    config_option(doctor)
    doctor.add_argument(
        "--division",
        type=int,
        metavar="N",
        help="check this administration only: Exact access to it and, with profiles, its "
        "profile's mailbox, templates and languages (besides what every division shares)",
    )
    doctor.add_argument(
        "--refresh",
        action="store_true",
        help="when the Exact access token has expired, refresh it so division access can be "
        "checked now (one token call; it rotates the stored refresh token, as a run would)",
    )
    doctor.set_defaults(handler=doctor_command)


def show(check: Check) -> str:
    """A check as printed: the verdict, the name, the detail and, for a problem or a warning,
    the fix."""
    head = f"{check.status.value:<8} {check.name}: {check.detail}"
    lines = textwrap.wrap(head, WIDTH, subsequent_indent=" " * 9, break_on_hyphens=False)
    if check.fix:
        lines += textwrap.wrap(
            f"fix: {check.fix}",
            WIDTH,
            initial_indent=" " * 9,
            subsequent_indent=" " * 14,
            break_on_hyphens=False,
        )
    return "\n".join(lines)


def doctor_command(args: argparse.Namespace) -> int:
    """Run every check; exit 1 if any found a problem (a warning alone is no failure), 2 when
    --division names an administration the settings have no profile for."""
    problems = warnings = 0
    where: dict[str, list[str]] = {}  # the problems' checks, per block (with profiles)
    block, blocked = "the shared settings", False
    checks = run_checks(args.config, SystemClock(), refresh=args.refresh, division=args.division)
    for item in checks:
        if isinstance(item, Heading):
            block, blocked = item.label, True
            print(f"\n== {item.label}: {item.title} ==", flush=True)
            continue
        print(show(item), flush=True)
        problems += item.status is Status.PROBLEM
        warnings += item.status is Status.WARNING
        if item.status is Status.PROBLEM:
            where.setdefault(block, []).append(item.name)
    if problems:
        blocks = "; ".join(f"{label}: {', '.join(names)}" for label, names in where.items())
        print(f"\n{problems} problem(s) found." + (f" In {blocks}." if blocked else ""))
        return EXIT_FAILED
    print("\nAll checks passed." + (f" {warnings} warning(s)." if warnings else ""))
    return EXIT_OK
