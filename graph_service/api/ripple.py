"""GraphQL for ripple growth: ``ripple``, ``cohortRipple``, ``rippleSummary``, ``ripples``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from graph_service.analytics import ripple as analytics
from graph_service.api.context import Context, in_thread
from graph_service.api.types import AsOfType, Family, check_page_size, family_node
from graph_service.readmodel import AsOf
from graph_service.services import ripple as service

GraphInfo = Info[Context, None]

WINDOW_HELP = (
    "Invitation window in days used for the reproduction number "
    f"(default {analytics.DEFAULT_WINDOW_DAYS})."
)
Window = Annotated[int, strawberry.argument(description=WINDOW_HELP)]


@strawberry.type
class MonthCount:
    month: str
    count: int


def _months(counts: dict[str, int]) -> list[MonthCount]:
    return [MonthCount(month=m, count=c) for m, c in sorted(counts.items())]


@strawberry.type(description="The cascade of families brought in below one family.")
class Ripple:
    metrics: strawberry.Private[analytics.CascadeMetrics]

    @strawberry.field
    async def root(self, info: GraphInfo) -> Family | None:
        return await family_node(info, self.metrics.root)

    @strawberry.field(description="Families in the cascade, the root included.")
    def size(self) -> int:
        return self.metrics.size

    @strawberry.field
    def depth(self) -> int:
        return self.metrics.depth

    @strawberry.field(description="Families per generation; generation 0 is the root.")
    def families_per_generation(self) -> list[int]:
        return list(self.metrics.families_per_generation)

    @strawberry.field
    def max_breadth(self) -> int:
        return self.metrics.max_breadth

    @strawberry.field(description="Mean distance between two families (Goel et al. 2016).")
    def structural_virality(self) -> float:
        return self.metrics.structural_virality

    @strawberry.field
    def wiener_index(self) -> int:
        return self.metrics.wiener_index

    @strawberry.field(description="Mean recruits per family whose invitation window closed.")
    def reproduction_number(self) -> float | None:
        return self.metrics.reproduction_number

    @strawberry.field
    def growth_ratios(self) -> list[float]:
        return list(self.metrics.growth_ratios)

    @strawberry.field
    def regions_reached(self) -> list[str]:
        return list(self.metrics.regions_reached)

    @strawberry.field
    def cohorts_reached(self) -> int:
        return self.metrics.cohort_count

    @strawberry.field
    def median_days_to_first_recruit(self) -> float | None:
        return self.metrics.median_days_to_first_recruit

    @strawberry.field
    def joins_per_month(self) -> list[MonthCount]:
        return _months(self.metrics.joins_per_month)

    @strawberry.field(description="A picture of the cascade tree (PNG; add ?format=svg).")
    def picture_url(self) -> str:
        return f"/pictures/ripple/{self.metrics.root}.png"


@strawberry.type(description="Cascades started by a cohort's members.")
class CohortRipple:
    result: strawberry.Private[analytics.CohortRipple]

    @strawberry.field
    def members(self) -> int:
        return self.result.members

    @strawberry.field
    def cascades(self) -> int:
        return self.result.cascades

    @strawberry.field
    def families_reached(self) -> int:
        return self.result.families_reached

    @strawberry.field
    def recruited_families(self) -> int:
        return self.result.recruited_families

    @strawberry.field
    def depth(self) -> int:
        return self.result.depth

    @strawberry.field
    def families_per_generation(self) -> list[int]:
        return list(self.result.families_per_generation)

    @strawberry.field
    def reproduction_number(self) -> float | None:
        return self.result.reproduction_number

    @strawberry.field
    def regions_reached(self) -> list[str]:
        return list(self.result.regions_reached)

    @strawberry.field
    def mean_structural_virality(self) -> float | None:
        return self.result.mean_structural_virality

    @strawberry.field
    def joins_per_month(self) -> list[MonthCount]:
        return _months(self.result.joins_per_month)


@strawberry.type
class SizeBin:
    size: str
    cascades: int


@strawberry.type
class MonthlyReproduction:
    month: str
    families: int
    recruits: int
    reproduction_number: float


@strawberry.type
class MonthlyJoins:
    month: str
    seeds: int
    invited: int


@strawberry.type(description="One of the largest cascades (organizers and admins).")
class CascadeShape:
    root_id: strawberry.Private[str]
    size: int
    depth: int
    structural_virality: float

    @strawberry.field
    async def root(self, info: GraphInfo) -> Family | None:
        return await family_node(info, self.root_id) if self.root_id else None


@strawberry.type(description="Ripple growth of a region (or the whole program) in a period.")
class RippleSummary:
    region_id: str | None
    families: int
    cascades: int
    invited_share: float | None
    size_distribution: list[SizeBin]
    reproduction_number: float | None
    reproduction_by_month: list[MonthlyReproduction]
    joins_by_month: list[MonthlyJoins]
    largest_cascades: list[CascadeShape]
    growth_picture_url: str
    as_of: AsOfType

    @staticmethod
    def of(s: analytics.RippleSummary, as_of: AsOf) -> RippleSummary:
        region = s.region or "all"
        return RippleSummary(
            as_of=AsOfType.of(as_of),
            region_id=s.region,
            families=s.families,
            cascades=s.cascades,
            invited_share=s.invited_share,
            size_distribution=[SizeBin(size=k, cascades=v) for k, v in s.size_distribution.items()],
            reproduction_number=s.reproduction_number,
            reproduction_by_month=[
                MonthlyReproduction(
                    month=m.month,
                    families=m.families,
                    recruits=m.recruits,
                    reproduction_number=m.reproduction_number,
                )
                for m in s.reproduction_by_month
            ],
            joins_by_month=[
                MonthlyJoins(month=m.month, seeds=m.seeds, invited=m.invited)
                for m in s.joins_by_month
            ],
            largest_cascades=[
                CascadeShape(
                    root_id=c.root,
                    size=c.size,
                    depth=c.depth,
                    structural_virality=c.structural_virality,
                )
                for c in s.largest_cascades
            ],
            growth_picture_url=f"/pictures/growth/{region}.png",
        )


@strawberry.type
class RippleQuery:
    @strawberry.field(description="The cascade below a family (its own family, or organizers).")
    async def ripple(
        self,
        info: GraphInfo,
        root_id: strawberry.ID,
        window_days: Window = analytics.DEFAULT_WINDOW_DAYS,
    ) -> Ripple:
        ctx = info.context
        metrics = await in_thread(
            service.cascade, ctx.store, ctx.principal, str(root_id), window_days
        )
        return Ripple(metrics=metrics)

    @strawberry.field(description="Cascades started by a cohort's members.")
    async def cohort_ripple(
        self,
        info: GraphInfo,
        cohort_id: strawberry.ID,
        window_days: Window = analytics.DEFAULT_WINDOW_DAYS,
    ) -> CohortRipple:
        ctx = info.context
        result = await in_thread(
            service.cohort, ctx.store, ctx.principal, str(cohort_id), window_days
        )
        return CohortRipple(result=result)

    @strawberry.field(
        description="Ripple growth of a region (organizers of the region, admins); "
        "researchers use rippleResearch."
    )
    async def ripple_summary(
        self,
        info: GraphInfo,
        region_id: strawberry.ID | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        window_days: Window = analytics.DEFAULT_WINDOW_DAYS,
    ) -> RippleSummary:
        ctx = info.context
        region = str(region_id) if region_id is not None else None
        result = await in_thread(
            service.summary, ctx.store, ctx.principal, region, from_, to, window_days, 10
        )
        return RippleSummary.of(result.value, result.as_of)

    @strawberry.field(description="The largest cascades of a region (organizers, admins).")
    async def ripples(
        self, info: GraphInfo, region_id: strawberry.ID, first: int = 10
    ) -> list[Ripple]:
        ctx = info.context
        check_page_size(first, ctx.settings.max_page_size)
        largest = await in_thread(
            service.summary,
            ctx.store,
            ctx.principal,
            str(region_id),
            None,
            None,
            analytics.DEFAULT_WINDOW_DAYS,
            first,
        )
        metrics = [
            await in_thread(
                service.cascade, ctx.store, ctx.principal, c.root, analytics.DEFAULT_WINDOW_DAYS
            )
            for c in largest.value.largest_cascades
            if c.root
        ]
        return [Ripple(metrics=m) for m in metrics]
