"""The settings sections about the mails: who sends them (`[company]`), how they go out
(`[mail]`, `[mail.mode]`) and in which language (`[languages]`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import EmailStr, Field, field_validator, model_validator

from followup import iban
from followup.model import MailKind, Mode
from followup.settings.backends import GmailMail, OutboxMail
from followup.settings.mailbox import SmtpMail
from followup.settings.section import Section


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
