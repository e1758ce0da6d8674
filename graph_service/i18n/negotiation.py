"""Which language to answer in: the ``Accept-Language`` header, else the family's languages.

:func:`parse_accept_language` reads the header as RFC 9110 §12.5.4 says (comma-separated
language ranges with optional ``q`` weights, ``*`` for any, ``q=0`` for "not this one");
:func:`negotiate` picks the first offered language that satisfies, in order: an explicit
choice, the header's ranges by weight (``es-MX`` is satisfied by ``es``), the family's
languages in their order, English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from graph_service.i18n.catalogues import DEFAULT_LOCALE

_RANGE = re.compile(r"^(\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$")
_QUALITY = re.compile(r"^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$", re.IGNORECASE)
# Headers longer than this are read only this far (a header is a few dozen characters).
MAX_HEADER = 1000


def parse_accept_language(header: str | None) -> list[tuple[str, float]]:
    """The language ranges of an ``Accept-Language`` header, lower case, best first (equal
    weights keep the header's order); malformed parts are ignored.

    >>> parse_accept_language("es-MX,es;q=0.9,en;q=0.5,fr;q=0")
    [('es-mx', 1.0), ('es', 0.9), ('en', 0.5), ('fr', 0.0)]
    """
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header[:MAX_HEADER].split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        if not _RANGE.match(tag):
            continue
        quality = 1.0
        for param in params:
            matched = _QUALITY.match(param)
            if matched:
                quality = float(matched.group(1))
            elif param.lower().startswith("q="):
                quality = -1.0  # a malformed weight: ignore the range
        if quality >= 0:
            ranked.append((-quality, position, tag.lower()))
    ranked.sort()
    return [(tag, -quality) for quality, _, tag in ranked]


def _offered(tag: str, available: Sequence[str]) -> str | None:
    if tag in available:
        return tag
    primary = tag.split("-")[0]
    return primary if primary in available else None


def from_header(header: str | None, available: Sequence[str]) -> str | None:
    """The best offered language for the header, or ``None`` if it accepts none of them.

    >>> from_header("fr-CA, es;q=0.8, *;q=0.1", ["en", "es"])
    'es'
    >>> from_header("es;q=0, *", ["en", "es"])
    'en'
    >>> from_header("de", ["en", "es"]) is None
    True
    """
    ranges = parse_accept_language(header)
    refused = {tag for tag, quality in ranges if quality == 0}
    for tag, quality in ranges:
        if quality == 0:
            continue
        if tag == "*":
            rest = [code for code in available if code not in refused]
            return rest[0] if rest else None
        found = _offered(tag, available)
        if found is not None and found not in refused:
            return found
    return None


def negotiate(
    available: Sequence[str],
    *,
    accept_language: str | None = None,
    family_languages: Iterable[str] = (),
    chosen: str | None = None,
) -> str:
    """The language to answer in (see the module docstring for the order).

    >>> negotiate(["en", "es"], family_languages=["hmn", "es"])
    'es'
    >>> negotiate(["en", "es"], accept_language="en-US", family_languages=["es"])
    'en'
    >>> negotiate(["en", "es"], family_languages=["vi"])
    'en'
    """
    if chosen is not None:
        found = _offered(chosen.lower(), available)
        if found is not None:
            return found
    found = from_header(accept_language, available)
    if found is not None:
        return found
    for language in family_languages:
        found = _offered(language.lower(), available)
        if found is not None:
            return found
    return DEFAULT_LOCALE if DEFAULT_LOCALE in available or not available else available[0]
