"""Bank account numbers as customers see them: the IBAN (ISO 13616, mod-97 checked) and the BIC."""

from __future__ import annotations

import re

__all__ = ["bic", "grouped", "iban"]

_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
#: IBAN lengths of the SEPA countries (the ISO 13616 registry); others only get 15 to 34.
LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28,
    "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
    "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "VA": 22,
}  # fmt: skip


def _compact(text: str) -> str:
    return "".join(text.split()).upper()


def iban(text: str) -> str:
    """The IBAN in its stored form (upper case, no spaces); ValueError saying what is wrong."""
    value = _compact(text)
    if not _IBAN.fullmatch(value):
        raise ValueError(
            "not an IBAN: expected a country code, two check digits and the account number "
            "(like NL91 ABNA 0417 1643 00)"
        )
    expected = LENGTHS.get(value[:2])
    if expected is not None and len(value) != expected:
        raise ValueError(
            f"{grouped(value)} is not an IBAN: IBANs of {value[:2]} have {expected} characters, "
            f"this one has {len(value)}"
        )
    # ISO 13616: the first four characters to the end, letters as 10..35, the number mod 97 is 1.
    digits = "".join(str(int(ch, 36)) for ch in value[4:] + value[:4])
    if int(digits) % 97 != 1:
        raise ValueError(f"{grouped(value)} is not an IBAN: its check digits don't match (a typo?)")
    return value


def bic(text: str) -> str:
    """The BIC (SWIFT code) in upper case: 8 or 11 characters; ValueError when not one."""
    value = _compact(text)
    if not _BIC.fullmatch(value):
        raise ValueError("not a BIC: expected 8 or 11 letters and digits (like ABNANL2A)")
    return value


def grouped(value: str) -> str:
    """An IBAN as it is written for people: in groups of four ('NL91 ABNA 0417 1643 00')."""
    compact = _compact(value)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
