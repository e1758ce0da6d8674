from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from typer.testing import CliRunner

from graph_service.stores.base import GraphStore
from loaders.commands import register
from tests.loaders.helpers import embedded


def app_on(path: Path) -> typer.Typer:
    @contextmanager
    def open_store() -> Iterator[GraphStore]:
        with embedded(path) as store:
            yield store

    app = typer.Typer()
    register(app, open_store)
    return app


def test_generate_load_export_load(tmp_path: Path) -> None:
    runner = CliRunner()
    first = app_on(tmp_path / "a.sqlite")
    data = tmp_path / "data"
    outcome = runner.invoke(
        first,
        ["generate", "--families", "40", "--seed", "3", "--out", str(data), "--format", "jsonl"],
    )
    assert outcome.exit_code == 0, outcome.output
    assert (data / "graph.jsonl").exists()
    assert runner.invoke(first, ["load", str(data), "--batch-size", "25"]).exit_code == 0
    exported = tmp_path / "exported"
    assert runner.invoke(first, ["export", "--out", str(exported)]).exit_code == 0
    assert (exported / "families.csv").exists()
    second = app_on(tmp_path / "b.sqlite")
    assert runner.invoke(second, ["load", str(exported)]).exit_code == 0
    with embedded(tmp_path / "a.sqlite") as a, embedded(tmp_path / "b.sqlite") as b:
        assert a.counts() == b.counts() and a.counts()["Family"] == 40
    graphml = runner.invoke(
        first, ["export", "--out", str(tmp_path / "g.graphml"), "--format", "graphml"]
    )
    assert graphml.exit_code == 0 and (tmp_path / "g.graphml").exists()


def test_load_with_a_bad_row_exits_1_naming_the_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "regions.csv").write_text("id,name\nr1,Detroit\nBAD ID,x\n")
    outcome = CliRunner().invoke(app_on(tmp_path / "a.sqlite"), ["load", str(data)])
    assert outcome.exit_code == 1
    assert "regions.csv:3: id" in outcome.output
