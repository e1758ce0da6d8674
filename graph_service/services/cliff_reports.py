"""Protected aggregates of benefit-cliff exposure: organizers' counts, researchers' tables,
reform simulations. Never which families.

Every answer is a release through :func:`graph_service.services.privacy_budget.release`:
noisy counts (families as the unit of privacy, sensitivities in
:func:`graph_service.analytics.privacy.sensitivity`), small cells suppressed, charged to the
caller's quarterly budget, repeats free. Organizers count the families of a region they
serve (the counts derive from private household facts, so they get the researchers'
protection, not the exact small counts of ``stats``); researchers count only families who
consented to research.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graph_service.analytics.cliff import EXPOSURES
from graph_service.analytics.disclosure import Cell, Table, make_table
from graph_service.analytics.privacy import CLIFF_MAX_DOLLARS
from graph_service.auth import Principal, Role
from graph_service.errors import NotFound
from graph_service.services.access import Action, authorize, require_region, require_role
from graph_service.services.cliff_exposure import (
    HOUSEHOLD_TYPES,
    INCOME_BANDS,
    STEPS,
    FamilyExposure,
    Progress,
    engine_for,
)
from graph_service.services.common import viewer_of
from graph_service.services.privacy_budget import Period, Release, release
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore
from models import FieldProblem, ValidationFailed

NO_PERIOD: Period = (None, None)


def _step_label(step: float) -> str:
    return f"{int(step)}"


def _counts(
    name: str,
    row_header: str,
    rows: Iterable[str],
    results: Iterable[FamilyExposure],
    row_of: Any,
    step_index: int,
) -> Table:
    keys = list(rows)
    grid = {k: dict.fromkeys(EXPOSURES, 0) for k in keys}
    for r in results:
        row = row_of(r)
        if row in grid:
            grid[row][r.exposures()[step_index]] += 1
    return make_table(
        name,
        row_header,
        "exposure",
        [(k, [Cell(grid[k][e]) for e in EXPOSURES]) for k in keys],
        list(EXPOSURES),
        margins="both",
    )


def _region_or_404(store: GraphStore, region: str) -> None:
    if region not in {r.id for r in store.list_regions()}:
        raise NotFound(f"region {region!r} does not exist", field="regionId")


def organizer_counts(
    store: GraphStore, settings: Settings, principal: Principal, region: str
) -> tuple[Release | None, Progress]:
    """Per region: families whose next $1,000 / $2,500 / $5,000 would leave them less than
    half of it, or less than nothing (``None`` until a first run finished)."""
    authorize(viewer_of(store, principal), Action.READ_CLIFF_COUNTS)
    require_region(principal, region, field="regionId")
    _region_or_404(store, region)
    engine = engine_for(store, settings)
    engine.ensure_fresh(settings.background_wait_s)
    results, progress = engine.snapshot()
    if progress.computed_at is None:
        return None, progress
    mine = [r for r in results.values() if r.region == region]

    def compute() -> tuple[str | None, Period, list[Table]]:
        keys = [_step_label(s) for s in STEPS]
        grid = {k: dict.fromkeys(EXPOSURES, 0) for k in keys}
        for r in mine:
            for k, e in zip(keys, r.exposures(), strict=True):
                grid[k][e] += 1
        table = make_table(
            "cliff_next_raise",
            "raise",
            "exposure",
            [(k, [Cell(grid[k][e]) for e in EXPOSURES]) for k in keys],
            list(EXPOSURES),
            margins="rows",
        )
        return region, NO_PERIOD, [table]

    parameters = {"region": region, "results": progress.data_version}
    answer = release(
        store,
        settings,
        principal,
        "cliff_counts",
        parameters,
        compute,
        roles=(Role.ORGANIZER, Role.ADMIN),
    )
    return answer, progress


def _step_index(step: int) -> int:
    if float(step) not in STEPS:
        raise ValidationFailed([FieldProblem("step", f"one of {[int(s) for s in STEPS]}")])
    return STEPS.index(float(step))


def research_exposure(
    store: GraphStore, settings: Settings, principal: Principal, region: str | None, step: int
) -> tuple[Release | None, Progress]:
    """Cliff exposure to a raise of ``step`` over consenting families, by region, household
    type and earnings band."""
    require_role(principal, Role.RESEARCHER, Role.ADMIN)
    index = _step_index(step)
    if region is not None:
        _region_or_404(store, region)
    engine = engine_for(store, settings)
    engine.ensure_fresh(settings.background_wait_s)
    results, progress = engine.snapshot()
    if progress.computed_at is None:
        return None, progress
    counted = [r for r in results.values() if r.research and (region is None or r.region == region)]

    def compute() -> tuple[str | None, Period, list[Table]]:
        regions = [region] if region else sorted(r.id for r in store.list_regions())
        s = f"@{int(step)}"
        tables = [
            _counts(f"cliff_by_region{s}", "region", regions, counted, lambda r: r.region, index),
            _counts(
                f"cliff_by_household_type{s}",
                "household_type",
                HOUSEHOLD_TYPES,
                counted,
                lambda r: r.household_type,
                index,
            ),
            _counts(
                f"cliff_by_income_band{s}",
                "income_band",
                INCOME_BANDS,
                counted,
                lambda r: r.income_band,
                index,
            ),
        ]
        return region, NO_PERIOD, tables

    parameters = {"region": region, "step": int(step), "results": progress.data_version}
    return release(store, settings, principal, "cliff_exposure", parameters, compute), progress


# ---------------------------------------------------------------------------- reforms


def parse_reform(text: str) -> dict[str, Any]:
    """A reform in PolicyEngine's parameter format: ``{"gov.path": {"2026-01-01.2100-12-31":
    value}}`` or ``{"gov.path": value}``; values are numbers or booleans."""
    try:
        reform: Any = json.loads(text)
    except ValueError:
        raise ValidationFailed([FieldProblem("reform", "not JSON")]) from None
    problems = []
    if not isinstance(reform, dict) or not reform:
        problems.append(FieldProblem("reform", "an object of parameter paths"))
    else:
        for path, values in reform.items():
            if not isinstance(path, str) or not path.startswith("gov.") or len(path) > 300:
                problems.append(FieldProblem("reform", "parameter paths start with 'gov.'"))
                continue
            leaves = values.values() if isinstance(values, dict) else [values]
            if not all(isinstance(v, int | float | bool) for v in leaves):
                problems.append(FieldProblem("reform", f"{path[:80]}: values are numbers"))
    if problems:
        raise ValidationFailed(problems)
    return dict(reform)


@dataclass(frozen=True)
class ReformJob:
    id: str
    reform: dict[str, Any]
    region: str | None


@dataclass(frozen=True)
class ReformAnswer:
    job: ReformJob
    running: bool
    done: int
    total: int
    error: str | None
    release: Release | None
    cost_per_family: float | None  # noisy: change of net income per family at today's earnings


_jobs: dict[str, ReformJob] = {}
_jobs_lock = threading.Lock()


def submit_reform(
    store: GraphStore, settings: Settings, principal: Principal, text: str, region: str | None
) -> ReformAnswer:
    """Start computing a reform for the consenting families (in the background)."""
    require_role(principal, Role.RESEARCHER, Role.ADMIN)
    reform = parse_reform(text)
    if region is not None:
        _region_or_404(store, region)
    digest = hashlib.sha256(json.dumps([reform, region], sort_keys=True).encode()).hexdigest()
    job = ReformJob(digest[:16], reform, region)
    with _jobs_lock:
        _jobs[job.id] = job
    return reform_answer(store, settings, principal, job.id)


def reform_answer(
    store: GraphStore, settings: Settings, principal: Principal, job_id: str
) -> ReformAnswer:
    """The reform's progress, and once both runs are done its protected comparison."""
    require_role(principal, Role.RESEARCHER, Role.ADMIN)
    with _jobs_lock:
        job = _jobs.get(job_id)
    if job is None:
        raise NotFound("no such reform simulation in this process", field="id")
    base = engine_for(store, settings)
    reformed = engine_for(store, settings, job.reform)
    base.ensure_fresh()
    reformed.ensure_fresh(settings.background_wait_s)
    base_results, base_progress = base.snapshot()
    new_results, new_progress = reformed.snapshot()
    running = base_progress.running or new_progress.running
    error = new_progress.error or base_progress.error
    done = base_progress.done + new_progress.done
    total = base_progress.total + new_progress.total
    if running or error or new_progress.computed_at is None or base_progress.computed_at is None:
        return ReformAnswer(job, running, done, total, error, None, None)
    ids = sorted(
        fid
        for fid, r in base_results.items()
        if r.research and fid in new_results and (job.region is None or r.region == job.region)
    )

    def compute() -> tuple[str | None, Period, list[Table]]:
        tables = []
        for index, step in enumerate(STEPS):
            rows = []
            for label, source in (("baseline", base_results), ("reform", new_results)):
                counts = dict.fromkeys(EXPOSURES, 0)
                for fid in ids:
                    counts[source[fid].exposures()[index]] += 1
                rows.append((label, [Cell(counts[e]) for e in EXPOSURES]))
            tables.append(
                make_table(
                    f"cliff_reform@{int(step)}",
                    "policy",
                    "exposure",
                    rows,
                    list(EXPOSURES),
                    margins="rows",
                )
            )
        change: dict[str, list[float]] = {"gain": [], "loss": [], "no_change": []}
        for fid in ids:
            delta = new_results[fid].net_now - base_results[fid].net_now
            clamped = max(-CLIFF_MAX_DOLLARS, min(CLIFF_MAX_DOLLARS, delta))
            kind = "gain" if clamped > 0.5 else "loss" if clamped < -0.5 else "no_change"
            change[kind].append(abs(clamped))
        tables.append(
            make_table(
                "cliff_reform_cost",
                "net_income_change",
                "measure",
                [(k, [Cell(len(v), {"dollars": round(sum(v), 1)})]) for k, v in change.items()],
                ["families"],
            )
        )
        return job.region, NO_PERIOD, tables

    parameters = {
        "reform": job.reform,
        "region": job.region,
        "results": [base_progress.data_version, new_progress.data_version],
    }
    answer = release(store, settings, principal, "cliff_reform", parameters, compute)
    return ReformAnswer(job, False, done, total, None, answer, _cost_per_family(answer))


def _cost_per_family(answer: Release) -> float | None:
    """Noisy net change of the families' net income per family (post-processing)."""
    table = next((t for t in answer.tables if t.name == "cliff_reform_cost"), None)
    if table is None:
        return None
    cells = {k: table.cell(k, "families") for k in table.row_keys}
    if any(c.suppressed for c in cells.values()):
        return None
    families = sum(c.count or 0 for c in cells.values())
    if families == 0:
        return None
    gain = cells["gain"].value("dollars") or 0.0
    loss = cells["loss"].value("dollars") or 0.0
    return round((gain - loss) / families, 2)


def cached_results(store: GraphStore, settings: Settings) -> Mapping[str, FamilyExposure]:
    """The baseline results (benchmark and tests; never served)."""
    return engine_for(store, settings).snapshot()[0]


def report_parts(
    store: GraphStore,
    settings: Settings,
    principal: Principal,
    region: str | None,
    reform_text: str | None,
) -> dict[str, Any]:
    """The research report's cliff section, computed now (in this thread)."""
    engine_for(store, settings).run_now()
    exposure_release, _ = research_exposure(store, settings, principal, region, 1000)
    parts: dict[str, Any] = {"cliff": exposure_release}
    if reform_text:
        engine_for(store, settings, parse_reform(reform_text)).run_now()
        answer = submit_reform(store, settings, principal, reform_text, region)
        if answer.release is not None:
            parts["cliff_reform"] = (reform_text, answer.release, answer.cost_per_family)
    return parts
