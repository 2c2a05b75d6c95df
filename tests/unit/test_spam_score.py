"""Every mail, as the outbox writes it, scores well under SpamAssassin's threshold.

SpamAssassin (the Debian package, installed by `make install-dev`) runs once over an mbox of
all the messages, with local tests only: no network, no Bayes, no learning. Run with `-s` to
see the score of each mail.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
import shutil
import subprocess
import time
from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from followup.mail.compose import Composer
from followup.mail.samples import sample_report
from followup.model import MailKind
from mail_shapes import CASES, COMPANY, TODAY, composer, mail

NOW = datetime(2026, 2, 3, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
LIMIT = 2.5  # SpamAssassin's own threshold is 5.0: stay well under it
SPAMASSASSIN = shutil.which("spamassassin")
STATUS = re.compile(r"score=(-?[\d.]+) required=[\d.]+ tests=(.*?)(?: autolearn=| version=|$)")


def messages() -> dict[str, EmailMessage]:
    """Every kind × variant × language, in several shapes, text-only too, and the digests."""
    full, plain = composer(), composer(text_only=True)
    found: dict[str, EmailMessage] = {}
    for kind, variant, lang in CASES:
        for shape in (None, "many invoices", "two currencies"):
            name = f"{kind.value}/{lang}/{variant}/{shape or 'sample'}"
            found[name] = full.message(replace(mail(kind, variant, lang, shape), key=name), NOW)
        name = f"{kind.value}/{lang}/{variant}/text only"
        found[name] = plain.message(replace(mail(kind, variant, lang), key=name), NOW)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    final = mail(MailKind.REMINDER, "final", "nl")
    found["reminder/nl/final/with a pdf"] = full.message(
        replace(final, key="with a pdf"), NOW, attachments=[("2026-0061.pdf", pdf)]
    )
    digest = Composer(COMPANY)
    report = sample_report(TODAY, NOW)
    capped = sample_report(TODAY, NOW)
    capped.divisions[0].notes.append(
        "SAFETY CAP: 64 mails would have been sent, more than the cap of 50; all were drafted"
    )
    for lang in digest.languages("digest"):
        found[f"digest/{lang}"] = digest.digest(report, lang, NOW, "eigenaar@houtwerkjansen.nl")
        found[f"digest/{lang}/safety cap"] = digest.digest(
            capped, lang, NOW, "eigenaar@houtwerkjansen.nl"
        )
    return found


def score_all(found: dict[str, EmailMessage], folder: Path) -> dict[str, tuple[float, str]]:
    """One spamassassin run over an mbox of all messages: name → (score, rules hit)."""
    assert SPAMASSASSIN is not None
    box = mailbox.mbox(folder / "in.mbox")
    by_id = {}
    for name, message in found.items():
        raw = message.as_bytes(policy=email.policy.SMTP)  # what the outbox writes
        box.add(mailbox.mboxMessage(raw.replace(b"\r\n", b"\n")))
        by_id[str(message["Message-ID"])] = name
    box.close()
    with (folder / "in.mbox").open("rb") as source:
        done = subprocess.run(  # noqa: S603 - a fixed command on our own file
            [SPAMASSASSIN, "--local", "--mbox", "--nocreate-prefs", "--cf=use_bayes 0"],
            stdin=source,
            capture_output=True,
            timeout=300,
            check=True,
        )
    (folder / "out.mbox").write_bytes(done.stdout)
    scores = {}
    for scored in mailbox.mbox(folder / "out.mbox"):
        parsed = email.message_from_bytes(scored.as_bytes(), policy=email.policy.default)
        status = " ".join(str(parsed["X-Spam-Status"]).split())
        match = STATUS.search(status)
        assert match, status
        rules = match[2].replace(" ", "")
        scores[by_id[str(parsed["Message-ID"]).strip()]] = (float(match[1]), rules)
    return scores


@pytest.mark.skipif(SPAMASSASSIN is None, reason="spamassassin not installed (make install-dev)")
def test_every_mail_scores_well_under_the_spam_threshold(tmp_path: Path) -> None:
    found = messages()
    started = time.monotonic()
    scores = score_all(found, tmp_path)
    took = time.monotonic() - started

    assert set(scores) == set(found)
    print(f"\nSpamAssassin (local tests), {len(scores)} mails in {took:.1f} s:")
    for name, (score, rules) in sorted(scores.items(), key=lambda s: -s[1][0]):
        print(f"  {score:5.1f}  {name}  {rules}")
    worst = {name: s for name, s in scores.items() if s[0] >= LIMIT}
    assert not worst, worst
    assert {n.split("/")[0] for n in scores} == {k.value for k in MailKind}
