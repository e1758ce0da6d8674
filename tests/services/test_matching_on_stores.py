"""The hand-worked matching network (tests/analytics/test_matching.py), loaded into each
store and read back: the same ranking and reasons, and a write visible to the next match."""

from __future__ import annotations

import math

from graph_service.analytics.matching import MatchIndex, Scope
from graph_service.auth import Principal, Role
from graph_service.readmodel import graph_of_store
from graph_service.services import matching as service
from graph_service.stores.base import GraphStore
from tests.analytics.test_matching import AA_ONE_BRIDGE, HAND_WEIGHTS, hand_records


def test_hand_ranking_from_each_store(store: GraphStore) -> None:
    store.write(hand_records())
    index = MatchIndex.build(graph_of_store(store), weights=HAND_WEIGHTS)
    # eli speaks only Spanish, ana only English: eli only when ana asks for any language
    ranked = [(m.family_id, round(m.score, 4)) for m in index.matches("ana", any_language=True)]
    assert ranked == [
        ("bo", round(1 / math.sqrt(2) + 0.4, 4)),
        ("eli", round(AA_ONE_BRIDGE, 4)),
        ("cy", round(0.5 / math.sqrt(2), 4)),
    ]
    assert [m.family_id for m in index.matches("ana")] == ["bo", "cy"]
    assert [m.family_id for m in index.matches("ana", scope=Scope.OTHER_REGIONS)] == ["hal"]


def test_a_write_is_visible_to_the_next_match(store: GraphStore) -> None:
    store.write(hand_records())
    ana = Principal(Role.FAMILY, "ana")

    def ids() -> list[str]:
        found = service.peer_suggestions(
            store, ana, "ana", first=10, scope=Scope.ANY, goal=None, include_cohort=False
        )
        return [m.family_id for m in found.matches]

    assert "hal" in ids()
    hal = store.get_families(["hal"])["hal"]
    store.upsert_families(
        [hal.model_copy(update={"consent": hal.consent.model_copy(update={"matching": False})})]
    )
    assert "hal" not in ids()
