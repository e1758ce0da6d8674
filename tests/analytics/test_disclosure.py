"""Disclosure control: hand examples, a linear-algebra audit of the suppression pattern on
random tables (hypothesis), derived values, export."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_service.analytics.disclosure import (
    Cell,
    DisclosureError,
    Margins,
    Table,
    assert_safe,
    cells_by_position,
    make_table,
    safe_summary,
    suppress,
)
from graph_service.analytics.disclosure_export import to_records, write_csv, write_parquet
from graph_service.analytics.network_summary import network_summary
from graph_service.analytics.outcomes import Grouping, outcomes_by_network
from tests.analytics.random_family_graph import random_family_graph


def grid_table(counts: list[list[int]], margins: Margins = "both") -> Table:
    rows = [(f"r{i}", [Cell(c, {"mean": float(c)}) for c in row]) for i, row in enumerate(counts)]
    return make_table(
        "t", "row", "col", rows, [f"c{j}" for j in range(len(counts[0]))], margins=margins
    )


def hidden(table: Table) -> list[list[bool]]:
    return [[c.suppressed for c in row] for row in table.cells]


def determined_cells(table: Table) -> list[tuple[int, int]]:
    """Independent audit: suppressed cells that the published cells fix, by matrix rank.

    Extended grid x[i][j], i <= R, j <= C (index R / C = totals); every row i: sum_j<C x_ij
    = x_iC; every column j: sum_i<R x_ij = x_Rj. Unknowns: suppressed or unpublished cells.
    A cell u is determined iff e_u lies in the row space of the unknowns' coefficients."""
    grid = cells_by_position(table)
    height, width = table.height, table.width
    positions = sorted(grid)
    index = {p: k for k, p in enumerate(positions)}
    equations = []
    for i in range(height + 1):
        eq = np.zeros(len(positions))
        for j in range(width):
            eq[index[(i, j)]] = 1
        eq[index[(i, width)]] = -1
        equations.append(eq)
    for j in range(width + 1):
        eq = np.zeros(len(positions))
        for i in range(height):
            eq[index[(i, j)]] = 1
        eq[index[(height, j)]] = -1
        equations.append(eq)
    unknown = [p for p in positions if grid[p] is None or grid[p].suppressed]  # type: ignore[union-attr]  # None checked first
    a = np.array(equations)[:, [index[p] for p in unknown]]
    rank = np.linalg.matrix_rank(a)
    found = []
    for k, p in enumerate(unknown):
        if grid[p] is None:
            continue
        unit = np.zeros((1, len(unknown)))
        unit[0, k] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            found.append(p)
    return found


def test_single_small_cell_in_a_two_by_two_hides_a_rectangle() -> None:
    table = suppress(grid_table([[3, 40], [50, 60]]), threshold=10)
    assert hidden(table) == [[True, True], [True, True]]  # the only interior 4-cycle
    assert table.total is not None and table.total.count == 153  # margins are not small
    assert_safe(table, 10)


def test_complements_prefer_the_smallest_counts() -> None:
    table = suppress(grid_table([[2, 40, 12], [50, 60, 13], [70, 80, 90]]), threshold=10)
    # cheapest 4-cycle through (0,0): (0,2)=12, (1,2)=13, (1,0)=50
    assert hidden(table) == [[True, False, True], [True, False, True], [False, False, False]]
    assert table.cells[0][0].value("mean") is None  # derived value goes with its count
    assert table.cells[2][2].value("mean") == 90.0
    assert determined_cells(table) == []


def test_with_row_totals_only_a_second_cell_in_the_row_suffices() -> None:
    table = suppress(grid_table([[12, 3], [40, 50]], margins="rows"), threshold=10)
    # no column totals are published, so hiding 12 beside 3 protects both
    assert hidden(table) == [[True, True], [False, False]]
    assert table.row_totals is not None and table.row_totals[0].count == 15
    assert_safe(table, 10)


def test_a_small_row_total_is_hidden_with_all_that_would_give_it_away() -> None:
    table = suppress(grid_table([[2, 3], [40, 50]]), threshold=10)
    assert table.row_totals is not None and table.row_totals[0].suppressed  # 5 is small
    # 2 = 42 - 40 and 5 = 95 - 90 unless more is hidden: everything in row r1 goes too
    assert hidden(table) == [[True, True], [True, True]]
    assert table.row_totals[1].suppressed
    assert_safe(table, 10)
    assert determined_cells(table) == []


def test_row_totals_only_publish_no_grand_total() -> None:
    assert grid_table([[2, 3], [40, 50]], margins="rows").total is None


def test_small_total_is_suppressed_in_every_table_alike() -> None:
    table = suppress(grid_table([[3], [4]], margins="columns"), threshold=10)
    assert table.total is not None and table.total.suppressed
    assert all(c.suppressed for row in table.cells for c in row)
    assert_safe(table, 10)


def test_zero_is_published_and_counts_are_not_rounded() -> None:
    table = suppress(grid_table([[0, 11], [23, 37]]), threshold=10)
    assert [[c.count for c in row] for row in table.cells] == [[0, 11], [23, 37]]
    assert table.total is not None and table.total.count == 71


def test_threshold_is_configurable() -> None:
    table = grid_table([[12, 40], [50, 60]])
    assert not any(map(any, hidden(suppress(table, threshold=10))))
    assert hidden(suppress(table, threshold=20))[0][0]


def test_assert_safe_rejects_small_cells_recoverable_cells_and_leaky_means() -> None:
    with pytest.raises(DisclosureError, match=r"in 1\.\.10"):
        assert_safe(grid_table([[3, 40], [50, 60]]), 10)
    lone = grid_table([[30, 40], [50, 60]])
    one_hidden = make_table(
        "t",
        "row",
        "col",
        [("r0", [Cell(30).hidden(), Cell(40)]), ("r1", [Cell(50), Cell(60)])],
        ["c0", "c1"],
        margins="both",
    )
    with pytest.raises(DisclosureError, match="follow from the margins"):
        assert_safe(one_hidden, 10)
    leaky = Table(
        **{
            **lone.__dict__,
            "cells": ((Cell(None, {"mean": 2.0}, True), Cell(40)), (Cell(50), Cell(60))),
        }
    )
    with pytest.raises(DisclosureError):
        assert_safe(leaky, 10)


counts = st.sampled_from([0, 0, 1, 2, 5, 9, 10, 11, 12, 15, 30, 100])
shapes = st.tuples(st.integers(1, 4), st.integers(1, 4))


@st.composite
def tables(draw: st.DrawFn) -> Table:
    height, width = draw(shapes)
    grid = [[draw(counts) for _ in range(width)] for _ in range(height)]
    return grid_table(grid, draw(st.sampled_from(["none", "rows", "columns", "both"])))


@settings(max_examples=150, deadline=None)
@given(tables(), st.sampled_from([5, 10]))
def test_after_suppression_no_small_cell_and_nothing_recoverable(table: Table, t: int) -> None:
    safe = suppress(table, t)
    assert_safe(safe, t)
    assert determined_cells(safe) == []  # independent of the bridge criterion
    original, published = cells_by_position(table), cells_by_position(safe)
    for position, cell in published.items():
        if cell is None:
            continue
        before = original[position]
        assert before is not None
        assert cell.count in (None, before.count)  # published counts are the true counts
        assert not (cell.count is not None and 1 <= cell.count <= t)
        if cell.suppressed:
            assert all(v is None for v in cell.derived.values())
    assert suppress(safe, t) == safe  # idempotent


def test_hidden_rectangle_is_safe_by_both_audits() -> None:
    # a hidden 2x2 rectangle in a 2x3 table with all margins: each hidden cell is on a cycle
    cells = [[Cell(20), Cell(20), Cell(20)], [Cell(20), Cell(20), Cell(20)]]
    cells[0][0] = cells[0][1] = cells[1][0] = cells[1][1] = Cell(20).hidden()
    table = make_table(
        "t", "r", "c", [("a", cells[0]), ("b", cells[1])], ["x", "y", "z"], margins="both"
    )
    assert determined_cells(table) == []
    assert_safe(table, 10)


def test_safe_summary_makes_every_research_table_safe(tmp_path: Path) -> None:
    graph = random_family_graph(150, 300, 3, seed=4, referrals=20)
    summary_tables = safe_summary(network_summary(graph, region="r1"), threshold=10)
    outcome_tables = safe_summary(outcomes_by_network(graph, by=Grouping.BRIDGING), threshold=10)
    for table in summary_tables + outcome_tables:
        assert_safe(table, 10)
        assert determined_cells(table) == []
    assert any(c.suppressed for t in summary_tables for row in t.cells for c in row)


def test_export_to_csv_and_parquet(tmp_path: Path) -> None:
    table = suppress(grid_table([[3, 40], [50, 60]]), 10)
    records = to_records(table)
    assert len(records) == 4 + 2 + 2 + 1  # cells, row totals, column totals, grand total
    assert records[0] == {
        "table": "t",
        "row_variable": "row",
        "row": "r0",
        "column_variable": "col",
        "column": "c0",
        "count": None,
        "suppressed": True,
        "mean": None,
    }
    [csv_path] = write_csv([table], tmp_path)
    with csv_path.open() as handle:
        read = list(csv.DictReader(handle))
    assert read[-1]["row"] == "total" and read[-1]["count"] == "153"
    [parquet_path] = write_parquet([table], tmp_path)
    back = pq.read_table(parquet_path).to_pylist()
    assert back[0]["count"] is None and back[0]["suppressed"] is True
    assert back[-1]["count"] == 153


def test_export_refuses_an_unsuppressed_table(tmp_path: Path) -> None:
    with pytest.raises(DisclosureError):
        write_csv([grid_table([[3, 40], [50, 60]])], tmp_path)
    assert not list(tmp_path.iterdir())


def test_bridge_criterion_catches_what_a_two_per_line_rule_misses() -> None:
    # two hidden rectangles joined by one hidden cell (1, 2): every row and column with a
    # hidden cell has at least two, but (1, 2) is a bridge and follows from the margins
    pattern = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)}
    rows = [
        (f"r{i}", [Cell(20).hidden() if (i, j) in pattern else Cell(20) for j in range(4)])
        for i in range(4)
    ]
    table = make_table("t", "r", "c", rows, ["a", "b", "c", "d"], margins="both")
    assert determined_cells(table) == [(1, 2)]
    with pytest.raises(DisclosureError, match=r"\[\(1, 2\)\]"):
        assert_safe(table, 10)
