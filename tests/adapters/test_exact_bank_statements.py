"""How fresh a division's bank statements are, read from the sandbox over HTTP
(financialtransaction/BankEntryLines, exact/bank_statements.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from followup.exact.client import ExactClient
from followup.exact.queries import ExactOnlineSource
from followup.model import BankStatements
from followup.sandbox.state import SandboxState

DIVISION = 123456
CUTOFF = date(2026, 2, 25)


def _statement_calls(state: SandboxState) -> list[str]:
    return [target for _, _, target in state.calls if "BankEntryLines" in target]


def test_a_statement_line_on_the_cutoff_day_answers_in_one_call(
    state: SandboxState, client: ExactClient
) -> None:
    division = state.add_division(DIVISION, "Bakkerij")
    division.import_statement(date(2026, 2, 20))
    division.import_statement(CUTOFF)

    found = ExactOnlineSource(client).bank_statements(DIVISION, CUTOFF)

    assert found == BankStatements(CUTOFF, current=True)
    assert _statement_calls(state) == [
        f"/api/v1/{DIVISION}/financialtransaction/BankEntryLines?$select=Date"
        "&$filter=Date ge datetime'2026-02-25T00:00:00'&$top=1"
    ]


def test_statements_behind_give_the_newest_line_date(
    state: SandboxState, client: ExactClient
) -> None:
    division = state.add_division(DIVISION, "Bakkerij")
    division.import_statement(date(2026, 1, 5))
    division.import_statement(date(2026, 2, 19))

    found = ExactOnlineSource(client).bank_statements(DIVISION, CUTOFF)

    assert found == BankStatements(CUTOFF, current=False, latest=date(2026, 2, 19))
    assert len(_statement_calls(state)) <= 5  # a week back, then halving the week


def test_statements_months_behind_are_found_in_a_dozen_calls_at_most(
    state: SandboxState, client: ExactClient
) -> None:
    division = state.add_division(DIVISION, "Bakkerij")
    division.import_statement(date(2025, 6, 30))

    found = ExactOnlineSource(client).bank_statements(DIVISION, CUTOFF)

    assert found.latest == date(2025, 6, 30)
    assert len(_statement_calls(state)) <= 12


def test_a_customers_receipt_is_a_statement_line_of_its_day(
    state: SandboxState, client: ExactClient
) -> None:
    division = state.add_division(DIVISION, "Bakkerij")
    customer = division.add_account("1001", "Klant", email="klant@example.nl")
    entry = division.add_invoice(customer, 1, date(2026, 1, 2), date(2026, 1, 16), Decimal(100))
    division.pay(entry, Decimal(100), date(2026, 2, 24))

    found = ExactOnlineSource(client).bank_statements(DIVISION, date(2026, 2, 24))

    assert found.current
    assert not ExactOnlineSource(client).bank_statements(DIVISION, CUTOFF).current


def test_a_division_without_bank_lines_in_a_year_has_no_statements(
    state: SandboxState, client: ExactClient
) -> None:
    state.add_division(DIVISION, "Zonder bank")

    found = ExactOnlineSource(client).bank_statements(DIVISION, CUTOFF)

    assert found == BankStatements(CUTOFF, current=False, latest=None)
    assert len(_statement_calls(state)) == 3
