"""Research answers: aggregate tables only, with disclosure control applied to every one.

Every function here returns tables that went through
:func:`graph_service.analytics.disclosure.suppress` with ``settings.small_cell_threshold``,
computed over families who consented to research only. No family id, name or edge ever
leaves: the tables have fixed categories (bins, vocabularies, terciles, months). Researchers
and admins may ask; results are cached per data version, since the network summary of a
large network takes a while (Louvain, clustering).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Literal, TypeVar

from graph_service.analytics import ripple as ripple_analytics
from graph_service.analytics.disclosure import (
    Cell,
    Table,
    figures_table,
    make_table,
    suppress,
    write_csv,
    write_parquet,
)
from graph_service.analytics.family_graph import FamilyGraph
from graph_service.analytics.network_summary import network_summary, quarter_period, research_graph
from graph_service.analytics.outcomes import Grouping, outcomes_by_network
from graph_service.analytics.region_graph import region_graph
from graph_service.auth import Principal, Role
from graph_service.errors import NotFound
from graph_service.services.access import require_role
from graph_service.services.analysis import heavy, region_exists
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore
from models import today

T = TypeVar("T")
Report = Literal["network", "outcomes", "ripple", "regions"]
REPORTS: tuple[Report, ...] = ("network", "outcomes", "ripple", "regions")


def _check(store: GraphStore, principal: Principal | None, region: str | None) -> None:
    require_role(principal, Role.RESEARCHER, Role.ADMIN)
    if region is not None and not region_exists(store, region):
        raise NotFound(f"region {region!r} does not exist", field="regionId")


def _cached(store: GraphStore, key: str, build: Callable[[FamilyGraph], T]) -> T:
    """A research result, computed in the background (the one place research caches)."""
    return heavy(store, key, build).value


def _safe(tables: list[Table], threshold: int) -> list[Table]:
    return [suppress(t, threshold) for t in tables]


def network_tables(
    store: GraphStore,
    settings: Settings,
    principal: Principal | None,
    region: str | None,
    start: date | None,
    end: date | None,
    seed: int = 0,
) -> tuple[tuple[date | None, date | None], list[Table]]:
    _check(store, principal, region)
    period = quarter_period(start, end)
    key = f"research:network:{region}:{period}:{seed}:{settings.small_cell_threshold}"
    tables = _cached(
        store,
        key,
        lambda g: _safe(
            network_summary(g, region=region, start=period[0], end=period[1], seed=seed).tables(),
            settings.small_cell_threshold,
        ),
    )
    return period, tables


def outcome_tables(
    store: GraphStore,
    settings: Settings,
    principal: Principal | None,
    region: str | None,
    by: Grouping,
) -> list[Table]:
    _check(store, principal, region)
    key = f"research:outcomes:{region}:{by}:{settings.small_cell_threshold}"
    return _cached(
        store,
        key,
        lambda g: _safe(
            outcomes_by_network(g, by=by, region=region).tables(), settings.small_cell_threshold
        ),
    )


def ripple_tables(summary: ripple_analytics.RippleSummary) -> list[Table]:
    """A ripple summary as tables (no individual cascades: one cascade is one small cell)."""
    figures = figures_table(
        "ripple_figures",
        [
            ("families", Cell(summary.families, {"invited_share": summary.invited_share})),
            ("cascades", Cell(summary.cascades)),
            (
                "reproduction_number",
                Cell(
                    sum(m.families for m in summary.reproduction_by_month),
                    {"value": summary.reproduction_number},
                ),
            ),
        ],
    )
    sizes = make_table(
        "ripple_cascade_sizes",
        "cascade_size",
        "measure",
        [(k, [Cell(v)]) for k, v in summary.size_distribution.items()],
        ["cascades"],
        margins="columns",
    )
    joins = make_table(
        "ripple_joins_by_month",
        "month",
        "joined",
        [(m.month, [Cell(m.seeds), Cell(m.invited)]) for m in summary.joins_by_month],
        ["as_seed", "by_invitation"],
        margins="both",
    )
    reproduction = make_table(
        "ripple_reproduction_by_month",
        "month",
        "measure",
        [
            (m.month, [Cell(m.families, {"reproduction_number": m.reproduction_number})])
            for m in summary.reproduction_by_month
        ],
        ["families_window_closed"],
    )
    return [figures, sizes, joins, reproduction]


def ripple_research_tables(
    store: GraphStore,
    settings: Settings,
    principal: Principal | None,
    region: str | None,
    start: date | None,
    end: date | None,
) -> list[Table]:
    _check(store, principal, region)
    period = quarter_period(start, end)
    key = f"research:ripple:{region}:{period}:{settings.small_cell_threshold}"

    def build(graph: FamilyGraph) -> list[Table]:
        summary = ripple_analytics.ripple_summary(
            research_graph(graph),
            region=region,
            start=period[0],
            end=period[1],
            as_of=today(),
            top=0,
        )
        return _safe(ripple_tables(summary), settings.small_cell_threshold)

    return _cached(store, key, build)


def region_tables(
    store: GraphStore, settings: Settings, principal: Principal | None
) -> list[Table]:
    _check(store, principal, None)
    key = f"research:regions:{settings.small_cell_threshold}"
    return _cached(
        store,
        key,
        lambda g: _safe(region_graph(research_graph(g)).tables(), settings.small_cell_threshold),
    )


def report_tables(
    store: GraphStore,
    settings: Settings,
    principal: Principal | None,
    report: Report,
    region: str | None = None,
    start: date | None = None,
    end: date | None = None,
    by: Grouping = "help_tie_tercile",
) -> list[Table]:
    if report == "network":
        return network_tables(store, settings, principal, region, start, end)[1]
    if report == "outcomes":
        return outcome_tables(store, settings, principal, region, by)
    if report == "ripple":
        return ripple_research_tables(store, settings, principal, region, start, end)
    return region_tables(store, settings, principal)


def export(
    store: GraphStore,
    settings: Settings,
    principal: Principal | None,
    report: Report,
    directory: Path,
    fmt: Literal["csv", "parquet"],
    region: str | None = None,
    start: date | None = None,
    end: date | None = None,
    by: Grouping = "help_tie_tercile",
) -> list[Path]:
    """Write a report's suppressed tables as CSV or Parquet files (refuses unsafe tables)."""
    tables = report_tables(store, settings, principal, report, region, start, end, by)
    writer = write_csv if fmt == "csv" else write_parquet
    return writer(tables, directory, threshold=settings.small_cell_threshold)
