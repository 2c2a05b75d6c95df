"""A local HTTP server speaking the Gmail REST API (v1) as followup uses it, plus an OAuth token
endpoint, behaving like Gmail where it matters:

- messages.send / drafts.create store the message, REPLACE its Message-ID, answer id + threadId;
- a per-user quota in units per minute: past it, 429 rateLimitExceeded;
- 400 "Invalid To header" for a bad recipient; 401 for a token it did not issue;
- 403 insufficientPermissions when the token's scopes don't allow the method;
- messages.list with q (in:sent, in:drafts, to:, subject:"...", after:, before:), messages.get
  with format=metadata, drafts.list with q, drafts.get, threads.get with format=metadata (the
  headers asked for by metadataHeaders); `receive` puts a customer's answer in a thread;
- /token: refresh_token grants (invalid_grant once revoked) and jwt-bearer grants (delegation).
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import re
import secrets
import shlex
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local_http import JsonHandler, LocalHttpServer, StateServer

G = "https://www.googleapis.com/auth/gmail."
SCOPES_FOR = {
    "messages.send": {G + "send", G + "compose", G + "modify"},
    "drafts.create": {G + "compose", G + "modify"},
    "messages.list": {G + "readonly", G + "modify"},
    "messages.get": {G + "readonly", G + "modify"},
    "drafts.list": {G + "compose", G + "readonly", G + "modify"},
    "drafts.get": {G + "compose", G + "readonly", G + "modify"},
    "threads.get": {G + "readonly", G + "modify", G + "metadata"},
}
UNITS = {"messages.send": 100, "drafts.create": 10}
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_ROUTES = [
    ("POST", re.compile(r"^/gmail/v1/users/me/messages/send$"), "messages.send"),
    ("POST", re.compile(r"^/gmail/v1/users/me/drafts$"), "drafts.create"),
    ("GET", re.compile(r"^/gmail/v1/users/me/messages$"), "messages.list"),
    ("GET", re.compile(r"^/gmail/v1/users/me/messages/(?P<id>[^/]+)$"), "messages.get"),
    ("GET", re.compile(r"^/gmail/v1/users/me/drafts$"), "drafts.list"),
    ("GET", re.compile(r"^/gmail/v1/users/me/drafts/(?P<id>[^/]+)$"), "drafts.get"),
    ("GET", re.compile(r"^/gmail/v1/users/me/threads/(?P<id>[^/]+)$"), "threads.get"),
]


@dataclass
class Stored:
    """One message in the mailbox."""

    id: str
    thread_id: str
    label: str  # SENT or DRAFT
    message: EmailMessage
    internal_ms: int
    draft_id: str = ""


@dataclass
class GmailState:
    """The mailbox, the tokens, the quota and what to do wrong next."""

    now: Callable[[], datetime]
    client_id: str = "client-id.apps.googleusercontent.com"
    client_secret: str = "client-secret-SECRET"
    refresh_tokens: set[str] = field(default_factory=lambda: {"refresh-SECRET"})
    access: dict[str, set[str]] = field(default_factory=dict)  # access token -> scopes
    assertions: list[dict[str, Any]] = field(default_factory=list)  # jwt-bearer claims seen
    messages: list[Stored] = field(default_factory=list)
    units_per_minute: int = 15_000
    spent: deque[tuple[datetime, int]] = field(default_factory=deque)
    fail_next: list[int] = field(default_factory=list)  # statuses for the next API calls
    drop_after: set[str] = field(default_factory=set)  # methods to process, then hang up
    calls: list[str] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def sent(self) -> list[Stored]:
        """The messages in Sent."""
        return [m for m in self.messages if m.label == "SENT"]

    def drafts(self) -> list[Stored]:
        """The messages in Drafts."""
        return [m for m in self.messages if m.label == "DRAFT"]

    def receive(self, thread_id: str, message: EmailMessage, at: datetime) -> Stored:
        """An answer arriving in a thread (label INBOX), at `at`."""
        ident = f"{secrets.randbits(60):x}"
        stored = Stored(ident, thread_id, "INBOX", message, int(at.timestamp() * 1000))
        with self.lock:
            self.messages.append(stored)
        return stored


class _Handler(JsonHandler):
    server: StateServer[GmailState]
    protocol_version = "HTTP/1.1"
    content_type = "application/json; charset=UTF-8"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        raw = self.read_body()
        with state.lock:
            if url.path == "/token":
                return self.send_json(*self._token(state, parse_qs(raw.decode())))
            for method, pattern, name in _ROUTES:
                match = pattern.match(url.path)
                if method == self.command and match:
                    return self._api(state, name, match.groupdict(), raw, parse_qs(url.query))
        self.send_json(404, _error(404, "notFound", "Not Found"))

    def _api(self, state: GmailState, name: str, p: dict[str, str], raw: bytes, q: Any) -> None:
        state.calls.append(name)
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        if token not in state.access:
            return self.send_json(401, _error(401, "authError", "Invalid Credentials"))
        if not state.access[token] & SCOPES_FOR[name]:
            message = "Request had insufficient authentication scopes."
            return self.send_json(403, _error(403, "insufficientPermissions", message))
        if state.fail_next:
            status = state.fail_next.pop(0)
            reason = "rateLimitExceeded" if status in (403, 429) else "backendError"
            return self.send_json(status, _error(status, reason, "injected"))
        if not self._within_quota(state, UNITS.get(name, 5)):
            message = "Quota exceeded for quota metric 'Queries' per user"
            return self.send_json(429, _error(429, "rateLimitExceeded", message))
        handler = getattr(self, "_" + name.replace(".", "_"))
        status, answer = handler(state, p, json.loads(raw or b"{}"), q)
        if name in state.drop_after:
            state.drop_after.discard(name)
            self.close_connection = True  # processed, but the answer never arrives
            return None
        return self.send_json(status, answer)

    def _within_quota(self, state: GmailState, units: int) -> bool:
        now = state.now()
        while state.spent and (now - state.spent[0][0]).total_seconds() >= 60:
            state.spent.popleft()
        if sum(u for _, u in state.spent) + units > state.units_per_minute:
            return False
        state.spent.append((now, units))
        return True

    def _store(self, state: GmailState, raw_b64: str, label: str) -> Stored | None:
        message = email.message_from_bytes(
            base64.urlsafe_b64decode(raw_b64 + "=" * (-len(raw_b64) % 4)),
            policy=email.policy.default,
        )
        assert isinstance(message, EmailMessage)
        to = [addr for _, addr in getaddresses(message.get_all("To", []))]
        if not to or not all(_ADDRESS.match(a) and not a.endswith(".invalid") for a in to):
            return None
        del message["Message-ID"]  # Gmail sets its own
        message["Message-ID"] = f"<CA+{secrets.token_hex(12)}@mail.gmail.com>"
        ident = f"{secrets.randbits(60):x}"
        stored = Stored(ident, ident, label, message, int(state.now().timestamp() * 1000))
        state.messages.append(stored)
        return stored

    def _messages_send(self, state: GmailState, p: Any, body: Any, q: Any) -> tuple[int, Any]:
        stored = self._store(state, body.get("raw", ""), "SENT")
        if stored is None:
            return 400, _error(400, "invalidArgument", "Invalid To header")
        return 200, {"id": stored.id, "threadId": stored.thread_id, "labelIds": ["SENT"]}

    def _drafts_create(self, state: GmailState, p: Any, body: Any, q: Any) -> tuple[int, Any]:
        stored = self._store(state, body.get("message", {}).get("raw", ""), "DRAFT")
        if stored is None:
            return 400, _error(400, "invalidArgument", "Invalid To header")
        stored.draft_id = f"r-{secrets.randbits(60)}"
        message = {"id": stored.id, "threadId": stored.thread_id, "labelIds": ["DRAFT"]}
        return 200, {"id": stored.draft_id, "message": message}

    def _messages_list(self, state: GmailState, p: Any, body: Any, q: Any) -> tuple[int, Any]:
        hits = _search(state, q.get("q", [""])[0])
        if not hits:
            return 200, {"resultSizeEstimate": 0}
        listed = [{"id": m.id, "threadId": m.thread_id} for m in hits]
        return 200, {"messages": listed, "resultSizeEstimate": len(listed)}

    def _messages_get(self, state: GmailState, p: Any, body: Any, q: Any) -> tuple[int, Any]:
        found = [m for m in state.messages if m.id == p["id"]]
        if not found:
            return 404, _error(404, "notFound", "Requested entity was not found.")
        return 200, _metadata(found[0])

    def _drafts_list(self, state: GmailState, p: Any, body: Any, q: Any) -> tuple[int, Any]:
        hits = [m for m in _search(state, q.get("q", [""])[0]) if m.label == "DRAFT"]
        if not hits:
            return 200, {"resultSizeEstimate": 0}
        drafts = [
            {"id": m.draft_id, "message": {"id": m.id, "threadId": m.thread_id}} for m in hits
        ]
        return 200, {"drafts": drafts, "resultSizeEstimate": len(drafts)}

    def _drafts_get(self, state: GmailState, p: Any, body: Any, q: Any) -> tuple[int, Any]:
        found = [m for m in state.messages if m.draft_id == p["id"]]
        if not found:
            return 404, _error(404, "notFound", "Requested entity was not found.")
        return 200, {"id": found[0].draft_id, "message": _metadata(found[0])}

    def _threads_get(self, state: GmailState, p: Any, body: Any, q: Any) -> tuple[int, Any]:
        found = [m for m in state.messages if m.thread_id == p["id"]]
        if not found:
            return 404, _error(404, "notFound", "Requested entity was not found.")
        names = q.get("metadataHeaders") or ["To", "Subject"]
        messages = [_metadata(m, names) for m in sorted(found, key=lambda m: m.internal_ms)]
        return 200, {"id": p["id"], "messages": messages}

    def _token(self, state: GmailState, form: dict[str, list[str]]) -> tuple[int, Any]:
        grant = form.get("grant_type", [""])[0]
        scopes = set(form.get("scope", [""])[0].split())
        if grant == "refresh_token":
            ok_client = form.get("client_id") == [state.client_id] and form.get(
                "client_secret"
            ) == [state.client_secret]
            if not ok_client or form.get("refresh_token", [""])[0] not in state.refresh_tokens:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            payload = form["assertion"][0].split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            state.assertions.append(claims)
            scopes = set(str(claims.get("scope", "")).split())
        else:
            return 400, {"error": "unsupported_grant_type"}
        token = "ya29." + secrets.token_urlsafe(16)
        state.access[token] = scopes
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}


def _search(state: GmailState, query: str) -> list[Stored]:
    """Gmail's search, as far as followup uses it (every term must match)."""
    hits = list(state.messages)
    for term in shlex.split(query):
        name, _, value = term.partition(":")
        if name == "in":
            hits = [m for m in hits if m.label == value.upper().rstrip("S")]
        elif name == "to":
            hits = [
                m
                for m in hits
                if value.lower()
                in (a.lower() for _, a in getaddresses(m.message.get_all("To", [])))
            ]
        elif name == "subject":
            words = value.lower().split()
            hits = [m for m in hits if all(w in str(m.message["Subject"]).lower() for w in words)]
        elif name == "after":
            hits = [m for m in hits if m.internal_ms / 1000 > int(value)]
        elif name == "before":
            hits = [m for m in hits if m.internal_ms / 1000 < int(value)]
    return hits


def _metadata(stored: Stored, names: Sequence[str] = ("To", "Subject")) -> dict[str, Any]:
    headers = [{"name": n, "value": str(stored.message[n])} for n in names if stored.message[n]]
    return {
        "id": stored.id,
        "threadId": stored.thread_id,
        "labelIds": [stored.label],
        "internalDate": str(stored.internal_ms),
        "payload": {"headers": headers},
    }


def _error(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
        }
    }


class GmailServer(LocalHttpServer[GmailState]):
    """The stand-in on a free 127.0.0.1 port, in a thread; a context manager."""

    handler = _Handler

    @property
    def endpoint(self) -> str:
        """The `api_endpoint` for googleapiclient."""
        return self.url("/")

    @property
    def token_uri(self) -> str:
        """The OAuth token endpoint."""
        return self.url("/token")
