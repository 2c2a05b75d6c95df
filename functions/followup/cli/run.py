"""`followup run` and `followup demo`: the daily job, for a configuration or the sandbox."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from followup import bootstrap, office, report, service
from followup.cli.common import EXIT_CONFIG, Commands, a_date, config_option, exit_code, finish
from followup.clock import SystemClock, business_date
from followup.mail.environment import search_path
from followup.mail.languages import owner_language
from followup.model import DivisionReport
from followup.report import report_to_dict
from followup.settings import load


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
    run.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="run N administrations at a time, each on its own (default: 1); an office's "
        "profiles ([division.N]) are always run each on its own",
    )
    run.add_argument(
        "--division",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="run only this division (repeatable): e.g. a client's first dry run",
    )

    run.set_defaults(handler=run_command)

    demo = commands.add_parser(
        "demo",
        help="run the whole job against the built-in Exact Online sandbox",
        description="Start the built-in Exact Online sandbox with a demo administration dated "
        "today, run the daily job against it over HTTP and write the mails as .eml files to "
        "outbox/ with outbox/index.html to look at them. A second run on the same day "
        "delivers nothing new. With --days N the administration is dated N-1 days ago and "
        "played forward to today, one run each morning: the outbox holds the whole sequence, "
        "day by day. It leaves .demo/followup.toml, the settings for `status`, `doctor`, "
        "`pause` and `run --date` on the demo data.",
    )
    demo.add_argument(
        "--dir", type=Path, default=Path(), help="where outbox/ and .demo/ go (default: here)"
    )
    demo.add_argument(
        "--days",
        type=_days,
        default=1,
        metavar="N",
        help="play the last N days, ending today, one run each morning (1 to 90; default: 1)",
    )
    demo.add_argument(
        "--json",
        action="store_true",
        help='print the run report as JSON on stdout (with --days: {"days": [one per day]})',
    )

    demo.set_defaults(handler=demo_command)


def run_command(args: argparse.Namespace) -> int:
    """Run the daily job for a settings file."""
    settings = load(args.config)
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
    language, templates = owner_language(settings), search_path(settings.mail.templates)
    if settings.profiles or args.workers != 1 or args.division:  # each division on its own
        result = office.run(
            settings, clock, run_date, dry_run=args.dry_run, workers=args.workers,
            only=args.division, progress=_progress(language, templates),
        )  # fmt: skip
    else:
        with bootstrap.build(settings, clock, run_date) as app:
            shown = _progress(language, templates)
            result = service.run(app.deps, run_date, dry_run=args.dry_run, progress=shown)
    return finish(result, as_json=args.json, language=language, templates=templates)


def _progress(language: str, templates: list[Path]) -> Callable[[DivisionReport], None]:
    """Print a line on stderr as each division finishes, in the owner's language. Its template
    loads at the first line: after the run's wiring has checked the templates and languages
    (a language without templates is then a settings mistake naming its key, exit 2)."""
    lines: list[Callable[[DivisionReport], str]] = []

    def show(division: DivisionReport) -> None:
        if not lines:
            lines.append(report.progress(language, templates))
        print(lines[0](division), file=sys.stderr)

    return show


def _days(text: str) -> int:
    """An argparse type: a number of days, 1 to 90."""
    if not text.isdigit() or not 1 <= int(text) <= 90:
        raise argparse.ArgumentTypeError(f"a number of days from 1 to 90, not {text!r}")
    return int(text)


def demo_command(args: argparse.Namespace) -> int:
    """Run the daily job against the built-in sandbox, for today or for the last --days days."""
    from followup import demo  # the sandbox is only loaded for the demo

    base: Path = args.dir
    say = (lambda text: print(text, file=sys.stderr)) if args.json else print
    if args.days > 1 and not args.verbose:  # each day's line has its notes: no log line too
        logging.getLogger("followup.run").setLevel(logging.ERROR)
    reports = demo.run_demo(base, SystemClock(), say, args.days)
    if len(reports) == 1:
        code = finish(reports[0], as_json=args.json)
    elif args.json:
        days = [report_to_dict(r) for r in reports]
        print(json.dumps({"days": days}, indent=2, ensure_ascii=False))
        code = max(exit_code(r) for r in reports)
    else:
        first, last = reports[0].run_date, reports[-1].run_date
        print(f"\nThe {len(reports)} mornings from {first:%a %d %b} to {last:%a %d %b} together:")
        print(demo.totals(reports))
        code = max(exit_code(r) for r in reports)
    if not args.json:
        index = (base / demo.OUTBOX / "index.html").resolve()
        print(f"\nOpen {index} to read the mails (the .eml files are beside it).")
        config_path = (base / demo.STATE / demo.SETTINGS_FILE).resolve()
        print(
            f"The demo's settings, for status, doctor, pause and run --date: --config {config_path}"
        )
    return code
