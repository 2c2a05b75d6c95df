"""Mailer on the Gmail API (google-api-python-client, static discovery): send or draft.

send → `users.messages.send`, draft → `users.drafts.create`, both with the RFC 5322 bytes as
base64url `raw`; the Delivery keeps Gmail's ids (message or draft id, and the thread id).
Gmail has no idempotency key and REPLACES a custom Message-ID, so nothing here relies on it.

Failures: 429, 5xx and 403 rateLimitExceeded/userRateLimitExceeded are retried with capped
exponential backoff and jitter, honouring Retry-After (the loop and the schedule are
followup/retry.py's); a 400 (a bad recipient) is a permanent MailerError; 401, a refused
refresh (invalid_grant) or a 403 for missing permission is a MailerAuthError that stops the
run. A connection lost after the request went out may mean the mail was sent: that raises
GmailDeliveryUncertain, which leaves the claim without outcome for the next run to reconcile,
instead of guessing (gmail/transport.py makes sure the HTTP layer never resends a request by
itself). Calls are paced below the per-user quota (gmail/quota.py).

Reconciling a claim a crashed run left without outcome (`find`): with a listing scope
(gmail.readonly, `reconcile = true`) it searches Sent and Drafts for the claim's recipient and
subject in a window around `claimed_at` and checks the headers of each hit; not found means
ABSENT (the mail is planned again). With gmail.compose only, drafts can be searched but not
Sent, so a miss is UNKNOWN; with gmail.send only, everything is UNKNOWN: reported as
"uncertain: check Sent", never re-sent.
"""

from __future__ import annotations

import base64
import email.policy
import json
import logging
import random
from collections.abc import Callable, Iterable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import getaddresses
from functools import partial
from typing import Any

import httplib2  # type: ignore[import-untyped]
from google.auth import exceptions as auth_exceptions
from googleapiclient.errors import HttpError  # type: ignore[import-untyped]

from followup.adapters.gmail.credentials import COMPOSE, READONLY
from followup.adapters.gmail.quota import UNITS, QuotaBucket
from followup.adapters.gmail.transport import RequestNotSent
from followup.errors import DeliveryUncertain, MailerAuthError, MailerError
from followup.model import Claim, Delivery, Mode
from followup.ports import Clock, Trace
from followup.retry import backoff_seconds, call_with_retries, retry_after_seconds

log = logging.getLogger(__name__)

RUN_AUTH = (
    "Gmail refused the stored token: run `followup auth gmail`; while the OAuth app is in "
    "Testing, Google expires refresh tokens after 7 days"
)
_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
_MAX_WAIT = 64.0
_SEARCH_HITS = 10


GmailDeliveryUncertain = DeliveryUncertain  # the request reached Gmail, its answer was lost


class GmailMailer:
    """Delivers through one Gmail mailbox (`user`: "me" for the credentials' own user)."""

    def __init__(
        self,
        service: Any,
        clock: Clock,
        scopes: Iterable[str],
        *,
        user: str = "me",
        quota: QuotaBucket | None = None,
        max_attempts: int = 5,
        auth_hint: str = RUN_AUTH,
        window: tuple[timedelta, timedelta] = (timedelta(minutes=15), timedelta(hours=2)),
        rng: random.Random | None = None,
    ) -> None:
        self.service = service  # the client: gmail/replies.py reads the same mailbox
        self._api = service.users()
        self._clock = clock
        scopes = set(scopes)
        self.can_list = READONLY in scopes
        self.can_search_drafts = self.can_list or COMPOSE in scopes
        self._user = user
        self._quota = quota or QuotaBucket(clock)
        self._attempts = max(max_attempts, 1)
        self._auth_hint = auth_hint
        self._window = window
        self._rng = rng or random.Random()

    def __repr__(self) -> str:
        return f"GmailMailer(user={self._user!r}, can_list={self.can_list})"

    def deliver(self, message: EmailMessage, mode: Mode, key: str) -> Delivery:
        """Send the message, or save it as a draft; Gmail's ids in the Delivery."""
        raw = base64.urlsafe_b64encode(message.as_bytes(policy=email.policy.SMTP)).decode()
        if mode is Mode.SEND:
            sent = self._call(
                "messages.send",
                lambda: self._api.messages().send(userId=self._user, body={"raw": raw}),
                changes=True,
            )
            return Delivery(Mode.SEND, str(sent["id"]), sent.get("threadId"))
        draft = self._call(
            "drafts.create",
            lambda: self._api.drafts().create(userId=self._user, body={"message": {"raw": raw}}),
            changes=True,
        )
        return Delivery(Mode.DRAFT, str(draft["id"]), draft.get("message", {}).get("threadId"))

    def find(self, claim: Claim) -> Delivery | Trace:
        """Where a claim's mail went, if Gmail can tell (see the module docstring)."""
        if self.can_list:
            found = self._search_sent(claim)
            if found is not None:
                return found
        if self.can_search_drafts:
            found = self._search_drafts(claim)
            if found is not None:
                return found
        return Trace.ABSENT if self.can_list else Trace.UNKNOWN

    # --- searching ----------------------------------------------------------------------

    def _query(self, claim: Claim, where: str) -> str:
        start = int((claim.claimed_at - self._window[0]).timestamp())
        end = int((claim.claimed_at + self._window[1]).timestamp())
        subject = " ".join(claim.subject.replace('"', " ").split())
        return f'{where} to:{claim.recipient} subject:"{subject}" after:{start} before:{end}'

    def _search_sent(self, claim: Claim) -> Delivery | None:
        query = self._query(claim, "in:sent")
        listed = self._call(
            "messages.list",
            lambda: self._api.messages().list(
                userId=self._user, q=query, maxResults=_SEARCH_HITS, includeSpamTrash=True
            ),
        )
        for hit in listed.get("messages", []):
            got = self._call(
                "messages.get",
                partial(
                    self._api.messages().get,
                    userId=self._user,
                    id=hit["id"],
                    format="metadata",
                    metadataHeaders=["To", "Subject"],
                ),
            )
            if _matches(got, claim):
                return Delivery(Mode.SEND, str(got["id"]), got.get("threadId"))
        return None

    def _search_drafts(self, claim: Claim) -> Delivery | None:
        query = self._query(claim, "in:drafts")
        listed = self._call(
            "drafts.list",
            lambda: self._api.drafts().list(userId=self._user, q=query, maxResults=_SEARCH_HITS),
        )
        for hit in listed.get("drafts", []):
            got = self._call(
                "drafts.get",
                partial(self._api.drafts().get, userId=self._user, id=hit["id"], format="metadata"),
            )
            message = got.get("message", {})
            if _matches(message, claim):
                return Delivery(Mode.DRAFT, str(got["id"]), message.get("threadId"))
        return None

    def read(self, method: str, request: Callable[[], Any]) -> Any:
        """One reading call (`method` as in gmail/quota.py UNITS), paced and retried as the
        mailer's own: for the other readers of the mailbox (gmail/replies.py)."""
        return self._call(method, request)

    # --- one call, paced and retried ----------------------------------------------------

    def _call(self, method: str, request: Callable[[], Any], changes: bool = False) -> Any:
        def attempt() -> Any:
            self._quota.take(UNITS[method])
            return request().execute(num_retries=0)

        return call_with_retries(
            attempt,
            partial(self._retry_wait, method, changes),
            max_attempts=self._attempts,
            sleep=self._clock.sleep,
        )

    def _retry_wait(self, method: str, changes: bool, exc: Exception, attempt: int) -> float | None:
        """Gmail's rule: the wait before another attempt after `exc`, or the error to raise."""
        last = attempt == self._attempts
        if isinstance(exc, HttpError):
            wait = self._http_wait(exc, method, attempt)
        elif isinstance(exc, auth_exceptions.RefreshError):
            if not getattr(exc, "retryable", False) or last:
                raise MailerAuthError(f"{self._auth_hint} ({_first_line(exc)})") from None
            wait = backoff_seconds(attempt, self._rng)
        elif isinstance(exc, RequestNotSent | httplib2.ServerNotFoundError):
            if last:  # nothing reached Gmail: safe to retry later
                raise MailerError(f"can't reach Gmail ({type(exc).__name__})") from None
            wait = backoff_seconds(attempt, self._rng)
        elif isinstance(exc, OSError | httplib2.HttpLib2Error | auth_exceptions.TransportError):
            if changes:
                raise GmailDeliveryUncertain(
                    f"Gmail {method}: the connection was lost after the request went out "
                    f"({type(exc).__name__}); the mail may exist: the next run checks"
                ) from None
            if last:
                raise MailerError(f"Gmail {method} failed ({type(exc).__name__})") from None
            wait = backoff_seconds(attempt, self._rng)
        else:
            return None
        log.warning("Gmail %s: retry %d in %.1f s", method, attempt, wait)
        return wait

    def _http_wait(self, exc: HttpError, method: str, attempt: int) -> float:
        status = int(exc.resp.status)
        reason, message = _reason(exc)
        said = f"Gmail {method}: HTTP {status} {reason}: {message}".rstrip(": ")
        if status == 401:
            raise MailerAuthError(f"{self._auth_hint} ({said})") from None
        transient = status == 429 or status >= 500 or reason in _RATE_REASONS
        if status == 403 and not transient:
            raise MailerAuthError(
                f"{said}; the credentials lack a permission: check the scopes and, with "
                "delegation, the domain-wide delegation entry in the Admin console"
            ) from None
        if not transient:
            raise MailerError(said, permanent=400 <= status < 500) from None
        if attempt == self._attempts:
            raise MailerError(f"{said} (after {attempt} attempts)") from None
        after = retry_after_seconds(exc.resp.get("retry-after"))
        if after is not None:
            return min(after, _MAX_WAIT)
        return min(backoff_seconds(attempt, self._rng) * 2, _MAX_WAIT)


def _reason(exc: HttpError) -> tuple[str, str]:
    try:
        error = json.loads(exc.content.decode("utf-8")).get("error", {})
    except (ValueError, AttributeError, UnicodeDecodeError):
        return "", ""
    errors = error.get("errors") or [{}]
    return str(errors[0].get("reason") or error.get("status") or ""), str(error.get("message", ""))


def _first_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if exc.args else type(exc).__name__
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _matches(message: dict[str, Any], claim: Claim) -> bool:
    """The hit is the claim's mail: the same subject, and the recipient among its To."""
    headers = {
        h.get("name", "").lower(): h.get("value", "")
        for h in message.get("payload", {}).get("headers", [])
    }
    subject = " ".join(headers.get("subject", "").split())
    recipients = {addr.lower() for _, addr in getaddresses([headers.get("to", "")])}
    return subject == " ".join(claim.subject.split()) and claim.recipient.lower() in recipients
