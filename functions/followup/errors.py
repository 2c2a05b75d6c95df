"""One root error; typed subclasses carry what an operator needs, never a secret."""

from __future__ import annotations


class FollowupError(Exception):
    """Root of every error this package raises on purpose."""

    #: Whether running the same thing again later may succeed (maps to 5xx vs 4xx at the edge).
    retryable: bool = False


class ConfigError(FollowupError):
    """The settings file is missing or invalid; `problems` lists one line per key."""

    def __init__(self, problems: list[str], source: str = "settings") -> None:
        self.problems = problems
        self.source = source
        super().__init__(f"{source}: " + "; ".join(problems))


class ExactError(FollowupError):
    """An Exact Online call failed."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        self.status = status
        self.request_id = request_id
        self.endpoint = endpoint
        detail = ", ".join(
            part
            for part in (
                f"HTTP {status}" if status is not None else "",
                f"endpoint {endpoint}" if endpoint else "",
                f"request id {request_id}" if request_id else "",
            )
            if part
        )
        super().__init__(f"{message} ({detail})" if detail else message)


class ExactTransportError(ExactError):
    """The network failed or timed out, after the retries."""

    retryable = True


class ExactServerError(ExactError):
    """Exact answered 5xx, after the retries."""

    retryable = True


class ExactRateLimited(ExactError):
    """The rate limit was hit and waiting would take too long (the daily budget is spent)."""

    retryable = True


class ExactRequestError(ExactError):
    """Exact refused the request (4xx other than auth and rate limit): a bug or bad settings."""


class ExactDownloadTooLarge(ExactError):
    """A file from Exact is larger than we agreed to download."""


class ExactAuthError(ExactError):
    """Exact refused the credentials (401/403)."""


class ExactTokenRevoked(ExactAuthError):
    """The refresh token chain is broken; only a new consent (`followup auth exact`) helps."""


class ExactRefreshUncertain(ExactAuthError):
    """A refresh was sent but its answer was lost: the stored refresh token may be spent."""


class TokenStoreError(FollowupError):
    """The token store could not be read or written."""


class LedgerError(FollowupError):
    """The ledger could not be read or written."""

    retryable = True


class MailerError(FollowupError):
    """A delivery failed. `permanent` failures (a bad recipient) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        self.permanent = permanent
        self.retryable = not permanent
        super().__init__(message)


class DeliveryUncertain(FollowupError):
    """The mail provider may have accepted a mail whose answer was lost.

    Deliberately not a MailerError: the claim must stay without outcome, so that the next run
    reconciles it (finds it, or reports "uncertain: check Sent") instead of sending it again.
    """

    retryable = True


class MailerAuthError(MailerError):
    """The mail provider refused our credentials: stop the run, tell the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class TemplateError(FollowupError):
    """A mail template is missing or failed to render."""


class LedgerBusy(LedgerError):
    """Another run holds this division right now."""


class RequestError(FollowupError):
    """An HTTP caller sent what the entry points refuse (body, headers, date): a 400."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class TaskQueueError(FollowupError):
    """Cloud Tasks did not take a task: retryable when the service failed, not when it refused."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        self.retryable = retryable
        super().__init__(message)
