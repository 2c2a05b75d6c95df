"""A real SMTP submission server for the tests (aiosmtpd): STARTTLS (587-style) or implicit TLS
(465-style) with the test certificate, AUTH PLAIN/LOGIN against known passwords and XOAUTH2
against the tokens the OAuth stand-in issued (Google's error challenge on a refusal), and the
accepted mail handed to Dovecot over LMTP, so a test reads what arrived with IMAP.

What it should do wrong is set on its state: answers for given recipients or senders (a list
of replies each, used up in order; the last one stays), a message refused at the end of DATA,
a hang-up after a message was taken (before the answer), and whether it files a copy of each
mail in the sender's Sent (as Gmail and Microsoft 365 do) or not (as most hosting providers).
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import threading
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from gcp.net import free_port
from mailserver.dovecot import Dovecot
from mailserver.oauth_server import OAuthMailState


@dataclass
class Received:
    """One mail the server took."""

    user: str  # who signed in
    sender: str
    recipients: list[str]
    data: bytes

    def header(self, name: str) -> str:
        """A header of the mail as transmitted ('' when absent)."""
        return str(BytesHeaderParser().parsebytes(self.data).get(name, ""))


@dataclass
class SubmissionState:
    """Users, behaviour, and what arrived."""

    dovecot: Dovecot
    tokens: OAuthMailState
    passwords: dict[str, str] = field(default_factory=dict)
    local: set[str] = field(default_factory=set)  # recipients that are Dovecot users
    keep_sent: bool = False
    recipient_replies: dict[str, list[str]] = field(default_factory=dict)
    sender_replies: dict[str, list[str]] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)  # answers to the end of DATA
    hang_up_after_data: int = 0  # take the next N mails, then hang up without answering
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str, bool]] = field(default_factory=list)  # mechanism, user, ok
    lock: threading.Lock = field(default_factory=threading.Lock)


def _next(replies: dict[str, list[str]], key: str) -> str | None:
    queue = replies.get(key)
    if not queue:
        return None
    return queue.pop(0) if len(queue) > 1 else queue[0]


class _Handler:
    def __init__(self, state: SubmissionState) -> None:
        self.state = state

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        with self.state.lock:
            reply = _next(self.state.sender_replies, address)
        if reply:
            return reply
        envelope.mail_from = address
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        with self.state.lock:
            reply = _next(self.state.recipient_replies, address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        state = self.state
        with state.lock:
            if state.data_replies:
                return state.data_replies.pop(0)
        data = bytes(envelope.original_content or b"")
        user = str(session.auth_data or "")
        local = [r for r in envelope.rcpt_tos if r in state.local]
        if state.keep_sent and user in state.local:
            name, _, domain = user.partition("@")
            local.append(f"{name}+Sent@{domain}")
        if local:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(
                None, state.dovecot.deliver, local, data, str(envelope.mail_from)
            )
        with state.lock:
            state.received.append(
                Received(user, str(envelope.mail_from), list(envelope.rcpt_tos), data)
            )
            if state.hang_up_after_data:
                state.hang_up_after_data -= 1
                assert server.transport is not None
                server.transport.abort()  # taken, but the answer never comes
        return f"250 2.0.0 OK queued as q{len(state.received)}"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """XOAUTH2 as Gmail and Microsoft 365 do it: an error challenge, then 535."""
        if len(args) == 2:
            blob = base64.b64decode(args[1])
        else:
            answered = await server.challenge_auth("")
            blob = answered if isinstance(answered, bytes) else b""
        parts = blob.decode(errors="replace").split("\x01")
        fields = dict(part.split("=", 1) for part in parts if "=" in part)
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        with self.state.lock:
            ok = bool(user) and self.state.tokens.access.get(token) == user
            self.state.logins.append(("XOAUTH2", user, ok))
        if ok:
            return AuthResult(success=True, auth_data=user)
        error = json.dumps({"status": "401", "schemes": "Bearer", "scope": "mail"})
        await server.challenge_auth(error)
        return AuthResult(
            success=False, handled=False, message="535 5.7.8 Username and Password not accepted"
        )


class SubmissionServer:
    """The server on a free 127.0.0.1 port: `security` "starttls" (587-style) or "tls"."""

    def __init__(self, state: SubmissionState, server_context: ssl.SSLContext, security: str):
        self.state = state
        self.security = security
        self.port = free_port()
        options: dict[str, Any] = {
            "authenticator": self._authenticate,
            "auth_required": True,
            "auth_require_tls": True,
            "server_hostname": "submission.test",
        }
        if security == "tls":  # the whole connection is TLS; aiosmtpd only counts STARTTLS
            options["ssl_context"] = server_context
            options["auth_require_tls"] = False
        else:
            options["tls_context"] = server_context
            options["require_starttls"] = True
        self._controller = Controller(
            _Handler(state), hostname="127.0.0.1", port=self.port, **options
        )

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user, password = data.login.decode(), data.password.decode()
        with self.state.lock:
            ok = self.state.passwords.get(user) == password
            self.state.logins.append((mechanism, user, ok))
        return AuthResult(success=ok, handled=False, auth_data=user if ok else None)

    def __enter__(self) -> SubmissionServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()
