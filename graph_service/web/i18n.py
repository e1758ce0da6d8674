"""Languages of the web app: English (the source texts) and Spanish, from gettext catalogues.

The catalogues are ``graph_service/web/locale/<lang>/LC_MESSAGES/messages.po`` in the
repository, compiled in memory with Babel when the app starts (no build step). The page
language is, in order: the one the person picked (cookie ``gs_lang``, set by the switch on
every page), the first supported language of the signed-in family, the browser's
``Accept-Language``, English.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from importlib import resources

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT = "en"
COOKIE = "gs_lang"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English: the texts themselves)."""
    if lang == DEFAULT or lang not in LANGUAGES:
        return gettext.NullTranslations()
    po = resources.files(__package__).joinpath(f"locale/{lang}/LC_MESSAGES/messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def from_accept_language(header: str | None) -> str | None:
    """The best supported language of an ``Accept-Language`` header, by q-value."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None


def choose(picked: str | None, family_languages: Sequence[str], accept_language: str | None) -> str:
    """The page language (see the module docstring for the order)."""
    if picked in LANGUAGES:
        return str(picked)
    for language in family_languages:
        if language in LANGUAGES:
            return language
    return from_accept_language(accept_language) or DEFAULT


class Formats:
    """Dates, numbers and money in the page language."""

    def __init__(self, lang: str) -> None:
        self.locale = Locale.parse(lang)

    def date(self, value: date | str | None) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return format_date(value, format="medium", locale=self.locale)

    def datetime(self, value: datetime) -> str:
        return format_datetime(value, format="medium", locale=self.locale)

    def money(self, value: float | None) -> str:
        return "" if value is None else format_currency(value, "USD", locale=self.locale)

    def number(self, value: float | None, digits: int = 2) -> str:
        if value is None:
            return "–"
        return format_decimal(round(value, digits), locale=self.locale)
