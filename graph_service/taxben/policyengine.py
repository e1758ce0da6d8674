"""PolicyEngine-US, vectorised: many households at many earnings in one simulation.

PolicyEngine-US (https://policyengine.org, the ``policyengine-us`` package, open source)
models US federal and state taxes and benefits household by household. It is an optional
dependency (the ``cliff`` extra, installed by ``scripts/setup``); importing it takes tens of
seconds, so it is imported once per process, on first use (:func:`load`).

**How a household is modelled** (``ModelHousehold``): its adults and children with their
ages, in the state of the family's region; the whole earned income is the first adult's
wages (``employment_income``), everyone else earns nothing; with ``married`` the first two
adults are one marital and tax unit filing jointly, otherwise every adult files alone and
the children are the first adult's dependents. Everyone is one household, family and SPM
unit. Nothing else is given: no assets, rent, childcare expenses or disability, so the model
uses its defaults for them (see the README's "What it does not model").

**Vectorised.** A batch of ``n`` points (one household at one earnings figure each) is one
situation with ``n`` households, computed by one simulation: PolicyEngine evaluates every
formula on arrays over all of them, so the cost per point falls with the batch size.

**Programs.** Net income (``household_net_income``: market income plus benefits and
refundable credits, minus taxes and health costs) is split into the signed contribution of
each program in :data:`PROGRAMS` (a benefit positive, a tax negative); what they do not
explain is the ``other`` remainder of :func:`graph_service.analytics.cliff.find_cliffs`.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from graph_service.errors import ModelUnavailable

Array = NDArray[np.float64]
PACKAGE = "policyengine-us"

# (program, label, ((variable, sign), ...)); each variable is summed to the household.
PROGRAMS: tuple[tuple[str, str, tuple[tuple[str, float], ...]], ...] = (
    ("snap", "SNAP (food stamps)", (("snap", 1.0),)),
    ("tanf", "TANF (cash assistance)", (("tanf", 1.0),)),
    ("wic", "WIC", (("wic", 1.0),)),
    (
        "school_meals",
        "Free and reduced-price school meals",
        (("free_school_meals", 1.0), ("reduced_price_school_meals", 1.0)),
    ),
    ("medicaid", "Medicaid", (("medicaid_cost", 1.0),)),
    ("chip", "CHIP", (("chip", 1.0), ("chip_premium", -1.0))),
    (
        "aca",
        "Marketplace premium tax credit",
        (("assigned_aca_ptc", 1.0), ("marketplace_net_premium", -1.0)),
    ),
    ("housing", "Housing assistance", (("housing_assistance", 1.0),)),
    (
        "state_benefits",
        "State benefits (childcare subsidies and others)",
        (("household_state_benefits", 1.0),),
    ),
    ("eitc", "Federal EITC", (("eitc", 1.0),)),
    ("ctc", "Federal child tax credit (refundable part)", (("refundable_ctc", 1.0),)),
    (
        "state_credits",
        "State refundable credits (state EITC and others)",
        (("household_refundable_tax_credits", 1.0), ("income_tax_refundable_credits", -1.0)),
    ),
    (
        "federal_income_tax",
        "Federal income tax (before refundable credits)",
        (("income_tax_before_refundable_credits", -1.0),),
    ),
    (
        "state_income_tax",
        "State income tax (before refundable credits)",
        (("household_state_tax_before_refundable_credits", -1.0),),
    ),
    ("payroll_tax", "Payroll taxes", (("employee_payroll_tax", -1.0),)),
)
PROGRAM_LABELS: dict[str, str] = {name: label for name, label, _ in PROGRAMS}
PROGRAM_LABELS["other"] = "Other taxes and benefits"


@dataclass(frozen=True)
class ModelHousehold:
    """What the model is told about one household (see the module doc)."""

    state: str
    adult_ages: tuple[int, ...]
    married: bool = False
    child_ages: tuple[int, ...] = ()


@dataclass
class Curves:
    """Net income and each program's signed contribution at every point of a batch."""

    net: Array
    programs: dict[str, Array] = field(default_factory=dict)

    def take(self, index: NDArray[np.int64]) -> Curves:
        return Curves(self.net[index], {k: v[index] for k, v in self.programs.items()})


_lock = threading.Lock()
_simulation_class: Any = None
_reform_class: Any = None
_load_seconds: float | None = None


def installed() -> bool:
    try:
        importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def model_version() -> str:
    """The installed ``policyengine-us`` version ("not installed" without it)."""
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def load() -> float:
    """Import PolicyEngine-US once per process; the seconds the import took."""
    global _simulation_class, _reform_class, _load_seconds
    with _lock:
        if _load_seconds is None:
            if not installed():
                raise ModelUnavailable(
                    "the tax-benefit model (policyengine-us) is not installed: run scripts/setup"
                )
            start = time.perf_counter()
            from policyengine_core.reforms import Reform
            from policyengine_us import Simulation

            _simulation_class, _reform_class = Simulation, Reform
            _load_seconds = time.perf_counter() - start
        return _load_seconds


def start_model_preload() -> None:
    """Import the model in a background thread (``GS_CLIFF_PRELOAD``): the first family view
    then does not wait for the import. Does nothing when it is not installed."""
    if not installed() or loaded():
        return

    def run() -> None:
        try:
            load()
        except Exception:  # reported on first use; a failed preload must not stop the app
            logging.getLogger("graph_service").exception("could not preload policyengine-us")

    threading.Thread(target=run, name="cliff-model-load", daemon=True).start()


def loaded() -> bool:
    return _load_seconds is not None


_systems: dict[str, Any] = {}


def _reformed_system(reform: Mapping[str, Any]) -> Any:
    """The tax-benefit system under ``reform``, built once per reform and process (building
    one re-reads every parameter: as slow as the import) and shared by its simulations."""
    key = json.dumps(reform, sort_keys=True)
    with _lock:
        system = _systems.get(key)
        if system is None:
            built = _reform_class.from_dict(dict(reform), country_id="us")
            system = _simulation_class.default_tax_benefit_system(reform=built)
            if len(_systems) >= 8:  # a few reforms at a time; the oldest is rebuilt if needed
                _systems.pop(next(iter(_systems)))
            _systems[key] = system
        return system


def situation(
    households: Sequence[ModelHousehold], earnings: Sequence[float], year: int
) -> dict[str, Any]:
    """One PolicyEngine situation holding household ``i`` at ``earnings[i]``."""
    if len(households) != len(earnings):
        raise ValueError("one earnings figure per household")
    y = str(year)
    people: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {
        k: {} for k in ("families", "marital_units", "tax_units", "spm_units", "households")
    }
    for i, (home, wage) in enumerate(zip(households, earnings, strict=True)):
        adults = [f"h{i}a{j}" for j in range(len(home.adult_ages))]
        children = [f"h{i}c{j}" for j in range(len(home.child_ages))]
        for j, (name, age) in enumerate(zip(adults, home.adult_ages, strict=True)):
            people[name] = {
                "age": {y: age},
                "employment_income": {y: float(wage) if j == 0 else 0.0},
            }
        for name, age in zip(children, home.child_ages, strict=True):
            people[name] = {"age": {y: age}, "employment_income": {y: 0.0}}
        everyone = [*adults, *children]
        joint = 2 if home.married else 1
        groups["marital_units"][f"h{i}m"] = {"members": adults[:joint]}
        groups["tax_units"][f"h{i}t"] = {"members": [*adults[:joint], *children]}
        for j, name in enumerate(adults[joint:]):
            groups["marital_units"][f"h{i}m{j}"] = {"members": [name]}
            groups["tax_units"][f"h{i}t{j}"] = {"members": [name]}
        groups["families"][f"h{i}f"] = {"members": everyone}
        groups["spm_units"][f"h{i}s"] = {"members": everyone}
        groups["households"][f"h{i}"] = {"members": everyone, "state_name": {y: home.state}}
    return {"people": people, **groups}


def simulate(
    households: Sequence[ModelHousehold],
    earnings: Sequence[float],
    year: int,
    reform: Mapping[str, Any] | None = None,
) -> Curves:
    """Net income and program contributions of household ``i`` at ``earnings[i]``, for all
    ``i`` in one vectorised simulation (``reform``: PolicyEngine's parameter reform format,
    ``{"gov.usda.snap....": {"2025-01-01.2100-12-31": value}}`` or ``{path: value}``)."""
    load()
    if not households:
        return Curves(np.zeros(0), {name: np.zeros(0) for name, _, _ in PROGRAMS})
    kwargs: dict[str, Any] = {"situation": situation(households, earnings, year)}
    if reform:
        kwargs["tax_benefit_system"] = _reformed_system(reform)
    sim = _simulation_class(**kwargs)
    known = sim.tax_benefit_system.variables

    def household(variable: str) -> Array:
        if variable not in known:
            return np.zeros(len(households))
        return np.asarray(sim.calculate(variable, year, map_to="household"), dtype=np.float64)

    net = household("household_net_income")
    programs = {
        name: sum((sign * household(v) for v, sign in parts), np.zeros(len(households)))
        for name, _, parts in PROGRAMS
    }
    return Curves(net, programs)
