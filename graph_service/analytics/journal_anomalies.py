"""Unusual monthly reports, explained: clear rules plus an isolation forest over each
family's month-to-month changes.

Features of a report for month ``t`` (its latest version) against the same family's reports
for the month before (``t - 1``) and, when there is one yet, the month after (``t + 1``); a
report with no report the month before is never flagged. For each money figure ``x`` in
dollars (earned income, benefits, savings, debt), with ``in = ln(1 + x_t) - ln(1 + x_{t-1})``
and ``out = ln(1 + x_{t+1}) - ln(1 + x_t)``:

    change(x) = in
    spike(x)  = sign(in) * min(|in|, |out|)  if in and out have opposite signs, else 0
              = in                          when there is no month after yet

and the household size change ``h_t - h_{t-1}``. A typing mistake is a spike (up, then back
down); a real change is not (it stays), and the report after a spike is not one either.

**Rules** (``multiple`` M, ``GS_ANOMALY_BALANCE_MULTIPLE``, default 3):

- a balance (savings or debt) or earned income more than M times the month before's and the
  month after's (``x_t > M max(x_{t-1}, x_{t+1})``), or less than 1/M of both, when the
  change is more than $500 (small balances move by large factors for no reason); with no
  month after yet, against the month before only;
- a household that changes by more than 2 people in one month.

**Isolation forest** (Liu, Ting and Zhou, "Isolation Forest", ICDM 2008; scikit-learn's
``IsolationForest``, 100 trees, seeded): fitted on the features of all given transitions; the
anomaly score is ``-score_samples`` (higher: more unusual). A flag's *explanation* names the
features whose robust z-score ``|x - median| / (1.4826 MAD)`` exceeds 3 (at most the two
largest), so a staff member sees which change made the report unusual.

The queue ranking puts rule flags first, then the rest; within each, by the forest's score
(then by how far past the multiple a rule flag is).

>>> rows = [Transition("a", "2025-02", "r2", {"earned": 2000, "benefits": 0, "savings": 100,
...     "debt": 0, "household": 3}, {"earned": 2000, "benefits": 0, "savings": 900,
...     "debt": 0, "household": 3})]
>>> [f.reasons for f in rule_flags(rows, multiple=3.0)]
[('savings rose from $100 to $900, more than 3x in a month',)]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MONEY = ("earned", "benefits", "savings", "debt")
FEATURES = (*(f"{m}_change" for m in MONEY), *(f"{m}_spike" for m in MONEY), "household_change")
RULE_MONEY = ("earned", "savings", "debt")
MIN_RULE_DOLLARS = 500.0
Z_EXPLAIN = 3.0
MIN_FOREST_ROWS = 20


@dataclass(frozen=True)
class Transition:
    """One report (``report_id``, month ``month``) and its family's figures in dollars for
    the month before (``before``), this month (``now``) and the month after (``after``, if
    reported yet)."""

    family_id: str
    month: str
    report_id: str
    before: Mapping[str, float]
    now: Mapping[str, float]
    after: Mapping[str, float] | None = None


@dataclass(frozen=True)
class Flag:
    """A report in the verification queue: its score and why."""

    report_id: str
    family_id: str
    month: str
    score: float
    reasons: tuple[str, ...]
    by_rule: bool


def features(rows: Sequence[Transition]) -> npt.NDArray[np.float64]:
    """The feature matrix (one row per transition, columns :data:`FEATURES`).

    Parameters
    ----------
    rows : sequence of Transition
        The transitions to score.

    Returns
    -------
    numpy.ndarray
        Log-changes, spikes and the household change, one row per transition.

    Examples
    --------
    >>> from graph_service.analytics.examples import savings_jump
    >>> rows = savings_jump()
    >>> features(rows).shape == (2, len(FEATURES))
    True
    """
    out = np.zeros((len(rows), len(FEATURES)))
    k = len(MONEY)
    for i, row in enumerate(rows):
        for j, name in enumerate(MONEY):
            now = math.log1p(max(row.now[name], 0.0))
            change = now - math.log1p(max(row.before[name], 0.0))
            out[i, j] = change
            if row.after is None:
                out[i, k + j] = change
            else:
                back = math.log1p(max(row.after[name], 0.0)) - now
                if change * back < 0:
                    out[i, k + j] = math.copysign(min(abs(change), abs(back)), change)
        out[i, 2 * k] = row.now["household"] - row.before["household"]
    return out


def rule_flags(rows: Iterable[Transition], multiple: float) -> list[Flag]:
    """Transitions that break a rule, each with every rule it breaks; score = the largest
    factor past the multiple. A figure that only moves back after the month before was
    flagged for moving the other way (the return from a slip) is not flagged again.

    Parameters
    ----------
    rows : iterable of Transition
        The transitions to check.
    multiple : float
        The rules' multiple.

    Returns
    -------
    list of Flag
        The transitions that break a rule.

    Examples
    --------
    >>> from graph_service.analytics.examples import savings_jump
    >>> rows = savings_jump()
    >>> [f.report_id for f in rule_flags(rows, multiple=3.0)]
    ['r2']
    """
    flags = []
    moved: dict[tuple[str, str, str], int] = {}  # (family, month, figure) -> +1 up, -1 down
    for row in sorted(rows, key=lambda r: (r.family_id, r.month)):
        reasons: list[str] = []
        worst = 0.0
        for name in RULE_MONEY:
            a, b = row.before[name], row.now[name]
            c = row.after[name] if row.after is not None else None
            if abs(b - a) <= MIN_RULE_DOLLARS:
                continue
            if c is not None and not (b > multiple * c or b * multiple < c):
                continue  # the month after confirms it: a real change, not a slip
            label = "earned income" if name == "earned" else name
            direction = 1 if b > multiple * a else -1 if b * multiple < a else 0
            previous = moved.get((row.family_id, _month_before(row.month), name), 0)
            if direction == 0 or direction == -previous:
                continue
            moved[(row.family_id, row.month, name)] = direction
            if direction > 0:
                reasons.append(
                    f"{label} rose from ${a:,.0f} to ${b:,.0f}, more than {multiple:g}x in a month"
                )
                worst = max(worst, b / a if a > 0 else math.inf)
            else:
                reasons.append(
                    f"{label} fell from ${a:,.0f} to ${b:,.0f}, to less than 1/{multiple:g} "
                    "in a month"
                )
                worst = max(worst, a / b if b > 0 else math.inf)
        change = row.now["household"] - row.before["household"]
        if abs(change) > 2:
            reasons.append(f"household changed by {change:+.0f} people in a month")
            worst = max(worst, multiple + abs(change))
        if reasons:
            score = min(worst, 1e6) / multiple
            flags.append(Flag(row.report_id, row.family_id, row.month, score, tuple(reasons), True))
    return flags


def _month_before(month: str) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 2
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def forest_scores(x: npt.NDArray[np.float64], seed: int) -> npt.NDArray[np.float64]:
    """Isolation-forest anomaly scores (higher: more unusual); zeros for too few rows.

    Parameters
    ----------
    x : numpy.ndarray
        The feature matrix.
    seed : int
        Seed of the forest.

    Returns
    -------
    numpy.ndarray
        One score per row.

    References
    ----------
    Liu, Ting & Zhou, "Isolation Forest", ICDM 2008.

    Examples
    --------
    >>> import numpy as np
    >>> forest_scores(np.zeros((3, len(FEATURES))), seed=0).tolist()
    [0.0, 0.0, 0.0]
    """
    if len(x) < MIN_FOREST_ROWS:
        return np.zeros(len(x))
    from sklearn.ensemble import IsolationForest

    forest = IsolationForest(n_estimators=100, random_state=seed)
    forest.fit(x)
    scores: npt.NDArray[np.float64] = -forest.score_samples(x)
    return scores


def explain(x: npt.NDArray[np.float64]) -> list[tuple[str, ...]]:
    """For each row, the (at most two) features with a robust z-score above 3, largest
    first, in words.

    Parameters
    ----------
    x : numpy.ndarray
        The feature matrix (:func:`features`).

    Returns
    -------
    list of tuple of str
        For each row, the features that make it unusual, in words.

    References
    ----------
    Rousseeuw & Croux, "Alternatives to the median absolute deviation", *JASA* 88 (1993).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((5, len(FEATURES))); x[:, 2] = [0.1, -0.1, 0.2, -0.2, 5.0]
    >>> explain(x)[3:]
    [(), ('unusual savings change (robust z 16.5)',)]
    """
    median = np.median(x, axis=0)
    mad = np.median(np.abs(x - median), axis=0) * 1.4826
    z = np.abs(x - median) / np.where(mad > 1e-9, mad, 1e-9)
    out: list[tuple[str, ...]] = [()] * len(z)
    for i in np.flatnonzero((z > Z_EXPLAIN).any(axis=1)):  # the other rows have no words
        row = z[i]
        top = [j for j in np.argsort(-row)[:2] if row[j] > Z_EXPLAIN]
        out[i] = tuple(
            f"unusual {FEATURES[j].replace('_', ' ')} (robust z {row[j]:.1f})" for j in top
        )
    return out


def rank_unusual(rows: Sequence[Transition], multiple: float, seed: int) -> list[Flag]:
    """Every transition ranked for the queue: rule flags first (by score), then the rest by
    the forest's score, each with its reasons (rules, and the forest's explanation).

    Parameters
    ----------
    rows : sequence of Transition
        The transitions of a region's quarter.
    multiple : float
        The rules' multiple (``GS_ANOMALY_BALANCE_MULTIPLE``).
    seed : int
        Seed of the forest.

    Returns
    -------
    list of Flag
        Every transition, most unusual first.

    Examples
    --------
    >>> from graph_service.analytics.examples import savings_jump
    >>> rows = savings_jump()
    >>> [f.report_id for f in rank_unusual(rows, multiple=3.0, seed=0)]
    ['r2', 'r3']
    """
    if not rows:
        return []
    x = features(rows)
    return rank_prepared(rows, x, {f.report_id: f for f in rule_flags(rows, multiple)}, seed)


def rank_prepared(
    rows: Sequence[Transition],
    x: npt.NDArray[np.float64],
    by_rule: Mapping[str, Flag],
    seed: int,
) -> list[Flag]:
    """:func:`rank_unusual` from its parts already computed: ``x = features(rows)`` and the
    rule flags by report id (both are computed per family, so a caller that keeps them per
    family recomputes only the families that changed; the forest and the explanation need
    every row).

    Parameters
    ----------
    rows : sequence of Transition
        The transitions of a region's quarter.
    x : numpy.ndarray
        ``features(rows)``.
    by_rule : mapping of str to Flag
        The rule flags of ``rows`` (:func:`rule_flags`), by report id.
    seed : int
        Seed of the forest.

    Returns
    -------
    list of Flag
        The same ranking as :func:`rank_unusual` of ``rows``.

    Examples
    --------
    >>> from graph_service.analytics.examples import savings_jump
    >>> rows = savings_jump()
    >>> flags = {f.report_id: f for f in rule_flags(rows, 3.0)}
    >>> [f.report_id for f in rank_prepared(rows, features(rows), flags, seed=0)]
    ['r2', 'r3']
    """
    if not rows:
        return []
    scores = forest_scores(x, seed)
    words = explain(x)
    ranked = []
    for i, row in enumerate(rows):
        rule = by_rule.get(row.report_id)
        reasons = (*(rule.reasons if rule else ()), *words[i])
        if rule is not None:
            ranked.append(
                Flag(row.report_id, row.family_id, row.month, 1e3 + rule.score, reasons, True)
            )
        else:
            ranked.append(
                Flag(row.report_id, row.family_id, row.month, float(scores[i]), reasons, False)
            )
    ranked.sort(key=lambda f: (-f.score, f.report_id))
    return ranked


def precision_recall(picked: Iterable[str], planted: set[str]) -> tuple[float, float]:
    """Precision and recall of ``picked`` report ids against the ``planted`` ones.

    Parameters
    ----------
    picked : iterable of str
        Report ids the method picked.
    planted : set of str
        Report ids known to be unusual.

    Returns
    -------
    tuple of (float, float)
        Precision and recall.

    Examples
    --------
    >>> precision_recall(["a", "b", "c", "d"], {"a", "c", "x"})
    (0.5, 0.6666666666666666)
    """
    chosen = list(picked)
    hits = sum(1 for r in chosen if r in planted)
    precision = hits / len(chosen) if chosen else 0.0
    recall = hits / len(planted) if planted else 0.0
    return precision, recall
