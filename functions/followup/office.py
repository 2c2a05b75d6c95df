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
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from datetime import date

from followup import bootstrap, reasons, service
from followup.delivery import deliver_digest
from followup.errors import ConfigError, FollowupError
from followup.model import DivisionReport, RunReport
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
    run_id: str | None = None,
    progress: Callable[[DivisionReport], None] | None = None,
) -> RunReport:
    """Run every administration (or `only` these), each with its own profile, `workers` at a
    time; then the office's overview. A ConfigError before anything ran: a profile for a
    division the Exact consent can't see, or an `only` division that isn't run."""
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
        chosen, unprofiled = _divisions(shared, clock, only)
        office = resources.enter_context(bootstrap.build(_office(shared, chosen), clock, run_date))
        for division in unprofiled:
            skipped = DivisionReport(division, notes=[reasons.division_without_profile(division)])
            log.warning("division %s: no profile, not run", division)
            report.divisions.append(skipped)
        stop = _Stop()
        one = _one_division(shared, clock, run_date, dry_run, report.run_id, stop)
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


def _one_division(
    shared: Settings, clock: Clock, run_date: date, dry_run: bool, run_id: str, stop: _Stop
) -> Callable[[int], DivisionReport]:
    def run_it(division: int) -> DivisionReport:
        if stop.why:
            return DivisionReport(division, error=f"not run: {stop.why}")
        own = division_settings(shared, division)
        try:
            with bootstrap.build(own, clock, run_date) as app:
                result, fatal = service.run_one(
                    app.deps, division, run_date, dry_run=dry_run, run_id=run_id
                )
                if fatal:
                    stop.set(fatal)
                digest = own.digest
                if digest.enabled and digest.to:  # its own digest, to whoever is responsible
                    alone = RunReport(run_id, run_date, dry_run, clock.now(), [result])
                    result.digest = deliver_digest(
                        app.deps, alone, str(digest.to), dry_run, scope=division
                    )
        except FollowupError as exc:  # its settings, templates or mailbox: this division only
            log.error("division %s could not be set up: %s", division, exc)
            result = DivisionReport(division, error=str(exc), retryable=exc.retryable)
        result.company = own.company.name if shared.profiles else ""
        return result

    return run_it


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


def _office(shared: Settings, chosen: list[int]) -> Settings:
    """The office's own settings for the overview (its company, mailbox and [digest])."""
    exact = shared.exact.model_copy(update={"divisions": chosen})
    return shared.model_copy(update={"exact": exact})


def _divisions(
    shared: Settings, clock: Clock, only: Sequence[int]
) -> tuple[list[int], list[int]]:
    """The divisions to run, and (every-division mode with profiles) the ones the consent
    reaches that have no profile: reported, not run."""
    listed, profiled = list(shared.exact.divisions), set(shared.profiles)
    unprofiled: list[int] = []
    if profiled or not listed:
        visible = set(bootstrap.visible_divisions(shared, clock))
        unseen = sorted(profiled - visible)
        if unseen:
            raise ConfigError(
                [
                    f"division.{n}: the Exact consent doesn't reach this administration (check "
                    "the number in Exact, or give the consent's user access to it)"
                    for n in unseen
                ]
            )
        if not listed:
            listed = sorted(visible & profiled) if profiled else sorted(visible)
            unprofiled = sorted(visible - profiled) if profiled else []
    if only:
        missing = [n for n in only if n not in listed]
        if missing:
            raise ConfigError(
                [f"--division {n}: not among the divisions this run reads" for n in missing]
            )
        return [n for n in listed if n in only], []
    return listed, unprofiled
