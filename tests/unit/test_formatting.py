"""Amounts, dates and lists as a Dutch or English reader expects them (Babel)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from followup.errors import TemplateError
from followup.mail.formatting import (
    Total,
    and_list,
    locale_for,
    long_date,
    money,
    money_list,
    month_year,
    short_date,
    text_table,
    totals,
)


def test_dutch_amounts_have_the_euro_sign_in_front_and_a_decimal_comma() -> None:
    assert money(Decimal("1250"), "EUR", "nl") == "€ 1.250,00"
    assert money(Decimal("0.5"), "EUR", "nl") == "€ 0,50"


def test_english_amounts_use_british_conventions() -> None:
    assert money(Decimal("1250"), "EUR", "en") == "€1,250.00"


def test_dollars_stay_dollars_and_are_never_converted() -> None:
    assert money(Decimal("1250"), "USD", "nl") == "US$ 1.250,00"
    assert money(Decimal("1250"), "usd", "en") == "US$1,250.00"


def test_amounts_use_plain_spaces_so_what_users_search_for_is_what_they_find() -> None:
    assert "\u00a0" not in money(Decimal("1"), "EUR", "nl")
    assert "\u202f" not in money(Decimal("1250"), "EUR", "fr")


def test_dates_are_written_out_in_the_customers_language() -> None:
    assert long_date(date(2026, 2, 2), "nl") == "2 februari 2026"
    assert long_date(date(2026, 2, 2), "en") == "2 February 2026"
    assert short_date(date(2026, 2, 2), "nl") == "2 feb 2026"
    assert short_date(date(2026, 2, 2), "en") == "2 Feb 2026"


def test_lists_are_joined_the_way_each_language_does_it() -> None:
    assert and_list(["41", "42", "43"], "nl") == "41, 42 en 43"
    assert and_list(["41", "42"], "en") == "41 and 42"
    assert and_list([], "en") == ""


def test_template_languages_map_to_a_country_locale() -> None:
    assert str(locale_for("nl")) == "nl_NL"
    assert str(locale_for("en")) == "en_GB"
    assert str(locale_for("NL")) == "nl_NL"


def test_another_language_gets_babels_default_for_it() -> None:
    assert str(locale_for("de")) == "de"
    assert str(locale_for("nl-BE")) == "nl_BE"
    assert money(Decimal("1250"), "EUR", "de") == "1.250,00 €"


@pytest.mark.parametrize("nonsense", ["", "english", "n1", "xx", "../en"])
def test_a_nonsense_language_is_a_clear_template_error(nonsense: str) -> None:
    with pytest.raises(TemplateError, match="language"):
        locale_for(nonsense)


def test_totals_are_summed_per_currency_in_order_of_appearance_without_zeroes() -> None:
    sums = totals(
        [
            ("USD", Decimal("10")),
            ("EUR", Decimal("1.50")),
            ("USD", Decimal("5")),
            ("GBP", Decimal("0")),
        ]
    )
    assert sums == [Total("USD", Decimal("15")), Total("EUR", Decimal("1.50"))]


def test_a_text_table_aligns_columns_and_puts_notes_under_their_row() -> None:
    table = text_table(
        ["Invoice", "Amount"],
        [["41", "€1.00"], ["2026-0042", "€1,250.00"]],
        right=[1],
        notes=["", "Consulting"],
    )
    assert table.splitlines() == [
        "Invoice        Amount",
        "41              €1.00",
        "2026-0042   €1,250.00",
        "  Consulting",
    ]


def test_a_text_table_refuses_rows_of_the_wrong_width() -> None:
    with pytest.raises(ValueError, match="2 cells"):
        text_table(["a", "b"], [["only one"]])


def test_a_month_and_year_are_written_out_in_the_customers_language() -> None:
    assert month_year(date(2019, 3, 4), "nl") == "maart 2019"
    assert month_year(date(2019, 3, 4), "en") == "March 2019"


def test_in_html_an_amount_keeps_its_sign_and_number_together() -> None:
    assert money(Decimal("1250"), "EUR", "nl", keep_together=True) == "€\u00a01.250,00"
    both = [Total("EUR", Decimal(1)), Total("USD", Decimal(2))]
    assert money_list(both, "nl", keep_together=True) == "€\u00a01,00 en US$\u00a02,00"


def test_a_note_of_several_lines_goes_under_its_row_line_by_line() -> None:
    table = text_table(["Invoice"], [["41"], ["42"]], notes=["", "Consulting\nPay: https://x"])
    assert table.splitlines() == ["Invoice", "41", "42", "  Consulting", "  Pay: https://x"]
