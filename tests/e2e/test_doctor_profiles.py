"""`followup doctor` for an accountancy office (a profile per administration) against the
sandbox: what the administrations share checked once, then the office and each profile in a
block headed by its division and company, so a broken mailbox or template names its client;
`--division N` for one client; a division without a profile refused with exit 2."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_support import consent, followup
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxClock, SandboxState

ENV = {"FOLLOWUP_EXACT_CLIENT_SECRET": SandboxState.client_secret}
SHARED = "the shared settings"


@pytest.fixture
def sandbox() -> Iterator[tuple[SandboxState, SandboxServer]]:
    state = SandboxState(clock=SandboxClock())
    state.add_division(101, "Bakkerij Noord B.V.")
    state.add_division(202, "Bakkerij Zuid B.V.")
    with SandboxServer(state) as server:
        yield state, server


def office_config(tmp_path: Path, base_url: str, *, zuid: str = "") -> Path:
    """An office with two clients, each mailing to an outbox folder of its own; `zuid`: more
    lines for division 202's profile."""
    config = tmp_path / "office.toml"
    config.write_text(f"""
[company]
name = "Kantoor Van Dijk B.V."
from_address = "kantoor@vandijk.example.nl"

[exact]
base_url = "{base_url}"
client_id = "{SandboxState.client_id}"
divisions = [101, 202]

[digest]
enabled = true
to = "overzicht@vandijk.example.nl"

[division.101.company]
name = "Bakkerij Noord B.V."
from_address = "info@noord.example.nl"
iban = "NL91 ABNA 0417 1643 00"

[division.101.mail.transport]
path = "outbox-noord"

[division.101.digest]
enabled = true
to = "marieke@vandijk.example.nl"

[division.202.company]
name = "Bakkerij Zuid B.V."
from_address = "info@zuid.example.nl"
iban = "NL44 RABO 0123 4567 89"

[division.202.mail.transport]
path = "outbox-zuid"
{zuid}
""")
    return config


def blocks(text: str) -> dict[str, dict[str, str]]:
    """The report's checks by block ("== division 101: … ==" opens one; before the first:
    the shared settings) and by name, each check on one line (its fix folded in)."""
    found: dict[str, dict[str, str]] = {SHARED: {}}
    block, name = SHARED, ""
    for line in text.splitlines():
        if line.startswith("== "):
            block = line.removeprefix("== ").removesuffix(" ==")
            found[block], name = {}, ""
        elif line.startswith(" ") and name:
            found[block][name] += " " + line.strip()
        elif line[:1].isupper() and ":" in line:
            name = line[9:].split(":", 1)[0]
            found[block][name] = line
    return found


def test_each_client_is_checked_in_a_block_headed_by_its_division_and_company(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    state, server = sandbox
    consent(tmp_path, state)
    (tmp_path / "outbox-zuid").write_text("a file where the outbox folder belongs")
    config = office_config(
        tmp_path, server.base_url, zuid='[division.202.languages]\ndefault = "fr"\n'
    )
    result = followup("doctor", "--config", str(config), cwd=tmp_path, env=ENV)
    assert result.returncode == 1, result.stdout + result.stderr
    found = blocks(result.stdout)
    assert list(found) == [
        SHARED,
        "the office: Kantoor Van Dijk B.V.",
        "division 101: Bakkerij Noord B.V.",
        "division 202: Bakkerij Zuid B.V.",
    ]
    shared = found[SHARED]
    assert "a profile for each of 101, 202" in shared["settings"]
    for name in ("token store", "Exact token", "ledger"):
        assert shared[name].startswith("OK "), shared[name]
    office = found["the office: Kantoor Van Dijk B.V."]
    assert "the overview digest to overzicht@vandijk.example.nl" in office["office"]
    assert office["outbox"].startswith("OK ")

    noord = found["division 101: Bakkerij Noord B.V."]
    assert "from info@noord.example.nl" in noord["profile"]
    assert "its digest to marieke@vandijk.example.nl" in noord["profile"]
    assert "IBAN NL91 ABNA 0417 1643 00 in the name of Bakkerij Noord B.V." in noord["where to pay"]
    assert noord["division 101"].startswith("OK ")
    assert "Bakkerij Noord B.V." in noord["division 101"]
    assert noord["outbox"].startswith("OK ")
    assert "outbox-noord" in noord["outbox"]
    assert noord["templates"].startswith("OK ")

    zuid = found["division 202: Bakkerij Zuid B.V."]
    assert "no digest of its own" in zuid["profile"]
    assert zuid["division 202"].startswith("OK ")
    assert zuid["outbox"].startswith("PROBLEM")
    assert "outbox-zuid is a file, not a folder" in zuid["outbox"]
    assert zuid["templates"].startswith("PROBLEM")
    assert "languages.default: there are no templates in 'fr'" in zuid["templates"]
    assert "2 problem(s) found. In division 202: outbox, templates." in result.stdout
    assert state.refresh_count == 0


def test_one_division_checks_what_is_shared_and_that_client_alone(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    state, server = sandbox
    consent(tmp_path, state)
    config = office_config(tmp_path, server.base_url)
    result = followup("doctor", "--config", str(config), "--division", "202", cwd=tmp_path,
                      env=ENV)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    found = blocks(result.stdout)
    assert list(found) == [SHARED, "division 202: Bakkerij Zuid B.V."]
    assert found[SHARED]["Exact token"].startswith("OK ")
    assert found["division 202: Bakkerij Zuid B.V."]["division 202"].startswith("OK ")
    assert "division 101" not in result.stdout
    assert "All checks passed." in result.stdout


def test_a_division_without_a_profile_is_refused_with_exit_2_and_no_check_runs(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    state, server = sandbox
    config = office_config(tmp_path, server.base_url)
    result = followup("doctor", "--config", str(config), "--division", "303", cwd=tmp_path,
                      env=ENV)  # fmt: skip
    assert result.returncode == 2
    assert f"{config} is not valid" in result.stderr
    assert "division.303: no profile" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert state.calls == []


def test_without_profiles_one_division_is_checked_if_the_settings_list_it(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    state, server = sandbox
    consent(tmp_path, state)
    config = tmp_path / "followup.toml"
    config.write_text(
        f'[company]\nname = "Noord"\nfrom_address = "info@noord.example.nl"\n'
        f'[exact]\nbase_url = "{server.base_url}"\nclient_id = "{state.client_id}"\n'
        "divisions = [101, 202]\n"
    )
    one = followup("doctor", "--config", str(config), "--division", "202", cwd=tmp_path, env=ENV)
    assert one.returncode == 0, one.stdout + one.stderr
    assert "division 202: Bakkerij Zuid B.V." in one.stdout
    assert "division 101" not in one.stdout
    assert "==" not in one.stdout  # no blocks without profiles
    other = followup("doctor", "--config", str(config), "--division", "303", cwd=tmp_path,
                     env=ENV)  # fmt: skip
    assert other.returncode == 2
    assert "--division 303: not in exact.divisions (101, 202)" in other.stderr
    assert "Traceback" not in other.stderr
