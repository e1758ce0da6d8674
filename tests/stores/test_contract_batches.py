"""Store contract (both stores): all-or-nothing batches, referral rules against the stored
graph (also under concurrent writers), help merged on id, a repeated record keeps the last.
Moved here from test_neo4j_specific.py, where they ran on Neo4j only."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest

from graph_service.errors import Conflict, NotFound
from graph_service.stores.base import ChangeSet, GraphStore
from models import (
    Cohort,
    Family,
    Goal,
    Helped,
    MemberOf,
    Pursues,
    Referred,
    Region,
    ValidationFailed,
)

DAY = date(2025, 3, 1)


def family(family_id: str, region_id: str = "oak", **changes: Any) -> Family:
    return Family(
        id=family_id,
        name=f"Family {family_id}",
        region_id=region_id,
        household_size=4,
        income_band=2,
        joined_at=date(2025, 1, 1),
        **changes,
    )


def help_record(help_id: str, giver: str, receiver: str, **changes: Any) -> Helped:
    fields: dict[str, Any] = {"kind": "food", "at": DAY, **changes}
    return Helped(id=help_id, from_id=giver, to_id=receiver, **fields)


def seed_basics(store: GraphStore, *family_ids: str) -> None:
    store.upsert_regions([Region(id="oak", name="Oakland"), Region(id="bos", name="Boston")])
    store.upsert_goals([Goal(id="health", label="Health")])
    store.upsert_families([family(family_id) for family_id in family_ids])


def test_a_repeated_record_in_one_batch_keeps_the_last(store: GraphStore) -> None:
    seed_basics(store)
    store.upsert_families([family("f1"), family("f1", region_id="bos")])
    assert store.get_families(["f1"])["f1"].region_id == "bos"
    assert store.counts()["LIVES_IN"] == 1


def test_help_is_many_per_pair_and_merged_on_id(store: GraphStore) -> None:
    seed_basics(store, "f1", "f2", "f3")
    helps = [help_record("h1", "f1", "f2"), help_record("h2", "f1", "f2", amount=40.0)]
    store.upsert_help(helps)
    store.upsert_help(helps)
    assert store.counts()["HELPED"] == 2
    store.upsert_help([help_record("h1", "f3", "f2")])  # same exchange, corrected giver
    assert store.counts()["HELPED"] == 2
    got = [(h.id, h.from_id) for h in store.help_of(["f2"])["f2"]]
    assert got == [("h1", "f3"), ("h2", "f1")]  # same day: by id


@pytest.mark.parametrize(
    ("write", "field"),
    [
        (
            lambda s: s.upsert_families([family("f9"), family("f8", region_id="nowhere")]),
            "regionId",
        ),
        (
            lambda s: s.upsert_cohorts([Cohort(id="c", name="C", region_id="x", created_at=DAY)]),
            "regionId",
        ),
        (
            lambda s: s.upsert_memberships([MemberOf(family_id="zz", cohort_id="c1", since=DAY)]),
            "familyId",
        ),
        (
            lambda s: s.upsert_memberships([MemberOf(family_id="f1", cohort_id="zz", since=DAY)]),
            "cohortId",
        ),
        (
            lambda s: s.upsert_pursuits([Pursues(family_id="f1", goal_id="buy_home", since=DAY)]),
            "goalId",
        ),
        (
            lambda s: s.upsert_help([help_record("h", "f1", "f2"), help_record("x", "zz", "f1")]),
            "fromId",
        ),
        (lambda s: s.upsert_referrals([Referred(from_id="f1", to_id="zz", at=DAY)]), "toId"),
        (
            lambda s: s.write(
                ChangeSet(
                    referrals=[
                        Referred(from_id="f1", to_id="f2", at=DAY),
                        Referred(from_id="zz", to_id="f1", at=DAY),
                    ],
                    new_records=True,
                )
            ),
            "fromId",
        ),
        (  # created, not merged (ChangeSet.new_records): the same references are checked
            lambda s: s.write(
                ChangeSet(families=[family("f9"), family("f8", region_id="no")], new_records=True)
            ),
            "regionId",
        ),
        (
            lambda s: s.write(
                ChangeSet(
                    helps=[help_record("h", "f1", "f2"), help_record("x", "f1", "zz")],
                    new_records=True,
                )
            ),
            "toId",
        ),
        (
            lambda s: s.write(
                ChangeSet(
                    regions=[Region(id="new", name="New")],
                    families=[family("f7", region_id="new")],
                    helps=[help_record("h7", "f7", "f8")],
                )
            ),
            "toId",
        ),
    ],
)
def test_a_dangling_reference_rejects_the_whole_batch(
    store: GraphStore, write: Any, field: str
) -> None:
    seed_basics(store, "f1", "f2")
    store.upsert_cohorts([Cohort(id="c1", name="C", region_id="oak", created_at=DAY)])
    before, version = store.counts(), store.data_version()
    with pytest.raises(NotFound) as caught:
        write(store)
    assert caught.value.field == field
    assert store.counts() == before
    assert store.data_version() == version


# referral rules against the stored graph --------------------------------------------------------
@pytest.mark.parametrize("new", [False, True], ids=["merged", "created"])
def test_a_referral_closing_a_stored_cycle_is_rejected(store: GraphStore, new: bool) -> None:
    """The rules hold on the stored chains whether the referrals are merged or created
    (ChangeSet.new_records, the import's new batches)."""
    seed_basics(store, "a", "b", "c", "d")
    store.upsert_referrals(
        [Referred(from_id="a", to_id="b", at=DAY), Referred(from_id="b", to_id="c", at=DAY)]
    )
    version = store.data_version()

    def refer(*edges: tuple[str, str]) -> None:
        referrals = [Referred(from_id=a, to_id=b, at=DAY) for a, b in edges]
        store.write(ChangeSet(referrals=referrals, new_records=new))

    with pytest.raises(ValidationFailed, match="cycle"):
        refer(("c", "d"), ("d", "a"))
    with pytest.raises(ValidationFailed, match="already has referrer"):
        refer(("d", "c"))
    assert store.counts()["REFERRED"] == 2
    assert store.data_version() == version
    if new:  # a referral said to be new that is stored: written meanwhile
        with pytest.raises(Conflict):
            refer(("c", "d"), ("a", "b"))
    else:
        refer(("a", "b"))  # re-sent: fine
    assert store.counts()["REFERRED"] == 2

    def referrers(*ids: str) -> dict[str, str]:
        return {k: r.from_id for k, r in store.referrer_of(list(ids)).items()}

    assert referrers("b", "c", "d") == {"b": "a", "c": "b"}
    refer(("c", "d"))
    assert referrers("d") == {"d": "c"}
    assert store.counts()["REFERRED"] == 3


def refer_after(
    start: threading.Barrier, store: GraphStore, edge: Referred, outcomes: list[str]
) -> None:
    start.wait()
    try:
        store.upsert_referrals([edge])
        outcomes.append("ok")
    except ValidationFailed:
        outcomes.append("rejected")


def test_concurrent_writers_cannot_both_close_a_cycle(store: GraphStore) -> None:
    # Each edge alone is fine; together they close a cycle. The version bump locks the Meta
    # node first, so the second transaction checks against the first one's committed edge.
    for trial in range(5):
        a, b = f"t{trial}-a", f"t{trial}-b"
        seed_basics(store, a, b)
        outcomes: list[str] = []
        start = threading.Barrier(2)
        edges = (Referred(from_id=a, to_id=b, at=DAY), Referred(from_id=b, to_id=a, at=DAY))
        threads = [
            threading.Thread(target=refer_after, args=(start, store, edge, outcomes))
            for edge in edges
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["ok", "rejected"]
        assert store.counts()["REFERRED"] == trial + 1


# records said to be new (ChangeSet.new_records: the import's batches) ----------------------------
def test_new_records_are_created_as_an_upsert_would_write_them(store: GraphStore) -> None:
    seed_basics(store, "f1")
    created = [
        help_record("h1", "f1", "f2"),
        help_record("h2", "f3", "f1", kind="tutoring", hours=1.5, amount=5.0, confirmed=True),
    ]
    store.write(
        ChangeSet(
            families=[family("f2"), family("f3", region_id="bos")],
            helps=created,
            new_records=True,
        )
    )
    assert store.counts()["LIVES_IN"] == 3
    assert store.counts()["HELPED"] == 2
    assert store.get_families(["f3"])["f3"] == family("f3", region_id="bos")
    assert store.help_of(["f1"])["f1"] == created  # every field, the absent ones absent
    store.upsert_help(created)  # merged onto the created ones: nothing changes
    assert store.help_of(["f1"])["f1"] == created
    assert store.counts()["HELPED"] == 2


@pytest.mark.parametrize(
    "changes",
    [
        ChangeSet(families=[family("f9"), family("f1", region_id="bos")], new_records=True),
        ChangeSet(
            helps=[help_record("h2", "f2", "f1"), help_record("h1", "f2", "f1")], new_records=True
        ),
        ChangeSet(
            families=[family("f9")],
            memberships=[MemberOf(family_id="f1", cohort_id="c1", since=DAY)],
            new_records=True,
        ),
        ChangeSet(
            families=[family("f9")],
            referrals=[Referred(from_id="f1", to_id="f2", at=DAY)],
            new_records=True,
        ),
    ],
    ids=["family", "help moved to other ends", "membership", "referral"],
)
def test_a_stored_key_among_new_records_is_a_conflict_and_nothing_is_written(
    store: GraphStore, changes: ChangeSet
) -> None:
    """A writer that vouched its keys were new (checked before, outside the transaction)
    loses the race to another writer: the store refuses the whole change set."""
    seed_basics(store, "f1", "f2")
    store.upsert_cohorts([Cohort(id="c1", name="C", region_id="oak", created_at=DAY)])
    store.upsert_memberships([MemberOf(family_id="f1", cohort_id="c1", since=DAY)])
    store.upsert_help([help_record("h1", "f1", "f2")])
    store.upsert_referrals([Referred(from_id="f1", to_id="f2", at=DAY)])
    before, version = store.counts(), store.data_version()
    stored = store.get_families(["f1"])["f1"]
    with pytest.raises(Conflict) as caught:
        store.write(changes)
    assert caught.value.code == "CONFLICT"
    assert store.counts() == before
    assert store.data_version() == version
    assert store.get_families(["f1", "f9"]) == {"f1": stored}
    assert [(h.id, h.from_id) for h in store.help_of(["f2"])["f2"]] == [("h1", "f1")]
