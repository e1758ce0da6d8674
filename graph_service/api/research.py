"""GraphQL for researchers and for cross-region views.

Researchers receive :class:`ResearchReport` s: tables of counts with fixed categories, small
cells suppressed (``count: null, suppressed: true``), computed over consenting families only.
Nothing a researcher can reach carries a family id or name. Organizers get the region graph
and bridging families (for their regions).
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from graph_service.analytics.bridging import BridgingFamily as BridgingModel
from graph_service.analytics.disclosure import Table, to_records
from graph_service.analytics.region_graph import RegionGraph as RegionGraphModel
from graph_service.api.context import Context, in_thread
from graph_service.api.types import AsOfType, Family, check_page_size, family_node
from graph_service.readmodel import Result
from graph_service.services import regions as regions_service
from graph_service.services import research as service

GraphInfo = Info[Context, None]
FROM = Annotated[
    date | None, strawberry.argument(name="from", description="Widened to whole quarters.")
]


@strawberry.enum(description="How families are grouped by network position.")
class NetworkPosition(Enum):
    HELP_TIE_TERCILE = "help_tie_tercile"
    BRIDGING = "bridging"
    COHORT_SIZE = "cohort_size"


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


@strawberry.type(description="A table of counts over fixed categories; 'total' marks margins.")
class ResearchTable:
    name: str
    row_variable: str
    column_variable: str
    cells: list[ResearchCell]

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
        )


@strawberry.type(description="De-identified aggregate tables, small cells suppressed.")
class ResearchReport:
    region_id: str | None
    period_from: date | None
    period_to: date | None
    small_cell_threshold: int
    tables: list[ResearchTable]


def _report(
    info: GraphInfo,
    region: str | None,
    period: tuple[date | None, date | None],
    tables: list[Table],
) -> ResearchReport:
    return ResearchReport(
        region_id=region,
        period_from=period[0],
        period_to=period[1],
        small_cell_threshold=info.context.settings.small_cell_threshold,
        tables=[ResearchTable.of(t) for t in tables],
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


@strawberry.type(description="A family whose ties span regions or cohorts (Burt's measures).")
class BridgingFamilyType:
    model: strawberry.Private[BridgingModel]

    @strawberry.field
    async def family(self, info: GraphInfo) -> Family | None:
        return await family_node(info, self.model.family_id)

    @strawberry.field(
        description="(1 + other regions reached) x sqrt(effective size / constraint)."
    )
    def score(self) -> float:
        return self.model.score

    @strawberry.field
    def regions_reached(self) -> list[str]:
        return list(self.model.regions_reached)

    @strawberry.field
    def cohorts_reached(self) -> int:
        return len(self.model.cohorts_reached)

    @strawberry.field
    def effective_size(self) -> float:
        return self.model.effective_size

    @strawberry.field
    def constraint(self) -> float:
        return self.model.constraint

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
        ctx = info.context
        region = str(region_id) if region_id else None
        period, tables = await in_thread(
            service.network_tables, ctx.store, ctx.settings, ctx.principal, region, from_, to
        )
        return _report(info, region, period, tables)

    @strawberry.field(description="Researchers: outcome changes by network position (descriptive).")
    async def outcomes_by_network(
        self,
        info: GraphInfo,
        region_id: strawberry.ID | None = None,
        by: NetworkPosition = NetworkPosition.HELP_TIE_TERCILE,
    ) -> ResearchReport:
        ctx = info.context
        region = str(region_id) if region_id else None
        tables = await in_thread(
            service.outcome_tables, ctx.store, ctx.settings, ctx.principal, region, by.value
        )
        return _report(info, region, (None, None), tables)

    @strawberry.field(description="Researchers: ripple growth as tables (no individual cascades).")
    async def ripple_research(
        self,
        info: GraphInfo,
        region_id: strawberry.ID | None = None,
        from_: FROM = None,
        to: date | None = None,
    ) -> ResearchReport:
        ctx = info.context
        region = str(region_id) if region_id else None
        tables = await in_thread(
            service.ripple_research_tables,
            ctx.store,
            ctx.settings,
            ctx.principal,
            region,
            from_,
            to,
        )
        return _report(info, region, (from_, to), tables)

    @strawberry.field(description="Researchers: ties between regions as tables.")
    async def region_links(self, info: GraphInfo) -> ResearchReport:
        ctx = info.context
        tables = await in_thread(service.region_tables, ctx.store, ctx.settings, ctx.principal)
        return _report(info, None, (None, None), tables)

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
        return [BridgingFamilyType(model=b) for b in found.value]
