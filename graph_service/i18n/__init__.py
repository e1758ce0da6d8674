"""Texts people read, in their language: message catalogues, the language negotiator and
vocabulary labels.

- :func:`translate` (``locale, message_id, count=None, **params``): a message of the
  catalogues (``graph_service/i18n/locale/<language>/LC_MESSAGES/messages.po``, gettext
  format, read with Babel when first used: no build step) with named placeholders.
- :class:`Message`: a message id with its parameters, translated later (errors carry one, so
  the transport answers in the caller's language).
- :func:`negotiate`: which language to answer in, from an ``Accept-Language`` header and the
  family's languages (:mod:`graph_service.i18n.negotiation`).
- :func:`label`: what a vocabulary term is called (goal categories, help kinds, skills:
  catalogue ids ``goal.<term>``, ``help.<term>``, ``skill.<term>``; terms added by settings
  show their configured label), :func:`language_name` what a language code is called (the
  catalogue's ``language.<code>``, else Unicode CLDR's name via Babel), :func:`and_list` and
  :func:`month` format lists and months the language's way.

Adding a language is adding its ``messages.po`` (copy ``en``'s and translate every
``msgstr``); ``tests/i18n`` fails while a text of it is missing or has other placeholders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.lists import format_list

from graph_service.i18n.catalogues import DEFAULT_LOCALE, Catalogues, placeholders
from graph_service.i18n.negotiation import from_header, parse_accept_language
from graph_service.i18n.negotiation import negotiate as _negotiate
from models import vocabulary

__all__ = [
    "CATALOGUES",
    "DEFAULT_LOCALE",
    "Catalogues",
    "Message",
    "VocabularyKind",
    "and_list",
    "from_header",
    "label",
    "language_name",
    "locales",
    "month",
    "negotiate",
    "parse_accept_language",
    "placeholders",
    "translate",
]

CATALOGUES = Catalogues()

VocabularyKind = Literal["goal", "help", "skill"]


def locales() -> tuple[str, ...]:
    """The languages with a catalogue (English first)."""
    return CATALOGUES.locales


def translate(locale: str, message_id: str, /, count: int | None = None, **params: Any) -> str:
    """The text of ``message_id`` in ``locale`` with ``params`` filled in.

    >>> translate("es", "explain.no_consenting_peers")
    'Todavía ninguna otra familia de su región aceptó ser sugerida como par.'
    """
    return CATALOGUES.translate(locale, message_id, params, count)


@dataclass(frozen=True)
class Message:
    """A message id and its parameters, to translate once the language is known."""

    id: str
    params: dict[str, Any] = field(default_factory=dict)
    count: int | None = None

    def text(self, locale: str = DEFAULT_LOCALE) -> str:
        return CATALOGUES.translate(locale, self.id, self.params, self.count)


def negotiate(
    *,
    accept_language: str | None = None,
    family_languages: Iterable[str] = (),
    chosen: str | None = None,
) -> str:
    """The language to answer in, among :func:`locales`: an explicit choice, else the
    ``Accept-Language`` header, else the family's first language that has a catalogue,
    else English."""
    return _negotiate(
        locales(), accept_language=accept_language, family_languages=family_languages, chosen=chosen
    )


_CONFIGURED = {
    "goal": lambda: vocabulary().goal_categories,
    "help": lambda: vocabulary().help_kinds,
    "skill": lambda: vocabulary().skills,
}


def label(kind: VocabularyKind, term: str, locale: str = DEFAULT_LOCALE) -> str:
    """What ``term`` of a vocabulary is called in ``locale``.

    >>> label("goal", "build_credit", "es"), label("skill", "tax_paperwork", "en")
    ('Construir crédito', 'Tax and paperwork')
    """
    message_id = f"{kind}.{term}"
    for language in (locale, DEFAULT_LOCALE):
        if CATALOGUES.has(language, message_id):
            return CATALOGUES.translate(language, message_id)
    configured = _CONFIGURED[kind]().get(term)
    return configured if configured is not None else term.replace("_", " ").capitalize()


def language_name(code: str, locale: str = DEFAULT_LOCALE) -> str:
    """What the language ``code`` (ISO 639) is called in ``locale``.

    >>> language_name("es", "en"), language_name("hmn", "es"), language_name("en", "es")
    ('Spanish', 'hmong', 'inglés')
    """
    message_id = f"language.{code}"
    if CATALOGUES.has(locale, message_id):
        return CATALOGUES.translate(locale, message_id)
    try:
        names = Locale.parse(locale).languages
    except (UnknownLocaleError, ValueError):
        names = Locale.parse(DEFAULT_LOCALE).languages
    return str(names.get(code) or names.get(code.split("-")[0]) or code)


def and_list(items: Sequence[str], locale: str = DEFAULT_LOCALE) -> str:
    """``items`` joined the language's way.

    >>> and_list(["a", "b", "c"], "en"), and_list(["a", "b", "c"], "es")
    ('a, b, and c', 'a, b y c')
    """
    return format_list(list(items), locale=locale) if items else ""


def month(day: date, locale: str = DEFAULT_LOCALE) -> str:
    """A month and year the language's way.

    >>> month(date(2026, 9, 1), "en"), month(date(2026, 9, 1), "es")
    ('September 2026', 'septiembre de 2026')
    """
    return str(format_skeleton("yMMMM", day, locale=locale))
