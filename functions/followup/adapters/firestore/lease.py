"""A named lease in Firestore (holder + expiry), built only on `DocumentReference.create()`.

Why not a transaction: contended transactions livelock on Google's emulator and give up after
5 attempts in production (firestore_fence.py; docs/google-cloud.md). Creating a document is
one atomic write everywhere, the npm emulator of machines without Google's included, so every
change of holder is the creation of one document, which is its own fence:

- The lease document `NAME` points at a *generation*: a random token with a holder and an
  expiry. It is only a hint for readers; the truth is the chain below.
- Generation `T` ends when the document `NAME~T` is created. Exactly one creator wins, and
  that document names the successor generation (its token, holder and expiry). Releasing ends
  one's own generation with an already expired successor; taking over an expired lease (a
  crashed holder) ends that generation with oneself as successor; renewing ends it with a new
  generation of one's own. A holder that finds its generation ended by someone else has lost
  the lease.
- The current generation is found by following `NAME~T` documents from the hint to the first
  one that does not exist. Whoever ended a generation then rewrites the hint; a stale rewrite
  only makes the chain a hop longer.

Every document carries `expire_at` (Firestore TTL), long after any lease could matter.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from google.api_core import exceptions as gexc
from google.api_core.retry import Retry, if_exception_type
from google.cloud.firestore_v1 import CollectionReference, DocumentReference

from followup.errors import LedgerError
from followup.ports import Clock

log = logging.getLogger(__name__)

_MAX_HOPS = 64  # a chain this long means something is rewriting the hint wrongly
_TRANSIENT = (
    gexc.ServiceUnavailable,
    gexc.DeadlineExceeded,
    gexc.InternalServerError,
    gexc.ResourceExhausted,
    gexc.Aborted,
)


@dataclass(frozen=True)
class Calls:
    """How long one Firestore call may take, retries included, so nothing hangs."""

    timeout_seconds: float = 20.0

    def options(self) -> dict[str, Any]:
        """Keyword arguments for every google-cloud-firestore call."""
        attempt = min(self.timeout_seconds, 10.0)
        retry = Retry(
            predicate=if_exception_type(*_TRANSIENT),
            initial=0.1,
            maximum=2.0,
            multiplier=2.0,
            timeout=self.timeout_seconds,
        )
        return {"retry": retry, "timeout": attempt}


def firestore_failure(exc: BaseException, what: str) -> LedgerError:
    """A LedgerError that says Firestore failed, what we were doing, and that retrying helps."""
    detail = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return LedgerError(
        f"Firestore is unavailable or refused the call ({what}): {type(exc).__name__}: "
        f"{str(detail)[:200]}; a later run can retry"
    )


def holder_name() -> str:
    """Who holds a lease: host, process and a random part (two instances of one process differ)."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Generation:
    """One holder's tenure of a lease."""

    token: str
    holder: str
    expires_at: datetime


class FirestoreLease:
    """One named lease. Not thread-safe: one instance per holder."""

    def __init__(
        self,
        collection: CollectionReference,
        name: str,
        clock: Clock,
        seconds: float,
        *,
        holder: str | None = None,
        calls: Calls | None = None,
        keep_days: float = 2.0,
    ) -> None:
        if seconds <= 0:
            raise ValueError("a lease lasts a positive number of seconds")
        self.name = name
        self.seconds = seconds
        self.holder = holder or holder_name()
        self._collection = collection
        self._clock = clock
        self._opts = (calls or Calls()).options()
        self._keep = timedelta(days=keep_days) + timedelta(seconds=10 * seconds)
        self._mine: Generation | None = None
        self.last_seen: Generation | None = None  # the other holder, after a refused acquire

    def __repr__(self) -> str:
        return f"FirestoreLease({self.name!r}, holder={self.holder!r})"

    @property
    def held(self) -> Generation | None:
        """Our generation, while we believe we hold the lease."""
        return self._mine

    def try_acquire(self) -> bool:
        """Take the lease if it is free or expired; False while someone else holds it."""
        try:
            return self._acquire()
        except gexc.GoogleAPIError as exc:
            raise firestore_failure(exc, f"taking the lease {self.name}") from None

    def ensure(self) -> bool:
        """Still ours? Renews past half its life; False when it was lost (taken over)."""
        mine = self._mine
        if mine is None:
            return False
        left = (mine.expires_at - self._clock.now()).total_seconds()
        if left > self.seconds / 2:
            return True
        try:
            return self._succeed(mine.token, self._new_generation())
        except gexc.GoogleAPIError as exc:
            raise firestore_failure(exc, f"renewing the lease {self.name}") from None

    def release(self) -> None:
        """End our generation (a successor that is already expired), if it is still ours."""
        mine, self._mine = self._mine, None
        if mine is None:
            return
        free = Generation(uuid.uuid4().hex, "", self._clock.now())
        try:
            if not self._end(mine.token, free):
                log.warning("lease %s expired while held and was taken over", self.name)
                return
            self._hint(free)
        except gexc.GoogleAPIError as exc:
            raise firestore_failure(exc, f"releasing the lease {self.name}") from None

    # --- the protocol -----------------------------------------------------------------------

    def _acquire(self) -> bool:
        mine = self._new_generation()
        try:
            self._doc(self.name).create(self._fields(mine), **self._opts)
        except gexc.AlreadyExists:
            pass
        else:
            self._mine = mine
            return True
        for _ in range(_MAX_HOPS):
            current = self._current()
            if current is None:  # the hint was deleted (TTL): start a new chain
                return self._acquire()
            if current.token == mine.token:  # our create landed, then its retry was refused
                self._mine = mine
                return True
            if self._clock.now() < current.expires_at:
                self.last_seen = current
                return False
            if self._succeed(current.token, self._new_generation()):
                return True
        raise LedgerError(f"lease {self.name}: could not settle who holds it")

    def _succeed(self, token: str, successor: Generation) -> bool:
        """End generation `token` with `successor` as ours; False if someone else ended it."""
        if not self._end(token, successor):
            self._mine = None
            return False
        self._mine = successor
        self._hint(successor)
        return True

    def _end(self, token: str, successor: Generation) -> bool:
        doc = self._doc(f"{self.name}~{token}")
        fields = {**self._fields(successor), "ended": token}
        try:
            doc.create(fields, **self._opts)
        except gexc.AlreadyExists:
            # Our own create may have landed before a retry: then the successor is ours.
            snap = doc.get(**self._opts)
            return bool(snap.exists and (snap.to_dict() or {}).get("token") == successor.token)
        return True

    def _current(self) -> Generation | None:
        snap = self._doc(self.name).get(**self._opts)
        if not snap.exists:
            return None
        gen = _generation(snap.to_dict() or {})
        for _ in range(_MAX_HOPS):
            ended = self._doc(f"{self.name}~{gen.token}").get(**self._opts)
            if not ended.exists:
                return gen
            gen = _generation(ended.to_dict() or {})
        raise LedgerError(f"lease {self.name}: the chain of holders is too long to follow")

    def _hint(self, gen: Generation) -> None:
        self._doc(self.name).set(self._fields(gen), **self._opts)

    def _new_generation(self) -> Generation:
        expires = self._clock.now() + timedelta(seconds=self.seconds)
        return Generation(uuid.uuid4().hex, self.holder, expires)

    def _fields(self, gen: Generation) -> dict[str, Any]:
        return {
            "lease": self.name,
            "token": gen.token,
            "holder": gen.holder,
            "expires_at": gen.expires_at,
            "expire_at": gen.expires_at + self._keep,
        }

    def _doc(self, doc_id: str) -> DocumentReference:
        return self._collection.document(doc_id)


def _generation(data: dict[str, Any]) -> Generation:
    expires = data.get("expires_at")
    if not isinstance(expires, datetime):
        raise LedgerError("a lease document has no expiry: it was not written by followup")
    return Generation(str(data.get("token", "")), str(data.get("holder", "")), expires)
