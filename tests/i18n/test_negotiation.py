"""The language negotiator: Accept-Language by weight, the family's languages, English."""

from __future__ import annotations

import pytest

from graph_service.i18n import negotiate
from graph_service.i18n.negotiation import from_header, parse_accept_language

OFFERED = ["en", "es"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es", "es"),
        ("es-MX", "es"),
        ("ES-mx", "es"),
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("es;q=0.4, en;q=0.6", "en"),
        ("fr, es;q=0.5", "es"),
        ("fr-CA, fr;q=0.9", None),
        ("*", "en"),
        ("es;q=0, *;q=0.5", "en"),
        ("en;q=0, *", "es"),
        ("en;q=0, es;q=0", None),
        ("es;q=abc, en;q=0.1", "en"),  # a malformed weight ignores its range
        ("es;q=1.5", None),
        ("", None),
        (None, None),
        ("%%%, es", "es"),
        ("," * 5000 + "es", None),  # only the first 1,000 characters are read
    ],
)
def test_from_header(header: str | None, expected: str | None) -> None:
    assert from_header(header, OFFERED) == expected


def test_equal_weights_keep_the_header_order() -> None:
    assert parse_accept_language("es, en") == [("es", 1.0), ("en", 1.0)]
    assert from_header("es, en", OFFERED) == "es"
    assert from_header("en, es", OFFERED) == "en"


def test_the_header_wins_over_the_family_then_the_family_then_english() -> None:
    assert negotiate(accept_language="en", family_languages=["es"]) == "en"
    assert negotiate(accept_language="de", family_languages=["vi", "es"]) == "es"
    assert negotiate(family_languages=["ES"]) == "es"
    assert negotiate(family_languages=["hmn"]) == "en"
    assert negotiate() == "en"


def test_an_explicit_choice_wins_when_offered() -> None:
    assert negotiate(chosen="es", accept_language="en") == "es"
    assert negotiate(chosen="xx", accept_language="es") == "es"
