"""Ripple growth: how families bring in other families, measured on the referral forest.

``REFERRED`` edges of a :data:`~graph_service.analytics.family_graph.FamilyGraph` form a forest
(each family has at most one referrer). A *cascade* is the subtree of one family; a *seed* (a
root of the forest) is a family nobody referred. A family's *join date* for cascade timing is
the ``at`` of the referral that brought it in, else its ``joined_at``.

Definitions (``n`` = cascade size, generation 0 = the cascade's root):

* depth = largest generation; breadth of generation ``k`` = families in it; growth ratio
  ``k`` = breadth(k + 1) / breadth(k).
* Wiener index ``W`` = sum of the tree distances over all unordered pairs of families.
  Computed in linear time: removing the edge above a family whose subtree has ``s`` families
  separates ``s`` from ``n - s`` families, and every path between the two sides uses that edge,
  so ``W = sum over edges of s (n - s)``.
* Structural virality (Goel, Anderson, Hofman & Watts, "The Structural Virality of Online
  Diffusion", *Management Science* 62(1), 2016) = mean distance between two families of the
  cascade = ``W / (n (n - 1) / 2)``. Convention: 0 for a single family (no pairs), so a lone
  seed reads as "no spread" rather than "undefined". A star with ``k`` recruits tends to 2, a
  chain of ``n`` is ``(n + 1) / 3``.
* Invitation window: a family may invite for ``window_days`` after it joins; its window has
  *closed* when ``join + window_days <= as_of``. Empirical reproduction number = mean number of
  direct recruits referred within the window, over families whose window has closed. Counting
  only recruits inside the window gives every family the same exposure time (no
  right-censoring bias); ``None`` when no family's window has closed.
* Days to first recruit = days from a family's join to the referral date of its earliest
  recruit, over families with at least one recruit; the median is reported.

:func:`ripple_summary` attributes a whole cascade, including recruits living elsewhere, to the
**region of its seed**, and dates it by the seed's join date. Date filtering keeps cascades whose
seed joined in ``[start, end]`` and prunes every family that joined outside the range (with its
subtree), so the summary shows those cascades as they stood at ``end``. Reproduction numbers
still count a family's recruits inside its window even when they joined after ``end``: the
number describes the family, not the period.

>>> from datetime import date
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> for fam in "abc":
...     g.add_node(fam, region="r", cohort=None, joined_at=date(2024, 1, 1))
>>> g.add_edge("a", "b", key="referred", kind="referred", at=date(2024, 2, 1))
'referred'
>>> g.add_edge("b", "c", key="referred", kind="referred", at=date(2024, 3, 1))
'referred'
>>> m = cascade_metrics(g, "a", as_of=date(2025, 1, 1))
>>> m.size, m.depth, m.families_per_generation, m.wiener_index, round(m.structural_virality, 3)
(3, 2, (1, 1, 1), 4, 1.333)
>>> ripple_summary(g, as_of=date(2025, 1, 1)).size_distribution["3-5"]
1
"""

from __future__ import annotations

from graph_service.analytics.ripple.cascade import (
    CascadeTree,
    cascade_metrics,
    cohort_ripple,
    read_cascade,
    structural_virality,
    tree_wiener_index,
)
from graph_service.analytics.ripple.measures import month_of
from graph_service.analytics.ripple.results import (
    DEFAULT_WINDOW_DAYS,
    SIZE_BINS,
    CascadeMetrics,
    CascadeSummary,
    CohortRipple,
    MonthlyJoins,
    MonthlyReproduction,
    RippleSummary,
)
from graph_service.analytics.ripple.summary import baseline_summary, ripple_summary

__all__ = [
    "DEFAULT_WINDOW_DAYS",
    "SIZE_BINS",
    "CascadeMetrics",
    "CascadeSummary",
    "CascadeTree",
    "CohortRipple",
    "MonthlyJoins",
    "MonthlyReproduction",
    "RippleSummary",
    "baseline_summary",
    "cascade_metrics",
    "cohort_ripple",
    "month_of",
    "read_cascade",
    "ripple_summary",
    "structural_virality",
    "tree_wiener_index",
]
