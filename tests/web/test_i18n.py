"""The catalogues: every text of the pages has Spanish, and the language rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from graph_service.web import i18n
from graph_service.web.vocabulary_texts import LABELS
from models import vocabulary

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "graph_service/web/locale/es/LC_MESSAGES/messages.po"


def _extracted() -> set[str]:
    found: set[str] = set()
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    for _, _, message, _, _ in extract_from_dir(
        ROOT / "graph_service/web", method_map, options, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _texts(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """A catalog message's id or string as a tuple (babel uses a tuple for plural forms)."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    return string is not None and all(text.strip() for text in _texts(string))


def test_every_page_text_has_a_spanish_translation() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in catalog
        if m.id and not m.fuzzy and _translated(m.string)
    }
    extracted = _extracted()
    assert len(extracted) > 150  # the extraction found the pages' texts
    missing = sorted(extracted - translated)
    assert not missing, f"texts without Spanish (see graph_service/web/locale/README.md): {missing}"


def test_the_built_in_vocabulary_labels_are_all_marked() -> None:
    vocab = vocabulary()
    labels = {*vocab.goal_categories.values(), *vocab.help_kinds.values(), *vocab.skills.values()}
    assert labels <= set(LABELS)
    spanish = i18n.translations("es")
    assert spanish.gettext("Buy a home") == "Comprar una casa"


def test_placeholders_survive_translation() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    import re

    names = re.compile(r"%\((\w+)\)[sd]")
    for message in catalog:
        if not message.id:
            continue
        ids = _texts(message.id)
        strings = _texts(message.string)
        for text in strings:
            assert set(names.findall(text)) == set(names.findall(ids[-1])), message.id


@pytest.mark.parametrize(
    ("picked", "family", "header", "expected"),
    [
        ("es", ("en",), "en", "es"),  # the switch wins
        (None, ("es", "en"), "en", "es"),  # then the family's first supported language
        (None, ("zh", "en"), "es", "en"),  # zh unsupported: the next one, English
        (None, (), "fr, es;q=0.8, en;q=0.5", "es"),  # then the browser, by q-value
        (None, (), "en;q=0.2, es;q=0.9", "es"),
        (None, (), "es;q=0, en", "en"),  # q=0 means "not this one"
        (None, (), "fr", "en"),  # nothing supported: English
        ("xx", (), None, "en"),  # a forged cookie is ignored
        (None, (), "es-MX", "es"),
    ],
)
def test_language_choice(
    picked: str | None, family: tuple[str, ...], header: str | None, expected: str
) -> None:
    assert i18n.choose(picked, family, header) == expected
