"""The live projection equals a full rebuild from the store, after every write of every kind.

Random sequences of writes (families added, edited and deleted; cohorts; memberships joining,
leaving and invited; goals pursued, achieved and abandoned; help exchanged, confirmed and
moved to another pair; referrals) go through ``store.write`` on both stores. After each one,
the read model that followed the writes as deltas is compared with one built from scratch
from the store: the same graph, the same matches for every family, the same ripple summary.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_service.analytics.bridging import (
    bridging_families,
    bridging_families_of_arrays,
    bridging_families_of_ties,
)
from graph_service.analytics.family_graph import FamilyGraph, edge_values, tie_graph
from graph_service.analytics.matching import MatchIndex, Scope
from graph_service.analytics.region_graph import (
    region_graph,
    region_graph_of_arrays,
    region_graph_of_ties,
)
from graph_service.analytics.ripple import cascade_metrics, cohort_ripple, ripple_summary
from graph_service.analytics.tie_arrays import TieArrays
from graph_service.errors import DomainError
from graph_service.readmodel import ReadModel, family_graph, graph_of_store
from graph_service.readmodel.graph import ripple_graph, tie_arrays_of_view, tie_graph_of
from graph_service.stores.base import ChangeSet, GraphStore
from models import (
    Cohort,
    Consent,
    Family,
    Goal,
    GoalStatus,
    Helped,
    MemberOf,
    MembershipStatus,
    Pursues,
    Referred,
    Region,
    vocabulary,
)

FAMILIES = [f"f{i}" for i in range(9)]
COHORTS = ["c1", "c2", "c3"]
GOALS = ["buy_home", "emergency_savings", "health", "build_credit"]
SKILLS = ["cooking", "tax_paperwork", "childcare"]
DAY = date(2025, 3, 1)

family_ids = st.sampled_from(FAMILIES)


def _family(fid: str, region: str, size: int, consent: tuple[bool, bool], lang: str) -> Family:
    return Family(
        id=fid,
        name=fid.upper(),
        region_id=region,
        household_size=size,
        income_band=1 + size % 5,
        languages=(lang,),
        strengths=(SKILLS[size % 3],),
        needs=(SKILLS[(size + 1) % 3],),
        joined_at=date(2025, 1, 1 + size),
        consent=Consent(matching=consent[0], cross_region=consent[1], research=True),
    )


operations = st.one_of(
    st.tuples(
        st.just("family"),
        family_ids,
        st.sampled_from(["oak", "bos"]),
        st.integers(1, 9),
        st.tuples(st.booleans(), st.booleans()),
        st.sampled_from(["en", "es"]),
    ),
    st.tuples(st.just("cohort"), st.sampled_from(COHORTS), st.sampled_from(["oak", "bos"])),
    st.tuples(
        st.just("membership"),
        family_ids,
        st.sampled_from(COHORTS),
        st.sampled_from(list(MembershipStatus)),
    ),
    st.tuples(
        st.just("pursuit"),
        family_ids,
        st.sampled_from(GOALS),
        st.sampled_from(list(GoalStatus)),
        st.sampled_from(["", "save for a deposit on a house", "pay off the car loan"]),
    ),
    st.tuples(
        st.just("help"),
        st.sampled_from(["h1", "h2", "h3", "h4", "h5"]),
        family_ids,
        family_ids,
        st.booleans(),
    ),
    st.tuples(st.just("referral"), family_ids, family_ids),
    st.tuples(st.just("delete"), family_ids),
)


def _change(op: tuple[Any, ...]) -> ChangeSet:
    kind = op[0]
    if kind == "family":
        return ChangeSet(families=[_family(*op[1:])])
    if kind == "cohort":
        return ChangeSet(cohorts=[Cohort(id=op[1], name=op[1], region_id=op[2], created_at=DAY)])
    if kind == "membership":
        return ChangeSet(
            memberships=[MemberOf(family_id=op[1], cohort_id=op[2], since=DAY, status=op[3])]
        )
    if kind == "pursuit":
        achieved = DAY if op[3] is GoalStatus.ACHIEVED else None
        pursuit = Pursues(
            family_id=op[1],
            goal_id=op[2],
            since=DAY,
            status=op[3],
            achieved_at=achieved,
            description=op[4],
        )
        return ChangeSet(pursuits=[pursuit])
    if kind == "help":
        return ChangeSet(
            helps=[
                Helped(
                    id=op[1],
                    from_id=op[2],
                    to_id=op[3],
                    kind="childcare",
                    at=DAY,
                    hours=2,
                    confirmed=op[4],
                )
            ]
        )
    if kind == "referral":
        return ChangeSet(referrals=[Referred(from_id=op[1], to_id=op[2], at=DAY)])
    return ChangeSet(deleted_families=[op[1]])


def _base() -> ChangeSet:
    labels = vocabulary().goal_categories
    return ChangeSet(
        regions=[Region(id="oak", name="Oakland"), Region(id="bos", name="Boston")],
        goals=[Goal(id=g, label=labels[g]) for g in GOALS],
        families=[
            _family(f, "oak" if i % 2 else "bos", 1 + i, (True, i % 3 == 0), "en")
            for i, f in enumerate(FAMILIES[:5])
        ],
    )


def assert_same_graph(live: FamilyGraph, rebuilt: FamilyGraph) -> None:
    assert {n: d for n, d in live.nodes(data=True)} == {n: d for n, d in rebuilt.nodes(data=True)}
    assert sorted(live.edges(keys=True, data=True), key=repr) == sorted(
        rebuilt.edges(keys=True, data=True), key=repr
    )
    assert live.graph["regions"] == rebuilt.graph["regions"]
    assert {c: (i.region, i.status, i.members) for c, i in live.graph["cohorts"].items()} == {
        c: (i.region, i.status, i.members) for c, i in rebuilt.graph["cohorts"].items()
    }


def assert_same_ties(got: nx.Graph[str], want: nx.Graph[str]) -> None:
    assert {n: d for n, d in got.nodes(data=True)} == {n: d for n, d in want.nodes(data=True)}
    assert {frozenset((u, v)): set(k) for u, v, k in edge_values(got, "kinds")} == {
        frozenset((u, v)): set(k) for u, v, k in edge_values(want, "kinds")
    }
    assert got.graph == want.graph


def assert_same_arrays(got: TieArrays, want: TieArrays) -> None:
    assert got.ids == want.ids
    assert got.region == want.region
    assert got.cohort == want.cohort
    assert got.u.tolist() == want.u.tolist()
    assert got.v.tolist() == want.v.tolist()
    assert got.bits.tolist() == want.bits.tolist()
    assert got.regions == want.regions
    assert {c: (i.region, i.status, i.members) for c, i in got.cohorts.items()} == {
        c: (i.region, i.status, i.members) for c, i in want.cohorts.items()
    }


def assert_same_matches(live: MatchIndex, rebuilt: MatchIndex) -> None:
    assert set(live.position) == set(rebuilt.position)
    for family_id in sorted(rebuilt.position):
        if not rebuilt.matchable[rebuilt.position[family_id]]:
            continue
        for scope in (Scope.SAME_REGION, Scope.ANY):
            for include_cohort in (False, True):
                got = live.matches(family_id, scope=scope, include_cohort=include_cohort)
                want = rebuilt.matches(family_id, scope=scope, include_cohort=include_cohort)
                assert [m.family_id for m in got] == [m.family_id for m in want]
                assert [m.score for m in got] == pytest.approx([m.score for m in want])
                assert [m.reasons for m in got] == [m.reasons for m in want]


def check(store: GraphStore, model: ReadModel) -> None:
    rebuilt_graph = graph_of_store(store)
    live_projection = model.frozen()
    assert live_projection.version == store.data_version()
    live_graph = family_graph(live_projection)
    assert_same_graph(live_graph, rebuilt_graph)
    assert_same_matches(model.view().index, MatchIndex.build(rebuilt_graph))
    for help_edges in (True, False):  # the tie graph made from the columns
        wanted = tie_graph(family_graph(live_projection, help_edges=help_edges))
        assert_same_ties(tie_graph_of(live_projection, help_edges=help_edges), wanted)
    ties = tie_graph_of(live_projection)
    assert region_graph_of_ties(ties) == region_graph(rebuilt_graph)
    assert bridging_families_of_ties(ties, first=50) == bridging_families(rebuilt_graph, first=50)
    view = model.view()
    arrays = tie_arrays_of_view(view)  # the background analytics' input: no graph, no copy
    assert_same_arrays(arrays, TieArrays.of_graph(tie_graph(rebuilt_graph)))
    assert region_graph_of_arrays(arrays) == region_graph(rebuilt_graph)
    assert bridging_families_of_arrays(arrays, first=50) == bridging_families(
        rebuilt_graph, first=50
    )
    as_of = date(2026, 1, 1)
    assert ripple_summary(live_graph, as_of=as_of) == ripple_summary(rebuilt_graph, as_of=as_of)
    whole = ripple_graph(view, list(rebuilt_graph))  # the ripple summary's graph, from the view
    assert ripple_summary(whole, as_of=as_of) == ripple_summary(rebuilt_graph, as_of=as_of)
    for family_id in rebuilt_graph:  # each family's cascade, from the live view's columns
        small = ripple_graph(view, [family_id])
        assert cascade_metrics(small, family_id, as_of=as_of) == cascade_metrics(
            rebuilt_graph, family_id, as_of=as_of
        )
    for cohort_id, info in rebuilt_graph.graph["cohorts"].items():
        if info.members:
            small = ripple_graph(view, info.members)
            assert cohort_ripple(small, cohort_id, as_of=as_of) == cohort_ripple(
                rebuilt_graph, cohort_id, as_of=as_of
            )


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=14))
def test_live_projection_equals_rebuild(store: GraphStore, ops: list[tuple[Any, ...]]) -> None:
    _reset(store)
    store.write(_base())
    model = ReadModel(store)
    model.start(follow=False, background=False)
    check(store, model)
    try:
        for op in ops:
            try:
                store.write(_change(op))
            except (DomainError, ValueError):  # ValueError: pydantic (e.g. help to oneself)
                continue  # refused writes (a cycle, a missing family) change nothing
            check(store, model)
    finally:
        model.stop()


def _reset(store: GraphStore) -> None:
    clear = getattr(store, "clear_all", None)
    if clear is not None:
        clear()
        return
    for family_id in list(store.get_families(FAMILIES)):
        store.delete_family(family_id)
    assert not store.get_families(FAMILIES)


def test_a_help_write_updates_the_index_in_place(store: GraphStore) -> None:
    """One help exchange changes two tie rows of the live index, not the whole index."""
    store.write(_base())
    model = ReadModel(store)
    model.start(follow=False, background=False)
    before = model.view()
    store.write(_change(("help", "h1", "f0", "f2", False)))
    after = model.view()
    assert after.version == before.version + 1
    assert after.index.base_matrix is before.index.base_matrix  # shared, not rebuilt
    assert set(after.index.tie_patch) == {after.index.position["f0"], after.index.position["f2"]}
    assert_same_graph(family_graph(model.frozen()), graph_of_store(store))
    model.stop()


def test_ranks_stay_consistent_after_a_rebuild_with_deleted_rows(store: GraphStore) -> None:
    """Found by the property test: a family deleted, added again, then a bulk change that
    rebuilds the index with the deleted row in it, then a new family; ties must still break
    by family id."""
    store.write(_base())
    model = ReadModel(store)
    model.start(follow=False, background=False)
    try:
        for op in [
            ("delete", "f0"),
            ("family", "f0", "oak", 1, (False, False), "en"),
            ("family", "f5", "bos", 1, (True, False), "en"),
        ]:
            store.write(_change(op))
            check(store, model)
    finally:
        model.stop()


def test_a_poll_reads_the_feed_only_when_the_version_moved(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The follower's poll asks for the data version first: at the projection's version the
    change feed is not read; a write this model did not see (as if made by another process)
    moves the version, and the next poll reads the feed and applies it."""
    store.write(_base())
    model = ReadModel(store)
    model.start(follow=False, background=False)
    feed_reads: list[int] = []
    changes_since = store.changes_since

    def counted(version: int, *, limit: int = 1000) -> Any:
        feed_reads.append(version)
        return changes_since(version, limit=limit)

    monkeypatch.setattr(store, "changes_since", counted)
    try:
        before = model.view()
        model.poll()
        assert feed_reads == []
        assert model.view() is before
        store.remove_commit_listener(model.on_commit)  # the write of another process
        store.write(_change(("family", "f7", "oak", 2, (True, False), "en")))
        store.add_commit_listener(model.on_commit)
        assert "f7" not in model.view().index.position
        model.poll()
        assert feed_reads == [before.version]
        assert model.view().version == store.data_version() == before.version + 1
        assert "f7" in model.view().index.position
        check(store, model)
    finally:
        model.stop()
