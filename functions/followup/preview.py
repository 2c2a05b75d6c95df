"""`followup preview`: every mail kind × language × variant, and the digest, rendered with sample
data into a folder of drafts (.eml), their HTML and text bodies, and an index page."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from followup import bootstrap
from followup.adapters.outbox_folder.mailer import FOLDERS, INDEX
from followup.clock import business_date
from followup.errors import FollowupError, TemplateError
from followup.mail import samples
from followup.mail.compose import DIGEST, Composer
from followup.mail.samples import VARIANTS, sample_mail, sample_report
from followup.model import CUSTOMER_KINDS, MailKind, Mode
from followup.settings import load

MARKER = ".followup-preview"  # a folder with this file is ours to clear
BODIES = "bodies"
KINDS = (*(k.value for k in CUSTOMER_KINDS), DIGEST)


@dataclass(frozen=True)
class Preview:
    """What a preview wrote: the index page and how many mails."""

    index: Path
    mails: int


def preview(
    out: Path,
    now: datetime,
    *,
    config_path: Path | None = None,
    kinds: Sequence[str] = KINDS,
    languages: Sequence[str] = (),
) -> Preview:
    """The preview as `followup preview` makes it: the settings' company, templates, text-only
    choice, offer and payment link when a settings file is given, else the sample company's."""
    settings = None if config_path is None else load(config_path)
    composer = bootstrap.preview_composer(settings)  # a missing template folder: ConfigError
    link = samples.PAYMENT_LINK if settings is None else settings.mail.payment_link
    try:
        return write_preview(
            out, composer, now, kinds=kinds, languages=languages, payment_link=link
        )
    except OSError as exc:
        raise FollowupError(f"preview: can't write to {out}: {exc.strerror or exc}") from None


def write_preview(
    out: Path,
    composer: Composer,
    now: datetime,
    *,
    kinds: Sequence[str] = KINDS,
    languages: Sequence[str] = (),
    payment_link: str = "",
) -> Preview:
    """Render the samples into `out` (cleared first if an earlier preview wrote it)."""
    today = business_date(now)
    report = sample_report(today, now)
    _prepare(out)
    mailer = bootstrap.open_outbox(out)
    written = 0
    for kind in kinds:
        variants = ("",) if kind == DIGEST else VARIANTS[MailKind(kind)]
        for variant in variants:
            for lang in languages or composer.languages(kind):
                name = f"{written + 1:02d}-{kind}-{lang}" + (f"-{variant}" if variant else "")
                # Newest first on the index page: each sample a minute older than the one before.
                when = now - timedelta(minutes=written)
                if kind == DIGEST:
                    rendered = composer.render_digest(report, lang)
                    message = composer.digest(report, lang, when, _owner(composer))
                else:
                    mail = sample_mail(MailKind(kind), variant, lang, today, payment_link)
                    rendered = composer.render(mail)
                    message = composer.message(mail, when)
                mailer.deliver(message, Mode.DRAFT, name)
                _write_bodies(out / BODIES, name, rendered.text, rendered.html)
                written += 1
    return Preview(mailer.write_index(), written)


def _owner(composer: Composer) -> str:
    return str(composer.company.reply_to or composer.company.from_address)


def _write_bodies(folder: Path, name: str, text: str, html: str | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    if html is not None:
        (folder / f"{name}.html").write_text(html, encoding="utf-8")


def _prepare(out: Path) -> None:
    """An empty or earlier preview folder, emptied; anything else is refused, never cleared."""
    if out.exists() and not out.is_dir():
        raise TemplateError(f"{out} is a file, not a folder; choose another --out")
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise TemplateError(
            f"{out} is not empty and was not written by followup preview; choose another --out"
        )
    for sub in (*FOLDERS.values(), BODIES):
        shutil.rmtree(out / sub, ignore_errors=True)
    (out / INDEX).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("Written by `followup preview`; rewritten by the next one.\n")
