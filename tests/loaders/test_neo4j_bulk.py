"""``load --bulk`` on a real engine (issue 19): neo4j-admin into the project's engine, the same
records as a normal import, nothing written for a bad input, a non-empty database refused.

The module starts its own engine with a kept home (the bulk load stops and restarts it); the
normal import to compare with goes to the session's shared engine.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from typer.testing import CliRunner

from graph_service.kinds import KINDS
from graph_service.neo4j_engine import Neo4jEngine, start_engine
from graph_service.settings import get_settings
from graph_service.stores.base import GraphStore
from graph_service.stores.neo4j_store import Neo4jStore
from loaders.importer import ImportFailed, import_folder
from loaders.neo4j_bulk import NotEmpty, bulk_load, other_nodes
from tests.conftest import make_neo4j_store
from tests.loaders.helpers import write_small
from tests.loaders.test_commands import app_on


class _Engine:
    """The module's engine; a bulk load replaces it with the restarted one."""

    def __init__(self, engine: Neo4jEngine) -> None:
        self.engine = engine

    def driver(self) -> neo4j.Driver:
        return neo4j.GraphDatabase.driver(self.engine.uri, auth=("neo4j", "unused"))


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Engine]:
    home = tmp_path_factory.mktemp("bulk-home")
    holder = _Engine(start_engine(home=home))
    yield holder
    holder.engine.stop()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bulk-data")
    write_small(folder, families=80)
    return folder


def records(store: GraphStore) -> dict[str, list[Any]]:
    """Every record of every registered kind, in key order."""
    return {kind.part: sorted(store.scan(kind.part), key=kind.key) for kind in KINDS}


def test_a_bad_input_writes_nothing_and_keeps_the_engine(
    own: _Engine, data: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(data, bad)
    with (bad / "referrals.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[-1][1] = "no-such-family"  # the last row of the last file names a missing family
    with (bad / "referrals.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    before = own.engine
    with pytest.raises(ImportFailed) as refused:
        bulk_load(own.engine, bad)
    assert "referrals.csv" in str(refused.value)
    assert own.engine is before and before.process.poll() is None  # never stopped
    with own.driver() as driver:
        assert other_nodes(driver) == {}


def _cli_bulk(uri: str, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("NEO4J_URI", uri)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(
            app_on(tmp_path / "unused.sqlite"),
            ["load", str(data), "--bulk", "--bulk-files", str(tmp_path / "files")],
        )
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_for_a_server_the_user_runs_the_cli_writes_the_files_and_the_command(
    own: _Engine, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = _cli_bulk(own.engine.uri, data, tmp_path, monkeypatch)
    assert done.exit_code == 0, done.output
    script = (tmp_path / "files" / "import.sh").read_text()
    assert "database import full" in script and "--nodes=Family=" in script
    header = (tmp_path / "files" / "family.header.csv").read_text()
    assert header.startswith("id:ID(Family),") and "joinedAt:date" in header
    body = (tmp_path / "files" / "family.csv").read_text().splitlines()
    assert len(body) == 80
    with own.driver() as driver:
        assert other_nodes(driver) == {}  # only files were written


def test_bulk_load_stores_what_a_normal_import_stores(
    own: _Engine, data: Path, neo4j_driver: Any
) -> None:
    engine, report = bulk_load(own.engine, data)
    own.engine = engine
    assert report.counts["Family"] == 80 and report.counts["LIVES_IN"] == 80
    normal = make_neo4j_store(neo4j_driver)
    import_folder(normal, data, progress=False)
    with own.driver() as driver:
        bulk = Neo4jStore(driver)
        assert bulk.counts() == normal.counts()
        assert records(bulk) == records(normal)
        constraints = {r["name"] for r in driver.execute_query("SHOW CONSTRAINTS").records}
        assert {"family_id", "helped_id", "meta_key"} <= constraints
        # the feed says "rebuild" once, so a read model started before would rebuild
        assert bulk.data_version() == 1
        # and the store works as usual afterwards: a normal import finds everything unchanged
        again = import_folder(bulk, data, progress=False)
        assert again.total_rows == 0 and again.total_unchanged == sum(report.counts.values()) - 80


def test_a_database_with_data_is_refused(
    own: _Engine, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with own.driver() as driver:
        before = Neo4jStore(driver).counts()
        assert before["Family"] == 80
    engine = own.engine
    with pytest.raises(NotEmpty, match="needs an empty one"):
        bulk_load(engine, data)
    assert engine.process.poll() is None
    with own.driver() as driver:
        assert Neo4jStore(driver).counts() == before
    refused = _cli_bulk(engine.uri, data, tmp_path, monkeypatch)
    assert refused.exit_code == 1 and "needs an empty one" in refused.output
    assert not (tmp_path / "files" / "import.sh").exists()
