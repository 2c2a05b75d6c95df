"""`followup auth exact` and `followup auth gmail`: a person's consent, kept where runs find it."""

from __future__ import annotations

import argparse
import io
import sys
import webbrowser
from contextlib import ExitStack

from followup import bootstrap
from followup.cli import profile_option
from followup.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, Commands, config_option
from followup.clock import SystemClock
from followup.doctor.exact import tokens_place
from followup.errors import ConfigError, ExactAuthError, ExactError
from followup.exact.consent import Account, authorize_url, signed_in_account
from followup.loopback import ConsentError, RedirectReceiver
from followup.settings import GmailMail, Settings, load

EXACT_PORT = 8765  # the redirect URI the README registers: http://127.0.0.1:8765/callback


def register(commands: Commands) -> None:
    """Add `auth exact` and `auth gmail`."""
    auth = commands.add_parser(
        "auth",
        help="sign in to Exact Online or Gmail and store the tokens runs use",
        description="Give followup a person's consent: `auth exact` for reading Exact Online, "
        "`auth gmail` for drafting and sending in the Gmail mailbox, `auth mailbox` for an "
        "SMTP/IMAP mailbox signed in with OAuth2 (Microsoft 365, Outlook.com, Gmail). Each opens "
        "the provider's consent screen in a browser (or gives a device code to enter).",
    )
    services = auth.add_subparsers(dest="service", required=True, metavar="SERVICE")
    exact = services.add_parser(
        "exact",
        help="sign in to Exact Online and store the tokens in the configured token store",
        description="The OAuth sign-in for the Exact app of the settings: opens Exact's "
        "consent screen, takes the redirect on http://127.0.0.1:PORT/callback (the state is "
        "checked), stores the tokens in [tokens] (a file, or Secret Manager) and shows which "
        "divisions the token can see. Exact only redirects to the URI registered for the app "
        "in the Exact App Center: register http://127.0.0.1:8765/callback there (the README's "
        "redirect URI and the default port), or another port and pass it as --port. Spends no "
        "token refresh.",
    )
    _options(
        exact,
        "the port on 127.0.0.1 that takes Exact's redirect: the one in the redirect URI "
        f"registered for the app (default: {EXACT_PORT}, for "
        f"http://127.0.0.1:{EXACT_PORT}/callback; 0: a free port, printed before the sign-in)",
        default=EXACT_PORT,
    )
    exact.add_argument(
        "--force-login",
        action="store_true",
        help="make Exact ask for the user name and password even when the browser is signed "
        "in already (to consent as another Exact user)",
    )
    exact.set_defaults(handler=auth_exact_command)
    gmail = services.add_parser(
        "gmail",
        help="consent for the Gmail mailbox (or check a domain-wide delegation)",
        description='With [mail.transport] backend = "gmail" and refresh_token_secret: '
        "Google's consent screen for the OAuth client of the settings, asking for the fewest "
        "Gmail scopes the configured modes need (gmail.compose for drafts, gmail.send for "
        "sending only, gmail.readonly with reconcile); the refresh token goes to that Secret "
        'Manager secret (without refresh_token_secret and with [tokens] backend = "file": to '
        "the local token file beside the Exact tokens, for Gmail without Google Cloud). The "
        "OAuth client secret comes from FOLLOWUP_GMAIL_CLIENT_SECRET or "
        "client_secret_secret. With delegation: checks that the service account gets a token "
        "for the sender with those scopes, and says what to set up in the Admin console if not. "
        "With a profile per administration: --division N, the mailbox of that division's "
        "profile (its consent in its own secret, or its own entry of the token file).",
    )
    _options(
        gmail,
        "the port on 127.0.0.1 that takes Google's redirect (default: a free one; Google "
        "accepts any port for a desktop OAuth client)",
    )
    profile_option.add(gmail)
    gmail.set_defaults(handler=auth_gmail_command)
    from followup.cli import auth_mailbox  # `auth mailbox`: its own module

    auth_mailbox.register(services, _options)


def _options(command: argparse.ArgumentParser, port_help: str, default: int = 0) -> None:
    config_option(command)
    command.add_argument(
        "--no-browser",
        action="store_true",
        help="print the consent address instead of opening a browser (open it on any "
        "browser of this computer)",
    )
    command.add_argument(
        "--port",
        type=_port,
        default=default,
        metavar="N",
        help=port_help,
    )
    command.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for the consent (default: 300)",
    )


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return int(text)


def _interactive() -> None:
    """Show each line at once, also through a pipe: the user must see the address now."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)


def auth_exact_command(args: argparse.Namespace) -> int:
    """Sign in to Exact Online and store the tokens."""
    _interactive()
    settings = load(args.config)
    bootstrap.exact_secret(settings)
    clock = SystemClock()
    with ExitStack() as resources:
        receiver = resources.enter_context(RedirectReceiver(args.port))
        auth, client = bootstrap.open_exact(settings, clock, resources)
        url = authorize_url(
            settings.exact.base_url,
            settings.exact.client_id,
            receiver.redirect_uri,
            receiver.state,
            force_login=args.force_login,
        )
        print(f"Redirect URI (the app's must be exactly this, see the Exact App Center): "
              f"{receiver.redirect_uri}")  # fmt: skip
        _show(url, "Open this address in a browser and sign in to Exact Online:", args.no_browser)
        print("Waiting for Exact Online's answer…")
        redirect = receiver.wait(args.timeout)
        try:
            tokens = auth.exchange_code(redirect.code, receiver.redirect_uri)
        except ExactAuthError as exc:
            raise ConsentError(f"Exact did not accept the sign-in: {exc}") from None
        print(
            f"Signed in. Tokens stored in {tokens_place(settings)}; the access token is valid "
            f"until {tokens.access_expires_at:%H:%M}."
        )
        try:
            account = signed_in_account(client)  # the access token just issued: no refresh
        except ExactError as exc:
            print(f"followup: the tokens are stored, but checking them failed: {exc}",
                  file=sys.stderr)  # fmt: skip
            return EXIT_FAILED
    return _report_divisions(account, settings.exact.divisions)


def _show(url: str, intro: str, no_browser: bool) -> None:
    if not no_browser and webbrowser.open(url):
        print(f"A browser opened Exact's sign-in page. If not: {intro}\n  {url}")
    else:
        print(f"{intro}\n  {url}")


def _report_divisions(account: Account, configured: list[int]) -> int:
    who = f"{account.name} ({account.user_name})" if account.name else account.user_name
    print(f"Exact Online user: {who}")
    print(f"The token sees {len(account.divisions)} division(s):")
    for code, name in account.divisions.items():
        mark = "  (configured)" if code in configured else ""
        print(f"  {code}  {name}{mark}")
    if not configured:
        print("No [exact] divisions configured: a run covers every division listed above.")
    unseen = [d for d in configured if d not in account.divisions]
    if unseen:
        listed = ", ".join(str(d) for d in unseen)
        print(
            f"followup: configured but not visible to this user: {listed}. Correct [exact] "
            "divisions, or give this Exact user access to them (and allow the app on them at "
            "the sign-in), then run `followup auth exact` again.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def auth_gmail_command(args: argparse.Namespace) -> int:
    """The Gmail consent (stored in Secret Manager), or a check of the delegation; with
    profiles, for the mailbox of the --division's profile."""
    _interactive()
    found = profile_option.chosen(args.config, args.division, args.office)
    if found is None:
        return EXIT_CONFIG
    settings, key = found
    chosen = settings.mail.transport
    if not isinstance(chosen, GmailMail):
        raise ConfigError(
            [
                f'{key}mail.transport.backend: "{chosen.backend}" sends nothing through Gmail; '
                'set it to "gmail" to use `followup auth gmail`'
            ],
            str(args.config),
        )
    from followup.adapters.gmail import wiring as gmail
    from followup.adapters.gmail.check import check_configured

    if not chosen.delegation:
        _gmail_consent(settings, chosen, args)
    access = check_configured(  # the credentials as a run makes them
        lambda: gmail.credentials(settings, chosen),
        user=str(chosen.user),
        delegation=chosen.delegation,
    )
    if not access.ok:
        print(f"followup: {access.detail}\n  fix: {access.fix}", file=sys.stderr)
        return EXIT_FAILED
    print(f"OK: {access.detail}")
    return EXIT_OK


def _gmail_consent(settings: Settings, chosen: GmailMail, args: argparse.Namespace) -> None:
    """Run Google's consent and store the refresh token in the configured secret (or, without
    refresh_token_secret, in the local token file beside the Exact tokens)."""
    from google.auth.exceptions import GoogleAuthError

    from followup.adapters.gmail import wiring as gmail
    from followup.adapters.gmail.check import describe
    from followup.adapters.gmail.consent import store_secret

    scopes = gmail.scopes(settings, chosen)
    if not chosen.refresh_token_secret:  # no Google Cloud: the local token file
        store = gmail.file_store(settings, chosen)
        print(f"Asking Google for: {describe(scopes)}")
        store.save(_google_consent(chosen, scopes, gmail.client_secret(chosen), args))
        print(f"The refresh token is stored in {store.where}.")
        return
    try:
        secrets = gmail.secrets_client(chosen)
    except GoogleAuthError:
        raise ConsentError(
            "no Google credentials on this computer to reach Secret Manager: run `gcloud auth "
            "application-default login` as a project owner first"
        ) from None
    secret = gmail.secret_name(chosen, chosen.refresh_token_secret)
    print(f"Asking Google for: {describe(scopes)}")
    refresh = _google_consent(chosen, scopes, gmail.client_secret(chosen, secrets), args)
    print(f"The refresh token is stored as {store_secret(secrets, secret, refresh)}.")


def _google_consent(
    chosen: GmailMail, scopes: tuple[str, ...], client_secret: str, args: argparse.Namespace
) -> str:
    from followup.adapters.gmail.consent import consent

    return consent(
        client_id=chosen.client_id,
        client_secret=client_secret,
        scopes=scopes,
        user=str(chosen.user),
        auth_uri=chosen.auth_uri,
        token_uri=chosen.token_uri,
        open_browser=not args.no_browser,
        port=args.port,
        timeout_seconds=args.timeout,
    )
