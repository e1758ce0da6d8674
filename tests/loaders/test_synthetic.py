from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.synthetic import SyntheticNetwork, SyntheticParameters, generate
from models import GoalStatus, MembershipStatus, check_referrals, today

END = date(2025, 6, 30)
PARAMS = SyntheticParameters(end=END)


@pytest.fixture(scope="module")
def network() -> SyntheticNetwork:
    return generate(500, seed=11, parameters=PARAMS)


def test_same_seed_same_network_other_seed_other_network(network: SyntheticNetwork) -> None:
    again = generate(500, seed=11, parameters=PARAMS)
    assert list(again.records()) == list(network.records())
    other = generate(500, seed=12, parameters=PARAMS)
    assert list(other.helps) != list(network.helps)


def test_exactly_the_families_asked_for_in_every_region(network: SyntheticNetwork) -> None:
    assert len(network.families) == 500
    assert len({f.id for f in network.families}) == 500
    regions = {r.id for r in network.regions}
    assert {f.region_id for f in network.families} <= regions


def test_cohorts_have_six_to_eight_members_of_one_region(network: SyntheticNetwork) -> None:
    sizes = Counter(m.cohort_id for m in network.memberships)
    assert set(sizes.values()) <= {6, 7, 8}
    assert len(sizes) == len(network.cohorts)
    region_of = {f.id: f.region_id for f in network.families}
    cohort_region = {c.id: c.region_id for c in network.cohorts}
    assert all(region_of[m.family_id] == cohort_region[m.cohort_id] for m in network.memberships)
    assert Counter(m.family_id for m in network.memberships).most_common(1)[0][1] == 1


def test_referrals_form_a_forest_with_at_most_two_invitations(
    network: SyntheticNetwork,
) -> None:
    referrals = list(network.referrals)
    referred = Counter(r.to_id for r in referrals)
    assert max(referred.values()) == 1  # at most one referrer
    assert max(Counter(r.from_id for r in referrals).values()) <= 2
    tree = nx.DiGraph([(r.from_id, r.to_id) for r in referrals])
    assert nx.is_forest(tree.to_undirected()) and nx.is_directed_acyclic_graph(tree)
    check_referrals({}, referrals)  # the model's own rule agrees


def test_cascades_are_mostly_shallow_with_a_few_deep_ones(network: SyntheticNetwork) -> None:
    tree = nx.DiGraph([(r.from_id, r.to_id) for r in network.referrals])
    roots = [n for n in tree if tree.in_degree(n) == 0]
    sizes = sorted(len(nx.descendants(tree, r)) + 1 for r in roots)
    assert sizes[len(sizes) // 2] < sizes[-1] / 3  # the median cascade is far from the largest


def test_invitees_join_after_their_inviter_and_on_the_referral_date(
    network: SyntheticNetwork,
) -> None:
    joined = {f.id: f.joined_at for f in network.families}
    for referral in network.referrals:
        assert referral.at == joined[referral.to_id] >= joined[referral.from_id]


def test_all_dates_lie_in_the_24_months_before_the_end(network: SyntheticNetwork) -> None:
    start = END - timedelta(days=731)
    dates = [f.joined_at for f in network.families] + [h.at for h in network.helps]
    dates += [p.achieved_at for p in network.pursuits if p.achieved_at is not None]
    assert start <= min(dates) and max(dates) <= END <= today()


def test_default_end_is_before_today() -> None:
    assert SyntheticParameters().end_date() < today()


def test_families_have_plausible_attributes(network: SyntheticNetwork) -> None:
    families = list(network.families)
    assert all(1 <= f.household_size <= 10 for f in families)
    assert all(1 <= len(f.strengths) <= 3 and not set(f.strengths) & set(f.needs) for f in families)
    assert sum("es" in f.languages for f in families) > 0.1 * len(families)
    moved = [f.income_band - (f.baseline_income_band or 0) for f in families]
    assert sum(m > 0 for m in moved) > 2 * sum(m < 0 for m in moved)  # incomes tend to rise
    research = sum(f.consent.research for f in families)
    matching = sum(f.consent.matching for f in families)
    cross = sum(f.consent.cross_region for f in families)
    assert research > matching > cross > 0


def test_goals_one_to_three_some_achieved(network: SyntheticNetwork) -> None:
    per_family = Counter(p.family_id for p in network.pursuits)
    assert set(per_family.values()) <= {1, 2, 3} and len(per_family) == 500
    statuses = Counter(p.status for p in network.pursuits)
    assert statuses[GoalStatus.ACHIEVED] > 0 and statuses[GoalStatus.ACTIVE] > 0
    assert any(p.description for p in network.pursuits)


def test_invited_families_share_goals_more_than_strangers(network: SyntheticNetwork) -> None:
    goals: dict[str, set[str]] = {}
    for p in network.pursuits:
        goals.setdefault(p.family_id, set()).add(p.goal_id)
    ids = sorted(goals)
    pairs = [(r.from_id, r.to_id) for r in network.referrals]
    friends = np.mean([bool(goals[a] & goals[b]) for a, b in pairs])
    rng = np.random.default_rng(0)
    strangers = np.mean(
        [bool(goals[ids[a]] & goals[ids[b]]) for a, b in rng.integers(len(ids), size=(2000, 2))]
    )
    assert friends > strangers + 0.1


def test_help_is_mostly_within_cohorts_and_regions_and_often_returned(
    network: SyntheticNetwork,
) -> None:
    helps = list(network.helps)
    cohort = {m.family_id: m.cohort_id for m in network.memberships}
    region = {f.id: f.region_id for f in network.families}
    same_cohort = np.mean([cohort.get(h.from_id, "-") == cohort.get(h.to_id, "+") for h in helps])
    same_region = np.mean([region[h.from_id] == region[h.to_id] for h in helps])
    assert same_cohort > 0.5 and 0.85 < same_region < 1.0
    pairs = {(h.from_id, h.to_id) for h in helps}
    assert np.mean([(b, a) in pairs for a, b in pairs]) > 0.3
    assert abs(len(helps) / 500 - PARAMS.help_per_family) < 2
    assert all(h.from_id != h.to_id for h in helps)


def test_help_dollars_come_to_the_program_figure_per_two_years(
    network: SyntheticNetwork,
) -> None:
    total = sum(h.amount or 0 for h in network.helps)
    family_years = sum((END - f.joined_at).days for f in network.families) / 730
    assert total / family_years == pytest.approx(PARAMS.dollars_per_family, rel=0.15)


def test_exchanges_become_more_frequent_over_time(network: SyntheticNetwork) -> None:
    start = END - timedelta(days=731)
    first_half = sum(h.at < start + timedelta(days=365) for h in network.helps)
    assert len(network.helps) - first_half > 2 * first_half


def test_some_members_left_their_cohort(network: SyntheticNetwork) -> None:
    statuses = Counter(m.status for m in network.memberships)
    assert 0 < statuses[MembershipStatus.LEFT] < statuses[MembershipStatus.ACTIVE]


@settings(max_examples=25, deadline=None)
@given(families=st.integers(1, 80), seed=st.integers(0, 10_000))
def test_any_size_and_seed_gives_valid_records(families: int, seed: int) -> None:
    network = generate(families, seed, parameters=PARAMS)
    records = list(network.records())  # every record is built (and validated) by its model
    assert len(records) == sum(network.counts().values())
    assert len(network.families) == families
    assert all(6 <= size <= 8 for size in network.cohort_sizes())
    assert all(count <= 2 for count in network.invitations().values())
