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

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol, cast

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

    Parameters
    ----------
    name : str
        The table's name.
    row_header, column_header : str
        What the row and column keys are.
    rows : sequence of (str, sequence of Cell)
        Each row's key and cells.
    column_keys : sequence of str
        The columns.
    margins : {"none", "rows", "columns", "both"}, default "none"
        Which totals to publish.
    row_total_derived, column_total_derived : mapping, optional
        Derived values of the row and column totals, by key.
    total_derived : mapping, optional
        Derived values of the grand total.

    Returns
    -------
    Table
        The table with the totals it publishes computed from its counts.

    Examples
    --------
    >>> from graph_service.analytics.examples import one_table
    >>> t = one_table()
    >>> t.column_totals[0].count
    68
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
    """A one-column table of unrelated figures (no margins): one row per figure.

    Parameters
    ----------
    name : str
        The table's name.
    figures : sequence of (str, Cell)
        Each figure's name and cell.

    Returns
    -------
    Table
        One column ``value``, one row per figure, no margins.

    Examples
    --------
    >>> figures_table("f", [("families", Cell(12))]).row_keys
    ('families',)
    """
    return make_table(name, "figure", "measure", [(k, [c]) for k, c in figures], ["value"])


def _sum_counts(cells: Iterable[Cell]) -> int:
    return sum(c.count or 0 for c in cells)


# --- the extended grid -------------------------------------------------------------------


def cells_by_position(table: Table) -> dict[Position, Cell | None]:
    """Every position of the ``(R+1) x (C+1)`` grid, margins in the last row and column.

    Parameters
    ----------
    table : Table
        Any table.

    Returns
    -------
    dict of (int, int) to Cell or None
        The cell at each position; ``None`` for a margin not published.

    Examples
    --------
    >>> t = make_table("demo", "g", "m", [("a", [Cell(3)])], ["n"], margins="rows")
    >>> cells_by_position(t)[(0, 1)].count, cells_by_position(t)[(1, 1)]
    (3, None)
    """
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
    """Suppressed published cells that the published cells determine exactly (bridges).

    Parameters
    ----------
    table : Table
        A (suppressed) table.

    Returns
    -------
    list of Position
        The suppressed cells that follow exactly from the published ones; ``[]`` when safe.

    References
    ----------
    Hundepool et al., *Statistical Disclosure Control* (Wiley 2012), ch. 4
    (complementary suppression, the audit).

    Examples
    --------
    >>> from graph_service.analytics.examples import one_table
    >>> t = one_table()
    >>> recoverable_cells(suppress(t))
    []
    """
    grid = cells_by_position(table)
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

    Parameters
    ----------
    table : Table
        The table as computed.
    threshold : int, default 10
        Counts from 1 to this are small cells.

    Returns
    -------
    Table
        A copy with small cells, the cells that would reveal them and their derived values
        suppressed.

    References
    ----------
    Hundepool et al., *Statistical Disclosure Control* (Wiley 2012), ch. 4.

    Examples
    --------
    >>> from graph_service.analytics.examples import one_table
    >>> t = one_table()
    >>> [row[0].count for row in suppress(t, threshold=10).cells]
    [None, 40, None]
    """
    if threshold < 0:
        raise ValueError("threshold must be >= 0")
    grid = cells_by_position(table)
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
    """Raise :class:`DisclosureError` unless ``table`` obeys the rule in the module doc.

    Parameters
    ----------
    table : Table
        A table about to leave the service.
    threshold : int, default 10
        Counts from 1 to this are small cells.

    Returns
    -------
    None
        Raises :class:`DisclosureError` naming the first cell that breaks the rule.

    Examples
    --------
    >>> from graph_service.analytics.examples import one_table
    >>> t = one_table()
    >>> assert_safe(t, threshold=10)
    Traceback (most recent call last):
    graph_service.analytics.disclosure.DisclosureError: ...
    """
    for position, cell in cells_by_position(table).items():
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
    """The tables of a ``NetworkSummary`` or ``Outcomes``, suppressed for researchers.

    Parameters
    ----------
    summary : NetworkSummary or Outcomes
        Anything with ``tables()``.
    threshold : int, default 10
        Counts from 1 to this are small cells.

    Returns
    -------
    list of Table
        Every table, suppressed and checked.

    Examples
    --------
    >>> from graph_service.analytics.family_graph import build_family_graph
    >>> from graph_service.analytics.outcomes import outcomes_by_network
    >>> tables = safe_summary(outcomes_by_network(build_family_graph(families=[])))
    >>> len(tables) > 0
    True
    """
    return [suppress(table, threshold) for table in summary.tables()]
