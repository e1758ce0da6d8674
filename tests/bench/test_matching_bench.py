"""``bench matching``: the two servers' requests alternate (the order flipped at each family),
the paired ratio is per pair, and the whole case runs with both servers up at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

import graph_service.bench.matching as matching_module
from graph_service.bench import Measurement, run_cases
from graph_service.bench.matching import _alternating, _paired_ratio
from tests.bench.test_bench import embedded_opener


def test_requests_alternate_and_the_first_server_changes_at_each_family() -> None:
    calls: list[tuple[str, str]] = []
    asks = {name: (lambda family, name=name: calls.append((name, family))) for name in ("e", "n")}
    latencies = _alternating(["a", "b", "c", "d"], asks)
    assert calls == [
        ("e", "a"),
        ("n", "a"),
        ("n", "b"),
        ("e", "b"),
        ("e", "c"),
        ("n", "c"),
        ("n", "d"),
        ("e", "d"),
    ]
    assert list(latencies) == ["e", "n"]
    assert [len(v) for v in latencies.values()] == [4, 4]
    assert all(ms >= 0 for v in latencies.values() for ms in v)


def test_one_server_gets_every_family_in_order() -> None:
    calls: list[str] = []
    latencies = _alternating(["a", "b", "c"], {"e": calls.append})
    assert calls == ["a", "b", "c"] and len(latencies["e"]) == 3


def test_the_paired_ratio_is_the_median_of_each_pairs_ratio() -> None:
    # The p50s are equal (4 and 4), the pairs are not: 2x, 3x, 1x.
    assert _paired_ratio([2.0, 30.0, 4.0], [1.0, 10.0, 4.0]) == 2.0
    with pytest.raises(ValueError):
        _paired_ratio([1.0, 2.0], [1.0])


def run_matching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stores: tuple[str, ...]
) -> dict[str, Measurement]:
    """The case at 80 families, 12 measured requests after 6 warm-up ones."""
    monkeypatch.setattr(matching_module, "QUERIES", 30)
    monkeypatch.setattr(matching_module, "HTTP_QUERIES", 12)
    monkeypatch.setattr(matching_module, "WARM_UP", 6)
    openers = dict.fromkeys(stores, embedded_opener(tmp_path))  # the case starts its own
    quiet = Console(stderr=True, quiet=True)
    results = run_cases(["matching"], 80, 3, openers, None, console=quiet, workdir=tmp_path)
    return {m.subject: m for m in results}


def test_the_case_on_the_embedded_store_alone_has_no_paired_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures = run_matching(tmp_path, monkeypatch, ("embedded",))
    for q in (50, 99):
        figure = figures[f"embedded /graphql, family asks itself, p{q}"]
        assert figure.value > 0 and figure.extra["interleaved"] == 0.0
    assert not any(subject.startswith("neo4j") for subject in figures)
    assert figures["/graphql p50"].extra["requests"] == 12  # the admin's


@pytest.mark.neo4j
def test_the_case_measures_both_stores_side_by_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures = run_matching(tmp_path, monkeypatch, ("embedded", "neo4j"))
    for store in ("embedded", "neo4j"):
        for q in (50, 99):
            figure = figures[f"{store} /graphql, family asks itself, p{q}"]
            assert figure.value > 0 and figure.baseline_label == "embedded, same requests"
            assert figure.extra["interleaved"] == 1.0 and figure.extra["requests"] == 12
    paired = figures["neo4j / embedded, paired median ratio"]
    assert paired.value > 0 and paired.baseline == 1.0 and paired.ratio == paired.value
    assert paired.extra["requests"] == 12
    assert figures["/graphql p50"].extra["requests"] == 12  # the admin's, on the embedded server
