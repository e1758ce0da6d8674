"""The validate pass decides a clean batch on its encoded values
(``Checker._on_values``): its verdicts equal those of the row-by-row reference path
(``Checker(fast=False)``) on inputs with duplicates (identical and different), dangling
references, invalid rows, records already stored (identical or changed), and with or without
``update``; and a clean batch is decided without building its models."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from graph_service.stores.base import GraphStore
from loaders.formats import SPECS, Format, RawRow, TypeSpec
from loaders.importer import import_folder, index_folder, iter_rows
from loaders.spool import load_values
from loaders.synthetic import generate, write_network
from loaders.validation import Checker, Parsed, fingerprint, fingerprint_of_values, parse_rows
from models import DomainModel

BATCH = 10
SEEDS = range(5)
# Per record type: a field whose change makes a different record under the same key, a
# reference to point at a node that does not exist, and a date to make invalid.
CHANGE = {
    "family": ("name", "Another family"),
    "cohort": ("name", "Another circle"),
    "membership": ("since", "2020-02-02"),
    "pursuit": ("since", "2020-02-02"),
    "help": ("hours", "99.5"),
    "referral": ("at", "2020-02-02"),
}
DANGLE = {
    "family": "regionId",
    "cohort": "regionId",
    "membership": "cohortId",
    "pursuit": "goalId",
    "help": "fromId",
    "referral": "fromId",
}
DATE = {
    "family": "joinedAt",
    "cohort": "createdAt",
    "membership": "since",
    "pursuit": "since",
    "help": "at",
    "referral": "at",
}


def _mutated(spec: TypeSpec, rows: list[RawRow], rng: random.Random, rate: float) -> list[RawRow]:
    """``rows`` with some rows copied (identical or changed) further on, some pointing at a
    node that does not exist, some with an invalid date, some changed; lines renumbered."""
    if spec.name not in CHANGE:
        return rows
    out: list[dict[str, Any]] = [dict(r.record or {}) for r in rows]
    for record in list(out):
        roll = rng.random()
        if roll < rate:
            out.insert(rng.randrange(len(out) + 1), dict(record))  # identical
        elif roll < 2 * rate:
            field, value = CHANGE[spec.name]
            out.insert(rng.randrange(len(out) + 1), record | {field: value})
        elif roll < 3 * rate:
            record[DANGLE[spec.name]] = "nobody"
        elif roll < 4 * rate:
            record[DATE[spec.name]] = "2025-13-45"
        elif roll < 5 * rate:
            field, value = CHANGE[spec.name]
            record[field] = value  # differs from the stored record, if one is
    file = rows[0].file if rows else spec.file
    return [RawRow(spec.name, file, line, r) for line, r in enumerate(out, start=2)]


def _batches(folder: Path, rng: random.Random, rate: float) -> dict[str, list[list[RawRow]]]:
    index = index_folder(folder)
    out = {}
    for spec in SPECS:
        rows = _mutated(spec, list(iter_rows(folder, spec, index)), rng, rate)
        out[spec.name] = [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]
    return out


def _as_from_a_worker(spec: TypeSpec, batch: list[RawRow]) -> Parsed:
    """A batch parsed as a parse worker sends it: encoded values, no models."""
    parsed = parse_rows(spec, batch)
    model, values = load_values(parsed.encoded)
    return Parsed(
        parsed.rows,
        model,
        parsed.places,
        values,
        parsed.rejected,
        parsed.records,
        known_encoded=parsed.encoded,
    )


def _decisions(
    store: GraphStore, batches: dict[str, list[list[RawRow]]], *, fast: bool, update: bool
) -> tuple[list[Any], Any]:
    checker = Checker(store, update=update, fast=fast)
    verdicts = []
    for spec in SPECS:
        for batch in batches[spec.name]:
            checked = checker.check_parsed(spec, _as_from_a_worker(spec, batch))
            verdicts.append(
                (
                    spec.name,
                    list(checked.places),
                    [m.to_record() for m in checked.models],
                    [(r.row.line, r.code, r.problems) for r in checked.rejected],
                    checked.unchanged,
                    checked.updated,
                )
            )
    return verdicts, (checker.accepted, checker.referrer, checker.files)


def _stored_part(tmp_path: Path, families: int) -> Path:
    """The network's folder with only its first 200 help exchanges (to import first)."""
    part = tmp_path / "part"
    write_network(generate(families, 5), part, Format.CSV)
    help_csv = part / "help.csv"
    help_csv.write_text("".join(help_csv.read_text().splitlines(keepends=True)[:201]))
    return part


@pytest.mark.neo4j
@pytest.mark.parametrize("stored", ["none", "all but help", "a smaller network"])
@pytest.mark.parametrize("update", [False, True], ids=["no update", "update"])
def test_whole_batches_are_decided_as_row_by_row(
    tmp_path: Path, store: GraphStore, stored: str, update: bool
) -> None:
    folder = tmp_path / "input"
    write_network(generate(60, 5), folder, Format.CSV)
    if stored == "all but help":
        import_folder(store, _stored_part(tmp_path, 60), progress=False)
    elif stored == "a smaller network":
        write_network(generate(30, 5), tmp_path / "smaller", Format.CSV)
        import_folder(store, tmp_path / "smaller", progress=False)
    taken = 0
    for seed in SEEDS:
        rate = 0.0 if seed == 0 else 0.02
        batches = _batches(folder, random.Random(seed), rate)
        fast = _decisions(store, batches, fast=True, update=update)
        reference = _decisions(store, batches, fast=False, update=update)
        assert fast == reference, f"seed {seed}"
        taken += sum(1 for v in fast[0] if v[3] or v[1])
    assert taken, "some batches were decided"


def _clean_batches(folder: Path) -> Iterator[tuple[TypeSpec, list[RawRow]]]:
    index = index_folder(folder)
    for spec in SPECS:
        rows = list(iter_rows(folder, spec, index))
        for i in range(0, len(rows), BATCH):
            yield spec, rows[i : i + BATCH]


@pytest.mark.neo4j
def test_a_clean_first_import_builds_no_model_but_for_regions_goals_and_referrals(
    tmp_path: Path, store: GraphStore
) -> None:
    write_network(generate(60, 5), tmp_path, Format.CSV)
    checker = Checker(store)
    built = set()
    for spec, batch in _clean_batches(tmp_path):
        parsed = _as_from_a_worker(spec, batch)
        checked = checker.check_parsed(spec, parsed)
        assert checked.written is parsed and not checked.rejected
        if parsed.known_models is not None:
            built.add(spec.name)
    assert built == {"region", "goal", "referral"}


def test_new_keys_beside_stored_ones_are_decided_on_values(tmp_path: Path) -> None:
    from graph_service.stores.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.open()
    try:
        write_network(generate(30, 5), tmp_path / "smaller", Format.CSV)
        import_folder(store, tmp_path / "smaller", progress=False)
        write_network(generate(60, 5), tmp_path / "all", Format.CSV)
        checker = Checker(store, update=True)
        built = {}
        for spec, batch in _clean_batches(tmp_path / "all"):
            if spec.name == "family":
                parsed = _as_from_a_worker(spec, batch)
                checked = checker.check_parsed(spec, parsed)
                assert not checked.rejected
                built[batch[0].line] = parsed.known_models is not None
    finally:
        store.close()
    assert built == {2: True, 12: True, 22: True, 32: False, 42: False, 52: False}


def test_stored_help_is_skipped_on_values_and_changed_help_row_by_row(tmp_path: Path) -> None:
    from graph_service.stores.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.open()
    try:
        import_folder(store, _stored_part(tmp_path, 60), progress=False)
        write_network(generate(60, 5), tmp_path / "all", Format.CSV)
        checker = Checker(store, update=True)
        outcomes = {}
        for spec, batch in _clean_batches(tmp_path / "all"):
            if spec.name == "help":
                if batch[0].line == 12:  # one exchange changed since it was stored
                    assert batch[3].record is not None
                    batch[3] = replace(batch[3], record=batch[3].record | {"hours": "99.5"})
                parsed = _as_from_a_worker(spec, batch)
                checked = checker.check_parsed(spec, parsed)
                outcomes[batch[0].line] = (
                    parsed.known_models is not None,
                    checked.unchanged,
                    checked.updated,
                    len(checked.places),
                )
    finally:
        store.close()
    assert outcomes[2] == (False, BATCH, 0, 0)  # stored, identical: skipped on the values
    assert outcomes[12] == (True, BATCH - 1, 1, 1)  # one differs: row by row, it replaces
    assert outcomes[192] == (False, BATCH, 0, 0)  # lines 192-201: the last stored ones
    assert outcomes[202] == (False, 0, 0, BATCH)  # the rest are new: written


def test_a_fingerprint_is_of_the_values_not_of_the_fields_given() -> None:
    from models import Family, parse

    record = {
        "id": "f1",
        "name": "The f1",
        "regionId": "r1",
        "householdSize": 4,
        "incomeBand": 2,
        "joinedAt": "2025-01-01",
    }
    bare = parse(Family, record)
    explicit = parse(Family, record | {"consent": bare.consent.model_dump(by_alias=True)})
    assert explicit.model_fields_set != bare.model_fields_set
    assert fingerprint(explicit) == fingerprint(bare)
    other: DomainModel = parse(Family, record | {"name": "Another"})
    assert fingerprint(other) != fingerprint(bare)
    (values,) = load_values(_encoded([bare]))[1]
    assert fingerprint_of_values(Family, values) == fingerprint(bare)


def _encoded(models: list[DomainModel]) -> bytes:
    from loaders.spool import encode_models

    return encode_models(models)
