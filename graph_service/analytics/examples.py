"""Small, fixed networks and tables for the analytics' examples (as networkx has
``path_graph`` and ``karate_club_graph``), so that each docstring shows the call, not the
set-up. Hand-sized: every figure an example prints can be checked by hand.

Examples
--------
>>> sorted(referral_chain()), sorted(two_regions())
(['a', 'b', 'c'], ['a', 'b'])
"""

from __future__ import annotations

from datetime import date

import networkx as nx

from graph_service.analytics.disclosure import Cell, Table, make_table
from graph_service.analytics.family_graph import FamilyGraph, build_family_graph
from graph_service.analytics.journal_anomalies import Transition
from models import Consent, Family, Helped
from models.journal import MonthlyReport, ReportKind, report_id

__all__ = [
    "consenting_families",
    "hub_and_spokes",
    "journal_reports",
    "one_table",
    "referral_chain",
    "savings_jump",
    "two_regions",
]


def referral_chain() -> FamilyGraph:
    """Three families of region ``r`` who joined on 2024-01-01: ``a`` referred ``b`` on
    2024-02-01 and ``b`` referred ``c`` on 2024-03-01.

    Returns
    -------
    FamilyGraph
        The bare graph the ripple analytics read (``region``, ``cohort``, ``joined_at``).

    Examples
    --------
    >>> [(u, v) for u, v, kind in referral_chain().edges(data="kind")]
    [('a', 'b'), ('b', 'c')]
    """
    graph: FamilyGraph = nx.MultiDiGraph(cohorts={})
    for family in "abc":
        graph.add_node(family, region="r", cohort=None, joined_at=date(2024, 1, 1))
    graph.add_edge("a", "b", key="referred", kind="referred", at=date(2024, 2, 1))
    graph.add_edge("b", "c", key="referred", kind="referred", at=date(2024, 3, 1))
    return graph


def two_regions() -> FamilyGraph:
    """Family ``a`` of region ``n`` helped family ``b`` of region ``s`` (childcare, 2025-02-01).

    Returns
    -------
    FamilyGraph
        :func:`~graph_service.analytics.family_graph.build_family_graph` of them.

    Examples
    --------
    >>> two_regions().nodes["b"]["region"]
    's'
    """
    families = [
        Family(
            id=i, name=i, region_id=r, household_size=2, income_band=1, joined_at=date(2025, 1, 1)
        )
        for i, r in [("a", "n"), ("b", "s")]
    ]
    helped = Helped(id="h", from_id="a", to_id="b", kind="childcare", at=date(2025, 2, 1))
    return build_family_graph(families=families, helps=[helped])


def consenting_families(n: int = 12) -> FamilyGraph:
    """``n`` families of region ``r`` (``f00``, ``f01``, ...) who consented to matching, with no
    goals and no ties: any split into cohorts scores the same.

    Parameters
    ----------
    n : int, default 12
        How many families.

    Returns
    -------
    FamilyGraph
        The graph.

    Examples
    --------
    >>> consenting_families(3).nodes["f02"]["consent_matching"]
    True
    """
    families = [
        Family(
            id=f"f{i:02}",
            name="F",
            region_id="r",
            household_size=2,
            income_band=2,
            joined_at=date(2025, 1, 1),
            consent=Consent(matching=True),
        )
        for i in range(n)
    ]
    return build_family_graph(families=families)


def hub_and_spokes() -> FamilyGraph:
    """``hub`` (region ``n``) helped ``x`` (region ``s``) and was referred by ``y`` (region
    ``e``): the one family that bridges regions.

    Returns
    -------
    FamilyGraph
        The bare graph the bridging analytics read (``region``, ``cohort``).

    Examples
    --------
    >>> hub_and_spokes().number_of_edges()
    2
    """
    graph: FamilyGraph = nx.MultiDiGraph(cohorts={})
    graph.add_nodes_from(
        [
            ("hub", {"region": "n", "cohort": None}),
            ("x", {"region": "s", "cohort": None}),
            ("y", {"region": "e", "cohort": None}),
        ]
    )
    graph.add_edge("hub", "x", kind="helped")
    graph.add_edge("y", "hub", kind="referred")
    return graph


def one_table() -> Table:
    """Families by group: ``a`` 3, ``b`` 40, ``c`` 25, with column totals (68): two small
    cells of a threshold of 10.

    Returns
    -------
    Table
        The table, not yet suppressed.

    Examples
    --------
    >>> one_table().column_totals[0].count
    68
    """
    rows = [("a", [Cell(3)]), ("b", [Cell(40)]), ("c", [Cell(25)])]
    return make_table("demo", "group", "measure", rows, ["families"], margins="columns")


def savings_jump() -> list[Transition]:
    """Two reports of 2025-02: ``r2`` (family ``a``), whose savings rose from $100 to $900, and
    ``r3`` (family ``b``), which did not move.

    Returns
    -------
    list of Transition
        The two transitions (no month after yet).

    Examples
    --------
    >>> [t.report_id for t in savings_jump()]
    ['r2', 'r3']
    """
    quiet = {"earned": 2000.0, "benefits": 0.0, "savings": 100.0, "debt": 0.0, "household": 3.0}
    jump = dict(quiet, savings=900.0)
    return [
        Transition("a", "2025-02", "r2", quiet, jump),
        Transition("b", "2025-02", "r3", quiet, quiet),
    ]


def journal_reports() -> list[MonthlyReport]:
    """Family ``a``'s baseline of 2023-01 ($2,000 earned, no savings) and its report of
    2024-01 ($2,500 earned, $500 saved).

    Returns
    -------
    list of MonthlyReport
        The two reports.

    Examples
    --------
    >>> [r.kind.value for r in journal_reports()]
    ['baseline', 'monthly']
    """

    def report(month: str, kind: ReportKind, income: int, savings: int) -> MonthlyReport:
        return MonthlyReport(
            id=report_id("a", month, 1),
            family_id="a",
            month=month,
            kind=kind,
            submitted_on=date(2025, 1, 1),
            household_size=3,
            earned_income_cents=income,
            savings_cents=savings,
        )

    return [
        report("2023-01", ReportKind.BASELINE, 200_000, 0),
        report("2024-01", ReportKind.MONTHLY, 250_000, 50_000),
    ]
