"""The journal and staff pages over real HTTP, on both stores: a family's baseline, this
month's entry, a correction and a step toward a goal; staff verify and correct from the queue;
errors next to their field; and the attacks (wrong role, missing CSRF, another region)."""

from __future__ import annotations

import re
from typing import Any, cast

import httpx
import pytest

from graph_service.services.clock import today
from graph_service.web import pages_staff
from models.journal import Month, MonthlyReport, Verification
from tests.web.conftest import Web, csrf_of

THIS_MONTH = Month.of(today())
LAST_MONTH = Month.add(THIS_MONTH, -1)
FIGURES = {
    "householdSize": "4",
    "earnedIncomeCents": "2100.50",
    "benefitsCents": "300",
    "savingsCents": "800",
    "debtCents": "5000",
    "rentOnTime": "yes",
}


def _reports(web: Web, family: str) -> list[MonthlyReport]:
    found = web.store.journal_of("reports", [family]).get(family, [])
    return sorted(cast(list[MonthlyReport], found), key=lambda r: (r.month, r.version))


def _checks(web: Web, family: str) -> list[Verification]:
    return cast(list[Verification], web.store.journal_of("verifications", [family]).get(family, []))


def _post(http: httpx.Client, path: str, form: dict[str, str], page: str) -> httpx.Response:
    token = csrf_of(http.get(page).text)
    return http.post(path, data={**form, "csrf": token})


def _with_entry(web: Web, family: str = "ana") -> httpx.Client:
    """A family signed in, with its starting point and this month's entry in."""
    http = web.signed_in("family", family)
    page = "/app/family/journal"
    done = _post(http, page, {**FIGURES, "kind": "BASELINE", "month": LAST_MONTH}, page)
    assert done.status_code == 303 and done.headers["location"].endswith("done=baseline")
    done = _post(http, page, {**FIGURES, "kind": "MONTHLY", "month": THIS_MONTH}, page)
    assert done.status_code == 303 and done.headers["location"].endswith("done=submitted")
    return http


def test_a_family_writes_its_starting_point_then_this_months_entry_and_corrects_it(
    web: Web,
) -> None:
    ana = web.signed_in("family", "ana")
    first = ana.get("/app/family/journal")
    assert first.status_code == 200 and "Your starting point" in first.text
    assert f'value="{LAST_MONTH}"' in first.text  # the starting point's month
    ana = _with_entry(web)
    reports = _reports(web, "ana")
    assert [(r.month, r.kind.value, r.version) for r in reports] == [
        (LAST_MONTH, "baseline", 1),
        (THIS_MONTH, "monthly", 1),
    ]
    assert reports[1].earned_income_cents == 210050 and reports[1].rent_on_time is True
    page = ana.get("/app/family/journal?done=submitted").text
    assert "this month&#39;s entry is in" in page.lower() or "this month's entry is in" in page
    assert "$2,100.50" in page

    # A correction is a new version; the first one stays.
    form = ana.get(f"/app/family/journal?correct={THIS_MONTH}").text
    assert 'id="correct-earnedIncomeCents" name="earnedIncomeCents"' in form
    assert 'value="2100.50"' in form  # the form starts from the latest version
    done = _post(
        ana,
        "/app/family/journal/correct",
        {**FIGURES, "month": THIS_MONTH, "savingsCents": "950"},
        "/app/family/journal",
    )
    assert done.status_code == 303 and done.headers["location"].endswith("done=corrected")
    versions = [r for r in _reports(web, "ana") if r.month == THIS_MONTH]
    assert [(r.version, r.savings_cents) for r in versions] == [(1, 80000), (2, 95000)]
    assert "2 versions" in ana.get("/app/family/journal").text


def test_errors_are_shown_next_to_their_field_and_nothing_is_written(web: Web) -> None:
    ana = web.signed_in("family", "ana")
    page = "/app/family/journal"
    # A figure the page cannot read as dollars.
    bad = {**FIGURES, "kind": "BASELINE", "month": LAST_MONTH, "earnedIncomeCents": "lots"}
    answer = _post(ana, page, bad, page)
    assert answer.status_code == 400
    assert re.search(r'id="entry-earnedIncomeCents-error">Write an amount in dollars', answer.text)
    assert 'aria-invalid="true"' in answer.text and 'value="lots"' in answer.text
    # A figure the API refuses (a household of 99): its field, as the API names it.
    answer = _post(
        ana, page, {**FIGURES, "kind": "BASELINE", "month": LAST_MONTH, "householdSize": "99"}, page
    )
    assert answer.status_code == 400
    assert 'id="entry-householdSize-error"' in answer.text
    assert _reports(web, "ana") == []
    # A second entry for a month: the rule's message next to the month.
    ana = _with_entry(web, "ben")
    again = _post(ana, page, {**FIGURES, "kind": "MONTHLY", "month": THIS_MONTH}, page)
    assert again.status_code == 400
    assert re.search(r'id="entry-month-error">[^<]*already in; correct it instead', again.text)
    assert len(_reports(web, "ben")) == 2


def test_a_step_toward_a_goal_can_reach_it(web: Web) -> None:
    ben = web.signed_in("family", "ben")
    page = ben.get("/app/family/journal").text
    goals = re.findall(r'<option value="([a-z_]+)" >', page.split('id="action-goal"', 1)[1])
    assert goals, "ben pursues goals"
    step = {"what": "Opened a savings account", "domain": "INCOME_SAVINGS", "goalId": goals[0]}
    done = _post(
        ben, "/app/family/journal/action", {**step, "achievesGoal": "yes"}, "/app/family/journal"
    )
    assert done.status_code == 303
    listed = ben.get("/app/family/journal").text
    assert "Opened a savings account" in listed and "Goal reached" in listed
    pursuit = next(p for p in web.store.pursuits_of(["ben"])["ben"] if p.goal_id == goals[0])
    assert pursuit.status.value == "achieved"
    # Without the step's words: the API's error, next to the field.
    refused = _post(
        ben, "/app/family/journal/action", {"what": " ", "domain": "HEALTH"}, "/app/family/journal"
    )
    assert refused.status_code == 400 and 'id="action-what-error"' in refused.text


def _queue(staff: httpx.Client) -> str:
    answer = staff.get("/app/staff")
    assert answer.status_code == 200
    return answer.text


def test_staff_see_the_report_with_its_reason_and_verify_it(web: Web) -> None:
    _with_entry(web)
    staff = web.signed_in("staff", "sam", "oakland")
    assert staff.get("/app/").headers["location"] == "/app/staff"
    queue = _queue(staff)
    # The quarter's sample of ana's reports (this month's, and the starting point when it is
    # in the same quarter): the sample's size rounds up, so at least one is there.
    found = re.search(r"Verified: (ana--\d{4}-\d{2}--v1)", queue)
    assert found and "Family ana" in queue and "random sample" in queue
    report = found.group(1)
    assert "The Ana family" not in queue  # staff read reports, not profiles
    assert "<textarea" not in queue  # no way to write to a family
    form = {"report_id": report, "evidence": "PAY_STUB", "region": "oakland"}
    done = _post(staff, "/app/staff/verify", form, "/app/staff")
    assert done.status_code == 303 and "done=verified" in done.headers["location"]
    checks = _checks(web, "ana")
    assert [(c.report_id, c.outcome.value, c.evidence.value) for c in checks] == [
        (report, "verified", "pay_stub")
    ]
    assert "Verified" in _queue(staff)
    again = _post(staff, "/app/staff/verify", form, "/app/staff")  # a version is checked once
    assert again.status_code == 400 and len(_checks(web, "ana")) == 1


def test_staff_record_a_correction_with_figures_only(web: Web) -> None:
    _with_entry(web)
    staff = web.signed_in("staff", "sam", "oakland")
    report = f"ana--{THIS_MONTH}--v1"
    form = {"report_id": report, "evidence": "BANK_STATEMENT", "savingsCents": "80", "note": "x"}
    done = _post(staff, "/app/staff/correct", form, "/app/staff")
    assert done.status_code == 303
    latest = _reports(web, "ana")[-1]
    assert (latest.version, latest.savings_cents, latest.note) == (2, 8000, "")
    assert latest.corrected_by == "sam"
    unreadable = {**form, "report_id": latest.id, "savingsCents": "-"}
    bad = _post(staff, "/app/staff/correct", unreadable, "/app/staff")
    assert bad.status_code == 400 and "Write an amount in dollars" in bad.text
    assert _reports(web, "ana")[-1] == latest


def test_the_attacks_are_refused(web: Web) -> None:
    _with_entry(web)
    before = _reports(web, "ana")
    family = web.signed_in("family", "ben")
    assert family.get("/app/staff").status_code == 403
    staff = web.signed_in("staff", "sam", "oakland")
    assert staff.get("/app/family/journal").status_code == 403
    # Staff cannot write a family's report, even with their own valid CSRF token.
    token = csrf_of(staff.get("/app/staff").text)
    entry: dict[str, Any] = {**FIGURES, "kind": "MONTHLY", "month": THIS_MONTH, "csrf": token}
    assert staff.post("/app/family/journal", data=entry).status_code == 403
    assert staff.post("/app/family/journal/correct", data=entry).status_code == 403
    # No CSRF token: refused, nothing written.
    ana = web.signed_in("family", "ana")
    ana.get("/app/family/journal")
    assert (
        ana.post("/app/family/journal/correct", data={**FIGURES, "month": THIS_MONTH}).status_code
        == 403
    )
    report = f"ana--{THIS_MONTH}--v1"
    assert (
        staff.post(
            "/app/staff/verify", data={"report_id": report, "evidence": "RECEIPT"}
        ).status_code
        == 403
    )
    # Staff of another region: the report is not theirs to check (answered like a missing one).
    elsewhere = web.signed_in("staff", "sue", "boston")
    assert report not in _queue(elsewhere)
    refused = _post(
        elsewhere, "/app/staff/verify", {"report_id": report, "evidence": "RECEIPT"}, "/app/staff"
    )
    assert (
        refused.status_code == 400 and "no report with this id that you may check" in refused.text
    )
    assert _reports(web, "ana") == before and _checks(web, "ana") == []


def test_the_new_pages_in_spanish(web: Web) -> None:
    ana = web.signed_in("family", "ana")
    ana.cookies.set("gs_lang", "es", path="/")
    page = ana.get("/app/family/journal").text
    assert '<html lang="es">' in page and "Mi diario" in page
    staff = web.signed_in("staff", "sam", "oakland")
    staff.cookies.set("gs_lang", "es", path="/")
    assert "Cola de verificación" in _queue(staff)


def test_an_admin_issues_a_staff_code(web: Web) -> None:
    admin = web.signed_in("admin", "root")
    form = {"role": "staff", "subject": "sam", "regions": "oakland"}
    issued = _post(admin, "/app/codes", form, "/app/codes")
    assert issued.status_code == 200
    code = re.search(r'id="issued-code">([A-Z2-9]{10})<', issued.text)
    assert code
    http = web.client()
    token = csrf_of(http.get("/app/sign-in").text)
    signed = http.post("/app/sign-in", data={"csrf": token, "code": code.group(1)})
    assert signed.headers["location"] == "/app/staff"
    no_region = _post(admin, "/app/codes", {**form, "regions": ""}, "/app/codes")
    assert no_region.status_code == 400 and "needs at least one region" in no_region.text


def test_the_queue_comes_in_pages(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages_staff, "PER_PAGE", 1)
    monkeypatch.setattr(web.settings, "verification_sample_share", 1.0)  # every report
    _with_entry(web, "ana")
    _with_entry(web, "ben")
    staff = web.signed_in("staff", "sam", "oakland")
    first = _queue(staff)
    total = int(re.search(r"(\d+) reports to check", first).group(1))  # type: ignore[union-attr]  # checked by the test
    assert total >= 2 and f"Page 1 of {total}." in first and first.count('<li class="card"') == 1
    assert "Next page" in first and "Previous page" not in first
    second = staff.get("/app/staff?region=oakland&page=2").text
    shown = re.findall(r"Verified: ([\w-]+--v1)", second)
    assert len(shown) == 1 and shown[0] not in first and "Previous page" in second
    form = {"report_id": shown[0], "evidence": "RECEIPT", "region": "oakland", "page": "2"}
    done = _post(staff, "/app/staff/verify", form, "/app/staff?page=2")
    assert done.status_code == 303 and "page=2" in done.headers["location"]
