"""Cliffs, marginal rates and exposure on hand-computed curves (no model needed)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from graph_service.analytics.cliff import exposure, find_cliffs, marginal_rates
from models import ChildAgeBand, HouseholdFacts, ValidationFailed, parse
from models import household as household_module


def test_household_doctests() -> None:
    """The analytics' doctests (cliff's too) run in tests/analytics/test_docstrings.py."""
    result = doctest.testmod(household_module)
    assert result.attempted > 0 and result.failed == 0


def test_two_cliffs_and_their_causes() -> None:
    # earnings 10k..15k; SNAP ends at 12k (-2,000), Medicaid ends at 14k (-3,000).
    e = np.array([10_000.0, 11_000.0, 12_000.0, 13_000.0, 14_000.0, 15_000.0])
    snap = np.array([2_000.0, 2_000.0, 0.0, 0.0, 0.0, 0.0])
    medicaid = np.array([3_000.0, 3_000.0, 3_000.0, 3_000.0, 0.0, 0.0])
    net = e + snap + medicaid
    found = find_cliffs(e, net, {"snap": snap, "medicaid": medicaid})
    assert [(c.start, c.end, c.loss) for c in found] == [
        (11_000.0, 12_000.0, 1_000.0),
        (13_000.0, 14_000.0, 2_000.0),
    ]
    assert found[0].causes == (("snap", -2_000.0),)
    assert found[1].causes == (("medicaid", -3_000.0),)
    assert [round(float(r), 2) for r in marginal_rates(e, net)] == [0.0, 2.0, 0.0, 3.0, 0.0]


def test_a_long_fall_is_one_cliff_and_the_unexplained_part_is_other() -> None:
    e = np.array([0.0, 1.0, 2.0, 3.0]) * 1_000
    net = np.array([5_000.0, 4_000.0, 3_500.0, 4_500.0])
    (only,) = find_cliffs(e, net, {})
    assert (only.start, only.end, only.loss) == (0.0, 2_000.0, 1_500.0)
    assert only.causes == (("other", -3_500.0),)


def test_no_cliff_when_net_income_never_falls() -> None:
    e = np.linspace(10_000, 20_000, 11)
    assert find_cliffs(e, e * 0.7, {}) == []
    with pytest.raises(ValueError):
        marginal_rates(e[::-1], e)


def test_exposure_boundaries() -> None:
    assert exposure(-0.01, 1_000) == "less_than_nothing"
    assert exposure(0.0, 1_000) == "less_than_half"
    assert exposure(499.99, 1_000) == "less_than_half"
    assert exposure(500.0, 1_000) == "half_or_more"


def test_household_facts_validation() -> None:
    facts = parse(HouseholdFacts, {"adultAges": [30], "childAgeBands": ["under_6"]})
    assert facts.children_ages() == (3,)
    for bad in (
        {"adultAges": [17]},
        {"adultAges": [30], "married": True},
        {"childAges": [4]},
        {"adultAges": [30], "childAges": [18]},
        {"adultAges": [30] * 7},
    ):
        with pytest.raises(ValidationFailed):
            parse(HouseholdFacts, bad)
    assert HouseholdFacts(adult_ages=(30,), child_age_bands=(ChildAgeBand.AGE_13_TO_17,)).size == 2


def test_household_facts_round_trip_through_csv_cells_and_json_lines() -> None:
    import json
    from datetime import date

    from loaders.formats import (
        SPEC_BY_TYPE,
        cells_of,
        json_line_of,
        record_from_cells,
        record_from_json,
    )
    from models import Family

    facts = HouseholdFacts(
        adult_ages=(35, 35), married=True, child_ages=(10,), child_age_bands=(ChildAgeBand.UNDER_6,)
    )
    family = Family(
        id="f1",
        name="F",
        region_id="r1",
        household_size=4,
        income_band=2,
        joined_at=date(2025, 1, 1),
        household_facts=facts,
    )
    cells = cells_of(family)
    assert (
        cells["householdFactsAdultAges"] == "35;35"
        and cells["householdFactsChildAgeBands"] == "under_6"
    )
    assert set(cells) == set(SPEC_BY_TYPE["family"].columns)
    assert parse(Family, record_from_cells(SPEC_BY_TYPE["family"], cells)) == family
    data = json.loads(json_line_of(family))
    assert parse(Family, record_from_json(data)) == family
    plain = family.model_copy(update={"household_facts": HouseholdFacts()})
    assert parse(Family, record_from_cells(SPEC_BY_TYPE["family"], cells_of(plain))) == plain
