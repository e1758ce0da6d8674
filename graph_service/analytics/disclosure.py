"""Disclosure control for every table a researcher receives (small-cell suppression).

A :class:`Table` is a grid of :class:`Cell` s: rows and columns are fixed categories, each cell
holds an integer ``count`` of families, ties or exchanges and, optionally, ``derived`` values
(means, shares, sums) computed from the records that count. Margins (row totals, column
totals, grand total) are optional; a table publishes only the margins it has.

The rule (applied by :func:`suppress`, checked by :func:`assert_safe`):

1. **Primary suppression.** Every cell, margins included, whose count is in ``1..threshold``
   (default 10, i.e. ``1 <= count <= threshold``) is suppressed. Zero is published: an
   empty category reveals no family.
2. **Complementary suppression.** No suppressed cell may be *exactly recoverable* by linear
   algebra from the published cells of the table. Write the table with its margins as an
   ``(R+1) x (C+1)`` grid whose every row and column must add up (the margin entering with a
   minus sign). A margin the table does not publish is an unknown like a suppressed cell. Put
   the unknown cells as edges of a bipartite graph between the grid's rows and columns. A
   suppressed cell is determined by the published cells **iff its edge is a bridge** of that
   graph (an edge on no cycle): a cycle gives an alternating +d/-d change that keeps every
   sum, while a bridge's value is fixed by summing the constraints on one side of it. So the
   rule is: *no suppressed cell is a bridge*. This implies the usual "every row and column
   with a suppressed cell has at least two, or its total is suppressed too", and is stronger
   (it also rules out chains that a two-per-line rule lets through). :func:`suppress` adds,
   for each bridge, the cheapest 4-cycle through it (preferring cells already hidden, then
   interior over margins, non-zero over zero, then the smallest counts), until no bridge is
   left; hiding everything is always safe, so this ends.
3. **Derived values** (means, shares, sums) of a suppressed cell are suppressed with it; a
   suppressed cell is ``count=None, suppressed=True`` and all its derived values ``None``.
   Additive derived values (hours, dollars) sit on the same cells as their counts, so the
   same pattern protects them.

Differencing. Suppression alone does not survive differencing: two overlapping answers (two
periods, a region and the whole program, before and after one family) can be subtracted to
give a cell that each answer suppresses. Researcher releases therefore add calibrated noise
*before* this rule (:mod:`graph_service.analytics.privacy`, differential privacy): what a
difference recovers is then itself noisy. The rule here is applied to the noisy counts so
that small published values are still withheld, and it stays deterministic (the same noisy
table always gets the same pattern). Categories are fixed bins (degree bins, help-kind
vocabulary, terciles, quarters, size bins), never chosen by the caller; research queries
accept no filter narrower than one region; dates are widened to whole calendar quarters.

Source: Hundepool et al., *Statistical Disclosure Control* (Wiley 2012), ch. 4 (threshold
rule, primary and secondary suppression, the linear-programming view of table auditing).

>>> t = make_table("demo", "group", "measure", [("a", [Cell(3)]), ("b", [Cell(40)]),
...                 ("c", [Cell(25)])], ["families"], margins="columns")
>>> s = suppress(t, threshold=10)
>>> [row[0].count for row in s.cells], s.column_totals[0].count
([None, 40, None], 68)
>>> assert_safe(s, threshold=10)
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol, cast

import networkx as nx

DEFAULT_THRESHOLD = 10
TOTAL = "total"

Margins = Literal["none", "rows", "columns", "both"]
Position = tuple[int, int]


class DisclosureError(ValueError):
    """A table would disclose a small cell or a recoverable suppressed cell."""


@dataclass(frozen=True)
class Cell:
    """A count and the values derived from the records it counts.

    ``count`` is ``None`` exactly when ``suppressed``; derived values are then ``None`` too.
    """

    count: int | None
    derived: Mapping[str, float | None] = field(default_factory=dict)
    suppressed: bool = False

    def value(self, name: str) -> float | None:
        return self.derived.get(name)

    def hidden(self) -> Cell:
        return Cell(None, {name: None for name in self.derived}, suppressed=True)


@dataclass(frozen=True)
class Table:
    """A researcher table: ``cells[i][j]`` is row ``row_keys[i]``, column ``column_keys[j]``."""

    name: str
    row_header: str
    column_header: str
    row_keys: tuple[str, ...]
    column_keys: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...] | None = None
    column_totals: tuple[Cell, ...] | None = None
    total: Cell | None = None
    # Differential privacy (graph_service.analytics.privacy): the Laplace scale of each noisy
    # quantity ("count", "hours", ...) and the table's share of the release's epsilon; a
    # structural table holds measures that are not counts (gated by the group size, no noise).
    noise: Mapping[str, float] = field(default_factory=dict)
    epsilon: float | None = None
    structural: bool = False

    def __post_init__(self) -> None:
        if len(self.cells) != len(self.row_keys):
            raise ValueError(f"{self.name}: {len(self.cells)} rows for {len(self.row_keys)} keys")
        for row in self.cells:
            if len(row) != len(self.column_keys):
                raise ValueError(f"{self.name}: a row has {len(row)} cells, not {self.width}")
        if self.row_totals is not None and len(self.row_totals) != len(self.row_keys):
            raise ValueError(f"{self.name}: row totals do not match rows")
        if self.column_totals is not None and len(self.column_totals) != self.width:
            raise ValueError(f"{self.name}: column totals do not match columns")

    @property
    def width(self) -> int:
        return len(self.column_keys)

    @property
    def height(self) -> int:
        return len(self.row_keys)

    def cell(self, row: str, column: str) -> Cell:
        return self.cells[self.row_keys.index(row)][self.column_keys.index(column)]

    def row_total(self, row: str) -> Cell:
        if self.row_totals is None:
            raise KeyError(f"{self.name} has no row totals")
        return self.row_totals[self.row_keys.index(row)]

    def column_total(self, column: str) -> Cell:
        if self.column_totals is None:
            raise KeyError(f"{self.name} has no column totals")
        return self.column_totals[self.column_keys.index(column)]


class HasTables(Protocol):
    """A result (``NetworkSummary``, ``Outcomes``) that can be laid out as tables."""

    def tables(self) -> list[Table]: ...


DerivedByKey = Mapping[str, Mapping[str, float | None]]


def make_table(
    name: str,
    row_header: str,
    column_header: str,
    rows: Sequence[tuple[str, Sequence[Cell]]],
    column_keys: Sequence[str],
    *,
    margins: Margins = "none",
    row_total_derived: DerivedByKey | None = None,
    column_total_derived: DerivedByKey | None = None,
    total_derived: Mapping[str, float | None] | None = None,
) -> Table:
    """Build a table, computing the margins it publishes by adding up its counts.

    ``margins``: ``"rows"`` adds row totals, ``"columns"`` column totals and the grand total,
    ``"both"`` all three. With row totals only there is no grand total, because the rows of
    such tables may overlap (e.g. the same tie counted by cohort and by region).
    """
    cells = tuple(tuple(cells) for _, cells in rows)
    row_keys = tuple(key for key, _ in rows)
    with_rows = margins in ("rows", "both")
    with_columns = margins in ("columns", "both")
    row_derived = row_total_derived or {}
    column_derived = column_total_derived or {}
    row_totals = (
        tuple(
            Cell(_sum_counts(row), row_derived.get(key, {}))
            for key, row in zip(row_keys, cells, strict=True)
        )
        if with_rows
        else None
    )
    column_totals = (
        tuple(
            Cell(_sum_counts([row[j] for row in cells]), column_derived.get(key, {}))
            for j, key in enumerate(column_keys)
        )
        if with_columns
        else None
    )
    total = (
        Cell(_sum_counts([c for row in cells for c in row]), total_derived or {})
        if with_columns
        else None
    )
    return Table(
        name,
        row_header,
        column_header,
        row_keys,
        tuple(column_keys),
        cells,
        row_totals,
        column_totals,
        total,
    )


def figures_table(name: str, figures: Sequence[tuple[str, Cell]]) -> Table:
    """A one-column table of unrelated figures (no margins): one row per figure."""
    return make_table(name, "figure", "measure", [(k, [c]) for k, c in figures], ["value"])


def _sum_counts(cells: Iterable[Cell]) -> int:
    return sum(c.count or 0 for c in cells)


# --- the extended grid -------------------------------------------------------------------


def _grid(table: Table) -> dict[Position, Cell | None]:
    """Every position of the ``(R+1) x (C+1)`` grid; ``None`` for a margin not published."""
    height, width = table.height, table.width
    grid: dict[Position, Cell | None] = {}
    for i, row in enumerate(table.cells):
        for j, cell in enumerate(row):
            grid[(i, j)] = cell
        grid[(i, width)] = table.row_totals[i] if table.row_totals is not None else None
    for j in range(width):
        grid[(height, j)] = table.column_totals[j] if table.column_totals is not None else None
    grid[(height, width)] = table.total
    return grid


def _bridges(unknown: set[Position]) -> set[Position]:
    graph: nx.Graph[tuple[str, int]] = nx.Graph()
    graph.add_edges_from((("r", i), ("c", j)) for i, j in unknown)
    found: set[Position] = set()
    # The stubs type bridges() by the generic node, not this graph's (kind, number) nodes.
    ends = cast(Iterator[tuple[tuple[str, int], tuple[str, int]]], nx.bridges(graph))
    for end, other in ends:
        row, column = (end, other) if end[0] == "r" else (other, end)
        found.add((row[1], column[1]))
    return found


def recoverable_cells(table: Table) -> list[Position]:
    """Suppressed published cells that the published cells determine exactly (bridges)."""
    grid = _grid(table)
    unknown = {p for p, c in grid.items() if c is None or c.suppressed}
    return sorted(p for p in _bridges(unknown) if grid[p] is not None)


def _is_small(cell: Cell, threshold: int) -> bool:
    return cell.count is not None and 1 <= cell.count <= threshold


def _cost(cells: Sequence[tuple[Position, Cell]], height: int, width: int) -> tuple[int, ...]:
    margins = sum(1 for (i, j), _ in cells if i == height or j == width)
    zeros = sum(1 for _, c in cells if not c.count)
    return (margins, zeros, sum(c.count or 0 for _, c in cells))


def _cheapest_cycle(
    bridge: Position, hidden: set[Position], grid: Mapping[Position, Cell | None], table: Table
) -> set[Position]:
    """The new cells of the cheapest 4-cycle through ``bridge`` in the extended grid."""
    row, column = bridge
    best: tuple[tuple[int, ...], Position] | None = None
    best_cells: set[Position] = set()
    for other_row in range(table.height + 1):
        for other_column in range(table.width + 1):
            if other_row == row or other_column == column:
                continue
            corners = [(row, other_column), (other_row, other_column), (other_row, column)]
            new = [(p, c) for p in corners if p not in hidden and (c := grid[p]) is not None]
            key = (_cost(new, table.height, table.width), (other_row, other_column))
            if best is None or key < best:
                best, best_cells = key, {p for p, _ in new}
    return best_cells


def suppress(table: Table, threshold: int = DEFAULT_THRESHOLD) -> Table:
    """Apply primary, complementary and derived-value suppression (see module doc).

    Deterministic; idempotent; cells already suppressed stay suppressed.
    """
    if threshold < 0:
        raise ValueError("threshold must be >= 0")
    grid = _grid(table)
    hidden = {p for p, c in grid.items() if c is None or c.suppressed or _is_small(c, threshold)}
    while exposed := sorted(p for p in _bridges(hidden) if grid[p] is not None):
        hidden |= _cheapest_cycle(exposed[0], hidden, grid, table)
    return _rebuild(table, {p for p in hidden if grid[p] is not None})


def _rebuild(table: Table, hidden: set[Position]) -> Table:
    def pick(position: Position, cell: Cell) -> Cell:
        return cell.hidden() if position in hidden else cell

    height, width = table.height, table.width
    cells = tuple(
        tuple(pick((i, j), c) for j, c in enumerate(row)) for i, row in enumerate(table.cells)
    )
    row_totals = (
        tuple(pick((i, width), c) for i, c in enumerate(table.row_totals))
        if table.row_totals is not None
        else None
    )
    column_totals = (
        tuple(pick((height, j), c) for j, c in enumerate(table.column_totals))
        if table.column_totals is not None
        else None
    )
    total = pick((height, width), table.total) if table.total is not None else None
    return replace(
        table, cells=cells, row_totals=row_totals, column_totals=column_totals, total=total
    )


def assert_safe(table: Table, threshold: int = DEFAULT_THRESHOLD) -> None:
    """Raise :class:`DisclosureError` unless ``table`` obeys the rule in the module doc."""
    for position, cell in _grid(table).items():
        if cell is None:
            continue
        where = f"{table.name} cell {position}"
        if cell.suppressed != (cell.count is None):
            raise DisclosureError(f"{where}: suppressed flag and count disagree")
        if _is_small(cell, threshold):
            raise DisclosureError(f"{where}: count {cell.count} is in 1..{threshold}")
        if cell.suppressed and any(v is not None for v in cell.derived.values()):
            raise DisclosureError(f"{where}: derived value of a suppressed count is shown")
    recoverable = recoverable_cells(table)
    if recoverable:
        raise DisclosureError(f"{table.name}: cells {recoverable} follow from the margins")


def safe_summary(summary: HasTables, threshold: int = DEFAULT_THRESHOLD) -> list[Table]:
    """The tables of a ``NetworkSummary`` or ``Outcomes``, suppressed for researchers."""
    return [suppress(table, threshold) for table in summary.tables()]


# --- export ------------------------------------------------------------------------------

Record = dict[str, Any]


def _measures(table: Table) -> list[str]:
    grid = _grid(table)
    return sorted({name for c in grid.values() if c is not None for name in c.derived})


def _record(table: Table, row: str, column: str, cell: Cell, measures: list[str]) -> Record:
    record: Record = {
        "table": table.name,
        "row_variable": table.row_header,
        "row": row,
        "column_variable": table.column_header,
        "column": column,
        "count": cell.count,
        "suppressed": cell.suppressed,
    }
    for name in measures:
        value = cell.derived.get(name)
        record[name] = None if value is None or math.isnan(value) else float(value)
    return record


def to_records(table: Table) -> list[Record]:
    """One flat record per published cell (margins use the key ``"total"``)."""
    measures = _measures(table)
    records: list[Record] = []
    for i, row_key in enumerate(table.row_keys):
        for j, column_key in enumerate(table.column_keys):
            records.append(_record(table, row_key, column_key, table.cells[i][j], measures))
        if table.row_totals is not None:
            records.append(_record(table, row_key, TOTAL, table.row_totals[i], measures))
    if table.column_totals is not None:
        for j, column_key in enumerate(table.column_keys):
            records.append(_record(table, TOTAL, column_key, table.column_totals[j], measures))
    if table.total is not None:
        records.append(_record(table, TOTAL, TOTAL, table.total, measures))
    return records


_BASE_FIELDS = ["table", "row_variable", "row", "column_variable", "column", "count", "suppressed"]


def _checked(tables: Iterable[Table], threshold: int) -> list[Table]:
    checked = list(tables)
    for table in checked:
        assert_safe(table, threshold)
    return checked


def write_csv(
    tables: Iterable[Table], directory: Path, *, threshold: int = DEFAULT_THRESHOLD
) -> list[Path]:
    """Write each (already suppressed) table to ``<directory>/<name>.csv``; refuses unsafe ones."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in _checked(tables, threshold):
        path = directory / f"{table.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=_BASE_FIELDS + _measures(table))
            writer.writeheader()
            writer.writerows(to_records(table))
        paths.append(path)
    return paths


def _pandas_metadata(fields: Sequence[tuple[str, str, str]]) -> bytes:
    """pandas' schema metadata: ``count`` reads back as the nullable ``Int64`` dtype (a
    suppressed count is ``<NA>``, never a ``NaN`` that turns the column into floats)."""
    import json

    columns = [
        {"name": n, "field_name": n, "pandas_type": p, "numpy_type": t, "metadata": None}
        for n, p, t in fields
    ]
    return json.dumps(
        {
            "index_columns": [],
            "column_indexes": [],
            "columns": columns,
            "creator": {"library": "pyarrow", "version": "16"},
            "pandas_version": "2.2.0",
        }
    ).encode("utf-8")


def write_parquet(
    tables: Iterable[Table], directory: Path, *, threshold: int = DEFAULT_THRESHOLD
) -> list[Path]:
    """Write each (already suppressed) table to ``<directory>/<name>.parquet``; ``count`` is a
    nullable 64-bit integer column (pandas reads it as ``Int64``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in _checked(tables, threshold):
        names = _measures(table)
        fields = [(name, pa.string()) for name in _BASE_FIELDS[:5]]
        fields += [("count", pa.int64()), ("suppressed", pa.bool_())]
        fields += [(name, pa.float64()) for name in names]
        described = [(n, "unicode", "object") for n in _BASE_FIELDS[:5]]
        described += [("count", "int64", "Int64"), ("suppressed", "bool", "bool")]
        described += [(n, "float64", "float64") for n in names]
        schema = pa.schema(fields, metadata={b"pandas": _pandas_metadata(described)})
        path = directory / f"{table.name}.parquet"
        pq.write_table(pa.Table.from_pylist(to_records(table), schema=schema), path)
        paths.append(path)
    return paths


# --- storage (a released table is kept with its release, graph_service.stores.privacy_ledger)


def _cell_to_dict(cell: Cell) -> dict[str, Any]:
    return {"count": cell.count, "derived": dict(cell.derived), "suppressed": cell.suppressed}


def _cell_from_dict(data: Mapping[str, Any]) -> Cell:
    return Cell(data["count"], dict(data["derived"]), bool(data["suppressed"]))


def table_to_dict(table: Table) -> dict[str, Any]:
    """A JSON-ready dict of ``table``; :func:`table_from_dict` reads it back unchanged."""

    def cells(row: Sequence[Cell] | None) -> list[dict[str, Any]] | None:
        return None if row is None else [_cell_to_dict(c) for c in row]

    return {
        "name": table.name,
        "rowHeader": table.row_header,
        "columnHeader": table.column_header,
        "rowKeys": list(table.row_keys),
        "columnKeys": list(table.column_keys),
        "cells": [cells(row) for row in table.cells],
        "rowTotals": cells(table.row_totals),
        "columnTotals": cells(table.column_totals),
        "total": None if table.total is None else _cell_to_dict(table.total),
        "noise": dict(table.noise),
        "epsilon": table.epsilon,
        "structural": table.structural,
    }


def table_from_dict(data: Mapping[str, Any]) -> Table:
    def cells(row: Sequence[Mapping[str, Any]] | None) -> tuple[Cell, ...] | None:
        return None if row is None else tuple(_cell_from_dict(c) for c in row)

    return Table(
        name=data["name"],
        row_header=data["rowHeader"],
        column_header=data["columnHeader"],
        row_keys=tuple(data["rowKeys"]),
        column_keys=tuple(data["columnKeys"]),
        cells=tuple(tuple(_cell_from_dict(c) for c in row) for row in data["cells"]),
        row_totals=cells(data["rowTotals"]),
        column_totals=cells(data["columnTotals"]),
        total=None if data["total"] is None else _cell_from_dict(data["total"]),
        noise=dict(data["noise"]),
        epsilon=data["epsilon"],
        structural=bool(data["structural"]),
    )
