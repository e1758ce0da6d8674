"""GraphQL for researchers and for cross-region views.

Researchers receive :class:`ResearchReport` s: tables of counts with fixed categories,
released with differential privacy (noisy counts and sums, small noisy cells suppressed as
``count: null, suppressed: true``, each release charged to the researcher's budget), computed
over consenting families only. Nothing a researcher can reach carries a family id or name. Organizers get the region graph
and bridging families (for their regions).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Annotated, Concatenate, ParamSpec

import strawberry
from strawberry.types import Info

from graph_service.analytics.bridging import BridgingFamily as BridgingModel
from graph_service.analytics.disclosure import Table
from graph_service.analytics.disclosure_export import to_records
from graph_service.analytics.outcomes import Grouping, Stratum
from graph_service.analytics.privacy import COUNT, interval95
from graph_service.analytics.region_graph import RegionGraph as RegionGraphModel
from graph_service.api.context import Context, in_thread
from graph_service.api.types import AsOfType, Family, check_page_size, family_node
from graph_service.auth import Principal
from graph_service.readmodel import Result
from graph_service.services import regions as regions_service
from graph_service.services import research as service
from graph_service.services.privacy_budget import Release
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore

GraphInfo = Info[Context, None]
FROM = Annotated[
    date | None, strawberry.argument(name="from", description="Widened to whole quarters.")
]


# The domain's enums, exposed as they are under their API names (registering returns the
# same class).
strawberry.enum(
    Grouping, name="NetworkPosition", description="How families are grouped by network position."
)
strawberry.enum(
    Stratum,
    name="Stratification",
    description="How outcome groups are split further (each family in one row).",
)


@strawberry.type
class Measure:
    name: str
    value: float | None


@strawberry.type(description="One cell: a count (null when suppressed) and derived measures.")
class ResearchCell:
    row: str
    column: str
    count: int | None
    suppressed: bool
    measures: list[Measure]


@strawberry.type(description="The Laplace noise added to one quantity of a table.")
class NoiseScale:
    quantity: str = strawberry.field(description="count, hours or dollars.")
    scale: float = strawberry.field(description="Laplace scale b of each cell's noise.")
    interval95: float = strawberry.field(description="95% of noisy values lie within ± this.")


@strawberry.type(description="A table of counts over fixed categories; 'total' marks margins.")
class ResearchTable:
    name: str
    row_variable: str
    column_variable: str
    cells: list[ResearchCell]
    epsilon: float | None = strawberry.field(
        description="This table's share of the release's privacy loss (null: structural)."
    )
    structural: bool = strawberry.field(
        description="Measures that are not counts (no noise), shown when the group is large."
    )
    noise: list[NoiseScale]

    @staticmethod
    def of(table: Table) -> ResearchTable:
        base = {"table", "row_variable", "row", "column_variable", "column", "count", "suppressed"}
        cells = [
            ResearchCell(
                row=str(r["row"]),
                column=str(r["column"]),
                count=r["count"],
                suppressed=bool(r["suppressed"]),
                measures=[Measure(name=k, value=v) for k, v in r.items() if k not in base],
            )
            for r in to_records(table)
        ]
        return ResearchTable(
            name=table.name,
            row_variable=table.row_header,
            column_variable=table.column_header,
            cells=cells,
            epsilon=table.epsilon,
            structural=table.structural,
            noise=[
                NoiseScale(quantity=q, scale=b, interval95=interval95(b))
                for q, b in sorted(table.noise.items(), key=lambda item: item[0] != COUNT)
            ],
        )


@strawberry.type(
    description="De-identified aggregate tables released with differential privacy: noisy "
    "counts and sums, small noisy cells suppressed, charged to the caller's budget."
)
class ResearchReport:
    region_id: str | None
    period_from: date | None = strawberry.field(
        description="First day covered: the asked date widened to its quarter, else the data's."
    )
    period_to: date | None = strawberry.field(
        description="Last day covered: the asked date widened to its quarter, else the data's."
    )
    data_version: int = strawberry.field(description="The store's data version released.")
    computed_at: datetime = strawberry.field(description="When this release was computed.")
    epsilon: float = strawberry.field(description="Privacy loss of this release.")
    budget_period: str = strawberry.field(description="The quarter the release is charged to.")
    budget_spent: float = strawberry.field(description="Epsilon spent in that quarter so far.")
    budget: float = strawberry.field(description="Epsilon available per quarter.")
    small_cell_threshold: int
    tables: list[ResearchTable]


P = ParamSpec("P")


async def release(
    info: GraphInfo,
    compute: Callable[Concatenate[GraphStore, Settings, Principal | None, str | None, P], Release],
    region_id: strawberry.ID | None,
    *args: P.args,
    **kwargs: P.kwargs,
) -> Release:
    """Run a research release of one region (``None``: all) for the caller, in a thread."""
    ctx = info.context
    region = str(region_id) if region_id else None
    return await in_thread(
        partial(compute, ctx.store, ctx.settings, ctx.principal, region, *args, **kwargs)
    )


def _report(info: GraphInfo, answer: Release) -> ResearchReport:
    return ResearchReport(
        region_id=answer.region,
        period_from=answer.period[0],
        period_to=answer.period[1],
        data_version=answer.data_version,
        computed_at=answer.computed_at,
        epsilon=answer.epsilon,
        budget_period=answer.budget_period,
        budget_spent=answer.spent,
        budget=answer.budget,
        small_cell_threshold=info.context.settings.small_cell_threshold,
        tables=[ResearchTable.of(t) for t in answer.tables],
    )


@strawberry.type
class RegionNode:
    id: str
    families: int
    internal_ties: int
    external_ties: int
    share_leaving: float | None = strawberry.field(description="External ties / all ties.")
    ei_index: float | None = strawberry.field(description="(external - internal) / all ties.")


@strawberry.type(description="Ties between two regions, by kind.")
class RegionLinkType:
    region_a: str
    region_b: str
    help: int
    referral: int
    cohort_ties: int
    shared_cohorts: int
    ties: int


@strawberry.type(description="Regions and the ties that cross them.")
class RegionGraphType:
    regions: list[RegionNode]
    links: list[RegionLinkType]
    as_of: AsOfType
    picture_url: str = "/pictures/regions.png"

    @staticmethod
    def of(result: Result[RegionGraphModel]) -> RegionGraphType:
        rg = result.value
        return RegionGraphType(
            as_of=AsOfType.of(result.as_of),
            regions=[
                RegionNode(
                    id=s.region,
                    families=s.families,
                    internal_ties=s.internal,
                    external_ties=s.external,
                    share_leaving=s.share_leaving,
                    ei_index=s.ei_index,
                )
                for s in rg.regions.values()
            ],
            links=[
                RegionLinkType(
                    region_a=link.regions[0],
                    region_b=link.regions[1],
                    help=link.help,
                    referral=link.referral,
                    cohort_ties=link.cohort_ties,
                    shared_cohorts=link.shared_cohorts,
                    ties=link.ties,
                )
                for link in rg.links
            ],
        )


@strawberry.type(
    description="A family whose ties span the network's structural holes (Burt's measures on "
    "the whole tie graph, within one region as across regions and cohorts)."
)
class BridgingFamilyType:
    model: strawberry.Private[BridgingModel]
    as_of: AsOfType = strawberry.field(
        description="When the ranking this entry comes from was computed (in the background)."
    )

    @strawberry.field
    async def family(self, info: GraphInfo) -> Family | None:
        return await family_node(info, self.model.family_id)

    @strawberry.field(
        description="(1 + other regions reached) x sqrt(effective size / constraint), both on "
        "the whole tie graph."
    )
    def score(self) -> float:
        return self.model.score

    @strawberry.field
    def regions_reached(self) -> list[str]:
        return list(self.model.regions_reached)

    @strawberry.field
    def cohorts_reached(self) -> int:
        return len(self.model.cohorts_reached)

    @strawberry.field(description="Burt's effective size (the same on the ego network).")
    def effective_size(self) -> float:
        return self.model.effective_size

    @strawberry.field(description="Burt's constraint on the whole tie graph (networkx's).")
    def constraint(self) -> float:
        return self.model.constraint

    @strawberry.field(description="Burt's constraint inside the family's ego network only.")
    def ego_constraint(self) -> float:
        return self.model.ego_constraint

    @strawberry.field
    def ties(self) -> int:
        return self.model.ties


@strawberry.type
class ResearchQuery:
    @strawberry.field(
        description="Researchers: the support network of a region (or all), measured."
    )
    async def network_summary(
        self,
        info: GraphInfo,
        region_id: strawberry.ID | None = None,
        from_: FROM = None,
        to: date | None = None,
    ) -> ResearchReport:
        return _report(info, await release(info, service.network_release, region_id, from_, to))

    @strawberry.field(description="Researchers: outcome changes by network position (descriptive).")
    async def outcomes_by_network(
        self,
        info: GraphInfo,
        region_id: strawberry.ID | None = None,
        by: Grouping = Grouping.HELP_TIE_TERCILE,
        stratify_by: Stratum = Stratum.NONE,
    ) -> ResearchReport:
        answer = await release(info, service.outcome_release, region_id, by, stratify_by)
        return _report(info, answer)

    @strawberry.field(description="Researchers: ripple growth as tables (no individual cascades).")
    async def ripple_research(
        self,
        info: GraphInfo,
        region_id: strawberry.ID | None = None,
        from_: FROM = None,
        to: date | None = None,
    ) -> ResearchReport:
        return _report(info, await release(info, service.ripple_release, region_id, from_, to))

    @strawberry.field(description="Researchers: ties between regions as tables.")
    async def region_links(self, info: GraphInfo) -> ResearchReport:
        ctx = info.context
        answer = await in_thread(service.region_release, ctx.store, ctx.settings, ctx.principal)
        return _report(info, answer)

    @strawberry.field(description="Organizers and admins: regions and the ties that cross them.")
    async def region_graph(self, info: GraphInfo) -> RegionGraphType:
        ctx = info.context
        return RegionGraphType.of(
            await in_thread(regions_service.regions_graph, ctx.store, ctx.principal)
        )

    @strawberry.field(description="Organizers: families whose ties span regions or cohorts.")
    async def bridging_families(
        self, info: GraphInfo, region_ids: list[strawberry.ID] | None = None, first: int = 20
    ) -> list[BridgingFamilyType]:
        ctx = info.context
        check_page_size(first, ctx.settings.max_page_size)
        regions = [str(r) for r in region_ids] if region_ids else None
        found = await in_thread(regions_service.bridges, ctx.store, ctx.principal, regions, first)
        as_of = AsOfType.of(found.as_of)
        return [BridgingFamilyType(model=b, as_of=as_of) for b in found.value]
