"""The family's "What a raise is worth" page over HTTP, on both stores (no model run: the
household facts are missing, and the page says so; other roles do not get it)."""

from __future__ import annotations

from tests.web.conftest import Web


def test_the_page_says_what_is_missing_and_gives_no_advice(web: Web) -> None:
    ana = web.signed_in("family", "ana")
    page = ana.get("/app/family/keep")
    assert page.status_code == 200
    assert "What a raise is worth" in page.text
    assert "facts, not advice" in page.text
    assert 'role="alert"' in page.text and "adults" in page.text  # give the adults' ages first
    assert 'href="/app/family/keep"' in ana.get("/app/family").text


def test_it_is_a_family_page_only(web: Web) -> None:
    olga = web.signed_in("organizer", "olga", "oakland")
    answer = olga.get("/app/family/keep", follow_redirects=False)
    assert answer.status_code in (302, 303, 403)
    assert "What a raise is worth" not in answer.text
