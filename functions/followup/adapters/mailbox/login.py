"""How followup signs in to a mailbox over SMTP and IMAP: the user, the mechanism, the secret.

The secret is asked for at each login (a password, or an OAuth2 access token a token source
keeps fresh) and never kept in a repr, a log line or an exception. TLS always verifies the
server's certificate and name: against the system's CAs, or a CA bundle of the settings.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Mechanism = Literal["password", "xoauth2"]


@dataclass(frozen=True)
class MailboxLogin:
    """Who signs in, how, and where the secret comes from (called at each login)."""

    username: str
    mechanism: Mechanism
    secret: Callable[[], str] = field(repr=False)
    #: Called when the server refused an OAuth2 access token: the next login gets a fresh one.
    refused: Callable[[], None] = field(default=lambda: None, repr=False)

    def xoauth2(self) -> str:
        """The XOAUTH2 initial response (not base64-encoded; the protocol libraries do that)."""
        return f"user={self.username}\x01auth=Bearer {self.secret()}\x01\x01"

    def plain(self) -> str:
        """The SASL PLAIN response (RFC 4616), UTF-8 safe."""
        return f"\x00{self.username}\x00{self.secret()}"


def tls_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """TLS 1.2 or later, the certificate and the host name verified."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def b64(text: str) -> str:
    """Base64 of UTF-8 text, as SMTP AUTH lines carry it."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
