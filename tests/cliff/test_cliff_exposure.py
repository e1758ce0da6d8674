"""Cliff exposure of many families on both stores: the vectorised run equals one household
at a time, a rerun recomputes only the family that changed, organizers and researchers get
protected counts only, a reform runs in the background and reports change and cost."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from graph_service.auth import Principal, Role
from graph_service.demo import demo_network, load_network
from graph_service.errors import Forbidden
from graph_service.services import cliff as cliff_service
from graph_service.services import cliff_reports
from graph_service.services.cliff_exposure import STEPS, engine_for
from graph_service.settings import Settings
from graph_service.stores.base import ChangeSet, GraphStore
from graph_service.taxben import policyengine
from graph_service.taxben.policyengine import ModelHousehold
from models import HouseholdFacts

YEAR = 2025
FACTS = {
    "ana": (HouseholdFacts(adult_ages=(35, 35), married=True, child_ages=(10, 7)), 26_000.0),
    "ben": (HouseholdFacts(adult_ages=(29,), child_ages=(3,)), 18_000.0),
    "cruz": (HouseholdFacts(adult_ages=(41, 39), married=True, child_ages=(1, 6, 12)), 35_000.0),
    "gus": (HouseholdFacts(adult_ages=(30,), child_ages=(4, 9)), 22_000.0),
}
STATE = {"ana": "CA", "ben": "CA", "cruz": "CA", "gus": "MA"}
REFORM = {"gov.usda.snap.income.deductions.earned_income": {"2025-01-01.2100-12-31": 0.5}}


@pytest.fixture(scope="module")
def model() -> float:
    return policyengine.load()


@pytest.fixture
def program(
    store: GraphStore, model: float
) -> Iterator[tuple[GraphStore, Settings, dict[str, float]]]:
    load_network(store, demo_network())
    found = store.get_families(list(FACTS))
    updated = [found[f].model_copy(update={"household_facts": FACTS[f][0]}) for f in FACTS]
    store.write(ChangeSet(families=updated))
    earnings = {f: e for f, (_, e) in FACTS.items()}
    cliff_service.set_income_source(store, lambda _s, fid: earnings.get(fid))
    settings = Settings(cliff_policy_year=YEAR, cliff_batch_size=3, privacy_test_seed=7)
    yield store, settings, earnings
    cliff_service.set_income_source(store, None)


@pytest.mark.timeout(3600)
def test_vectorised_equals_one_household_at_a_time_and_reruns_only_changes(
    program: tuple[GraphStore, Settings, dict[str, float]],
) -> None:
    store, settings, earnings = program
    engine = engine_for(store, settings)
    engine.run_now()
    assert set(engine.results) == set(FACTS)
    assert engine.progress.total == 4 and engine.progress.simulations == 2  # batches of 3
    for fid, result in engine.results.items():
        facts, wage = FACTS[fid]
        home = ModelHousehold(STATE[fid], facts.adult_ages, facts.married, facts.children_ages())
        alone = policyengine.simulate([home] * 4, [wage, *(wage + s for s in STEPS)], YEAR).net
        assert result.net_now == pytest.approx(float(alone[0]), abs=0.01)
        assert result.keeps == pytest.approx(
            [float(alone[i] - alone[0]) for i in (1, 2, 3)], abs=0.02
        )
    kept = dict(engine.results)
    earnings["ana"] = 31_800.0
    engine.run_now()
    assert engine.progress.total == 1  # only ana is recomputed
    assert engine.results["ben"] is kept["ben"] and engine.results["ana"] is not kept["ana"]
    engine.run_now()
    assert engine.progress.total == 0


@pytest.mark.timeout(3600)
def test_organizer_and_research_counts_are_protected_and_exact_before_noise(
    program: tuple[GraphStore, Settings, dict[str, float]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings, _ = program
    engine_for(store, settings).run_now()
    olga = Principal(Role.ORGANIZER, "olga", ("oakland",))
    released, progress = cliff_reports.organizer_counts(store, settings, olga, "oakland")
    assert released is not None and progress.computed_at is not None
    (table,) = released.tables
    assert table.name == "cliff_next_raise" and table.noise["count"] > 0
    # three families in oakland: every cell is a small cell, suppressed after the noise
    assert all(c.count in (0, None) for row in table.cells for c in row)
    text = json.dumps([t.row_keys + t.column_keys for t in released.tables])
    assert not any(fid in text for fid in FACTS)
    with pytest.raises(Forbidden):
        cliff_reports.organizer_counts(store, settings, olga, "boston")

    # the exact tables behind the release (they never leave the service)
    captured: dict[str, Any] = {}

    def capture(*args: Any, **kwargs: Any) -> Any:
        captured["tables"] = args[5]()[2]
        return None

    monkeypatch.setattr(cliff_reports, "release", capture)
    cliff_reports.organizer_counts(store, settings, olga, "oakland")
    exact = captured["tables"][0]
    expected = {s: {"less_than_nothing": 0, "less_than_half": 0, "half_or_more": 0} for s in STEPS}
    for fid in ("ana", "ben", "cruz"):
        result = engine_for(store, settings).results[fid]
        for step, category in zip(STEPS, result.exposures(), strict=True):
            expected[step][category] += 1
    for step in STEPS:
        row = exact.row_keys.index(str(int(step)))
        got = {k: exact.cells[row][j].count for j, k in enumerate(exact.column_keys)}
        assert got == expected[step]
    # researchers: only families that consented to research are counted
    consenting = {f.id for f in store.get_families(list(FACTS)).values() if f.consent.research}
    rita = Principal(Role.RESEARCHER, "rita")
    cliff_reports.research_exposure(store, settings, rita, None, 1000)
    by_region = captured["tables"][0]
    assert by_region.total is not None and by_region.total.count == len(consenting)


@pytest.mark.timeout(3600)  # building the reformed tax-benefit system is as slow as the import
def test_a_reform_runs_in_the_background_and_reports_change_and_cost(
    program: tuple[GraphStore, Settings, dict[str, float]],
) -> None:
    store, settings, _ = program
    for fid in FACTS:  # every modelled family consents to research here
        family = store.get_families([fid])[fid]
        consent = family.consent.model_copy(update={"research": True})
        store.write(ChangeSet(families=[family.model_copy(update={"consent": consent})]))
    rita = Principal(Role.RESEARCHER, "rita")
    answer = cliff_reports.submit_reform(store, settings, rita, json.dumps(REFORM), None)
    deadline = time.monotonic() + 3000
    while answer.release is None and answer.error is None and time.monotonic() < deadline:
        time.sleep(1)
        answer = cliff_reports.reform_answer(store, settings, rita, answer.job.id)
    assert answer.error is None and answer.release is not None
    names = [t.name for t in answer.release.tables]
    assert names == [
        "cliff_reform@1000",
        "cliff_reform@2500",
        "cliff_reform@5000",
        "cliff_reform_cost",
    ]
    # a more generous SNAP earned-income deduction never lowers anyone's net income
    base = engine_for(store, settings).results
    reformed = engine_for(store, settings, REFORM).results
    assert all(reformed[f].net_now >= base[f].net_now - 0.01 for f in FACTS)
    assert any(reformed[f].net_now > base[f].net_now + 1 for f in FACTS)
    again = cliff_reports.reform_answer(store, settings, rita, answer.job.id)
    assert (
        again.release is not None and again.release.tables == answer.release.tables
    )  # free repeat
