"""IBAN and BIC: checked by ISO 13616's mod 97, stored compact, written in groups of four."""

from __future__ import annotations

import pytest

from followup import iban


@pytest.mark.parametrize(
    "valid",
    [
        "NL91ABNA0417164300",  # the Netherlands: 18 characters
        "NL44RABO0123456789",
        "BE68539007547034",  # Belgium: 16
        "DE89370400440532013000",  # Germany: 22
        "GB82WEST12345698765432",  # a country beyond the euro works too
    ],
)
def test_valid_ibans_of_several_countries_are_accepted_as_they_are(valid: str) -> None:
    assert iban.iban(valid) == valid


def test_lower_case_and_spaced_input_is_stored_upper_case_without_spaces() -> None:
    assert iban.iban(" nl91 abna 0417 1643 00 ") == "NL91ABNA0417164300"
    assert iban.iban("be68\t5390 0754 7034") == "BE68539007547034"


def test_a_wrong_check_digit_is_refused_as_a_typo() -> None:
    with pytest.raises(ValueError, match="check digits don't match"):
        iban.iban("NL92 ABNA 0417 1643 00")


def test_two_swapped_digits_are_caught_by_the_checksum() -> None:
    with pytest.raises(ValueError, match="check digits"):
        iban.iban("NL91 ABNA 0417 1634 00")


@pytest.mark.parametrize("wrong", ["NL91ABNA041716430", "NL91ABNA04171643001", "BE6853900754703"])
def test_a_wrong_length_for_its_country_is_refused_with_the_right_length(wrong: str) -> None:
    country = wrong[:2]
    with pytest.raises(ValueError, match=f"IBANs of {country} have"):
        iban.iban(wrong)


@pytest.mark.parametrize("junk", ["", "NL", "12ABNA0417164300", "NL91 ABNA 0417-1643-00", "IBAN"])
def test_something_that_is_no_iban_at_all_is_refused(junk: str) -> None:
    with pytest.raises(ValueError, match="not an IBAN"):
        iban.iban(junk)


def test_an_iban_is_written_for_people_in_groups_of_four() -> None:
    assert iban.grouped("NL91ABNA0417164300") == "NL91 ABNA 0417 1643 00"
    assert iban.grouped("de89 3704 0044 0532 0130 00") == "DE89 3704 0044 0532 0130 00"


@pytest.mark.parametrize(
    ("given", "stored"), [("abnanl2a", "ABNANL2A"), ("DEUT DE FF 500", "DEUTDEFF500")]
)
def test_a_bic_of_eight_or_eleven_characters_is_accepted(given: str, stored: str) -> None:
    assert iban.bic(given) == stored


@pytest.mark.parametrize("wrong", ["ABNANL2", "ABNANL2AXX", "ABNANL2AXXXX", "1BNANL2A"])
def test_a_bic_of_another_length_or_shape_is_refused(wrong: str) -> None:
    with pytest.raises(ValueError, match="not a BIC"):
        iban.bic(wrong)
