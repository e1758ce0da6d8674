"""The request measures, worked by hand: fragments are measured once and exactly."""

from __future__ import annotations

from graphql import parse

from graph_service.api.limits import FIELD_COSTS, Limits, check_limits, measure_operations
from graph_service.auth import secret_entropy_bits
from tests.security.test_holes import fan_out

LIMITS = Limits(
    max_tokens=2000,
    max_depth=10,
    max_aliases=30,
    max_cost=5000,
    max_selections=1000,
    max_page=100,
    validation_budget_s=5,
)


def test_fan_out_is_measured_exactly() -> None:
    # stats { ...F0 }, F0..F2 each spread the next twice, F3 { families }: 2^3 = 8 leaves.
    m = measure_operations(parse(fan_out(levels=3, spreads=2)), 100)[""]
    assert (m.selections, m.cost, m.depth, m.aliases) == (9, 9, 1, 0)


def test_the_reported_attack_measures_ten_billion_selections() -> None:
    m = measure_operations(parse(fan_out()), 100)[""]
    assert m.selections == 1 + 10**10
    errors = check_limits(parse(fan_out()), LIMITS)
    assert any("after fragment expansion" in e.message for e in errors)


def test_cost_multiplies_page_sizes_and_weights_reports() -> None:
    doc = parse(
        "{ families(first: 20) { edges { node { cohort { members { id } } } } } "
        "a: networkSummary { smallCellThreshold } }"
    )
    m = measure_operations(doc, 100)[""]
    # families 1 + 20 * (edges 1 + node 1 + cohort 1 + members 1 + 10 * id 1) = 281;
    # networkSummary: its weight + 1 child
    assert m.cost == 281 + FIELD_COSTS["networkSummary"] + 1
    assert m.aliases == 1 and m.depth == 5


def test_aliases_inside_a_fragment_count_once_per_spread() -> None:
    doc = parse("{ ...A ...A } fragment A on Query { x: stats { goals } y: stats { goals } }")
    assert measure_operations(doc, 100)[""].aliases == 4


def test_fragment_cycles_do_not_loop() -> None:
    doc = parse("{ stats { ...A } } fragment A on Stats { ...B } fragment B on Stats { ...A }")
    assert measure_operations(doc, 100)[""].selections == 1


def test_entropy_estimate() -> None:
    assert secret_entropy_bits("a" * 64) == 0.0
    assert secret_entropy_bits("abab" * 16) == secret_entropy_bits("ab")
    assert secret_entropy_bits("Qx7vB2mN9kLp4RtY8wZc3HjF6dGs1AeU") > 128
