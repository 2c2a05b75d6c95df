"""The run of an accountancy office or a holding: every administration on its own.

Each division is built from its own settings (its `[division.N]` profile: company, mailbox,
modes, templates, languages, policy) and run by itself, `workers` at a time, so that one
client's broken mailbox or template fails that client only and the run takes about as long as
its slowest administration. What every division shares is opened once: Exact (a demo's sandbox
is served once for all) and, at the end, the office's own adapters for the overview: the
Exact consent's health, the office's digest of every administration, the run recorded.

Without profiles and with one worker this is `service.run` on one wiring, as it always was;
`followup run --workers N` without profiles runs a company's divisions in parallel the same way.
A failure that will stop every division after it (the Exact consent refused) stops the
divisions not yet started ("not run: …"), as `service.run` does.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from datetime import date

from followup import bootstrap, office_divisions, reasons, service
from followup.delivery import deliver_digest
from followup.errors import ConfigError, FollowupError
from followup.model import DivisionReport, RunReport
from followup.overrides import with_overrides
from followup.ports import Clock
from followup.settings import Settings
from followup.settings.rules import Digest

log = logging.getLogger(__name__)
MAX_WORKERS = 32  # Exact's per-minute limit is per division; the token refresh is shared


def run(
    settings: Settings,
    clock: Clock,
    run_date: date,
    *,
    dry_run: bool = False,
    workers: int = 1,
    only: Sequence[int] = (),
    mode: str | None = None,
    run_id: str | None = None,
    progress: Callable[[DivisionReport], None] | None = None,
    visible: Sequence[int] | None = None,
) -> RunReport:
    """Run every administration (or `only` these), each with its own profile, `workers` at a
    time (`mode`: every mail in this mode, a manual cloud run's); then the office's overview. A
    ConfigError before anything ran: a profile for a division the Exact consent can't see, or
    an `only` division that isn't run. `visible`: the divisions the consent reaches, when the
    caller has asked Exact already (else asked here, when needed)."""
    if not 1 <= workers <= MAX_WORKERS:
        raise ConfigError([f"--workers: 1 to {MAX_WORKERS} (got {workers})"])
    report = RunReport(
        run_id=run_id or uuid.uuid4().hex[:12],
        run_date=run_date,
        dry_run=dry_run,
        started_at=clock.now(),
    )
    with ExitStack() as resources:
        shared = bootstrap.shared_exact(settings, clock, resources, run_date)
        chosen, unprofiled = _divisions(shared, clock, only, visible)
        office_settings = with_overrides(shared, chosen, mode)
        office = resources.enter_context(bootstrap.build(office_settings, clock, run_date))
        for division in unprofiled:
            skipped = DivisionReport(division, notes=[reasons.division_without_profile(division)])
            report.divisions.append(skipped)
        stop = _Stop()

        def one(division: int) -> DivisionReport:
            if stop.why:
                return DivisionReport(division, error=f"not run: {stop.why}")
            result, fatal = run_division(shared, clock, report, division, mode=mode, record=False)
            if fatal:
                stop.set(fatal)
            return result

        finished: dict[int, DivisionReport] = {}
        with ThreadPoolExecutor(workers, thread_name_prefix="division") as pool:
            futures = [pool.submit(one, division) for division in chosen]
            for future in as_completed(futures):
                result = future.result()
                finished[result.division] = result
                if progress:
                    progress(result)
        report.divisions.extend(finished[d] for d in chosen)
        return service.close(office.deps, report, dry_run=dry_run)


class _Stop:
    """The failure that stops the divisions not started yet (thread-safe, first one wins)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.why = ""

    def set(self, why: str) -> None:
        with self._lock:
            self.why = self.why or why


def run_division(
    shared: Settings,
    clock: Clock,
    run: RunReport,
    division: int,
    *,
    mode: str | None = None,
    record: bool = False,
) -> tuple[DivisionReport, str]:
    """One division of `run` on its own settings (`division_settings`; `mode` laid over them)
    and its own adapters, then its own digest, when its profile sets one, to whoever is
    responsible for it; `record`: kept in the run log as a run alone (a Cloud Tasks task's).
    Settings, templates or a mailbox that can't be built fail this division only: its error,
    nothing raised. Also returns what would stop the divisions after it (service.run_one)."""
    start, fatal = time.monotonic(), ""
    try:
        own = with_overrides(division_settings(shared, division), [division], mode)
        with bootstrap.build(own, clock, run.run_date) as app:
            result, fatal = service.run_one(
                app.deps, division, run.run_date, dry_run=run.dry_run, run_id=run.run_id
            )
            result.company = own.company.name if shared.profiles else ""
            alone = RunReport(run.run_id, run.run_date, run.dry_run, run.started_at, [result])
            digest = own.digest  # the profile's own: the office's [digest] is not inherited
            if digest.enabled and digest.to:
                result.digest = deliver_digest(
                    app.deps, alone, str(digest.to), run.dry_run, scope=division
                )
            if record and not run.dry_run:
                alone.finished_at = clock.now()
                app.deps.runlog.record_run(alone)
    except FollowupError as exc:  # its settings, templates or mailbox: this division only
        why = _named(division, exc) if shared.profiles else str(exc)
        log.error("division %s could not be set up: %s", division, why)
        result = DivisionReport(division, error=why, retryable=exc.retryable)
        result.company = _company(shared, division)
    result.seconds = time.monotonic() - start  # its own time: the run waits for the slowest
    return result, fatal


def _named(division: int, exc: FollowupError) -> str:
    """A division's settings mistake named as the settings file does: `division.N.key: …`."""
    if not isinstance(exc, ConfigError):
        return str(exc)
    own = f"division.{division}."
    return "; ".join(p if p.startswith("division.") else own + p for p in exc.problems)


def _company(shared: Settings, division: int) -> str:
    return shared.profiles[division].company.name if division in shared.profiles else ""


def division_settings(shared: Settings, division: int) -> Settings:
    """What division `division` runs with: its profile (or, without profiles, the shared
    settings without a digest: the office's overview is the one digest), reaching Exact as the
    shared settings do, for this division alone."""
    own = shared.for_division(division) if shared.profiles else shared
    exact = shared.exact.model_copy(update={"divisions": [division]})
    update: dict[str, object] = {"exact": exact}
    if not shared.profiles:
        update["digest"] = Digest()
    return own.model_copy(update=update)


def _divisions(
    shared: Settings, clock: Clock, only: Sequence[int], visible: Sequence[int] | None
) -> tuple[list[int], list[int]]:
    """The divisions to run, and (every-division mode with profiles) the ones the consent
    reaches that have no profile: reported, not run (office_divisions.py)."""
    listed, unprofiled = list(shared.exact.divisions), []
    if shared.profiles or not listed:
        if visible is None:
            visible = bootstrap.visible_divisions(shared, clock)
        office_divisions.check_seen(shared, visible)
        if not listed:
            listed, left_out = office_divisions.choose(shared, visible)
            unprofiled = [left.division for left in left_out]
    if only:
        missing = [n for n in only if n not in listed]
        if missing:
            raise ConfigError(
                [f"--division {n}: not among the divisions this run reads" for n in missing]
            )
        return [n for n in listed if n in only], []
    return listed, unprofiled
