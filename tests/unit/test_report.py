"""The run report for people and machines: the summary text and the JSON."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from followup.model import DivisionReport, RunReport, UnreadableRow
from followup.report import report_to_dict, summary

NOW = datetime(2026, 2, 3, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
ROW = UnreadableRow(
    division=123456,
    endpoint="bulk/Cashflow/Receivables",
    row_id="5e1ab1c4-0009",
    reason="DueDate is not a date",
    customer_code="1003",
    customer_name="Restaurant De Molen",
    invoice_number="20260003",
)


def report(*divisions: DivisionReport) -> RunReport:
    return RunReport("run-1", date(2026, 2, 3), False, NOW, list(divisions), NOW)


def test_the_summary_lists_each_row_that_could_not_be_read_with_customer_invoice_and_reason() -> (
    None
):
    nameless = UnreadableRow(123456, "crm/Accounts", "12345", "not a GUID")
    text = summary(report(DivisionReport(123456, unreadable=[ROW, nameless])))
    assert "Rows from Exact that could not be read (2); check these entries in Exact:" in text
    assert (
        "division 123456: 1003 Restaurant De Molen, invoice 20260003: DueDate is not a date "
        "(bulk/Cashflow/Receivables, row 5e1ab1c4-0009)"
    ) in text
    assert "division 123456: customer unknown: not a GUID (crm/Accounts, row 12345)" in text


def test_a_summary_without_unreadable_rows_does_not_mention_them() -> None:
    assert "could not be read" not in summary(report(DivisionReport(123456)))


def test_the_json_report_carries_each_unreadable_row_under_its_division() -> None:
    data = report_to_dict(report(DivisionReport(123456, unreadable=[ROW]), DivisionReport(7)))
    json.dumps(data)  # JSON-ready as it is
    assert data["divisions"][0]["unreadable"] == [
        {
            "division": 123456,
            "endpoint": "bulk/Cashflow/Receivables",
            "row_id": "5e1ab1c4-0009",
            "customer_code": "1003",
            "customer_name": "Restaurant De Molen",
            "invoice_number": "20260003",
            "reason": "DueDate is not a date",
        }
    ]
    assert data["divisions"][1]["unreadable"] == []
