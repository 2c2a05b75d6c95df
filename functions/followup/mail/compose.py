"""Templates → subject, text and HTML → an EmailMessage: customer mails and the owner's digest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from followup.errors import TemplateError
from followup.mail.context import company_context, mail_context, wording
from followup.mail.digest import digest_context
from followup.mail.environment import (
    PARTS,
    PHRASES,
    TEMPLATES_ENV,
    checked_segment,
    default_template_dir,
    environment,
    languages,
    load,
    one_line_subject,
    render,
    search_path,
)
from followup.mail.mime import build_message, mailbox
from followup.model import MailKind, PlannedMail, RunReport
from followup.settings import Company

__all__ = ["TEMPLATES_ENV", "Composer", "Rendered", "default_template_dir", "search_path"]
DIGEST = MailKind.DIGEST.value


@dataclass(frozen=True)
class Rendered:
    """One mail as text: a one-line subject, the text body and the HTML body (None: text only)."""

    subject: str
    text: str
    html: str | None


class Composer:
    """Renders planned mails and digests with the templates of their language."""

    def __init__(
        self,
        company: Company,
        template_dirs: list[Path] | None = None,
        text_only: bool = False,
        upsell: Mapping[str, str] | None = None,
    ) -> None:
        self.company = company
        self.text_only = text_only
        self.upsell = {k.strip().lower(): v for k, v in (upsell or {}).items()}
        self.dirs = list(template_dirs) if template_dirs else [default_template_dir()]
        missing = [str(d) for d in self.dirs if not d.is_dir()]
        if missing:
            raise TemplateError(f"template folder not found: {', '.join(missing)}")
        self._text = environment(self.dirs, html=False)
        self._html = environment(self.dirs, html=True)

    def render(self, mail: PlannedMail) -> Rendered:
        """Subject, text and HTML of one mail; any template problem is a TemplateError."""
        names = self._names(mail.kind.value, mail.recipient.language, wording(mail))
        return self._render_all(names, mail_context(mail, self.company, self.upsell))

    def message(
        self,
        mail: PlannedMail,
        now: datetime,
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> EmailMessage:
        """The mail as a MIME message, ready for a Mailer; `now` becomes its Date.

        `attachments` are (file name, PDF bytes): each becomes an application/pdf part.
        """
        rendered = self.render(mail)
        company = self.company
        return build_message(
            sender=mailbox(company.display_name, str(company.from_address)),
            to=mailbox(mail.recipient.name, mail.recipient.email),
            reply_to=mailbox(company.display_name, str(company.reply_to))
            if company.reply_to
            else None,
            bcc=mailbox("", str(company.bcc_archive)) if company.bcc_archive else None,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            now=now,
            key=mail.key,
            attachments=attachments,
        )

    def render_digest(self, report: RunReport, lang: str) -> Rendered:
        """Subject, text and HTML of the owner's digest of one run."""
        language = lang.strip().lower()
        context = {**company_context(self.company, language), **digest_context(report)}
        return self._render_all(self._names(DIGEST, language, ""), context)

    def digest(self, report: RunReport, lang: str, now: datetime, to: str) -> EmailMessage:
        """The owner's digest of one run as a MIME message to `to`, from the company address."""
        rendered = self.render_digest(report, lang)
        return build_message(
            sender=mailbox(self.company.display_name, str(self.company.from_address)),
            to=mailbox("", to),
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            now=now,
            key=f"digest:{report.run_id}",
        )

    def languages(self, kind: str) -> list[str]:
        """The languages this composer has templates for, for one mail kind (or the digest)."""
        return languages(self.dirs, kind)

    def verify(self, kinds: Iterable[str], languages: Iterable[str]) -> None:
        """Load every template of these kinds and languages now, so a typo fails at start."""
        for kind in kinds:
            for lang in languages:
                names = self._names(kind, lang, "")
                envs = (self._text, self._text, self._html, self._text)
                for part, env in zip(names, envs, strict=True):
                    load(env, part)

    def _names(self, kind: str, lang: str, wording: str) -> list[list[str]]:
        """Per part (subject, text, HTML, phrases), the template names to try, in order.

        The folder of the mail's wording (a confirmation's variant, a reminder's tone) first,
        then the language's, then (layouts only) the kind's own.
        """
        lang = lang.strip().lower()
        folder = f"{checked_segment(kind, 'folder')}/{checked_segment(lang, 'folder')}"
        if not any((d / folder).is_dir() for d in self.dirs):
            tried = ", ".join(str(d / folder) for d in self.dirs)
            raise TemplateError(f"no {kind} templates in language {lang!r}: {tried} not found")
        wording = wording.strip().lower()
        prefixes = [folder]
        if wording not in ("", "standard"):
            prefixes.insert(0, f"{folder}/{checked_segment(wording, 'variant')}")
        parts = [[f"{p}/{part}" for p in prefixes] for part in PARTS]
        parts[1].append(f"{kind}/{PARTS[1]}")
        parts[2].append(f"{kind}/{PARTS[2]}")
        return [*parts, [f"{p}/{PHRASES}" for p in prefixes]]

    def _render_all(self, names: list[list[str]], context: dict[str, Any]) -> Rendered:
        context["phrases"] = load(self._text, names[3]).name
        raw_subject = render(self._text, names[0], context)
        context["subject"] = subject = one_line_subject(raw_subject, names[0][-1])
        text = render(self._text, names[1], context)
        html = None if self.text_only else render(self._html, names[2], context)
        return Rendered(subject, text, html)
