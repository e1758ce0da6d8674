"""Research answers: aggregate tables only, released with differential privacy.

Every function here builds the *exact* tables of a report on the bounded research graph
(:mod:`graph_service.analytics.contribution`) and hands them to
:func:`graph_service.services.privacy_budget.release`, the one place that adds noise,
applies the small-cell rule, gates structural measures and charges the researcher's budget.
Only families who consented to research are counted. No family id, name or edge ever
leaves: the tables have fixed categories (bins, vocabularies, terciles, months).

Caching: exact tables (which never leave the service) are cached per data version through
:func:`_cached`, the single function to swap for a background result cache. Noisy answers
are not cached here: each is stored with its release in the ledger, per researcher, so a
repeat returns the same noisy answer for free and a new question draws new noise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal, TypeVar

from graph_service.analytics import ripple as ripple_analytics
from graph_service.analytics.contribution import bounded_graph
from graph_service.analytics.disclosure import (
    Cell,
    Table,
    figures_table,
    make_table,
)
from graph_service.analytics.disclosure_export import write_csv, write_parquet
from graph_service.analytics.dollar_outcomes import dollar_tables
from graph_service.analytics.family_graph import FamilyGraph
from graph_service.analytics.network_summary import (
    STRUCTURAL,
    network_summary,
    research_graph,
)
from graph_service.analytics.outcomes import (
    GROUPS,
    STRATA,
    Grouping,
    Stratum,
    outcomes_by_network,
    position_groups,
)
from graph_service.analytics.periods import quarter_period, report_period
from graph_service.analytics.region_graph import region_graph
from graph_service.auth import Principal, Role
from graph_service.errors import NotFound, ValidationFailed
from graph_service.services.access import require_role
from graph_service.services.analysis import heavy, region_exists
from graph_service.services.privacy_budget import Period, Release, bounds_of, release
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore
from models import today
from models.errors import FieldProblem

Report = Literal["network", "outcomes", "ripple", "regions"]
REPORTS: tuple[Report, ...] = ("network", "outcomes", "ripple", "regions")
T = TypeVar("T")


def _cached(store: GraphStore, key: str, build: Callable[[FamilyGraph], T]) -> T:
    """The one cache of research results: exact values derived from the whole network's
    graph, computed in the background by the live read model (served with their asOf)."""
    return heavy(store, key, build).value


def _bounded(store: GraphStore, settings: Settings) -> FamilyGraph:
    bounds = bounds_of(settings)
    return _cached(store, f"research:bounded:{bounds}", lambda g: bounded_graph(g, bounds))


def _check(store: GraphStore, principal: Principal | None, region: str | None) -> None:
    require_role(principal, Role.RESEARCHER, Role.ADMIN)
    if region is not None and not region_exists(store, region):
        raise NotFound(f"region {region!r} does not exist", field="regionId")


def network_release(
    store: GraphStore,
    settings: Settings,
    principal: Principal | None,
    region: str | None,
    start: date | None,
    end: date | None,
    seed: int = 0,
) -> Release:
    _check(store, principal, region)
    period = quarter_period(start, end)

    def compute() -> tuple[str | None, Period, list[Table]]:
        # Counts on the bounded graph (they get noise calibrated to its bounds); structural
        # measures, published exactly, on the research graph as it is.
        bounded = _bounded(store, settings)
        counts = _cached(
            store,
            f"research:network-counts:{bounds_of(settings)}:{region}:{period}",
            lambda _: network_summary(
                bounded, region=region, start=period[0], end=period[1], structure=False
            ),
        )
        whole = _cached(
            store,
            f"research:network-structure:{region}:{period}:{seed}",
            lambda g: network_summary(g, region=region, start=period[0], end=period[1], seed=seed),
        )
        tables = [t for t in counts.tables() if t.name not in STRUCTURAL]
        tables += [t for t in whole.tables() if t.name in STRUCTURAL]
        return region, (counts.start, counts.end), tables

    parameters = {"region": region, "period": [str(d) for d in period], "seed": seed}
    return release(store, settings, principal, "network", parameters, compute)


def outcome_release(
    store: GraphStore,
    settings: Settings,
    principal: Principal | None,
    region: str | None,
    by: Grouping,
    stratify: Stratum = Stratum.NONE,
) -> Release:
    _check(store, principal, region)
    if by not in GROUPS:
        raise ValidationFailed([FieldProblem("by", f"one of {sorted(GROUPS)}")])
    if stratify not in STRATA:
        raise ValidationFailed([FieldProblem("stratify", f"one of {list(STRATA)}")])

    def compute() -> tuple[str | None, Period, list[Table]]:
        graph = _bounded(store, settings)
        key = f"research:outcomes:{region}:{by}:{stratify}"
        result = _cached(
            store,
            key,
            lambda _: outcomes_by_network(graph, by=by, region=region, stratify=stratify),
        )
        return region, report_period(graph, None, None), result.tables()

    parameters = {"region": region, "by": by, "stratify": stratify}
    return release(store, settings, principal, "outcomes", parameters, compute)


def dollar_outcome_release(
    store: GraphStore,
    settings: Settings,
    principal: Principal | None,
    region: str | None,
    by: Grouping,
) -> Release:
    """Income, savings and debt changes at 12 and 24 months from the journals, by network
    position (analytics/dollar_outcomes.py), as one protected release."""
    _check(store, principal, region)
    if by not in GROUPS:
        raise ValidationFailed([FieldProblem("by", f"one of {sorted(GROUPS)}")])

    def compute() -> tuple[str | None, Period, list[Table]]:
        graph = _bounded(store, settings)
        groups = position_groups(graph, by, region)
        members = {f for fs in groups.values() for f in fs}
        reports = [r for r in store.reports_between("0000-01", "9999-12") if r.family_id in members]
        tables = [families_table(groups, by), *dollar_tables(reports, groups, by)]
        return region, report_period(graph, None, None), tables

    parameters = {"region": region, "by": by}
    return release(store, settings, principal, "dollar_outcomes", parameters, compute)


def families_table(groups: dict[str, list[str]], by: str) -> Table:
    """The population of a release by group (names the release's noisy population)."""
    return make_table(
        f"families_by_{by}",
        by,
        "measure",
        [(k, [Cell(len(v))]) for k, v in groups.items()],
        ["families"],
        margins="columns",
    )


def ripple_tables(summary: ripple_analytics.RippleSummary) -> list[Table]:
    """A ripple summary as tables (no individual cascades: one cascade is one small cell)."""
    figures = figures_table(
        "ripple_figures",
        [("families", Cell(summary.families)), ("cascades", Cell(summary.cascades))],
    )
    measures = figures_table(
        "ripple_measures",
        [
            ("invited_share", Cell(summary.families, {"value": summary.invited_share})),
            (
                "reproduction_number",
                Cell(summary.families, {"value": summary.reproduction_number}),
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
    return [figures, sizes, joins, measures]


def ripple_release(
    store: GraphStore,
    settings: Settings,
    principal: Principal | None,
    region: str | None,
    start: date | None,
    end: date | None,
) -> Release:
    _check(store, principal, region)
    period = quarter_period(start, end)

    def compute() -> tuple[str | None, Period, list[Table]]:
        graph = _bounded(store, settings)

        def build(_: FamilyGraph) -> list[Table]:
            summary = ripple_analytics.ripple_summary(
                research_graph(graph),
                region=region,
                start=period[0],
                end=period[1],
                as_of=today(),
                top=0,
            )
            return ripple_tables(summary)

        tables = _cached(store, f"research:ripple:{region}:{period}", build)
        return region, report_period(graph, *period), tables

    parameters = {"region": region, "period": [str(d) for d in period]}
    return release(store, settings, principal, "ripple", parameters, compute)


def region_release(store: GraphStore, settings: Settings, principal: Principal | None) -> Release:
    _check(store, principal, None)

    def compute() -> tuple[str | None, Period, list[Table]]:
        graph = _bounded(store, settings)
        tables = _cached(
            store, "research:regions", lambda _: region_graph(research_graph(graph)).tables()
        )
        return None, report_period(graph, None, None), tables

    return release(store, settings, principal, "regions", {}, compute)


def report_release(
    store: GraphStore,
    settings: Settings,
    principal: Principal | None,
    report: Report,
    region: str | None = None,
    start: date | None = None,
    end: date | None = None,
    by: Grouping = Grouping.HELP_TIE_TERCILE,
    stratify: Stratum = Stratum.NONE,
) -> Release:
    if report == "network":
        return network_release(store, settings, principal, region, start, end)
    if report == "outcomes":
        return outcome_release(store, settings, principal, region, by, stratify)
    if report == "ripple":
        return ripple_release(store, settings, principal, region, start, end)
    return region_release(store, settings, principal)


@dataclass(frozen=True)
class ReportInputs:
    """What the policymakers' report (:mod:`graph_service.research_report`) is drawn from."""

    network: Release
    terciles: Release
    bridging: Release
    # Benefit-cliff exposure (services/cliff_reports.py) and a reform (its JSON, release and
    # noisy cost per family), when the report was asked to include them.
    cliff: Release | None = None
    cliff_reform: tuple[str, Release, float | None] | None = None


def report_inputs(
    store: GraphStore, settings: Settings, principal: Principal | None, region: str | None
) -> ReportInputs:
    """The three releases the policymakers' report is drawn from (whole data span)."""
    return ReportInputs(
        network=network_release(store, settings, principal, region, None, None),
        terciles=outcome_release(store, settings, principal, region, Grouping.HELP_TIE_TERCILE),
        bridging=outcome_release(store, settings, principal, region, Grouping.BRIDGING),
    )


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
    by: Grouping = Grouping.HELP_TIE_TERCILE,
    stratify: Stratum = Stratum.NONE,
) -> list[Path]:
    """Write a report's released tables as CSV or Parquet files (refuses unsafe tables)."""
    answer = report_release(store, settings, principal, report, region, start, end, by, stratify)
    writer = write_csv if fmt == "csv" else write_parquet
    return writer(answer.tables, directory, threshold=settings.small_cell_threshold)
