"""An accountancy office's runs in the cloud: each administration (Exact division) on the
adapters of its own profile (`[division.N]`: company, mailbox, templates, policy, digest).

A Cloud Tasks task runs one division (`run_task`), recorded as a run of its own. Without
[cloud.tasks] the office runs inline (`run_office`): each division in turn, then the office's
overview on the office's own adapters (the Exact consent's health, the office's `[digest]` of
every administration, the run recorded), as office.py does for `followup run`. A manual run's
mail mode is laid on each profile (a copy) before its adapters are built.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from followup import bootstrap, reasons, service
from followup.cloud.overrides import with_overrides
from followup.cloud.profiled_divisions import LeftOut
from followup.cloud.run_request import MailMode
from followup.delivery import deliver_digest
from followup.errors import ConfigError, FollowupError
from followup.model import DivisionReport, RunReport
from followup.ports import Clock
from followup.settings import Settings

log = logging.getLogger("followup.cloud")


def run_task(
    settings: Settings,
    clock: Clock,
    run_date: date,
    division: int,
    *,
    dry_run: bool,
    mode: MailMode | None,
    run_id: str,
) -> RunReport:
    """One division's task: its run on its profile's adapters, recorded under the task's id."""
    report = RunReport(run_id, run_date, dry_run, started_at=clock.now())
    result, _ = run_profile(settings, clock, report, division, mode=mode, record=not dry_run)
    report.divisions.append(result)
    report.finished_at = clock.now()
    return report


def run_office(
    settings: Settings,
    clock: Clock,
    run_date: date,
    divisions: Sequence[int],
    *,
    left_out: Sequence[LeftOut] = (),
    dry_run: bool,
    mode: MailMode | None,
    run_id: str,
) -> RunReport:
    """Each division on its own profile, then the office's overview. The office's adapters are
    built first: its broken mailbox or templates stop the run before any client is mailed."""
    report = RunReport(run_id, run_date, dry_run, started_at=clock.now())
    report.divisions += [
        DivisionReport(left.division, notes=[reasons.division_without_profile(left.division)])
        for left in left_out
    ]
    with bootstrap.build(with_overrides(settings, divisions, mode), clock) as office:
        fatal = ""
        for division in divisions:
            if fatal:  # the Exact consent refused: every division after it would fail too
                result = DivisionReport(division, error=f"not run: {fatal}")
            else:
                result, fatal = run_profile(
                    settings, clock, report, division, mode=mode, record=False
                )
            report.divisions.append(result)
        return service.close(office.deps, report, dry_run=dry_run)


def run_profile(
    settings: Settings,
    clock: Clock,
    run: RunReport,
    division: int,
    *,
    mode: MailMode | None,
    record: bool,
) -> tuple[DivisionReport, str]:
    """One division of `run` on its profile's adapters, and its own digest (when its profile
    sets one) to whoever is responsible for it; `record`: kept in the run log as a run alone.
    No profile, or adapters that can't be built (its mailbox, its templates): the division's
    error, nothing raised. Also returns what stops the divisions after it (service.run_one)."""
    try:
        own = settings.for_division(division)
        app = bootstrap.build(with_overrides(own, [division], mode), clock)
    except FollowupError as exc:
        why = "; ".join(exc.problems) if isinstance(exc, ConfigError) else str(exc)
        log.error("division %s could not be set up: %s", division, why)
        return DivisionReport(division, error=why, retryable=exc.retryable), ""
    with app:
        result, fatal = service.run_one(
            app.deps, division, run.run_date, dry_run=run.dry_run, run_id=run.run_id
        )
        result.company = own.company.name
        alone = RunReport(run.run_id, run.run_date, run.dry_run, run.started_at, [result])
        digest = own.digest  # the profile's own: the office's [digest] is not inherited
        if digest.enabled and digest.to:
            result.digest = deliver_digest(
                app.deps, alone, str(digest.to), run.dry_run, scope=division
            )
        if record:
            alone.finished_at = clock.now()
            app.deps.runlog.record_run(alone)
    return result, fatal
