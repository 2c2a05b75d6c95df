"""The one settings model: a TOML file, validated at start, with messages that name the key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    EmailStr,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from followup import iban
from followup.errors import ConfigError
from followup.model import MailKind, Mode
from followup.settings import file as settings_file
from followup.settings.backends import (
    Cloud,
    CloudTasks,
    FileTokens,
    FirestoreLedger,
    GmailMail,
    OutboxMail,
    SecretManagerTokens,
    SqliteLedger,
)
from followup.settings.mailbox import MailboxOAuth, SmtpMail
from followup.settings.rules import Confirmations, Digest, Policy, ReplyWatch, Suppress
from followup.settings.section import Section

__all__ = [  # the backend sections live in backend_settings.py; importable from here too
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

SECRET_ENV = "FOLLOWUP_EXACT_CLIENT_SECRET"  # noqa: S105 - the name of a variable, not a secret
GMAIL_SECRET_ENV = "FOLLOWUP_GMAIL_CLIENT_SECRET"  # noqa: S105 - the name of a variable
EXACT_HOSTS = (
    "start.exactonline.nl",
    "start.exactonline.be",
    "start.exactonline.de",
    "start.exactonline.fr",
    "start.exactonline.es",
    "start.exactonline.co.uk",
    "start.exactonline.com",
)


class Company(Section):
    """Who the mails come from."""

    name: str = Field(min_length=1)
    from_address: EmailStr
    from_name: str = ""
    reply_to: EmailStr | None = None
    bcc_archive: EmailStr | None = None
    phone: str = ""
    website: str = ""
    signature: str = ""
    # Where customers pay: said in every reminder and partial-payment thank-you.
    iban: str = ""  # stored without spaces, upper case; checked (ISO 13616 mod 97)
    account_holder: str = ""  # the name the account is in; empty: the company name
    bic: str = ""  # optional: 8 or 11 characters

    @model_validator(mode="before")
    @classmethod
    def _holder_defaults_to_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and not str(data.get("account_holder") or "").strip():
            return {**data, "account_holder": data.get("name", "")}
        return data

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        return iban.iban(value) if value.strip() else ""

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str) -> str:
        return iban.bic(value) if value.strip() else ""

    @property
    def display_name(self) -> str:
        """The From display name: `from_name`, else the company name."""
        return self.from_name or self.name


class Exact(Section):
    """Where Exact Online is and which administrations to read."""

    base_url: str = "https://start.exactonline.nl"
    client_id: str = ""
    client_secret: SecretStr | None = None
    divisions: list[int] = Field(default_factory=list)
    timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    # A demo's state folder (`followup demo` writes it): the built-in sandbox, not Exact Online.
    sandbox: Path | None = None

    @field_validator("base_url")
    @classmethod
    def _known_base(cls, value: str) -> str:
        value = value.rstrip("/")
        local = value.startswith(("http://127.0.0.1", "http://localhost"))
        if not local and not any(value == f"https://{host}" for host in EXACT_HOSTS):
            hosts = ", ".join(f"https://{h}" for h in EXACT_HOSTS)
            raise ValueError(f"must be one of the Exact Online country sites: {hosts}")
        return value

    @field_validator("divisions")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(d <= 0 for d in value):
            raise ValueError("division numbers are positive integers (see Exact: Administraties)")
        return sorted(set(value))

    def secret(self) -> str:
        """The client secret: the environment wins over the file."""
        from_env = os.environ.get(SECRET_ENV, "")
        if from_env:
            return from_env
        return self.client_secret.get_secret_value() if self.client_secret else ""


class Modes(Section):
    """Draft or send, per mail kind. New installations draft."""

    confirmation: Mode = Mode.DRAFT
    reminder: Mode = Mode.DRAFT

    def for_kind(self, kind: MailKind) -> Mode:
        """The mode of one mail kind."""
        return Mode(getattr(self, kind.value))


class Mail(Section):
    """How mail goes out."""

    transport: Annotated[OutboxMail | GmailMail | SmtpMail, Field(discriminator="backend")] = (
        OutboxMail()
    )
    mode: Modes = Modes()
    text_only: bool = False
    templates: Path | None = None  # an owner's own template folder, tried before the built-in one
    # A link per invoice in reminders; placeholders {invoice_number}, {amount}, {currency},
    # {customer_code}. Its host is the only one besides the company website the mails link to.
    payment_link: str = ""
    attach_invoice_pdf: bool = False  # attach the invoice PDF from Exact to reminders

    @field_validator("payment_link")
    @classmethod
    def _link(cls, value: str) -> str:
        if value and not value.startswith("https://"):
            raise ValueError("must start with https://")
        try:
            value.format(invoice_number="1", amount="1.00", currency="EUR", customer_code="1")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"unknown placeholder {exc}; use {{invoice_number}}, {{amount}}, "
                "{currency} or {customer_code}"
            ) from None
        return value


class Languages(Section):
    """Which template language an Exact language code gets."""

    map: dict[str, str] = Field(default_factory=lambda: {"NL": "nl", "EN": "en"})
    default: str = "nl"  # when Exact has no language for the customer
    other: str = "en"  # any Exact language not in `map`

    @field_validator("map")
    @classmethod
    def _upper(cls, value: dict[str, str]) -> dict[str, str]:
        return {k.strip().upper(): v.strip().lower() for k, v in value.items()}

    def for_exact(self, code: str) -> str:
        """The template language for an Exact language code."""
        code = code.strip().upper()
        if not code:
            return self.default
        return self.map.get(code, self.other)


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


def _describe(error: dict[str, Any]) -> str:
    """One line per problem: the dotted key, then what is wrong, in words."""
    loc = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{loc}: unknown key"
    if kind == "missing":
        return f"{loc}: missing value"
    if kind == "union_tag_invalid":
        expected = error.get("ctx", {}).get("expected_tags", "")
        given = error["input"].get("backend")
        return f"{loc}.backend: unknown backend {given!r} (expected {expected})"
    if kind == "union_tag_not_found":
        return f"{loc}.backend: missing value"
    if kind == "value_error" and "email" in error["msg"].lower():
        return f"{loc}: invalid e-mail address ({error['input']!r})"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{loc}: wrong type: {message.lower()} (got {error['input']!r})"
    return f"{loc}: {message}" if loc else message


def parse(data: dict[str, Any], source: str = "settings", base_dir: Path | None = None) -> Settings:
    """Validate a settings mapping; relative paths are taken from `base_dir`."""
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_describe(dict(e)) for e in exc.errors()], source) from None
    return _resolve_paths(settings, base_dir) if base_dir else settings


def load(path: Path) -> Settings:
    """Read and validate a TOML settings file (settings_file.py says what is wrong with it)."""
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
