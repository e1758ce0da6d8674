"""The benefit-cliff lens: what a raise is really worth to a family (facts, never advice).

- :func:`what_i_would_keep` (the family itself, admins): net income after taxes and
  benefits as the family's earnings rise from today's to +50%, the marginal effective tax
  rate along the way, the cliffs and the programs causing each.
- :mod:`graph_service.services.cliff_exposure`: the same model for many families at once
  (organizer counts, researcher aggregates, reforms), in the background.

Inputs: the household facts (:mod:`models.household`, private), the state of the family's
region (``Region.state``) and the family's annual earned income from the journal
(:data:`IncomeSource`; a caller may also give an earnings figure to look at). The model is
PolicyEngine-US (:mod:`graph_service.taxben.policyengine`) for the policy year
``GS_CLIFF_POLICY_YEAR``.

Results are cached per family *data version*: the fingerprint of everything the model is
told (household, state, earnings grid, year, model version); a family whose inputs did not
change is never recomputed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from graph_service.analytics.cliff import Cliff, find_cliffs, marginal_rates
from graph_service.auth import Principal
from graph_service.services.access import Action
from graph_service.services.common import authorized_family
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore
from graph_service.taxben import policyengine
from graph_service.taxben.policyengine import ModelHousehold
from models import Family, FieldProblem, Region, ValidationFailed

# The family view's grid: today's earnings to +50%, in steps of 1%.
GRID_POINTS = 51
GRID_RISE = 0.5
# With no earnings today, the grid runs from 0 to this many dollars.
GRID_FROM_ZERO = 10_000.0
MAX_EARNINGS = 1_000_000.0

IncomeSource = Callable[[GraphStore, str], float | None]
"""A family's annual earned income in dollars as reported (None: not reported yet)."""


def journal_income(store: GraphStore, family_id: str) -> float | None:
    """Annual earned income in dollars from the family's journal (the latest 12 months of
    monthly reports, scaled to a year: ``services/journal.py: reported_income``)."""
    from graph_service.services.journal import reported_income

    reported = reported_income(store, family_id)
    return None if reported is None else reported.earned_cents / 100


_sources: dict[int, IncomeSource] = {}


def income_source(store: GraphStore) -> IncomeSource:
    """The income source for ``store`` (the journal unless one was set for it)."""
    return _sources.get(id(store), journal_income)


def set_income_source(store: GraphStore, source: IncomeSource | None) -> None:
    """Use ``source`` for ``store`` (tests, imports of income from elsewhere); None resets."""
    if source is None:
        _sources.pop(id(store), None)
    else:
        _sources[id(store)] = source


@dataclass(frozen=True)
class Point:
    earnings: float
    net_income: float
    marginal_rate: float | None  # to the next point; None at the last one
    programs: dict[str, float]


@dataclass(frozen=True)
class KeepView:
    """What the family would keep as its earnings rise (facts for the family, no advice)."""

    family_id: str
    state: str
    policy_year: int
    model_version: str
    earnings_now: float
    points: list[Point]
    cliffs: list[Cliff]
    fingerprint: str
    computed_at: datetime


def model_household(family: Family, regions: Mapping[str, Region]) -> ModelHousehold:
    """What the model is told about ``family``; a clear error when something is missing.
    The state is the family's region's ``state`` (README: "Regions and their states")."""
    facts = family.household_facts
    problems = []
    if not facts.complete:
        problems.append(
            FieldProblem("householdFacts", "give the adults' ages first (setHouseholdFacts)")
        )
    region = regions.get(family.region_id)
    state = region.state.strip().upper() if region is not None else ""
    if len(state) != 2:
        problems.append(
            FieldProblem("regionId", "the family's region has no US state set (Region.state)")
        )
    if problems:
        raise ValidationFailed(problems)
    return ModelHousehold(
        state=state,
        adult_ages=facts.adult_ages,
        married=facts.married,
        child_ages=facts.children_ages(),
    )


def earnings_grid(earnings_now: float) -> list[float]:
    """Today's earnings to +50% in 1% steps (0 to $10,000 when nothing is earned today)."""
    top = earnings_now * (1 + GRID_RISE) if earnings_now > 0 else GRID_FROM_ZERO
    return [float(x) for x in np.round(np.linspace(earnings_now, top, GRID_POINTS), 2)]


def fingerprint(
    household: ModelHousehold, earnings: list[float], year: int, extra: Any = None
) -> str:
    """The family data version the model sees: a digest of every input it is given."""
    body = json.dumps(
        {
            "household": [
                household.state,
                household.adult_ages,
                household.married,
                household.child_ages,
            ],
            "earnings": earnings,
            "year": year,
            "model": policyengine.model_version(),
            "extra": extra,
        },
        sort_keys=True,
    )
    return hashlib.sha256(body.encode()).hexdigest()[:24]


class ViewCache:
    """Per-process cache of family views by fingerprint (bounded, least recent dropped)."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._views: OrderedDict[str, KeepView] = OrderedDict()
        self._lock = threading.Lock()
        self.computed = 0  # simulations run (tests check the cache spares them)

    def get(self, key: str) -> KeepView | None:
        with self._lock:
            view = self._views.get(key)
            if view is not None:
                self._views.move_to_end(key)
            return view

    def put(self, key: str, view: KeepView) -> None:
        with self._lock:
            self._views[key] = view
            self._views.move_to_end(key)
            while len(self._views) > self._size:
                self._views.popitem(last=False)


VIEWS = ViewCache()


def _earnings_now(store: GraphStore, family_id: str, earnings: float | None) -> float:
    if earnings is None:
        earnings = income_source(store)(store, family_id)
        if earnings is None:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "earnings",
                        "no earned income is reported in the journal yet: report it, or give "
                        "the earnings to look at",
                    )
                ]
            )
    if not 0 <= earnings <= MAX_EARNINGS:
        raise ValidationFailed([FieldProblem("earnings", f"0 to {MAX_EARNINGS:,.0f} dollars")])
    return round(float(earnings), 2)


def what_i_would_keep(
    store: GraphStore,
    settings: Settings,
    principal: Principal,
    family_id: str,
    earnings: float | None = None,
) -> KeepView:
    """The family's net income from today's earnings (the journal's, or ``earnings``) to
    +50%, with marginal rates, cliffs and their causes. The family itself and admins only."""
    family = authorized_family(store, principal, Action.READ_CLIFF, family_id)
    household = model_household(family, {r.id: r for r in store.list_regions()})
    now = _earnings_now(store, family_id, earnings)
    grid = earnings_grid(now)
    year = settings.cliff_policy_year
    key = fingerprint(household, grid, year)
    cached = VIEWS.get(key)
    if cached is not None and cached.family_id == family_id:
        return cached
    curves = policyengine.simulate([household] * len(grid), grid, year)
    VIEWS.computed += 1
    e = np.asarray(grid, dtype=np.float64)
    rates = marginal_rates(e, curves.net)
    points = [
        Point(
            earnings=grid[i],
            net_income=round(float(curves.net[i]), 2),
            marginal_rate=round(float(rates[i]), 4) if i < len(rates) else None,
            programs={k: round(float(v[i]), 2) for k, v in curves.programs.items()},
        )
        for i in range(len(grid))
    ]
    view = KeepView(
        family_id=family_id,
        state=household.state,
        policy_year=year,
        model_version=policyengine.model_version(),
        earnings_now=now,
        points=points,
        cliffs=find_cliffs(e, curves.net, curves.programs),
        fingerprint=key,
        computed_at=datetime.now(UTC),
    )
    VIEWS.put(key, view)
    return view
