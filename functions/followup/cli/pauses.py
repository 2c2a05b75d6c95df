"""`followup pause` and `followup resume`: disputes and agreements, with an end date."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack

from followup import bootstrap
from followup.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, Commands, a_date, config_option
from followup.clock import SystemClock, business_date
from followup.model import Pause
from followup.ports import Stores
from followup.settings import load


def register(commands: Commands) -> None:
    """Add `pause` and `resume`."""
    pause = commands.add_parser(
        "pause",
        help="don't chase a customer or an invoice until a date (a dispute, an agreement)",
        description="Pause reminders for a customer (by its Exact account code) or one invoice "
        "(by its number) until a date. Paused customers get no reminder and are listed in the "
        "report with the reason; a paused invoice is left out of the customer's reminders.",
    )
    pause.add_argument("target", metavar="CUSTOMER|INVOICE", help="account code or invoice number")
    pause.add_argument(
        "--until",
        type=a_date,
        required=True,
        metavar="YYYY-MM-DD",
        help="the last day of the pause",
    )
    pause.add_argument("--reason", required=True, help="why (shown in the report)")
    _pause_options(pause)
    pause.set_defaults(handler=pause_command)

    resume = commands.add_parser(
        "resume",
        help="lift a pause",
        description="Lift the pause of a customer or an invoice: without --division every "
        "pause `followup pause` stored for it (in every division and in single ones), with "
        "--division only that division's.",
    )
    resume.add_argument("target", metavar="CUSTOMER|INVOICE", help="account code or invoice number")
    _pause_options(resume)
    resume.set_defaults(handler=pause_command)


def _pause_options(command: argparse.ArgumentParser) -> None:
    config_option(command)
    command.add_argument(
        "--division",
        type=int,
        metavar="N",
        help="only in this division, one of [exact] divisions (default: in every division)",
    )


def pause_command(args: argparse.Namespace) -> int:
    """Add or lift a pause."""
    settings = load(args.config)
    target = args.target.strip()
    if not target:
        print("followup: say which customer (account code) or invoice (number)", file=sys.stderr)
        return EXIT_CONFIG
    division, configured = args.division, settings.exact.divisions
    if division is not None and (division <= 0 or (configured and division not in configured)):
        listed = ", ".join(str(d) for d in configured) or "none listed: every division"
        print(
            f"followup: --division {args.division} is not configured ([exact] divisions in "
            f"{args.config}: {listed})",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    clock = SystemClock()
    with ExitStack() as resources:
        stores = bootstrap.open_stores(settings, clock, resources)
        if args.command == "resume":
            return _resume(stores, target, args.division)
        if not args.reason.strip():
            print("followup: --reason must say why", file=sys.stderr)
            return EXIT_CONFIG
        if args.until < business_date(clock.now()):
            print(f"followup: --until {args.until} is in the past", file=sys.stderr)
            return EXIT_CONFIG
        stores.pauses.pause(Pause(target, args.until, args.reason.strip(), args.division))
    print(
        f"Paused {target} in {_where(args.division)} until {args.until.isoformat()}: "
        f"{args.reason.strip()}"
    )
    return EXIT_OK


def _resume(stores: Stores, target: str, division: int | None) -> int:
    """Lift what `pause` stored for the target: without --division its pauses everywhere (in
    every division and in single ones), with --division only that division's. The target as
    it was stored, also when typed in another case."""
    stored = [p for p in stores.status.all_pauses() if p.target.strip().lower() == target.lower()]
    chosen = [p for p in stored if division is None or p.division == division]
    if not chosen:
        print(f"followup: no pause for {target} in {_where(division)}", file=sys.stderr)
        if stored:
            places = ", ".join(_where(p.division) for p in stored)
            print(f"  it is paused in {places}", file=sys.stderr)
        return EXIT_FAILED
    lifted = [p for p in chosen if stores.pauses.resume(p.target, p.division)]
    places = " and ".join(_where(p.division) for p in lifted)
    print(f"Resumed {target} in {places}.")
    return EXIT_OK


def _where(division: int | None) -> str:
    return f"division {division}" if division else "every division"
