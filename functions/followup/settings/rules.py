"""The settings sections that steer policy: levels, tiers, variants, suppression, the digest."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, EmailStr, Field, field_validator, model_validator

from followup.model import Mode, Tone, Variant
from followup.settings.section import Section

#: The confirmation variants the settings choose per customer; policy chooses the others
#: (personal for a large payment, refund for money paid back).
CHOSEN_VARIANTS = (Variant.STANDARD, Variant.INFORMAL, Variant.UPSELL)


def _chosen_variant(value: object) -> object:
    """Only a variant the settings may choose, refused in the words pydantic uses elsewhere."""
    if value not in CHOSEN_VARIANTS:
        *first, last = (repr(v.value) for v in CHOSEN_VARIANTS)
        raise ValueError(f"Input should be {', '.join(first)} or {last}")
    return value


ChosenVariant = Annotated[Variant, BeforeValidator(_chosen_variant)]

FINAL_TERM_DAYS = 14  # art. 6:96 lid 6 BW: the notice before collection costs gives 14 days


class Level(Section):
    """One reminder level: from how many days past due, in which tone, asking what."""

    days: int = Field(ge=1, le=365)
    tone: Tone
    pay_within_days: int = Field(default=7, ge=1, le=60)
    collection_costs: bool = False  # state the statutory (WIK) costs that would apply


DEFAULT_LEVELS = (
    Level(days=7, tone=Tone.FRIENDLY),
    Level(days=21, tone=Tone.BUSINESSLIKE),
    Level(days=35, tone=Tone.FINAL, pay_within_days=14, collection_costs=True),
)


class Tiers(Section):
    """Reminder tone by the customer's total outstanding (in the division's currency, EUR)."""

    call_above: Decimal = Field(default=Decimal(5000), ge=0)  # drafted, "call this customer"
    formal_from: Decimal = Field(default=Decimal(1000), ge=0)  # at least businesslike

    @model_validator(mode="after")
    def _ordered(self) -> Tiers:
        if self.formal_from > self.call_above:
            raise ValueError("formal_from must not be above call_above")
        return self


class Policy(Section):
    """When which mail is due."""

    lookback_days: int = Field(default=1, ge=1, le=31)
    late_match_days: int = Field(default=14, ge=0, le=90)
    levels: tuple[Level, ...] = DEFAULT_LEVELS
    reminder_interval_days: int = Field(default=7, ge=0, le=90)  # per customer
    tiers: Tiers = Tiers()
    reminders_on_working_days_only: bool = True  # Dutch public holidays and weekends
    confirmations_on_working_days_only: bool = False
    max_sends_per_run: int = Field(default=50, ge=0)  # above it, everything is drafted
    # Reminders wait while the newest bank statement line in Exact is older than this many
    # working days (0: don't check): "you haven't paid" goes to people who have, otherwise.
    bank_statements_max_age: int = Field(default=3, ge=0, le=60)
    # What a hold does: "skip" (the reminders wait, and go once statements are imported) or
    # "draft" (they are written as drafts for the owner to check).
    bank_statements_hold: Literal["skip", "draft"] = "skip"

    @field_validator("levels")
    @classmethod
    def _levels_rise(cls, levels: tuple[Level, ...]) -> tuple[Level, ...]:
        if not levels:
            raise ValueError("at least one reminder level is needed")
        days = [level.days for level in levels]
        if days != sorted(set(days)):
            raise ValueError("levels must have rising, distinct `days`")
        last = len(levels)
        for n, level in enumerate(levels, start=1):
            if level.tone == Tone.FINAL and n != last:
                raise ValueError(f"levels[{n}]: only the last level can be the final notice")
            if level.collection_costs and level.tone != Tone.FINAL:
                raise ValueError(
                    f'levels[{n}].collection_costs: only the final notice (tone "final") may '
                    "state collection costs"
                )
        if levels[-1].tone == Tone.FINAL:
            if last == 1:
                raise ValueError(
                    "levels[1]: the first reminder can't be the final notice; add a friendlier "
                    "level before it"
                )
            if levels[-1].pay_within_days < FINAL_TERM_DAYS:
                raise ValueError(
                    f"levels[{last}].pay_within_days: a final notice gives at least "
                    f"{FINAL_TERM_DAYS} days to pay (art. 6:96 lid 6 BW)"
                )
        return levels

    @property
    def final_level(self) -> int:
        """The level of the final notice (the last level, when its tone is "final"); 0: none."""
        return len(self.levels) if self.levels[-1].tone == Tone.FINAL else 0

    def level_for(self, days_overdue: int) -> int:
        """The level (1-based) an invoice this many days overdue has reached; 0 for none."""
        return sum(1 for level in self.levels if days_overdue >= level.days)


class VariantRule(Section):
    """Customers (by code or Exact classification) who get a confirmation variant."""

    variant: ChosenVariant
    customers: list[str] = Field(default_factory=list)
    classifications: list[str] = Field(default_factory=list)


class Confirmations(Section):
    """How payment confirmations are written."""

    default_variant: ChosenVariant = Variant.STANDARD
    rules: list[VariantRule] = Field(default_factory=list)  # the first that matches wins
    upsell: dict[str, str] = Field(default_factory=dict)  # the offer paragraph, per language
    large_payment: Decimal = Field(default=Decimal(5000), ge=0)  # personal variant, drafted
    welcome_within_days: int = Field(default=60, ge=0, le=366)  # "welcome as a customer"

    @model_validator(mode="after")
    def _upsell_needs_text(self) -> Confirmations:
        upsell = Variant.UPSELL
        wants = self.default_variant == upsell or any(r.variant == upsell for r in self.rules)
        if wants and not any(text.strip() for text in self.upsell.values()):
            raise ValueError("the upsell variant needs an offer paragraph: confirmations.upsell")
        return self

    def variant_for(self, code: str, classification: str | None) -> Variant:
        """The variant for one customer: the first matching rule, else the default."""
        for rule in self.rules:
            if code in rule.customers or (
                classification and classification in rule.classifications
            ):
                return rule.variant
        return self.default_variant


class Suppress(Section):
    """Never chase these customers (codes) or invoices (numbers)."""

    customers: list[str] = Field(default_factory=list)
    invoices: list[str] = Field(default_factory=list)


class ReplyWatch(Section):
    """`[replies]`: each run looks for answers to the reminders, and a customer's answer pauses
    their reminders for `pause_days` (Gmail then needs gmail.metadata: `followup auth gmail`)."""

    enabled: bool = False
    pause_days: int = Field(default=14, ge=1, le=365)
    # How far back the reminders go whose answers are looked for.
    lookback_days: int = Field(default=60, ge=1, le=365)


class Digest(Section):
    """The owner's daily summary mail."""

    enabled: bool = False
    to: EmailStr | None = None
    mode: Mode = Mode.SEND
    # The language of the digest and of `followup run`'s summary; "": [languages] default.
    language: str = ""

    @model_validator(mode="after")
    def _needs_address(self) -> Digest:
        if self.enabled and self.to is None:
            raise ValueError("digest.to: missing value (the digest is enabled)")
        return self
