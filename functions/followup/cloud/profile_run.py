"""An accountancy office's division in the cloud: a Cloud Tasks task runs one administration
(Exact division) on the adapters of its own profile (`[division.N]`: company, mailbox,
templates, policy, digest), recorded as a run of its own: office.run_division, the same
function `followup run` runs each administration with. A manual run's mail mode is laid on the
profile (a copy) before its adapters are built.
"""

from __future__ import annotations

from datetime import date

from followup import office
from followup.cloud.run_request import MailMode
from followup.model import RunReport
from followup.ports import Clock
from followup.settings import Settings


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
    result, _ = office.run_division(settings, clock, report, division, mode=mode, record=True)
    report.divisions.append(result)
    report.finished_at = clock.now()
    return report
