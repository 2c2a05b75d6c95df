"""Where the templates are and the Jinja2 environments that render them (strict, escaped HTML)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import pass_context
from jinja2.bccache import Bucket
from jinja2.runtime import Context
from markupsafe import Markup

import followup
from followup.errors import TemplateError
from followup.mail import formatting
from followup.mail.formatting import text_table

TEMPLATES_ENV = "FOLLOWUP_TEMPLATES"
PARTS = ("subject.txt.j2", "body.txt.j2", "body.html.j2")
PHRASES = "phrases.j2"  # the wording, as macros the layouts import
_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_LAYOUT_SPACE = re.compile(r"[ \t\r\n\f\v]+")


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


def checked_segment(name: str, what: str) -> str:
    """A folder name taken from data (kind, language, variant), refused unless plain."""
    if not _SEGMENT.match(name):
        raise TemplateError(f"not a template {what} name: {name!r}")
    return name


def languages(dirs: Iterable[Path], kind: str) -> list[str]:
    """The languages with a folder for this mail kind, in any of the template folders."""
    found = {
        child.name
        for d in dirs
        if (d / kind).is_dir()
        for child in (d / kind).iterdir()
        if child.is_dir() and _SEGMENT.match(child.name)
    }
    return sorted(found)


def _para(text: str) -> str:
    """A paragraph on one line: the template's own line breaks and indentation collapse."""
    # ASCII whitespace only: a no-break space (an amount kept together in HTML) stays.
    joined = " ".join(_LAYOUT_SPACE.split(str(text))).strip()
    # Already-escaped markup stays markup: only whitespace changed.
    return Markup(joined) if isinstance(text, Markup) else joined  # noqa: S704


def _in_language(format_: Callable[..., str], **options: bool) -> Callable[..., str]:
    """A filter calling a `formatting` function in the mail's language (its last argument)."""

    @pass_context
    def apply(ctx: Context, value: Any, *args: Any) -> str:
        return "" if value is None else format_(value, *args, ctx["language"], **options)

    return apply


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per process, for every environment of one kind: an office builds
    a composer per administration, and compiling the same templates again for each one was most
    of an administration's time (docs/benchmarks.md). Keyed by the template's file; its source is
    checked on every load, so an edited template is compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = {html: _CompiledTemplates() for html in (True, False)}  # autoescape compiles apart


def environment(dirs: list[Path], html: bool) -> jinja2.Environment:
    """A strict environment over these folders; `html` turns autoescaping on."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        bytecode_cache=_COMPILED[html],
        autoescape=html,  # noqa: S701 (the text environment renders text/plain, never HTML)
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(
        # In HTML an amount never breaks between its sign and its number.
        money=_in_language(formatting.money, keep_together=html),
        money_list=_in_language(formatting.money_list, keep_together=html),
        date=_in_language(formatting.long_date),
        short_date=_in_language(formatting.short_date),
        month_year=_in_language(formatting.month_year),
        and_list=_in_language(formatting.and_list),
        para=_para,
    )
    env.globals["table"] = text_table
    return env


def load(env: jinja2.Environment, names: list[str]) -> jinja2.Template:
    """The first of these templates that exists; a missing or broken one is a TemplateError."""
    try:
        return env.select_template(names)
    except jinja2.TemplatesNotFound:
        raise TemplateError(f"template not found: {' or '.join(names)}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax_error(exc) from exc


def render(env: jinja2.Environment, names: list[str], context: dict[str, Any]) -> str:
    """Render the first of these templates that exists; any problem is a TemplateError."""
    template = load(env, names)
    try:
        return template.render(context)
    except jinja2.TemplateSyntaxError as exc:  # in an imported or included template
        raise _syntax_error(exc) from exc
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise TemplateError(f"{template.name}: {exc}") from exc


def one_line_subject(raw: str, template: str) -> str:
    """A rendered subject, stripped and with its spaces collapsed; empty or multi-line refused."""
    subject = raw.strip()
    if not subject or "\n" in subject or "\r" in subject:
        what = "is empty" if not subject else "has more than one line"
        raise TemplateError(f"{template}: the subject {what}: {subject!r}")
    return " ".join(subject.split())


def _syntax_error(exc: jinja2.TemplateSyntaxError) -> TemplateError:
    return TemplateError(f"{exc.name or exc.filename}, line {exc.lineno}: {exc.message}")
