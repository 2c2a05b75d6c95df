"""What a mail template sees: the planned mail's data, cleaned, plus the sums it needs.

Only data and sums are prepared here; every word a customer reads is in the templates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from followup import iban
from followup.errors import TemplateError
from followup.mail import formatting
from followup.mail.formatting import Total, totals
from followup.mail.mime import one_line
from followup.model import InvoiceLine, MailKind, PlannedMail, Variant
from followup.settings import Company

#: The currency of the Dutch statutory collection costs (WIK): the law's scale is in euros.
WIK_CURRENCY = "EUR"
_UNSAFE_URL = re.compile(r"[\s\"'<>\\`{}|^]")


def website_url(website: str) -> str:
    """The company website as an http(s) link, or '' when it isn't one."""
    site = website.strip()
    if not site:
        return ""
    url = site if "://" in site else f"https://{site}"
    parts = urlsplit(url)
    ok = parts.scheme in ("http", "https") and parts.netloc and not _UNSAFE_URL.search(url)
    return url if ok else ""


def payment_url(link: str) -> str:
    """A payment link fit to put in a mail (https, a host, nothing that breaks out), else ''."""
    url = one_line(link)
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    ok = parts.scheme == "https" and parts.hostname and not _UNSAFE_URL.search(url)
    return url if ok and "@" not in parts.netloc else ""


def first_name(name: str) -> str:
    """A first name to greet with; 'JAN' from a shouting address book becomes 'Jan'."""
    name = one_line(name)
    return name.title() if name.isupper() and len(name) > 1 else name


def signature_lines(company: Company) -> list[str]:
    """`company.signature` line by line, else the display name, phone and website."""
    default = [company.display_name, company.phone, company.website]
    lines = company.signature.splitlines() if company.signature.strip() else default
    return [one_line(s) for s in lines if s.strip()]


@dataclass(frozen=True)
class CompanyView:
    """The company as a template sees it: the settings, with the IBAN written for people."""

    name: str
    display_name: str
    from_name: str
    from_address: str
    reply_to: str | None
    bcc_archive: str | None
    phone: str
    website: str
    signature: str
    iban: str  # in groups of four ('NL91 ABNA 0417 1643 00'), or ''
    account_holder: str  # the name the account is in: never '' when there is an IBAN
    bic: str


def company_view(company: Company) -> CompanyView:
    """The company's settings for the templates."""
    return CompanyView(
        name=company.name,
        display_name=company.display_name,
        from_name=company.from_name,
        from_address=str(company.from_address),
        reply_to=str(company.reply_to) if company.reply_to else None,
        bcc_archive=str(company.bcc_archive) if company.bcc_archive else None,
        phone=company.phone,
        website=company.website,
        signature=company.signature,
        iban=iban.grouped(company.iban) if company.iban else "",
        account_holder=one_line(company.account_holder or company.name),
        bic=company.bic,
    )


def company_context(company: Company, language: str) -> dict[str, Any]:
    """What every template gets: the company, the language and the signature."""
    formatting.locale_for(language)  # fails early, with a clear message, for nonsense
    return {
        "company": company_view(company),
        "language": language,
        "website_url": website_url(company.website),
        "signature_lines": signature_lines(company),
        "contact_email": str(company.reply_to or company.from_address),
    }


def _clean_line(line: InvoiceLine) -> InvoiceLine:
    return replace(
        line,
        invoice_number=one_line(line.invoice_number),
        currency=one_line(line.currency).upper(),
        description=one_line(line.description),
        payment_link=payment_url(line.payment_link),
    )


def paragraphs(text: str) -> list[str]:
    """An owner's text split at blank lines, each paragraph on one line."""
    return [one_line(p) for p in re.split(r"\n\s*\n", text) if p.strip()]


def wording(mail: PlannedMail) -> str:
    """How the mail is written: a reminder's tone, a confirmation's variant ("standard" when
    none is set). Templates see it by that name; its folder may reword the mail."""
    if mail.kind is MailKind.REMINDER:
        return (mail.tone or "").strip().lower()
    return (mail.variant or Variant.STANDARD).strip().lower()


def mail_context(
    mail: PlannedMail, company: Company, upsell: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Everything the templates of one customer mail may use (see templates/README.md)."""
    if not mail.lines:
        raise TemplateError(f"mail {mail.key!r} has no invoice lines to write about")
    language = mail.recipient.language.strip().lower()
    lines = tuple(_clean_line(line) for line in mail.lines)
    recipient = replace(
        mail.recipient,
        email=one_line(mail.recipient.email),
        name=one_line(mail.recipient.name),
        first_name=one_line(mail.recipient.first_name),
    )
    customer = replace(
        mail.customer, name=one_line(mail.customer.name), code=one_line(mail.customer.code)
    )
    costs = mail.collection_costs
    return {
        **company_context(company, language),
        "recipient": recipient,
        "customer": customer,
        "lines": lines,
        "kind": mail.kind.value,
        "tone" if mail.kind is MailKind.REMINDER else "variant": wording(mail),
        "level": mail.level,
        "greeting_name": first_name(recipient.first_name),
        "invoice_numbers": [line.invoice_number for line in lines],
        "settled_lines": [line for line in lines if line.settled],
        "partial_lines": [line for line in lines if not line.settled],
        "totals": totals((line.currency, line.amount) for line in lines),
        "remaining": totals((line.currency, line.remaining) for line in lines if not line.settled),
        "in_transit": totals((line.currency, line.in_transit) for line in lines),
        "has_payment_links": any(line.payment_link for line in lines),
        "first_time": mail.first_time,
        "customer_since": mail.customer_since,
        "pay_within_days": mail.pay_within_days,
        "collection_costs": Total(WIK_CURRENCY, costs) if costs and costs > Decimal(0) else None,
        "offer": paragraphs((upsell or {}).get(language, "")),
    }
