"""outcomes_by_network: hand-computed groups and outcome counts on the small network."""

from __future__ import annotations

import pytest

from graph_service.analytics.disclosure import Table
from graph_service.analytics.outcomes import (
    Grouping,
    Stratum,
    outcomes_by_network,
    tercile_groups,
)
from tests.analytics.random_family_graph import random_family_graph
from tests.analytics.small_network import small_network


def rows(table: Table) -> dict[str, list[int | None]]:
    return {k: [c.count for c in row] for k, row in zip(table.row_keys, table.cells, strict=True)}


def test_help_tie_terciles_by_hand() -> None:
    # distinct help partners over the whole program (g counts: a's position is a's own):
    # a 2 (b, g), b 2, c 2, d 1, e 1, f 1. Sorted by (degree, sha256 tie-break): the hashes
    # order d,e,f as e, d, f and a,b,c as b, c, a -> e d | f b | c a (two each).
    result = outcomes_by_network(small_network(), by=Grouping.HELP_TIE_TERCILE)
    assert result.cut_points == ((1, 1), (1, 2), (2, 2))
    assert rows(result.families) == {"low": [2], "middle": [2], "high": [2]}
    # income change: e +2, d -1 | f no baseline, b +1 | c 0, a 0
    movement = result.income_movement
    assert rows(movement) == {"low": [1, 0, 1], "middle": [1, 0, 0], "high": [0, 2, 0]}
    assert movement.row_total("low").count == 2
    assert movement.row_total("low").value("up_share") == pytest.approx(1 / 2)
    assert movement.row_total("middle").value("up_share") == 1.0
    assert movement.row_total("high").value("up_share") == 0.0
    assert movement.total is not None and movement.total.count == 5
    assert movement.total.value("up_share") == pytest.approx(2 / 5)
    # goals (achieved, active, abandoned): d 1, 0, 1 | b 0, 1, 0 | a 1, 0, 0
    goals = result.goals
    assert rows(goals) == {"low": [1, 0, 1], "middle": [0, 1, 0], "high": [1, 0, 0]}
    assert goals.row_total("low").value("achieved_share") == pytest.approx(1 / 2)
    assert goals.row_total("middle").value("achieved_share") == 0.0
    cuts = result.tables()[-1]
    assert cuts.name == "tercile_cut_points"
    assert cuts.cell("middle", "value").derived == {"min_help_ties": 1, "max_help_ties": 2}


def test_terciles_are_equal_sized_with_ties_broken_deterministically() -> None:
    degrees = {f"f{i}": i % 2 for i in range(10)}  # five 0s, five 1s: ties straddle the cuts
    groups, cuts = tercile_groups(degrees)
    sizes = [list(groups.values()).count(g) for g in ("low", "middle", "high")]
    assert sizes == [4, 3, 3]  # floor(3r/10): ranks 0-3, 4-6, 7-9
    assert cuts == ((0, 0), (0, 1), (1, 1))
    assert tercile_groups(dict(reversed(degrees.items())))[0] == groups  # order-independent
    assert tercile_groups({}) == ({}, ((0, 0), (0, 0), (0, 0)))


def test_stratified_outcomes_split_each_group() -> None:
    result = outcomes_by_network(small_network(), by=Grouping.BRIDGING, stratify=Stratum.REGION)
    table = result.families
    assert table.name == "families_by_bridging@region"
    assert rows(table)["bridging|n"] == [2] and rows(table)["bridging|s"] == [2]
    assert rows(table)["not_bridging|n"] == [1] and rows(table)["not_bridging|w"] == [0]
    tenure = outcomes_by_network(small_network(), by=Grouping.BRIDGING, stratify=Stratum.TENURE)
    # everyone joined 2024-06-01; the data ends 2025-06-02: 12 months -> "12-23m"
    assert rows(tenure.families)["bridging|12-23m"] == [4]
    income = outcomes_by_network(
        small_network(), by=Grouping.BRIDGING, stratify=Stratum.INCOME_BAND
    )
    assert rows(income.families)["not_bridging|unknown"] == [1]  # f has no baseline


def test_bridging_groups_by_hand() -> None:
    # b-c cross cohorts c1/c2, c-d cross regions, d-e cross cohorts c2/c3; a and f only
    # have ties inside their own cohort and region
    result = outcomes_by_network(small_network(), by=Grouping.BRIDGING)
    assert rows(result.families) == {"bridging": [4], "not_bridging": [2]}
    # not bridging: a (0), f (no baseline)
    assert rows(result.income_movement)["not_bridging"] == [0, 1, 0]


def test_cohort_size_groups() -> None:
    result = outcomes_by_network(small_network(), by=Grouping.COHORT_SIZE)
    assert rows(result.families) == {"none": [0], "1-5": [6], "6-8": [0], "9+": [0]}
    generated = outcomes_by_network(
        random_family_graph(200, 300, 2, seed=3), by=Grouping.COHORT_SIZE
    )
    counts = rows(generated.families)
    assert counts["6-8"][0] and counts["none"][0]  # cohorts of 7 and families outside them


def test_region_and_consent_narrow_the_population() -> None:
    assert rows(
        outcomes_by_network(small_network(), by=Grouping.BRIDGING, region="s").families
    ) == {
        "bridging": [2],
        "not_bridging": [1],
    }
    no_a = outcomes_by_network(small_network({"a": False}), by=Grouping.BRIDGING)
    assert no_a.families.total is not None and no_a.families.total.count == 5


def test_unknown_grouping_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown grouping"):
        outcomes_by_network(small_network(), by="shoe_size")  # type: ignore[arg-type]  # on purpose


def test_every_table_has_margins_that_add_up() -> None:
    result = outcomes_by_network(
        random_family_graph(300, 600, 3, seed=2), by=Grouping.HELP_TIE_TERCILE
    )
    for table in result.tables()[:3]:
        assert table.total is not None and table.column_totals is not None
        cells = [c.count or 0 for row in table.cells for c in row]
        assert table.total.count == sum(cells)
