"""Differential privacy of research tables: the stated sensitivities hold, noise has the
stated scale, and the three differencing attacks recover nothing beyond the noise."""

from __future__ import annotations

import math
import statistics
from datetime import date

import pytest

from graph_service.analytics.contribution import Bounds, bounded_graph
from graph_service.analytics.disclosure import Cell, Table, assert_safe, make_table
from graph_service.analytics.family_graph import FamilyGraph, graph_of
from graph_service.analytics.network_summary import network_summary, research_graph
from graph_service.analytics.outcomes import Grouping, Stratum, outcomes_by_network
from graph_service.analytics.privacy import (
    COUNT,
    OpenDPNoise,
    SeededNoise,
    interval95,
    privatize,
    sensitivity,
)
from graph_service.analytics.region_graph import region_graph
from graph_service.analytics.ripple import ripple_summary
from graph_service.services.research import ripple_tables
from loaders.synthetic import SyntheticParameters, generate

BOUNDS = Bounds(max_exchanges=4, max_cohort_mates=3, max_goals=2, max_hours=5, max_dollars=50)
END = date(2026, 6, 30)


def _network(families: int, seed: int) -> FamilyGraph:
    return graph_of(generate(families, seed, SyntheticParameters(end=END)))


def _without(graph: FamilyGraph, family: str) -> FamilyGraph:
    """The same program with ``family``'s research consent withdrawn."""
    copy = graph.copy()
    copy.nodes[family]["consent_research"] = False
    return copy


def _values(table: Table, quantity: str) -> dict[tuple[str, str], float]:
    values: dict[tuple[str, str], float] = {}
    for row, cells in zip(table.row_keys, table.cells, strict=True):
        for column, cell in zip(table.column_keys, cells, strict=True):
            value = cell.count if quantity == COUNT else cell.derived.get(quantity)
            values[(row, column)] = float(value or 0)
    return values


def _l1(a: Table, b: Table, quantity: str) -> float:
    va, vb = _values(a, quantity), _values(b, quantity)
    return sum(abs(va.get(k, 0.0) - vb.get(k, 0.0)) for k in va.keys() | vb.keys())


def _count_tables(graph: FamilyGraph, region: str | None) -> list[Table]:
    bounded = bounded_graph(graph, BOUNDS)
    research = research_graph(bounded)
    tables = network_summary(bounded, region=region, structure=False).tables()[:7]
    for by in Grouping:
        for stratify in (Stratum.NONE, Stratum.REGION):
            result = outcomes_by_network(bounded, by=by, region=region, stratify=stratify)
            tables += result.tables()[:3]
    summary = ripple_summary(research, region=region, as_of=END, top=0)
    tables += ripple_tables(summary)[:3]
    tables += region_graph(research).tables()
    return tables


def test_one_familys_consent_moves_every_table_by_at_most_its_sensitivity() -> None:
    graph = _network(240, 5)
    limits = sensitivity(BOUNDS)
    consenting = [n for n, d in graph.nodes(data=True) if d["consent_research"]]
    # the busiest families (where the bounds bite) and a spread of the others
    busy = sorted(consenting, key=lambda n: -graph.degree(n))[:6]
    probes = busy + consenting[:: max(1, len(consenting) // 8)]
    region = graph.nodes[busy[0]]["region"]
    worst: dict[tuple[str, str], float] = {}
    for scope in (None, region):
        before = _count_tables(graph, scope)
        for family in probes:
            after = _count_tables(_without(graph, family), scope)
            for a, b in zip(before, after, strict=True):
                for quantity, limit in limits[a.name.split("@")[0]].items():
                    moved = _l1(a, b, quantity)
                    key = (a.name, quantity)
                    worst[key] = max(worst.get(key, 0.0), moved)
                    assert moved <= limit + 1e-6, (a.name, quantity, family, moved, limit)
    # the bounds are not vacuous: the busiest families move the tie tables
    assert worst[("degree_distribution", COUNT)] > 1
    assert worst[("help_by_kind", "hours")] > 0


def test_bounded_graph_caps_exchanges_and_clamps_values() -> None:
    graph = _network(200, 2)
    bounded = bounded_graph(graph, BOUNDS)
    for node in bounded:
        records = [
            d
            for _, _, d in bounded.in_edges(node, data=True)
            if d["kind"] in ("helped", "referred")
        ] + [d for _, _, d in bounded.out_edges(node, data=True)]
        assert len(records) <= BOUNDS.max_exchanges
        assert len(bounded.nodes[node]["goals"]) <= BOUNDS.max_goals
    for _, _, data in bounded.edges(data=True):
        if data["kind"] == "helped":
            assert 0 <= data["hours"] <= 5 and 0 <= data["amount"] <= 50
    for info in bounded.graph["cohorts"].values():
        assert len(info.members) <= BOUNDS.max_cohort_mates + 1
    # the kept records do not depend on anyone's research consent
    family = next(iter(graph))
    flipped = bounded_graph(_without(graph, family), BOUNDS)
    assert set(flipped.edges(keys=True)) == set(bounded.edges(keys=True))


@pytest.mark.parametrize("source", [OpenDPNoise(), SeededNoise(3)], ids=["opendp", "seeded"])
def test_noise_has_the_stated_scale(source: OpenDPNoise | SeededNoise) -> None:
    scale = 4.0
    ints = source.integers([100] * 4000, scale)
    reals = source.reals([0.0] * 4000, scale)
    # Laplace(b): mean absolute deviation b; discrete Laplace: close to b for b >> 1
    assert statistics.fmean(abs(v - 100) for v in ints) == pytest.approx(scale, rel=0.1)
    assert statistics.fmean(abs(v) for v in reals) == pytest.approx(scale, rel=0.1)
    inside = sum(abs(v) <= interval95(scale) for v in reals) / len(reals)
    assert inside == pytest.approx(0.95, abs=0.015)


def test_opendp_noise_is_fresh_and_seeded_noise_repeats() -> None:
    a, b = OpenDPNoise().integers([0] * 50, 10.0), OpenDPNoise().integers([0] * 50, 10.0)
    assert a != b
    assert SeededNoise(9).integers([0] * 50, 10.0) == SeededNoise(9).integers([0] * 50, 10.0)


def test_privatize_refuses_a_table_without_a_stated_sensitivity() -> None:
    table = make_table("names_of_families", "r", "c", [("x", [Cell(40)])], ["n"])
    with pytest.raises(KeyError):
        privatize([table], sensitivity(BOUNDS), 1.0, SeededNoise(0), threshold=10)
    with pytest.raises(ValueError, match="epsilon"):
        privatize([table], {"names_of_families": {COUNT: 1.0}}, 0.0, SeededNoise(0), threshold=10)


def test_noisy_tables_keep_the_small_cell_rule_and_add_up() -> None:
    graph = _network(300, 4)
    tables = network_summary(bounded_graph(graph, BOUNDS), structure=False).tables()[:7]
    noisy = privatize(tables, sensitivity(BOUNDS), 1.0, SeededNoise(1), threshold=10)
    for table in noisy:
        assert_safe(table, 10)
        assert table.epsilon is not None and table.noise[COUNT] > 0
        if table.total is not None and not table.total.suppressed:
            assert table.total.count == sum(
                c.count or 0 for row in table.cells for c in row
            ) or any(c.suppressed for row in table.cells for c in row)
    assert sum(t.epsilon or 0 for t in noisy) == pytest.approx(1.0)


# --- the attacks ---------------------------------------------------------------------------

TRIALS = 300


_EXACT: dict[tuple[int, str], list[Table]] = {}


def _exact(graph: FamilyGraph, **query: object) -> list[Table]:
    """The exact count tables of one query (computed once: only the noise varies)."""
    key = (id(graph), repr(sorted(query.items())))
    if key not in _EXACT:
        summary = network_summary(bounded_graph(graph, BOUNDS), structure=False, **query)  # type: ignore[arg-type]  # region/start/end
        _EXACT[key] = summary.tables()[:7]
    return _EXACT[key]


def _release(graph: FamilyGraph, seed: int, epsilon: float, **query: object) -> list[Table]:
    tables = _exact(graph, **query)
    return privatize(tables, sensitivity(BOUNDS), epsilon, SeededNoise(seed), threshold=10)


def _cell(tables: list[Table], name: str, row: str) -> Cell:
    table = next(t for t in tables if t.name == name)
    return table.cell(row, table.column_keys[0])


def _true(graph: FamilyGraph, name: str, row: str, **query: object) -> int:
    value = _cell(_exact(graph, **query), name, row).count
    assert value is not None
    return value


def _assert_not_recovered(errors: list[float], scale: float) -> None:
    """The attacker's estimates are off by about the noise: rarely exact, spread ~ b."""
    exact = sum(1 for e in errors if e == 0) / len(errors)
    # two independent (discrete) Laplace draws of scale b: P(difference = 0) <= 1/(2b) + ...
    assert exact <= 0.5 / scale + 0.05, exact
    assert statistics.median(abs(e) for e in errors) >= 0.5 * scale


def test_period_difference_attack_recovers_no_suppressed_quarter_cell() -> None:
    """Report to Q2 minus report to Q1 = Q2 alone, which its own report suppresses."""
    graph = _network(240, 8)
    q1 = {"start": date(2026, 1, 1), "end": date(2026, 3, 31)}
    q2 = {"start": date(2026, 1, 1), "end": date(2026, 6, 30)}
    quarter = {"start": date(2026, 4, 1), "end": date(2026, 6, 30)}
    single = _release(graph, 0, 1.0, **quarter)
    kinds = next(t for t in single if t.name == "help_by_kind")
    targets = [
        k
        for k, row in zip(kinds.row_keys, kinds.cells, strict=True)
        if 1 <= _true(graph, "help_by_kind", k, **quarter) <= 10 and row[0].suppressed
    ]
    assert targets, "the network has small quarter cells to attack"
    scale = kinds.noise[COUNT]
    for kind in targets:
        truth = _true(graph, "help_by_kind", kind, **quarter)
        errors = []
        for trial in range(TRIALS):
            to_q2 = _cell(_release(graph, 2 * trial + 1, 1.0, **q2), "help_by_kind", kind).count
            to_q1 = _cell(_release(graph, 2 * trial + 2, 1.0, **q1), "help_by_kind", kind).count
            if to_q2 is not None and to_q1 is not None:
                errors.append(float(to_q2 - to_q1 - truth))
        _assert_not_recovered(errors, scale)


def _with_one_more_family(graph: FamilyGraph) -> tuple[FamilyGraph, str]:
    """The program plus one consenting family with one exchange (helped by someone)."""
    after = graph.copy()
    giver = next(  # one whose records are all kept, so the new exchange counts
        n
        for n, d in graph.nodes(data=True)
        if d["consent_research"] and graph.degree(n) < BOUNDS.max_exchanges
    )
    attributes = dict(graph.nodes[giver], cohort=None, goals={})
    after.add_node("newcomer", **attributes)
    after.add_edge(
        giver, "newcomer", key="h-new", kind="helped", help_kind="childcare",
        at=date(2026, 5, 1), hours=2.0, amount=30.0, confirmed=True,
    )  # fmt: skip
    return after, "childcare"


def test_one_family_difference_cannot_tell_whether_the_family_is_there() -> None:
    """Before/after one family: the attacker guesses 'present' when the difference is >= 1.
    Differential privacy bounds any guess's accuracy by e^ε / (1 + e^ε)."""
    before = _network(240, 9)
    after, kind = _with_one_more_family(before)
    assert _true(after, "help_by_kind", kind) == _true(before, "help_by_kind", kind) + 1
    epsilon = 1.0
    reference = _release(before, 0, epsilon)
    per_quantity = epsilon / 11  # 7 tables; help by kind and by quarter: 3 quantities each
    assert next(t for t in reference if t.name == "help_by_kind").epsilon == pytest.approx(
        3 * per_quantity
    )
    correct = 0
    for trial in range(TRIALS):
        present = trial % 2 == 0
        world = after if present else before
        baseline = _cell(_release(before, 10_000 + trial, epsilon), "help_by_kind", kind).count
        shown = _cell(_release(world, trial, epsilon), "help_by_kind", kind).count
        guess = shown is not None and baseline is not None and shown - baseline >= 1
        correct += guess == present
    # the whole release is ε-DP for the family's exchange (group of 2 families: giver too)
    bound = math.exp(2 * epsilon) / (1 + math.exp(2 * epsilon))
    assert correct / TRIALS <= bound + 0.07
    assert correct / TRIALS <= 0.62  # in practice: close to a coin toss


def test_region_versus_whole_program_difference_recovers_no_small_region_cell() -> None:
    """Whole program minus every other region's report, to get one small region's count."""
    graph = _network(240, 11)
    regions = sorted(graph.graph["regions"])
    sizes = {r: _true(graph, "network_figures", "families", region=r) for r in regions}
    small = next(r for r in regions if 1 <= sizes[r] <= 10)
    scale = _release(graph, 0, 1.0)[0].noise[COUNT]
    errors = []
    for trial in range(TRIALS // 3):
        whole = _cell(_release(graph, trial, 1.0), "network_figures", "families").count or 0
        others = sum(
            _cell(
                _release(graph, 1000 * (i + 1) + trial, 1.0, region=r),
                "network_figures",
                "families",
            ).count
            or 0
            for i, r in enumerate(regions)
            if r != small
        )
        errors.append(float(whole - others - sizes[small]))
    _assert_not_recovered(errors, scale)
