"""The outbox's pages, kept up to date from its records at the cost of the days that changed.

Every day has its page, days/<day>.html, with all of its mails. index.html has the totals, a
heading per day (newest first) and the newest mails in full, at most `SHOWN` (the newest day
always, older days whole while they fit), the other days as a link to their page. What each
day came to is kept in .index/days.json with the size of the day's records it was counted
from: a day whose records grew (or whose page is missing) is made again, the others are left
alone. A run that delivered nothing finds nothing grown and writes nothing.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from followup.adapters.outbox_folder import page
from followup.adapters.outbox_folder.files import write_atomically
from followup.adapters.outbox_folder.records import Entry, Journal
from followup.model import Mode

INDEX = "index.html"
DAYS = "days"
COUNTS = "days.json"  # in the records folder
SHOWN = 500  # mails shown in full on index.html


@dataclass(frozen=True)
class _Tally:
    """What a day's records came to, and the size of the records it was counted from."""

    size: int
    drafts: int
    sent: int

    @classmethod
    def of(cls, size: int, mails: list[Entry]) -> _Tally:
        drafts = sum(1 for e in mails if e.mode is Mode.DRAFT)
        return cls(size, drafts, len(mails) - drafts)

    @property
    def mails(self) -> int:
        return self.drafts + self.sent


def refresh(journal: Journal, shown: int = SHOWN) -> Path:
    """Bring the day pages and index.html up to date with the records; the index's path."""
    root = journal.root
    index = root / INDEX
    sizes = journal.sizes()
    tallies = _load(journal.folder / COUNTS)
    stale = {day for day, size in sizes.items() if _stale(root, day, size, tallies.get(day))}
    gone = tallies.keys() - sizes.keys()
    if not stale and not gone and index.is_file():
        return index
    sections: list[str] = []
    showed, left = 0, shown  # mails the index may still show in full
    for day in sorted(sizes, reverse=True):
        mails = _redo(journal, day, sizes[day], tallies) if day in stale else None
        count = tallies[day].mails
        if mails is None and count and left and (not sections or count <= left):
            mails = journal.day(day)  # shown in full: read (and counted again if mails went)
            if _Tally.of(sizes[day], mails) != tallies[day]:
                count = len(_redo(journal, day, sizes[day], tallies, mails))
        if not count:
            continue
        showing = min(count, left) if not sections else (count if count <= left else 0)
        left = left - showing if showing == count else 0  # older days only whole, in order
        sections.append(page.index_section(day, count, (mails or [])[:showing], _page(day)))
        showed += showing
    for day in gone:
        del tallies[day]
        with contextlib.suppress(OSError):
            (root / _page(day)).unlink()
    drafts = sum(t.drafts for t in tallies.values())
    sent = sum(t.sent for t in tallies.values())
    days = sum(1 for t in tallies.values() if t.mails)
    body = page.index_page(drafts, sent, days, showed, sections)
    write_atomically(index, body.encode("utf-8"))
    _save(journal.folder / COUNTS, tallies)
    return index


def _stale(root: Path, day: date, size: int, tally: _Tally | None) -> bool:
    """Whether a day's records grew since it was counted, or its page has gone."""
    if tally is None or tally.size != size:
        return True
    return bool(tally.mails) and not (root / _page(day)).is_file()


def _redo(
    journal: Journal,
    day: date,
    size: int,
    tallies: dict[date, _Tally],
    mails: list[Entry] | None = None,
) -> list[Entry]:
    """Count a day again and write its page (or remove it: no mail of the day is left)."""
    mails = journal.day(day) if mails is None else mails
    tallies[day] = _Tally.of(size, mails)
    target = journal.root / _page(day)
    if mails:
        write_atomically(target, page.day_page(day, mails, f"../{INDEX}").encode("utf-8"))
    else:
        with contextlib.suppress(OSError):
            target.unlink()
    return mails


def _page(day: date) -> str:
    return f"{DAYS}/{day.isoformat()}.html"


def _load(path: Path) -> dict[date, _Tally]:
    """The tallies kept; unreadable ones are none (every day is counted again)."""
    try:
        kept = json.loads(path.read_bytes())
        return {date.fromisoformat(day): _Tally(*map(int, v)) for day, v in kept.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def _save(path: Path, tallies: dict[date, _Tally]) -> None:
    kept = {day.isoformat(): [t.size, t.drafts, t.sent] for day, t in sorted(tallies.items())}
    write_atomically(path, json.dumps(kept, indent=0).encode("utf-8"))
