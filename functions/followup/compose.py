"""Jinja2 templates → subject, text and HTML → an EmailMessage, in the customer's language."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

import followup
from followup import formatting
from followup.errors import TemplateError
from followup.formatting import text_table, totals
from followup.mime import build_message, mailbox, one_line
from followup.model import InvoiceLine, PlannedMail
from followup.settings import Company

TEMPLATES_ENV = "FOLLOWUP_TEMPLATES"
PARTS = ("subject.txt.j2", "body.txt.j2", "body.html.j2")
_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class Rendered:
    """One mail as text: a one-line subject, the text body and the HTML body (None: text only)."""

    subject: str
    text: str
    html: str | None


def default_template_dir() -> Path:
    """The built-in templates: $FOLLOWUP_TEMPLATES, the repository's, or the deployed archive's."""
    package = Path(followup.__file__).resolve()
    from_env = os.environ.get(TEMPLATES_ENV, "").strip()
    tried = (
        [Path(from_env)]
        if from_env
        else [package.parents[2] / "templates", package.parents[1] / "templates"]
    )
    for place in tried:
        if place.is_dir():
            return place
    where = ", ".join(str(p) for p in tried)
    raise TemplateError(f"no template folder found; tried {where} (set {TEMPLATES_ENV})")


def search_path(override: Path | None = None) -> list[Path]:
    """An owner's template folder (when set) first, then the built-in one."""
    return ([override] if override else []) + [default_template_dir()]


def _website_url(website: str) -> str:
    """The company website as an http(s) link, or '' when it isn't one."""
    site = website.strip()
    if not site:
        return ""
    url = site if "://" in site else f"https://{site}"
    parts = urlsplit(url)
    ok = parts.scheme in ("http", "https") and parts.netloc and not re.search(r"[\s\"'<>]", url)
    return url if ok else ""


def _first_name(name: str) -> str:
    """A first name to greet with; 'JAN' from a shouting address book becomes 'Jan'."""
    name = one_line(name)
    return name.title() if name.isupper() and len(name) > 1 else name


def _clean_line(line: InvoiceLine) -> InvoiceLine:
    return replace(
        line,
        invoice_number=one_line(line.invoice_number),
        currency=one_line(line.currency).upper(),
        description=one_line(line.description),
    )


def _para(text: str) -> str:
    """A paragraph on one line: the template's own line breaks and indentation collapse."""
    joined = " ".join(str(text).split())
    # Already-escaped markup stays markup: only whitespace changed.
    return Markup(joined) if isinstance(text, Markup) else joined  # noqa: S704


def _in_language(format_: Callable[..., str]) -> Callable[..., str]:
    """A filter calling a `formatting` function in the mail's language (its last argument)."""

    @pass_context
    def apply(ctx: Context, value: Any, *args: Any) -> str:
        return "" if value is None else format_(value, *args, ctx["language"])

    return apply


def _environment(dirs: list[Path], html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=html,  # noqa: S701 (the text environment renders text/plain, never HTML)
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(
        money=_in_language(formatting.money),
        money_list=_in_language(formatting.money_list),
        date=_in_language(formatting.long_date),
        short_date=_in_language(formatting.short_date),
        and_list=_in_language(formatting.and_list),
        para=_para,
    )
    env.globals["table"] = text_table
    return env


class Composer:
    """Renders planned mails with the templates of the customer's language."""

    def __init__(
        self, company: Company, template_dirs: list[Path] | None = None, text_only: bool = False
    ) -> None:
        self.company = company
        self.text_only = text_only
        self.dirs = list(template_dirs) if template_dirs else [default_template_dir()]
        missing = [str(d) for d in self.dirs if not d.is_dir()]
        if missing:
            raise TemplateError(f"template folder not found: {', '.join(missing)}")
        self._text = _environment(self.dirs, html=False)
        self._html = _environment(self.dirs, html=True)

    def render(self, mail: PlannedMail) -> Rendered:
        """Subject, text and HTML of one mail; any template problem is a TemplateError."""
        names = self._names(mail)
        context = self._context(mail)
        raw_subject = self._render(self._text, names[0], context)
        subject = raw_subject.strip()
        if not subject or "\n" in subject or "\r" in subject:
            what = "is empty" if not subject else "has more than one line"
            raise TemplateError(f"{names[0][-1]}: the subject {what}: {subject!r}")
        subject = " ".join(subject.split())
        context["subject"] = subject
        text = self._render(self._text, names[1], context)
        html = None if self.text_only else self._render(self._html, names[2], context)
        return Rendered(subject, text, html)

    def message(self, mail: PlannedMail, now: datetime) -> EmailMessage:
        """The mail as a MIME message, ready for a Mailer; `now` becomes its Date."""
        rendered = self.render(mail)
        return build_message(
            company=self.company,
            to=mailbox(mail.recipient.name, mail.recipient.email),
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            now=now,
            key=mail.key,
        )

    def verify(self, kinds: Iterable[str], languages: Iterable[str]) -> None:
        """Load every template of these kinds and languages now, so a typo fails at start."""
        for kind in kinds:
            for lang in languages:
                folder = self._folder(kind, lang)
                for part, env in zip(PARTS, (self._text, self._text, self._html), strict=True):
                    self._load(env, [f"{folder}/{part}"])

    def _folder(self, kind: str, lang: str) -> str:
        if not _SEGMENT.match(lang) or not _SEGMENT.match(kind):
            raise TemplateError(f"not a template folder name: {kind!r}/{lang!r}")
        if not any((d / kind / lang).is_dir() for d in self.dirs):
            tried = ", ".join(str(d / kind / lang) for d in self.dirs)
            raise TemplateError(f"no {kind} templates in language {lang!r}: {tried} not found")
        return f"{kind}/{lang}"

    def _names(self, mail: PlannedMail) -> list[list[str]]:
        folder = self._folder(mail.kind.value, mail.recipient.language.strip().lower())
        variant = mail.variant.strip().lower()
        if variant and variant != "standard" and not _SEGMENT.match(variant):
            raise TemplateError(f"not a template variant name: {mail.variant!r}")
        # A variant may have its own folder with some of the parts; the rest are the standard ones.
        prefixes = [f"{folder}/{variant}", folder] if variant not in ("", "standard") else [folder]
        return [[f"{p}/{part}" for p in prefixes] for part in PARTS]

    def _context(self, mail: PlannedMail) -> dict[str, Any]:
        if not mail.lines:
            raise TemplateError(f"mail {mail.key!r} has no invoice lines to write about")
        language = mail.recipient.language.strip().lower()
        formatting.locale_for(language)  # fails early, with a clear message, for nonsense
        lines = tuple(_clean_line(line) for line in mail.lines)
        recipient = replace(
            mail.recipient,
            email=one_line(mail.recipient.email),
            name=one_line(mail.recipient.name),
            first_name=one_line(mail.recipient.first_name),
        )
        customer = replace(
            mail.customer, name=one_line(mail.customer.name), code=one_line(mail.customer.code)
        )
        company = self.company
        default_signature = [company.display_name, company.phone, company.website]
        signature = (
            company.signature.splitlines() if company.signature.strip() else default_signature
        )
        return {
            "company": company,
            "recipient": recipient,
            "customer": customer,
            "lines": lines,
            "kind": mail.kind.value,
            "variant": mail.variant or "standard",
            "level": mail.level,
            "language": language,
            "greeting_name": _first_name(recipient.first_name),
            "invoice_numbers": [line.invoice_number for line in lines],
            "settled_lines": [line for line in lines if line.settled],
            "partial_lines": [line for line in lines if not line.settled],
            "totals": totals((line.currency, line.amount) for line in lines),
            "remaining": totals(
                (line.currency, line.remaining) for line in lines if not line.settled
            ),
            "website_url": _website_url(company.website),
            "signature_lines": [one_line(s) for s in signature if s.strip()],
        }

    def _load(self, env: jinja2.Environment, names: list[str]) -> jinja2.Template:
        try:
            return env.select_template(names)
        except jinja2.TemplatesNotFound:
            raise TemplateError(f"template not found: {' or '.join(names)}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise _syntax_error(exc) from exc

    def _render(self, env: jinja2.Environment, names: list[str], context: dict[str, Any]) -> str:
        template = self._load(env, names)
        try:
            return template.render(context)
        except jinja2.TemplateSyntaxError as exc:  # in an imported or included template
            raise _syntax_error(exc) from exc
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
            raise TemplateError(f"{template.name}: {exc}") from exc


def _syntax_error(exc: jinja2.TemplateSyntaxError) -> TemplateError:
    return TemplateError(f"{exc.name or exc.filename}, line {exc.lineno}: {exc.message}")
