"""The message catalogues: complete in every language, placeholders kept, a new language is
a file, vocabulary labels and language names never raw terms or codes."""

from __future__ import annotations

import doctest
import re
import shutil
from pathlib import Path

import pytest

import graph_service.i18n as i18n
from graph_service.i18n import (
    CATALOGUES,
    Catalogues,
    Message,
    and_list,
    label,
    language_name,
    locales,
    negotiation,
    translate,
)
from graph_service.i18n import catalogues as catalogues_module
from loaders.synthetic import REGIONS
from models.vocabulary import (
    GOAL_CATEGORIES,
    HELP_KINDS,
    SKILLS,
    extend_vocabulary,
    reset_vocabulary,
)

ROOT = Path(__file__).resolve().parents[2]


def test_english_and_spanish_are_offered() -> None:
    assert locales()[:1] == ("en",)
    assert "es" in locales()


@pytest.mark.parametrize("locale", [code for code in locales() if code != "en"])
def test_every_message_is_translated_with_the_same_placeholders(locale: str) -> None:
    assert CATALOGUES.missing(locale) == []


def test_message_ids_used_in_the_code_exist_in_english() -> None:
    used: set[str] = set()
    pattern = re.compile(
        r"(?:translate\(\s*[a-z_.]+,\s*|Message\(\s*|message_id=)\"([a-z_]+\.[a-z_.]+)\""
    )
    for path in (ROOT / "graph_service").rglob("*.py"):
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used, "the pattern finds the message ids of the code"
    assert sorted(used - CATALOGUES.message_ids()) == []


def test_plural_forms_follow_the_count() -> None:
    assert translate("en", "reason.trust", count=1, details="x") == (
        "You know 1 family in common (x)."
    )
    assert translate("es", "reason.trust", count=3, details="x") == (
        "Conocen a 3 familias en común (x)."
    )


def test_a_missing_text_falls_back_to_english_then_to_the_id(tmp_path: Path) -> None:
    shutil.copytree(catalogues_module.ROOT / "en", tmp_path / "en")
    (tmp_path / "xx" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "xx" / "LC_MESSAGES" / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "reason.similar_household"\nmsgstr ""\n',
        encoding="utf-8",
    )
    cats = Catalogues(tmp_path)
    assert cats.translate("xx", "reason.similar_household") == (
        "Your households are of a similar size."
    )
    assert cats.translate("xx", "no.such.message") == "no.such.message"
    assert "reason.similar_household" in cats.missing("xx")


def test_a_new_language_is_one_file(tmp_path: Path) -> None:
    """Adding a language: copy English's catalogue, translate, drop it in the folder."""
    shutil.copytree(catalogues_module.ROOT / "en", tmp_path / "en")
    english = (tmp_path / "en" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    french = english.replace("Language: en", "Language: fr").replace(
        'msgstr "Your households are of a similar size."',
        'msgstr "Vos foyers ont une taille semblable."',
    )
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "fr" / "LC_MESSAGES" / "messages.po").write_text(french, encoding="utf-8")
    cats = Catalogues(tmp_path)
    assert cats.locales == ("en", "fr")
    assert cats.translate("fr", "reason.similar_household") == (
        "Vos foyers ont une taille semblable."
    )
    assert negotiation.negotiate(cats.locales, accept_language="fr-CA,en;q=0.5") == "fr"


def test_placeholders_are_filled_and_a_missing_value_never_crashes() -> None:
    assert translate("en", "reason.shared_languages", languages="Spanish") == (
        "You both speak Spanish."
    )
    assert translate("en", "reason.shared_languages") == "You both speak {languages}."


def test_a_message_is_translated_when_the_language_is_known() -> None:
    message = Message("rule.invitations_per_member", count=2)
    assert message.text() == "each member may invite at most 2 families"
    assert message.text("es") == "cada miembro puede invitar como máximo a 2 familias"


@pytest.mark.parametrize("locale", locales())
def test_every_vocabulary_term_has_a_label_in_every_language(locale: str) -> None:
    for kind, vocab in (("goal", GOAL_CATEGORIES), ("help", HELP_KINDS), ("skill", SKILLS)):
        for term in vocab:
            assert CATALOGUES.has(locale, f"{kind}.{term}"), (locale, kind, term)
            assert label(kind, term, locale) != term  # type: ignore[arg-type]  # kind is a VocabularyKind literal
    assert label("goal", "buy_home", "en") == "Buy a home"
    assert label("goal", "buy_home", "es") == "Comprar una casa"


def test_a_configured_term_shows_its_configured_label() -> None:
    extend_vocabulary(skills={"beekeeping": "Beekeeping"})
    try:
        assert label("skill", "beekeeping", "es") == "Beekeeping"
        assert label("skill", "never_configured", "es") == "Never configured"
    finally:
        reset_vocabulary()


@pytest.mark.parametrize("locale", locales())
def test_every_language_of_the_program_has_a_name(locale: str) -> None:
    codes = {"en"} | {code for region in REGIONS for code, _ in region.languages}
    for code in sorted(codes):
        name = language_name(code, locale)
        assert name and name != code, (locale, code)
    assert language_name("es", "en") == "Spanish"
    assert language_name("en", "es") == "inglés"


def test_lists_join_the_language_way() -> None:
    assert and_list(["Cooking", "Driving"], "en") == "Cooking and Driving"
    assert and_list(["cocina", "manejar"], "es") == "cocina y manejar"
    assert and_list([], "es") == ""


@pytest.mark.parametrize("module", [i18n, negotiation], ids=lambda m: m.__name__)
def test_doctests(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]  # a module object
    assert result.attempted > 0
    assert result.failed == 0
