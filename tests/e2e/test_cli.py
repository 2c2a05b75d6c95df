"""The command line, as a user runs it: the console script in a subprocess."""

from __future__ import annotations

import email
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from cli_support import consent, followup, write_config
from followup.adapters.sqlite import open_stores
from followup.clock import AMSTERDAM, business_date
from followup.model import Claim, DivisionReport, MailKind, Pause, RunReport
from followup.sandbox.demo_data import seed_demo
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState


def test_demo_drafts_the_mails_and_a_second_run_creates_nothing(tmp_path: Path) -> None:
    first = followup("demo", "--dir", str(tmp_path), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    drafts = sorted((tmp_path / "outbox" / "drafts").glob("*.eml"))
    assert len(drafts) >= 8
    assert not (tmp_path / "outbox" / "sent").exists() or not list(
        (tmp_path / "outbox" / "sent").iterdir()
    )
    index = (tmp_path / "outbox" / "index.html").read_text()
    assert index.count("<iframe") == len(drafts)
    for path in drafts:
        message = email.message_from_bytes(path.read_bytes())
        for header in ("From", "To", "Subject", "Date", "Message-ID"):
            assert message[header], header
        assert message.is_multipart()
    summary = first.stdout  # in the owner's language: Dutch unless the settings say otherwise
    assert "Bevestigingen: " in summary
    assert "Herinneringen: " in summary
    assert "geen e-mailadres in Exact (relatie en contactpersonen)" in summary
    assert "Traceback" not in first.stderr

    second = followup("demo", "--dir", str(tmp_path), cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert sorted((tmp_path / "outbox" / "drafts").glob("*.eml")) == drafts
    assert "Niets nieuws" in second.stdout


def test_demo_report_as_json_counts_every_kind(tmp_path: Path) -> None:
    result = followup("demo", "--dir", str(tmp_path), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    counts = report["counts"]
    assert counts["confirmation"]["drafted"] >= 5
    assert counts["confirmation"]["skipped"] >= 1
    assert counts["reminder"]["drafted"] >= 3
    assert 4 <= report["divisions"][0]["exact_calls"] <= 6


def test_run_with_a_config_file_dry_run_then_for_real(tmp_path: Path) -> None:
    today = business_date(datetime.now(AMSTERDAM))
    state = SandboxState()
    facts = seed_demo(state, today)
    with SandboxServer(state) as server:
        consent(tmp_path, state)
        config = write_config(tmp_path, server.base_url, state, facts.division)
        env = {"FOLLOWUP_EXACT_CLIENT_SECRET": state.client_secret}
        args = ("run", "--config", str(config), "--date", today.isoformat())

        dry = followup(*args, "--dry-run", "--json", cwd=tmp_path, env=env)
        assert dry.returncode == 0, dry.stderr
        planned = json.loads(dry.stdout)["counts"]
        assert planned["confirmation"]["planned"] >= 5
        assert not (tmp_path / "outbox" / "drafts").exists() or not list(
            (tmp_path / "outbox" / "drafts").iterdir()
        )

        real = followup(*args, "--json", cwd=tmp_path, env=env)
        assert real.returncode == 0, real.stderr
        done = json.loads(real.stdout)["counts"]
        assert done["confirmation"]["drafted"] == planned["confirmation"]["planned"]
        assert done["reminder"]["drafted"] == planned["reminder"]["planned"]
    assert state.client_secret not in real.stdout + real.stderr + dry.stdout + dry.stderr


def test_a_run_dated_in_the_future_is_refused_with_exit_2_and_touches_nothing(
    tmp_path: Path,
) -> None:
    today = business_date(datetime.now(AMSTERDAM))
    state = SandboxState()
    facts = seed_demo(state, today)
    with SandboxServer(state) as server:
        consent(tmp_path, state)
        config = write_config(tmp_path, server.base_url, state, facts.division)
        env = {"FOLLOWUP_EXACT_CLIENT_SECRET": state.client_secret}
        tomorrow = (today + timedelta(days=1)).isoformat()

        args = ("run", "--config", str(config), "--date", tomorrow)
        refused = followup(*args, cwd=tmp_path, env=env)

    assert refused.returncode == 2
    assert f"--date {tomorrow} is after today" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert state.calls == []  # Exact was never asked
    assert not (tmp_path / "state" / "ledger.sqlite3").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '[company]\nname = "X"\nfrom_address = "not an address"\n[exact]\nclient_id = "c"\n',
            "company.from_address: invalid e-mail address",
        ),
        (
            '[company]\nname = "X"\nfrom_address = "a@b.example.nl"\ncolour = "red"\n'
            '[exact]\nclient_id = "c"\n',
            "company.colour: unknown key",
        ),
        (
            '[company]\nname = "X"\n[exact]\nclient_id = "c"\n',
            "company.from_address: missing value",
        ),
        (
            '[company]\nname = "X"\nfrom_address = "a@b.example.nl"\n[exact]\nclient_id = "c"\n'
            'divisions = "all"\n',
            "exact.divisions: wrong type",
        ),
        (
            '[company]\nname = "X"\nfrom_address = "a@b.example.nl"\n'
            'iban = "NL92 ABNA 0417 1643 00"\n[exact]\nclient_id = "c"\n',
            "company.iban: NL92 ABNA 0417 1643 00 is not an IBAN: its check digits don't match",
        ),
        ("[company\n", "not valid TOML"),
    ],
)
def test_a_bad_settings_file_gets_clear_messages_and_exit_code_2(
    tmp_path: Path, content: str, expected: str
) -> None:
    config = tmp_path / "followup.toml"
    config.write_text(content)
    result = followup("run", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_settings_file_is_named(tmp_path: Path) -> None:
    result = followup("run", "--config", str(tmp_path / "nope.toml"), cwd=tmp_path)
    assert result.returncode == 2
    assert "nope.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_example_settings_file_is_valid(tmp_path: Path) -> None:
    from followup import settings

    example = Path(__file__).parents[2] / "followup.example.toml"
    loaded = settings.load(example)
    assert loaded.exact.base_url == "https://start.exactonline.nl"


OFFICE_SETTINGS = """
[company]
name = "Kantoor Van Dijk"
from_address = "kantoor@vandijk.example.nl"

[exact]
client_id = "c"
divisions = [101, 202]

[division.101.company]
name = "Bakkerij Noord B.V."
from_address = "info@noord.example.nl"

[division.202.company]
name = "Bakkerij Zuid B.V."
from_address = "info@zuid.example.nl"
"""


def test_status_of_an_office_names_each_division_with_its_company(tmp_path: Path) -> None:
    config = tmp_path / "office.toml"
    config.write_text(OFFICE_SETTINGS)
    now = datetime.now(AMSTERDAM)
    stores = open_stores(tmp_path / "state" / "ledger.sqlite3")
    try:
        report = RunReport("run-1", now.date(), False, now)
        report.divisions += [DivisionReport(101), DivisionReport(202, error="Exact is down")]
        stores.runs.record_run(report)
        stores.claims.claim(
            Claim(
                key="k-202", division=202, kind=MailKind.REMINDER, item_ids=("i",),
                recipient="info@klant.example.nl", subject="Herinnering 2026-0044",
                amount=Decimal(1), currency="EUR", claimed_at=now, run_id="run-1",
            )
        )  # fmt: skip
        stores.pauses.pause(Pause("1001", date(2099, 1, 1), "dispute", division=101))
        stores.pauses.pause(Pause("2026-0042", date(2099, 1, 1), "credit note coming"))
    finally:
        stores.close()

    result = followup("status", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # a mail needs a look
    out = result.stdout
    assert f"  101 (Bakkerij Noord B.V.): {now.date()} (run run-1) ok" in out
    assert "  202 (Bakkerij Zuid B.V.): " in out
    assert "FAILED: Exact is down" in out
    assert (
        "  pending in division 202 (Bakkerij Zuid B.V.): 'Herinnering 2026-0044' to "
        "info@klant.example.nl" in out
    )
    assert "1001 in division 101 (Bakkerij Noord B.V.) until 2099-01-01: dispute" in out
    assert "2026-0042 in every division until 2099-01-01: credit note coming" in out
    assert "Next scheduled run:" in out  # the rest as it was

    data = json.loads(followup("status", "--config", str(config), "--json", cwd=tmp_path).stdout)
    assert [(d["division"], d["company"]) for d in data["divisions"]] == [
        (101, "Bakkerij Noord B.V."),
        (202, "Bakkerij Zuid B.V."),
    ]
    [attention] = data["attention"]
    assert (attention["division"], attention["company"]) == (202, "Bakkerij Zuid B.V.")
    assert {p["target"]: p["company"] for p in data["pauses"]} == {
        "1001": "Bakkerij Noord B.V.",
        "2026-0042": "",
    }
