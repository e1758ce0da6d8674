"""Staff (program liaisons): a region's verification queue for a quarter, with the reason each
report is in it, and what the evidence showed: *verified*, or a correction of the figures.

Staff never advise: the forms here carry an evidence type and figures (numbers and yes/no)
only; there is no text field, because the API has none for staff (``verifyReport``,
``recordCorrection``). The queue is the API's ``verificationQueue``, so staff see what the
policy lets them see: reports of their regions' families in the queue, by family id, nothing
else.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service.auth import Principal, Role
from graph_service.services.clock import today
from graph_service.web import figures, gql
from graph_service.web.guard import N_, form_of, redirect, signed_in
from graph_service.web.render import render
from models.journal import EvidenceType, Month

router = APIRouter(prefix="/app/staff")

PER_PAGE = 25  # queue entries per page (a large region's queue has thousands)


def queue_query(per_page: int) -> str:
    """One page of the queue and its size (the service keeps the queue; only the page is
    sent). The page size is a literal, so the query's cost counts this page, not the largest."""
    return f"""
query Queue($r: ID!, $q: String!, $o: Int!) {{
  verificationQueueSize(regionId: $r, quarter: $q)
  verificationQueue(regionId: $r, quarter: $q, first: {per_page}, offset: $o) {{
    familyId reasons flagged sampled outcome
    report {{ id month version kind submittedOn late correctedByStaff {figures.SELECTION} }}
  }}
}}
"""


VERIFY = (
    "mutation($r: String!, $e: EvidenceType!) { verifyReport(reportId: $r, evidence: $e) "
    "{ outcome } }"
)
CORRECT = (
    "mutation($r: String!, $e: EvidenceType!, $i: StaffCorrectionInput!) { "
    "recordCorrection(reportId: $r, evidence: $e, input: $i) { outcome correctedReportId } }"
)

EVIDENCE = {
    EvidenceType.PAY_STUB: N_("Pay stub"),
    EvidenceType.BANK_STATEMENT: N_("Bank statement"),
    EvidenceType.SCHOOL_REPORT: N_("School report"),
    EvidenceType.BENEFITS_LETTER: N_("Benefits letter"),
    EvidenceType.RECEIPT: N_("Receipt"),
}
REASONS = {"random sample": N_("random sample"), "flagged as unusual": N_("flagged as unusual")}
OUTCOMES = {"VERIFIED": N_("Verified"), "CORRECTED": N_("Corrected")}
NOTICES = {
    "verified": N_("Recorded: the evidence supports the report."),
    "corrected": N_("Recorded: the correction is a new version; the checked one is kept."),
}
QUARTERS_SHOWN = 4


def quarters() -> list[str]:
    """This quarter and the ones before it (newest first)."""
    month = Month.of(today())
    return [Month.quarter(Month.add(month, -3 * i)) for i in range(QUARTERS_SHOWN)]


def _regions(who: Principal) -> list[str]:
    return sorted(who.regions)


async def page(request: Request, problems: list[gql.Problem] | None = None) -> Response:
    who = await signed_in(request, Role.STAFF)
    if isinstance(who, Response):
        return who
    form = await form_of(request) if problems else {}
    regions = _regions(who)
    wanted = form.get("region") or request.query_params.get("region")
    region = wanted if wanted in regions else (regions[0] if regions else None)
    shown = quarters()
    wanted = form.get("quarter") or request.query_params.get("quarter")
    quarter = wanted if wanted in shown else shown[0]
    wanted = form.get("page") or request.query_params.get("page") or "1"
    number = max(int(wanted) if wanted.isdigit() and len(wanted) < 9 else 1, 1)
    answer, entries, total = await _queue_page(request, who, region, quarter, number)
    pages = max(1, -(-total // PER_PAGE))
    if number > pages:  # past the end (the queue got shorter): its last page
        number = pages
        answer, entries, total = await _queue_page(request, who, region, quarter, number)
    failed = form.get("report_id") if problems else None
    named = {f.name for f in figures.STAFF_FIELDS} | {"evidence"}
    if not any(e["report"]["id"] == failed for e in entries):
        named = set()  # the report is no longer in the queue: every problem on top
    return await render(
        request,
        "staff.html",
        status_code=400 if problems else 200,
        regions=regions,
        region=region,
        quarters=shown,
        quarter=quarter,
        total=total,
        page=number,
        pages=pages,
        entries=[
            {
                **e,
                # Correction fields start empty: only what the evidence shows differently.
                "typed": form if e["report"]["id"] == failed else {},
                "shown": figures.to_form(e["report"]),
                "problems": {p.field: p for p in problems or [] if p.field in named}
                if e["report"]["id"] == failed
                else {},
            }
            for e in entries
        ],
        problems=[
            p
            for p in (problems or []) + (answer.problems if answer else [])
            if p.field not in named
        ],
        notice=NOTICES.get(request.query_params.get("done", "")),
        evidence=EVIDENCE,
        reasons=REASONS,
        outcomes=OUTCOMES,
        groups=figures.GROUPS,
    )


async def _queue_page(
    request: Request, who: Principal, region: str | None, quarter: str, number: int
) -> tuple[gql.Answer | None, list[dict[str, Any]], int]:
    """Page ``number`` of the queue (its entries) and the queue's size."""
    if region is None:
        return None, [], 0
    variables = {"r": region, "q": quarter, "o": (number - 1) * PER_PAGE}
    answer = await gql.run(request, who, queue_query(PER_PAGE), variables)
    entries: list[dict[str, Any]] = answer.data.get("verificationQueue") or []
    return answer, entries, int(answer.data.get("verificationQueueSize") or 0)


@router.get("")
async def queue(request: Request) -> Response:
    return await page(request)


async def _record(request: Request, correction: bool) -> Response:
    who = await signed_in(request, Role.STAFF, post=True)
    if isinstance(who, Response):
        return who
    form = await form_of(request)
    variables: dict[str, Any] = {"r": form.get("report_id", ""), "e": form.get("evidence", "")}
    if correction:
        values, problems = figures.from_form(form, figures.STAFF_FIELDS)
        if problems:
            return await page(request, problems)
        variables["i"] = values
    answer = await gql.run(request, who, CORRECT if correction else VERIFY, variables)
    if not answer.ok:
        return await page(request, answer.problems)
    done = "corrected" if correction else "verified"
    back = {
        "region": form.get("region", ""),
        "quarter": form.get("quarter", ""),
        "page": form.get("page", "1"),
        "done": done,
    }
    return redirect(f"/app/staff?{urlencode(back)}")


@router.post("/verify")
async def verify(request: Request) -> Response:
    return await _record(request, correction=False)


@router.post("/correct")
async def correct(request: Request) -> Response:
    return await _record(request, correction=True)
