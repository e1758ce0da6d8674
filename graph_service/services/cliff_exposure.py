"""Cliff exposure of many families at once, in the background, recomputing only changes.

For every family with household facts and reported earnings ``e``, the model computes net
income at ``e``, ``e + 1,000``, ``e + 2,500`` and ``e + 5,000`` (:data:`STEPS`): four points
per family, many families per vectorised simulation (``GS_CLIFF_BATCH_SIZE``). A family's
result is kept with its fingerprint (the family data version the model sees,
:func:`graph_service.services.cliff.fingerprint`); a later run recomputes only families
whose fingerprint changed, and drops families that are gone.

A run is started by a read that finds the results older than the store's data version; it
runs in a worker thread with progress (``done`` of ``total`` families to compute) and the
read answers with the last complete results and their ``asOf``. One engine per store and
reform (``None``: today's law).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from graph_service.analytics.cliff import Exposure, exposure
from graph_service.services.cliff import fingerprint, income_source, model_household
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore
from graph_service.taxben import policyengine
from graph_service.taxben.policyengine import ModelHousehold
from models import Family, ValidationFailed

log = logging.getLogger("graph_service.cliff")

STEPS: tuple[float, ...] = (1_000.0, 2_500.0, 5_000.0)
HOUSEHOLD_TYPES = (
    "one_adult_no_children",
    "one_adult_children",
    "adults_no_children",
    "adults_children",
)
INCOME_BANDS = ("under_20k", "20k_30k", "30k_40k", "40k_60k", "60k_plus")
_BAND_EDGES = (20_000.0, 30_000.0, 40_000.0, 60_000.0)


def household_type(home: ModelHousehold) -> str:
    one = len(home.adult_ages) == 1
    children = bool(home.child_ages)
    return HOUSEHOLD_TYPES[(0 if one else 2) + (1 if children else 0)]


def income_band(earnings: float) -> str:
    """The earnings band (fixed categories) of annual earnings."""
    return INCOME_BANDS[int(np.searchsorted(_BAND_EDGES, earnings, side="right"))]


@dataclass(frozen=True)
class FamilyExposure:
    """One family's modelled result: what it keeps of each step, and its categories."""

    family_id: str
    region: str
    research: bool
    household_type: str
    income_band: str
    net_now: float
    keeps: tuple[float, ...]  # per step of STEPS
    fingerprint: str

    def exposures(self) -> tuple[Exposure, ...]:
        return tuple(exposure(k, s) for k, s in zip(self.keeps, STEPS, strict=True))


@dataclass
class Progress:
    running: bool = False
    done: int = 0
    total: int = 0
    data_version: int = -1  # of the last complete run
    computed_at: datetime | None = None
    seconds: float = 0.0
    simulations: int = 0
    error: str | None = None


@dataclass
class _Input:
    family: Family
    home: ModelHousehold
    earnings: float
    key: str


@dataclass
class ExposureEngine:
    store: GraphStore
    settings: Settings
    reform: Mapping[str, Any] | None = None
    results: dict[str, FamilyExposure] = field(default_factory=dict)
    progress: Progress = field(default_factory=Progress)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    @property
    def reform_key(self) -> str | None:
        return json.dumps(self.reform, sort_keys=True) if self.reform else None

    def snapshot(self) -> tuple[dict[str, FamilyExposure], Progress]:
        with self._lock:
            return dict(self.results), Progress(**vars(self.progress))

    def ensure_fresh(self, wait_s: float = 0.0) -> None:
        """Start a run if the results are older than the store; wait up to ``wait_s``."""
        version = self.store.data_version()
        with self._lock:
            if self.progress.data_version != version and not self.progress.running:
                self.progress.running = True
                self.progress.error = None
                self._thread = threading.Thread(
                    target=self._run, args=(version,), name="cliff-exposure", daemon=True
                )
                self._thread.start()
            thread = self._thread
        if thread is not None and wait_s > 0:
            thread.join(wait_s)

    def run_now(self) -> None:
        """Compute in this thread (the command line, the benchmark, tests)."""
        version = self.store.data_version()
        with self._lock:
            self.progress.running = True
        self._run(version)

    def _inputs(self) -> tuple[list[_Input], set[str], dict[str, Family]]:
        regions = {r.id: r for r in self.store.list_regions()}
        source = income_source(self.store)
        year = self.settings.cliff_policy_year
        todo: list[_Input] = []
        present: dict[str, Family] = {}
        keep: set[str] = set()
        for record in self.store.scan("families"):
            family = record if isinstance(record, Family) else None
            if family is None:
                continue
            try:
                home = model_household(family, regions)
            except ValidationFailed:
                continue
            earned = source(self.store, family.id)
            if earned is None or not 0 <= earned <= 1_000_000:
                continue
            present[family.id] = family
            points = [earned, *(earned + s for s in STEPS)]
            key = fingerprint(home, points, year, self.reform_key)
            known = self.results.get(family.id)
            if known is not None and known.fingerprint == key:
                keep.add(family.id)
            else:
                todo.append(_Input(family, home, float(earned), key))
        return todo, keep, present

    def _run(self, version: int) -> None:
        start = time.perf_counter()
        try:
            todo, keep, present = self._inputs()
            with self._lock:
                self.progress.done, self.progress.total = 0, len(todo)
            computed = compute(
                todo,
                self.settings.cliff_policy_year,
                self.settings.cliff_batch_size,
                self.reform,
                self._advance,
            )
            with self._lock:
                # consent and region may change without changing the model's inputs
                fresh = {
                    fid: _relabel(r, present[fid]) for fid, r in self.results.items() if fid in keep
                }
                fresh.update(computed)
                self.results = fresh
                self.progress.data_version = version
                self.progress.computed_at = datetime.now(UTC)
                self.progress.seconds = time.perf_counter() - start
        except Exception as error:  # a failed run is reported, never raised into a request
            log.exception("cliff exposure run failed")
            with self._lock:
                self.progress.error = type(error).__name__
        finally:
            with self._lock:
                self.progress.running = False

    def _advance(self, done: int) -> None:
        with self._lock:
            self.progress.done += done
            self.progress.simulations += 1


def _relabel(result: FamilyExposure, family: Family) -> FamilyExposure:
    if result.region == family.region_id and result.research == family.consent.research:
        return result
    return FamilyExposure(
        result.family_id,
        family.region_id,
        family.consent.research,
        result.household_type,
        result.income_band,
        result.net_now,
        result.keeps,
        result.fingerprint,
    )


def compute(
    todo: Sequence[_Input],
    year: int,
    batch_size: int,
    reform: Mapping[str, Any] | None = None,
    advance: Any = None,
) -> dict[str, FamilyExposure]:
    """Exposure of every input, ``batch_size`` families (4 points each) per simulation."""
    out: dict[str, FamilyExposure] = {}
    width = 1 + len(STEPS)
    for lo in range(0, len(todo), batch_size):
        chunk = todo[lo : lo + batch_size]
        homes = [item.home for item in chunk for _ in range(width)]
        earnings = [item.earnings + s for item in chunk for s in (0.0, *STEPS)]
        net = policyengine.simulate(homes, earnings, year, reform).net.reshape(len(chunk), width)
        for item, row in zip(chunk, net, strict=True):
            out[item.family.id] = FamilyExposure(
                family_id=item.family.id,
                region=item.family.region_id,
                research=item.family.consent.research,
                household_type=household_type(item.home),
                income_band=income_band(item.earnings),
                net_now=round(float(row[0]), 2),
                keeps=tuple(round(float(row[j] - row[0]), 2) for j in range(1, width)),
                fingerprint=item.key,
            )
        if advance is not None:
            advance(len(chunk))
    return out


_engines: dict[tuple[int, str | None], ExposureEngine] = {}
_engines_lock = threading.Lock()


def engine_for(
    store: GraphStore, settings: Settings, reform: Mapping[str, Any] | None = None
) -> ExposureEngine:
    """The one engine of ``store`` for ``reform`` in this process."""
    key = (id(store), json.dumps(reform, sort_keys=True) if reform else None)
    with _engines_lock:
        found = _engines.get(key)
        if found is None or found.store is not store:
            found = ExposureEngine(store, settings, dict(reform) if reform else None)
            _engines[key] = found
        return found
