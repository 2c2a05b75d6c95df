"""Amounts, dates, lists and plain-text tables in the customer's language (Babel)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.numbers import format_currency

from followup.errors import TemplateError

#: The country whose conventions a bare template language gets.
LOCALES = {"nl": "nl_NL", "en": "en_GB"}

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*$")
# Babel separates a currency sign from the number with a no-break space, and French groups
# thousands with a narrow one; mails get an ordinary space, so what users type is what they find.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


@lru_cache(maxsize=64)
def locale_for(lang: str) -> Locale:
    """The Babel locale of a template language: nl → nl_NL, en → en_GB, de → Babel's de."""
    code = lang.strip()
    if not _LANGUAGE.match(code):
        raise TemplateError(f"not a language code: {lang!r} (expected e.g. 'nl', 'en', 'de')")
    language, _, region = code.replace("-", "_").partition("_")
    ident = f"{language.lower()}_{region}" if region else language.lower()
    try:
        return Locale.parse(LOCALES.get(ident, ident))
    except (UnknownLocaleError, ValueError):
        raise TemplateError(f"unknown language: {lang!r} (Babel has no locale for it)") from None


def money(amount: Decimal, currency: str, lang: str, *, keep_together: bool = False) -> str:
    """An amount in its own currency, never converted: '€ 1.250,00' (nl), '€1,250.00' (en).

    `keep_together` (HTML) joins sign and number with a no-break space, so a line never ends
    between them.
    """
    text = format_currency(amount, currency.strip().upper(), locale=locale_for(lang))
    text = text.translate(_SPACES)
    return text.replace(" ", "\u00a0") if keep_together else text


def long_date(d: date, lang: str) -> str:
    """A date written out: '2 februari 2026' (nl), '2 February 2026' (en)."""
    return format_date(d, format="long", locale=locale_for(lang)).translate(_SPACES)


def short_date(d: date, lang: str) -> str:
    """A compact date for table columns: '2 feb 2026' (nl), '2 Feb 2026' (en)."""
    return format_date(d, format="medium", locale=locale_for(lang)).translate(_SPACES)


def month_year(d: date, lang: str) -> str:
    """A month and its year, as in "klant sinds maart 2019" / "a customer since March 2019"."""
    return format_skeleton("yMMMM", d, locale=locale_for(lang)).translate(_SPACES)


def and_list(items: Iterable[str], lang: str) -> str:
    """Items joined the way the language does it: 'a, b en c' (nl), 'a, b and c' (en)."""
    words = [str(item) for item in items]
    return format_list(words, locale=locale_for(lang)) if words else ""


def money_list(sums: Iterable[Total], lang: str, *, keep_together: bool = False) -> str:
    """Totals in several currencies as one phrase: '€ 1.250,00 en US$ 300,00'."""
    amounts = (money(t.amount, t.currency, lang, keep_together=keep_together) for t in sums)
    return and_list(amounts, lang)


@dataclass(frozen=True)
class Total:
    """A sum of amounts in one currency."""

    currency: str
    amount: Decimal


def totals(amounts: Iterable[tuple[str, Decimal]]) -> list[Total]:
    """Sums per currency, in the order the currencies first appear; zero sums are left out."""
    sums: dict[str, Decimal] = {}
    for currency, amount in amounts:
        sums[currency] = sums.get(currency, Decimal(0)) + amount
    return [Total(currency, amount) for currency, amount in sums.items() if amount]


def text_table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    right: Iterable[int] = (),
    notes: Iterable[str] = (),
) -> str:
    """Plain-text columns, the `right` ones right-aligned; a row's note goes on lines below it."""
    cells = [[str(c) for c in header], *([str(c) for c in row] for row in rows)]
    if any(len(row) != len(header) for row in cells):
        raise ValueError(f"every row of the table needs {len(header)} cells")
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    flush = set(right)
    below = list(notes)
    out = []
    for n, row in enumerate(cells):
        padded = (
            c.rjust(w) if i in flush else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        out.append("   ".join(padded).rstrip())
        note = below[n - 1] if 0 < n <= len(below) else ""
        out.extend(f"  {part.strip()}" for part in str(note).splitlines() if part.strip())
    return "\n".join(out)
