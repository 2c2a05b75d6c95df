"""The one settings model: a TOML file, validated at start, with messages that name the key.

The sections live in their own modules (exact.py, mail.py, backends.py, mailbox.py, rules.py);
every name below is importable from here. Reading the file: file.py; the wording of what is
wrong: problems.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, PrivateAttr, ValidationError, model_validator

from followup.errors import ConfigError
from followup.settings import file as settings_file
from followup.settings import profiles as division_profiles
from followup.settings.backends import (
    GMAIL_SECRET_ENV,
    Cloud,
    CloudTasks,
    FileTokens,
    FirestoreLedger,
    GmailMail,
    OutboxMail,
    SecretManagerTokens,
    SqliteLedger,
)
from followup.settings.exact import EXACT_HOSTS, SECRET_ENV, Exact
from followup.settings.mail import Company, Languages, Mail, Modes
from followup.settings.mailbox import MailboxOAuth, SmtpMail
from followup.settings.problems import describe
from followup.settings.rules import Confirmations, Digest, Policy, ReplyWatch, Suppress
from followup.settings.section import Section

__all__ = [
    "EXACT_HOSTS",
    "GMAIL_SECRET_ENV",
    "SECRET_ENV",
    "Cloud",
    "CloudTasks",
    "Company",
    "Exact",
    "FileTokens",
    "FirestoreLedger",
    "GmailMail",
    "Languages",
    "Mail",
    "MailboxOAuth",
    "Modes",
    "OutboxMail",
    "SecretManagerTokens",
    "Settings",
    "SmtpMail",
    "SqliteLedger",
    "load",
    "parse",
]


class Settings(Section):
    """The whole settings file."""

    company: Company
    exact: Exact = Exact()
    tokens: Annotated[FileTokens | SecretManagerTokens, Field(discriminator="backend")] = (
        FileTokens()
    )
    ledger: Annotated[SqliteLedger | FirestoreLedger, Field(discriminator="backend")] = (
        SqliteLedger()
    )
    mail: Mail = Mail()
    policy: Policy = Policy()
    confirmations: Confirmations = Confirmations()
    suppress: Suppress = Suppress()
    digest: Digest = Digest()
    replies: ReplyWatch = ReplyWatch()
    languages: Languages = Languages()
    cloud: Cloud = Cloud()
    # The administrations' own profiles (`[division.N]`), each a whole Settings: settings/
    # profiles.py. Empty: every division mails as [company].
    _profiles: dict[int, Settings] = PrivateAttr(default_factory=dict)

    @property
    def profiles(self) -> dict[int, Settings]:
        """The profile of each administration that has one, by division number."""
        return dict(self._profiles)

    def for_division(self, division: int) -> Settings:
        """The settings division `division` runs with: its profile, or these settings when the
        file has no profiles. With profiles, a division without one is a ConfigError: it would
        otherwise mail in another company's name."""
        if not self._profiles:
            return self
        if division not in self._profiles:
            raise ConfigError(
                [
                    f"division.{division}: no profile ([division.{division}.company] …): every "
                    "administration mails as its own company"
                ]
            )
        return self._profiles[division]

    @model_validator(mode="before")
    @classmethod
    def _default_backends(cls, data: Any) -> Any:
        """A section without `backend` means the embedded default."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for section, default in (("tokens", "file"), ("ledger", "sqlite")):
            if isinstance(data.get(section), dict):
                data[section] = {"backend": default, **data[section]}
        mail = data.get("mail")
        if isinstance(mail, dict) and isinstance(mail.get("transport"), dict):
            data["mail"] = {**mail, "transport": {"backend": "outbox", **mail["transport"]}}
        return data

    @model_validator(mode="after")
    def _need_client(self) -> Settings:
        if not self.exact.client_id:
            raise ValueError("exact.client_id: missing value (the Exact app's client id)")
        if self.exact.sandbox is not None and not isinstance(self.tokens, FileTokens):
            raise ValueError('exact.sandbox: needs the token file ([tokens] backend = "file")')
        return self


def parse(data: dict[str, Any], source: str = "settings", base_dir: Path | None = None) -> Settings:
    """Validate a settings mapping, and each `[division.N]` profile laid over it (settings/
    profiles.py); relative paths are taken from `base_dir`."""
    shared = {k: v for k, v in data.items() if k != "division"}
    problems: list[str] = []
    tables = division_profiles.tables(data.get("division"), problems)
    settings = _validated(shared, source, base_dir)  # the shared settings' mistakes first
    profiles: dict[int, Settings] = {}
    for number, table in sorted(tables.items()):
        try:
            merged = division_profiles.merged(shared, table)
            profiles[number] = _validated(merged, source, base_dir)
        except ConfigError as exc:
            problems += [f"division.{number}.{line}" for line in exc.problems]
    problems += division_profiles.listed_problems(settings.exact.divisions, set(tables))
    if profiles:
        problems += division_profiles.credential_clashes(settings, profiles)
    if problems:
        raise ConfigError(problems, source)
    settings._profiles = profiles
    return settings


def _validated(data: dict[str, Any], source: str, base_dir: Path | None) -> Settings:
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([describe(dict(e)) for e in exc.errors()], source) from None
    return _resolve_paths(settings, base_dir) if base_dir else settings


def load(path: Path) -> Settings:
    """Read and validate a TOML settings file (settings/file.py says what is wrong with it)."""
    return parse(settings_file.read(path), str(path), path.resolve().parent)


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    def under(p: Path) -> Path:
        return p if p.is_absolute() else base / p

    def local(section: Any) -> Any:  # only the file-based backends have a path
        path = getattr(section, "path", None)
        if getattr(section, "ca_file", None):  # the SMTP/IMAP mailbox's own CA bundle
            section = section.model_copy(update={"ca_file": under(section.ca_file)})
        return section.model_copy(update={"path": under(path)}) if path else section

    mail = settings.mail.model_copy(
        update={
            "transport": local(settings.mail.transport),
            "templates": under(settings.mail.templates) if settings.mail.templates else None,
        }
    )
    sandbox = settings.exact.sandbox
    exact = settings.exact.model_copy(update={"sandbox": under(sandbox) if sandbox else None})
    return settings.model_copy(
        update={
            "exact": exact,
            "tokens": local(settings.tokens),
            "ledger": local(settings.ledger),
            "mail": mail,
        }
    )
