"""One IMAP mailbox (imaplib): sign in, find the Drafts and Sent folders, append, search, delete.

Folders are found by their special-use flags (RFC 6154: `\\Drafts`, `\\Sent`, which Gmail,
Microsoft 365, Dovecot and most hosting providers put in LIST), else by the configured name.
The connection is opened on first use and kept; a broken one is dropped and opened again next
time. Failures are typed: a refused login or an unverifiable certificate is a MailerAuthError
(the run stops); a server out of reach is a MailerError (retried by the next run); a connection
lost while an APPEND was under way is DeliveryUncertain (the next run searches for the mail).
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from followup.adapters.mailbox.login import MailboxLogin
from followup.errors import DeliveryUncertain, MailerAuthError, MailerError

T = TypeVar("T")
Security = Literal["tls", "starttls"]
DRAFT_FLAGS = r"(\Draft \Seen)"
SENT_FLAGS = r"(\Seen)"
_LIST = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<delim>"(?:[^"\\]|\\.)*"|NIL) ?(?P<name>.*)$')
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]")


@dataclass(frozen=True)
class Folders:
    """The mailbox's Drafts and Sent folders (IMAP names) and how each was found."""

    drafts: str
    sent: str
    how: str  # "special-use flags", or which fallback names were used


class ImapMailbox:
    """A kept IMAP connection to one mailbox; `close()` logs out."""

    def __init__(
        self,
        host: str,
        port: int,
        security: Security,
        context: ssl.SSLContext,
        login: MailboxLogin,
        *,
        timeout: float = 30.0,
        drafts_fallback: str = "Drafts",
        sent_fallback: str = "Sent",
        auth_hint: str = "",
    ) -> None:
        self.where = f"{host}:{port}"
        self._host, self._port, self._security = host, port, security
        self._context, self._login, self._timeout = context, login, timeout
        self._fallback = (drafts_fallback, sent_fallback)
        self._hint = auth_hint
        self._imap: imaplib.IMAP4 | None = None
        self._folders: Folders | None = None

    def __repr__(self) -> str:
        return f"ImapMailbox({self.where!r}, user={self._login.username!r})"

    # --- the connection -----------------------------------------------------------------

    def open(self) -> imaplib.IMAP4:
        """The signed-in connection (opened now if there is none)."""
        if self._imap is not None:
            return self._imap
        try:
            if self._security == "tls":
                imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    self._host, self._port, ssl_context=self._context, timeout=self._timeout
                )
            else:
                imap = imaplib.IMAP4(self._host, self._port, timeout=self._timeout)
                imap.starttls(ssl_context=self._context)
        except ssl.SSLCertVerificationError as exc:
            raise MailerAuthError(
                f"the IMAP server {self.where} has a certificate that can't be verified "
                f"({exc.verify_message}): check imap_host, or set ca_file for an own CA"
            ) from None
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailerError(f"can't reach the IMAP server {self.where} ({_said(exc)})") from None
        try:
            self._sign_in(imap)
        except BaseException:
            _shut(imap)
            raise
        self._imap = imap
        return imap

    def _sign_in(self, imap: imaplib.IMAP4) -> None:
        login = self._login
        try:  # the secret (an access token may need a refresh) before the server waits for it
            if login.mechanism == "xoauth2":
                imap.authenticate("XOAUTH2", _once(login.xoauth2()))
            elif "AUTH=PLAIN" in imap.capabilities:
                imap.authenticate("PLAIN", _once(login.plain()))
            else:
                imap.login(login.username, login.secret())
            _, said = imap.capability()  # signed in, servers tell more (UIDPLUS, MOVE)
            imap.capabilities = tuple(said[-1].decode("ascii", "replace").upper().split())
        except imaplib.IMAP4.abort as exc:
            raise MailerError(f"the IMAP server {self.where} hung up ({_said(exc)})") from None
        except imaplib.IMAP4.error as exc:
            if login.mechanism == "xoauth2":
                login.refused()
            hint = f": {self._hint}" if self._hint else ""
            raise MailerAuthError(
                f"the IMAP server {self.where} refused the login of {login.username} "
                f"({_said(exc)}){hint}"
            ) from None
        except OSError as exc:
            raise MailerError(f"the IMAP server {self.where} hung up ({_said(exc)})") from None

    def close(self) -> None:
        """Log out; a connection that broke is simply dropped."""
        imap, self._imap = self._imap, None
        if imap is not None:
            _shut(imap)

    def _call(self, what: str, call: Callable[[imaplib.IMAP4], T], *, changes: bool = False) -> T:
        imap = self.open()
        try:
            return call(imap)
        except (imaplib.IMAP4.abort, OSError) as exc:
            self.close()
            if changes:
                raise DeliveryUncertain(
                    f"IMAP {what}: the connection to {self.where} was lost while the server "
                    f"was storing the mail ({_said(exc)}); the next run looks for it"
                ) from None
            raise MailerError(f"IMAP {what} on {self.where} failed ({_said(exc)})") from None
        except imaplib.IMAP4.error as exc:
            said = _said(exc)
            raise MailerError(f"the IMAP server {self.where} refused {what} ({said})") from None

    def read(self, what: str, call: Callable[[imaplib.IMAP4], T]) -> T:
        """A reading call on the signed-in connection, failures typed as the mailer's own."""
        return self._call(what, call)

    # --- what the mailer needs ----------------------------------------------------------

    def folders(self) -> Folders:
        """Drafts and Sent: by special-use flag, else by the configured names."""
        if self._folders is None:
            listed = self._call("LIST", lambda imap: _listed(imap.list()))
            self._folders = _choose(listed, *self._fallback)
        return self._folders

    def append(self, folder: str, data: bytes, flags: str) -> str:
        """Store a message in `folder`; the server's UID for it when it says (UIDPLUS)."""

        def append(imap: imaplib.IMAP4) -> str:
            answer = _ok(imap.append(_quote(folder), flags, None, data))
            found = _APPENDUID.search(b" ".join(a for a in answer if isinstance(a, bytes)))
            return found.group(2).decode() if found else ""

        return self._call(f"APPEND to {folder}", append, changes=True)

    def search(self, folder: str, message_id: str) -> list[str]:
        """The UIDs of the messages in `folder` with this Message-ID."""

        def search(imap: imaplib.IMAP4) -> list[str]:
            _ok(imap.select(_quote(folder), readonly=True))
            found = _ok(imap.uid("SEARCH", "HEADER", "Message-ID", _quote(message_id)))
            return [uid.decode() for part in found if part for uid in part.split()]

        return self._call(f"SEARCH in {folder}", search)

    def delete(self, folder: str, uid: str) -> bool:
        """Delete one message; False when it could only be flagged (no UIDPLUS: no UID
        EXPUNGE, and a plain EXPUNGE would purge the owner's own deleted mail too)."""

        def delete(imap: imaplib.IMAP4) -> bool:
            _ok(imap.select(_quote(folder)))
            _ok(imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"))
            if "UIDPLUS" not in imap.capabilities:
                return False
            _ok(imap.uid("EXPUNGE", uid))
            return True

        return self._call(f"the deletion in {folder}", delete)


def _once(response: str) -> Callable[[bytes], bytes]:
    """The SASL answer for the first challenge; an empty one after an error challenge."""
    asked: list[bool] = []

    def answer(challenge: bytes) -> bytes:
        if asked:
            return b""
        asked.append(True)
        return response.encode("utf-8")

    return answer


def _listed(answer: tuple[str, list[Any]]) -> list[tuple[set[str], str]]:
    """LIST lines as (flags lower-cased, IMAP name)."""
    result = []
    for item in answer[1]:
        head, literal = (item[0], item[1]) if isinstance(item, tuple) else (item, None)
        if not isinstance(head, bytes):
            continue
        match = _LIST.match(head)
        if not match:
            continue
        flags = {f.lower() for f in match["flags"].decode("ascii", "replace").split()}
        raw = literal if literal is not None else match["name"]
        result.append((flags, _unquote(raw)))
    return result


def _choose(listed: list[tuple[set[str], str]], drafts: str, sent: str) -> Folders:
    def find(flag: str, fallback: str, label: str) -> tuple[str, bool]:
        flagged = [name for flags, name in listed if flag in flags]
        if flagged:
            return flagged[0], True
        wanted = fallback.lower()
        named = [n for _, n in listed if n.lower() == wanted or _leaf(n) == wanted]
        if named:
            return named[0], False
        names = ", ".join(n for _, n in listed) or "none"
        raise MailerAuthError(
            f"the mailbox has no {label} folder: none is flagged {flag} and none is named "
            f"{fallback!r} (its folders: {names}); set mail.transport.{label.lower()}_folder "
            "to the right one"
        )

    drafts_name, drafts_flagged = find("\\drafts", drafts, "Drafts")
    sent_name, sent_flagged = find("\\sent", sent, "Sent")
    if drafts_flagged and sent_flagged:
        how = "special-use flags"
    else:
        fell_back = [n for n, flagged in ((drafts_name, drafts_flagged),
                                          (sent_name, sent_flagged)) if not flagged]  # fmt: skip
        how = "by name: " + ", ".join(fell_back)
    return Folders(drafts_name, sent_name, how)


def _leaf(name: str) -> str:
    return re.split(r"[/.]", name)[-1].lower()


def _unquote(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(result: tuple[str, list[Any]]) -> list[Any]:
    """The data of an OK answer; a NO raises what a BAD raises."""
    status, data = result
    if status != "OK":
        raise imaplib.IMAP4.error(f"{status} {_text(data)}")
    return data


def _text(answer: list[Any]) -> str:
    parts = [a.decode("utf-8", "replace") for a in answer if isinstance(a, bytes)]
    return " ".join(parts)[:200]


def _said(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def _shut(imap: imaplib.IMAP4) -> None:
    try:
        imap.logout()
    except (OSError, imaplib.IMAP4.error):
        with contextlib.suppress(OSError):
            imap.shutdown()
