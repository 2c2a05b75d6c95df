"""The doctor's ledger check: the ledger the settings name opens, and takes a write and a
delete. Shared by every administration of an office."""

from __future__ import annotations

from contextlib import ExitStack

from followup import bootstrap
from followup.clock import business_date
from followup.doctor.checks import Check, ok, problem
from followup.doctor.paths import file_trouble
from followup.errors import FollowupError
from followup.model import Pause
from followup.ports import Clock
from followup.settings import Settings, SqliteLedger

PROBE = "~followup-doctor-probe~"  # no customer code or invoice number looks like this


def ledger_check(settings: Settings, clock: Clock, resources: ExitStack) -> Check:
    """The ledger opens, and takes a write and a delete (a pause nobody matches)."""
    chosen = settings.ledger
    if isinstance(chosen, SqliteLedger):
        where, fix = str(chosen.path), f"make {chosen.path.parent} writable for this user"
        if trouble := file_trouble(chosen.path, "[ledger] path", example="ledger.sqlite3"):
            return problem("ledger", *trouble)
    else:
        where = f"Firestore {chosen.project}/{chosen.database} ({chosen.collection_prefix}*)"
        fix = (
            "create the database (`terraform apply`, infra/) and give this account "
            "roles/datastore.user on the project"
        )
    try:
        ledger = bootstrap.open_stores(settings, clock, resources).pauses
        probe = Pause(
            PROBE, business_date(clock.now()), "followup doctor: a probe, deleted at once"
        )
        ledger.pause(probe)
        if not ledger.resume(PROBE, None):
            return problem("ledger", f"{where}: a probe written could not be found again", fix)
    except FollowupError as exc:
        return problem("ledger", str(exc), fix)
    return ok("ledger", f"{where}: a probe record written and deleted")
