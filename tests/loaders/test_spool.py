"""The spool's encoding (models as tuples of their values, rebuilt without validation) gives
back models equal to the validated ones, of every record type, nested models included, with
the same fields set; and a spool file reads back the batches written to it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from loaders.formats import SPECS, TypeSpec, read_csv
from loaders.spool import SpoolWriter, decode_models, encode_models, spooled_batches
from models import DomainModel, Family, parse

EXAMPLE = Path(__file__).resolve().parents[2] / "loaders" / "example" / "csv"


def _example_models(spec: TypeSpec) -> list[DomainModel]:
    rows = read_csv(spec, EXAMPLE / spec.file, folder=EXAMPLE)
    return [parse(spec.model, row.record) for row in rows if row.record is not None]


def _same(decoded: DomainModel, original: DomainModel) -> None:
    assert decoded == original
    assert type(decoded) is type(original)
    assert decoded.model_fields_set == original.model_fields_set
    assert decoded.to_record() == original.to_record()
    assert hash(decoded) == hash(original)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_every_record_type_round_trips(spec: TypeSpec) -> None:
    models = _example_models(spec)
    assert models, f"the example folder has {spec.name} rows"
    decoded = decode_models(encode_models(models))
    assert len(decoded) == len(models)
    for got, original in zip(decoded, models, strict=True):
        _same(got, original)


def test_nested_models_and_the_fields_set_round_trip() -> None:
    record = {
        "id": "f1",
        "name": "The f1",
        "regionId": "r1",
        "householdSize": 4,
        "incomeBand": 2,
        "joinedAt": "2025-01-01",
        "consent": {"matching": True},
        "householdFacts": {"adultAges": [34, 36], "married": True, "childAgeBands": ["under_6"]},
    }
    given = parse(Family, record)
    bare = parse(
        Family, {k: v for k, v in record.items() if k not in ("consent", "name")} | {"name": "x"}
    )
    got, got_bare = decode_models(encode_models([given, bare]))
    assert isinstance(got, Family)
    _same(got, given)
    _same(got_bare, bare)
    _same(got.consent, given.consent)
    _same(got.household_facts, given.household_facts)
    assert got.household_facts.size == 3
    assert "consent" not in got_bare.model_fields_set
    assert got.consent.model_fields_set == {"matching"}


def test_an_empty_batch_round_trips() -> None:
    assert decode_models(encode_models([])) == []


def test_a_spool_file_reads_back_its_batches_in_order() -> None:
    batches = [(spec.name, _example_models(spec)) for spec in SPECS]
    with tempfile.TemporaryFile() as spool:
        writer = SpoolWriter(spool)
        for name, models in batches:
            places = [("x.csv", i + 2) for i in range(len(models))]
            writer(name, places, models, name == "goal")
        spool.seek(0)
        read = list(spooled_batches(spool))
    assert [(n, len(p), m, new) for n, p, m, new in read] == [
        (name, len(models), models, name == "goal") for name, models in batches
    ]
