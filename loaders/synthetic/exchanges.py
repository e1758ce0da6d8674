"""Drawing help exchanges between families (cohort mates, region, across regions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from loaders.synthetic.network import GOALS, KINDS, SKILL_LIST
from loaders.synthetic.parameters import (
    BASE_HELP_WEIGHTS,
    HELP_HOURS,
    SKILL_TO_HELP,
    FloatArray,
    IntArray,
    SyntheticParameters,
)


# ---------------------------------------------------------------------------- help exchanges
@dataclass
class Pairs:
    """What the help process needs to know about families."""

    members: list[list[int]]
    region: IntArray
    join_day: IntArray
    people: dict[str, Any]
    goal_mask: IntArray

    def weight(
        self, giver: IntArray, receiver: IntArray, params: SyntheticParameters
    ) -> FloatArray:
        meets = (self.people["strengths"][giver] & self.people["needs"][receiver]) != 0
        shares = (self.goal_mask[giver] & self.goal_mask[receiver]) != 0
        weight: FloatArray = (
            1.0 + (params.complement_weight - 1) * meets + (params.shared_goal_weight - 1) * shares
        )
        return weight


def _exposure(start: FloatArray, period: int, growth: float) -> FloatArray:
    """Integral of the exchange rate 1 + (growth-1) t/T over [start, T]."""
    slope = growth - 1
    exposure: FloatArray = (period - start) + slope / (2 * period) * (period**2 - start**2)
    return exposure


def _times(rng: np.random.Generator, start: FloatArray, period: int, growth: float) -> FloatArray:
    """Times in [start, T] with density proportional to 1 + (growth-1) t/T (inverse CDF)."""
    target = rng.random(len(start)) * _exposure(start, period, growth)
    slope = growth - 1
    if slope == 0:
        times: FloatArray = start + target
        return times
    c = start + slope * start**2 / (2 * period) + target
    times = (np.sqrt(1 + 2 * slope * c / period) - 1) * period / slope
    return np.clip(times, start, period)


def _cohort_pairs(members: list[list[int]]) -> tuple[IntArray, IntArray]:
    width = max((len(m) for m in members), default=0)
    padded = np.full((len(members), width), -1, dtype=np.int64)
    for row, group in enumerate(members):
        padded[row, : len(group)] = group
    giver = np.repeat(padded, width, axis=1).ravel()
    receiver = np.tile(padded, (1, width)).ravel()
    keep = (giver >= 0) & (receiver >= 0) & (giver != receiver)
    return giver[keep], receiver[keep]


def _goal_partners(
    rng: np.random.Generator,
    family: IntArray,
    key: IntArray,
    count: int,
) -> tuple[IntArray, IntArray]:
    """``count`` (giver, receiver) pairs: a random pursuit's family gives to a random family
    pursuing the same goal (within the same ``key`` bucket)."""
    if len(family) == 0 or count == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    order = np.argsort(key, kind="stable")
    keys, families = key[order], family[order]
    pick = rng.integers(len(keys), size=count)
    low = np.searchsorted(keys, keys[pick], side="left")
    high = np.searchsorted(keys, keys[pick], side="right")
    other = low + (rng.random(count) * (high - low)).astype(np.int64)
    return families[pick], families[other]


def help_columns(
    rng: np.random.Generator,
    params: SyntheticParameters,
    pairs: Pairs,
    pursuits: dict[str, Any],
    period: int,
) -> dict[str, Any]:
    n = len(pairs.region)
    first_hand = n * params.help_per_family / (1 + params.reciprocity)
    giver, receiver = _cohort_pairs(pairs.members)
    weight = pairs.weight(giver, receiver, params)
    start = np.maximum(pairs.join_day[giver], pairs.join_day[receiver]).astype(np.float64)
    expected = weight * _exposure(start, period, params.growth)
    cohort_share = 1 - params.region_share - params.cross_share
    if len(expected):
        rate = first_hand * cohort_share / expected.sum()
        repeats = rng.poisson(rate * expected)
        giver, receiver = np.repeat(giver, repeats), np.repeat(receiver, repeats)
    local = _partners(rng, params, pairs, pursuits, first_hand * params.region_share, False)
    far = _partners(rng, params, pairs, pursuits, first_hand * params.cross_share, True)
    giver = np.concatenate([giver, local[0], far[0]])
    receiver = np.concatenate([receiver, local[1], far[1]])
    start = np.maximum(pairs.join_day[giver], pairs.join_day[receiver]).astype(np.float64)
    day = _times(rng, start, period, params.growth)
    returned = rng.random(len(giver)) < params.reciprocity
    back_day = day[returned] + rng.exponential(20, int(returned.sum()))
    kept = back_day <= period
    giver, receiver = (
        np.concatenate([giver, receiver[returned][kept]]),
        np.concatenate([receiver, giver[returned][kept]]),
    )
    day = np.concatenate([day, back_day[kept]]).astype(np.int64)
    order = np.lexsort((receiver, giver, day))
    giver, receiver, day = giver[order], receiver[order], day[order]
    kind = _kinds(rng, params, pairs, giver, receiver)
    hours, amount = _values(rng, params, kind, pairs, period)
    return {
        "help_from": giver,
        "help_to": receiver,
        "help_kind": kind,
        "help_day": day,
        "help_hours": hours,
        "help_amount": amount,
        "help_confirmed": rng.random(len(giver)) < params.confirmed_share,
    }


def _partners(
    rng: np.random.Generator,
    params: SyntheticParameters,
    pairs: Pairs,
    pursuits: dict[str, Any],
    wanted: float,
    cross_region: bool,
) -> tuple[IntArray, IntArray]:
    """Exchanges outside the cohort between families who share a goal: within a region, or
    across regions between families who both consent to cross-region contact."""
    family: IntArray = pursuits["pursuit_family"]
    goal: IntArray = pursuits["pursuit_goal"]
    if cross_region:
        eligible = pairs.people["consent"][family, 1]
        family, goal = family[eligible], goal[eligible]
        key = goal
    else:
        key = pairs.region[family] * len(GOALS) + goal
    count = round(wanted)
    giver, receiver = _goal_partners(rng, family, key, count * 3 + 10)
    same_region = pairs.region[giver] == pairs.region[receiver]
    keep = (giver != receiver) & (same_region != cross_region)
    meets = (pairs.people["strengths"][giver] & pairs.people["needs"][receiver]) != 0
    chance = (1 + (params.complement_weight - 1) * meets) / params.complement_weight
    keep &= rng.random(len(giver)) < chance
    return giver[keep][:count], receiver[keep][:count]


def _kinds(
    rng: np.random.Generator,
    params: SyntheticParameters,
    pairs: Pairs,
    giver: IntArray,
    receiver: IntArray,
) -> IntArray:
    """The kind of each exchange: what the giver's strength offers where it meets a need
    (mostly), otherwise a kind drawn from :data:`BASE_HELP_WEIGHTS`."""
    base_weights = normalised([BASE_HELP_WEIGHTS.get(k, 0.02) for k in KINDS])
    kind: IntArray = rng.choice(len(KINDS), size=len(giver), p=base_weights)
    skill_kind = np.array([KINDS.index(SKILL_TO_HELP[s]) for s in SKILL_LIST], dtype=np.int64)
    meets = pairs.people["strengths"][giver] & pairs.people["needs"][receiver]
    use_skill = np.flatnonzero((meets != 0) & (rng.random(len(giver)) < 0.7))
    chunk = 200_000
    for begin in range(0, len(use_skill), chunk):
        rows = use_skill[begin : begin + chunk]
        bits = (meets[rows, None] >> np.arange(len(SKILL_LIST))) & 1
        skill = np.argmax(bits * rng.random((len(rows), len(SKILL_LIST)), dtype=np.float32), 1)
        kind[rows] = skill_kind[skill]
    return kind


def _values(
    rng: np.random.Generator,
    params: SyntheticParameters,
    kind: IntArray,
    pairs: Pairs,
    period: int,
) -> tuple[FloatArray, FloatArray]:
    """Hours (by kind, lognormal) and the families' dollar estimates, scaled so that two years
    in the program come to ``dollars_per_family``."""
    median = np.array([HELP_HOURS.get(k, 1.0) for k in KINDS])[kind]
    hours = np.round(median * rng.lognormal(0, 0.6, len(kind)) * 2) / 2
    lending = kind == KINDS.index("lending_money")
    housing = kind == KINDS.index("housing")
    raw = hours * 20 * rng.lognormal(0, 0.4, len(kind))
    raw[lending] = rng.lognormal(np.log(200), 0.8, int(lending.sum()))
    raw[housing] = hours[housing] / 24 * 40
    hours = np.where(lending | (rng.random(len(kind)) < 0.1), np.nan, np.clip(hours, 0.5, 1000))
    family_years = float((period - pairs.join_day).sum()) / 730.0
    total = float(raw.sum())
    scale = params.dollars_per_family * family_years / total if total > 0 else 1.0
    amount = np.clip(np.round(raw * scale), 1, 100_000)
    amount[rng.random(len(kind)) < 0.1] = np.nan
    return hours, amount


def normalised(weights: Sequence[float]) -> FloatArray:
    array = np.asarray(weights, dtype=np.float64)
    normalised: FloatArray = array / array.sum()
    return normalised
