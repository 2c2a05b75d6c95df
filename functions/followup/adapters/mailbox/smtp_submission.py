"""SMTP submission (smtplib): one mail per connection, over TLS (465) or STARTTLS (587), the
server's certificate verified, signed in with a password or XOAUTH2.

What the server's answers mean here:
- 4xx anywhere (greeting, login, MAIL, RCPT, DATA): temporary; the whole transaction is tried
  again with capped, jittered exponential backoff on the Clock, `max_attempts` times in all;
- a refused login (530/534/535/538), or a refused sender (MAIL FROM 5xx: the mailbox may not
  send as that address, so every mail would fail): MailerAuthError, the run stops;
- a refused recipient of the mail (RCPT 5xx) or a refused message (DATA 5xx): a permanent
  MailerError for this mail only; a refused BCC (the archive) is logged, the mail still goes;
- the connection lost after the message body went out and before the server's answer: the
  server may have taken the mail: DeliveryUncertain (the next run looks in Sent). Lost
  earlier, nothing was taken: a plain MailerError.
SMTP keeps the Message-ID we set, which is how a crashed run's mail is found again.
"""

from __future__ import annotations

import logging
import random
import re
import smtplib
import ssl
from collections.abc import Collection, Sequence

from followup.adapters.mailbox.login import MailboxLogin
from followup.errors import DeliveryUncertain, MailerAuthError, MailerError
from followup.ports import Clock
from followup.retry import backoff_seconds

log = logging.getLogger(__name__)

_MAX_WAIT = 60.0
_AUTH_CODES = {530, 534, 535, 538}
_ENHANCED = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})")
_DOT = re.compile(rb"(?m)^\.")
_EOL = re.compile(rb"(?:\r\n|\n|\r(?!\n))")


class _Temporary(Exception):
    """A 4xx answer or a connection that failed before anything was taken: try again."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


class SmtpSubmission:
    """Submits mails to one SMTP server as one signed-in user."""

    def __init__(
        self,
        host: str,
        port: int,
        security: str,
        context: ssl.SSLContext,
        login: MailboxLogin,
        clock: Clock,
        *,
        timeout: float = 30.0,
        max_attempts: int = 5,
        auth_hint: str = "",
        rng: random.Random | None = None,
    ) -> None:
        self.where = f"{host}:{port}"
        self._host, self._port, self._security = host, port, security
        self._context, self._login, self._clock = context, login, clock
        self._timeout = timeout
        self._attempts = max(max_attempts, 1)
        self._hint = auth_hint
        self._rng = rng or random.Random()
        self._down = ""  # the server could not be reached: later mails of the run fail at once

    def __repr__(self) -> str:
        return f"SmtpSubmission({self.where!r}, user={self._login.username!r})"

    def send(
        self, data: bytes, sender: str, recipients: Sequence[str], optional: Collection[str] = ()
    ) -> str:
        """Submit `data` (RFC 5322 bytes, no Bcc header) to `recipients`; a refusal of one in
        `optional` (the BCC archive) is only logged. Returns the server's final answer."""
        if self._down:
            raise MailerError(f"not tried: {self._down} earlier in this run")
        for attempt in range(1, self._attempts + 1):
            try:
                return self._transaction(data, sender, recipients, optional)
            except _Temporary as exc:
                if attempt == self._attempts:
                    if exc.unreachable:
                        self._down = str(exc)
                    raise MailerError(f"{exc} (after {attempt} attempts)") from None
                wait = min(backoff_seconds(attempt, self._rng) * 2, _MAX_WAIT)
                log.warning("SMTP %s: %s; retry %d in %.1f s", self.where, exc, attempt, wait)
                self._clock.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def check(self, sender: str) -> str:
        """Sign in and offer `sender` as the envelope sender, then reset: nothing is sent."""
        try:
            smtp = self._connect()
        except _Temporary as exc:
            raise MailerError(str(exc)) from None
        try:
            code, text = smtp.mail(sender)
            if code >= 300:
                raise _refused(code, text, "MAIL FROM", sender, self.where)
            smtp.rset()
            return f"{self.where} signed in {self._login.username} and accepts {sender} as sender"
        except _Temporary as exc:
            raise MailerError(str(exc)) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailerError(f"SMTP {self.where} failed ({_said(exc)})") from None
        finally:
            _quit(smtp)

    # --- one transaction ----------------------------------------------------------------

    def _transaction(
        self, data: bytes, sender: str, recipients: Sequence[str], optional: Collection[str]
    ) -> str:
        smtp = self._connect()
        body_sent = False
        try:
            code, text = smtp.mail(sender)
            if code >= 300:
                raise _refused(code, text, "MAIL FROM", sender, self.where)
            accepted = 0
            for recipient in recipients:
                code, text = smtp.rcpt(recipient)
                if code < 300:
                    accepted += 1
                elif code < 500 or recipient not in optional:
                    raise _refused(code, text, "RCPT TO", recipient, self.where)
                else:
                    log.warning("SMTP %s refused the BCC %s (%d)", self.where, recipient, code)
            if not accepted:
                raise MailerError("no recipient was accepted", permanent=True)
            code, text = smtp.docmd("DATA")
            if code != 354:
                raise _refused(code, text, "DATA", "", self.where)
            body_sent = True
            smtp.send(_DOT.sub(b"..", _EOL.sub(b"\r\n", data.rstrip(b"\r\n"))) + b"\r\n.\r\n")
            code, reply = smtp.getreply()
            if code >= 300:
                raise _refused(code, reply, "the message", "", self.where)
            return _text(reply)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            if body_sent:
                raise DeliveryUncertain(
                    f"SMTP {self.where}: the connection was lost after the mail went out "
                    f"({_said(exc)}); it may have been taken: the next run looks in Sent"
                ) from None
            raise _Temporary(f"SMTP {self.where}: the connection was lost ({_said(exc)})") from None
        finally:
            _quit(smtp)

    def _connect(self) -> smtplib.SMTP:
        """A connection, TLS up, signed in; _Temporary when the server can't be had now."""
        try:
            if self._security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self._host, self._port, context=self._context, timeout=self._timeout
                )
            else:
                smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        except ssl.SSLCertVerificationError as exc:
            raise self._certificate(exc) from None
        except smtplib.SMTPConnectError as exc:
            raise _refused(exc.smtp_code, exc.smtp_error, "the greeting", "", self.where) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise _Temporary(
                f"can't reach the SMTP server {self.where} ({_said(exc)})", unreachable=True
            ) from None
        try:
            if self._security == "starttls":
                smtp.ehlo()
                smtp.starttls(context=self._context)
            smtp.ehlo()
            self._sign_in(smtp)
        except ssl.SSLCertVerificationError as exc:
            _quit(smtp)
            raise self._certificate(exc) from None
        except smtplib.SMTPNotSupportedError as exc:
            _quit(smtp)
            raise MailerAuthError(
                f"the SMTP server {self.where} does not offer what signing in needs "
                f"({_said(exc)}): check port and security (587 starttls, 465 tls)"
            ) from None
        except (MailerError, _Temporary):
            _quit(smtp)
            raise
        except (smtplib.SMTPException, OSError) as exc:
            _quit(smtp)
            raise _Temporary(f"SMTP {self.where} failed before sending ({_said(exc)})") from None
        return smtp

    def _sign_in(self, smtp: smtplib.SMTP) -> None:
        login = self._login
        try:
            if login.mechanism == "xoauth2":
                response = login.xoauth2()  # before AUTH: a refresh may be needed first
                smtp.auth("XOAUTH2", lambda challenge=None: "" if challenge else response)
            else:
                smtp.login(login.username, login.secret())
        except smtplib.SMTPAuthenticationError as exc:
            if 400 <= exc.smtp_code < 500:
                raise _Temporary(f"SMTP {self.where} login: {_said(exc)}") from None
            if login.mechanism == "xoauth2":
                login.refused()
            hint = f": {self._hint}" if self._hint else ""
            raise MailerAuthError(
                f"the SMTP server {self.where} refused the login of {login.username} "
                f"({exc.smtp_code} {_text(exc.smtp_error)}){hint}"
            ) from None

    def _certificate(self, exc: ssl.SSLCertVerificationError) -> MailerAuthError:
        return MailerAuthError(
            f"the SMTP server {self.where} has a certificate that can't be verified "
            f"({exc.verify_message}): check host, or set ca_file for an own CA"
        )


def _refused(
    code: int, text: bytes | str, step: str, who: str, where: str
) -> MailerError | _Temporary:
    said = f"SMTP {where} answered {code} {_text(text)} to {step}" + (f" {who}" if who else "")
    if 400 <= code < 500:
        return _Temporary(said)
    enhanced = _ENHANCED.match(_text(text))
    if code in _AUTH_CODES or step == "MAIL FROM":
        return MailerAuthError(
            f"{said}: check the mailbox's login and that it may send as the From address"
        )
    if step != "RCPT TO" and enhanced and enhanced.group(1).startswith("5.7."):
        return MailerAuthError(f"{said}: the server refuses this mailbox's mail by policy")
    return MailerError(said, permanent=True)


def _text(text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())[:200]


def _said(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200] or type(exc).__name__


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
