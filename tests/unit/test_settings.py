"""Settings: one TOML file, validated at start, each problem named by its key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from followup import settings
from followup.errors import ConfigError
from followup.model import MailKind, Mode

MINIMAL: dict[str, Any] = {
    "company": {"name": "Test B.V.", "from_address": "admin@test.example.nl"},
    "exact": {"client_id": "abc"},
}


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        settings.parse(data)
    return caught.value.problems


def with_(section: str, **values: Any) -> dict[str, Any]:
    return {**MINIMAL, section: {**MINIMAL.get(section, {}), **values}}


def test_minimal_settings_get_the_embedded_defaults() -> None:
    loaded = settings.parse(MINIMAL)
    assert loaded.exact.base_url == "https://start.exactonline.nl"
    assert loaded.tokens.backend == "file"
    assert loaded.ledger.backend == "sqlite"
    assert loaded.mail.transport.backend == "outbox"
    assert loaded.mail.mode.for_kind(MailKind.CONFIRMATION) is Mode.DRAFT
    assert loaded.mail.mode.for_kind(MailKind.REMINDER) is Mode.DRAFT
    assert loaded.company.display_name == "Test B.V."


def test_every_kind_of_mistake_is_named_by_its_key() -> None:
    found = problems(
        {
            "company": {"name": "X", "from_address": "nope", "reply_to": "a@", "colour": "red"},
            "exact": {"client_id": "c", "divisions": ["one"], "base_url": "https://example.com"},
            "mail": {"mode": {"reminder": "shout"}, "transport": {"backend": "pigeon"}},
            "policy": {"reminder_days_overdue": 0},
        }
    )
    text = "\n".join(found)
    assert "company.from_address: invalid e-mail address ('nope')" in text
    assert "company.reply_to: invalid e-mail address" in text
    assert "company.colour: unknown key" in text
    assert "exact.divisions.0: wrong type" in text
    assert "exact.base_url: must be one of the Exact Online country sites" in text
    assert "mail.mode.reminder:" in text
    assert "mail.transport.backend: unknown backend 'pigeon'" in text
    assert "policy.reminder_days_overdue:" in text


def test_a_missing_section_or_client_id_is_named() -> None:
    assert problems({}) == ["company: missing value"]
    assert problems({"company": MINIMAL["company"]}) == [
        "exact.client_id: missing value (the Exact app's client id)"
    ]


def test_the_client_secret_comes_from_the_environment_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded = settings.parse(with_("exact", client_secret="from-file"))
    assert loaded.exact.secret() == "from-file"
    monkeypatch.setenv(settings.SECRET_ENV, "from-env")
    assert loaded.exact.secret() == "from-env"
    assert "from-file" not in repr(loaded)


def test_relative_paths_are_taken_from_the_settings_file(tmp_path: Path) -> None:
    config = tmp_path / "conf" / "followup.toml"
    config.parent.mkdir()
    config.write_text(
        '[company]\nname = "T"\nfrom_address = "a@t.example.nl"\n[exact]\nclient_id = "c"\n'
        '[ledger]\npath = "data/ledger.sqlite3"\n'
    )
    loaded = settings.load(config)
    assert loaded.ledger.path == config.parent / "data" / "ledger.sqlite3"
    assert loaded.tokens.path == config.parent / "state" / "exact-tokens.json"


def test_country_sites_and_local_sandboxes_are_accepted() -> None:
    assert settings.parse(
        with_("exact", base_url="https://start.exactonline.be/")
    ).exact.base_url == ("https://start.exactonline.be")
    local = settings.parse(with_("exact", base_url="http://127.0.0.1:8080"))
    assert local.exact.base_url == "http://127.0.0.1:8080"


def test_languages_map_exact_codes_to_template_folders() -> None:
    langs = settings.parse(MINIMAL).languages
    assert langs.for_exact("NL") == "nl"
    assert langs.for_exact(" en ") == "en"
    assert langs.for_exact("DE") == "en"
    assert langs.for_exact("") == "nl"


def test_the_iban_is_stored_compact_and_the_account_holder_defaults_to_the_name() -> None:
    company = settings.parse(
        with_("company", iban="nl91 abna 0417 1643 00", bic="abnanl2a")
    ).company
    assert company.iban == "NL91ABNA0417164300"
    assert company.bic == "ABNANL2A"
    assert company.account_holder == "Test B.V."
    named = settings.parse(with_("company", account_holder="J. Jansen h.o.d.n. Test")).company
    assert named.account_holder == "J. Jansen h.o.d.n. Test"
    assert named.iban == ""  # optional: `followup doctor` warns when nothing says where to pay
    assert named.bic == ""


def test_a_wrong_iban_or_bic_is_named_by_its_key() -> None:
    assert problems(with_("company", iban="NL92 ABNA 0417 1643 00")) == [
        "company.iban: NL92 ABNA 0417 1643 00 is not an IBAN: its check digits don't match "
        "(a typo?)"
    ]
    [short] = problems(with_("company", iban="NL91ABNA041716430"))
    assert short.startswith("company.iban: ")
    assert "IBANs of NL have 18 characters, this one has 17" in short
    [bic] = problems(with_("company", iban="NL91ABNA0417164300", bic="ABNA"))
    assert bic.startswith("company.bic: not a BIC")
