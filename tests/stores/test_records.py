"""The records of graph_service.stores.records: positional rows against the property maps,
and the create statements that take positional rows against their columns."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from graph_service.stores.records import (
    ENDPOINTS,
    columns_of,
    positional_rows,
    split_relationship,
    to_record,
)
from loaders.formats import SPECS, TypeSpec, read_csv
from loaders.spool import decode_models, encode_models
from models import (
    Consent,
    DomainModel,
    Family,
    Helped,
    HouseholdFacts,
    MemberOf,
    MembershipStatus,
    Pursues,
    Referred,
    parse,
)
from queries import cypher

EXAMPLE = Path(__file__).resolve().parents[2] / "loaders" / "example" / "csv"
DAY = date(2025, 3, 1)


def _example_models(spec: TypeSpec) -> list[DomainModel]:
    rows = read_csv(spec, EXAMPLE / spec.file, folder=EXAMPLE)
    return [parse(spec.model, row.record) for row in rows if row.record is not None]


def _as_map(model: DomainModel) -> dict[str, Any]:
    """What the map rows carry for ``model`` (endpoints as ``start``/``end``)."""
    if type(model) in ENDPOINTS:
        start, end, props = split_relationship(model, iso_dates=True)
        return {"start": start, "end": end, **props}
    return to_record(model, iso_dates=True)


def _edge_cases() -> list[DomainModel]:
    """Every field of the positional kinds given somewhere and absent somewhere."""
    return [
        Family(
            id="f1",
            name="F",
            region_id="r1",
            household_size=4,
            income_band=2,
            baseline_income_band=1,
            languages=("en", "es"),
            strengths=("cooking",),
            contact="a@example.org",
            joined_at=DAY,
            consent=Consent(matching=True, research=True),
            household_facts=HouseholdFacts(
                adult_ages=(30, 31), married=True, child_ages=(4,), child_age_bands=("13_to_17",)
            ),
        ),
        Family(id="f2", name="G", region_id="r1", household_size=1, income_band=1, joined_at=DAY),
        MemberOf(family_id="f1", cohort_id="c1", since=DAY),
        MemberOf(
            family_id="f2",
            cohort_id="c1",
            since=DAY,
            status=MembershipStatus.INVITED,
            invited_by="f1",
        ),
        Pursues(family_id="f1", goal_id="health", since=DAY),
        Pursues(
            family_id="f2",
            goal_id="health",
            since=DAY,
            status="achieved",
            achieved_at=date(2025, 3, 4),
            description="Walk daily",
        ),
        Helped(id="h1", from_id="f1", to_id="f2", kind="childcare", at=DAY, hours=2.5),
        Helped(
            id="h2", from_id="f2", to_id="f1", kind="tutoring", at=DAY, amount=12.0, confirmed=True
        ),
        Referred(from_id="f1", to_id="f2", at=DAY),
    ]


def _check_rows(models: list[DomainModel]) -> None:
    model_type = type(models[0])
    names = columns_of(model_type).names
    rows = positional_rows(model_type, models)
    assert len(rows) == len(models)
    for model, row in zip(models, rows, strict=True):
        expected = _as_map(model)
        assert list(expected) == list(names)  # same keys, same order
        assert dict(zip(names, row, strict=True)) == expected


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_positional_rows_carry_the_values_of_the_maps(spec: TypeSpec) -> None:
    """Every import type (the example folder's rows, and the same rows read back from the
    spool, as the import's write pass has them): a row's values are the map's, in order."""
    models = _example_models(spec)
    assert models, f"the example folder has {spec.name} rows"
    _check_rows(models)
    _check_rows(decode_models(encode_models(models)))


@pytest.mark.parametrize("model_type", [Family, MemberOf, Pursues, Helped, Referred])
def test_positional_rows_of_every_field_given_or_absent(model_type: type[DomainModel]) -> None:
    models = [m for m in _edge_cases() if type(m) is model_type]
    _check_rows(models)


def test_positional_rows_turn_values_into_what_the_driver_sends() -> None:
    helped, pursues = _edge_cases()[6], _edge_cases()[5]
    assert positional_rows(Helped, [helped]) == [
        ["f1", "f2", "h1", "childcare", "2025-03-01", 2.5, None, False]
    ]
    assert positional_rows(Pursues, [pursues]) == [
        ["f2", "health", "2025-03-01", "achieved", "2025-03-04", "Walk daily"]
    ]
    family = positional_rows(Family, [_edge_cases()[0]])[0]
    names = columns_of(Family).names
    assert family[names.index("languages")] == ["en", "es"]  # lists, not tuples
    assert family[names.index("householdFactsAdultAges")] == [30, 31]


# (statement, model, the column its node is matched on, for a node)
_CREATE_STATEMENTS = [
    ("create_families", Family, "regionId"),
    ("create_memberships", MemberOf, None),
    ("create_pursuits", Pursues, None),
    ("create_help", Helped, None),
    ("create_referrals", Referred, None),
]


@pytest.mark.parametrize(("name", "model_type", "matched_on"), _CREATE_STATEMENTS)
def test_create_statements_read_the_columns_in_their_order(
    name: str, model_type: type[DomainModel], matched_on: str | None
) -> None:
    """Each property the statement sets is read from the column of that name, every column
    is read, and a relationship's ends are matched on columns 0 and 1."""
    names = columns_of(model_type).names
    text = cypher(name)
    before, _, after = text.partition("SET ")
    matched = [int(i) for i in re.findall(r"\{id: row\[(\d+)\]\}", before)]
    props = [(key, int(i)) for key, i in re.findall(r"(\w+): (?:date\()?row\[(\d+)\]", after)]
    assert props, f"{name} sets its properties from positional rows"
    assert [names[i] for _, i in props] == [key for key, _ in props]
    if matched_on is None:  # a relationship: its ends, then its properties
        assert matched == [0, 1]
        assert sorted(i for _, i in props) == list(range(2, len(names)))
    else:
        assert matched == [names.index(matched_on)]
        assert sorted(i for _, i in props) == list(range(len(names)))
