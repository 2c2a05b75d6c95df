"""What the commands share: exit codes, argument types, how a run report is printed."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from followup import report
from followup.model import Outcome, RunReport

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


class Commands(Protocol):
    """The subparsers object argparse gives `add_subparsers()` (its type is private)."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        """A new subcommand."""
        ...


def a_date(text: str) -> date:
    """An argparse type: YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def config_option(command: argparse.ArgumentParser, *, required: bool = True) -> None:
    """The --config FILE option."""
    command.add_argument(
        "--config", type=Path, required=required, metavar="FILE", help="settings (TOML)"
    )


def finish(result: RunReport, *, as_json: bool) -> int:
    """Print the report (summary or JSON); exit 1 when a division or a delivery failed."""
    if as_json:
        print(json.dumps(report.report_to_dict(result), indent=2, ensure_ascii=False))
    else:
        print(report.summary(result))
    failed = any(e.outcome in (Outcome.FAILED, Outcome.REJECTED) for e in result.entries())
    return EXIT_OK if result.ok and not failed else EXIT_FAILED
