"""Message catalogues: one gettext ``.po`` file per language, read with Babel at run time.

A catalogue lives at ``<root>/<language>/LC_MESSAGES/messages.po``; the languages a
:class:`Catalogues` offers are the directories found there, so adding a language is adding
one file (no code, no build step). Message ids are symbolic (``reason.shared_goals``); the
English catalogue holds the English texts. Texts take named placeholders in ``str.format``
style (``{goals}``); a message with plural forms is chosen by ``count`` (gettext's
``ngettext``, with the plural rule in the catalogue's header).

A text missing from a language falls back to English; a message id missing from English
too comes back as the id itself (and :meth:`Catalogues.missing` lets tests find it).
"""

from __future__ import annotations

import gettext
import io
import logging
import string
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from threading import Lock
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger("graph_service.i18n")

DEFAULT_LOCALE = "en"
DOMAIN = "messages"
ROOT = Path(__file__).parent / "locale"


def placeholders(text: str) -> frozenset[str]:
    """The named placeholders of a ``str.format`` text (``"{a} and {b}"`` -> ``{a, b}``)."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


class _Safe(dict[str, Any]):
    """Formatting values; a placeholder without a value stays as written (never a crash)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _texts(message: Message | None) -> tuple[str, ...]:
    """Every text of a catalogue entry (one, or one per plural form); ``()`` for none."""
    if message is None:
        return ()
    value = message.string
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value or ())


class Catalogues:
    """The catalogues under ``root`` (default: the package's ``locale`` directory)."""

    def __init__(self, root: Path = ROOT) -> None:
        self.root = root
        self._compiled: dict[str, gettext.GNUTranslations] = {}
        self._catalogs: dict[str, Catalog] = {}
        self._lock = Lock()

    @cached_property
    def locales(self) -> tuple[str, ...]:
        """Languages with a catalogue, English first, then by code."""
        found = {
            path.parent.parent.name
            for path in self.root.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
            if path.is_file()
        }
        return tuple(sorted(found, key=lambda code: (code != DEFAULT_LOCALE, code)))

    def catalog(self, locale: str) -> Catalog:
        """The parsed ``.po`` of ``locale`` (Babel's :class:`Catalog`)."""
        with self._lock:
            if locale not in self._catalogs:
                path = self.root / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
                with path.open("rb") as handle:
                    self._catalogs[locale] = read_po(handle, locale=locale)
            return self._catalogs[locale]

    def _translations(self, locale: str) -> gettext.GNUTranslations:
        catalog = self.catalog(locale)
        with self._lock:
            if locale not in self._compiled:
                buffer = io.BytesIO()
                write_mo(buffer, catalog)
                buffer.seek(0)
                self._compiled[locale] = gettext.GNUTranslations(buffer)
            return self._compiled[locale]

    def has(self, locale: str, message_id: str) -> bool:
        """Whether ``locale`` has a (non-empty) text for ``message_id``."""
        if locale not in self.locales:
            return False
        texts = _texts(self.catalog(locale).get(message_id))
        return bool(texts) and all(texts)

    def raw(self, locale: str, message_id: str, count: int | None = None) -> str | None:
        """The unformatted text of ``message_id`` in ``locale`` (``None`` if it has none)."""
        if not self.has(locale, message_id):
            return None
        translations = self._translations(locale)
        message = self.catalog(locale).get(message_id)
        if count is None or message is None or not message.pluralizable:
            return translations.gettext(message_id)
        return translations.ngettext(message_id, message_id, count)

    def translate(
        self,
        locale: str,
        message_id: str,
        params: Mapping[str, Any] | None = None,
        count: int | None = None,
    ) -> str:
        """The text of ``message_id`` in ``locale`` (else English, else the id), with
        ``params`` (and ``count``, also available as ``{count}``) filled in."""
        text = self.raw(locale, message_id, count)
        if text is None:
            text = self.raw(DEFAULT_LOCALE, message_id, count)
        if text is None:
            log.warning("no text for message %r", message_id)
            return message_id
        values = _Safe(params or {})
        if count is not None:
            values.setdefault("count", count)
        return text.format_map(values)

    def message_ids(self, locale: str = DEFAULT_LOCALE) -> frozenset[str]:
        """Every message id of a catalogue."""
        return frozenset(
            m.id if isinstance(m.id, str) else m.id[0] for m in self.catalog(locale) if m.id
        )

    def missing(self, locale: str) -> list[str]:
        """Ids of English messages that ``locale`` has no text for, or whose placeholders
        differ from the English text's (what a translator still has to do)."""
        wrong = []
        for message_id in sorted(self.message_ids()):
            english = self.catalog(DEFAULT_LOCALE).get(message_id)
            mine = self.catalog(locale).get(message_id) if locale in self.locales else None
            if english is None:
                continue
            if mine is None or not self.has(locale, message_id):
                wrong.append(message_id)
                continue
            theirs, ours = _texts(mine), _texts(english)
            expected = set().union(*(placeholders(t) for t in ours)) - {"count"}
            if any(placeholders(t) - {"count"} - expected for t in theirs):
                wrong.append(message_id)
        return wrong
