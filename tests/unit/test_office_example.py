"""examples/office.toml, the accountancy office with three clients, is valid settings as it
stands: three profiles with their own identities and mailboxes, every template they need
there. And the mistakes an office makes in such a file are each named by the division and the
key, through the console script too."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from followup import bootstrap, settings
from followup.clock import AMSTERDAM
from followup.errors import ConfigError
from followup.mail import samples
from followup.model import MailKind, Mode
from followup.settings import GmailMail, SmtpMail

EXAMPLES = Path(__file__).parents[2] / "examples"
OFFICE = EXAMPLES / "office.toml"
FOLLOWUP = str(Path(sys.executable).with_name("followup"))


@pytest.fixture(scope="module")
def office() -> settings.Settings:
    return settings.load(OFFICE)


def test_the_office_has_three_clients_each_with_its_own_identity(
    office: settings.Settings,
) -> None:
    assert office.exact.divisions == [101, 202, 303]
    assert sorted(office.profiles) == [101, 202, 303]
    assert office.company.name == "Van Dijk Administratie B.V."
    names = {n: p.company.name for n, p in office.profiles.items()}
    assert names == {
        101: "Bakkerij De Gouden Croissant B.V.",
        202: "Hoveniersbedrijf Groen & Zonen",
        303: "Kleurrijk Schilders B.V.",
    }
    ibans = {office.company.iban} | {p.company.iban for p in office.profiles.values()}
    assert len(ibans) == 4  # no client pays into the office's account, or another client's
    for profile in office.profiles.values():
        company = profile.company
        domain = str(company.from_address).rpartition("@")[2]
        for field in ("from_name", "phone", "website", "signature", "account_holder"):
            assert getattr(company, field), (company.name, field)
        assert str(company.reply_to).endswith(domain)
        assert str(company.bcc_archive).endswith(domain)
        assert company.iban.startswith("NL")
        assert domain in company.website
        assert company.name.split()[0] in company.signature


def test_two_clients_mail_from_their_own_gmail_one_sending_one_drafting(
    office: settings.Settings,
) -> None:
    bakery, gardener = office.for_division(101), office.for_division(202)
    for profile, secret in ((bakery, "gmail-refresh-101"), (gardener, "gmail-refresh-202")):
        transport = profile.mail.transport
        assert isinstance(transport, GmailMail)
        assert transport.user == profile.company.from_address
        assert transport.refresh_token_secret == secret
    assert (bakery.mail.mode.confirmation, bakery.mail.mode.reminder) == (Mode.SEND, Mode.SEND)
    assert (gardener.mail.mode.confirmation, gardener.mail.mode.reminder) == (
        Mode.DRAFT,
        Mode.DRAFT,
    )


def test_the_painters_mail_by_smtp_with_a_password_of_their_own_never_in_the_file(
    office: settings.Settings,
) -> None:
    painters = office.for_division(303)
    transport = painters.mail.transport
    assert isinstance(transport, SmtpMail)
    assert transport.username == str(painters.company.from_address)
    assert transport.auth == "password"
    assert transport.password_env == "FOLLOWUP_MAILBOX_PASSWORD_303"
    assert transport.password_secret == "mailbox-password-303"
    assert "password =" not in OFFICE.read_text()


def test_every_client_mailbox_keeps_its_consent_or_password_in_a_place_of_its_own(
    office: settings.Settings,
) -> None:
    places = []
    for profile in office.profiles.values():
        transport = profile.mail.transport
        if isinstance(transport, GmailMail):
            places.append(transport.refresh_token_secret)
        elif isinstance(transport, SmtpMail):
            places += [transport.password_env, transport.password_secret]
    assert len(places) == len(set(places)) == 4


def test_one_client_has_its_own_policy_the_others_keep_the_office_rules(
    office: settings.Settings,
) -> None:
    bakery = office.for_division(101).policy
    assert bakery.reminder_interval_days == 10
    assert [level.days for level in bakery.levels] == [14, 28, 42]
    assert bakery.max_sends_per_run == office.policy.max_sends_per_run  # merged key by key
    for other in (202, 303):
        assert office.for_division(other).policy == office.policy


def test_each_client_digest_goes_to_its_bookkeeper_and_the_office_gets_the_overview(
    office: settings.Settings,
) -> None:
    assert office.digest.enabled
    overview = str(office.digest.to)
    bookkeepers = {str(p.digest.to) for p in office.profiles.values() if p.digest.enabled}
    assert len(bookkeepers) == 3
    assert overview not in bookkeepers


def test_the_painters_write_in_english_with_templates_of_their_own(
    office: settings.Settings,
) -> None:
    painters = office.for_division(303)
    assert painters.languages.default == "en"
    assert painters.digest.language == "nl"  # the bookkeeper's, not the customers'
    assert painters.mail.templates == (EXAMPLES / "templates-schilder").resolve()
    assert office.for_division(101).mail.templates is None


def test_every_profile_passes_the_checks_a_run_makes_before_it_opens_anything(
    office: settings.Settings,
) -> None:
    """What `followup run` checks before it connects anywhere: the templates folder, every
    language's templates, the digest's language."""
    for profile in (office, *office.profiles.values()):
        bootstrap.open_composer(profile)


def test_the_painters_own_subject_names_them_first() -> None:
    painters = settings.load(OFFICE).for_division(303)
    composer = bootstrap.open_composer(painters)
    today = date(2026, 11, 23)
    mail = samples.sample_mail(MailKind.REMINDER, "friendly", "en", today)
    message = composer.message(mail, datetime(2026, 11, 23, 9, tzinfo=AMSTERDAM))
    assert str(message["Subject"]).startswith("Kleurrijk Schilders: a reminder about invoice")
    assert "Kleurrijk Schilders" in str(message["From"])


# -- Mistakes, each named by its division and key ----------------------------------------------


def _drop_table(text: str, header: str) -> str:
    """The text without one table: its header line and the lines up to the next header."""
    pattern = re.compile(rf"^\[{re.escape(header)}\]\n(?:(?!\[).*\n)*", re.MULTILINE)
    changed, count = pattern.subn("", text)
    assert count == 1, header
    return changed


def _replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert text.count(old) == 1, old
        return text.replace(old, new)

    return edit


def _before(line: str, added: str) -> Callable[[str], str]:
    return _replace(line, added + line)


MISTAKES: dict[str, tuple[Callable[[str], str], list[str]]] = {
    "a profile without its company": (
        lambda text: _drop_table(text, "division.202.company"),
        ["division.202.company: missing value"],
    ),
    "a shared section inside a profile": (
        _before("[division.303.mail]\n", '[division.303.ledger]\nbackend = "sqlite"\n\n'),
        ["division.303.ledger: shared by every division", "[ledger] at the top"],
    ),
    "a division listed without a profile": (
        _replace("divisions = [101, 202, 303]", "divisions = [101, 202, 303, 404]"),
        ["exact.divisions: 404 has no profile ([division.404.company]"],
    ),
    "a profile not listed": (
        _replace("divisions = [101, 202, 303]", "divisions = [101, 202]"),
        ["division.303: not in exact.divisions"],
    ),
    "a bad IBAN in one profile": (
        _replace('iban = "NL69 INGB 0123 4567 89"', 'iban = "NL70 INGB 0123 4567 89"'),
        ["division.303.company.iban: NL70 INGB 0123 4567 89 is not an IBAN"],
    ),
}


def mutilated(tmp_path: Path, name: str) -> Path:
    """A copy of the example with one mistake made (the settings are refused before its
    templates folder is looked for)."""
    edit, _ = MISTAKES[name]
    config = tmp_path / "office.toml"
    config.write_text(edit(OFFICE.read_text()))
    return config


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_mistake_names_the_division_and_the_key(tmp_path: Path, name: str) -> None:
    config = mutilated(tmp_path, name)
    with pytest.raises(ConfigError) as caught:
        settings.load(config)
    said = "\n".join(caught.value.problems)
    for expected in MISTAKES[name][1]:
        assert expected in said, said
    assert caught.value.source == str(config)


def test_a_mistake_stops_followup_run_with_exit_2_and_the_key_without_a_traceback(
    tmp_path: Path,
) -> None:
    config = mutilated(tmp_path, "a bad IBAN in one profile")
    result = subprocess.run(  # noqa: S603 - our own console script
        [FOLLOWUP, "run", "--config", str(config), "--dry-run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{config} is not valid" in result.stderr
    assert "division.303.company.iban: NL70 INGB 0123 4567 89 is not an IBAN" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_readme_adds_a_client_with_one_profile(tmp_path: Path) -> None:
    """The README's snippet under "Accountancy offices and holdings", added to the example
    with its number listed, is a fourth client."""
    readme = (EXAMPLES.parent / "README.md").read_text()
    section = readme.split("## Accountancy offices and holdings", 1)[1].split("\n## ", 1)[0]
    snippet = section.split("```toml\n", 1)[1].split("```", 1)[0]
    text = OFFICE.read_text().replace(
        "divisions = [101, 202, 303]", "divisions = [101, 202, 303, 404]"
    )
    config = tmp_path / "office.toml"
    config.write_text(text + "\n" + "\n".join(line.strip() for line in snippet.splitlines()))
    office = settings.load(config)
    assert sorted(office.profiles) == [101, 202, 303, 404]
    added = office.for_division(404)
    assert added.company.name == "Fietsenmaker De Spaak"
    assert isinstance(added.mail.transport, GmailMail)
    assert added.mail.transport.refresh_token_secret == "gmail-refresh-404"
    assert added.mail.mode.reminder is Mode.DRAFT  # drafts before sending
    assert str(added.digest.to) == "boekhouder@kantoor.example.nl"
