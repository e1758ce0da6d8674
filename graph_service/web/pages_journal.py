"""The family's journal: this month's entry (the baseline first), past reports with their
versions, a correction as a new version, and actions toward the family's goals.

Each read and write is a GraphQL operation as the signed-in family (``submitReport``,
``correctReport``, ``recordAction``, ``journal``); the forms post normally and answer with a
redirect, and an error is shown next to the field the API (or the page, for a number it
cannot read) names.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service.auth import Role
from graph_service.services.clock import today
from graph_service.web import figures, gql
from graph_service.web.guard import N_, family_post, form_of, signed_in
from graph_service.web.render import render
from models.journal import Domain, Month

router = APIRouter(prefix="/app/family/journal")

JOURNAL = f"""
query Journal {{
  me {{ id name languages goals {{ goal {{ id label }} status }} }}
  journal {{
    reports {{ id month version kind submittedOn late correctedByStaff {figures.SELECTION} }}
    actions {{ id at domain what goalId achievesGoal }}
  }}
  paymentRules {{ perReportCents deadlineDay }}
}}
"""
SUBMIT = "mutation($i: SubmitReportInput!) { submitReport(input: $i) { id } }"
CORRECT = (
    "mutation($m: String!, $i: ReportFiguresInput!) { correctReport(month: $m, input: $i) { id } }"
)
ACTION = "mutation($i: RecordActionInput!) { recordAction(input: $i) { id } }"

DOMAINS = {
    Domain.INCOME_SAVINGS: N_("Income and savings"),
    Domain.HOUSING: N_("Housing"),
    Domain.HEALTH: N_("Health"),
    Domain.EDUCATION_SKILLS: N_("Education and skills"),
    Domain.LEADERSHIP: N_("Leadership and resourcefulness"),
    Domain.CONNECTIONS: N_("Connections and helping others"),
}
NOTICES = {
    "baseline": N_("Your starting point is saved. Next, this month's entry."),
    "submitted": N_("Thank you: this month's entry is in."),
    "corrected": N_("Your correction is saved as a new version; the earlier one is kept."),
    "action": N_("Your step is recorded."),
}
# Which form a problem belongs to (the one that was posted).
FORMS = {"/app/family/journal": "entry", "/app/family/journal/correct": "correct"}


def _versions(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per month (newest first): its latest version and every version."""
    months: dict[str, list[dict[str, Any]]] = {}
    for report in reports:
        months.setdefault(report["month"], []).append(report)
    rows = []
    for month in sorted(months, reverse=True):
        versions = sorted(months[month], key=lambda r: r["version"])
        rows.append({"month": month, "latest": versions[-1], "versions": versions})
    return rows


async def page(request: Request, problems: list[gql.Problem] | None = None) -> Response:
    who = await signed_in(request, Role.FAMILY)
    if isinstance(who, Response):
        return who
    answer = await gql.run(request, who, JOURNAL)
    me = answer.data.get("me")
    if me is None:
        return await render(request, "error.html", problems=answer.problems, status_code=404)
    journal = answer.data.get("journal") or {"reports": [], "actions": []}
    rows = _versions(journal["reports"])
    latest = {row["month"]: row["latest"] for row in rows}
    this_month = Month.of(today())
    has_baseline = any(r["kind"] == "BASELINE" for r in journal["reports"])
    # After a refused post, the form that was posted is shown again with what was typed.
    posted = FORMS.get(request.url.path, "action") if problems else None
    form = await form_of(request) if posted else {}
    correcting = form.get("month") if posted == "correct" else request.query_params.get("correct")
    if correcting not in latest:
        correcting = None
    named = {f.name for f in figures.FIELDS} | {"month", "domain", "what", "at", "goalId"}
    field_problems = {p.field: p for p in problems or [] if p.field in named}
    # the starting point is the month before the first monthly entry
    entry_month = this_month if has_baseline else Month.add(this_month, -1)
    entry_values = figures.to_form(rows[0]["latest"] if rows else None)
    goals = {g["goal"]["id"]: g for g in me["goals"]}
    return await render(
        request,
        "journal.html",
        status_code=400 if problems else 200,
        family_languages=tuple(me["languages"]),
        me=me,
        problems=[p for p in (problems or []) + answer.problems if p.field not in named],
        field_problems=field_problems,
        posted=posted,
        notice=NOTICES.get(request.query_params.get("done", "")),
        rules=answer.data.get("paymentRules"),
        groups=figures.GROUPS,
        note=figures.NOTE,
        has_baseline=has_baseline,
        this_month=this_month,
        entry_month=form.get("month", entry_month) if posted == "entry" else entry_month,
        this_month_in=this_month in latest,
        entry_values=form if posted == "entry" else entry_values,
        correcting=correcting,
        correct_values=form
        if posted == "correct"
        else figures.to_form(latest.get(correcting or "")),
        rows=rows,
        actions=list(reversed(journal["actions"])),
        action_values=form if posted == "action" else {},
        domains=DOMAINS,
        domains_by_name={d.name: label for d, label in DOMAINS.items()},
        goals=goals,
        open_goals=[g for g in me["goals"] if g["status"] == "ACTIVE"],
        today=today().isoformat(),
    )


@router.get("")
async def journal_page(request: Request) -> Response:
    return await page(request)


async def _post(request: Request, mutation: str, variables: dict[str, Any], done: str) -> Response:
    return await family_post(request, mutation, variables, page, f"/app/family/journal?done={done}")


@router.post("")
async def submit(request: Request) -> Response:
    form = await form_of(request)
    values, problems = figures.from_form(form)
    baseline = form.get("kind") == "BASELINE"
    if problems:
        return await _refused(request, problems)
    values |= {"month": form.get("month", ""), "kind": "BASELINE" if baseline else "MONTHLY"}
    return await _post(request, SUBMIT, {"i": values}, "baseline" if baseline else "submitted")


@router.post("/correct")
async def correct(request: Request) -> Response:
    form = await form_of(request)
    values, problems = figures.from_form(form)
    if problems:
        return await _refused(request, problems)
    return await _post(request, CORRECT, {"m": form.get("month", ""), "i": values}, "corrected")


@router.post("/action")
async def record_action(request: Request) -> Response:
    form = await form_of(request)
    values: dict[str, Any] = {
        "domain": form.get("domain", ""),
        "what": form.get("what", "").strip(),
        "achievesGoal": form.get("achievesGoal") == "yes",
    }
    if form.get("at"):
        values["at"] = form["at"]
    if form.get("goalId"):
        values["goalId"] = form["goalId"]
    return await _post(request, ACTION, {"i": values}, "action")


async def _refused(request: Request, problems: list[gql.Problem]) -> Response:
    """A form the page could not read: shown again (after the usual checks) with its problems."""
    who = await signed_in(request, Role.FAMILY, post=True)
    if isinstance(who, Response):
        return who
    return await page(request, problems)
