"""GraphQL of the benefit-cliff lens: household facts, what a family would keep, protected
counts for organizers and researchers, reform simulations. Thin: services do the work."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime

import strawberry
from strawberry.types import Info

from graph_service.analytics.cliff import Cliff
from graph_service.api.context import Context, in_thread
from graph_service.api.household import HouseholdFacts, HouseholdFactsInput
from graph_service.api.research import ResearchReport, _report
from graph_service.api.types import subject_family
from graph_service.services import cliff as service
from graph_service.services import cliff_reports as reports
from graph_service.services import household as household_service
from graph_service.services.access import require_principal
from graph_service.services.cliff_exposure import Progress
from graph_service.taxben.policyengine import PROGRAM_LABELS

GraphInfo = Info[Context, None]

STATEMENT = (
    "Computed with PolicyEngine-US from the household facts and earnings you gave. These are "
    "facts about today's rules, not advice: what to do with them is your decision."
)


@strawberry.type
class ProgramAmount:
    program: str
    label: str
    amount: float = strawberry.field(description="Added to net income (a tax is negative).")


def _programs(values: dict[str, float]) -> list[ProgramAmount]:
    return [
        ProgramAmount(program=k, label=PROGRAM_LABELS.get(k, k), amount=v)
        for k, v in values.items()
    ]


@strawberry.type
class KeepPoint:
    earnings: float
    net_income: float = strawberry.field(description="After taxes and benefits, per year.")
    marginal_rate: float | None = strawberry.field(
        description="Share of the next step's extra earnings taken by taxes and lost benefits."
    )
    programs: list[ProgramAmount]


@strawberry.type
class CliffCause:
    program: str
    label: str
    change: float = strawberry.field(description="How much this program's part falls (negative).")


@strawberry.type(description="A range of earnings over which net income falls.")
class CliffRange:
    from_earnings: float
    to_earnings: float
    net_income_lost: float
    causes: list[CliffCause]

    @staticmethod
    def of(cliff: Cliff) -> CliffRange:
        return CliffRange(
            from_earnings=cliff.start,
            to_earnings=cliff.end,
            net_income_lost=cliff.loss,
            causes=[
                CliffCause(program=p, label=PROGRAM_LABELS.get(p, p), change=c)
                for p, c in cliff.causes
            ],
        )


@strawberry.type(description="What the family would keep as its earnings rise: facts, not advice.")
class WhatIWouldKeep:
    family_id: strawberry.ID
    state: str
    policy_year: int
    model: str = strawberry.field(description="The tax-benefit model and its version.")
    earnings_now: float
    points: list[KeepPoint]
    cliffs: list[CliffRange]
    statement: str
    computed_at: datetime


@strawberry.type
class CliffProgress:
    running: bool
    done: int = strawberry.field(description="Families computed in the current run.")
    total: int = strawberry.field(description="Families to compute in the current run.")
    data_version: int = strawberry.field(description="Data version of the last complete run.")
    computed_at: datetime | None

    @staticmethod
    def of(p: Progress) -> CliffProgress:
        return CliffProgress(
            running=p.running,
            done=p.done,
            total=p.total,
            data_version=p.data_version,
            computed_at=p.computed_at,
        )


@strawberry.type(description="Protected counts (null until a first background run finished).")
class CliffCounts:
    progress: CliffProgress
    report: ResearchReport | None


@strawberry.type(description="A reform simulation, computed in the background.")
class CliffReform:
    id: strawberry.ID
    reform: str
    region_id: str | None
    running: bool
    done: int
    total: int
    error: str | None
    report: ResearchReport | None
    cost_per_family: float | None = strawberry.field(
        description="Noisy change of net income per family at today's earnings (what the "
        "reform costs per family), from the report's cliff_reform_cost table."
    )


def _reform(info: GraphInfo, answer: reports.ReformAnswer) -> CliffReform:
    return CliffReform(
        id=strawberry.ID(answer.job.id),
        reform=json.dumps(answer.job.reform, sort_keys=True),
        region_id=answer.job.region,
        running=answer.running,
        done=answer.done,
        total=answer.total,
        error=answer.error,
        report=_report(info, answer.release) if answer.release is not None else None,
        cost_per_family=answer.cost_per_family,
    )


@strawberry.type
class CliffQuery:
    @strawberry.field(
        description="The family itself (or an admin): net income after taxes and benefits as "
        "earnings rise from today's (the journal's, or `earnings`) to +50%, marginal rates, "
        "cliffs and their causes."
    )
    async def what_i_would_keep(
        self, info: GraphInfo, family_id: strawberry.ID | None = None, earnings: float | None = None
    ) -> WhatIWouldKeep:
        ctx = info.context
        target = subject_family(info, family_id)
        principal = require_principal(ctx.principal)
        view = await in_thread(
            service.what_i_would_keep, ctx.store, ctx.settings, principal, target, earnings
        )
        if principal.family_id != target:  # an admin read values derived from private facts
            ctx.private_reads.add((target, "household_facts"))
        return WhatIWouldKeep(
            family_id=strawberry.ID(view.family_id),
            state=view.state,
            policy_year=view.policy_year,
            model=f"policyengine-us {view.model_version}",
            earnings_now=view.earnings_now,
            points=[
                KeepPoint(
                    earnings=p.earnings,
                    net_income=p.net_income,
                    marginal_rate=p.marginal_rate,
                    programs=_programs(p.programs),
                )
                for p in view.points
            ],
            cliffs=[CliffRange.of(c) for c in view.cliffs],
            statement=STATEMENT,
            computed_at=view.computed_at,
        )

    @strawberry.field(
        description="Organizers (their regions): how many families' next $1,000 / $2,500 / "
        "$5,000 would leave them less than half of it, or less than nothing. Noisy, small "
        "cells suppressed; never which families."
    )
    async def cliff_counts(self, info: GraphInfo, region_id: strawberry.ID) -> CliffCounts:
        ctx = info.context
        principal = require_principal(ctx.principal)
        answer, progress = await in_thread(
            reports.organizer_counts, ctx.store, ctx.settings, principal, str(region_id)
        )
        return CliffCounts(
            progress=CliffProgress.of(progress),
            report=_report(info, answer) if answer is not None else None,
        )

    @strawberry.field(
        description="Researchers: cliff exposure to a raise of `step` dollars (1000, 2500, "
        "5000) over consenting families, by region, household type and earnings band."
    )
    async def cliff_exposure(
        self, info: GraphInfo, region_id: strawberry.ID | None = None, step: int = 1000
    ) -> CliffCounts:
        ctx = info.context
        principal = require_principal(ctx.principal)
        region = str(region_id) if region_id else None
        answer, progress = await in_thread(
            reports.research_exposure, ctx.store, ctx.settings, principal, region, step
        )
        return CliffCounts(
            progress=CliffProgress.of(progress),
            report=_report(info, answer) if answer is not None else None,
        )

    @strawberry.field(description="Researchers: a reform simulation's progress and result.")
    async def cliff_reform(self, info: GraphInfo, id: strawberry.ID) -> CliffReform:
        ctx = info.context
        principal = require_principal(ctx.principal)
        answer = await in_thread(reports.reform_answer, ctx.store, ctx.settings, principal, str(id))
        return _reform(info, answer)


@strawberry.type
class CliffMutation:
    @strawberry.mutation(description="The family itself (or an admin) sets its household facts.")
    async def set_household_facts(
        self, info: GraphInfo, input: HouseholdFactsInput, family_id: strawberry.ID | None = None
    ) -> HouseholdFacts:
        ctx = info.context
        target = subject_family(info, family_id)
        principal = require_principal(ctx.principal)
        data = {
            "adultAges": list(input.adult_ages),
            "married": input.married,
            "childAges": list(input.child_ages),
            "childAgeBands": [b.value for b in input.child_age_bands],
        }
        facts = await in_thread(
            household_service.set_household_facts, ctx.store, principal, target, data
        )
        with contextlib.suppress(KeyError):  # not loaded in this request
            ctx.loaders.family.clear(target)
        return HouseholdFacts.of(facts)

    @strawberry.mutation(
        description="Researchers: simulate a reform in PolicyEngine's parameter format (JSON, "
        'e.g. {"gov.usda.snap.income.deductions.earned_income": {"2026-01-01.2100-12-31": '
        "0.3}}) for the consenting families, in the background; poll cliffReform(id)."
    )
    async def simulate_cliff_reform(
        self, info: GraphInfo, reform: str, region_id: strawberry.ID | None = None
    ) -> CliffReform:
        ctx = info.context
        principal = require_principal(ctx.principal)
        region = str(region_id) if region_id else None
        answer = await in_thread(
            reports.submit_reform, ctx.store, ctx.settings, principal, reform, region
        )
        return _reform(info, answer)
