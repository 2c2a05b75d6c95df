"""The named choices of a run: which mail, delivered how, written how, and what became of it."""

from __future__ import annotations

from enum import StrEnum


class MailKind(StrEnum):
    """The kinds of mail followup writes."""

    CONFIRMATION = "confirmation"
    REMINDER = "reminder"
    DIGEST = "digest"  # the owner's summary of a run


CUSTOMER_KINDS = (MailKind.CONFIRMATION, MailKind.REMINDER)  # the mails to customers


class Mode(StrEnum):
    """Deliver a mail as a draft for the owner to review, or send it."""

    DRAFT = "draft"
    SEND = "send"


class Outcome(StrEnum):
    """What became of one planned mail in one run."""

    SENT = "sent"
    DRAFTED = "drafted"
    SKIPPED = "skipped"
    FAILED = "failed"  # may succeed later: retried by the next run
    REJECTED = "rejected"  # refused for good (a bad recipient): not retried
    UNCERTAIN = "uncertain"  # a claim whose delivery can't be verified: never re-sent automatically
    ALREADY_DONE = "already_done"  # delivered by an earlier run
    PLANNED = "planned"  # dry run: would have been delivered


class Tone(StrEnum):
    """How firmly a reminder is written, in rising firmness: each level of the settings' reminder
    levels has one (policy.levels), and a large debt makes a friendly one businesslike."""

    FRIENDLY = "friendly"
    BUSINESSLIKE = "businesslike"
    FINAL = "final"  # the final notice (aanmaning), with the statutory collection costs


class Variant(StrEnum):
    """How a payment confirmation is written."""

    STANDARD = "standard"  # the default
    INFORMAL = "informal"  # chosen per customer in the settings: short and warm
    UPSELL = "upsell"  # chosen per customer in the settings: with the owner's offer
    PERSONAL = "personal"  # a large payment: warmer, and always drafted
    REFUND = "refund"  # a credit note paid back
