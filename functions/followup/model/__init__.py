"""Values that flow through a run: what Exact told us, what policy planned, what happened.

One module per part of the run; import them from here (`from followup.model import Receivable`).
"""

from __future__ import annotations

from followup.model.choices import CUSTOMER_KINDS, MailKind, Mode, Outcome, Tone, Variant
from followup.model.exact_data import (
    Account,
    BankStatements,
    Contact,
    DivisionData,
    Receivable,
    UnreadableRow,
    Watermark,
)
from followup.model.plan import Customer, InvoiceLine, Pause, Plan, PlannedMail, Recipient, Skip
from followup.model.records import Claim, Delivery, LastReminder, Reply, SentReminder
from followup.model.run_report import DivisionReport, ReportEntry, RunReport
from followup.model.tokens import TokenSet

__all__ = [
    "CUSTOMER_KINDS",
    "Account",
    "BankStatements",
    "Claim",
    "Contact",
    "Customer",
    "Delivery",
    "DivisionData",
    "DivisionReport",
    "InvoiceLine",
    "LastReminder",
    "MailKind",
    "Mode",
    "Outcome",
    "Pause",
    "Plan",
    "PlannedMail",
    "Receivable",
    "Recipient",
    "Reply",
    "ReportEntry",
    "RunReport",
    "SentReminder",
    "Skip",
    "TokenSet",
    "Tone",
    "UnreadableRow",
    "Variant",
    "Watermark",
]
