"""Imports are all or nothing: the whole input is checked before the first write (issue 13).

Every test runs on both stores (the ``store`` fixture) and compares what the store holds before
and after a refused import: counts and data version.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from graph_service.stores.base import GraphStore
from loaders.formats import MAX_CELL_CHARS, MAX_JSON_DEPTH, SPECS, Format
from loaders.importer import MAX_PROBLEMS, ImportFailed, import_folder
from tests.loaders.helpers import embedded, graph_data, write_small
from tests.loaders.test_commands import app_on

Row = tuple[str, dict[str, Any]]


def region(rid: str = "r1") -> Row:
    return "region", {"id": rid, "name": f"Region {rid}"}


def family(fid: str, **fields: Any) -> Row:
    base = {"id": fid, "name": f"The {fid}", "regionId": "r1", "householdSize": 3}
    return "family", {**base, "incomeBand": 2, "joinedAt": "2025-01-01", **fields}


def help_row(hid: str, giver: str, receiver: str, **fields: Any) -> Row:
    base = {"id": hid, "fromId": giver, "toId": receiver, "kind": "food", "at": "2025-02-01"}
    return "help", {**base, **fields}


def write_input(folder: Path, fmt: Format, rows: list[Row]) -> Path:
    """``rows`` as CSV files (one per type, in the given order) or one JSON Lines file."""
    folder.mkdir(parents=True, exist_ok=True)
    if fmt is Format.JSONL:
        with (folder / "data.jsonl").open("w", encoding="utf-8") as handle:
            for kind, record in rows:
                handle.write(json.dumps({"type": kind, **record}, ensure_ascii=False) + "\n")
        return folder
    for spec in SPECS:
        records = [r for kind, r in rows if kind == spec.name]
        if records:
            with (folder / spec.file).open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(spec.columns))
                writer.writeheader()
                writer.writerows(records)
    return folder


def snapshot(store: GraphStore) -> tuple[dict[str, int], int]:
    return store.counts(), store.data_version()


def refused(store: GraphStore, folder: Path, **options: Any) -> ImportFailed:
    """Import ``folder``, expect a refusal, and check that the store did not change."""
    before = snapshot(store)
    with pytest.raises(ImportFailed) as raised:
        import_folder(store, folder, progress=False, batch_size=options.pop("batch_size", 7))
    assert snapshot(store) == before
    return raised.value


FORMATS = [Format.CSV, Format.JSONL]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_row_on_the_last_line_of_the_last_file_writes_nothing(
    tmp_path: Path, store: GraphStore, fmt: Format
) -> None:
    network = write_small(tmp_path / "in", fmt)
    referral = network.referrals[0]
    bad = {"type": "referral", "fromId": referral.from_id, "toId": "ghost", "at": "2025-01-01"}
    if fmt is Format.CSV:
        with (tmp_path / "in" / "referrals.csv").open("a", encoding="utf-8") as handle:
            handle.write(f"{bad['fromId']},{bad['toId']},{bad['at']}\n")
        last = ("referrals.csv", len(network.referrals) + 2)
    else:
        path = tmp_path / "in" / "graph.jsonl"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(bad) + "\n")
        last = ("graph.jsonl", len(path.read_text().splitlines()))
    error = refused(store, tmp_path / "in", batch_size=50)
    assert store.counts()["Family"] == 0
    assert [(p.file, p.line, p.field) for p in error.rows] == [(*last, "toId")]
    assert "'ghost' does not exist" in error.rows[0].reason


def test_a_bad_last_line_writes_nothing_into_a_store_that_holds_data(
    tmp_path: Path, store: GraphStore
) -> None:
    write_input(tmp_path / "a", Format.CSV, [region(), family("a"), family("b")])
    import_folder(store, tmp_path / "a", progress=False)
    rows = [family(f"n{i}") for i in range(30)] + [help_row("h1", "a", "n3")]
    rows.append(help_row("h2", "b", "n29", hours=-1))
    write_input(tmp_path / "b", Format.CSV, [region(), *rows])
    error = refused(store, tmp_path / "b")
    assert [(p.file, p.line, p.field) for p in error.rows] == [("help.csv", 3, "hours")]
    assert store.get_families(["n0", "n29"]) == {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_row_late_in_a_file_writes_nothing(
    tmp_path: Path, store: GraphStore, fmt: Format
) -> None:
    rows = [region(), *(family(f"f{i}") for i in range(40))]
    rows.insert(38, family("late", householdSize=0))
    folder = write_input(tmp_path / "in", fmt, rows)
    error = refused(store, folder)
    (problem,) = error.rows
    assert (problem.line, problem.field) == (39, "householdSize")  # families.csv or data.jsonl
    assert store.counts()["Region"] == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_family_id_with_different_content_is_refused(
    tmp_path: Path, store: GraphStore, fmt: Format
) -> None:
    rows = [region(), family("a"), family("b"), family("a", name="Someone else")]
    folder = write_input(tmp_path / "in", fmt, rows)
    (problem,) = refused(store, folder).rows
    first = "families.csv:2" if fmt is Format.CSV else "data.jsonl:2"
    assert (problem.line, problem.field) == (4, "id")
    assert first in problem.reason and "different content" in problem.reason


def test_the_identical_record_twice_is_written_once(tmp_path: Path, store: GraphStore) -> None:
    rows = [region(), family("a"), family("b"), family("a"), help_row("h1", "a", "b")]
    folder = write_input(tmp_path / "in", Format.CSV, [*rows, help_row("h1", "a", "b")])
    report = import_folder(store, folder, progress=False)
    assert (report.rows["family"], report.unchanged["family"]) == (2, 1)
    assert (store.counts()["Family"], store.counts()["HELPED"]) == (2, 1)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_help_id_reused_for_another_pair_is_refused(
    tmp_path: Path, store: GraphStore, fmt: Format
) -> None:
    people = [region(), family("a"), family("b"), family("c")]
    rows = [*people, help_row("h1", "a", "b"), help_row("h2", "b", "a"), help_row("h1", "c", "b")]
    (problem,) = refused(store, write_input(tmp_path / "in", fmt, rows)).rows
    assert (problem.field, problem.line) == ("id", 4 if fmt is Format.CSV else 7)
    assert "help 'h1' is also on" in problem.reason


def test_a_help_id_reused_against_the_store_is_a_conflict(
    tmp_path: Path, store: GraphStore
) -> None:
    people = [region(), family("a"), family("b"), family("c"), family("d")]
    import_folder(store, write_input(tmp_path / "a", Format.CSV, people), progress=False)
    write_input(tmp_path / "b", Format.CSV, [help_row("h1", "a", "b")])
    import_folder(store, tmp_path / "b", progress=False)
    write_input(tmp_path / "c", Format.CSV, [help_row("h1", "c", "d")])  # another pair
    error = refused(store, tmp_path / "c")
    assert error.code == "CONFLICT"
    assert (error.rows[0].field, error.rows[0].code) == ("id", "CONFLICT")
    assert "--update" in error.rows[0].reason
    report = import_folder(store, tmp_path / "c", update=True, progress=False)
    assert report.updated["help"] == 1
    ((exchange,),) = [v for k, v in store.help_of(["c"]).items() if k == "c"]
    assert (exchange.id, exchange.to_id, store.counts()["HELPED"]) == ("h1", "d", 1)


@pytest.mark.parametrize("fmt", FORMATS)
def test_reimporting_the_same_folder_is_a_no_op(
    tmp_path: Path, store: GraphStore, fmt: Format
) -> None:
    network = write_small(tmp_path / "in", fmt)
    first = import_folder(store, tmp_path / "in", batch_size=50, progress=False)
    before, data = snapshot(store), graph_data(store)
    again = import_folder(store, tmp_path / "in", batch_size=50, progress=False)
    assert snapshot(store) == before and graph_data(store) == data
    assert again.total_rows == 0 and again.unchanged == network.counts() == first.rows


def test_a_different_record_under_a_stored_id_needs_update(
    tmp_path: Path, store: GraphStore
) -> None:
    import_folder(store, write_input(tmp_path / "a", Format.CSV, [region(), family("a")]))
    changed = [region(), family("a", name="New name", householdSize=4)]
    folder = write_input(tmp_path / "b", Format.CSV, changed)
    error = refused(store, folder)
    (problem,) = error.rows
    assert (error.code, problem.file, problem.line, problem.field) == (
        "CONFLICT",
        "families.csv",
        2,
        "id",
    )
    assert "differs in name, householdSize" in problem.reason
    assert store.get_families(["a"])["a"].name == "The a"
    report = import_folder(store, folder, update=True, progress=False)
    assert (report.rows["family"], report.updated["family"], report.unchanged["region"]) == (
        1,
        1,
        1,
    )
    assert store.get_families(["a"])["a"].household_size == 4


def test_a_second_referrer_is_refused_even_with_update(tmp_path: Path, store: GraphStore) -> None:
    people = [region(), family("a"), family("b"), family("c")]
    first = [*people, ("referral", {"fromId": "a", "toId": "c", "at": "2025-01-02"})]
    import_folder(store, write_input(tmp_path / "a", Format.CSV, first), progress=False)
    other = [("referral", {"fromId": "b", "toId": "c", "at": "2025-01-02"})]
    folder = write_input(tmp_path / "b", Format.CSV, other)
    before = snapshot(store)
    with pytest.raises(ImportFailed) as raised:
        import_folder(store, folder, update=True, progress=False)
    assert snapshot(store) == before
    assert raised.value.rows[0].field == "toId" and "referrer" in raised.value.rows[0].reason


def _csv_bytes(folder: Path, name_cell: bytes) -> Path:
    folder.mkdir(parents=True)
    (folder / "regions.csv").write_bytes(b"id,name\nr1,Detroit\n")
    header = b"id,name,regionId,householdSize,incomeBand,joinedAt\n"
    good = b"a,The a,r1,3,2,2025-01-01\n"
    bad = b"b," + name_cell + b",r1,3,2,2025-01-01\n"
    (folder / "families.csv").write_bytes(header + good + bad + good.replace(b"a", b"c"))
    return folder


def _jsonl_bytes(folder: Path, name_json: bytes) -> Path:
    folder.mkdir(parents=True)
    lines = [
        b'{"type": "region", "id": "r1", "name": "Detroit"}',
        b'{"type": "family", "id": "b", "name": ' + name_json + b', "regionId": "r1", '
        b'"householdSize": 3, "incomeBand": 2, "joinedAt": "2025-01-01"}',
    ]
    (folder / "data.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return folder


@pytest.mark.parametrize(
    ("fmt", "cell", "reason"),
    [
        (Format.CSV, b"Nul\x00here", "NUL"),
        (Format.JSONL, b'"Nul\\u0000here"', "NUL"),
        (Format.CSV, b"caf\xe9", "not valid UTF-8"),
        (Format.JSONL, b'"caf\xe9"', "not valid UTF-8"),
        (Format.JSONL, b'"lone \\udc80"', "not valid UTF-8"),
        (Format.CSV, b"x" * (MAX_CELL_CHARS + 1), f"the limit is {MAX_CELL_CHARS}"),
        (Format.JSONL, b'"' + b"x" * (MAX_CELL_CHARS + 1) + b'"', "the limit is"),
    ],
    ids=[
        "csv-nul",
        "jsonl-nul",
        "csv-utf8",
        "jsonl-utf8",
        "jsonl-surrogate",
        "csv-big",
        "jsonl-big",
    ],
)
def test_bad_text_is_refused_with_file_line_and_field(
    tmp_path: Path, store: GraphStore, fmt: Format, cell: bytes, reason: str
) -> None:
    make = _csv_bytes if fmt is Format.CSV else _jsonl_bytes
    error = refused(store, make(tmp_path / "in", cell))
    (problem,) = error.rows
    expected_file = "families.csv" if fmt is Format.CSV else "data.jsonl"
    expected_field = "name" if fmt is Format.CSV or b"\xe9" not in cell else "(line)"
    assert (problem.file, problem.line, problem.field) == (
        expected_file,
        3 if fmt is Format.CSV else 2,
        expected_field,
    )
    assert reason in problem.reason


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_a_deeply_nested_json_line_is_refused(
    tmp_path: Path, store: GraphStore, depth: int
) -> None:
    nested = b"[" * depth + b"]" * depth
    error = refused(store, _jsonl_bytes(tmp_path / "in", nested))
    (problem,) = error.rows
    assert (problem.file, problem.line) == ("data.jsonl", 2)
    assert f"nests deeper than {MAX_JSON_DEPTH} levels" in problem.reason


def test_a_csv_field_over_the_csv_limit_is_reported_and_the_rest_still_checked(
    tmp_path: Path, store: GraphStore
) -> None:
    folder = _csv_bytes(tmp_path / "in", b'"' + b"y" * 200_000 + b'"')
    (folder / "help.csv").write_text("id,fromId,toId,kind,at\nh1,a,zz,food,2025-02-01\n")
    error = refused(store, folder)
    assert [(p.file, p.line) for p in error.rows] == [("families.csv", 3), ("help.csv", 2)]
    assert "unreadable CSV row" in error.rows[0].reason


def test_every_problem_is_reported_up_to_the_limit(tmp_path: Path, store: GraphStore) -> None:
    rows = [region(), *(family(f"f{i}", householdSize=0) for i in range(MAX_PROBLEMS + 50))]
    error = refused(store, write_input(tmp_path / "in", Format.CSV, rows))
    assert (len(error.rows), error.more) == (MAX_PROBLEMS, 50)
    assert [p.line for p in error.rows[:3]] == [2, 3, 4]
    assert "... and 50 more problem(s)" in str(error)


def test_skip_invalid_writes_the_valid_rows_and_rejects_duplicates(
    tmp_path: Path, store: GraphStore
) -> None:
    rows = [region(), family("a"), family("b"), family("a", name="Other")]
    rows += [help_row("h1", "a", "b"), help_row("h1", "b", "a")]
    folder = write_input(tmp_path / "in", Format.CSV, rows)
    report = import_folder(store, folder, skip_invalid=True, progress=False)
    assert (store.counts()["Family"], store.counts()["HELPED"]) == (2, 1)
    assert store.get_families(["a"])["a"].name == "The a"
    rejected = (folder / "_import" / "rejected.jsonl").read_text().splitlines()
    places = [(json.loads(r)["file"], json.loads(r)["line"]) for r in rejected]
    assert places == [("families.csv", 4), ("help.csv", 3)]
    assert report.rejected["family"] == 1 and report.rejected["help"] == 1


def test_cli_load_refuses_bad_text_without_a_traceback_and_update_applies(
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    app = app_on(tmp_path / "g.sqlite")
    bad = runner.invoke(app, ["load", str(_csv_bytes(tmp_path / "bad", b"caf\xe9\x00"))])
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert "families.csv:3: name:" in bad.output and "nothing was written" in bad.output
    write_input(tmp_path / "a", Format.CSV, [region(), family("a")])
    assert runner.invoke(app, ["load", str(tmp_path / "a")]).exit_code == 0
    write_input(tmp_path / "b", Format.CSV, [region(), family("a", name="Renamed")])
    conflict = runner.invoke(app, ["load", str(tmp_path / "b")])
    assert conflict.exit_code == 1 and "--update" in conflict.output
    assert runner.invoke(app, ["load", str(tmp_path / "b"), "--update"]).exit_code == 0
    with embedded(tmp_path / "g.sqlite") as store:
        assert store.get_families(["a"])["a"].name == "Renamed"
