"""Differential privacy for researcher tables: calibrated noise on every count and sum.

**Definition.** A release mechanism ``M`` is *ε-differentially private* with families as the
unit of privacy if for any two research data sets ``D, D'`` that differ in one family's
data (the family and every record it takes part in are in the research population or not)
and every set of outputs ``S``: ``P[M(D) ∈ S] <= exp(ε) P[M(D') ∈ S]``. Releases compose:
``k`` releases of ``ε_i`` each are ``Σ ε_i``-DP together, which is what the per-researcher
budget accounts for (:mod:`graph_service.services.privacy_budget`).

**Mechanism.** Tables are computed on the bounded graph of
:mod:`graph_service.analytics.contribution`, so one family moves each table by at most a
known L1 distance ``Δ`` (:func:`sensitivity`, per table and per quantity: the counts, and
each additive sum such as hours and dollars). A release of budget ``ε`` splits it equally
over the noisy quantities of its tables; a quantity with share ``ε_q`` gets Laplace noise
of scale ``b = Δ / ε_q`` on each interior cell (discrete Laplace for counts, continuous for
sums; the Laplace mechanism, Dwork, McSherry, Nissim & Smith, TCC 2006). Noisy counts are
clamped at 0, margins are the sums of the noisy cells and ratios (E-I index, shares) are
recomputed from the noisy counts: post-processing, which costs no budget. Then the
small-cell rule of :mod:`graph_service.analytics.disclosure` is applied to the *noisy*
counts. A 95% interval of one noisy value is ``± b ln 20``.

**Noise.** :class:`OpenDPNoise` draws from the OpenDP library's samplers (its own
cryptographically secure generator, seeded by the operating system at every draw; it cannot
be seeded, by design). :class:`SeededNoise` draws the same distributions from a seeded NumPy
generator and exists for tests only: a fixed seed would give the same noise to two releases,
and their difference would cancel it (the service refuses a seed in production).

**Structural measures** (clustering, modularity, the number and size distribution of
communities, reciprocity, economic connectedness, tercile cut points) are not counts of
families; they are published exactly, rounded to 3 decimals, when the (noisy) number of
families they are computed over exceeds the small-cell threshold, and are *not* covered by
ε (:func:`structural`). One family moves such a measure by ``O(1/n)`` of a large group.

Sources: Dwork & Roth, *The Algorithmic Foundations of Differential Privacy* (2014), ch. 3
(Laplace mechanism, composition, post-processing); OpenDP, https://opendp.org.

>>> t = make_table("t", "r", "c", [("a", [Cell(500)]), ("b", [Cell(3)])], ["n"])
>>> noisy = privatize([t], {"t": {"count": 4.0}}, 1.0, SeededNoise(1), threshold=10)[0]
>>> noisy.cells[0][0].count, noisy.cells[1][0].suppressed, noisy.noise["count"]
(483, True, 4.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from graph_service.analytics.contribution import Bounds
from graph_service.analytics.disclosure import Cell, Margins, Table, make_table, suppress

COUNT = "count"
ADDITIVE = ("hours", "dollars")
Z95 = math.log(20.0)  # P(|Laplace(b)| > b ln 20) = 0.05
CLIFF_MAX_DOLLARS = 10_000.0  # a reform's change of one family's net income, clamped


class NoiseSource(Protocol):
    """Adds Laplace noise of scale ``scale`` to each value."""

    def integers(self, values: Sequence[int], scale: float) -> list[int]: ...

    def reals(self, values: Sequence[float], scale: float) -> list[float]: ...


class OpenDPNoise:
    """Production noise: OpenDP's discrete and continuous Laplace samplers (fresh randomness)."""

    def __init__(self) -> None:
        import opendp.prelude as dp

        dp.enable_features("contrib")
        self._dp = dp

    def integers(self, values: Sequence[int], scale: float) -> list[int]:
        if not values:
            return []
        dp = self._dp
        domain = dp.vector_domain(dp.atom_domain(T=int))
        measurement = dp.m.make_laplace(domain, dp.l1_distance(T=int), scale=scale)
        return [int(v) for v in measurement([int(v) for v in values])]

    def reals(self, values: Sequence[float], scale: float) -> list[float]:
        if not values:
            return []
        dp = self._dp
        domain = dp.vector_domain(dp.atom_domain(T=float, nan=False))
        measurement = dp.m.make_laplace(domain, dp.l1_distance(T=float), scale=scale)
        return [float(v) for v in measurement([float(v) for v in values])]


class SeededNoise:
    """Tests only: the same distributions from ``numpy.random.default_rng(seed)``.

    Discrete Laplace as the difference of two geometric variables with
    ``p = 1 - exp(-1/scale)`` (Inusah & Kozubowski 2006).
    """

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def integers(self, values: Sequence[int], scale: float) -> list[int]:
        p = 1.0 - math.exp(-1.0 / scale)
        a = self._rng.geometric(p, len(values))
        b = self._rng.geometric(p, len(values))
        return [int(v + x - y) for v, x, y in zip(values, a, b, strict=True)]

    def reals(self, values: Sequence[float], scale: float) -> list[float]:
        noise = self._rng.laplace(0.0, scale, len(values))
        return [float(v + n) for v, n in zip(values, noise, strict=True)]


def sensitivity(bounds: Bounds) -> dict[str, dict[str, float]]:
    """L1 sensitivity of each noisy table to one family, by quantity (see the module doc).

    With ``X`` = ``max_exchanges``, ``M`` = ``max_cohort_mates``, ``T = X + M`` ties:

    - families (the population count, one family in one row of a grouping by the family's
      own attributes or program-wide position): 1; goals by status: ``max_goals``; equal-size
      terciles also move <= 2 other families across a cut when ``f`` leaves (each boundary
      shifts by at most one rank): 5 and ``5 * max_goals``;
    - ties by kind: each of ``f``'s <= X exchange ties is in <= 2 kind rows plus ``any``,
      each of its <= M cohort ties in ``cohort`` plus ``any``: ``3X + 2M``;
    - degree distribution: ``f`` leaves its bin and <= T neighbours move one bin: ``1 + 2T``;
    - bonding/bridging: <= X exchange ties, each in the cohort and the region row: ``2X``;
    - help by kind and by quarter: <= X exchanges (count ``X``), hours ``X * max_hours``,
      dollars ``X * max_dollars``;
    - ripple joins by month: ``f`` and its <= X recruits change column: ``1 + 2X``;
      cascade sizes: ``f``'s cascade splits into <= X + 1: ``X + 2``;
    - region ties and links: as ties by kind, over the region rows: ``2(3X + 2M)``.

    Parameters
    ----------
    bounds : Bounds
        The per-family contribution bounds.

    Returns
    -------
    dict of str to dict of str to float
        Each table's L1 sensitivity by quantity.

    References
    ----------
    Dwork & Roth (2014), §3.3; Kasiviswanathan et al., "Analyzing graphs with node
    differential privacy", TCC 2013.

    Examples
    --------
    >>> sensitivity(Bounds(max_exchanges=2, max_cohort_mates=1))["degree_distribution"]
    {'count': 7.0}
    """
    x, m = float(bounds.max_exchanges), float(bounds.max_cohort_mates)
    ties = x + m
    one = {COUNT: 1.0}
    table: dict[str, dict[str, float]] = {
        "network_figures": one,
        "families_by_quarter": one,
        "ties_by_kind": {COUNT: 3 * x + 2 * m},
        "degree_distribution": {COUNT: 1 + 2 * ties},
        "boundary_ties": {COUNT: 2 * x},
        "help_by_kind": {
            COUNT: x,
            "hours": x * bounds.max_hours,
            "dollars": x * bounds.max_dollars,
        },
        "help_by_quarter": {
            COUNT: x,
            "hours": x * bounds.max_hours,
            "dollars": x * bounds.max_dollars,
        },
        "ripple_figures": {COUNT: 1 + 2 * x},
        "ripple_cascade_sizes": {COUNT: x + 2},
        "ripple_joins_by_month": {COUNT: 1 + 2 * x},
        "region_families": one,
        "region_ties": {COUNT: 2 * (3 * x + 2 * m)},
        "region_links": {COUNT: 2 * (3 * x + 2 * m)},
    }
    # Benefit-cliff exposure (graph_service/services/cliff_reports.py): a family is in one
    # exposure column per raise (3 rows), in one row of a grouping by its own attributes, in
    # both rows (baseline, reform) of a reform comparison; a reform's change of its net
    # income is clamped to CLIFF_MAX_DOLLARS.
    table["cliff_next_raise"] = {COUNT: 3.0}
    for by in ("region", "household_type", "income_band"):
        table[f"cliff_by_{by}"] = one
    table["cliff_reform"] = {COUNT: 2.0}
    table["cliff_reform_cost"] = {COUNT: 1.0, "dollars": CLIFF_MAX_DOLLARS}
    for by, moved in (("help_tie_tercile", 2), ("bridging", 0), ("cohort_size", 0)):
        families = 1.0 + 2 * moved
        table[f"families_by_{by}"] = {COUNT: families}
        table[f"income_movement_by_{by}"] = {COUNT: families}
        table[f"goals_by_{by}"] = {COUNT: families * bounds.max_goals}
        # outcomes in dollars (analytics/dollar_outcomes.py): a family in one bin per table
        for measure in ("income", "savings", "debt"):
            for horizon in (12, 24):
                table[f"{measure}_change_{horizon}m_by_{by}"] = {COUNT: families}
    return table


def _base_name(name: str) -> str:
    """A table's name without its stratification suffix (``families_by_bridging@region``)."""
    return name.split("@", 1)[0]


# --- ratios recomputed from noisy counts (post-processing) ---------------------------------


def _ratio(
    numerator: Sequence[str], denominator: Sequence[str] | None
) -> Callable[[Mapping[str, int]], float | None]:
    def compute(counts: Mapping[str, int]) -> float | None:
        total = sum(counts[k] for k in denominator) if denominator else sum(counts.values())
        return None if total <= 0 else sum(counts[k] for k in numerator) / total

    return compute


def _ei(counts: Mapping[str, int]) -> float | None:
    total = counts["bonding"] + counts["bridging"]
    return None if total <= 0 else (counts["bridging"] - counts["bonding"]) / total


def _ei_regions(counts: Mapping[str, int]) -> float | None:
    total = counts["internal"] + counts["external"]
    return None if total <= 0 else (counts["external"] - counts["internal"]) / total


RATIOS: dict[str, Callable[[Mapping[str, int]], float | None]] = {
    "ei_index": lambda c: _ei(c) if "bonding" in c else _ei_regions(c),
    "share_leaving": _ratio(["external"], None),
    "achieved_share": _ratio(["achieved"], None),
    "up_share": _ratio(["up"], None),
}


def _noisy_cells(
    table: Table, quantities: Mapping[str, float], epsilon: float, noise: NoiseSource
) -> tuple[list[list[Cell]], dict[str, float]]:
    scales = {q: delta / epsilon for q, delta in quantities.items()}
    flat = [cell for row in table.cells for cell in row]
    counts = noise.integers([c.count or 0 for c in flat], scales[COUNT])
    sums = {
        q: noise.reals([float(c.derived.get(q) or 0.0) for c in flat], scales[q])
        for q in quantities
        if q != COUNT
    }
    cells = [
        Cell(max(0, counts[i]), {q: round(max(0.0, values[i]), 1) for q, values in sums.items()})
        for i in range(len(flat))
    ]
    width = table.width
    return [cells[i * width : (i + 1) * width] for i in range(table.height)], scales


def _with_ratios(cell: Cell, counts: Mapping[str, int], names: Sequence[str]) -> Cell:
    derived = dict(cell.derived)
    for name in names:
        derived[name] = RATIOS[name](counts)
    return replace(cell, derived=derived)


def _margin_names(cells: Sequence[Cell] | None) -> list[str]:
    return sorted({n for c in cells or () for n in c.derived if n in RATIOS})


def _noisy_table(
    table: Table, quantities: Mapping[str, float], epsilon: float, noise: NoiseSource
) -> Table:
    """One table with noise on its interior cells; margins and ratios recomputed from them."""
    cells, scales = _noisy_cells(table, quantities, epsilon, noise)
    additive = [q for q in quantities if q != COUNT]

    def summed(selected: Sequence[Cell]) -> dict[str, float | None]:
        return {q: round(sum(c.derived.get(q) or 0.0 for c in selected), 1) for q in additive}

    margins: Margins = (
        "both"
        if table.row_totals is not None and table.column_totals is not None
        else "rows"
        if table.row_totals is not None
        else "columns"
        if table.column_totals is not None
        else "none"
    )
    rows = list(zip(table.row_keys, cells, strict=True))
    built = make_table(
        table.name,
        table.row_header,
        table.column_header,
        rows,
        table.column_keys,
        margins=margins,
        row_total_derived={k: summed(r) for k, r in rows},
        column_total_derived={
            key: summed([r[j] for r in cells]) for j, key in enumerate(table.column_keys)
        },
        total_derived=summed([c for r in cells for c in r]),
    )
    row_ratio = _margin_names(table.row_totals)
    total_ratio = _margin_names([table.total] if table.total else None)
    keys = table.column_keys
    row_totals = (
        tuple(
            _with_ratios(
                total, {k: c.count or 0 for k, c in zip(keys, row, strict=True)}, row_ratio
            )
            for total, row in zip(built.row_totals, built.cells, strict=True)
        )
        if built.row_totals is not None
        else None
    )
    total = built.total
    if total is not None and built.column_totals is not None:
        column_counts = {k: c.count or 0 for k, c in zip(keys, built.column_totals, strict=True)}
        total = _with_ratios(total, column_counts, total_ratio)
    return replace(built, row_totals=row_totals, total=total, noise=scales, epsilon=epsilon)


def privatize(
    tables: Sequence[Table],
    quantities: Mapping[str, Mapping[str, float]],
    epsilon: float,
    noise: NoiseSource,
    *,
    threshold: int,
) -> list[Table]:
    """Noisy, suppressed copies of ``tables`` for one release of budget ``epsilon``.

    ``quantities``: the sensitivity of each table (:func:`sensitivity`); a table without one
    is refused (``KeyError``): nothing leaves without noise. ``epsilon`` is split equally over
    every noisy quantity of every table.

    Parameters
    ----------
    tables : sequence of Table
        The tables of one release, as computed.
    quantities : Mapping of str to Mapping of str to float
        Each table's sensitivity by quantity (:func:`sensitivity`).
    epsilon : float
        The release's budget.
    noise : NoiseSource
        Where the Laplace noise comes from (seeded in tests).
    threshold : int
        Noisy counts from 1 to this are suppressed.

    Returns
    -------
    list of Table
        Noisy, suppressed tables.

    References
    ----------
    Dwork & Roth, *The Algorithmic Foundations of Differential Privacy* (2014), §3.3.

    Examples
    --------
    >>> t = make_table("families", "g", "m", [("a", [Cell(500)])], ["families"])
    >>> out = privatize([t], {"families": {"count": 1.0}}, 1.0, SeededNoise(0), threshold=10)
    >>> abs(out[0].cells[0][0].count - 500) < 50
    True
    """
    if epsilon <= 0:
        raise ValueError("epsilon must be > 0")
    parts = [(t, quantities[_base_name(t.name)]) for t in tables]
    share = epsilon / sum(len(q) for _, q in parts)
    return [suppress(_noisy_table(t, q, share * len(q), noise), threshold) for t, q in parts]


def structural(table: Table, families: int | None, threshold: int) -> Table:
    """A table of structural measures, gated by the noisy number of families it covers.

    Every cell gets ``count = families`` (the noisy population) and keeps its measures,
    rounded to 3 decimals, when ``families > threshold``; otherwise all are suppressed.

    Parameters
    ----------
    table : Table
        A table of structural measures (derived values, no counts to noise).
    families : int or None
        The noisy number of families it covers.
    threshold : int
        Tables over this many families or fewer are suppressed.

    Returns
    -------
    Table
        The gated table.

    Examples
    --------
    >>> from graph_service.analytics.disclosure import Cell, figures_table
    >>> t = figures_table("s", [("density", Cell(0, {"value": 0.12345}))])
    >>> structural(t, 50, 10).cells[0][0].derived, structural(t, 5, 10).cells[0][0].suppressed
    ({'value': 0.123}, True)
    """
    publish = families is not None and families > threshold

    def gate(cell: Cell) -> Cell:
        if not publish:
            return Cell(None, {n: None for n in cell.derived}, suppressed=True)
        return Cell(
            families,
            {n: None if v is None else round(float(v), 3) for n, v in cell.derived.items()},
        )

    return replace(
        table,
        cells=tuple(tuple(gate(c) for c in row) for row in table.cells),
        row_totals=None,
        column_totals=None,
        total=None,
        structural=True,
    )


def interval95(scale: float) -> float:
    """Half-width of the 95% interval of one Laplace-noised value.

    Parameters
    ----------
    scale : float
        The Laplace scale ``b``.

    Returns
    -------
    float
        ``b ln 20``: 95% of noisy values lie within this of the true one.

    References
    ----------
    Dwork & Roth (2014), §3.3 (the Laplace mechanism).

    Examples
    --------
    >>> round(interval95(1.0), 2)
    3.0
    """
    return scale * Z95
