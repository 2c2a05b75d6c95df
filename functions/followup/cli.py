"""The `followup` command line: run | demo | pause | resume | preview."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date
from pathlib import Path

from followup import bootstrap, report, service, settings
from followup.clock import SystemClock, business_date
from followup.errors import ConfigError, FollowupError
from followup.model import DivisionReport, Outcome, Pause, RunReport

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def _run_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def parser() -> argparse.ArgumentParser:
    """The argument parser, with a --help for every command."""
    top = argparse.ArgumentParser(
        prog="followup",
        description="Thank customers who paid and remind the ones who are overdue: "
        "Exact Online to mail, once a day.",
    )
    top.add_argument("-v", "--verbose", action="store_true", help="log every decision to stderr")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the daily job for a configuration",
        description="Read Exact Online, decide which confirmations and reminders are due, "
        "deliver them (draft or send, per the settings) and record them so that nothing is "
        "delivered twice.",
    )
    run.add_argument("--config", type=Path, required=True, metavar="FILE", help="settings (TOML)")
    run.add_argument(
        "--date",
        type=_run_date,
        metavar="YYYY-MM-DD",
        help="the run date (default: today in Europe/Amsterdam); the payments of the day before "
        "are confirmed, plus any day missed since the last successful run",
    )
    run.add_argument(
        "--dry-run", action="store_true", help="deliver nothing and record nothing; report all"
    )
    run.add_argument("--json", action="store_true", help="print the run report as JSON on stdout")

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
        type=_run_date,
        required=True,
        metavar="YYYY-MM-DD",
        help="the last day of the pause",
    )
    pause.add_argument("--reason", required=True, help="why (shown in the report)")
    _pause_options(pause)

    resume = commands.add_parser(
        "resume", help="lift a pause", description="Lift the pause of a customer or an invoice."
    )
    resume.add_argument("target", metavar="CUSTOMER|INVOICE", help="account code or invoice number")
    _pause_options(resume)

    preview = commands.add_parser(
        "preview",
        help="render every mail with sample data, to look at in a browser",
        description="Render every mail kind, language and variant (confirmations: standard, "
        "informal, upsell, personal, refund; reminders: friendly, businesslike, final) and the "
        "owner's digest with sample customers and invoices dated today. Writes each as a draft "
        ".eml, its HTML and text bodies, and DIR/index.html to read them all. Your own template "
        "folder ([mail] templates) is used when --config names a settings file. Nothing is "
        "read from Exact and nothing is sent.",
    )
    preview.add_argument(
        "--kind",
        choices=("confirmation", "reminder", "digest"),
        action="append",
        metavar="K",
        help="only this kind: confirmation, reminder or digest (repeatable; default: all)",
    )
    preview.add_argument(
        "--lang",
        action="append",
        metavar="L",
        help="only this language, e.g. nl or en (repeatable; default: every template folder)",
    )
    preview.add_argument(
        "--out",
        type=Path,
        default=Path("preview"),
        metavar="DIR",
        help="where to write (default: preview/); emptied first if an earlier preview wrote it",
    )
    preview.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="settings (TOML): use its company, templates, text_only, offer and payment link "
        "(default: a sample company)",
    )
    return top


def _pause_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--config", type=Path, required=True, metavar="FILE", help="settings (TOML)"
    )
    command.add_argument(
        "--division",
        type=int,
        metavar="N",
        help="only in this division (default: in every division)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        if args.command == "demo":
            return _demo(args)
        if args.command in ("pause", "resume"):
            return _pause(args)
        if args.command == "preview":
            return _preview(args)
        return _run(args)
    except ConfigError as exc:
        print(f"followup: {exc.source} is not valid:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_CONFIG
    except FollowupError as exc:
        print(f"followup: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _progress(division: DivisionReport) -> None:
    state = "failed: " + division.error if division.error else f"{len(division.entries)} decisions"
    print(f"division {division.division}: {state}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    config = settings.load(args.config)
    clock = SystemClock()
    run_date = args.date or business_date(clock.now())
    with bootstrap.build(config, clock) as app:
        result = service.run(app.deps, run_date, dry_run=args.dry_run, progress=_progress)
    return _finish(result, as_json=args.json)


def _pause(args: argparse.Namespace) -> int:
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


def _preview(args: argparse.Namespace) -> int:
    from followup.preview import KINDS, preview

    kinds = tuple(dict.fromkeys(args.kind)) if args.kind else KINDS
    languages = tuple(dict.fromkeys(lang.strip().lower() for lang in args.lang or ()))
    written = preview(
        args.out, SystemClock().now(), config=args.config, kinds=kinds, languages=languages
    )
    print(f"Wrote {written.mails} sample mails to {args.out}.")
    print(f"Open {written.index.resolve()} to read them.")
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from followup.demo import OUTBOX, run_demo  # the sandbox is only loaded for the demo

    base: Path = args.dir
    say = (lambda text: print(text, file=sys.stderr)) if args.json else print
    result = run_demo(base, SystemClock(), say)
    code = _finish(result, as_json=args.json)
    if not args.json:
        index = (base / OUTBOX / "index.html").resolve()
        print(f"\nOpen {index} to read the mails (the .eml files are beside it).")
    return code


def _finish(result: RunReport, *, as_json: bool) -> int:
    if as_json:
        print(json.dumps(report.report_to_dict(result), indent=2, ensure_ascii=False))
    else:
        print(report.summary(result))
    failed = any(e.outcome in (Outcome.FAILED, Outcome.REJECTED) for e in result.entries())
    return EXIT_OK if result.ok and not failed else EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
