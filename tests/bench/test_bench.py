from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

import graph_service.bench.ingest as ingest_module
from graph_service.bench import (
    CASES,
    BenchContext,
    Measurement,
    StoreOpener,
    bench_case,
    run_cases,
)
from graph_service.bench.cli import register_bench
from graph_service.stores.base import GraphStore
from graph_service.stores.embedded import EmbeddedStore


def quiet() -> Console:
    return Console(stderr=True, quiet=True)


def embedded_opener(folder: Path) -> StoreOpener:
    count = [0]

    @contextmanager
    def opener() -> Iterator[GraphStore]:
        count[0] += 1
        store = EmbeddedStore(folder / f"bench-{count[0]}.sqlite")
        store.open()
        try:
            yield store
        finally:
            store.close()

    return opener


def test_a_case_is_one_decorated_function(tmp_path: Path) -> None:
    @bench_case("test-dummy", help="a dummy")
    def dummy(ctx: BenchContext) -> list[Measurement]:
        return [
            Measurement("test-dummy", name, "things/s", 30.0, 10.0, "slow way")
            for name in ctx.stores
        ]

    try:
        out = tmp_path / "r.json"
        results = run_cases(
            ["test-dummy"], 10, 1, {"a": embedded_opener(tmp_path)}, out, console=quiet()
        )
        assert [(m.subject, m.ratio) for m in results] == [("a", 3.0)]
        document = json.loads(out.read_text())
        assert document["results"][0]["ratio"] == 3.0
        assert document["results"][0]["baseline_label"] == "slow way"
    finally:
        del CASES["test-dummy"]


def test_unknown_case_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="ingest"):
        run_cases(["nope"], 10, 1, {}, None, console=quiet())


def test_ingest_case_reports_rate_baseline_ratio_and_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_module, "SLICE_FAMILIES", 12)
    results = run_cases(
        ["ingest"],
        40,
        3,
        {"embedded": embedded_opener(tmp_path)},
        None,
        console=quiet(),
        workdir=tmp_path,
    )
    (result,) = results
    assert result.case == "ingest" and result.subject == "embedded"
    assert (
        result.value > 0 and result.baseline > 0 and result.ratio == result.value / result.baseline
    )
    assert result.extra["families_stored"] == 40
    assert result.extra["peak_rss_mib"] > 0


def test_startup_case_reports_the_build_against_the_load(tmp_path: Path) -> None:
    (result,) = run_cases(
        ["startup"],
        40,
        3,
        {"embedded": embedded_opener(tmp_path)},
        None,
        console=quiet(),
        workdir=tmp_path,
    )
    assert result.case == "startup" and result.subject == "embedded"
    assert result.value > 0 and result.baseline > 0 and not result.higher_is_better
    assert result.extra["families"] == 40
    for part in ("read_s", "apply_s", "index_s", "settle_s", "first_match_s"):
        assert result.extra[part] >= 0


def test_bench_command_lists_cases() -> None:
    app = typer.Typer()
    app.command("noop")(lambda: None)
    register_bench(app)
    outcome = CliRunner().invoke(app, ["bench", "--list"])
    assert outcome.exit_code == 0
    assert "ingest" in outcome.output


def test_scale_measures_neo4j_only(tmp_path: Path) -> None:
    stores = {"embedded": embedded_opener(tmp_path)}
    assert run_cases(["scale"], 60, 3, stores, None, console=quiet(), workdir=tmp_path) == []


@pytest.mark.neo4j
def test_scale_case_runs_the_whole_path_on_its_own_engines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One run at 60 families (the reference is the same size, so every ratio is 1): the bulk
    load holds every generated record, and each step of the path gave a figure."""
    import graph_service.bench.scale as scale_module
    from loaders.synthetic import generate

    monkeypatch.setattr(scale_module, "MIN_REFERENCE", 60)
    monkeypatch.setattr(scale_module, "ASKERS", 5)
    monkeypatch.setattr(scale_module, "WRITES", 3)
    stores = {"neo4j": embedded_opener(tmp_path)}  # the case starts engines of its own
    results = run_cases(["scale"], 60, 3, stores, None, console=quiet(), workdir=tmp_path)
    figures = {m.metric: m for m in results}
    network = generate(60, 3)
    parts = (network.regions, network.goals, network.families, network.cohorts)
    edges = (network.memberships, network.pursuits, network.helps, network.referrals)
    assert figures["records"].value == sum(len(p) for p in (*parts, *edges))
    for name in (
        "bulk load s",
        "first match after first start s",
        "warm match p50 ms",
        "recordHelp p99 ms",
        "regionGraph first computed s",
        "server peak RSS MiB",
        "first match after a restart s",
        "engine RSS MiB",
    ):
        assert figures[name].value > 0, name
        assert figures[name].ratio == 1.0, name


def test_scale_alone_refuses_a_home_without_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import graph_service.bench.scale as scale_module

    with pytest.raises(SystemExit) as stopped:
        scale_module.main(["--home", str(tmp_path), "--families", "10"])
    assert stopped.value.code == 2
    assert "holds no Neo4j database" in capsys.readouterr().err
