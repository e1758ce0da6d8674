"""Local search (method step 4): moves and swaps of units with incremental ``F`` deltas."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from graph_service.analytics.cohort_formation.language import LanguageFit, deficit_price
from graph_service.analytics.cohort_formation.model import (
    EPSILON,
    FULL_SEARCH_COHORTS,
    MAX_PASSES,
    MIN_PASS_GAIN,
)
from graph_service.analytics.cohort_formation.pool import Pool


def _coverage(strong: int, needing: int, both: int) -> int:
    """Members needing a skill who have a cohort-mate with it, from per-cohort counts."""
    if strong >= 2:
        return needing
    return needing - both if strong == 1 else 0


class Search:
    """Local search over moves and swaps of units with incremental ``F`` deltas (step 4)."""

    def __init__(
        self,
        pool: Pool,
        units: list[list[int]],
        cohorts: list[list[int]],
        top: list[list[int]],
        bounds: tuple[int, int],
        language_share: float = 0.0,
    ):
        self.pool, self.units, self.top = pool, units, top
        self.min_size, self.max_size = bounds
        unit_of = {m: u for u, members in enumerate(units) for m in members}
        self.unit_of = [unit_of[i] for i in range(len(pool.ids))]
        self.members = [list(c) for c in cohorts]
        self.units_in = [sorted({self.unit_of[m] for m in c}) for c in cohorts]
        self.cohort_of = [0] * len(units)
        for c, unit_ids in enumerate(self.units_in):
            for u in unit_ids:
                self.cohort_of[u] = c
        skills = len(pool.skill_names)
        self.strong = [[0] * skills for _ in cohorts]
        self.needing = [[0] * skills for _ in cohorts]
        self.both = [[0] * skills for _ in cohorts]
        for c, members in enumerate(self.members):
            self._count(c, members, 1)
        self.version = [0] * len(cohorts)
        self.affinity_cache: dict[int, tuple[int, float]] = {}
        self.effect = [self._skill_effect(unit) for unit in units]
        self.single = [unit[0] if len(unit) == 1 else -1 for unit in units]
        self.need_list = [sorted(pool.needs[unit[0]]) if len(unit) == 1 else None for unit in units]
        self.need_count = [sum(len(pool.needs[m]) for m in unit) for unit in units]
        self.strength_list = [
            [s for m in unit for s in sorted(pool.strengths[m])] for unit in units
        ]
        self.checked_at = [-1] * len(units)
        self.clock = 0
        self.improvements = 0
        self.visits = 0
        self.pass_gains: list[float] = []
        self.pass_visits: list[int] = []
        self.search_all = len(cohorts) <= FULL_SEARCH_COHORTS
        # The language rule (language.py): off when the share is 0 or every two families of
        # the pool share a language (then no cohort can miss a language-mate).
        masks = pool.language_mask
        common = 0
        if masks:
            common = masks[0]
            for mask in masks:
                common &= mask
        self.language = (
            LanguageFit(masks, self.members, language_share)
            if language_share > 0 and not common
            else None
        )
        self.price = deficit_price(pool.weights)

    def _count(self, c: int, members: Iterable[int], sign: int) -> None:
        for m in members:
            strengths, needs = self.pool.strengths[m], self.pool.needs[m]
            for s in strengths:
                self.strong[c][s] += sign
            for s in needs:
                self.needing[c][s] += sign
                if s in strengths:
                    self.both[c][s] += sign

    def affinity(self, u: int, c: int) -> float:
        """``s(u, C)``: affinity of unit ``u`` to the members of ``c`` outside ``u``."""
        x = self.single[u]
        if x >= 0:
            return self.pool.affinity_to(x, self.members[c])
        others = [y for y in self.members[c] if self.unit_of[y] != u]
        return sum(self.pool.affinity_to(x, others) for x in self.units[u])

    def _skill_effect(self, members: Iterable[int]) -> dict[int, tuple[int, int, int]]:
        """Per skill: how many of ``members`` have it as strength, need, and both."""
        effect: dict[int, tuple[int, int, int]] = {}
        for m in members:
            strengths, needs = self.pool.strengths[m], self.pool.needs[m]
            for s in strengths | needs:
                has, wants = int(s in strengths), int(s in needs)
                strong, needing, both = effect.get(s, (0, 0, 0))
                effect[s] = (strong + has, needing + wants, both + (has & wants))
        return effect

    def coverage_change(self, c: int, leaving: int | None, joining: int | None) -> int:
        """Change of ``cov(c)`` when unit ``leaving`` leaves and ``joining`` joins ``c``."""
        change: dict[int, list[int]] = {}
        if leaving is not None:
            for s, (strong, needing, both) in self.effect[leaving].items():
                change[s] = [-strong, -needing, -both]
        if joining is not None:
            for s, (strong, needing, both) in self.effect[joining].items():
                row = change.setdefault(s, [0, 0, 0])
                row[0] += strong
                row[1] += needing
                row[2] += both
        counts_s, counts_n, counts_b = self.strong[c], self.needing[c], self.both[c]
        total = 0
        for s, (d_strong, d_needing, d_both) in change.items():
            strong, needing, both = counts_s[s], counts_n[s], counts_b[s]
            total += _coverage(strong + d_strong, needing + d_needing, both + d_both)
            total -= _coverage(strong, needing, both)
        return total

    def cached_affinity(self, u: int, c: int) -> float:
        """``s(u, c)``, remembered until cohort ``c`` changes."""
        key = u * len(self.members) + c
        cached = self.affinity_cache.get(key)
        if cached is None or cached[0] != self.version[c]:
            cached = (self.version[c], self.affinity(u, c))
            self.affinity_cache[key] = cached
        return cached[1]

    def candidates(self, u: int) -> list[int]:
        own = self.cohort_of[u]
        if self.search_all:
            return [c for c in range(len(self.members)) if c != own]
        near: set[int] = set()
        for m in self.units[u]:
            near.update(self.top[m])
            near.update(self.pool.neighbours[m])
        return sorted({self.cohort_of[self.unit_of[j]] for j in near} - {own})

    def settled(self, u: int, candidates: Sequence[int]) -> bool:
        last = self.checked_at[u]
        return self.version[self.cohort_of[u]] <= last and all(
            self.version[c] <= last for c in candidates
        )

    def coverage_bound(self, u: int, c: int) -> int:
        """Upper bound of ``cov(c - x + u) - cov(c)`` for any member ``x`` of ``c`` (coverage
        only grows as members join): the needs of ``u`` that ``c`` could meet, plus the needs
        in ``c`` that a strength of ``u`` newly meets (none of a skill two members have)."""
        strong, needing, both = self.strong[c], self.needing[c], self.both[c]
        own = self.need_list[u]
        gain = self.need_count[u] if own is None else sum(1 for s in own if strong[s])
        for s in self.strength_list[u]:
            held = strong[s]
            gain += needing[s] if held == 0 else (both[s] if held == 1 else 0)
        return gain

    def unit_pair(self, u: int, v: int) -> float:
        """``w(u, v)``: the pair affinities between the members of two units."""
        x, y = self.single[u], self.single[v]
        if x >= 0 and y >= 0:
            return self.pool.pair(x, y)
        return sum(self.pool.pair(x, y) for x in self.units[u] for y in self.units[v])

    def with_coverage(self, pairwise: float, u: int, v: int | None, b: int) -> float:
        """The full delta of a step: ``pairwise`` plus the exact coverage change."""
        a = self.cohort_of[u]
        covered = self.coverage_change(a, u, v) + self.coverage_change(b, v, u)
        return pairwise + self.pool.weights.needs * covered

    def best_step(self, u: int, candidates: Sequence[int]) -> tuple[float, int, int | None]:
        """The best (delta, target cohort, unit swapped back or None) for unit ``u``.

        A step's pairwise delta comes from cached affinities; its coverage change is computed
        only when the pairwise delta plus ``w_n`` times a coverage upper bound can beat the
        best step so far (hot loop: kept flat on purpose)."""
        best: tuple[float, int, int | None] = (EPSILON, -1, None)
        a, size_u, wn = self.cohort_of[u], len(self.units[u]), self.pool.weights.needs
        size_a, low, high = len(self.members[a]), self.min_size, self.max_size
        stay = self.cached_affinity(u, a)
        cache, version, cohorts = self.affinity_cache, self.version, len(self.members)
        price = self.price
        deficits = self.language.deficits if self.language is not None else None
        for b in candidates:
            size_b = len(self.members[b])
            to_b = self.cached_affinity(u, b) - stay
            bound_u = self.coverage_bound(u, b)
            repair = price * (deficits[a] + deficits[b]) if deficits is not None else 0.0
            if (
                size_a - size_u >= low
                and size_b + size_u <= high
                and (to_b + wn * bound_u + repair > best[0])
            ):
                delta = self.with_coverage(to_b, u, None, b)
                if delta + repair > best[0]:
                    delta -= self.language_cost(u, None, b)
                    if delta > best[0]:
                        best = (delta, b, None)
            for v in self.units_in[b]:
                shift = len(self.units[v]) - size_u
                if not (low <= size_a + shift <= high and low <= size_b - shift <= high):
                    continue
                to_a = cache.get(v * cohorts + a)
                if to_a is None or to_a[0] != version[a]:
                    to_a = (version[a], self.cached_affinity(v, a))
                stay_b = cache.get(v * cohorts + b)
                if stay_b is None or stay_b[0] != version[b]:
                    stay_b = (version[b], self.cached_affinity(v, b))
                pairwise = to_b + to_a[1] - stay_b[1] - 2 * self.unit_pair(u, v)
                if pairwise + wn * (bound_u + self.coverage_bound(v, a)) + repair <= best[0]:
                    continue
                delta = self.with_coverage(pairwise, u, v, b)
                if delta + repair > best[0]:
                    delta -= self.language_cost(u, v, b)
                    if delta > best[0]:
                        best = (delta, b, v)
        return best

    def language_cost(self, u: int, v: int | None, b: int) -> float:
        """``P`` times the change of the language deficit when ``u`` moves from its cohort to
        ``b`` (and ``v`` from ``b`` to it); 0 with the rule off."""
        if self.language is None:
            return 0.0
        a = self.cohort_of[u]
        moving, back = self.units[u], self.units[v] if v is not None else []
        change = self.language.change(a, moving, back) + self.language.change(b, back, moving)
        return self.price * change

    def move(self, u: int, b: int) -> None:
        a = self.cohort_of[u]
        self._count(a, self.units[u], -1)
        self._count(b, self.units[u], 1)
        for m in self.units[u]:
            self.members[a].remove(m)
            self.members[b].append(m)
        self.units_in[a].remove(u)
        self.units_in[b].append(u)
        self.cohort_of[u] = b
        if self.language is not None:
            self.language.refresh(a)
            self.language.refresh(b)
        self.clock += 1
        self.version[a] = self.version[b] = self.clock

    def run(self, seed: int) -> int:
        """Improve until no step helps (or ``MAX_PASSES``); returns the passes run."""
        order = np.random.default_rng(seed).permutation(len(self.units)).tolist()
        deficit = sum(self.language.deficits) if self.language is not None else 0
        while len(self.pass_gains) < MAX_PASSES:
            gain = 0.0
            for u in order:
                candidates = self.candidates(u)
                if self.settled(u, candidates):
                    continue
                self.visits += 1
                delta, b, v = self.best_step(u, candidates)
                if b < 0:
                    self.checked_at[u] = self.clock
                    continue
                a = self.cohort_of[u]
                self.move(u, b)
                if v is not None:
                    self.move(v, a)
                self.improvements += 1
                gain += delta
            self.pass_gains.append(gain)
            self.pass_visits.append(self.visits)
            repairing = self.language is not None and sum(self.language.deficits) < deficit
            deficit = sum(self.language.deficits) if self.language is not None else 0
            if gain == 0.0 or (self.converging() and not repairing):
                break
        return len(self.pass_gains)

    def converging(self) -> bool:
        """Large pools stop once a pass gains less than ``MIN_PASS_GAIN`` of all gains."""
        total = sum(self.pass_gains)
        return not self.search_all and self.pass_gains[-1] < MIN_PASS_GAIN * total

    def language_deficit(self) -> int:
        """Missing language-mates over all cohorts (0 when the rule holds or is off)."""
        return sum(self.language.deficits) if self.language is not None else 0

    def objective(self) -> float:
        pair, wn = self.pool.pair, self.pool.weights.needs
        total = 0.0
        for c, members in enumerate(self.members):
            total += sum(pair(x, y) for i, x in enumerate(members) for y in members[i + 1 :])
            total += wn * sum(
                _coverage(s, n, b)
                for s, n, b in zip(self.strong[c], self.needing[c], self.both[c], strict=True)
            )
        return total
