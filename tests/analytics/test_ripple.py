"""Ripple growth: hand-computed cascades, windows and summaries; linear-time virality against
networkx; the one-pass summary against the per-seed baseline on random forests."""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from datetime import date, timedelta

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_service.analytics.family_graph import CohortInfo, FamilyGraph, build_family_graph
from graph_service.analytics.ripple import (
    CascadeSummary,
    MonthlyJoins,
    MonthlyReproduction,
    baseline_summary,
    cascade_metrics,
    cohort_ripple,
    ripple_summary,
    structural_virality,
    tree_wiener_index,
)
from graph_service.errors import NotFound, ValidationFailed
from models import Family, Referred

AS_OF = date(2025, 1, 1)
DAY0 = date(2024, 1, 1)


def referral_graph(
    families: dict[str, tuple[str, date]],
    referrals: list[tuple[str, str, date]],
    *,
    cohorts: dict[str, list[str]] | None = None,
) -> FamilyGraph:
    """A FamilyGraph with just what ripple reads: ``{id: (region, joined_at)}`` and
    ``(referrer, recruit, at)``. Cohort membership goes into the node and graph attributes."""
    graph: FamilyGraph = nx.MultiDiGraph()
    cohort_of = {m: c for c, members in (cohorts or {}).items() for m in members}
    for family, (region, joined_at) in families.items():
        graph.add_node(family, region=region, cohort=cohort_of.get(family), joined_at=joined_at)
    for referrer, recruit, at in referrals:
        graph.add_edge(referrer, recruit, key="referred", kind="referred", at=at)
    graph.graph["cohorts"] = {
        c: CohortInfo("r", "active", "self_formed", (), sorted(ms))
        for c, ms in (cohorts or {}).items()
    }
    graph.graph["regions"] = {}
    return graph


def tree_graph(edges: list[tuple[int, int]], n: int) -> FamilyGraph:
    """Referral graph of a rooted tree on ``0..n-1`` (edges parent -> child), all in 2024."""
    families = {str(i): ("r", DAY0) for i in range(n)}
    return referral_graph(families, [(str(u), str(v), DAY0) for u, v in edges])


# --------------------------------------------------------------------------- named trees


def test_single_family_has_size_one_depth_zero_and_no_virality() -> None:
    metrics = cascade_metrics(tree_graph([], 1), "0", as_of=AS_OF)
    assert (metrics.size, metrics.depth, metrics.max_breadth) == (1, 0, 1)
    assert metrics.families_per_generation == (1,)
    assert metrics.growth_ratios == ()
    # convention: no pairs, so W = 0 and virality 0 (not undefined)
    assert (metrics.wiener_index, metrics.structural_virality) == (0, 0.0)
    assert metrics.median_days_to_first_recruit is None


@pytest.mark.parametrize("k", [1, 2, 4, 7])
def test_star_with_k_recruits(k: int) -> None:
    # root-leaf pairs: k at distance 1 -> k; leaf-leaf pairs: k(k-1)/2 at distance 2 -> k(k-1)
    # W = k + k(k-1) = k^2 (edge form: k edges, each s(n-s) = 1*k); pairs = (k+1)k/2
    # virality = k^2 / ((k+1)k/2) = 2k/(k+1); k=4: 16/10 = 1.6
    metrics = cascade_metrics(
        tree_graph([(0, i) for i in range(1, k + 1)], k + 1), "0", as_of=AS_OF
    )
    assert metrics.wiener_index == k * k
    assert metrics.structural_virality == pytest.approx(2 * k / (k + 1))
    assert metrics.families_per_generation == (1, k)
    assert metrics.growth_ratios == (float(k),)
    assert (metrics.depth, metrics.max_breadth) == (1, k)


@pytest.mark.parametrize("n", [2, 3, 5, 10])
def test_chain_of_n(n: int) -> None:
    # W = sum_{d=1}^{n-1} d (n-d) = n(n^2-1)/6; pairs n(n-1)/2 -> virality (n+1)/3
    # n=5: W = 4+6+6+4 = 20, pairs 10, virality 2
    metrics = cascade_metrics(tree_graph([(i, i + 1) for i in range(n - 1)], n), "0", as_of=AS_OF)
    assert metrics.wiener_index == n * (n * n - 1) // 6
    assert metrics.structural_virality == pytest.approx((n + 1) / 3)
    assert (metrics.depth, metrics.max_breadth) == (n - 1, 1)
    assert metrics.growth_ratios == (1.0,) * (n - 1)


def test_balanced_binary_tree_of_depth_two() -> None:
    # 7 families; the 2 edges below the root cut off 3: 3*4 = 12 each -> 24;
    # the 4 leaf edges cut off 1: 1*6 = 6 each -> 24. W = 48, pairs 21, virality 16/7
    edges = [(0, 1), (0, 2), (1, 3), (1, 4), (2, 5), (2, 6)]
    metrics = cascade_metrics(tree_graph(edges, 7), "0", as_of=AS_OF)
    assert metrics.wiener_index == 48
    assert metrics.structural_virality == pytest.approx(16 / 7)
    assert metrics.families_per_generation == (1, 2, 4)
    assert metrics.growth_ratios == (2.0, 2.0)
    assert (metrics.size, metrics.depth, metrics.max_breadth) == (7, 2, 4)


def test_sub_cascade_of_an_inner_family() -> None:
    edges = [(0, 1), (0, 2), (1, 3), (1, 4), (2, 5), (2, 6)]
    metrics = cascade_metrics(tree_graph(edges, 7), "1", as_of=AS_OF)
    assert (metrics.size, metrics.depth, metrics.wiener_index) == (3, 1, 4)


def test_virality_helpers_on_undirected_trees() -> None:
    assert tree_wiener_index(nx.path_graph(5)) == 20
    assert structural_virality(nx.star_graph(4)) == pytest.approx(1.6)
    assert structural_virality(nx.empty_graph(1)) == 0.0
    with pytest.raises(ValidationFailed):
        tree_wiener_index(nx.cycle_graph(4))


# --------------------------------------------------------------------------- timing


def window_graph() -> FamilyGraph:
    # a joined 2024-01-01; recruits b on 02-01 (31 days) and c on 12-01 (335 days);
    # b recruits d on 03-01 (29 days: 2024 is a leap year). joined_at of recruits is a later
    # sign-up date that must be ignored in favour of the referral date.
    families = {
        "a": ("oak", date(2024, 1, 1)),
        "b": ("sf", date(2024, 5, 1)),
        "c": ("oak", date(2024, 12, 20)),
        "d": ("det", date(2024, 6, 1)),
    }
    referrals = [
        ("a", "b", date(2024, 2, 1)),
        ("a", "c", date(2024, 12, 1)),
        ("b", "d", date(2024, 3, 1)),
    ]
    return referral_graph(families, referrals, cohorts={"c1": ["a", "b"], "c2": ["d"]})


def test_reproduction_number_counts_recruits_inside_closed_windows() -> None:
    # window 180 days, as of 2025-01-01: windows close a 06-29, b 07-30, d 08-28 (all closed),
    # c 2025-05-30 (open, excluded). Recruits inside the window: a 1 (b; c came on day 335),
    # b 1 (d), d 0 -> R = 2/3 over 3 families
    metrics = cascade_metrics(window_graph(), "a", window_days=180, as_of=AS_OF)
    assert metrics.families_window_closed == 3
    assert metrics.reproduction_number == pytest.approx(2 / 3)
    # window 365: only a's has closed (2024-12-31; b's closes 2025-01-31) and it now
    # includes c (day 335): a recruited 2 -> R = 2 over 1 family
    wide = cascade_metrics(window_graph(), "a", window_days=365, as_of=AS_OF)
    assert (wide.families_window_closed, wide.reproduction_number) == (1, 2.0)


def test_reproduction_number_is_none_when_no_window_has_closed() -> None:
    metrics = cascade_metrics(window_graph(), "a", window_days=180, as_of=date(2024, 3, 1))
    assert (metrics.families_window_closed, metrics.reproduction_number) == (0, None)


def test_median_days_to_first_recruit() -> None:
    # a: first recruit after 31 days, b: after 29 days; c and d recruit nobody -> median 30
    assert cascade_metrics(window_graph(), "a", as_of=AS_OF).median_days_to_first_recruit == 30.0


def test_joins_per_month_fills_gaps_and_uses_referral_dates() -> None:
    joins = cascade_metrics(window_graph(), "a", as_of=AS_OF).joins_per_month
    assert list(joins) == [f"2024-{m:02d}" for m in range(1, 13)]
    assert joins["2024-01"] == joins["2024-02"] == joins["2024-03"] == joins["2024-12"] == 1
    assert sum(joins.values()) == 4


def test_regions_and_cohorts_reached() -> None:
    metrics = cascade_metrics(window_graph(), "a", as_of=AS_OF)
    assert (metrics.regions_reached, metrics.region_count) == (("det", "oak", "sf"), 3)
    assert (metrics.cohorts_reached, metrics.cohort_count) == (("c1", "c2"), 2)


def test_metrics_are_json_friendly() -> None:
    metrics = cascade_metrics(window_graph(), "a", as_of=AS_OF)
    assert json.loads(json.dumps(asdict(metrics)))["size"] == 4


def test_unknown_family_and_bad_window_are_clear_errors() -> None:
    with pytest.raises(NotFound) as missing:
        cascade_metrics(window_graph(), "nobody", as_of=AS_OF)
    with pytest.raises(ValidationFailed) as bad:
        cascade_metrics(window_graph(), "a", window_days=-1, as_of=AS_OF)
    # the analytic's own parameter names; services rename them to the API's fields
    assert (missing.value.field, bad.value.field) == ("root", "window_days")


def test_works_on_a_graph_built_from_the_domain_model() -> None:
    families = [
        Family(
            id=f,
            name=f.upper(),
            region_id="oak",
            household_size=3,
            income_band=2,
            joined_at=date(2024, 1, 1),
        )
        for f in ("a", "b", "c")
    ]
    referrals = [
        Referred(from_id="a", to_id="b", at=date(2024, 2, 1)),
        Referred(from_id="a", to_id="c", at=date(2024, 3, 1)),
    ]
    graph = build_family_graph(families=families, referrals=referrals)
    metrics = cascade_metrics(graph, "a", as_of=AS_OF)
    assert (metrics.size, metrics.wiener_index, metrics.median_days_to_first_recruit) == (3, 4, 31)


# --------------------------------------------------------------------------- cohort


def test_cohort_ripple_unions_top_members_cascades() -> None:
    # members a and b, with b inside a's cascade, plus e who recruited nobody:
    # one cascade per top member (a, e); reached = a,b,c,d + e = 5; recruited c,d = 2
    graph = window_graph()
    graph.add_node("e", region="oak", cohort="c1", joined_at=date(2024, 1, 15))
    graph.graph["cohorts"]["c1"].members = ["a", "b", "e"]
    ripple = cohort_ripple(graph, "c1", window_days=180, as_of=AS_OF)
    assert (ripple.members, ripple.cascades) == (3, 2)
    assert (ripple.families_reached, ripple.recruited_families) == (5, 2)
    assert ripple.families_per_generation == (2, 2, 1)  # a's (1, 2, 1) + e's (1,)
    assert ripple.depth == 2
    # windows closed: a, b, d, e; recruits inside: 1 + 1 + 0 + 0 -> 2/4
    assert ripple.reproduction_number == pytest.approx(0.5)
    # a's cascade: edge above b cuts off 2 (b, d): 2*2 = 4; c: 1*3; d: 1*3 -> W = 10,
    # 6 pairs -> 5/3; e alone -> 0; mean 5/6
    assert ripple.mean_structural_virality == pytest.approx(5 / 6)
    assert [c.root for c in ripple.member_cascades] == ["a", "e"]


def test_unknown_cohort_is_not_found() -> None:
    with pytest.raises(NotFound):
        cohort_ripple(window_graph(), "nope", as_of=AS_OF)


# --------------------------------------------------------------------------- summary


def summary_graph() -> FamilyGraph:
    # seeds s1 (oak, 01-10) -> x1 (sf, 01-20) -> x3 (04-01); s1 -> x2 (03-05);
    # s2 (oak, 02-01) alone; s3 (sf, 03-01) -> y1 (oak, 03-15). A help edge must be ignored.
    families = {
        "s1": ("oak", date(2024, 1, 10)),
        "x1": ("sf", date(2024, 1, 20)),
        "x2": ("oak", date(2024, 3, 5)),
        "x3": ("oak", date(2024, 4, 1)),
        "s2": ("oak", date(2024, 2, 1)),
        "s3": ("sf", date(2024, 3, 1)),
        "y1": ("oak", date(2024, 3, 15)),
    }
    referrals = [
        ("s1", "x1", date(2024, 1, 20)),
        ("s1", "x2", date(2024, 3, 5)),
        ("x1", "x3", date(2024, 4, 1)),
        ("s3", "y1", date(2024, 3, 15)),
    ]
    graph = referral_graph(families, referrals)
    graph.add_edge("s2", "s1", key="h1", kind="helped", at=date(2024, 3, 1))
    return graph


def test_summary_of_every_region() -> None:
    # s1's cascade: edges x1 (s=2): 2*2, x2: 1*3, x3: 1*3 -> W = 10, 6 pairs -> 5/3
    summary = ripple_summary(summary_graph(), window_days=30, as_of=date(2024, 4, 15))
    assert (summary.families, summary.cascades) == (7, 3)
    assert summary.invited_share == pytest.approx(4 / 7)
    assert summary.size_distribution == {
        "1": 1,
        "2": 1,
        "3-5": 1,
        "6-10": 0,
        "11-20": 0,
        "21-50": 0,
        "51+": 0,
    }
    assert summary.largest_cascades == (
        CascadeSummary("s1", 4, 2, pytest.approx(5 / 3)),  # type: ignore[arg-type]  # approx compares equal to a float
        CascadeSummary("s3", 2, 1, 1.0),
        CascadeSummary("s2", 1, 0, 0.0),
    )
    assert summary.joins_by_month == (
        MonthlyJoins("2024-01", 1, 1),
        MonthlyJoins("2024-02", 1, 0),
        MonthlyJoins("2024-03", 1, 2),
        MonthlyJoins("2024-04", 0, 1),
    )


def test_summary_reproduction_by_month() -> None:
    # window 30 days, as of 04-15: closed iff joined by 03-16. Recruits inside the window:
    # s1 1 (x1 on day 10; x2 on day 55 is outside), x1 0, s2 0 (Jan/Feb);
    # s3 1 (y1 on day 14), x2 0, y1 0 (March); x3 (04-01) still open.
    summary = ripple_summary(summary_graph(), window_days=30, as_of=date(2024, 4, 15))
    assert summary.reproduction_by_month == (
        MonthlyReproduction("2024-01", 2, 1, 0.5),
        MonthlyReproduction("2024-02", 1, 0, 0.0),
        MonthlyReproduction("2024-03", 3, 1, pytest.approx(1 / 3)),  # type: ignore[arg-type]  # approx compares equal to a float
    )
    assert summary.reproduction_number == pytest.approx(2 / 6)


def test_summary_attributes_cascades_to_the_seed_region() -> None:
    # oak: s1's cascade (x1 lives in sf but counts for oak) and s2; y1 (oak) belongs to sf's s3
    summary = ripple_summary(summary_graph(), region="oak", as_of=AS_OF)
    assert (summary.families, summary.cascades) == (5, 2)
    assert summary.invited_share == pytest.approx(3 / 5)
    assert [c.root for c in summary.largest_cascades] == ["s1", "s2"]


def test_summary_date_range_prunes_late_joins_and_skips_early_seeds() -> None:
    by_march = ripple_summary(summary_graph(), end=date(2024, 3, 31), as_of=AS_OF)
    assert by_march.families == 6  # x3 joined 04-01
    assert by_march.largest_cascades[0] == CascadeSummary("s1", 3, 1, 4 / 3)
    from_feb = ripple_summary(summary_graph(), start=date(2024, 2, 1), as_of=AS_OF)
    assert [c.root for c in from_feb.largest_cascades] == ["s3", "s2"]
    assert ripple_summary(summary_graph(), top=1, as_of=AS_OF).largest_cascades[0].root == "s1"


def test_empty_summary() -> None:
    summary = ripple_summary(summary_graph(), region="nowhere", as_of=AS_OF)
    assert (summary.families, summary.cascades, summary.invited_share) == (0, 0, None)
    assert summary.joins_by_month == () and summary.reproduction_number is None


def test_summary_rejects_bad_ranges_and_broken_forests() -> None:
    with pytest.raises(ValidationFailed):
        ripple_summary(summary_graph(), start=date(2024, 5, 1), end=date(2024, 4, 1), as_of=AS_OF)
    two_referrers = summary_graph()
    two_referrers.add_edge("s2", "x3", key="referred", kind="referred", at=date(2024, 4, 1))
    with pytest.raises(ValidationFailed):
        ripple_summary(two_referrers, as_of=AS_OF)
    cycle = referral_graph(
        {"a": ("r", DAY0), "b": ("r", DAY0)}, [("a", "b", DAY0), ("b", "a", DAY0)]
    )
    with pytest.raises(ValidationFailed):
        ripple_summary(cycle, as_of=AS_OF)


# --------------------------------------------------------------------------- properties


def oriented(tree: nx.Graph[int]) -> FamilyGraph:
    """Referral graph of an undirected tree, rooted at node 0."""
    return tree_graph(list(nx.bfs_edges(tree, 0)), tree.number_of_nodes())


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 60), seed=st.integers(0, 10**6))
def test_linear_wiener_index_matches_networkx_on_random_trees(n: int, seed: int) -> None:
    tree = nx.random_labeled_tree(n, seed=seed)
    expected = round(nx.wiener_index(tree))
    assert tree_wiener_index(tree) == expected
    assert cascade_metrics(oriented(tree), "0", as_of=AS_OF).wiener_index == expected


def random_forest(n: int, seed: int, *, regions: int = 3, seed_share: float = 0.2) -> FamilyGraph:
    """A random referral forest: each family is a seed with ``seed_share`` chance, else
    referred by an earlier family; dates are random (even out of order) in 2023-2024."""
    rng = random.Random(seed)

    def day() -> date:
        return date(2023, 1, 1) + timedelta(days=rng.randrange(730))

    families = {f"f{i}": (f"r{rng.randrange(regions)}", day()) for i in range(n)}
    referrals = [
        (f"f{rng.randrange(i)}", f"f{i}", day()) for i in range(1, n) if rng.random() > seed_share
    ]
    return referral_graph(families, referrals)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 80),
    seed=st.integers(0, 10**6),
    region=st.sampled_from([None, "r0", "r1"]),
    start=st.sampled_from([None, date(2023, 3, 1), date(2023, 9, 1)]),
    end=st.sampled_from([None, date(2024, 6, 30), date(2024, 12, 31)]),
    window_days=st.integers(0, 400),
    top=st.integers(0, 5),
)
def test_one_pass_summary_equals_baseline(
    n: int,
    seed: int,
    region: str | None,
    start: date | None,
    end: date | None,
    window_days: int,
    top: int,
) -> None:
    graph = random_forest(n, seed)
    options = {"region": region, "start": start, "end": end, "window_days": window_days}
    fast = ripple_summary(graph, **options, as_of=date(2025, 1, 1), top=top)  # type: ignore[arg-type]  # mixed-type options dict
    slow = baseline_summary(graph, **options, as_of=date(2025, 1, 1), top=top)  # type: ignore[arg-type]  # mixed-type options dict
    assert fast == slow


def test_very_deep_cascades_need_no_recursion() -> None:
    # a chain of 3,000 families: far beyond the recursion limit; virality (n+1)/3
    n = 3000
    graph = tree_graph([(i, i + 1) for i in range(n - 1)], n)
    summary = ripple_summary(graph, as_of=AS_OF)
    metrics = cascade_metrics(graph, "0", as_of=AS_OF)
    assert (metrics.depth, metrics.wiener_index) == (n - 1, n * (n * n - 1) // 6)
    chain = summary.largest_cascades[0]
    assert (chain.size, chain.depth) == (n, n - 1)
    assert chain.structural_virality == pytest.approx((n + 1) / 3)
