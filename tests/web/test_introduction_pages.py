"""The web app's peers page explains a short answer, and the introduction flow works over
plain HTTP on both stores (demo network; mia is in Oakland, see graph_service/demo.py)."""

from __future__ import annotations

import re

from tests.web.conftest import Web, csrf_of


def test_ana_reads_why_she_has_no_suggestion_in_her_language(web: Web) -> None:
    ana = web.signed_in("family", "ana")
    page = ana.get("/app/family/peers").text
    assert "Why there are not more suggestions" in page
    assert "near you are already in your cohort." in page  # SOME_IN_COHORT (newcomers too)
    fay = web.signed_in("family", "fay")  # speaks only Spanish
    page = fay.get("/app/family/peers").text
    assert "Por qué no hay más sugerencias" in page
    assert "ya están en su grupo" in page or "ya está en su grupo" in page


def test_ask_accept_and_see_each_others_contact_then_withdraw(web: Web) -> None:
    ana = web.signed_in("family", "ana")
    token = csrf_of(ana.get("/app/family/introductions").text)
    asked = ana.post(
        "/app/family/introductions",
        data={"csrf": token, "to_id": "gus", "contact": "ana-phone-555"},
    )
    assert asked.status_code == 303
    assert asked.headers["location"] == "/app/family/introductions?done=requested"
    gus = web.signed_in("family", "gus")
    page = gus.get("/app/family/introductions").text
    assert "The Ana family" in page and "ana-phone-555" not in page  # nothing before a yes
    [intro_id] = re.findall(r"/app/family/introductions/(intro-[0-9a-f]+)/accept", page)
    token = csrf_of(page)
    accepted = gus.post(
        f"/app/family/introductions/{intro_id}/accept",
        data={"csrf": token, "contact": "gus-mail"},
    )
    assert accepted.status_code == 303
    assert "ana-phone-555" in gus.get("/app/family/introductions").text
    assert "gus-mail" in ana.get("/app/family/introductions").text
    # a third family sees none of it, and cannot act on it
    kim = web.signed_in("family", "kim")
    page = kim.get("/app/family/introductions").text
    assert "gus-mail" not in page and "ana-phone-555" not in page
    refused = kim.post(
        f"/app/family/introductions/{intro_id}/withdraw", data={"csrf": csrf_of(page)}
    )
    assert refused.status_code == 400 and 'role="alert"' in refused.text
    token = csrf_of(ana.get("/app/family/introductions").text)
    withdrawn = ana.post(f"/app/family/introductions/{intro_id}/withdraw", data={"csrf": token})
    assert withdrawn.status_code == 303
    assert "gus-mail" not in ana.get("/app/family/introductions").text
    assert "ana-phone-555" not in gus.get("/app/family/introductions").text


def test_a_post_without_the_csrf_token_asks_nothing(web: Web) -> None:
    ana = web.signed_in("family", "ana")
    ana.get("/app/family/introductions")
    refused = ana.post("/app/family/introductions", data={"csrf": "", "to_id": "gus"})
    assert refused.status_code == 403
    assert web.store.introductions_of(["ana"])["ana"] == []
