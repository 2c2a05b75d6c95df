"""Sample mails and a sample run report, dated relative to today: for `followup preview` and the
template checks. Built from model objects, the way policy builds them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from followup import reasons
from followup.model import (
    Customer,
    DivisionReport,
    InvoiceLine,
    MailKind,
    Mode,
    Outcome,
    PlannedMail,
    Recipient,
    ReportEntry,
    RunReport,
    Tone,
    UnreadableRow,
    Variant,
)
from followup.policy.wik import collection_costs
from followup.settings import Company

#: Every variant (confirmations) or tone (reminders) a template must handle.
VARIANTS: dict[MailKind, tuple[Variant | Tone, ...]] = {
    MailKind.CONFIRMATION: tuple(Variant),
    MailKind.REMINDER: tuple(Tone),
}

COMPANY = Company(
    name="Houtwerk Jansen B.V.",
    from_name="Houtwerk Jansen",
    from_address="administratie@houtwerkjansen.nl",
    reply_to="info@houtwerkjansen.nl",
    bcc_archive="archief@houtwerkjansen.nl",
    phone="030 234 56 78",
    website="www.houtwerkjansen.nl",
    signature="Marieke Jansen\nHoutwerk Jansen B.V.\n030 234 56 78\nwww.houtwerkjansen.nl",
    iban="NL44 RABO 0123 4567 89",
)
PAYMENT_LINK = "https://betalen.houtwerkjansen.nl/factuur/{invoice_number}?bedrag={amount}"
UPSELL = {
    "nl": "Wist u dat wij ook onderhoud aan houten kozijnen doen? Met een jaarlijkse "
    "onderhoudsbeurt gaan ze jaren langer mee. Beantwoord deze mail als u daar meer over wilt "
    "weten, dan maken wij graag een afspraak.",
    "en": "Did you know that we also maintain wooden window frames? A yearly service makes them "
    "last for years longer. Reply to this email if you would like to know more, and we will "
    "gladly make an appointment.",
}


@dataclass(frozen=True)
class _Who:
    """A sample customer, in Dutch and in English."""

    code: str
    nl: tuple[str, str, str]  # company name, contact's first and last name
    en: tuple[str, str, str]


_WHO = {
    "standard": _Who(
        "1001", ("Bakkerij Van Dam", "Sanne", "van Dam"), ("Harbour Bakery Ltd", "Emma", "Clarke")
    ),
    "informal": _Who(
        "1002", ("Studio Lotte", "Lotte", "Visser"), ("Studio Maple", "Olivia", "Reid")
    ),
    "upsell": _Who(
        "1003", ("Fietsenmakerij De Spaak", "Joost", "Mulder"), ("Spoke & Wheel", "Jack", "Evans")
    ),
    "personal": _Who(
        "1004",
        ("Hotel De Zeven Provinciën", "Willem", "de Boer"),
        ("The Old Mill Hotel", "William", "Hughes"),
    ),
    "refund": _Who("1005", ("Tandartspraktijk Smit", "", ""), ("Smith Dental Practice", "", "")),
    "friendly": _Who(
        "2001", ("Kapsalon Knip & Krul", "Fatima", "El Amrani"), ("Cut & Curl", "Amelia", "Khan")
    ),
    "businesslike": _Who(
        "2002",
        ("Installatiebedrijf Bosman", "Pieter", "Bosman"),
        ("Bosman Installations", "Peter", "Bosman"),
    ),
    "final": _Who("2003", ("Restaurant De Gouden Leeuw", "", ""), ("The Golden Lion", "", "")),
}


def _line(
    today: date,
    number: str,
    amount: str,
    *,
    age: int,
    description: str,
    remaining: str = "0",
    level: int = 0,
    link: str = "",
    in_transit: str = "0",
    paid: bool = True,
) -> InvoiceLine:
    invoice_date = today - timedelta(days=age)
    due = invoice_date + timedelta(days=14)
    url = link.format(invoice_number=number, amount=amount, currency="EUR", customer_code="")
    return InvoiceLine(
        entry_id=f"sample-{number}",
        invoice_number=number,
        invoice_date=invoice_date,
        due_date=due,
        amount=Decimal(amount),
        currency="EUR",
        invoice_total=Decimal(amount) + Decimal(remaining) + Decimal(in_transit),
        remaining=Decimal(remaining),
        payment_date=today - timedelta(days=1) if paid else None,
        days_overdue=0 if paid else (today - due).days,
        description=description,
        level=level,
        payment_link=url,
        in_transit=Decimal(in_transit),
    )


def _lines(wording: str, today: date, link: str) -> tuple[InvoiceLine, ...]:
    y = today.year
    if wording == "standard":
        return (
            _line(today, f"{y}-0112", "1250.00", age=30, description="Eikenhouten tafel op maat"),
            _line(
                today, f"{y}-0118", "400.00", age=21, remaining="350.00", description="Vier stoelen"
            ),
        )
    if wording in ("informal", "upsell"):
        return (_line(today, f"{y}-0131", "685.50", age=16, description="Boekenkast, eiken"),)
    if wording == "personal":
        return (
            _line(today, f"{y}-0097", "6200.00", age=35, description="Lobbybalie, walnoot"),
            _line(today, f"{y}-0104", "2250.00", age=28, description="Wandpanelen ontvangstruimte"),
        )
    if wording == "refund":
        return (
            _line(today, f"CN{y}-004", "150.00", age=5, description="Creditnota: kras in blad"),
        )
    if wording == "friendly":
        return (
            _line(today, f"{y}-0120", "540.00", age=26, description="Kapsalonbank, gestoffeerd",
                  level=1, link=link, paid=False),
        )  # fmt: skip
    if wording == "businesslike":
        return (
            _line(today, f"{y}-0088", "1450.00", age=40, description="Werkbank met lades",
                  level=2, link=link, paid=False),
            _line(today, f"{y}-0127", "980.00", age=24, description="Schuifdeurkast",
                  level=1, link=link, in_transit="200.00", paid=False),
        )  # fmt: skip
    return (
        _line(today, f"{y}-0061", "2400.00", age=52, description="Bar en achterwand, eiken",
              level=3, link=link, paid=False),
        _line(today, f"{y}-0079", "860.00", age=38, description="Terrasbanken",
              level=2, link=link, paid=False),
        _line(today, f"{y}-0125", "315.00", age=23, description="Menuborden",
              level=1, link=link, paid=False),
    )  # fmt: skip


def sample_mail(
    kind: MailKind, wording: str, lang: str, today: date, link: str = ""
) -> PlannedMail:
    """One realistic mail of this kind, variant (confirmations) or tone (reminders), and
    language."""
    who = _WHO[wording]
    name, first, last = who.nl if lang == "nl" else who.en
    lines = _lines(wording, today, link)
    reminder = kind is MailKind.REMINDER
    final = wording == "final"
    level = max((line.level for line in lines), default=0)
    local = (first or "administratie").lower()
    domain = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
    mail = PlannedMail(
        key=f"preview:{kind.value}:{lang}:{wording}",
        division=1,
        kind=kind,
        mode=Mode.DRAFT,
        customer=Customer(f"acc-{who.code}", who.code, name),
        recipient=Recipient(f"{local}@{domain}.nl", f"{first} {last}".strip() or name, first, lang),
        lines=lines,
        item_ids=tuple(line.entry_id for line in lines),
        level=level,
        tone=Tone(wording) if reminder else None,
        variant=None if reminder else Variant(wording),
        reason="preview",
        first_time=wording == "informal",
        customer_since=date(today.year - 7, 3, 1) if wording in ("standard", "personal") else None,
        pay_within_days=(14 if final else 7) if reminder else 0,
    )
    return replace(mail, collection_costs=collection_costs(mail.total)) if final else mail


def sample_report(today: date, now: datetime | None = None) -> RunReport:
    """A run report of two divisions: sent, drafted, skipped, failed, a customer to call."""
    started = now or datetime.combine(today, datetime.min.time(), UTC)
    eur = "EUR"
    main = DivisionReport(
        division=123456,
        outstanding={eur: Decimal("48210.75")},
        overdue={eur: Decimal("17385.00")},
        exact_calls=6,
    )
    conf, rem = MailKind.CONFIRMATION, MailKind.REMINDER

    def who(code: str, name: str) -> Customer:
        return Customer(f"acc-{code}", code, name)

    main.entries += [
        ReportEntry(123456, conf, Outcome.SENT, who("1001", "Bakkerij Van Dam"), "payment",
                    recipient="sanne@bakkerijvandam.nl", invoice_numbers=(f"{today.year}-0112",),
                    amount=Decimal("1250.00"), currency=eur),
        ReportEntry(123456, conf, Outcome.DRAFTED, who("1004", "Hotel De Zeven Provinciën"),
                    "payment", recipient="willem@hotel7provincien.nl", amount=Decimal("8450.00"),
                    invoice_numbers=(f"{today.year}-0097", f"{today.year}-0104"), currency=eur,
                    notes=(reasons.large_payment(Decimal("8450.00")),), variant=Variant.PERSONAL),
        ReportEntry(123456, rem, Outcome.SENT, who("2001", "Kapsalon Knip & Krul"), "level 1",
                    recipient="fatima@knipenkrul.nl", invoice_numbers=(f"{today.year}-0120",),
                    amount=Decimal("540.00"), currency=eur, level=1, tone=Tone.FRIENDLY),
        ReportEntry(123456, rem, Outcome.DRAFTED, who("2004", "Bouwbedrijf Van Leeuwen"), "level 2",
                    recipient="info@vanleeuwenbouw.nl", invoice_numbers=(f"{today.year}-0044",),
                    amount=Decimal("7820.00"), currency=eur, call_customer=True,
                    notes=(reasons.call(Decimal("7820.00"), Decimal(5000)),), level=2,
                    tone=Tone.BUSINESSLIKE),
        ReportEntry(123456, rem, Outcome.SKIPPED, who("2005", "Drukkerij Snelpers"),
                    reasons.NO_EMAIL, invoice_numbers=(f"{today.year}-0071",)),
        ReportEntry(123456, rem, Outcome.SKIPPED, who("2006", "Hovenier Groen"),
                    reasons.paused(today + timedelta(days=10), "levering betwist"),
                    invoice_numbers=(f"{today.year}-0090",)),
        ReportEntry(123456, rem, Outcome.ALREADY_DONE, who("2003", "Restaurant De Molen"),
                    reasons.interval(today - timedelta(days=3), today + timedelta(days=4), 7),
                    invoice_numbers=(f"{today.year}-0101",)),
        ReportEntry(123456, conf, Outcome.FAILED, who("1007", "Café Het Hoekje"),
                    reasons.delivery_failed("mailer: connection reset"),
                    recipient="info@hethoekje.nl",
                    invoice_numbers=(f"{today.year}-0133",), amount=Decimal("96.00"),
                    currency=eur),
        ReportEntry(123456, rem, Outcome.ALREADY_DONE, who("2001", "Kapsalon Knip & Krul"),
                    reasons.ALREADY_DELIVERED),
    ]  # fmt: skip
    main.unreadable.append(
        UnreadableRow(123456, "bulk/Cashflow/Receivables", "5e1a0001", "DueDate is not a date",
                      "2008", "Schildersbedrijf Kwast", f"{today.year}-0139")
    )  # fmt: skip
    other = DivisionReport(division=654321, error="Exact Online: 503 Service Unavailable")
    return RunReport(
        run_id="preview",
        run_date=today,
        dry_run=False,
        started_at=started,
        divisions=[main, other],
        finished_at=started,
    )
