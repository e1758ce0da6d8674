"""The language rule of cohort proposals, on small named pools with hand-checked answers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_service.analytics.cohort_formation import (
    LeftOver,
    LeftOverReason,
    propose_cohorts,
    quality,
)
from graph_service.analytics.cohort_formation.language import deficit, required_mates
from graph_service.analytics.family_graph import FamilyGraph, build_family_graph
from models import Consent, Family, Helped, Pursues
from tests.analytics.homophilous_graph import homophilous_family_graph

DAY = date(2025, 1, 1)
ENGLISH = [f"e{i}" for i in range(6)]
SPANISH = [f"s{i}" for i in range(6)]


def family(fid: str, languages: tuple[str, ...]) -> Family:
    return Family(
        id=fid,
        name=fid.upper(),
        region_id="oakland",
        household_size=3,
        income_band=2,
        joined_at=DAY,
        languages=languages,
        consent=Consent(matching=True),
    )


def crossed() -> FamilyGraph:
    """Six English-only and six Spanish-only families whose goals and help ties cross the
    language line: e0-e2 with s0-s2 save for a home (a ring of help), e3-e5 with s3-s5 start
    a business. Without the rule the goal groups win; with it, the language groups."""
    families = [family(f, ("en",)) for f in ENGLISH] + [family(f, ("es",)) for f in SPANISH]
    home, business = [*ENGLISH[:3], *SPANISH[:3]], [*ENGLISH[3:], *SPANISH[3:]]
    goals = [Pursues(family_id=f, goal_id="buy_home", since=DAY) for f in home]
    goals += [Pursues(family_id=f, goal_id="start_business", since=DAY) for f in business]
    helps = [
        Helped(id=f"h{g}{k}", from_id=a, to_id=b, kind="food", at=DAY)
        for g, group in enumerate((home, business))
        for k, (a, b) in enumerate(zip(group, [*group[1:], group[0]], strict=True))
    ]
    return build_family_graph(families=families, pursuits=goals, helps=helps)


def test_required_mates_is_at_least_half_of_the_others_and_never_none() -> None:
    assert [required_mates(n, 0.5) for n in (1, 2, 6, 7, 8)] == [0, 1, 3, 3, 4]
    assert [required_mates(8, s) for s in (0.0, 0.01, 1.0)] == [0, 1, 7]
    # en, en+es, es: everyone has a language-mate; one of three short of 1 mate under 1.0
    assert deficit([0b01, 0b11, 0b10], [0, 1, 2], 0.5) == 0
    assert deficit([0b01, 0b11, 0b10], [0, 1, 2], 1.0) == 2


def test_without_the_rule_goals_and_ties_cross_the_language_line() -> None:
    graph = crossed()
    proposal = propose_cohorts(graph, sorted(graph), language_share=0.0)
    groups = {frozenset(c.members) for c in proposal.cohorts}
    assert groups == {
        frozenset([*ENGLISH[:3], *SPANISH[:3]]),
        frozenset([*ENGLISH[3:], *SPANISH[3:]]),
    }
    assert proposal.quality.cohorts_without_common_language == 2
    assert proposal.quality.families_short_of_language_mates == 12  # 2 mates each, 3 needed


def test_with_the_rule_by_default_every_cohort_shares_a_language() -> None:
    graph = crossed()
    for seed in (0, 1, 2):
        proposal = propose_cohorts(graph, sorted(graph), seed=seed)
        assert {frozenset(c.members) for c in proposal.cohorts} == {
            frozenset(ENGLISH),
            frozenset(SPANISH),
        }
        assert proposal.language_deficit == 0
        q = proposal.quality
        assert (q.cohorts_without_common_language, q.families_sharing_no_language) == (0, 0)


def test_a_family_sharing_no_language_with_the_pool_is_left_over_with_the_reason() -> None:
    graph = crossed()
    hmong = build_family_graph(families=[family("h0", ("hmn",))])
    graph.add_node("h0", **hmong.nodes["h0"])
    proposal = propose_cohorts(graph, sorted(graph))
    assert proposal.left_over == (LeftOver("h0", LeftOverReason.NO_SHARED_LANGUAGE),)
    assert sorted(m for c in proposal.cohorts for m in c.members) == sorted(ENGLISH + SPANISH)
    # the rule turned off: h0 is placed (13 families, one cohort of 6 and one of 7)
    off = propose_cohorts(graph, sorted(graph), language_share=0.0)
    assert off.left_over == () and off.quality.families_sharing_no_language == 1


def test_language_share_out_of_range_is_refused() -> None:
    from graph_service.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as error:
        propose_cohorts(crossed(), ENGLISH + SPANISH, language_share=1.5)
    assert [p.field for p in error.value.problems] == ["language_share"]


def test_quality_counts_language_figures_of_any_partition() -> None:
    graph = crossed()
    mixed = [[*ENGLISH[:5], SPANISH[0]], [*SPANISH[1:], ENGLISH[5]]]
    q = quality(graph, mixed)
    assert (q.cohorts_with_isolated_family, q.families_sharing_no_language) == (2, 2)
    assert q.cohorts_without_common_language == 2


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.integers(12, 80), seed=st.integers(0, 1000))
def test_nobody_placed_shares_no_language_when_the_pool_allows_it(size: int, seed: int) -> None:
    """Homophilous pools (languages en, es, vi, zh; 30% speak one language): the rule leaves
    nobody placed without a language-mate, and every family is placed or left over."""
    graph = homophilous_family_graph(size, seed=seed)
    proposal = propose_cohorts(graph, sorted(graph), seed=seed)
    placed = [m for c in proposal.cohorts for m in c.members]
    assert sorted(placed + [x.family_id for x in proposal.left_over]) == sorted(graph)
    assert proposal.quality.families_sharing_no_language == 0
