"""Researcher pages: the de-identified reports as tables, each downloadable as CSV.

The reports are the API's (same disclosure control: small cells suppressed)."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from graph_service.auth import Principal, Role
from graph_service.web import gql
from graph_service.web.guard import N_, signed_in
from graph_service.web.render import render

router = APIRouter(prefix="/app/research")

REPORTS = {
    "network": ("networkSummary(regionId: $r)", N_("The support network")),
    "ripple": ("rippleResearch(regionId: $r)", N_("Ripple growth")),
    "outcomes": ("outcomesByNetwork(regionId: $r)", N_("Outcomes by network position")),
}
FIELDS = """{ regionId periodFrom periodTo smallCellThreshold
  tables { name rowVariable columnVariable
    cells { row column count suppressed measures { name value } } } }"""


async def _report(request: Request, who: Principal, report: str, region: str | None) -> gql.Answer:
    field = REPORTS[report][0]
    query = f"query($r: ID) {{ report: {field} {FIELDS} }}"
    return await gql.run(request, who, query, {"r": region or None})


def _region(request: Request) -> str | None:
    value = request.query_params.get("region") or None
    return value if value is None or value.replace("-", "").replace("_", "").isalnum() else None


@router.get("")
async def reports(request: Request) -> Response:
    who = await signed_in(request, Role.RESEARCHER, Role.ADMIN)
    if isinstance(who, Response):
        return who
    report = request.query_params.get("report", "network")
    report = report if report in REPORTS else "network"
    region = _region(request)
    regions = (await gql.run(request, who, "{ regions { id name } }")).data.get("regions") or []
    answer = await _report(request, who, report, region)
    return await render(
        request,
        "research.html",
        reports={k: v[1] for k, v in REPORTS.items()},
        report=report,
        region=region,
        regions=regions,
        data=answer.data.get("report"),
        problems=answer.problems,
    )


def _rows(data: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = [["table", "row", "column", "count", "suppressed", "measure", "value"]]
    for table in data["tables"]:
        for cell in table["cells"]:
            base = [table["name"], cell["row"], cell["column"], cell["count"], cell["suppressed"]]
            rows.append([*base, "", ""])
            rows.extend([*base, m["name"], m["value"]] for m in cell["measures"])
    return rows


@router.get("/{report}.csv")
async def download(request: Request, report: str) -> Response:
    who = await signed_in(request, Role.RESEARCHER, Role.ADMIN)
    if isinstance(who, Response):
        return who
    if report not in REPORTS:
        return Response(status_code=404)
    answer = await _report(request, who, report, _region(request))
    if not answer.ok or not answer.data.get("report"):
        return Response(
            "\n".join(f"{p.code}: {p.message}" for p in answer.problems),
            status_code=400,
            media_type="text/plain",
        )
    out = io.StringIO()
    csv.writer(out).writerows(_rows(answer.data["report"]))
    name = f"{report}-{_region(request) or 'all'}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
