from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graph_service.stores.base import ChangeSet, GraphStore, PreparedWrite
from loaders.formats import Format
from loaders.importer import ImportFailed, import_folder, show_progress
from tests.loaders.helpers import embedded, graph_data, write_small

REGIONS = "id,name,state,latitude,longitude\nr1,Detroit,MI,42.33,-83.05\n"
GOALS = "id,label\nhealth,Health\n"
FAMILY_HEADER = (
    "id,name,regionId,householdSize,languages,incomeBand,baselineIncomeBand,strengths,needs,"
    "joinedAt,contact,consentMatching,consentCrossRegion,consentResearch\n"
)


def family_row(fid: str, size: str = "3", region: str = "r1") -> str:
    return f"{fid},The {fid},{region},{size},en,2,,cooking,,2025-01-01,,true,false,true\n"


def write_files(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_bad_row_names_file_line_and_field_and_writes_nothing(
    tmp_path: Path, store: GraphStore
) -> None:
    rows = family_row("a") + family_row("b", size="0") + family_row("c")
    folder = write_files(tmp_path / "in", regions=REGIONS, families=FAMILY_HEADER + rows)
    with pytest.raises(ImportFailed) as raised:
        import_folder(store, folder, batch_size=10, progress=False)
    assert store.counts()["Family"] == 0  # not even the good rows of the bad batch
    assert store.counts()["Region"] == 0  # nor the batches before it
    assert raised.value.code == "BAD_USER_INPUT"
    (problem,) = raised.value.rows
    assert (problem.file, problem.line, problem.field) == ("families.csv", 3, "householdSize")
    assert "greater than or equal to 1" in problem.reason
    assert "families.csv:3: householdSize" in str(raised.value)


def test_batches_before_the_bad_one_are_not_written_either(tmp_path: Path) -> None:
    rows = family_row("a") + family_row("b") + family_row("c") + family_row("d", size="x")
    folder = write_files(tmp_path / "in", regions=REGIONS, families=FAMILY_HEADER + rows)
    with embedded(tmp_path / "g.sqlite") as store:
        with pytest.raises(ImportFailed) as raised:
            import_folder(store, folder, batch_size=2, progress=False)
        assert store.get_families(["a", "b", "c", "d"]) == {}
        assert store.data_version() == 0
    assert raised.value.rows[0].line == 5
    assert not (tmp_path / "in" / "_import").exists()  # reports only with --skip-invalid


def test_dangling_reference_is_reported_with_file_line_and_field(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path / "in",
        regions=REGIONS,
        goals=GOALS,
        families=FAMILY_HEADER + family_row("a"),
        pursuits="familyId,goalId,since\na,health,2025-02-01\nzz,health,2025-02-01\n",
    )
    with embedded(tmp_path / "g.sqlite") as store:
        with pytest.raises(ImportFailed) as raised:
            import_folder(store, folder, progress=False)
        assert store.counts()["PURSUES"] == 0
    (problem,) = raised.value.rows
    assert (problem.file, problem.line, problem.field) == ("pursuits.csv", 3, "familyId")
    assert "'zz' does not exist" in problem.reason


def test_relationships_may_come_before_their_nodes_in_json_lines(tmp_path: Path) -> None:
    lines = [
        {
            "type": "help",
            "id": "h1",
            "fromId": "a",
            "toId": "b",
            "kind": "food",
            "at": "2025-03-01",
        },
        {
            "type": "family",
            "id": "a",
            "name": "A",
            "regionId": "r1",
            "householdSize": 2,
            "incomeBand": 1,
            "joinedAt": "2025-01-01",
        },
        {
            "type": "family",
            "id": "b",
            "name": "B",
            "regionId": "r1",
            "householdSize": 2,
            "incomeBand": 1,
            "joinedAt": "2025-01-01",
        },
        {"type": "region", "id": "r1", "name": "Detroit"},
    ]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "data.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    with embedded(tmp_path / "g.sqlite") as store:
        report = import_folder(store, folder, progress=False)
        assert store.counts()["HELPED"] == 1
    assert report.rows["family"] == 2 and report.rows["help"] == 1


def test_unreadable_json_line_is_reported_by_line(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "data.jsonl").write_text('{"type": "region", "id": "r1", "name": "D"}\n{oops\n')
    with embedded(tmp_path / "g.sqlite") as store, pytest.raises(ImportFailed) as raised:
        import_folder(store, folder, progress=False)
    assert (raised.value.rows[0].file, raised.value.rows[0].line) == ("data.jsonl", 2)


def test_second_referrer_in_the_folder_is_rejected(tmp_path: Path) -> None:
    rows = family_row("a") + family_row("b") + family_row("c")
    folder = write_files(
        tmp_path / "in",
        regions=REGIONS,
        families=FAMILY_HEADER + rows,
        referrals="fromId,toId,at\na,c,2025-02-01\nb,c,2025-02-01\n",
    )
    with embedded(tmp_path / "g.sqlite") as store, pytest.raises(ImportFailed) as raised:
        import_folder(store, folder, progress=False)
    assert (raised.value.rows[0].line, raised.value.rows[0].field) == (3, "toId")


def test_skip_invalid_writes_valid_rows_and_reports_rejected(tmp_path: Path) -> None:
    rows = family_row("a") + family_row("b", region="nowhere") + family_row("c")
    folder = write_files(
        tmp_path / "in",
        regions=REGIONS,
        families=FAMILY_HEADER + rows,
        help="id,fromId,toId,kind,at\nh1,a,c,food,2025-02-01\nh2,a,b,food,2025-02-01\n",
    )
    out = tmp_path / "report"
    with embedded(tmp_path / "g.sqlite") as store:
        report = import_folder(store, folder, skip_invalid=True, report_dir=out, progress=False)
        assert sorted(store.get_families(["a", "b", "c"])) == ["a", "c"]
        assert store.counts()["HELPED"] == 1
    assert report.rows["family"] == 2 and report.rejected == {**report.rejected, "family": 1}
    assert report.rejected["help"] == 1  # h2 names the rejected family b
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text().splitlines()]
    assert [(r["file"], r["line"]) for r in rejected] == [("families.csv", 3), ("help.csv", 3)]
    assert rejected[0]["problems"][0]["field"] == "regionId"
    summary = json.loads((out / "import-summary.json").read_text())
    assert summary["totalRejected"] == 2 and summary["totalRows"] == report.total_rows


@pytest.mark.parametrize("fmt", [Format.CSV, Format.JSONL])
def test_import_is_idempotent(tmp_path: Path, fmt: Format, store: GraphStore) -> None:
    network = write_small(tmp_path / "in", fmt)
    first = import_folder(store, tmp_path / "in", batch_size=50, progress=False)
    once = graph_data(store)
    import_folder(store, tmp_path / "in", batch_size=50, progress=False)
    assert graph_data(store) == once
    assert first.rows == network.counts()
    assert once["counts"]["Family"] == len(network.families)


class Killed(Exception):
    """Stands in for the process being killed mid-import."""


class DiesAfter:
    """A store that lets ``batches`` writes (one per batch) through, then 'dies'."""

    def __init__(self, store: GraphStore, batches: int) -> None:
        self._store = store
        self.left = batches

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if name != "write":
            return attribute

        def write(changes: ChangeSet | PreparedWrite) -> None:
            if self.left == 0:
                raise Killed
            self.left -= 1
            attribute(changes)

        return write


def test_killed_import_run_again_completes_without_duplicates(
    tmp_path: Path, store: GraphStore
) -> None:
    """On each store: an import that dies after 9 batches, run again, ends exactly like an
    uninterrupted import (here, into a separate embedded store)."""
    write_small(tmp_path / "in")
    with embedded(tmp_path / "full.sqlite") as uninterrupted:
        import_folder(uninterrupted, tmp_path / "in", batch_size=40, progress=False)
        expected = graph_data(uninterrupted)
    dying: Any = DiesAfter(store, batches=9)
    with pytest.raises(Killed):
        import_folder(dying, tmp_path / "in", batch_size=40, progress=False)
    partial = store.counts()
    assert partial["Family"] > 0 and partial["HELPED"] < expected["counts"]["HELPED"]
    import_folder(store, tmp_path / "in", batch_size=40, progress=False)
    assert graph_data(store) == expected


def test_progress_bar_import_gives_the_same_report(tmp_path: Path) -> None:
    network = write_small(tmp_path / "in", families=20)
    with embedded(tmp_path / "g.sqlite") as store:
        report = import_folder(store, tmp_path / "in", progress=True)
    assert report.rows == network.counts()


def test_no_progress_bar_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert show_progress() is False


def test_membership_invited_by_an_unknown_family_is_reported(tmp_path: Path) -> None:
    folder = write_files(
        tmp_path / "in",
        regions=REGIONS,
        families=FAMILY_HEADER + family_row("a"),
        cohorts="id,name,regionId,createdAt\nc1,C,r1,2025-01-01\n",
        memberships="familyId,cohortId,since,invitedBy\na,c1,2025-01-02,ghost\n",
    )
    with embedded(tmp_path / "g.sqlite") as store, pytest.raises(ImportFailed) as raised:
        import_folder(store, folder, progress=False)
    assert (raised.value.rows[0].file, raised.value.rows[0].field) == (
        "memberships.csv",
        "invitedBy",
    )


class WriterBetweenPasses:
    """A store on which another writer (a real write, through the same store) commits
    ``meanwhile`` just before the import's first batch of the same kind: the race between
    the validate and the write pass, made deterministic."""

    def __init__(self, store: GraphStore, meanwhile: ChangeSet) -> None:
        self._store = store
        self.meanwhile: ChangeSet | None = meanwhile

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if name != "write":
            return attribute

        def write(changes: ChangeSet | PreparedWrite) -> None:
            due = self.meanwhile
            plain = changes.changes if isinstance(changes, PreparedWrite) else changes
            if due is not None and next(plain.parts())[0] == next(due.parts())[0]:
                self.meanwhile = None
                attribute(due)
            attribute(changes)

        return write


@pytest.mark.parametrize("kind", ["families", "helps"])
def test_a_key_stored_between_the_passes_refuses_the_batch_as_a_conflict(
    tmp_path: Path, store: GraphStore, kind: str
) -> None:
    """The import creates what it found new (ChangeSet.new_records); a record another writer
    stored meanwhile under one of those keys is not overwritten: the batch is refused with
    CONFLICT, naming its lines, and none of it is written."""
    network = write_small(tmp_path / "in", families=20)
    first, help_ = network.families[0], network.helps[0]
    if kind == "families":
        meanwhile = ChangeSet(families=[first.model_copy(update={"name": "Written meanwhile"})])
    else:
        meanwhile = ChangeSet(helps=[help_.model_copy(update={"hours": 99.0})])
    racing: Any = WriterBetweenPasses(store, meanwhile)
    with pytest.raises(ImportFailed) as raised:
        import_folder(racing, tmp_path / "in", batch_size=1000, progress=False)
    assert raised.value.code == "CONFLICT"
    problem = raised.value.rows[0]
    assert problem.file == ("families.csv" if kind == "families" else "help.csv")
    assert "written at the same time" in problem.reason
    counts = store.counts()
    if kind == "families":  # the whole families batch refused: only the racing one is stored
        assert counts["Family"] == 1
        assert store.get_families([first.id])[first.id].name == "Written meanwhile"
    else:  # the families were written; of the help, only the racing exchange
        assert counts["Family"] == len(network.families)
        assert counts["HELPED"] == 1
        stored = store.help_of([help_.from_id])[help_.from_id]
        assert [h.hours for h in stored if h.id == help_.id] == [99.0]
