"""Evaluation of peer matching: metrics by hand, the split, a worked triangle, the floors."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from graph_service.analytics.family_graph import FamilyGraph, build_family_graph, node_values
from graph_service.analytics.match_eval import (
    METHODS,
    EvalReport,
    EvalRow,
    evaluate,
    help_pairs,
    hide_help_ties,
    precision_recall_ndcg,
)
from graph_service.analytics.match_random import random_family_graph
from graph_service.analytics.match_timing import (
    fit_sklearn_floor,
    numpy_floor,
    sklearn_bruteforce_floor,
)
from graph_service.analytics.matching import MatchIndex
from models import Cohort, Consent, Family, Helped, MemberOf

JOINED = date(2024, 1, 1)


def test_metrics_by_hand() -> None:
    # truth {1, 2}; top-2 of [3, 1, 2] is [3, 1]: one hit at rank 2.
    precision, recall, ndcg = precision_recall_ndcg([3, 1, 2], {1, 2}, 2)
    assert precision == 0.5
    assert recall == 0.5
    ideal = 1 + 1 / math.log2(3)
    assert ndcg == pytest.approx((1 / math.log2(3)) / ideal)  # 0.3869
    assert precision_recall_ndcg([], {1}, 10) == (0.0, 0.0, 0.0)
    assert precision_recall_ndcg([1], {1}, 10) == (0.1, 1.0, 1.0)


def _family(fid: str, *, matching: bool = True) -> Family:
    return Family(
        id=fid, name=fid, region_id="oak", household_size=3, income_band=2,
        joined_at=JOINED, consent=Consent(matching=matching),
    )  # fmt: skip


def triangle() -> FamilyGraph:
    """a, b, c helped one another (a triangle); d and e have no ties; e does not consent.
    No goals, identical profiles: only the graph tells candidates apart."""
    helps = [
        Helped(id="ab", from_id="a", to_id="b", kind="food", at=JOINED),
        Helped(id="ba", from_id="b", to_id="a", kind="food", at=JOINED),
        Helped(id="bc", from_id="b", to_id="c", kind="food", at=JOINED),
        Helped(id="ca", from_id="c", to_id="a", kind="food", at=JOINED),
    ]
    families = [_family(f) for f in "abcd"] + [_family("e", matching=False)]
    return build_family_graph(families=families, helps=helps)


def test_hiding_removes_every_edge_of_the_hidden_pairs_only() -> None:
    graph = triangle()
    remaining, hidden = hide_help_ties(graph, hide_fraction=0.34, seed=3)
    assert len(hidden) == 1  # round(0.34 * 3 pairs)
    assert set(help_pairs(remaining)) == set(help_pairs(graph)) - set(hidden)
    assert graph.number_of_edges() == 4  # the input is not touched
    assert hide_help_ties(graph, hide_fraction=0.34, seed=3)[1] == hidden


def test_triangle_worked_by_hand() -> None:
    # Whichever pair {x, y} is hidden, x and y keep the common neighbour z (degree 2):
    # AA = 1/ln 2 > 0. Each of x, y has candidates {its partner, d} (z is still a help
    # partner, e does not consent), so the partner ranked first gives p@10 = 1/10,
    # recall 1, NDCG 1 for both x and y; goal Jaccard has no goals to rank: all zero;
    # random ranks both candidates, so it has the same p@10 and recall.
    report = evaluate(triangle(), hide_fraction=0.34, seed=3)
    assert [r.method for r in report.rows] == list(METHODS)
    assert report.hidden_pairs == 1
    assert report.ceiling_precision_at_k == pytest.approx(0.1)
    expected = {
        "matcher": (0.1, 1.0, 1.0),
        "adamic_adar": (0.1, 1.0, 1.0),
        "goal_jaccard": (0.0, 0.0, 0.0),
    }
    for method, values in expected.items():
        row = report.row(method)
        assert (row.precision_at_k, row.recall_at_k, row.ndcg_at_k) == pytest.approx(values)
        assert row.families == 2
    assert report.row("random").precision_at_k == pytest.approx(0.1)
    assert report.best_baseline.precision_at_k == pytest.approx(0.1)
    assert report.lift == pytest.approx(0.0)
    assert "adamic_adar" in report.table()


def _without_timing(report: EvalReport) -> tuple[EvalRow, ...]:
    return tuple(replace(r, ms_per_query=0.0) for r in report.rows)


def test_evaluation_is_deterministic_for_a_seed() -> None:
    graph = random_family_graph(250, seed=4)
    first = evaluate(graph, seed=9)
    assert _without_timing(first) == _without_timing(evaluate(graph, seed=9))
    for row in first.rows:
        assert 0 <= row.precision_at_k <= 1 and 0 <= row.recall_at_k <= 1
        assert 0 <= row.ndcg_at_k <= 1 and row.families == first.rows[0].families > 0


def test_random_graph_is_deterministic_and_well_formed() -> None:
    one, two = random_family_graph(120, seed=2), random_family_graph(120, seed=2)
    assert sorted(one.edges(keys=True)) == sorted(two.edges(keys=True))
    assert dict(node_values(one, "cohort")) == dict(node_values(two, "cohort"))
    assert all(len(info.members) == 7 for info in one.graph["cohorts"].values())
    for fid, cohort in one.nodes(data="cohort"):
        if cohort is not None:
            assert fid in one.graph["cohorts"][cohort].members


def test_floors_score_the_same_matrix() -> None:
    graph = random_family_graph(150, seed=6)
    index = MatchIndex.build(graph)
    me = next(f for f in index.family_ids if graph.nodes[f]["consent_matching"])
    row = index.position[me]
    scores = numpy_floor(index, me)
    assert scores.shape == (150,) and scores.dtype == np.float32
    assert np.allclose(scores, index.matrix @ index.query_vector(row))
    # sklearn's cosine neighbours are the rows with the best cosine to the query.
    found = sklearn_bruteforce_floor(fit_sklearn_floor(index), index, me, k=5)
    norms = np.sqrt(np.asarray(index.matrix.multiply(index.matrix).sum(axis=1)).ravel())
    cosine = scores / (norms * np.linalg.norm(index.query_vector(row)))
    assert np.allclose(np.sort(cosine[found])[::-1], np.sort(cosine)[::-1][:5], atol=1e-5)


def test_cohort_ties_count_only_when_cohort_mates_are_candidates() -> None:
    # Both help pairs run inside a cohort (a-b in c1, c-d in c2); one of them is hidden.
    # Including cohort mates, both ends of the hidden pair are evaluated; leaving them out
    # (the product's default) nobody has a hidden partner they could be shown.
    helps = [
        Helped(id="ab", from_id="a", to_id="b", kind="food", at=JOINED),
        Helped(id="cd", from_id="c", to_id="d", kind="food", at=JOINED),
    ]
    graph = build_family_graph(
        families=[_family(f) for f in "abcd"],
        cohorts=[Cohort(id=c, name=c, region_id="oak", created_at=JOINED) for c in ("c1", "c2")],
        memberships=[
            MemberOf(family_id=f, cohort_id=c, since=JOINED)
            for f, c in (("a", "c1"), ("b", "c1"), ("c", "c2"), ("d", "c2"))
        ],
        helps=helps,
    )
    with_cohort = evaluate(graph, hide_fraction=0.5, seed=1)
    assert with_cohort.row("matcher").families == 2
    assert with_cohort.row("matcher").precision_at_k == pytest.approx(0.1)  # the only mate
    assert evaluate(graph, hide_fraction=0.5, seed=1, include_cohort=False).rows[0].families == 0
