"""`followup preview`: every mail with sample data, to read in a browser."""

from __future__ import annotations

import argparse
from pathlib import Path

from followup.cli.common import EXIT_OK, Commands
from followup.clock import SystemClock


def register(commands: Commands) -> None:
    """Add `preview`."""
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
    preview.set_defaults(handler=preview_command)


def preview_command(args: argparse.Namespace) -> int:
    """Render the sample mails."""
    from followup.preview import KINDS, preview

    kinds = tuple(dict.fromkeys(args.kind)) if args.kind else KINDS
    languages = tuple(dict.fromkeys(lang.strip().lower() for lang in args.lang or ()))
    written = preview(
        args.out, SystemClock().now(), config_path=args.config, kinds=kinds, languages=languages
    )
    print(f"Wrote {written.mails} sample mails to {args.out}.")
    print(f"Open {written.index.resolve()} to read them.")
    return EXIT_OK
