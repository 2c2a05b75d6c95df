"""Profiles (`[division.N]`): how an administration's own settings are laid over the shared
ones. The company and the mailbox are taken whole, the digest is not inherited, every other
table is merged key by key, a list replaces the shared one, and a profile's relative paths are
taken from the settings file's folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from followup import settings
from followup.errors import ConfigError
from followup.model import Mode, Tone
from followup.settings import GmailMail, OutboxMail, Settings, SmtpMail, parse

OFFICE: dict[str, Any] = {
    "company": {
        "name": "Kantoor B.V.",
        "from_address": "kantoor@kantoor.example.nl",
        "phone": "030 123 45 67",
        "iban": "NL39 RABO 0300 0652 64",
        "website": "https://kantoor.example.nl",
    },
    "exact": {"client_id": "abc", "divisions": [101, 202]},
    "mail": {
        "transport": {"backend": "outbox", "path": "office-outbox"},
        "mode": {"confirmation": "send", "reminder": "draft"},
        "payment_link": "https://betalen.kantoor.example.nl/{invoice_number}",
    },
    "policy": {
        "reminder_interval_days": 7,
        "max_sends_per_run": 25,
        "levels": [
            {"days": 7, "tone": "friendly"},
            {"days": 21, "tone": "businesslike"},
            {"days": 35, "tone": "final", "pay_within_days": 14, "collection_costs": True},
        ],
    },
    "suppress": {"customers": ["9001", "9002"]},
    "digest": {"enabled": True, "to": "overzicht@kantoor.example.nl"},
}


def company(name: str, address: str) -> dict[str, str]:
    return {"name": name, "from_address": address}


def with_profiles(**profiles: dict[str, Any]) -> dict[str, Any]:
    """The office's settings with these `[division.N]` tables (keys: "d101" for division 101)."""
    return {**OFFICE, "division": {key.removeprefix("d"): t for key, t in profiles.items()}}


def loaded(data: dict[str, Any], base_dir: Path | None = None) -> settings.Settings:
    return settings.parse(data, "office.toml", base_dir)


BOTH = {
    "d101": {"company": company("Bakkerij Noord B.V.", "info@noord.example.nl")},
    "d202": {"company": company("Bakkerij Zuid B.V.", "info@zuid.example.nl")},
}


def overlaid(number: int, base_dir: Path | None = None, **sections: Any) -> settings.Settings:
    """The office with both profiles, division `number`'s with these sections added."""
    key = f"d{number}"
    return loaded(with_profiles(**{**BOTH, key: {**BOTH[key], **sections}}), base_dir)


def test_each_listed_division_gets_its_own_profile_and_the_office_keeps_its_own() -> None:
    office = loaded(with_profiles(**BOTH))
    assert sorted(office.profiles) == [101, 202]
    assert office.for_division(101).company.name == "Bakkerij Noord B.V."
    assert office.for_division(202).company.name == "Bakkerij Zuid B.V."
    assert office.company.name == "Kantoor B.V."
    with pytest.raises(ConfigError) as caught:
        office.for_division(303)
    assert caught.value.problems[0].startswith("division.303: no profile")


def test_settings_without_profiles_run_every_division_as_the_one_company() -> None:
    plain = loaded(OFFICE)
    assert plain.profiles == {}
    assert plain.for_division(101) is plain


def test_the_company_is_taken_whole_so_nothing_of_the_office_leaks_into_a_client_mail() -> None:
    noord = loaded(with_profiles(**BOTH)).for_division(101).company
    assert noord.from_address == "info@noord.example.nl"
    assert noord.phone == ""  # not the office's phone
    assert noord.iban == ""  # not the office's IBAN
    assert noord.website == ""
    assert noord.account_holder == "Bakkerij Noord B.V."


def test_the_mailbox_is_taken_whole_when_a_profile_names_one_else_the_office_mailbox() -> None:
    own = {
        "backend": "smtp",
        "username": "info@noord.example.nl",
        "host": "mail.noord.example.nl",
        "password_env": "FOLLOWUP_MAILBOX_PASSWORD_101",
    }
    office = overlaid(101, mail={"transport": own})
    transport = office.for_division(101).mail.transport
    assert isinstance(transport, SmtpMail)
    assert transport.username == "info@noord.example.nl"
    assert transport.password_env == "FOLLOWUP_MAILBOX_PASSWORD_101"
    assert not hasattr(transport, "path")  # nothing of the office's outbox merged into it
    shared = office.for_division(202).mail.transport
    assert isinstance(shared, OutboxMail)
    assert shared.path == Path("office-outbox")


def test_a_gmail_mailbox_over_an_outbox_default_needs_no_backend_merged_from_the_office() -> None:
    gmail = {"backend": "gmail", "user": "info@zuid.example.nl", "client_id": "id"}
    office = overlaid(202, mail={"transport": gmail})
    transport = office.for_division(202).mail.transport
    assert isinstance(transport, GmailMail)
    assert str(transport.user) == "info@zuid.example.nl"


def test_the_office_digest_is_not_inherited_only_a_profile_digest_of_its_own() -> None:
    own = {"enabled": True, "to": "boekhouder@kantoor.example.nl", "language": "en"}
    office = overlaid(101, digest=own)
    assert office.digest.enabled
    assert str(office.digest.to) == "overzicht@kantoor.example.nl"
    noord = office.for_division(101).digest
    assert noord.enabled
    assert str(noord.to) == "boekhouder@kantoor.example.nl"
    assert noord.language == "en"
    zuid = office.for_division(202).digest
    assert not zuid.enabled
    assert zuid.to is None


def test_other_tables_are_merged_key_by_key() -> None:
    office = overlaid(
        101, policy={"reminder_interval_days": 10}, mail={"mode": {"reminder": "send"}}
    )
    noord = office.for_division(101)
    assert noord.policy.reminder_interval_days == 10
    assert noord.policy.max_sends_per_run == 25  # the office's, kept
    assert [level.days for level in noord.policy.levels] == [7, 21, 35]
    assert noord.mail.mode.reminder is Mode.SEND
    assert noord.mail.mode.confirmation is Mode.SEND  # the office's
    assert noord.mail.payment_link == "https://betalen.kantoor.example.nl/{invoice_number}"
    assert office.for_division(202).policy.reminder_interval_days == 7


def test_a_list_in_a_profile_replaces_the_office_list_as_a_whole() -> None:
    levels = [
        {"days": 14, "tone": "friendly"},
        {"days": 42, "tone": "final", "pay_within_days": 14},
    ]
    zuid = overlaid(202, policy={"levels": levels}, suppress={"customers": ["1001"]})
    zuid = zuid.for_division(202)
    assert [(level.days, level.tone) for level in zuid.policy.levels] == [
        (14, Tone.FRIENDLY),
        (42, Tone.FINAL),
    ]
    assert zuid.suppress.customers == ["1001"]  # not 9001, 9002 and 1001
    assert loaded(with_profiles(**BOTH)).for_division(101).suppress.customers == ["9001", "9002"]


def test_the_relative_paths_of_a_profile_are_taken_from_the_settings_file_folder(
    tmp_path: Path,
) -> None:
    own = {"templates": "templates-noord", "transport": {"path": "outbox-noord"}}
    office = overlaid(101, base_dir=tmp_path, mail=own)
    noord = office.for_division(101)
    assert noord.mail.templates == tmp_path / "templates-noord"
    transport = noord.mail.transport
    assert isinstance(transport, OutboxMail)
    assert transport.path == tmp_path / "outbox-noord"
    zuid = office.for_division(202)
    assert isinstance(zuid.mail.transport, OutboxMail)
    assert zuid.mail.transport.path == tmp_path / "office-outbox"
    assert zuid.tokens.path == tmp_path / "state" / "exact-tokens.json"  # shared, resolved too


def test_the_file_loads_with_profiles_resolved_from_its_own_folder(tmp_path: Path) -> None:
    folder = tmp_path / "kantoor"
    folder.mkdir()
    config = folder / "office.toml"
    config.write_text(
        '[company]\nname = "Kantoor"\nfrom_address = "k@kantoor.example.nl"\n'
        '[exact]\nclient_id = "c"\ndivisions = [101]\n'
        '[division.101.company]\nname = "Noord"\nfrom_address = "n@noord.example.nl"\n'
        '[division.101.mail]\ntemplates = "eigen"\n'
    )
    noord = settings.load(config).for_division(101)
    assert noord.mail.templates == folder.resolve() / "eigen"


def test_two_client_mailboxes_sharing_a_password_or_a_secret_are_refused_at_start() -> None:
    def smtp(user: str, **more: str) -> dict[str, str]:
        return {"backend": "smtp", "username": user, "host": "mail.example.nl", **more}

    def gmail(user: str, secret: str) -> dict[str, str]:
        return {"backend": "gmail", "user": user, "project": "p", "client_id": "id",
                "refresh_token_secret": secret}  # fmt: skip

    def office(cloud: bool, **transports: dict[str, str]) -> Settings:
        profiles = {
            key.removeprefix("d"): {
                "company": {
                    "name": key,
                    "from_address": transport.get("username") or transport["user"],
                },
                "mail": {"transport": transport},
            }
            for key, transport in transports.items()
        }
        tokens = {"backend": "secret_manager", "project": "p"} if cloud else {}
        return parse({
            "company": {"name": "Kantoor", "from_address": "k@kantoor.example.nl"},
            "exact": {"client_id": "c", "divisions": [int(n) for n in profiles]},
            "tokens": tokens,
            "division": profiles,
        })  # fmt: skip

    apart = office(
        True,
        d101=smtp("a@noord.example.nl", password_env="PW_101", password_secret="pw-101"),
        d202=smtp("b@zuid.example.nl", password_env="PW_202", password_secret="pw-202"),
    )
    assert sorted(apart.profiles) == [101, 202]

    with pytest.raises(ConfigError) as same_env:
        office(False, d101=smtp("a@noord.example.nl"), d202=smtp("b@zuid.example.nl"))
    [said] = same_env.value.problems
    assert "mail.transport: the environment variable FOLLOWUP_MAILBOX_PASSWORD would serve" in said
    assert "a@noord.example.nl (division 101) and b@zuid.example.nl (division 202)" in said
    assert "password_env" in said

    with pytest.raises(ConfigError) as in_cloud:  # the default secret mailbox-password, twice
        office(
            True,
            d101=smtp("a@noord.example.nl", password_env="PW_101"),
            d202=smtp("b@zuid.example.nl", password_env="PW_202"),
        )
    assert "the secret projects/p/secrets/mailbox-password would serve" in str(in_cloud.value)

    with pytest.raises(ConfigError) as one_consent:
        office(
            True,
            d101=gmail("a@noord.example.nl", "refresh"),
            d202=gmail("b@zuid.example.nl", "refresh"),
        )
    assert one_consent.value.problems == [
        "mail.transport: the secret projects/p/secrets/refresh would serve a@noord.example.nl "
        "(division 101) and b@zuid.example.nl (division 202): give each mailbox its own in "
        "[division.N.mail.transport] (password_env, password_secret, refresh_token_secret or "
        "oauth.refresh_token_secret)"
    ]
