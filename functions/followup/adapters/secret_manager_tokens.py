"""TokenStore on Secret Manager, with the refresh lock as a lease in Firestore.

The payload of the secret is the whole TokenSet as JSON: the refresh token and the access token
with its expiry, so concurrent invocations reuse a valid access token instead of refreshing.
`load` reads `versions/latest` every time (a mounted secret would be frozen at start). `save`
adds a version, then destroys every enabled version but the newest `keep_versions` (AddSecretVersion
has no compare-and-swap, hence the lease; destroyed versions cost nothing).

`lock` takes the lease `exact-tokens/<secret>` (firestore_lease.py: built on create(), holder
and expiry, a crashed holder's lease expires). A process that finds it held polls with the
Clock until it is free or the wait exceeds a lease's length. ExactAuth re-reads the tokens
inside the lock, so the waiters find the pair the holder saved and do not refresh again.
Secrets never reach a log line, an exception or a repr.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.api_core.retry import Retry, if_exception_type
from google.cloud import secretmanager
from google.cloud.firestore_v1 import CollectionReference

from followup.adapters.firestore.lease import Calls, FirestoreLease
from followup.adapters.secret_manager import secret_manager_client
from followup.errors import LedgerError, TokenStoreError
from followup.model import TokenSet
from followup.ports import Clock
from followup.settings import SecretManagerTokens

log = logging.getLogger(__name__)

_FIELDS = ("access_token", "access_expires_at", "refresh_token", "refreshed_at")
_ENABLED = secretmanager.SecretVersion.State.ENABLED
_SECRET = re.compile(r"^projects/[^/]+/secrets/[^/]+$")


class TokenStoreUnavailable(TokenStoreError):
    """Secret Manager or Firestore could not be reached; a later run may succeed."""

    retryable = True


class SecretManagerTokenStore:
    """Exact tokens in one Secret Manager secret; refreshes serialized by a Firestore lease."""

    def __init__(
        self,
        client: secretmanager.SecretManagerServiceClient,
        secret: str,
        leases: CollectionReference,
        clock: Clock,
        *,
        lease_seconds: float = 660.0,
        poll_seconds: float = 0.5,
        keep_versions: int = 2,
        timeout_seconds: float = 20.0,
    ) -> None:
        if not _SECRET.match(secret):
            raise ValueError("secret must be projects/PROJECT/secrets/NAME")
        self.secret = secret
        self._client = client
        self._leases = leases
        self._clock = clock
        self._lease_seconds = lease_seconds
        self._poll = poll_seconds
        self._keep = max(keep_versions, 1)
        self._timeout = timeout_seconds
        transient = if_exception_type(gexc.ServiceUnavailable, gexc.DeadlineExceeded)
        self._retry = Retry(
            predicate=transient, initial=0.2, maximum=2.0, multiplier=2.0, timeout=timeout_seconds
        )

    def __repr__(self) -> str:
        return f"SecretManagerTokenStore({self.secret!r})"

    def load(self) -> TokenSet | None:
        """The tokens in the latest version; None when the secret has no version yet."""
        try:
            version = self._client.access_secret_version(
                name=f"{self.secret}/versions/latest", retry=self._retry, timeout=self._timeout
            )
        except gexc.NotFound:
            self._must_exist()
            return None
        except gexc.FailedPrecondition:
            raise TokenStoreError(
                f"the latest version of {self.secret} is disabled or destroyed: enable it, or "
                "run `followup auth exact` to store new tokens"
            ) from None
        except gexc.GoogleAPIError as exc:
            raise _failure(exc, f"reading {self.secret}") from None
        return _decode(bytes(version.payload.data), self.secret)

    def save(self, tokens: TokenSet) -> None:
        """Add a version with the new pair, then destroy the superseded ones."""
        try:
            added = self._client.add_secret_version(
                parent=self.secret,
                payload=secretmanager.SecretPayload(data=_encode(tokens)),
                retry=self._retry,
                timeout=self._timeout,
            )
        except gexc.GoogleAPIError as exc:
            raise _failure(exc, f"adding a version to {self.secret}") from None
        self._destroy_superseded(added.name)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the Exact token lease; wait (with the Clock) while another process holds it."""
        lease = FirestoreLease(
            self._leases,
            "exact-tokens~" + self.secret.rsplit("/", 1)[-1],
            self._clock,
            self._lease_seconds,
            calls=Calls(self._timeout),
        )
        waited = 0.0
        while not self._try(lease):
            if waited > self._lease_seconds + 30:
                holder = lease.last_seen.holder if lease.last_seen else "unknown"
                raise TokenStoreUnavailable(
                    f"another process ({holder}) kept the Exact token lease for {waited:.0f} s "
                    "and it did not expire; try again later"
                )
            self._clock.sleep(self._poll)
            waited += self._poll
        try:
            yield
        finally:
            try:
                lease.release()
            except LedgerError as exc:  # it expires by itself
                log.warning("could not release the Exact token lease: %s", exc)

    def _try(self, lease: FirestoreLease) -> bool:
        try:
            return lease.try_acquire()
        except LedgerError as exc:
            raise TokenStoreUnavailable(f"the Exact token lease: {exc}") from None

    def _destroy_superseded(self, newest: str) -> None:
        try:
            versions = self._client.list_secret_versions(
                request={"parent": self.secret, "filter": "state:ENABLED"},
                retry=self._retry,
                timeout=self._timeout,
            )
            enabled = sorted(
                (v.name for v in versions if v.state == _ENABLED and v.name != newest),
                key=_number,
                reverse=True,
            )
            for name in enabled[self._keep - 1 :]:
                self._client.destroy_secret_version(
                    name=name, retry=self._retry, timeout=self._timeout
                )
        except gexc.GoogleAPIError as exc:
            # The new pair is saved; only housekeeping failed. Old versions cost money, so say so.
            log.warning(
                "new Exact tokens saved as %s, but superseded versions could not be destroyed "
                "(%s); grant roles/secretmanager.secretVersionManager on the secret",
                newest,
                type(exc).__name__,
            )

    def _must_exist(self) -> None:
        try:
            self._client.get_secret(name=self.secret, retry=self._retry, timeout=self._timeout)
        except gexc.NotFound:
            raise TokenStoreError(
                f"the secret {self.secret} does not exist: create it (infra/) and grant this "
                "service account access to it"
            ) from None
        except gexc.GoogleAPIError as exc:
            raise _failure(exc, f"reading {self.secret}") from None


def open_store(
    chosen: SecretManagerTokens, firestore: Any, clock: Clock
) -> SecretManagerTokenStore:
    """The store `[tokens]` names: its secret, and its lease collection in `firestore`."""
    return SecretManagerTokenStore(
        secret_manager_client(chosen.api_endpoint),
        chosen.secret_name,
        firestore.collection(chosen.lease_collection),
        clock,
        lease_seconds=chosen.lease_seconds,
    )


def _failure(exc: gexc.GoogleAPIError, what: str) -> TokenStoreError:
    if isinstance(exc, gexc.PermissionDenied):
        return TokenStoreError(
            f"Secret Manager refused {what} (permission denied): grant this service account "
            "secretAccessor and secretVersionManager on the secret"
        )
    return TokenStoreUnavailable(
        f"Secret Manager failed while {what} ({type(exc).__name__}); try again later"
    )


def _number(version_name: str) -> int:
    tail = version_name.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else -1


def _encode(tokens: TokenSet) -> bytes:
    return json.dumps(
        {
            "access_token": tokens.access_token,
            "access_expires_at": tokens.access_expires_at.isoformat(),
            "refresh_token": tokens.refresh_token,
            "refreshed_at": tokens.refreshed_at.isoformat(),
        }
    ).encode("utf-8")


def _decode(payload: bytes, secret: str) -> TokenSet:
    try:
        data: Any = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise TokenStoreError(
            f"the latest version of {secret} is not the JSON followup writes; run "
            "`followup auth exact` to store new tokens"
        ) from None
    if not isinstance(data, dict) or any(name not in data for name in _FIELDS):
        raise TokenStoreError(
            f"the latest version of {secret} misses token fields; run `followup auth exact`"
        )
    try:
        moments = {
            n: datetime.fromisoformat(data[n]) for n in ("access_expires_at", "refreshed_at")
        }
    except (TypeError, ValueError):
        moments = {}
    if len(moments) != 2 or any(m.tzinfo is None for m in moments.values()):
        raise TokenStoreError(f"the latest version of {secret} has unreadable dates")
    if not all(isinstance(data[n], str) and data[n] for n in ("access_token", "refresh_token")):
        raise TokenStoreError(f"the latest version of {secret} has an empty token")
    return TokenSet(
        access_token=data["access_token"],
        access_expires_at=moments["access_expires_at"],
        refresh_token=data["refresh_token"],
        refreshed_at=moments["refreshed_at"],
    )
