"""Growing the network: the branching process of cohorts and referrals, people and goals."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from loaders.synthetic.exchanges import Pairs, help_columns, normalised
from loaders.synthetic.network import GOALS, SKILL_LIST, Columns, SyntheticNetwork
from loaders.synthetic.parameters import (
    GOAL_DESCRIPTIONS,
    GOAL_WEIGHTS,
    SKILL_WEIGHTS,
    BoolArray,
    FloatArray,
    IntArray,
    SyntheticParameters,
)
from models import (
    Goal,
    Region,
)
from models.vocabulary import GOAL_CATEGORIES


# ---------------------------------------------------------------------------- generation
def generate(
    families: int, seed: int, parameters: SyntheticParameters | None = None
) -> SyntheticNetwork:
    """A synthetic network of ``families`` families; the same seed gives the same network."""
    if families < 1:
        raise ValueError("families must be at least 1")
    params = parameters or SyntheticParameters()
    rng = np.random.default_rng(seed)
    end = params.end_date()
    start = end - timedelta(days=round(params.months * 30.4375))
    period = (end - start).days
    growth = _grow(rng, params, families, period)
    base = growth.columns()
    people = _people(rng, params, base, period)
    goal_matrix, pursuits = _pursuit_columns(rng, params, base, period)
    cohorts = _cohort_columns(rng, params, growth, base, goal_matrix)
    goal_mask = (goal_matrix * (1 << np.arange(len(GOALS), dtype=np.int64))).sum(axis=1)
    pairs = Pairs(growth.members, base["family_region"], base["join_day"], people, goal_mask)
    helps = help_columns(rng, params, pairs, pursuits, period)
    columns = Columns(start=start, days=period, **base, **people, **cohorts, **pursuits, **helps)
    regions = [
        Region(id=r.id, name=r.name, state=r.state, latitude=r.latitude, longitude=r.longitude)
        for r in params.regions
    ]
    goals = [Goal(id=g, label=label) for g, label in GOAL_CATEGORIES.items()]
    return SyntheticNetwork(seed, params, regions, goals, columns)


@dataclass
class _Growth:
    """The outcome of the branching process, built up in plain lists."""

    region: list[int] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    day: list[float] = field(default_factory=list)
    cohort_region: list[int] = field(default_factory=list)
    cohort_day: list[float] = field(default_factory=list)
    members: list[list[int]] = field(default_factory=list)

    def add(self, region: int, parent: int, day: float) -> int:
        self.region.append(region)
        self.parent.append(parent)
        self.day.append(day)
        return len(self.parent) - 1

    def columns(self) -> dict[str, Any]:
        parent = np.array(self.parent, dtype=np.int64)
        return {
            "family_region": np.array(self.region, dtype=np.int64),
            "parent": parent,
            "join_day": np.array(self.day, dtype=np.float64).astype(np.int64),
            "cohort_region": np.array(self.cohort_region, dtype=np.int64),
            "cohort_day": np.array(self.cohort_day, dtype=np.float64).astype(np.int64),
            "referred": np.flatnonzero(parent >= 0),
        }


def _grow(
    rng: np.random.Generator, params: SyntheticParameters, families: int, period: int
) -> _Growth:
    population = np.array([r.population for r in params.regions])
    targets = rng.multinomial(families, population / population.sum())
    growth = _Growth()
    for region, target in enumerate(targets):
        _grow_region(rng, params, growth, region, int(target), period)
    return growth


def _grow_region(
    rng: np.random.Generator,
    params: SyntheticParameters,
    growth: _Growth,
    region: int,
    target: int,
    period: int,
) -> None:
    first = len(growth.parent)
    smallest = min(params.cohort_sizes)
    reproduction = params.regions[region].reproduction

    def room() -> int:
        return target - (len(growth.parent) - first)

    def ripple_chance(day: float) -> float:
        trend = 1 + params.ripple_decline * (0.5 - day / period)
        return params.ripple_probability * reproduction * trend

    while room() >= smallest:
        seed_day = rng.uniform(0, period * params.seed_window)
        founders = deque([growth.add(region, -1, seed_day)])
        while founders and room() + 1 >= smallest:
            founder = founders.popleft()
            members, spare = _fill_cohort(rng, params, growth, region, founder, room() + 1, period)
            for member in members:
                for _ in range(spare[member]):
                    day = growth.day[member] + rng.exponential(params.ripple_days)
                    if day <= period and room() > smallest and rng.random() < ripple_chance(day):
                        founders.append(growth.add(region, member, day))
    while room() > 0:  # too few left for a cohort: they join on their own
        growth.add(region, -1, rng.uniform(0, period))


def _fill_cohort(
    rng: np.random.Generator,
    params: SyntheticParameters,
    growth: _Growth,
    region: int,
    founder: int,
    room: int,
    period: int,
) -> tuple[list[int], dict[int, int]]:
    """A cohort around ``founder``: members invite friends until it has its size. Returns the
    members and each member's invitations left."""
    size = int(rng.choice(params.cohort_sizes, p=normalised(params.cohort_size_weights)))
    size = min(size, room)
    members = [founder]
    left = {founder: params.invitations_per_member}
    while len(members) < size:
        inviters = [m for m in members if left[m] > 0]
        inviter = inviters[int(rng.integers(len(inviters)))]
        left[inviter] -= 1
        day = min(float(period), growth.day[inviter] + rng.exponential(params.invite_days))
        new = growth.add(region, inviter, day)
        left[new] = params.invitations_per_member
        members.append(new)
    growth.cohort_region.append(region)
    growth.cohort_day.append(growth.day[founder])
    growth.members.append(members)
    return members, left


def _inherit(rng: np.random.Generator, parent: IntArray, probability: float) -> IntArray:
    """For each family, the ancestor whose own draw it carries: an invitee copies its inviter
    with ``probability`` (chains resolved by pointer jumping)."""
    n = len(parent)
    copies = (parent >= 0) & (rng.random(n) < probability)
    source: IntArray = np.where(copies, parent, np.arange(n))
    while True:
        jumped = source[source]
        if np.array_equal(jumped, source):
            return source
        source = jumped


def _ranks(
    rng: np.random.Generator, weights: FloatArray, n: int, forced: IntArray | None
) -> IntArray:
    """(n, k) rank of each item in a weighted random order without replacement (Gumbel
    top-k); ``forced[i]`` comes first if given."""
    scores = np.log(weights)[None, :] + rng.gumbel(size=(n, len(weights)))
    if forced is not None:
        scores[np.arange(n), forced] = np.inf
    ranks: IntArray = np.argsort(np.argsort(-scores, axis=1), axis=1)
    return ranks


def _people(
    rng: np.random.Generator, params: SyntheticParameters, base: dict[str, Any], period: int
) -> dict[str, Any]:
    parent: IntArray = base["parent"]
    n = len(parent)
    tenure = (period - base["join_day"]) / period  # share of the period in the program
    household = rng.choice(np.arange(1, 11), size=n, p=normalised(params.household_weights))
    primary_draw = _primary_languages(rng, params, base["family_region"])
    primary = primary_draw[_inherit(rng, parent, params.language_copy)]
    also_english = rng.random(n) < 0.55
    languages = [
        tuple(sorted({str(p), "en"})) if e else (str(p),)
        for p, e in zip(primary, also_english, strict=True)
    ]
    baseline_draw = rng.choice(np.arange(1, 6), size=n, p=normalised(params.income_weights))
    baseline = baseline_draw[_inherit(rng, parent, params.income_copy)]
    move = rng.random(n)
    up_two = move < params.income_up_two * tenure
    up_one = ~up_two & (move < (params.income_up_two + params.income_up) * tenure)
    down = ~up_two & ~up_one & (move > 1 - params.income_down)
    band = np.clip(baseline + up_one + 2 * up_two - down, 1, 5)
    skill_weights = normalised([SKILL_WEIGHTS.get(s, 0.05) for s in SKILL_LIST])
    ranks = _ranks(rng, skill_weights, n, None)
    strength_count = rng.integers(1, 4, size=n)[:, None]
    need_count = rng.integers(1, 3, size=n)[:, None]
    bits = 1 << np.arange(len(SKILL_LIST), dtype=np.int64)
    strengths = ((ranks < strength_count) * bits).sum(axis=1)
    needs = (((ranks >= strength_count) & (ranks < strength_count + need_count)) * bits).sum(1)
    matching = rng.random(n) < params.consent_matching
    consent = np.column_stack([
        matching,
        matching & (rng.random(n) < params.consent_cross_region),
        rng.random(n) < params.consent_research,
    ])  # fmt: skip
    return {
        "household": household.astype(np.int64),
        "languages": languages,
        "primary_language": [str(p) for p in primary],
        "baseline_band": baseline.astype(np.int64),
        "income_band": band.astype(np.int64),
        "strengths": strengths,
        "needs": needs,
        "consent": consent,
        "surname": rng.integers(0, 1 << 16, size=n),
    }


def _primary_languages(
    rng: np.random.Generator, params: SyntheticParameters, region: IntArray
) -> npt.NDArray[np.str_]:
    out = np.full(len(region), "en", dtype="<U3")
    draw = rng.random(len(region))
    for index, spec in enumerate(params.regions):
        here = region == index
        floor = 0.0
        for code, share in spec.languages:
            out[here & (draw >= floor) & (draw < floor + share)] = code
            floor += share
    return out


def _pursuit_columns(
    rng: np.random.Generator, params: SyntheticParameters, base: dict[str, Any], period: int
) -> tuple[BoolArray, dict[str, Any]]:
    """Goals per family (the primary one copied from the inviter with ``goal_copy``)."""
    parent: IntArray = base["parent"]
    n = len(parent)
    weights = normalised([GOAL_WEIGHTS.get(g, 0.05) for g in GOALS])
    primary_draw = rng.choice(len(GOALS), size=n, p=weights)
    primary = primary_draw[_inherit(rng, parent, params.goal_copy)]
    counts = rng.choice(np.arange(1, 4), size=n, p=normalised(params.goal_count_weights))
    chosen: BoolArray = _ranks(rng, weights, n, primary) < counts[:, None]
    family, goal = np.nonzero(chosen)
    since = np.minimum(period, base["join_day"][family] + rng.exponential(10, len(family)))
    since = since.astype(np.int64)
    tenure = (period - since) / period
    draw = rng.random(len(family))
    achieved = draw < params.achieved * tenure
    abandoned = ~achieved & (draw > 1 - params.abandoned)
    status = np.where(achieved, 1, np.where(abandoned, 2, 0)).astype(np.int64)
    achieved_day = since + (rng.uniform(0.2, 1.0, len(family)) * (period - since)).astype(int)
    described = rng.random(len(family)) < params.description_share
    template = rng.integers(0, 1 << 16, size=len(family))
    amount = rng.choice([500, 1000, 2000, 5000], size=len(family))
    descriptions = [
        _description(GOALS[g], int(t), int(a)) if d else ""
        for g, t, a, d in zip(goal, template, amount, described, strict=True)
    ]
    return chosen, {
        "pursuit_family": family.astype(np.int64),
        "pursuit_goal": goal.astype(np.int64),
        "pursuit_day": since,
        "pursuit_status": status,
        "pursuit_achieved_day": achieved_day.astype(np.int64),
        "pursuit_description": descriptions,
    }


def _description(goal: str, template: int, amount: int) -> str:
    options = GOAL_DESCRIPTIONS.get(goal, ("",))
    return options[template % len(options)].replace("{n}", f"{amount:,}")


def _cohort_columns(
    rng: np.random.Generator,
    params: SyntheticParameters,
    growth: _Growth,
    base: dict[str, Any],
    goal_matrix: BoolArray,
) -> dict[str, Any]:
    sizes = [len(m) for m in growth.members]
    member_family = np.array([f for m in growth.members for f in m], dtype=np.int64)
    member_cohort = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    goal_counts = np.zeros((len(sizes), len(GOALS)), dtype=np.int64)
    np.add.at(goal_counts, member_cohort, goal_matrix[member_family])
    return {
        "member_family": member_family,
        "member_cohort": member_cohort,
        "member_day": base["join_day"][member_family],
        "member_left": rng.random(len(member_family)) < params.left_share,
        "member_invited_by": _inviting_mates(base["parent"], member_family, member_cohort),
        "cohort_focus": [_focus(row) for row in goal_counts],
    }


def _inviting_mates(parent: IntArray, family: IntArray, cohort: IntArray) -> IntArray:
    """Each member's inviter if that inviter is in the same cohort, else -1."""
    cohort_of = np.full(len(parent), -1, dtype=np.int64)
    cohort_of[family] = cohort
    inviter = parent[family]
    same = (inviter >= 0) & (cohort_of[np.maximum(inviter, 0)] == cohort)
    mates: IntArray = np.where(same, inviter, -1)
    return mates


def _focus(goal_counts: IntArray) -> tuple[str, ...]:
    """The cohort's focus: its most common goal, and the second if two members share it."""
    order = np.argsort(-goal_counts, kind="stable")[:2]
    picked = [order[0]] + [g for g in order[1:] if goal_counts[g] >= 2]
    return tuple(sorted(GOALS[int(g)] for g in picked))
