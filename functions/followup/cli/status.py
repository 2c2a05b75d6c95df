"""`followup status`: the last runs per division, what needs a look, pauses, the next run. With
a profile per administration ([division.N]: an accountancy office), each line about a division
names its company too."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from datetime import date, datetime, time, timedelta
from typing import Any

from followup import bootstrap
from followup.cli.common import EXIT_FAILED, EXIT_OK, Commands, config_option
from followup.clock import AMSTERDAM, SystemClock, business_date
from followup.errors import FollowupError
from followup.exact.lapse import RENEW, consent_health
from followup.policy.calendar import next_working_day
from followup.ports import StatusView
from followup.settings import Settings, load

SCHEDULE = time(9, 0)  # Cloud Scheduler "0 9 * * *" Europe/Amsterdam (infra/)
RUNS_READ = 50


def register(commands: Commands) -> None:
    """Add `status`."""
    status = commands.add_parser(
        "status",
        help="what happened lately and what needs a look",
        description="Show the last run of every division (when, whether it went well, what it "
        "delivered), the mails that need a look (claimed but without an outcome, or uncertain: "
        "check Sent), the pauses, and when the next scheduled run is. With a profile per "
        "administration, each line about a division names its company.",
    )
    config_option(status)
    status.add_argument("--json", action="store_true", help="print it as JSON on stdout")
    status.set_defaults(handler=status_command)


def status_command(args: argparse.Namespace) -> int:
    """Show the status; exit 1 when the last run of a division failed or a mail needs a look."""
    settings = load(args.config)
    clock = SystemClock()
    with ExitStack() as resources:
        view: StatusView = bootstrap.open_stores(settings, clock, resources).status
        companies = {n: profile.company.name for n, profile in settings.profiles.items()}
        state = gather(view, clock.now(), companies)
        state["exact_consent"] = _consent(settings, clock, resources)
    if args.json:
        print(json.dumps(state, indent=2, ensure_ascii=False))
    else:
        print(render(state))
    trouble = state["attention"] or any(not d["ok"] for d in state["divisions"])
    return EXIT_FAILED if trouble else EXIT_OK


def gather(
    view: StatusView, now: datetime, companies: Mapping[int, str] | None = None
) -> dict[str, Any]:
    """Everything the status shows, as JSON-ready data; with `companies` (an office's profiles:
    the company per division), each division's entry, claim and pause says its company."""
    named = _namer(companies)
    latest: dict[int, dict[str, Any]] = {}
    for run in view.recent_runs(RUNS_READ):
        for division in run.get("divisions", []):
            latest.setdefault(int(division["division"]), {**division, "run": run})
    divisions = [
        {
            "division": code,
            "run_date": d["run"]["run_date"],
            "run_id": d["run"]["run_id"],
            "started_at": d["run"]["started_at"],
            "ok": d["ok"],
            "error": d["error"],
            "delivered": _tally(d.get("entries", [])),
            "notes": d.get("notes", []),
            **named(code),
        }
        for code, d in sorted(latest.items())
    ]
    today = business_date(now)
    return {
        "divisions": divisions,
        "attention": [
            {
                "key": claim.key,
                "state": outcome.value if outcome else "pending",
                "reason": reason,
                "recipient": claim.recipient,
                "subject": claim.subject,
                "claimed_at": claim.claimed_at.isoformat(),
                "run_id": claim.run_id,
                "division": claim.division,
                **named(claim.division),
            }
            for claim, outcome, reason in view.attention()
        ],
        "pauses": [
            {
                "target": p.target,
                "division": p.division,
                "until": p.until.isoformat(),
                "reason": p.reason,
                "active": p.until >= today,
                **named(p.division),
            }
            for p in view.all_pauses()
        ],
        "next_run": next_run(now).isoformat(),
        "next_reminders": next_working_day(next_run(now).date()).isoformat(),
    }


def _namer(companies: Mapping[int, str] | None) -> Callable[[int | None], dict[str, str]]:
    """The `company` key an entry of a division gets: none without profiles."""

    def named(division: int | None) -> dict[str, str]:
        if not companies:
            return {}
        return {"company": companies.get(division, "") if division is not None else ""}

    return named


def _division(number: int, entry: dict[str, Any]) -> str:
    """A division as the status names it: its number, and its company when there is one."""
    company = entry.get("company")
    return f"{number} ({company})" if company else str(number)


def _consent(settings: Settings, clock: SystemClock, resources: ExitStack) -> dict[str, Any] | None:
    """When the Exact consent was last refreshed and when it lapses unused (None: no tokens,
    or they can't be read: `followup doctor` says why)."""
    try:
        tokens = bootstrap.open_token_store(settings, clock, resources).load()
    except FollowupError:
        return None
    if tokens is None:
        return None
    health = consent_health(tokens, clock.now())
    return {
        "refreshed_at": health.refreshed_at.isoformat(),
        "lapses_at": health.lapses_at.isoformat(),
        "warning": health.warn,
    }


def next_run(now: datetime) -> datetime:
    """The next 09:00 in Amsterdam after `now`."""
    local = now.astimezone(AMSTERDAM)
    candidate = datetime.combine(local.date(), SCHEDULE, AMSTERDAM)
    return (
        candidate
        if candidate > local
        else datetime.combine(local.date() + timedelta(days=1), SCHEDULE, AMSTERDAM)
    )


def _tally(entries: list[dict[str, Any]]) -> dict[str, int]:
    tally: dict[str, int] = {}
    for entry in entries:
        tally[entry["outcome"]] = tally.get(entry["outcome"], 0) + 1
    return tally


def render(state: dict[str, Any]) -> str:
    """The status as text."""
    out = ["Last run per division"]
    if not state["divisions"]:
        out.append("  no run recorded yet")
    for d in state["divisions"]:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(d["delivered"].items()))
        verdict = "ok" if d["ok"] else f"FAILED: {d['error']}"
        out.append(
            f"  {_division(d['division'], d)}: {d['run_date']} (run {d['run_id']}) {verdict}"
        )
        if counts:
            out.append(f"      {counts}")
        out.extend(f"      note: {note}" for note in d["notes"])
    out.append("")
    out.append("Needs a look")
    if not state["attention"]:
        out.append("  nothing: every claimed mail has an outcome")
    for a in state["attention"]:
        where = f" in division {_division(a['division'], a)}" if a.get("company") else ""
        out.append(
            f"  {a['state']}{where}: {a['subject']!r} to {a['recipient']} ({a['claimed_at']})"
        )
        out.append(f"      {a['reason']}; key {a['key']}")
    out.append("")
    out.append("Pauses")
    if not state["pauses"]:
        out.append("  none")
    for p in state["pauses"]:
        where = f"division {_division(p['division'], p)}" if p["division"] else "every division"
        ended = "" if p["active"] else " (ended)"
        out.append(f"  {p['target']} in {where} until {p['until']}{ended}: {p['reason']}")
    out.append("")
    consent = state.get("exact_consent")
    if consent:
        refreshed = datetime.fromisoformat(consent["refreshed_at"])
        lapses = datetime.fromisoformat(consent["lapses_at"])
        out.append(
            f"Exact consent: last refreshed on {refreshed:%Y-%m-%d %H:%M}, lapses after "
            f"{lapses:%Y-%m-%d %H:%M} if unused"
        )
        if consent["warning"]:
            out.append(f"  WARNING: it lapses soon; renew the Exact consent: {RENEW}")
        out.append("")
    nxt = datetime.fromisoformat(state["next_run"])
    out.append(f"Next scheduled run: {nxt:%a %d %b %Y %H:%M} Europe/Amsterdam")
    if state["next_reminders"] != nxt.date().isoformat():
        wait = date.fromisoformat(state["next_reminders"])
        out.append(f"  (not a working day: reminders wait until {wait:%a %d %b})")
    return "\n".join(out)
