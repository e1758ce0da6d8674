"""Outcomes in dollars from the journals: income, savings and debt changes at 12 and 24
months, by network position, as histograms over fixed bins (so that they take the same
disclosure protection as every other research table) and quartiles read from them.

A family's change at horizon ``h`` months compares its baseline report with its report
``h`` months later (the latest version of each; when that month was missed, the latest of the
two months before it):

- income: monthly earned income + benefits, change in percent ``100 (y_h - y_0) / y_0``
  (families with a baseline income of 0 are left out of the income tables);
- savings and debt: change of the balance in dollars ``x_h - x_0``.

Each table has one row per network-position group (the groupings of
:mod:`graph_service.analytics.outcomes`) and one column per bin; a family is counted once per
table, so its sensitivity to one family is that of ``families_by_<grouping>``. Medians and
quartiles are **read from the (noisy) histogram** by linear interpolation within a bin
(:func:`quantiles_from_bins`): post-processing of the released counts, so they cost no extra
privacy budget and never touch an exact value. The open-ended first and last bins are read as
bins as wide as their neighbour.

>>> quantiles_from_bins([0, 10, 10, 0], (-10.0, 0.0, 10.0))
(-5.0, 0.0, 5.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from graph_service.analytics.disclosure import Cell, Table, make_table
from models.journal import Month, MonthlyReport, ReportKind

HORIZONS = (12, 24)
# Bin edges: income change in percent, savings and debt change in dollars.
EDGES: Mapping[str, tuple[float, ...]] = {
    "income": (-20.0, -10.0, 0.0, 10.0, 20.0, 30.0, 50.0),
    "savings": (-1_000.0, -250.0, 0.0, 250.0, 1_000.0, 2_500.0),
    "debt": (-5_000.0, -2_000.0, -500.0, 0.0, 500.0),
}
UNITS = {"income": "%", "savings": "$", "debt": "$"}
MISSED_MONTHS = 2


def _bin_labels(measure: str) -> tuple[str, ...]:
    """Column names of a measure's bins.

    >>> _bin_labels("debt")[:2]
    ('< -5000$', '-5000$ to -2000$')
    """
    edges, unit = EDGES[measure], UNITS[measure]
    labels = [f"< {edges[0]:g}{unit}"]
    labels += [f"{a:g}{unit} to {b:g}{unit}" for a, b in pairwise(edges)]
    labels.append(f">= {edges[-1]:g}{unit}")
    return tuple(labels)


def bin_of(value: float, edges: Sequence[float]) -> int:
    """The bin index of ``value`` (bins are ``[a, b)``).

    Parameters
    ----------
    value : float
        A change.
    edges : sequence of float
        The bin edges, increasing.

    Returns
    -------
    int
        0 below the first edge, ``len(edges)`` at or above the last.

    Examples
    --------
    >>> bin_of(-1.0, (0.0, 10.0)), bin_of(0.0, (0.0, 10.0)), bin_of(99.0, (0.0, 10.0))
    (0, 1, 2)
    """
    for i, edge in enumerate(edges):
        if value < edge:
            return i
    return len(edges)


@dataclass(frozen=True)
class Change:
    income_pct: float | None
    savings: float
    debt: float


def family_changes(reports: Iterable[MonthlyReport], horizon: int) -> dict[str, Change]:
    """Each family's change from its baseline to ``horizon`` months later (see module doc).

    Parameters
    ----------
    reports : iterable of MonthlyReport
        Journals (every version; the latest of each month counts).
    horizon : int
        Months after the baseline.

    Returns
    -------
    dict of str to Change
        Per family with a baseline and a report near the horizon: income change in percent,
        savings and debt change in dollars.

    Examples
    --------
    >>> from graph_service.analytics.examples import journal_reports
    >>> reports = journal_reports()
    >>> family_changes(reports, 12)["a"]
    Change(income_pct=25.0, savings=500.0, debt=0.0)
    """
    latest: dict[str, dict[str, MonthlyReport]] = {}
    for r in reports:
        held = latest.setdefault(r.family_id, {}).get(r.month)
        if held is None or r.version > held.version:
            latest[r.family_id][r.month] = r
    changes: dict[str, Change] = {}
    for family_id, by_month in latest.items():
        baselines = [r for r in by_month.values() if r.kind is ReportKind.BASELINE]
        if not baselines:
            continue
        base = baselines[0]
        target = Month.add(base.month, horizon)
        later = next(
            (
                by_month[m]
                for m in (Month.add(target, -k) for k in range(MISSED_MONTHS + 1))
                if m in by_month
            ),
            None,
        )
        if later is None:
            continue
        y0 = base.earned_income_cents + base.benefits_cents
        y1 = later.earned_income_cents + later.benefits_cents
        changes[family_id] = Change(
            100.0 * (y1 - y0) / y0 if y0 > 0 else None,
            (later.savings_cents - base.savings_cents) / 100,
            (later.debt_cents - base.debt_cents) / 100,
        )
    return changes


def dollar_tables(
    reports: Sequence[MonthlyReport],
    groups: Mapping[str, Sequence[str]],
    by: str,
) -> list[Table]:
    """The six histograms (income, savings, debt at 12 and 24 months) over ``groups``
    (group -> its families, the research population), named ``<measure>_change_<h>m_by_<by>``.

    Parameters
    ----------
    reports : sequence of MonthlyReport
        The journals of the research population.
    groups : Mapping of str to sequence of str
        Each group's families.
    by : str
        The grouping's name (in the table names).

    Returns
    -------
    list of Table
        Six histograms, one row per group.

    Examples
    --------
    >>> from graph_service.analytics.examples import journal_reports
    >>> reports = journal_reports()
    >>> [t.name for t in dollar_tables(reports, {"all": ["a"]}, "x")][:1]
    ['income_change_12m_by_x']
    """
    tables = []
    for horizon in HORIZONS:
        changes = family_changes(reports, horizon)
        for measure in EDGES:
            edges = EDGES[measure]
            rows = []
            for group, members in groups.items():
                counts = [0] * (len(edges) + 1)
                for family_id in members:
                    change = changes.get(family_id)
                    value = None if change is None else getattr(change, _field(measure))
                    if value is not None:
                        counts[bin_of(value, edges)] += 1
                rows.append((group, [Cell(c) for c in counts]))
            tables.append(
                make_table(
                    f"{measure}_change_{horizon}m_by_{by}",
                    by,
                    f"{measure}_change",
                    rows,
                    _bin_labels(measure),
                    margins="both",
                )
            )
    return tables


def _field(measure: str) -> str:
    return "income_pct" if measure == "income" else measure


def quantiles_from_bins(
    counts: Sequence[int | None], edges: Sequence[float]
) -> tuple[float, float, float] | None:
    """The 25th, 50th and 75th percentiles of a histogram by linear interpolation within the
    bins; None when a count is suppressed or the histogram is empty.

    Parameters
    ----------
    counts : sequence of int or None
        The histogram (``None``: suppressed).
    edges : sequence of float
        The inner bin edges (the outer bins are as wide as their neighbours).

    Returns
    -------
    tuple of (float, float, float) or None
        The quartiles.

    Examples
    --------
    >>> quantiles_from_bins([0, 4, 0], (0.0, 10.0)), quantiles_from_bins([None, 4], (0.0,))
    ((2.5, 5.0, 7.5), None)
    """
    if any(c is None for c in counts):
        return None
    values = [max(0, int(c or 0)) for c in counts]
    total = sum(values)
    if total == 0:
        return None
    lows = [edges[0] - (edges[1] - edges[0]), *edges]
    highs = [*edges, edges[-1] + (edges[-1] - edges[-2])]
    out = []
    for q in (0.25, 0.5, 0.75):
        target, seen = q * total, 0.0
        for i, count in enumerate(values):
            if count and seen + count >= target:
                out.append(lows[i] + (highs[i] - lows[i]) * (target - seen) / count)
                break
            seen += count
    return out[0], out[1], out[2]
