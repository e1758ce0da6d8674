"""outcomes_by_network: hand-computed groups and outcome counts on the small network."""

from __future__ import annotations

import pytest

from graph_service.analytics.disclosure import Table
from graph_service.analytics.outcomes import outcomes_by_network, tercile_cut_points
from tests.analytics.random_family_graph import random_family_graph
from tests.analytics.small_network import small_network


def rows(table: Table) -> dict[str, list[int | None]]:
    return {k: [c.count for c in row] for k, row in zip(table.row_keys, table.cells, strict=True)}


def test_help_tie_terciles_by_hand() -> None:
    # distinct help partners: a 1, b 2, c 2, d 1, e 1, f 1 (a's help to g is not counted)
    # sorted 1,1,1,1,2,2: c1 = h_(2) = 1, c2 = h_(4) = 1 -> low a,d,e,f; middle none; high b,c
    result = outcomes_by_network(small_network(), by="help_tie_tercile")
    assert result.cut_points == (1, 1)
    assert rows(result.families) == {"low": [4], "middle": [0], "high": [2]}
    # income change: a 0, d -1, e +2 (f has no baseline); b +1, c 0
    movement = result.income_movement
    assert rows(movement) == {"low": [1, 1, 1], "middle": [0, 0, 0], "high": [1, 1, 0]}
    assert movement.row_total("low").count == 3
    assert movement.row_total("low").value("mean_band_change") == pytest.approx(1 / 3)
    assert movement.row_total("high").value("mean_band_change") == pytest.approx(0.5)
    assert movement.row_total("middle").value("mean_band_change") is None
    assert movement.total is not None and movement.total.count == 5
    assert movement.total.value("mean_band_change") == pytest.approx(2 / 5)
    # goals (achieved, active, abandoned): low a+d = 2, 0, 1; high b = 0, 1, 0
    goals = result.goals
    assert rows(goals) == {"low": [2, 0, 1], "middle": [0, 0, 0], "high": [0, 1, 0]}
    assert goals.row_total("low").value("achieved_share") == pytest.approx(2 / 3)
    assert goals.row_total("high").value("achieved_share") == 0.0


def test_bridging_groups_by_hand() -> None:
    # b-c cross cohorts c1/c2, c-d cross regions, d-e cross cohorts c2/c3; a and f only
    # have ties inside their own cohort and region
    result = outcomes_by_network(small_network(), by="bridging")
    assert rows(result.families) == {"bridging": [4], "not_bridging": [2]}
    # not bridging: a (0), f (no baseline)
    assert rows(result.income_movement)["not_bridging"] == [0, 1, 0]


def test_cohort_size_groups() -> None:
    result = outcomes_by_network(small_network(), by="cohort_size")
    assert rows(result.families) == {"none": [0], "1-5": [6], "6-8": [0], "9+": [0]}
    generated = outcomes_by_network(random_family_graph(200, 300, 2, seed=3), by="cohort_size")
    counts = rows(generated.families)
    assert counts["6-8"][0] and counts["none"][0]  # cohorts of 7 and families outside them


def test_region_and_consent_narrow_the_population() -> None:
    assert rows(outcomes_by_network(small_network(), by="bridging", region="s").families) == {
        "bridging": [2],
        "not_bridging": [1],
    }
    no_a = outcomes_by_network(small_network({"a": False}), by="bridging")
    assert no_a.families.total is not None and no_a.families.total.count == 5


def test_tercile_cut_points() -> None:
    assert tercile_cut_points([]) == (0, 0)
    assert tercile_cut_points([5]) == (5, 5)
    assert tercile_cut_points([0, 1, 2, 3, 4, 5, 6, 7, 8]) == (2, 5)


def test_unknown_grouping_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown grouping"):
        outcomes_by_network(small_network(), by="shoe_size")  # type: ignore[arg-type]  # on purpose


def test_every_table_has_margins_that_add_up() -> None:
    result = outcomes_by_network(random_family_graph(300, 600, 3, seed=2), by="help_tie_tercile")
    for table in result.tables():
        assert table.total is not None and table.column_totals is not None
        cells = [c.count or 0 for row in table.cells for c in row]
        assert table.total.count == sum(cells)
