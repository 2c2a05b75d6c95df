"""`followup pause` and `followup resume`: disputes and agreements, with an end date."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack

from followup import bootstrap, settings
from followup.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, Commands, a_date, config_option
from followup.clock import SystemClock, business_date
from followup.model import Pause


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
        "resume", help="lift a pause", description="Lift the pause of a customer or an invoice."
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
        help="only in this division (default: in every division)",
    )


def pause_command(args: argparse.Namespace) -> int:
    """Add or lift a pause."""
    config = settings.load(args.config)
    clock = SystemClock()
    where = f"division {args.division}" if args.division else "every division"
    with ExitStack() as resources:
        book = bootstrap.open_ledger(config, clock, resources)
        if args.command == "resume":
            if not book.resume(args.target, args.division):
                print(f"followup: no pause for {args.target} in {where}", file=sys.stderr)
                return EXIT_FAILED
            print(f"Resumed {args.target} in {where}.")
            return EXIT_OK
        if not args.reason.strip():
            print("followup: --reason must say why", file=sys.stderr)
            return EXIT_CONFIG
        if args.until < business_date(clock.now()):
            print(f"followup: --until {args.until} is in the past", file=sys.stderr)
            return EXIT_CONFIG
        book.pause(Pause(args.target, args.until, args.reason.strip(), args.division))
    print(f"Paused {args.target} in {where} until {args.until.isoformat()}: {args.reason.strip()}")
    return EXIT_OK
