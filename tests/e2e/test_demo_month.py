"""`followup demo --days N`: a month played forward into the outbox, and the settings it leaves
for `status`, `doctor`, `pause` and `run --date` on the demo data."""

from __future__ import annotations

import email
import email.utils
import json
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli_support import followup
from followup.clock import AMSTERDAM, business_date

DAYS = 30
# The sandbox brings its own secret: an Exact app's secret in the environment changes nothing.
ENV = {"FOLLOWUP_EXACT_CLIENT_SECRET": "a real app's secret, not the sandbox's"}


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A month of the demo, played once for the tests here: its folder and its JSON report."""
    base = tmp_path_factory.mktemp("month")
    result = followup("demo", "--days", str(DAYS), "--json", "--dir", str(base), cwd=base, env=ENV)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return base, json.loads(result.stdout)


def drafts(base: Path) -> dict[str, date]:
    """Each draft's file name and the Amsterdam day of its Date header."""
    found = {}
    for path in (base / "outbox" / "drafts").glob("*.eml"):
        stamp = email.utils.parsedate_to_datetime(
            email.message_from_bytes(path.read_bytes())["Date"]
        )
        found[path.name] = stamp.astimezone(AMSTERDAM).date()
    return found


def delivered(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e for d in report["divisions"] for e in d["entries"] if e["outcome"] in ("drafted", "sent")
    ]


def test_a_month_ends_today_with_one_run_a_day(month: tuple[Path, dict[str, Any]]) -> None:
    _, report = month
    today = business_date(datetime.now(AMSTERDAM))
    dates = [date.fromisoformat(day["run_date"]) for day in report["days"]]
    assert dates == [today - timedelta(days=DAYS - 1 - n) for n in range(DAYS)]
    assert all(day["ok"] for day in report["days"])


def test_the_outbox_holds_the_mails_of_many_days_under_a_heading_each(
    month: tuple[Path, dict[str, Any]],
) -> None:
    base, report = month
    days = drafts(base)
    assert len(days) == sum(len(delivered(day)) for day in report["days"])
    assert len(set(days.values())) >= 10
    index = (base / "outbox" / "index.html").read_text(encoding="utf-8")
    headings = re.findall(r'<h2 class="day" id="([0-9-]+)">', index)
    assert headings == sorted({d.isoformat() for d in days.values()}, reverse=True)


def test_confirmations_come_every_week_and_a_reminder_climbs_later_in_the_month(
    month: tuple[Path, dict[str, Any]],
) -> None:
    _, report = month
    confirmed_on = set()
    levels: dict[str, dict[int, str]] = defaultdict(dict)  # customer -> level -> run date
    for day in report["days"]:
        for entry in delivered(day):
            if entry["kind"] == "confirmation":
                confirmed_on.add(date.fromisoformat(day["run_date"]).isocalendar().week)
            else:
                level = int(re.search(r"/L(\d+)/", entry["key"]).group(1))  # type: ignore[union-attr]
                levels[entry["customer"]].setdefault(level, day["run_date"])
    assert len(confirmed_on) >= 4
    climbed = {c: by for c, by in levels.items() if 1 in by and 2 in by and by[2] > by[1]}
    assert climbed, dict(levels)


def test_the_settings_left_behind_work_for_status_pause_doctor_and_an_earlier_run(
    month: tuple[Path, dict[str, Any]],
) -> None:
    base, report = month
    config = str(base / ".demo" / "followup.toml")
    before = drafts(base)

    paused = followup(
        "pause", "1012", "--until", "2099-12-31", "--reason", "a dispute", "--config", config,
        cwd=base, env=ENV,
    )  # fmt: skip
    assert paused.returncode == 0, paused.stderr

    status = followup("status", "--config", config, cwd=base, env=ENV)
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"123456: {report['days'][-1]['run_date']}" in status.stdout
    assert "1012 in every division until 2099-12-31: a dispute" in status.stdout

    doctor = followup("doctor", "--config", config, cwd=base, env=ENV)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "division 123456: Bakkerij De Gouden Croissant B.V." in doctor.stdout
    assert "All checks passed." in doctor.stdout

    earlier = report["days"][DAYS // 2]["run_date"]
    again = followup("run", "--config", config, "--date", earlier, "--json", cwd=base, env=ENV)
    assert again.returncode == 0, again.stderr
    rerun = json.loads(again.stdout)
    assert rerun["run_date"] == earlier
    assert delivered(rerun) == []
    assert drafts(base) == before


def test_a_short_play_prints_a_line_a_day_and_where_its_settings_are(tmp_path: Path) -> None:
    result = followup("demo", "--days", "3", "--dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    today = business_date(datetime.now(AMSTERDAM))
    for back in range(3):
        assert f"{today - timedelta(days=back):%a %Y-%m-%d}" in result.stdout
    assert "The 3 mornings from" in result.stdout
    settings_file = tmp_path / ".demo" / "followup.toml"
    assert f"--config {settings_file.resolve()}" in result.stdout
    assert 'sandbox = "' in settings_file.read_text()


@pytest.mark.parametrize("days", ["0", "91"])
def test_a_number_of_days_outside_1_to_90_is_refused(tmp_path: Path, days: str) -> None:
    result = followup("demo", "--days", days, "--dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "a number of days from 1 to 90" in result.stderr
    assert not (tmp_path / "outbox").exists()
