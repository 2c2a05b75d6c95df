"""The outbox's pages as HTML: cards of mails under a heading per day, every value escaped, each
HTML body in an empty-sandbox iframe, and a policy that runs no script, plugin or form."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

from followup.adapters.outbox_folder.records import Entry
from followup.model import Mode

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'">
<title>{title}</title>
<style>
body {{ font-family: Arial, sans-serif; margin: 24px; color: #1f2933; background: #f5f7fa; }}
.mail {{ background: #fff; border: 1px solid #d5d9de; margin: 0 0 28px 0; padding: 16px; }}
.mail table {{ border-collapse: collapse; margin: 0 0 12px 0; font-size: 14px; }}
.mail th {{ text-align: left; padding: 2px 14px 2px 0; color: #52606d; vertical-align: top; }}
.mode {{ display: inline-block; padding: 1px 8px; border-radius: 3px; font-size: 12px; }}
.draft {{ background: #fdf3d8; }} .send {{ background: #dcf1e3; }}
iframe {{ width: 100%; height: 560px; border: 1px solid #e4e7eb; resize: vertical; }}
pre {{ white-space: pre-wrap; background: #fafbfc; padding: 12px; border: 1px solid #e4e7eb; }}
h2.day {{ margin: 32px 0 12px 0; border-bottom: 2px solid #d5d9de; }} .count {{ color: #52606d; }}
h2.day a {{ font-size: 14px; font-weight: normal; }}
</style>
</head>
<body>
<h1>{heading}</h1>
<p class="summary">{summary}</p>
{mails}
</body>
</html>
"""


def day_title(day: date) -> str:
    """A day as its heading says it: "Tuesday 3 February 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def index_page(drafts: int, sent: int, days: int, shown: int, sections: Sequence[str]) -> str:
    """The index: the totals, then each day's section, newest day first."""
    total = drafts + sent
    summary = (
        f"{drafts} draft{'s' if drafts != 1 else ''}, {sent} sent, newest first"
        + (f", over {days} days." if days > 1 else ".")
        if total
        else "No messages yet."
    )
    if shown < total:
        summary += f" The newest {shown} are shown here; each day's page has all of that day."
    return _PAGE.format(
        title="followup outbox", heading="Outbox", summary=summary, mails="\n".join(sections)
    )


def index_section(day: date, count: int, mails: Sequence[Entry], page: str) -> str:
    """A day on the index: its heading and newest mails; a link to its page for the rest."""
    more = count - len(mails)
    link = html.escape(page, quote=True)
    lines = [_heading(day, count, page), *(card(entry, "") for entry in mails)]
    if more:
        what = f"{more} more mail{'s' if more != 1 else ''}" if mails else f"its {count} mails"
        lines.append(f'<p class="more"><a href="{link}">{what} on the day\'s page</a></p>')
    return "\n".join(lines)


def day_page(day: date, mails: Sequence[Entry], index: str) -> str:
    """One day's page: every mail of the day, newest first, links relative to days/."""
    drafts = sum(1 for e in mails if e.mode is Mode.DRAFT)
    summary = (
        f"{drafts} draft{'s' if drafts != 1 else ''}, {len(mails) - drafts} sent, newest first. "
        f'<a href="{html.escape(index, quote=True)}">Every day</a>'
    )
    section = "\n".join([_heading(day, len(mails), None), *(card(e, "../") for e in mails)])
    title = html.escape(day_title(day))
    return _PAGE.format(
        title=f"followup outbox: {title}", heading=title, summary=summary, mails=section
    )


def _heading(day: date, count: int, page: str | None) -> str:
    link = f' <a href="{html.escape(page, quote=True)}">day page</a>' if page else ""
    return (
        f'<h2 class="day" id="{day.isoformat()}">{html.escape(day_title(day))} '
        f'<span class="count">({count})</span>{link}</h2>'
    )


def card(entry: Entry, up: str) -> str:
    """One mail: its mode, a link to its .eml (`up` leads from the page to the outbox), its
    headers, and its HTML body in a sandboxed frame (or its text)."""
    esc = html.escape
    label = "draft" if entry.mode is Mode.DRAFT else "sent"
    rows = "\n".join(
        f"<tr><th>{esc(name)}</th><td>{esc(value)}</td></tr>"
        for name, value in entry.headers.items()
        if value
    )
    if entry.html is not None:
        # srcdoc, escaped as an attribute; an empty sandbox: no scripts, forms or navigation.
        view = (
            f'<iframe sandbox="" loading="lazy" title="{esc(entry.headers.get("Subject", ""))}" '
            f'srcdoc="{esc(entry.html, quote=True)}"></iframe>'
        )
        if entry.text is not None:
            view += f"\n<details><summary>Text part</summary><pre>{esc(entry.text)}</pre></details>"
    else:
        view = f"<pre>{esc(entry.text or '(no text part)')}</pre>"
    href = up + entry.path
    return (
        f'<div class="mail">\n<p><span class="mode {entry.mode.value}">{label}</span> '
        f'<a href="{esc(href, quote=True)}">{esc(entry.path)}</a></p>\n'
        f"<table>\n{rows}\n</table>\n{view}\n</div>"
    )
