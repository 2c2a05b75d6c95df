"""`followup run` and `followup demo`: the daily job, for a configuration or the sandbox."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from followup import bootstrap, service, settings
from followup.cli.common import EXIT_CONFIG, Commands, a_date, config_option, finish
from followup.clock import SystemClock, business_date
from followup.model import DivisionReport


def register(commands: Commands) -> None:
    """Add `run` and `demo`."""
    run = commands.add_parser(
        "run",
        help="run the daily job for a configuration",
        description="Read Exact Online, decide which confirmations and reminders are due, "
        "deliver them (draft or send, per the settings) and record them so that nothing is "
        "delivered twice.",
    )
    config_option(run)
    run.add_argument(
        "--date",
        type=a_date,
        metavar="YYYY-MM-DD",
        help="the run date (default: today in Europe/Amsterdam); the payments of the day before "
        "are confirmed, plus any day missed since the last successful run",
    )
    run.add_argument(
        "--dry-run", action="store_true", help="deliver nothing and record nothing; report all"
    )
    run.add_argument("--json", action="store_true", help="print the run report as JSON on stdout")

    run.set_defaults(handler=run_command)

    demo = commands.add_parser(
        "demo",
        help="run the whole job against the built-in Exact Online sandbox",
        description="Start the built-in Exact Online sandbox with a demo administration dated "
        "today, run the daily job against it over HTTP and write the mails as .eml files to "
        "outbox/ with outbox/index.html to look at them. A second run on the same day "
        "delivers nothing new.",
    )
    demo.add_argument(
        "--dir", type=Path, default=Path(), help="where outbox/ and .demo/ go (default: here)"
    )
    demo.add_argument("--json", action="store_true", help="print the run report as JSON on stdout")

    demo.set_defaults(handler=demo_command)


def _progress(division: DivisionReport) -> None:
    state = "failed: " + division.error if division.error else f"{len(division.entries)} decisions"
    print(f"division {division.division}: {state}", file=sys.stderr)


def run_command(args: argparse.Namespace) -> int:
    """Run the daily job for a settings file."""
    config = settings.load(args.config)
    clock = SystemClock()
    today = business_date(clock.now())
    if args.date is not None and args.date > today:
        print(
            f"followup: --date {args.date.isoformat()} is after today ({today.isoformat()}, "
            "Europe/Amsterdam): a run can be dated today or in the past, never in the future",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    run_date = args.date or today
    with bootstrap.build(config, clock) as app:
        result = service.run(app.deps, run_date, dry_run=args.dry_run, progress=_progress)
    return finish(result, as_json=args.json)


def demo_command(args: argparse.Namespace) -> int:
    """Run the daily job against the built-in sandbox."""
    from followup.demo import OUTBOX, run_demo  # the sandbox is only loaded for the demo

    base: Path = args.dir
    say = (lambda text: print(text, file=sys.stderr)) if args.json else print
    result = run_demo(base, SystemClock(), say)
    code = finish(result, as_json=args.json)
    if not args.json:
        index = (base / OUTBOX / "index.html").resolve()
        print(f"\nOpen {index} to read the mails (the .eml files are beside it).")
    return code
