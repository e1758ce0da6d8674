"""Research summary of the support network (issue 9): structure and social capital.

**Population.** Only families with ``consent_research`` are ever counted: the graph is first cut
to those families (:func:`research_graph`), so ties to families without consent vanish
before anything is computed. ``region`` narrows the *population* to one region's consenting
families; their ties to consenting families of other regions are still seen (that is what
bridging means), but structural measures (clustering, reciprocity, communities) use only the
ties among the population.

**Period.** Help ties count if ``start <= at <= end`` and referrals likewise by ``at``; cohort
ties (shared active membership) are treated as present throughout. To keep overlapping queries
from differencing out a single day, ``start`` is widened to the first day of its calendar
quarter and ``end`` to the last day of its quarter; the summary reports the period used
(without dates: the data's own span, from the first join or record to the last, in whole
quarters, so a report always states its period).

**Figures** (every count-bearing figure is a :class:`~graph_service.analytics.disclosure.Cell`):

- families; ties by kind: undirected family pairs with a help tie (either direction), a
  referral, a shared cohort, any tie (a pair with several kinds counts once per kind);
- degree distribution (ties of any kind), binned 0, 1, 2, 3-5, 6-10, 11+;
- average clustering ``C = 1/n Σ_v 2T(v)/(deg(v)(deg(v)-1))`` (``nx.average_clustering``);
- reciprocity of help on the simple directed help graph: the share of directed pairs whose
  reverse also exists (``nx.reciprocity``);
- Louvain communities (``nx.community.louvain_communities`` with ``seed``) and their
  modularity ``Q = Σ_c [L_c/m - (d_c/2m)^2]``: the number and a binned size distribution,
  never members;
- bonding vs bridging: *exchange* ties (help or referral) inside vs across cohorts (both ends
  in a cohort; cohort co-membership ties are left out here, being internal by construction)
  and inside vs across regions, with Krackhardt & Stern's E-I index
  ``(E - I) / (E + I)`` (-1: all ties inside, +1: all ties across);
- help exchanged by kind: number of exchanges, total hours, total dollar value (sums of the
  recorded estimates; missing estimates add nothing), for exchanges touching the population;
- economic connectedness (Chetty et al., *Nature* 608, 2022): for families below the median
  income, the share of their ties to families above the median, averaged, times two (1 = ties
  as if made at random, 0 = none across). Income is the program-internal ``income_band``
  (1..5) and the median is taken over all consenting families of the program. Because bands
  are coarse, the median band ``m`` is split in expectation, as if ranks inside it were drawn
  at random: with ``N`` families, ``B`` below ``m`` and ``A`` in it, a share
  ``q = (B + A - N/2) / A`` of band ``m`` lies above the median. A family in band ``m`` counts
  as *low* with weight ``1 - q`` and a tie to it counts as *above* with weight ``q``; bands
  below ``m`` count fully low, above ``m`` fully high. Families with no tie are left out.

Sources: Krackhardt & Stern, *Soc. Psych. Q.* 51 (1988); Blondel et al., *J. Stat. Mech.*
(2008); Newman, *PNAS* 103 (2006); Chetty et al., *Nature* 608, 108-121 (2022).

>>> from graph_service.analytics.family_graph import build_family_graph
>>> summary = network_summary(build_family_graph(families=[]))
>>> summary.families.count, summary.average_clustering.value("value")
(0, None)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import networkx as nx

from graph_service.analytics.disclosure import Cell, Table, figures_table, make_table
from graph_service.analytics.family_graph import (
    HELPED,
    REFERRED,
    FamilyGraph,
    edge_values,
    node_values,
    tie_graph,
)
from graph_service.analytics.periods import (
    quarter_of,
    quarter_period,
    quarters,
    report_period,
)
from models import vocabulary

COHORT = "cohort"
TIE_KINDS = (("help", HELPED), ("referral", REFERRED), ("cohort", COHORT))
Bin = tuple[str, int, int | None]
DEGREE_BINS: tuple[Bin, ...] = (
    ("0", 0, 0),
    ("1", 1, 1),
    ("2", 2, 2),
    ("3-5", 3, 5),
    ("6-10", 6, 10),
    ("11+", 11, None),
)
COMMUNITY_SIZE_BINS: tuple[Bin, ...] = (
    ("1", 1, 1),
    ("2", 2, 2),
    ("3-5", 3, 5),
    ("6-10", 6, 10),
    ("11-50", 11, 50),
    ("51+", 51, None),
)
VALUE = "value"
# Tables of measures that are not counts of families: published exactly when the group is
# large enough (graph_service.analytics.privacy.structural), never noised.
STRUCTURAL = frozenset(
    {"network_measures", "community_sizes", "tercile_cut_points", "ripple_measures"}
)


@dataclass(frozen=True)
class NetworkSummary:
    """Aggregates only; scalar figures carry their count and ``derived["value"]``."""

    region: str | None
    start: date | None
    end: date | None
    families: Cell
    ties_by_kind: Table
    degree_distribution: Table
    average_clustering: Cell  # count: families
    help_reciprocity: Cell  # count: directed help pairs (u helped v)
    communities: Cell  # count: communities; value: modularity
    community_sizes: Table
    boundary_ties: Table  # rows cohort/region, columns bonding/bridging, E-I on row totals
    help_by_kind: Table
    help_by_quarter: Table  # exchanges, hours and dollars per calendar quarter of the period
    families_by_quarter: Table  # families by the quarter they joined ("earlier": before)
    economic_connectedness: Cell  # count: below-median families with ties

    def tables(self) -> list[Table]:
        """The noisy count tables first, then the structural ones (:data:`STRUCTURAL`)."""
        figures = figures_table("network_figures", [("families", self.families)])
        measures = figures_table(
            "network_measures",
            [
                ("average_clustering", self.average_clustering),
                ("help_reciprocity", self.help_reciprocity),
                ("modularity", Cell(self.families.count, {VALUE: self.communities.value(VALUE)})),
                ("communities", Cell(self.families.count, {VALUE: self.communities.count})),
                ("economic_connectedness", self.economic_connectedness),
            ],
        )
        return [
            figures,
            self.ties_by_kind,
            self.degree_distribution,
            self.boundary_ties,
            self.help_by_kind,
            self.help_by_quarter,
            self.families_by_quarter,
            measures,
            self.community_sizes,
        ]


# --- shared helpers (also used by outcomes) ----------------------------------------------


def research_graph(graph: FamilyGraph) -> FamilyGraph:
    """The subgraph of families that consented to research use (graph attributes kept).

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.

    Returns
    -------
    FamilyGraph
        A view of the families with research consent.

    Examples
    --------
    >>> from graph_service.analytics.family_graph import build_family_graph
    >>> empty = build_family_graph(families=[])
    >>> research_graph(empty).number_of_nodes()
    0
    """
    consenting = [n for n, d in graph.nodes(data=True) if d.get("consent_research")]
    view: FamilyGraph = graph.subgraph(consenting)
    return view


def population(graph: FamilyGraph, region: str | None) -> list[str]:
    """The families of ``region`` (all with ``None``), sorted.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    region : str or None
        A region id.

    Returns
    -------
    list of str
        Family ids.

    Examples
    --------
    >>> from graph_service.analytics.family_graph import build_family_graph
    >>> empty = build_family_graph(families=[])
    >>> population(empty, None)
    []
    """
    return sorted(n for n, d in graph.nodes(data=True) if region is None or d["region"] == region)


def _in_period(at: date | None, start: date | None, end: date | None) -> bool:
    if at is None:
        return start is None and end is None
    return (start is None or at >= start) and (end is None or at <= end)


def _dated_graph(graph: FamilyGraph, start: date | None, end: date | None) -> FamilyGraph:
    """A copy of ``graph`` without help and referral edges dated outside ``[start, end]``."""
    kept: FamilyGraph = nx.MultiDiGraph()
    kept.graph.update(graph.graph)
    kept.add_nodes_from(graph.nodes(data=True))
    kept.add_edges_from(
        (u, v, k, d)  # type: ignore[misc]  # the stubs miss the (u, v, key, data) form
        for u, v, k, d in graph.edges(keys=True, data=True)
        if _in_period(d.get("at"), start, end)
    )
    return kept


def bin_of(value: int, bins: Sequence[Bin]) -> str:
    """The label of the bin that holds ``value``.

    Parameters
    ----------
    value : int
        A count (a degree, a cascade size).
    bins : sequence of (str, int, int or None)
        Each bin's label, lowest and highest value (``None``: no upper end).

    Returns
    -------
    str
        The label. Raises ``ValueError`` when no bin holds ``value``.

    Examples
    --------
    >>> bin_of(7, [("0", 0, 0), ("1-5", 1, 5), ("6+", 6, None)])
    '6+'
    """
    for label, low, high in bins:
        if value >= low and (high is None or value <= high):
            return label
    raise ValueError(f"{value} is in no bin")


def ei_index(external: int, internal: int) -> float | None:
    """Krackhardt & Stern's E-I index; ``None`` with no ties.

    Parameters
    ----------
    external : int
        Ties leaving the group.
    internal : int
        Ties inside it.

    Returns
    -------
    float or None
        ``(E - I) / (E + I)``, from -1 (all inside) to 1 (all outside).

    References
    ----------
    Krackhardt & Stern, *Social Psychology Quarterly* 51 (1988).

    Examples
    --------
    >>> ei_index(3, 1)
    0.5
    """
    total = external + internal
    return None if total == 0 else (external - internal) / total


def _binned_table(name: str, header: str, values: Iterable[int], bins: Sequence[Bin]) -> Table:
    counts = Counter(bin_of(v, bins) for v in values)
    rows = [(label, [Cell(counts[label])]) for label, _, _ in bins]
    return make_table(name, header, "measure", rows, ["count"], margins="columns")


# --- the figures -------------------------------------------------------------------------


def network_summary(
    graph: FamilyGraph,
    *,
    region: str | None = None,
    start: date | None = None,
    end: date | None = None,
    seed: int = 0,
    structure: bool = True,
) -> NetworkSummary:
    """Summarise the research population's network (see the module doc for definitions).

    ``structure=False`` skips the structural measures (clustering, Louvain, economic
    connectedness: ``None`` / empty), for a pass that only needs the count tables.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    region : str, optional
        Only families of this region.
    start, end : datetime.date, optional
        The period, widened to whole quarters.
    seed : int, default 0
        Seed of Louvain.
    structure : bool, default True
        Whether to compute the structural measures.

    Returns
    -------
    NetworkSummary
        The research population's tables and structural measures.

    References
    ----------
    Blondel et al., *J. Stat. Mech.* (2008) (Louvain); Chetty et al. (2022);
    Krackhardt & Stern (1988).

    Examples
    --------
    >>> from graph_service.analytics.family_graph import build_family_graph
    >>> empty = build_family_graph(families=[])
    >>> network_summary(empty, structure=False).families.count
    0
    """
    stated = report_period(graph, start, end)
    start, end = quarter_period(start, end)
    research = _dated_graph(research_graph(graph), start, end)
    ties = tie_graph(research)
    members = population(research, region)
    inside = set(members)
    incident = [(u, v, d) for u, v, d in ties.edges(data=True) if u in inside or v in inside]
    local = ties if region is None else ties.subgraph(members).copy()  # a copy: views are slow
    communities, community_sizes = _communities(local if structure else nx.Graph(), seed)
    clustering = nx.average_clustering(local) if members and structure else None
    return NetworkSummary(
        region=region,
        start=stated[0],
        end=stated[1],
        families=Cell(len(members)),
        ties_by_kind=_ties_by_kind(incident),
        degree_distribution=_binned_table(
            "degree_distribution", "ties", (ties.degree(n) for n in members), DEGREE_BINS
        ),
        average_clustering=Cell(len(members), {VALUE: clustering}),
        help_reciprocity=_help_reciprocity(research, members),
        communities=communities,
        community_sizes=community_sizes,
        boundary_ties=_boundary_ties(research, incident),
        help_by_kind=_help_by_kind(research, inside),
        help_by_quarter=_help_by_quarter(research, inside, stated),
        families_by_quarter=_families_by_quarter(research, members, stated),
        economic_connectedness=economic_connectedness(research, ties, members)
        if structure
        else Cell(0, {VALUE: None}),
    )


def _ties_by_kind(incident: list[tuple[str, str, dict[str, Any]]]) -> Table:
    rows = [
        (label, [Cell(sum(1 for _, _, d in incident if kind in d["kinds"]))])
        for label, kind in TIE_KINDS
    ]
    rows.append(("any", [Cell(len(incident))]))
    return make_table("ties_by_kind", "tie_kind", "measure", rows, ["ties"])


def _help_reciprocity(research: FamilyGraph, members: list[str]) -> Cell:
    helps: nx.DiGraph[str] = nx.DiGraph()
    helps.add_nodes_from(members)
    inside = set(members)
    helps.add_edges_from(
        (u, v)
        for u, v, kind in edge_values(research, "kind")
        if kind == HELPED and u != v and u in inside and v in inside
    )
    pairs = helps.number_of_edges()
    # reciprocity() of a whole graph is one float (of some nodes, a dict by node).
    value = float(cast(float, nx.reciprocity(helps))) if pairs else None
    return Cell(pairs, {VALUE: value})


def _communities(local: nx.Graph[str], seed: int) -> tuple[Cell, Table]:
    found: list[set[str]] = (
        nx.community.louvain_communities(local, seed=seed) if local.number_of_nodes() else []
    )
    modularity = float(nx.community.modularity(local, found)) if local.number_of_edges() else None
    counts = Counter(bin_of(len(c), COMMUNITY_SIZE_BINS) for c in found)
    sizes = make_table(
        "community_sizes",
        "families_in_community",
        "measure",
        [(label, [Cell(0, {"communities": counts[label]})]) for label, _, _ in COMMUNITY_SIZE_BINS],
        ["value"],
    )
    return Cell(len(found), {VALUE: modularity}), sizes


def _boundary_ties(research: FamilyGraph, incident: list[tuple[str, str, dict[str, Any]]]) -> Table:
    nodes = research.nodes
    exchange = [(u, v) for u, v, d in incident if d["kinds"] & {HELPED, REFERRED}]
    counts: dict[str, list[int]] = {}
    for attribute in ("cohort", "region"):
        pairs = [(nodes[u][attribute], nodes[v][attribute]) for u, v in exchange]
        known = [(a, b) for a, b in pairs if a is not None and b is not None]
        internal = sum(1 for a, b in known if a == b)
        counts[attribute] = [internal, len(known) - internal]
    rows = [(a, [Cell(internal), Cell(external)]) for a, (internal, external) in counts.items()]
    derived = {a: {"ei_index": ei_index(ext, inn)} for a, (inn, ext) in counts.items()}
    return make_table(
        "boundary_ties",
        "boundary",
        "tie",
        rows,
        ["bonding", "bridging"],
        margins="rows",
        row_total_derived=derived,
    )


def _help_by_kind(research: FamilyGraph, inside: set[str]) -> Table:
    exchanges = [
        d
        for u, v, d in research.edges(data=True)
        if d["kind"] == HELPED and (u in inside or v in inside)
    ]
    kinds = list(vocabulary().help_kinds)
    kinds += sorted({d["help_kind"] for d in exchanges} - set(kinds))

    def cell(selected: list[dict[str, Any]]) -> Cell:
        hours = float(sum(d.get("hours") or 0.0 for d in selected))
        dollars = float(sum(d.get("amount") or 0.0 for d in selected))
        return Cell(len(selected), {"hours": hours, "dollars": dollars})

    rows = [(k, [cell([d for d in exchanges if d["help_kind"] == k])]) for k in kinds]
    total = cell(exchanges)
    return make_table(
        "help_by_kind",
        "help_kind",
        "measure",
        rows,
        ["exchanges"],
        margins="columns",
        column_total_derived={"exchanges": total.derived},
        total_derived=total.derived,
    )


def _help_by_quarter(
    research: FamilyGraph, inside: set[str], period: tuple[date | None, date | None]
) -> Table:
    """Help exchanges touching the population per quarter of the report's period."""
    counts: dict[str, list[float]] = {q: [0, 0.0, 0.0] for q in quarters(*period)}
    for u, v, d in research.edges(data=True):
        if d["kind"] != HELPED or not (u in inside or v in inside) or d.get("at") is None:
            continue
        row = counts.get(quarter_of(d["at"]))
        if row is not None:
            row[0] += 1
            row[1] += float(d.get("hours") or 0.0)
            row[2] += float(d.get("amount") or 0.0)
    rows = [
        (q, [Cell(int(n), {"hours": hours, "dollars": dollars})])
        for q, (n, hours, dollars) in counts.items()
    ]
    return make_table("help_by_quarter", "quarter", "measure", rows, ["exchanges"])


def _families_by_quarter(
    research: FamilyGraph, members: Sequence[str], period: tuple[date | None, date | None]
) -> Table:
    """The population by the quarter each family joined (``earlier``: before the period)."""
    rows = ["earlier", *quarters(*period)]
    counts = Counter(
        "earlier" if period[0] and joined < period[0] else quarter_of(joined)
        for joined in (research.nodes[n]["joined_at"] for n in members)
    )
    return make_table(
        "families_by_quarter",
        "joined",
        "measure",
        [(q, [Cell(counts[q])]) for q in rows],
        ["families"],
    )


def median_split(bands: Iterable[int]) -> tuple[int, float]:
    """The median band ``m`` and the share ``q`` of band ``m`` lying above the median.

    Parameters
    ----------
    bands : iterable of int
        The income bands of a population.

    Returns
    -------
    tuple of (int, float)
        The median band and the share of it counted above the median.

    References
    ----------
    Chetty et al. (2022), supplementary methods (economic connectedness with coarse
    income ranks).

    Examples
    --------
    >>> median_split([1, 2, 2, 3])  # N=4, m=2, B=1, A=2: q = (1 + 2 - 2) / 2
    (2, 0.5)
    """
    counts = Counter(bands)
    half = sum(counts.values()) / 2
    below = 0
    for band in sorted(counts):
        if below + counts[band] >= half:
            return band, (below + counts[band] - half) / counts[band]
        below += counts[band]
    raise ValueError("no families")


def economic_connectedness(
    research: FamilyGraph, ties: nx.Graph[str], members: Sequence[str]
) -> Cell:
    """EC of ``members`` (see module doc); count = below-median families with a tie.

    Parameters
    ----------
    research : FamilyGraph
        The research population's graph.
    ties : networkx.Graph
        Its tie graph.
    members : sequence of str
        The families measured.

    Returns
    -------
    Cell
        ``count``: below-median families with a tie; derived ``value``: the EC.

    References
    ----------
    Chetty et al., "Social capital I: measurement and associations with economic
    mobility", *Nature* 608 (2022).

    Examples
    --------
    >>> from graph_service.analytics.family_graph import build_family_graph
    >>> empty = build_family_graph(families=[])
    >>> import networkx as nx
    >>> economic_connectedness(empty, nx.Graph(), []).count
    0
    """
    if research.number_of_nodes() == 0:
        return Cell(0, {VALUE: None})
    median, above_share = median_split(b for _, b in node_values(research, "income_band"))

    def high(node: str) -> float:
        band = research.nodes[node]["income_band"]
        return 1.0 if band > median else above_share if band == median else 0.0

    weights = 0.0
    weighted_share = 0.0
    families = 0
    for node in members:
        low_weight = 1.0 - high(node)
        degree = ties.degree(node)
        if low_weight <= 0 or degree == 0:
            continue
        families += 1
        weights += low_weight
        weighted_share += low_weight * sum(high(v) for v in ties[node]) / degree
    value = 2 * weighted_share / weights if weights else None
    return Cell(families, {VALUE: value})
