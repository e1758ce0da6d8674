"""Benefit cliffs: where a raise leaves a household with less, and which programs do it.

Pure functions over a household's *net income curve*: net income after taxes and benefits
``N(e)`` at a grid of annual earnings ``e_0 < e_1 < ... < e_k``, and the signed contribution
``v_p(e)`` of each program ``p`` to it (a benefit counts positive, a tax negative), so that
``N(e) = e + sum_p v_p(e) + r(e)`` with ``r`` what the listed programs do not explain.

**Definitions.**

- *Marginal effective tax rate* between two grid points: the share of the extra earnings
  that taxes and lost benefits take, ``METR = 1 - (N(e_{i+1}) - N(e_i)) / (e_{i+1} - e_i)``.
  Above 1 (100%), the household has less after the raise than before.
- *Cliff*: a maximal range of consecutive grid points over which net income falls at every
  step (by more than ``tolerance`` dollars); its *loss* is ``N(start) - N(end)``.
- *Cause* of a cliff: a program whose contribution falls over the range
  (``v_p(end) - v_p(start) < 0``); causes are listed largest first. The residual is named
  ``other`` when it is one of them.
- *Exposure* to a raise of ``s`` dollars from earnings ``e``: ``keeps = N(e + s) - N(e)``;
  the household keeps *less than nothing* if ``keeps < 0`` and *less than half* if
  ``keeps < s / 2`` (:func:`exposure`).

Source: the definitions follow the usual ones for effective marginal tax rates and benefit
cliffs (e.g. Congressional Budget Office, *Marginal Federal Tax Rates on Labor Income*,
2012; Kearney & Turner / Brookings, 2023, on "benefit cliffs"); the curves themselves come
from the PolicyEngine-US microsimulation model (:mod:`graph_service.taxben`).

>>> import numpy as np
>>> e = np.array([20_000.0, 21_000.0, 22_000.0, 23_000.0])
>>> snap = np.array([3_000.0, 3_000.0, 0.0, 0.0])
>>> tax = np.array([-100.0, -200.0, -300.0, -400.0])
>>> net = e + snap + tax
>>> [round(float(r), 2) for r in marginal_rates(e, net)]
[0.1, 3.1, 0.1]
>>> cliff = find_cliffs(e, net, {"snap": snap, "tax": tax})[0]
>>> cliff.start, cliff.end, cliff.loss, cliff.causes
(21000.0, 22000.0, 2100.0, (('snap', -3000.0), ('tax', -100.0)))
>>> exposure(keeps=-50.0, step=1_000.0), exposure(keeps=400.0, step=1_000.0)
('less_than_nothing', 'less_than_half')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Exposure = Literal["less_than_nothing", "less_than_half", "half_or_more"]
EXPOSURES: tuple[Exposure, ...] = ("less_than_nothing", "less_than_half", "half_or_more")
OTHER = "other"

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Cliff:
    """A range of earnings over which net income falls, and the programs that make it fall.

    ``causes``: ``(program, change of its contribution over the range)``, each change
    negative, largest loss first.
    """

    start: float
    end: float
    loss: float
    causes: tuple[tuple[str, float], ...]


def marginal_rates(earnings: Array, net: Array) -> Array:
    """The marginal effective tax rate between consecutive grid points (length ``k``).

    Parameters
    ----------
    earnings : numpy.ndarray
        The earnings grid (``k + 1`` points), increasing.
    net : numpy.ndarray
        Net income at each grid point.

    Returns
    -------
    numpy.ndarray
        ``1 - Δnet / Δearnings`` for each of the ``k`` steps.

    Examples
    --------
    >>> import numpy as np
    >>> marginal_rates(np.array([0.0, 100.0]), np.array([0.0, 70.0])).round(2).tolist()
    [0.3]
    """
    de = np.diff(earnings)
    if np.any(de <= 0):
        raise ValueError("earnings must increase along the grid")
    return np.asarray(1.0 - np.diff(net) / de, dtype=np.float64)


def find_cliffs(
    earnings: Array,
    net: Array,
    programs: Mapping[str, Array],
    *,
    tolerance: float = 1.0,
) -> list[Cliff]:
    """Every cliff of the curve, lowest earnings first (see the module's definitions).

    ``programs``: each program's signed contribution to net income at the grid points. The
    part of the change the programs do not explain is attributed to ``other``.

    Parameters
    ----------
    earnings : numpy.ndarray
        The earnings grid, increasing.
    net : numpy.ndarray
        Net income at each grid point.
    programs : Mapping of str to numpy.ndarray
        Each program's signed contribution to net income at the grid points.
    tolerance : float, default 1.0
        Drops in net income of at most this many dollars are not cliffs.

    Returns
    -------
    list of Cliff
        Lowest earnings first, each with its loss and the programs that cause it.

    Examples
    --------
    >>> import numpy as np
    >>> e = np.array([0.0, 1_000.0, 2_000.0])
    >>> benefit = np.array([2_000.0, 0.0, 0.0])
    >>> [(c.start, c.loss) for c in find_cliffs(e, e + benefit, {"benefit": benefit})]
    [(0.0, 1000.0)]
    """
    marginal_rates(earnings, net)  # checks the grid
    falling = np.diff(net) < -tolerance
    cliffs: list[Cliff] = []
    i = 0
    k = len(falling)
    while i < k:
        if not falling[i]:
            i += 1
            continue
        j = i
        while j + 1 < k and falling[j + 1]:
            j += 1
        a, b = i, j + 1
        changes = {name: float(v[b] - v[a]) for name, v in programs.items()}
        explained = sum(changes.values())
        changes[OTHER] = float((net[b] - net[a]) - (earnings[b] - earnings[a]) - explained)
        causes = sorted(
            ((name, round(c, 2)) for name, c in changes.items() if c < -tolerance),
            key=lambda item: item[1],
        )
        cliffs.append(
            Cliff(
                start=float(earnings[a]),
                end=float(earnings[b]),
                loss=round(float(net[a] - net[b]), 2),
                causes=tuple(causes),
            )
        )
        i = j + 1
    return cliffs


def exposure(keeps: float, step: float) -> Exposure:
    """How much of a raise of ``step`` dollars a household keeps, as a category.

    Parameters
    ----------
    keeps : float
        Dollars of net income kept, ``N(e + step) - N(e)``.
    step : float
        The raise in dollars, > 0.

    Returns
    -------
    Exposure
        ``less_than_nothing``, ``less_than_half`` or ``half_or_more``.

    Examples
    --------
    >>> exposure(keeps=600.0, step=1_000.0)
    'half_or_more'
    """
    if keeps < 0:
        return "less_than_nothing"
    if keeps < step / 2:
        return "less_than_half"
    return "half_or_more"


def exposures(net_now: Array, net_after: Array, step: float) -> list[Exposure]:
    """:func:`exposure` for many households at once (``net_after`` at ``e + step``).

    Parameters
    ----------
    net_now : numpy.ndarray
        Net income of each household at its earnings ``e``.
    net_after : numpy.ndarray
        Net income of each at ``e + step``.
    step : float
        The raise in dollars.

    Returns
    -------
    list of Exposure
        One category per household.

    Examples
    --------
    >>> exposures(np.array([10.0, 10.0, 10.0]), np.array([5.0, 12.0, 900.0]), 1_000.0)
    ['less_than_nothing', 'less_than_half', 'half_or_more']
    """
    keeps = net_after - net_now
    out: list[Exposure] = []
    for value in keeps.tolist():
        out.append(exposure(float(value), step))
    return out
