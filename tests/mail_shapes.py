"""Mails of every kind, language, variant and shape, for the template checks and the spam score.

The languages come from the template folders, so a new language folder is checked without
touching a test.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from followup.mail import samples
from followup.mail.compose import Composer
from followup.mail.environment import default_template_dir, languages
from followup.model import CUSTOMER_KINDS, InvoiceLine, MailKind, PlannedMail
from followup.settings import Company

TODAY = date(2026, 2, 3)
COMPANY = samples.COMPANY
# A payment provider on another domain than the company's: the one other host a mail may link.
PAYMENT_LINK = "https://betaal.voorbeeldkassa.nl/p/{invoice_number}?amount={amount}"
ALLOWED_HOSTS = ("houtwerkjansen.nl", "www.houtwerkjansen.nl", "betaal.voorbeeldkassa.nl")
LANGUAGES = {kind: languages([default_template_dir()], kind.value) for kind in CUSTOMER_KINDS}
CASES = [
    (kind, variant, lang)
    for kind in CUSTOMER_KINDS
    for variant in samples.VARIANTS[kind]
    for lang in LANGUAGES[kind]
]


def composer(company: Company = COMPANY, text_only: bool = False) -> Composer:
    """The built-in templates, with the sample upsell paragraph."""
    return Composer(company, text_only=text_only, upsell=samples.UPSELL)


def line(
    number: str,
    amount: str,
    remaining: str = "0",
    currency: str = "EUR",
    level: int = 1,
    in_transit: str = "0",
    days: int = 9,
) -> InvoiceLine:
    """An invoice line; the payment link follows PAYMENT_LINK."""
    due = TODAY - timedelta(days=days)
    return InvoiceLine(
        entry_id=f"item-{number}",
        invoice_number=number,
        invoice_date=due - timedelta(days=14),
        due_date=due,
        amount=Decimal(amount),
        currency=currency,
        invoice_total=Decimal(amount) + Decimal(remaining),
        remaining=Decimal(remaining),
        payment_date=TODAY - timedelta(days=1),
        days_overdue=days,
        description="Website onderhoud januari",
        level=level,
        payment_link=PAYMENT_LINK.format(invoice_number=number, amount=amount),
        in_transit=Decimal(in_transit),
    )


SHAPES: dict[str, tuple[InvoiceLine, ...]] = {
    "one invoice": (line("2026-0042", "1250"),),
    "a partial payment": (line("2026-0042", "500", remaining="750"),),
    "two invoices": (line("2026-0041", "1250", level=2, days=25), line("2026-0042", "300")),
    "a partial and a settled invoice": (
        line("2026-0041", "1250"),
        line("2026-0042", "300", remaining="200", in_transit="100"),
    ),
    "many invoices": tuple(line(f"2026-00{40 + i}", "100", level=1 + i % 3) for i in range(5)),
    "dollars": (line("2026-0042", "1250", currency="USD"),),
    "two currencies": (line("2026-0041", "1250"), line("2026-0042", "300", currency="USD")),
    "an invoice not yet at a level": (line("2026-0042", "80", level=0, days=2),),
}


def mail(
    kind: MailKind, variant: str, lang: str, shape: str | None = None, **changes: object
) -> PlannedMail:
    """The sample mail of this kind, variant and language, with the lines of `shape`."""
    planned = samples.sample_mail(kind, variant, lang, TODAY, PAYMENT_LINK)
    if shape is not None:
        lines = SHAPES[shape]
        if kind is MailKind.REMINDER and variant == "final":
            top = max(x.level for x in lines)
            lines = tuple(replace(x, level=3) if x.level == top else x for x in lines)
        planned = replace(planned, lines=lines, level=max(x.level for x in lines) or 1)
    return replace(planned, **changes)  # type: ignore[arg-type]
