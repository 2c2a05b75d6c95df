"""The template folder and the languages the settings name, checked before a run: a folder or a
language without templates is a settings mistake (exit 2) naming its key, never a stack trace
half-way through the mails."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from followup.errors import ConfigError, TemplateError
from followup.mail.environment import checked_segment
from followup.mail.formatting import locale_for
from followup.settings import Settings

CUSTOMER_KINDS: tuple[str, ...] = ("confirmation", "reminder")
OWNER_KINDS: tuple[str, ...] = ("digest",)  # the owner's digest mail and `followup run`'s summary


def owner_language(settings: Settings) -> str:
    """The language the owner reads (digest, run summary): `[digest] language`, else
    `[languages] default` (Dutch unless set)."""
    return (settings.digest.language or settings.languages.default).strip().lower()


def check_template_folder(settings: Settings) -> None:
    """`[mail] templates`, when set, is a folder."""
    folder = settings.mail.templates
    if folder is not None and not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigError(
            [
                f"mail.templates: {folder} {what} (a folder with your own templates, laid out "
                "like templates/ of followup; or leave the key out for the built-in ones)"
            ]
        )


def check_languages(settings: Settings, available: Callable[[str], Iterable[str]]) -> None:
    """Every language the settings name has templates (`available(kind)`: the languages with
    a folder for that kind) and is one Babel can write dates and amounts in."""
    problems = []
    for key, lang, kinds in _named(settings):
        try:
            checked_segment(lang, "language")
            locale_for(lang)
        except TemplateError:
            problems.append(f'{key}: {lang!r} is not a language code (such as "nl" or "en")')
            continue
        missing = [kind for kind in kinds if lang not in set(available(kind))]
        if missing:
            folders = ", ".join(f"{kind}/{lang}/" for kind in missing)
            have = ", ".join(sorted(set.intersection(*(set(available(k)) for k in kinds))))
            problems.append(
                f"{key}: there are no templates in {lang!r} ({folders} not found); "
                f"use one of: {have}, or add those folders to your templates ([mail] templates)"
            )
    if problems:
        raise ConfigError(problems)


def _named(settings: Settings) -> list[tuple[str, str, tuple[str, ...]]]:
    """(key, language, the mail kinds it needs), each key once."""
    langs = settings.languages
    named: list[tuple[str, str, tuple[str, ...]]] = [
        (f"languages.map.{code}", lang, CUSTOMER_KINDS) for code, lang in langs.map.items()
    ]
    named.append(("languages.other", langs.other, CUSTOMER_KINDS))
    if settings.digest.language:
        named.append(("languages.default", langs.default, CUSTOMER_KINDS))
        named.append(("digest.language", settings.digest.language, OWNER_KINDS))
    else:
        named.append(("languages.default", langs.default, CUSTOMER_KINDS + OWNER_KINDS))
    return [(key, lang.strip().lower(), kinds) for key, lang, kinds in named]
