"""Finding Drafts and Sent in what IMAP servers answer to LIST: special-use flags first (Gmail,
Microsoft 365, Dovecot), quoted names and literals, then the configured names as a fallback;
no folder at all is a stop with the folders named."""

from __future__ import annotations

import pytest

from followup.adapters.mailbox.imap import _choose, _listed
from followup.errors import MailerAuthError

GMAIL = [
    b'(\\HasNoChildren) "/" "INBOX"',
    b'(\\HasChildren \\Noselect) "/" "[Gmail]"',
    b'(\\Drafts \\HasNoChildren) "/" "[Gmail]/Drafts"',
    b'(\\HasNoChildren \\Sent) "/" "[Gmail]/Sent Mail"',
]
HOSTING = [  # no special-use: Dutch names, one of them a literal
    b'(\\HasNoChildren) "." INBOX',
    (b'(\\HasNoChildren) "." {8}', b"Concepten"),
    b'(\\HasNoChildren) "." "INBOX.Verzonden items"',
]


def test_special_use_flags_find_gmails_folders() -> None:
    folders = _choose(_listed(("OK", GMAIL)), "Drafts", "Sent")
    assert (folders.drafts, folders.sent, folders.how) == (
        "[Gmail]/Drafts", "[Gmail]/Sent Mail", "special-use flags",
    )  # fmt: skip


def test_without_flags_the_configured_names_are_used_also_below_inbox() -> None:
    folders = _choose(_listed(("OK", HOSTING)), "Concepten", "Verzonden items")
    assert (folders.drafts, folders.sent) == ("Concepten", "INBOX.Verzonden items")
    assert folders.how == "by name: Concepten, INBOX.Verzonden items"


def test_no_drafts_folder_stops_with_the_folders_named() -> None:
    with pytest.raises(MailerAuthError, match=r"no Drafts folder.*INBOX, Concepten"):
        _choose(_listed(("OK", HOSTING)), "Drafts", "Verzonden items")
