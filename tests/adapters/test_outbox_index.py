"""The outbox's pages kept from its records: a run reads and writes only the days it changed,
crashes lose no mail from the index, and an outbox from before the records is taken over."""

from __future__ import annotations

import email.policy
import email.utils
import html
import json
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from followup.adapters.outbox_folder.mailer import OutboxMailer, file_name
from followup.adapters.outbox_folder.records import Entry
from followup.errors import MailerError
from followup.model import Mode

T0 = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)  # Tuesday 3 February 2026, 10:00 in Amsterdam
DAY1, DAY2 = "2026-02-03", "2026-02-04"


def message(
    subject: str, when: datetime = T0, markup: str | None = "<p>Beste Anna,</p>"
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Studio Noord <facturen@studio-noord.nl>"
    msg["To"] = "Anna de Vries <anna@croissant.nl>"
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(when)
    msg.set_content("Beste Anna,\n\nHartelijk dank voor je betaling.\n")
    if markup is not None:
        msg.add_alternative(markup, subtype="html")
    return msg


def index(root: Path) -> str:
    return (root / "index.html").read_text(encoding="utf-8")


def day_page(root: Path, day: str) -> str:
    return (root / "days" / f"{day}.html").read_text(encoding="utf-8")


def stamp(path: Path) -> tuple[int, int]:
    """What changes when a file is written again (atomic writes make a new inode)."""
    info = path.stat()
    return info.st_ino, info.st_mtime_ns


def test_a_run_that_delivers_nothing_writes_no_page(tmp_path: Path) -> None:
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Eerste"), Mode.DRAFT, "first")
    before = {p: stamp(p) for p in (tmp_path / "index.html", tmp_path / "days" / f"{DAY1}.html")}
    OutboxMailer(tmp_path).close()
    assert {p: stamp(p) for p in before} == before


def test_earlier_mails_are_never_read_again(tmp_path: Path) -> None:
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Dag een"), Mode.DRAFT, "first")
    (tmp_path / "drafts" / file_name("first")).write_bytes(b"Subject: not what was delivered\n")
    first_page = stamp(tmp_path / "days" / f"{DAY1}.html")
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Dag twee", T0 + timedelta(days=1)), Mode.SEND, "second")
    page = index(tmp_path)
    assert page.index("Dag twee") < page.index("Dag een")
    assert "not what was delivered" not in page
    assert stamp(tmp_path / "days" / f"{DAY1}.html") == first_page  # only the new day's page
    assert "Dag twee" in day_page(tmp_path, DAY2)
    assert "1 draft, 1 sent, newest first, over 2 days." in page


def test_a_crash_between_record_and_mail_leaves_no_card_and_the_redelivery_one(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "drafts" / file_name("k")
    blocked.mkdir(parents=True)  # the .eml can't be written: as if the run died before it was
    with pytest.raises(MailerError), OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Onderbroken"), Mode.DRAFT, "k")
    assert "Onderbroken" not in index(tmp_path)  # its record is there, its mail is not
    blocked.rmdir()
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Opnieuw"), Mode.DRAFT, "k")
    assert index(tmp_path).count('<div class="mail">') == 1
    assert "Opnieuw" in index(tmp_path)


def test_every_delivered_mail_is_recorded_before_the_run_closes(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path)
    mailer.deliver(message("Eerste"), Mode.DRAFT, "a")
    mailer.deliver(message("Tweede", T0 + timedelta(minutes=1)), Mode.DRAFT, "b")
    # the run dies here, before close(): the next run's pages still have both
    with OutboxMailer(tmp_path) as later:
        later.deliver(message("Derde", T0 + timedelta(minutes=2)), Mode.DRAFT, "c")
    page = index(tmp_path)
    assert page.index("Derde") < page.index("Tweede") < page.index("Eerste")


def test_a_torn_record_spoils_only_itself(tmp_path: Path) -> None:
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Heel"), Mode.DRAFT, "whole")
    with (tmp_path / ".index" / f"{DAY1}.jsonl").open("ab") as records:
        records.write(b'{"path": "drafts/torn')  # a crash in the middle of a record
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Daarna", T0 + timedelta(minutes=1)), Mode.DRAFT, "after")
    page = index(tmp_path)
    assert ("Heel" in page, "Daarna" in page) == (True, True)
    assert page.count('<div class="mail">') == 2


def test_a_mail_written_again_under_its_key_is_shown_once(tmp_path: Path) -> None:
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Eerste versie"), Mode.DRAFT, "same")
        mailer.deliver(message("Tweede versie"), Mode.DRAFT, "same")
    page = index(tmp_path)
    assert page.count('<div class="mail">') == 1
    assert ("Tweede versie" in page, "Eerste versie" in page) == (True, False)


def test_a_deleted_mail_leaves_the_pages_when_its_day_is_made_again(tmp_path: Path) -> None:
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Weg"), Mode.DRAFT, "gone")
    (tmp_path / "drafts" / file_name("gone")).unlink()
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Blijft", T0 + timedelta(minutes=1)), Mode.DRAFT, "stays")
    assert "Weg" not in index(tmp_path)
    assert "1 draft, 0 sent" in index(tmp_path)


def test_lost_day_counts_are_counted_again_from_the_records(tmp_path: Path) -> None:
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Een"), Mode.DRAFT, "a")
        mailer.deliver(message("Twee", T0 + timedelta(days=1)), Mode.SEND, "b")
    (tmp_path / ".index" / "days.json").write_text("{not json")
    (tmp_path / "index.html").unlink()
    OutboxMailer(tmp_path).close()
    assert "1 draft, 1 sent, newest first, over 2 days." in index(tmp_path)


def test_a_big_outbox_shows_the_newest_mails_and_links_each_day_page(tmp_path: Path) -> None:
    with OutboxMailer(tmp_path, shown=3) as mailer:
        for n in range(4):
            mailer.deliver(message(f"Oud {n}", T0 + timedelta(minutes=n)), Mode.DRAFT, f"o{n}")
        for n in range(2):
            when = T0 + timedelta(days=1, minutes=n)
            mailer.deliver(message(f"Nieuw {n}", when), Mode.DRAFT, f"n{n}")
    page = index(tmp_path)
    headings = re.findall(r'<h2 class="day" id="([0-9-]+)">', page)
    assert headings == [DAY2, DAY1]
    assert ("Nieuw 1" in page, "Nieuw 0" in page) == (True, True)
    assert "Oud" not in page  # 4 don't fit in the 1 left: the day is a link
    assert f'<a href="days/{DAY1}.html">its 4 mails on the day\'s page</a>' in page
    assert "6 drafts, 0 sent, newest first, over 2 days. The newest 2 are shown here" in page
    older = day_page(tmp_path, DAY1)
    assert [f"Oud {n}" in older for n in range(4)] == [True] * 4
    assert f'href="../drafts/{file_name("o0")}"' in older
    assert 'href="../index.html"' in older


def test_the_newest_day_is_cut_to_what_the_index_shows(tmp_path: Path) -> None:
    with OutboxMailer(tmp_path, shown=2) as mailer:
        for n in range(3):
            mailer.deliver(message(f"Mail {n}", T0 + timedelta(minutes=n)), Mode.SEND, f"m{n}")
    page = index(tmp_path)
    assert [f"Mail {n}" in page for n in range(3)] == [False, True, True]
    assert f'<a href="days/{DAY1}.html">1 more mail on the day\'s page</a>' in page
    assert '<span class="count">(3)</span>' in page


def test_day_pages_keep_the_policy_the_sandbox_and_the_escaping(tmp_path: Path) -> None:
    evil = '<p>Hoi</p><script>alert("x")</script>'
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("<b>Subject</b>", markup=evil), Mode.DRAFT, "evil")
    page = day_page(tmp_path, DAY1)
    assert "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'" in page
    assert ("<script" in page, "<b>Subject</b>" in page) == (False, False)
    frame = re.search(r'<iframe sandbox="" [^>]*srcdoc="([^"]*)"', page)
    assert frame is not None
    assert html.unescape(frame.group(1)).strip() == evil


def test_an_outbox_from_before_the_records_is_taken_over_once(tmp_path: Path) -> None:
    old = tmp_path / "drafts" / file_name("old")  # as the outbox wrote mails before records
    old.parent.mkdir()
    old.write_bytes(message("Van vroeger").as_bytes(policy=email.policy.SMTP))
    (tmp_path / "index.html").write_text("the old page")
    with OutboxMailer(tmp_path) as mailer:
        mailer.deliver(message("Van nu", T0 + timedelta(days=1)), Mode.DRAFT, "new")
    page = index(tmp_path)
    assert page.index("Van nu") < page.index("Van vroeger")
    assert not list(tmp_path.glob(".index-import-*"))


def test_a_record_of_a_composed_mail_is_the_record_of_its_file(tmp_path: Path) -> None:
    for markup in ("<p>Beste Anna, €&nbsp;12,50</p>", None):
        composed = message("Betaling ontvangen – € 12,50", markup=markup)
        path = OutboxMailer(tmp_path).deliver(composed, Mode.DRAFT, f"k{markup is None}")
        parsed = email.message_from_bytes(
            (tmp_path / path.provider_id).read_bytes(), policy=email.policy.default
        )
        assert isinstance(parsed, EmailMessage)
        now = datetime.now(UTC)
        assert Entry.of(composed, Mode.DRAFT, "p", now) == Entry.of(parsed, Mode.DRAFT, "p", now)


def test_records_are_json_lines_a_person_can_read(tmp_path: Path) -> None:
    OutboxMailer(tmp_path).deliver(message("Leesbaar"), Mode.DRAFT, "k")
    lines = (tmp_path / ".index" / f"{DAY1}.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    assert record["path"] == f"drafts/{file_name('k')}"
    assert record["headers"]["Subject"] == "Leesbaar"
    assert record["when"] == "2026-02-03T09:00:00+00:00"
