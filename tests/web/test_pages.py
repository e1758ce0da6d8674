"""The web app over real HTTP, on both stores: sign-in, sessions, CSRF, roles, the pages'
writes through the GraphQL API, languages, pictures with the session, and the attacks."""

from __future__ import annotations

import httpx

from graph_service.web.session import SESSION_COOKIE
from tests.web.conftest import Web, csrf_of


def test_sign_in_sets_an_httponly_samesite_session_cookie(web: Web) -> None:
    http = web.client()
    token = csrf_of(http.get("/app/sign-in").text)
    answer = http.post("/app/sign-in", data={"csrf": token, "code": web.code("family", "ana")})
    assert answer.status_code == 303 and answer.headers["location"] == "/app/family"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    home = http.get("/app/family")
    assert home.status_code == 200 and "The Ana family" in home.text


def test_a_code_works_once(web: Web) -> None:
    code = web.code("family", "ana")
    first, second = web.client(), web.client()
    for http in (first, second):
        token = csrf_of(http.get("/app/sign-in").text)
        answer = http.post("/app/sign-in", data={"csrf": token, "code": code})
    assert answer.status_code == 401
    assert "not valid, was used already or has expired" in answer.text
    assert first.get("/app/family").status_code == 200
    assert second.get("/app/family").status_code == 303  # back to sign-in


def test_sign_in_without_the_forms_csrf_token_is_refused(web: Web) -> None:
    code = web.code("family", "ana")
    http = web.client()
    http.get("/app/sign-in")
    refused = http.post("/app/sign-in", data={"csrf": "0" * 32, "code": code})
    assert refused.status_code == 403
    # The code was not spent by the refused attempt.
    token = csrf_of(http.get("/app/sign-in").text)
    assert http.post("/app/sign-in", data={"csrf": token, "code": code}).status_code == 303


def test_sign_out_ends_the_session_for_good(web: Web) -> None:
    http = web.signed_in("family", "ana")
    stolen = http.cookies.get(SESSION_COOKIE, path="/")
    token = csrf_of(http.get("/app/family").text)
    assert http.post("/app/sign-out", data={"csrf": token}).status_code == 303
    replay = web.client()
    replay.cookies.set(SESSION_COOKIE, stolen or "", path="/")
    assert replay.get("/app/family").status_code == 303


def _help_count(web: Web, family: str) -> int:
    return len(web.store.help_of([family]).get(family, []))


def test_a_cross_site_post_changes_nothing(web: Web) -> None:
    victim = web.signed_in("family", "ana")
    attacker = web.signed_in("family", "ben")
    foreign = csrf_of(attacker.get("/app/family").text)  # a valid token, but for another session
    before = _help_count(web, "ana")
    form = {"to_id": "cruz", "kind": "childcare", "at": "2025-01-02", "hours": "1"}
    for token in ("", foreign):
        answer = victim.post("/app/family/help", data={**form, "csrf": token})
        assert answer.status_code == 403
    assert _help_count(web, "ana") == before


def test_family_records_help_and_the_receiver_confirms_it(web: Web) -> None:
    ana = web.signed_in("family", "ana")
    token = csrf_of(ana.get("/app/family").text)
    form = {"csrf": token, "to_id": "cruz", "kind": "childcare", "at": "2025-01-02"}
    answer = ana.post("/app/family/help", data={**form, "hours": "2", "amount": "30"})
    assert answer.status_code == 303 and answer.headers["location"] == "/app/family?done=help"
    recorded = [h for h in web.store.help_of(["ana"])["ana"] if h.at.isoformat() == "2025-01-02"]
    assert len(recorded) == 1 and recorded[0].hours == 2 and not recorded[0].confirmed
    cruz = web.signed_in("family", "cruz")
    page = cruz.get("/app/family").text
    assert f"/app/family/help/{recorded[0].id}/confirm" in page
    token = csrf_of(page)
    assert (
        cruz.post(f"/app/family/help/{recorded[0].id}/confirm", data={"csrf": token}).status_code
        == 303
    )
    assert next(h for h in web.store.help_of(["ana"])["ana"] if h.id == recorded[0].id).confirmed


def test_bad_input_is_shown_with_its_field_and_nothing_is_written(web: Web) -> None:
    ana = web.signed_in("family", "ana")
    token = csrf_of(ana.get("/app/family").text)
    before = _help_count(web, "ana")
    cases = [
        {"to_id": "cruz", "kind": "childcare", "hours": "-3"},
        {"to_id": "cruz", "kind": "childcare", "hours": "many"},
        {"to_id": "cruz", "kind": "not_a_kind"},
        {"to_id": "cruz", "kind": "childcare", "at": "2999-01-01"},
        {"to_id": "nobody", "kind": "childcare"},  # no such family
    ]
    for form in cases:
        answer = ana.post("/app/family/help", data={**form, "csrf": token})
        assert answer.status_code == 400, form
        assert 'role="alert"' in answer.text and "Traceback" not in answer.text
    assert _help_count(web, "ana") == before


def test_family_answers_an_invitation(web: Web) -> None:
    mia = web.signed_in("family", "mia")
    page = mia.get("/app/family").text
    assert "The Ana family invites you to join Oakland Movers." in page
    answer = mia.post("/app/family/invitations/oak-1/accept", data={"csrf": csrf_of(page)})
    assert answer.status_code == 303
    memberships = web.store.memberships_of_families(["mia"])["mia"]
    assert [m.status.value for m in memberships if m.cohort_id == "oak-1"] == ["active"]
    again = mia.post("/app/family/invitations/oak-1/accept", data={"csrf": csrf_of(page)})
    assert again.status_code == 400  # no pending invitation any more: a coded error, shown


def test_consent_form_sets_every_flag(web: Web) -> None:
    ana = web.signed_in("family", "ana")
    token = csrf_of(ana.get("/app/family").text)
    assert (
        ana.post("/app/family/consent", data={"csrf": token, "research": "yes"}).status_code == 303
    )
    consent = web.store.get_families(["ana"])["ana"].consent
    assert (consent.matching, consent.cross_region, consent.research) == (False, False, True)


def test_peer_suggestions_show_reasons_and_only_consenting_families(web: Web) -> None:
    page = web.signed_in("family", "mia").get("/app/family/peers").text
    assert "Why we suggest them" in page
    assert "The Eli family" not in page  # eli did not consent to matching
    assert "The Gus family" not in page  # another region
    assert "The Mia family</h2>" not in page  # never the family itself


def test_roles_see_only_their_pages(web: Web) -> None:
    family = web.signed_in("family", "ana")
    assert family.get("/app/organizer").status_code == 403
    assert family.get("/app/codes").status_code == 403
    assert family.get("/app/research").status_code == 403
    researcher = web.signed_in("researcher", "rita")
    assert researcher.get("/app/family").status_code == 403
    anonymous = web.client()
    for path in ("/app/family", "/app/organizer", "/app/research", "/app/codes"):
        answer = anonymous.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/app/sign-in"


def test_organizer_codes_only_for_families_of_their_regions(web: Web) -> None:
    olga = web.signed_in("organizer", "olga", "oakland")
    token = csrf_of(olga.get("/app/codes").text)
    mine = olga.post("/app/codes", data={"csrf": token, "subject": "ana"})
    assert mine.status_code == 200 and 'id="issued-code"' in mine.text
    other = olga.post("/app/codes", data={"csrf": token, "subject": "gus"})
    assert other.status_code == 400 and 'id="issued-code"' not in other.text
    # A role field in the form does not let an organizer make an admin code.
    forged = olga.post("/app/codes", data={"csrf": token, "subject": "ana", "role": "admin"})
    assert forged.status_code == 200 and "Code for ana" in forged.text


def test_organizer_overview_and_a_proposal_with_its_figures(web: Web) -> None:
    olga = web.signed_in("organizer", "olga", "oakland")
    page = olga.get("/app/organizer").text
    assert "/pictures/growth/oakland.png" in page and "/pictures/ripple/ana.png" in page
    page = olga.get("/app/organizer/proposals").text
    assert "8 families in the pool" in page
    answer = olga.post(
        "/app/organizer/proposals",
        data={"csrf": csrf_of(page), "region": "oakland", "min_size": "6", "max_size": "8"},
    )
    assert answer.status_code == 200 and "The proposal" in answer.text
    invited = web.store.memberships_of_families(["noe"])["noe"]
    assert [m.status.value for m in invited] == ["invited"]
    refused = olga.post(
        "/app/organizer/proposals", data={"csrf": csrf_of(page), "region": "boston"}
    )
    assert refused.status_code == 400  # not her region: FORBIDDEN from the API


def test_an_organizer_sees_a_stored_proposal_again_and_withdraws_it(web: Web) -> None:
    olga = web.signed_in("organizer", "olga", "oakland")
    page = olga.get("/app/organizer/proposals").text
    made = olga.post(
        "/app/organizer/proposals",
        data={"csrf": csrf_of(page), "region": "oakland", "min_size": "6", "max_size": "8"},
    )
    assert made.status_code == 200 and "Stored proposals" in made.text
    [stored] = web.store.list_proposals("oakland")
    again = olga.post(  # the same pool again: refused, nothing doubled
        "/app/organizer/proposals",
        data={"csrf": csrf_of(page), "region": "oakland", "min_size": "6", "max_size": "8"},
    )
    assert again.status_code == 400 and len(web.store.list_proposals("oakland")) == 1
    listed = olga.get("/app/organizer/proposals").text
    assert stored.id in listed and "pending" in listed and f"Withdraw {stored.id}" in listed
    done = olga.post(
        "/app/organizer/proposals/withdraw",
        data={"csrf": csrf_of(listed), "region": "oakland", "id": stored.id},
    )
    assert done.status_code == 200 and f"Proposal {stored.id} withdrawn" in done.text
    assert web.store.get_proposals([stored.id])[stored.id].status.value == "withdrawn"
    invited = web.store.memberships_of_families(["noe"])["noe"]
    assert [m.status.value for m in invited] == ["withdrawn"]


def test_pictures_open_with_the_session_cookie(web: Web) -> None:
    assert web.client().get("/pictures/ripple/ana.png").status_code == 401
    olga = web.signed_in("organizer", "olga", "oakland")
    picture = olga.get("/pictures/ripple/ana.png")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert olga.get("/pictures/ripple/gus.png").status_code in (403, 404)  # boston


def test_bearer_tokens_still_work_and_the_cookie_does_not_reach_graphql(web: Web) -> None:
    from graph_service.auth import Role, issue_token

    token = issue_token(web.settings, Role.FAMILY, "ana")
    http = httpx.Client(base_url=web.base, timeout=30)
    body = http.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert body["data"]["me"]["id"] == "ana"
    cookie_only = web.signed_in("family", "ana")
    body = cookie_only.post("/graphql", json={"query": "{ me { id } }"}).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_language_from_family_then_browser_then_the_switch(web: Web) -> None:
    fay = web.signed_in("family", "fay")  # speaks Spanish
    page = fay.get("/app/family")
    assert page.headers["content-language"] == "es" and 'lang="es"' in page.text
    assert "Mis metas y mi avance" in page.text
    anonymous = web.client()
    spanish = anonymous.get("/app/sign-in", headers={"Accept-Language": "fr, es;q=0.8, en;q=0.5"})
    assert spanish.headers["content-language"] == "es"
    switch = anonymous.get("/app/lang/en?next=/app/sign-in")
    assert switch.status_code == 303 and switch.headers["location"] == "/app/sign-in"
    english = anonymous.get("/app/sign-in", headers={"Accept-Language": "es"})
    assert english.headers["content-language"] == "en"
    evil = anonymous.get("/app/lang/es?next=https://evil.example/")
    assert evil.headers["location"] == "/app/"  # no open redirect


def test_research_tables_and_csv(web: Web) -> None:
    rita = web.signed_in("researcher", "rita")
    assert "network_figures" in rita.get("/app/research").text
    csv = rita.get("/app/research/network.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "table,row,column,count,suppressed,measure,value"
    assert "The Ana family" not in csv.text and "ana@" not in csv.text


def test_a_family_without_matching_consent_still_gets_its_pages(web: Web) -> None:
    eli = web.signed_in("family", "eli")  # consented to nothing
    home = eli.get("/app/family")
    assert home.status_code == 200 and "The Eli family" in home.text
    peers = eli.get("/app/family/peers")
    assert peers.status_code == 200 and "You chose not to be suggested" in peers.text
    assert 'role="alert"' not in peers.text
