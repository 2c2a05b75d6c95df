"""`followup auth mailbox`: the owner's OAuth2 consent for an SMTP/IMAP mailbox (XOAUTH2),
kept in the token store of `[tokens]`, then checked by signing in to IMAP with it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from followup.adapters.mailbox import wiring as mailbox_wiring
from followup.cli import profile_option
from followup.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK
from followup.clock import SystemClock
from followup.errors import ConfigError, FollowupError
from followup.settings.mailbox import SmtpMail


def register(services: Any, options: Callable[..., None]) -> None:
    """Add `auth mailbox` (`options`: the port/browser/timeout options the others have)."""
    mailbox = services.add_parser(
        "mailbox",
        help="consent for an SMTP/IMAP mailbox that signs in with OAuth2 (Microsoft 365, Gmail)",
        description='With [mail.transport] backend = "smtp" and auth = "xoauth2": Microsoft 365 '
        "and Outlook.com show a code to enter at microsoft.com/devicelogin (on any device); "
        "Google opens its consent screen and takes the answer on 127.0.0.1. The refresh token "
        "goes to the token store of [tokens] (a file beside the Exact tokens, or Secret "
        "Manager); then followup signs in to the mailbox with it to check. With a profile per "
        "administration: --division N, the mailbox of that division's profile (its refresh "
        "token under its own name, or in its own oauth.refresh_token_secret).",
    )
    options(
        mailbox,
        "Google only: the port on 127.0.0.1 that takes Google's redirect (default: a free one)",
    )
    profile_option.add(mailbox)
    mailbox.set_defaults(handler=auth_mailbox_command)


def auth_mailbox_command(args: argparse.Namespace) -> int:
    """Give consent, store the refresh token, sign in with it; with profiles, for the mailbox
    of the --division's profile."""
    found = profile_option.chosen(args.config, args.division, args.office)
    if found is None:
        return EXIT_CONFIG
    settings, key = found
    chosen = settings.mail.transport
    if not isinstance(chosen, SmtpMail) or chosen.oauth is None:
        raise ConfigError(
            [
                f'{key}mail.transport.auth: `followup auth mailbox` is for backend = "smtp" '
                'with auth = "xoauth2" and a [mail.transport.oauth] section (see '
                "followup.example.toml)"
            ],
            str(args.config),
        )
    oauth = chosen.oauth
    store = mailbox_wiring.mailbox_store(settings, chosen, oauth)
    if oauth.provider == "microsoft":
        from followup.adapters.mailbox.consent import microsoft_consent

        refresh = microsoft_consent(
            oauth.client_id,
            oauth.microsoft_authority,
            show=lambda text: print(text, flush=True),
            ca_file=chosen.ca_file,
            timeout_seconds=args.timeout,
        )
    else:
        from followup.adapters.gmail.consent import consent
        from followup.adapters.mailbox.oauth import GOOGLE_SCOPES

        refresh = consent(
            client_id=oauth.client_id,
            client_secret=mailbox_wiring.client_secret(oauth),
            scopes=GOOGLE_SCOPES,
            user=chosen.username,
            auth_uri=oauth.auth_uri,
            token_uri=oauth.token_uri,
            open_browser=not args.no_browser,
            port=args.port,
            timeout_seconds=args.timeout,
        )
    store.save(refresh)
    print(f"The refresh token is stored in {store.where}.", flush=True)
    _, mailbox = mailbox_wiring.open_parts(settings, chosen, SystemClock())
    try:
        folders = mailbox.folders()
    except FollowupError as exc:
        print(f"followup: signing in with it failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        mailbox.close()
    print(f"OK: {chosen.username} signed in at {mailbox.where}; Drafts: {folders.drafts}, "
          f"Sent: {folders.sent}")  # fmt: skip
    return EXIT_OK
