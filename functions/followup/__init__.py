"""followup: payment confirmations and overdue reminders from Exact Online, by mail."""

__version__ = "0.1.0"
