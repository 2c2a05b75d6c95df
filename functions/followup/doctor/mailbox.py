"""The doctor's mailbox checks for `[mail.transport] backend = "smtp"`: the IMAP login, the
Drafts and Sent folders found, a test draft appended and deleted, and (when a mail kind sends)
the SMTP login and the From address accepted as sender. Nothing is sent; each problem comes
with its fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from followup.adapters.mailbox import wiring as mailbox_wiring
from followup.adapters.mailbox.imap import DRAFT_FLAGS, ImapMailbox
from followup.doctor.checks import Check, ok, problem, skipped
from followup.errors import ConfigError, FollowupError, MailerAuthError
from followup.ports import Clock
from followup.settings import Settings
from followup.settings.mailbox import SmtpMail

PROBE_SUBJECT = "followup doctor: a test draft, deleted at once"
_REACH = (
    "check host, port and security in [mail.transport] (SMTP: 587 with starttls or 465 with "
    "tls; IMAP: 993 with tls), and that this machine may connect to them"
)


def mailbox_checks(settings: Settings, clock: Clock) -> Iterator[Check]:
    """The checks; none when the transport is not SMTP/IMAP."""
    chosen = settings.mail.transport
    if not isinstance(chosen, SmtpMail):
        return
    try:
        submission, mailbox = mailbox_wiring.open_parts(settings, chosen, clock)
    except ConfigError as exc:
        yield problem("mailbox login", "; ".join(exc.problems), _secret_fix(chosen))
        return
    except FollowupError as exc:
        yield problem("mailbox login", str(exc), mailbox_wiring.auth_hint(chosen))
        return
    try:
        yield from _imap_checks(settings, chosen, mailbox)
    finally:
        mailbox.close()
    sending = mailbox_wiring.sending_kinds(settings)
    if not sending:
        yield ok("sending", "not needed: every mail kind drafts (checked once one sends)")
        return
    sender = str(settings.company.from_address)
    kinds = ", ".join(sorted(kind.value for kind in sending))
    try:
        yield ok("sending", f"for {kinds}: " + submission.check(sender))
    except MailerAuthError as exc:
        yield problem("sending", str(exc), _login_fix(chosen, smtp=True))
    except FollowupError as exc:
        yield problem("sending", str(exc), _REACH)


def _imap_checks(settings: Settings, chosen: SmtpMail, mailbox: ImapMailbox) -> Iterator[Check]:
    try:
        mailbox.open()
    except MailerAuthError as exc:
        yield problem("mailbox login", str(exc), _login_fix(chosen, smtp=False))
        yield skipped("mailbox folders", "no login")
        return
    except FollowupError as exc:
        yield problem("mailbox login", str(exc), _REACH)
        yield skipped("mailbox folders", "no connection")
        return
    yield ok("mailbox login", f"{chosen.username} signed in at {mailbox.where} ({chosen.auth})")
    try:
        folders = mailbox.folders()
    except FollowupError as exc:
        yield problem(
            "mailbox folders",
            str(exc),
            "set drafts_folder / sent_folder in [mail.transport] to the folders' names as "
            "the mail program shows them",
        )
        return
    yield ok("mailbox folders", f"Drafts: {folders.drafts}, Sent: {folders.sent} ({folders.how})")
    probe = _probe(settings)
    message_id = str(probe["Message-ID"])
    try:
        mailbox.append(folders.drafts, bytes(probe), DRAFT_FLAGS)
        uids = mailbox.search(folders.drafts, message_id)
        deleted = all(mailbox.delete(folders.drafts, uid) for uid in uids)
    except FollowupError as exc:
        yield problem(
            "test draft",
            str(exc),
            f"the mailbox must let {chosen.username} store mail in {folders.drafts}: check "
            "its quota and permissions",
        )
        return
    if not uids:
        yield problem(
            "test draft",
            f"a test draft appended to {folders.drafts} can't be found by its Message-ID",
            "this server's search can't find crashed runs' mails: tell the followup maintainers",
        )
    elif not deleted:
        yield ok("test draft", f"appended to {folders.drafts} and flagged deleted (the server "
                               "has no UIDPLUS: your mail program removes it)")  # fmt: skip
    else:
        yield ok("test draft", f"appended to {folders.drafts}, found by its Message-ID, deleted")


def _probe(settings: Settings) -> EmailMessage:
    message = EmailMessage()
    address = str(settings.company.from_address)
    message["From"] = address
    message["To"] = address
    message["Subject"] = PROBE_SUBJECT
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid("followup-doctor", address.rpartition("@")[2])
    message.set_content("followup doctor checked that drafts can be stored here.\n")
    return message


def _secret_fix(chosen: SmtpMail) -> str:
    if chosen.auth == "xoauth2":
        return "set the environment variable named in [mail.transport.oauth] client_secret_env"
    return (
        f"export {chosen.password_env}=... (the mailbox password, or an app password where the "
        "provider asks for two-step verification); in Google Cloud store it in the secret "
        f"{chosen.password_secret}"
    )


def _login_fix(chosen: SmtpMail, *, smtp: bool) -> str:
    if chosen.auth == "xoauth2":
        return "run `followup auth mailbox --config FILE` (give consent for this mailbox again)"
    fix = mailbox_wiring.auth_hint(chosen)
    if smtp:
        fix += (
            "; Microsoft 365 refuses SMTP passwords unless Authenticated SMTP is on for the "
            "mailbox (admin center › Users › Mail › Manage email apps), better use xoauth2"
        )
    return fix
