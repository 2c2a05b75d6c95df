"""Deterministic interleavings against a real Firestore emulator, without touching the client.

Every write google-cloud-firestore makes (create, set, update, delete, batches) is one call of
the generated client's `commit`. `paused(call, before_write=n)` runs `call` in a thread that a
profile hook stops just before its n-th write leaves the process; the test meanwhile does what
another run would do, then lets it go on (`resume`) or lets it die right there (`crash`: the
write is never sent, nothing after it runs). Nothing is patched: the hook only watches.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Generic, TypeVar

from google.cloud.firestore_v1.services.firestore.client import FirestoreClient

T = TypeVar("T")
COMMIT = FirestoreClient.commit.__code__
WAIT = 30.0  # seconds: a step that takes longer than this is a bug in the test


class Crash(BaseException):
    """The process dies here: not an Exception, so nothing on the way catches it."""


class Step(Generic[T]):
    """A call running in a thread of its own, held before one of its writes."""

    def __init__(self, call: Callable[[], T], before_write: int) -> None:
        self._call, self._at, self._writes = call, before_write, 0
        self._held, self._go, self._done = threading.Event(), threading.Event(), threading.Event()
        self._die = False
        self._result: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def held(self) -> bool:
        """Whether it stopped before that write (False: it finished with fewer writes)."""
        return self._held.is_set()

    def start(self) -> Step[T]:
        """Run it until it is held or done."""
        self._thread.start()
        while not (self._held.wait(0.01) or self._done.is_set()):
            if not self._thread.is_alive():
                break
        return self

    def resume(self) -> T:
        """Let it go on; its result (its exception is raised here)."""
        self._go.set()
        return self._outcome()

    def crash(self) -> None:
        """It dies where it is held: the write is never sent."""
        self._die = True
        self._go.set()
        self._done.wait(WAIT)

    def _outcome(self) -> T:
        if not self._done.wait(WAIT):
            raise TimeoutError("the step did not finish")
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]

    def _run(self) -> None:
        sys.setprofile(self._watch)
        try:
            self._result = self._call()
        except Crash:
            pass
        except BaseException as exc:
            self._error = exc
        finally:
            sys.setprofile(None)
            self._done.set()

    def _watch(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or frame.f_code is not COMMIT:
            return
        self._writes += 1
        if self._writes == self._at:
            self._held.set()
            self._go.wait(WAIT)
            if self._die:
                raise Crash


@contextmanager
def paused(call: Callable[[], T], *, before_write: int) -> Iterator[Step[T]]:
    """`call` running, held before its n-th write; a step still held at the end dies there."""
    step = Step(call, before_write).start()
    try:
        yield step
    finally:
        if not step._done.is_set():
            step.crash()
