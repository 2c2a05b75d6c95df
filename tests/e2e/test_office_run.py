"""An accountancy office's run: three administrations in the sandbox, each with its own profile
(company, outbox, digest), run each on its own, then one overview for the office."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.message import Message
from pathlib import Path

import pytest

from cli_support import consent, followup
from followup import office
from followup.clock import AMSTERDAM, SystemClock, business_date
from followup.errors import ConfigError
from followup.model import MailKind, RunReport
from followup.sandbox.demo_data import seed_demo
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState
from followup.settings import load

DIVISIONS = (111111, 222222, 333333)
COMPANIES = {111111: "Bakkerij Jansen B.V.", 222222: "Fietsen Pietersen", 333333: "Schilder Smit"}
ADDRESSES = {
    111111: "administratie@jansen.example.nl",
    222222: "info@pietersen.example.nl",
    333333: "info@smit.example.nl",
}


@dataclass
class Office:
    root: Path
    state: SandboxState
    base_url: str
    today: date

    def settings(self, profiles: dict[int, str], listed: tuple[int, ...] = DIVISIONS) -> Path:
        """An office's settings file: the office itself on top, then one profile a division."""
        text = f"""
[company]
name = "Administratiekantoor De Boekhouder"
from_address = "kantoor@boekhouder.example.nl"

[exact]
base_url = "{self.base_url}"
client_id = "{self.state.client_id}"
divisions = [{", ".join(str(d) for d in listed)}]

[digest]
enabled = true
to = "kantoor@boekhouder.example.nl"
"""
        for division, extra in profiles.items():
            text += f"""
[division.{division}.company]
name = "{COMPANIES[division]}"
from_address = "{ADDRESSES[division]}"
iban = "NL91 ABNA 0417 1643 00"

[division.{division}.digest]
enabled = true
to = "verantwoordelijke-{division}@boekhouder.example.nl"
{extra or _outbox(self.root, division)}
"""
        path = self.root / "office.toml"
        path.write_text(text)
        return path

    def run(self, config: Path, *, dry_run: bool = False, workers: int = 1) -> RunReport:
        settings = load(config)
        return office.run(settings, SystemClock(), self.today, dry_run=dry_run, workers=workers)


def _outbox(root: Path, division: int) -> str:
    return f'[division.{division}.mail.transport]\nbackend = "outbox"\npath = "{root}/{division}"'


def _mails(folder: Path) -> list[Message]:
    return [
        email.message_from_bytes(p.read_bytes())
        for p in sorted(folder.glob("*/*.eml"))
        if p.parent.name in ("drafts", "sent")
    ]


def _body(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    today = business_date(datetime.now(AMSTERDAM))
    state = SandboxState()
    for division in DIVISIONS:
        seed_demo(state, today, division)
    with SandboxServer(state) as server:
        consent(tmp_path, state)
        monkeypatch.chdir(tmp_path)  # the shared outbox and state/ resolve from here
        monkeypatch.setenv("FOLLOWUP_EXACT_CLIENT_SECRET", state.client_secret)
        yield Office(tmp_path, state, server.base_url, today)


def test_each_administration_mails_as_its_own_company_and_the_office_gets_one_overview(
    site: Office,
) -> None:
    config = site.settings(dict.fromkeys(DIVISIONS, ""))

    report = site.run(config, workers=3)

    assert report.ok, [d.error for d in report.divisions]
    assert [d.division for d in report.divisions] == list(DIVISIONS)
    for division in DIVISIONS:
        mails = _mails(site.root / str(division))
        to_customers = [m for m in mails if "digest" not in str(m["Message-ID"])]
        assert to_customers, division
        for message in to_customers:  # the client's own name and address, nobody else's
            assert ADDRESSES[division] in str(message["From"])
            assert COMPANIES[division] in _body(message)
            assert all(COMPANIES[d] not in _body(message) for d in DIVISIONS if d != division)
        ours = report.divisions[DIVISIONS.index(division)]
        assert ours.company == COMPANIES[division]
        assert ours.digest is not None
        assert ours.digest.division == division
        assert ours.digest.recipient == f"verantwoordelijke-{division}@boekhouder.example.nl"
    overview = _mails(site.root / "outbox")
    assert len(overview) == 1  # the office's own outbox holds only its overview
    assert str(overview[0]["To"]) == "kantoor@boekhouder.example.nl"
    body = _body(overview[0])
    assert all(f"{d} ({COMPANIES[d]})" in body for d in DIVISIONS)
    assert report.digest is not None
    assert report.digest.division == 0


def test_the_same_mails_are_planned_one_at_a_time_or_three_at_a_time(site: Office) -> None:
    config = site.settings(dict.fromkeys(DIVISIONS, ""))

    def keys(report: RunReport) -> list[str]:
        return sorted(e.key for e in report.entries() if e.kind is not MailKind.DIGEST)

    alone = site.run(config, dry_run=True, workers=1)
    together = site.run(config, dry_run=True, workers=3)

    assert keys(alone) == keys(together)
    assert len(keys(alone)) > 10
    assert not _mails(site.root / "111111")  # a dry run delivers nothing


def test_a_broken_mailbox_fails_its_own_administration_only(site: Office) -> None:
    gmail = """[division.222222.mail.transport]
backend = "gmail"
user = "info@pietersen.example.nl"
client_id = "client.apps.googleusercontent.com"
"""
    config = site.settings({111111: "", 222222: gmail, 333333: ""})

    report = site.run(config, workers=2)

    failed = {d.division: d.error for d in report.divisions if d.error}
    assert list(failed) == [222222]
    assert "followup auth gmail" in failed[222222]  # what to do about it
    assert _mails(site.root / "111111")
    assert _mails(site.root / "333333")
    overview = _body(_mails(site.root / "outbox")[0])
    assert "administratie 222222 (Fietsen Pietersen) is niet afgerond" in overview


def test_in_every_division_mode_one_without_a_profile_is_reported_and_not_run(
    site: Office,
) -> None:
    config = site.settings({111111: "", 222222: ""}, listed=())

    report = site.run(config)

    by_division = {d.division: d for d in report.divisions}
    assert sorted(by_division) == list(DIVISIONS)
    skipped = by_division[333333]
    assert not skipped.entries
    assert not skipped.error
    assert [str(getattr(n, "code", "")) for n in skipped.notes] == ["division_without_profile"]
    assert not (site.root / "333333").exists()
    overview = _body(_mails(site.root / "outbox")[0])
    assert "administratie 333333 heeft geen profiel en is overgeslagen" in overview


def test_a_profile_for_a_division_the_consent_cannot_see_is_refused_before_anything_runs(
    site: Office,
) -> None:
    site.settings({111111: ""}, listed=())
    config = site.root / "office.toml"
    text = config.read_text().replace("111111", "999999")
    config.write_text(text.replace(COMPANIES[111111], "Onbekend"))

    with pytest.raises(ConfigError) as refused:
        site.run(config)

    assert "division.999999: the Exact consent doesn't reach this administration" in str(
        refused.value
    )
    assert not (site.root / "outbox").exists()
    cli = followup("run", "--config", str(config), cwd=site.root)
    assert cli.returncode == 2
    assert "division.999999" in cli.stderr
    assert "Traceback" not in cli.stderr


def test_the_command_runs_one_division_with_workers_and_prints_its_company(site: Office) -> None:
    config = site.settings(dict.fromkeys(DIVISIONS, ""))
    env = {"FOLLOWUP_EXACT_CLIENT_SECRET": site.state.client_secret}
    args = ("run", "--config", str(config), "--workers", "2", "--division", "222222")

    shown = followup(*args, "--dry-run", cwd=site.root, env=env)
    as_json = followup(*args, "--json", cwd=site.root, env=env)
    wrong = followup("run", "--config", str(config), "--division", "444444", cwd=site.root)

    assert shown.returncode == 0, shown.stderr
    assert "Administratie 222222 (Fietsen Pietersen)" in shown.stdout
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert [d["division"] for d in data["divisions"]] == [222222]
    assert data["divisions"][0]["company"] == "Fietsen Pietersen"
    assert _mails(site.root / "222222")
    assert not (site.root / "111111").exists()
    assert wrong.returncode == 2
    assert "--division 444444" in wrong.stderr
