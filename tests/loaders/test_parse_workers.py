"""The validate pass on parse worker processes (``GS_IMPORT_WORKERS``) gives what the pass in
one process gives: the same batches, report, rejected rows and refusals; a worker that dies
stops the import with a clear error and nothing written; small inputs start no worker."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph_service.settings import get_settings
from graph_service.stores.base import GraphStore
from loaders import importer, parse_workers
from loaders.formats import SPECS, Format
from loaders.importer import ImportFailed, ImportStopped, import_folder, index_folder, iter_rows
from loaders.parse_workers import ParseWorkers, _own_batches
from tests.loaders.helpers import embedded, graph_data, write_small

BAD_FAMILIES = (
    "f-bad,The bad,r-none,3,en,2,,,,2025-01-01,,true,false,true\n"  # unknown region
    "f-zero,The zero,{region},0,en,2,,,,2025-01-01,,true,false,true\n"  # household size 0
    '"broken,quote\n'  # an unreadable row
)


def _messy_folder(folder: Path, fmt: Format) -> Path:
    """A small network with bad rows of several kinds among the good ones."""
    network = write_small(folder, fmt, families=40)
    region = network.regions[0].id
    if fmt is Format.CSV:
        with (folder / "families.csv").open("a", encoding="utf-8") as handle:
            handle.write(BAD_FAMILIES.format(region=region))
        with (folder / "help.csv").open("r+", encoding="utf-8") as handle:
            lines = handle.read().splitlines(keepends=True)
            lines.insert(3, "h-self,f-bad,f-bad,food,2025-02-01,,,false\n")
            lines.insert(9, lines[5])  # a duplicate, identical: written once
            handle.seek(0)
            handle.writelines(lines)
    else:
        with (folder / "graph.jsonl").open("a", encoding="utf-8") as handle:
            handle.write('{"type": "family", "id": "f-bad"}\n')
            handle.write("not json\n")
            handle.write('{"type": "unknown"}\n')
            handle.write('{"type": "help", "id": "h1", "fromId": "nobody"}\n')
    return folder


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ParseWorkers]]:
    """Parse workers forced on (2, whatever the input's size); yields the pools started."""
    started: list[ParseWorkers] = []

    class Recorded(ParseWorkers):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(parse_workers, "ParseWorkers", Recorded)
    monkeypatch.setenv("GS_IMPORT_WORKERS", "2")
    monkeypatch.setenv("GS_IMPORT_WORKERS_MIN_ROWS", "0")
    get_settings.cache_clear()
    yield started
    monkeypatch.undo()
    get_settings.cache_clear()


def _in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GS_IMPORT_WORKERS", "0")
    get_settings.cache_clear()


def _outcome(tmp_path: Path, folder: Path, name: str) -> tuple[Any, ...]:
    out = tmp_path / f"report-{name}"
    with embedded(tmp_path / f"{name}.sqlite") as store:
        report = import_folder(
            store, folder, batch_size=7, skip_invalid=True, report_dir=out, progress=False
        )
        data = graph_data(store)
    summary = {k: v for k, v in report.to_json().items() if "econd" not in k}
    summary.pop("rejectedPath")
    rejected = (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()
    return summary, [json.loads(line) for line in rejected], data


@pytest.mark.parametrize("fmt", [Format.CSV, Format.JSONL])
def test_workers_give_the_same_report_rejections_and_graph(
    tmp_path: Path, fmt: Format, workers: list[ParseWorkers], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _messy_folder(tmp_path / "in", fmt)
    on_workers = _outcome(tmp_path, folder, "workers")
    assert len(workers) == 1 and len(workers[0].processes) == 2
    _in_process(monkeypatch)
    here = _outcome(tmp_path, folder, "here")
    assert len(workers) == 1  # no pool the second time
    assert on_workers == here
    assert here[0]["totalRejected"] >= 3 and here[0]["totalRows"] > 100


def test_workers_refuse_with_the_same_problems_and_write_nothing(
    tmp_path: Path, store: GraphStore, workers: list[ParseWorkers], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _messy_folder(tmp_path / "in", Format.CSV)
    before = (store.counts(), store.data_version())
    with pytest.raises(ImportFailed) as on_workers:
        import_folder(store, folder, batch_size=5, progress=False)
    assert workers and (store.counts(), store.data_version()) == before
    _in_process(monkeypatch)
    with pytest.raises(ImportFailed) as here:
        import_folder(store, folder, batch_size=5, progress=False)
    assert on_workers.value.rows == here.value.rows and on_workers.value.more == here.value.more
    assert str(on_workers.value) == str(here.value)


def test_a_worker_dying_stops_the_import_with_nothing_written(
    tmp_path: Path, store: GraphStore, workers: list[ParseWorkers], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    write_small(folder, families=40)
    batches = ParseWorkers.batches

    def killing(self: ParseWorkers, spec: Any) -> Iterator[Any]:
        for k, parsed in enumerate(batches(self, spec)):
            if spec.name == "family" and k == 1:
                pid = self.processes[1].pid
                assert pid is not None
                os.kill(pid, signal.SIGKILL)
            yield parsed

    monkeypatch.setattr(ParseWorkers, "batches", killing)
    before = (store.counts(), store.data_version())
    with pytest.raises(ImportStopped) as raised:
        import_folder(store, folder, batch_size=3, progress=False)
    assert "parse worker 1 died (exit code -9)" in str(raised.value)
    assert "nothing was written" in str(raised.value)
    assert (store.counts(), store.data_version()) == before
    assert not any(p.is_alive() for p in workers[0].processes)


def test_a_small_input_starts_no_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("no worker for a small input")

    monkeypatch.setattr(parse_workers, "ParseWorkers", refuse)
    monkeypatch.setenv("GS_IMPORT_WORKERS", "2")
    get_settings.cache_clear()
    try:
        folder = tmp_path / "in"
        write_small(folder, families=40)
        assert not parse_workers.has_rows(folder, get_settings().import_workers_min_rows)
        assert parse_workers.has_rows(folder, 100)
        with embedded(tmp_path / "g.sqlite") as store:
            assert import_folder(store, folder, progress=False).total_rows > 100
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


@pytest.mark.parametrize("fmt", [Format.CSV, Format.JSONL])
@pytest.mark.parametrize("n", [2, 3])
def test_the_workers_own_batches_are_the_batches_of_the_pass(
    tmp_path: Path, fmt: Format, n: int
) -> None:
    folder = _messy_folder(tmp_path / "in", fmt)
    index = index_folder(folder)
    for spec in SPECS:
        expected = list(importer._batches(iter_rows(folder, spec, index), 4))
        owned = [list(_own_batches(folder, spec, index, 4, n, me)) for me in range(n)]
        dealt = [owned[k % n][k // n] for k in range(len(expected))]
        assert dealt == expected
        assert sum(len(o) for o in owned) == len(expected)


def test_young_collections_every_so_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(importer, "_collect_young", lambda: calls.append(1))
    monkeypatch.setattr(importer, "COLLECT_EVERY_ROWS", 10)
    young = importer._YoungCollections()
    for _ in range(7):
        young.after(4)  # 28 rows: collections after rows 12 and 24
    assert len(calls) == 2
