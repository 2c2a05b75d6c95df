"""What the commands share: exit codes, argument types, how a run report is printed."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from followup import report
from followup.errors import TemplateError
from followup.mail.environment import default_template_dir
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


def finish(
    result: RunReport, *, as_json: bool, language: str = "nl", templates: Sequence[Path] = ()
) -> int:
    """Print the report (JSON, or the summary in the owner's `language` from `templates`);
    exit 1 when a division or a delivery failed."""
    if as_json:
        print(json.dumps(report.report_to_dict(result), indent=2, ensure_ascii=False))
    else:
        print(_summary(result, language, templates))
    return exit_code(result)


def exit_code(result: RunReport) -> int:
    """0, or 1 when a division or a delivery failed."""
    failed = any(e.outcome in (Outcome.FAILED, Outcome.REJECTED) for e in result.entries())
    return EXIT_OK if result.ok and not failed else EXIT_FAILED


def _summary(result: RunReport, language: str, templates: Sequence[Path]) -> str:
    """The summary; when the owner's own templates can't write it (an older copy of the
    digest phrases), the built-in ones do, and the owner is told why."""
    try:
        return report.summary(result, language, templates)
    except TemplateError as exc:
        if not templates:
            raise
        print(f"followup: your templates can't write the summary ({exc}); "
              "the built-in ones do", file=sys.stderr)  # fmt: skip
        return report.summary(result, language, [default_template_dir()])
