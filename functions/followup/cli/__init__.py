"""The `followup` command line: run | demo | pause | resume | preview | status | doctor | auth."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from followup.cli import auth, doctor, pauses, preview, run, status
from followup.cli.common import EXIT_CONFIG, EXIT_FAILED
from followup.errors import ConfigError, FollowupError

COMMANDS = (run, pauses, preview, status, doctor, auth)


def parser() -> argparse.ArgumentParser:
    """The argument parser, with a --help for every command."""
    top = argparse.ArgumentParser(
        prog="followup",
        description="Thank customers who paid and remind the ones who are overdue: "
        "Exact Online to mail, once a day.",
    )
    top.add_argument("-v", "--verbose", action="store_true", help="log every decision to stderr")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        code: int = args.handler(args)
    except ConfigError as exc:
        print(f"followup: {exc.source} is not valid:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_CONFIG
    except FollowupError as exc:
        print(f"followup: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return code
