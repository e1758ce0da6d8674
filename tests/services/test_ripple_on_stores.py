"""Cascade measures on hand-built referral trees, read back from each store."""

from __future__ import annotations

from datetime import date

import pytest

from graph_service.analytics.ripple import cascade_metrics
from graph_service.readmodel import graph_of_store
from graph_service.stores.base import ChangeSet, GraphStore
from models import Family, Referred, Region

TREES = {
    # root: referral edges (parent, child)
    "single": [],
    "star": [("star", f"star-{i}") for i in range(4)],
    "chain": [
        ("chain", "chain-1"),
        ("chain-1", "chain-2"),
        ("chain-2", "chain-3"),
        ("chain-3", "chain-4"),
    ],
    "bal": [
        ("bal", "bal-l"),
        ("bal", "bal-r"),
        ("bal-l", "bal-ll"),
        ("bal-l", "bal-lr"),
        ("bal-r", "bal-rl"),
        ("bal-r", "bal-rr"),
    ],
}
# root: (size, depth, per generation, Wiener index, structural virality), worked by hand:
# star with k = 4 leaves: W = k (leaf-centre) + 2 * C(k, 2) (leaf-leaf) = 4 + 12 = 16 = k^2,
#   pairs C(5, 2) = 10, virality 1.6;
# chain of n = 5: W = n (n^2 - 1) / 6 = 20, pairs 10, virality 2 = (n + 1) / 3;
# balanced binary tree, depth 2, n = 7: edges to the 2 inner nodes cut 3 | 4 (12 each), the 4
#   edges to leaves cut 1 | 6 (6 each): W = 24 + 24 = 48, pairs 21, virality 16/7;
# a single family: size 1, no pairs, virality 0 by convention.
EXPECTED = {
    "single": (1, 0, (1,), 0, 0.0),
    "star": (5, 1, (1, 4), 16, 1.6),
    "chain": (5, 4, (1, 1, 1, 1, 1), 20, 2.0),
    "bal": (7, 2, (1, 2, 4), 48, 16 / 7),
}


def _load(store: GraphStore) -> None:
    ids = sorted({f for edges in TREES.values() for e in edges for f in e} | set(TREES))
    store.write(
        ChangeSet(
            regions=[Region(id="r", name="R")],
            families=[
                Family(
                    id=f,
                    name=f,
                    region_id="r",
                    household_size=2,
                    income_band=1,
                    joined_at=date(2024, 1, 1),
                )
                for f in ids
            ],
            referrals=[
                Referred(from_id=a, to_id=b, at=date(2024, 2, 1))
                for edges in TREES.values()
                for a, b in edges
            ],
        )
    )


@pytest.mark.parametrize("root", list(TREES))
def test_cascades_read_from_the_store(store: GraphStore, root: str) -> None:
    _load(store)
    metrics = cascade_metrics(graph_of_store(store), root, as_of=date(2025, 1, 1))
    size, depth, generations, wiener, virality = EXPECTED[root]
    assert metrics.size == size and metrics.depth == depth
    assert metrics.families_per_generation == generations
    assert metrics.wiener_index == wiener
    assert metrics.structural_virality == pytest.approx(virality)
    # the store's own traversal agrees on the cascade's edges
    assert len(store.referral_subtree(root)) == size - 1
