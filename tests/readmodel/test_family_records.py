"""The families' records kept for the request path (graph_service/readmodel/records.py) are
served only while current: after every write, whether this process made it (the read model
applies it at once) or another one did (this read model has not seen it yet), a read answers
exactly what the store holds now, on both stores."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_service.errors import DomainError
from graph_service.readmodel import ReadModel
from graph_service.stores.base import GraphStore
from tests.readmodel.test_live_equals_rebuild import (
    FAMILIES,
    _base,
    _change,
    _reset,
    operations,
)


def _as_stored(store: GraphStore, model: ReadModel) -> None:
    """Two reads through the kept records (the second may be served from them) both equal
    the store's own read."""
    expected = store.families_with_memberships(FAMILIES)
    assert model.records.read(store, FAMILIES) == expected
    assert model.records.read(store, FAMILIES) == expected


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(st.tuples(operations, st.booleans(), st.booleans()), min_size=1, max_size=12))
def test_kept_records_are_never_stale(
    store: GraphStore, ops: list[tuple[tuple[Any, ...], bool, bool]]
) -> None:
    """Random writes, each made by this process or by another one (the read model is not
    told; it catches up only when it polls, which it does after some of them)."""
    _reset(store)
    store.write(_base())
    model = ReadModel(store)
    model.start(follow=False, background=False)
    try:
        _as_stored(store, model)
        for op, elsewhere, poll in ops:
            if elsewhere:
                store.remove_commit_listener(model.on_commit)
            try:
                store.write(_change(op))
            except (DomainError, ValueError):  # refused writes change nothing
                pass
            finally:
                if elsewhere:
                    store.add_commit_listener(model.on_commit)
            _as_stored(store, model)
            if poll:
                model.poll()
                _as_stored(store, model)
    finally:
        model.stop()


def test_kept_records_are_served_while_current(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the store's version the second read asks the store only for the version (and no
    family); a consent withdrawn through another process is in the very next read, before
    this read model applied it; once polled, the records are kept again."""
    store.write(_base())
    model = ReadModel(store)
    model.start(follow=False, background=False)
    asked: list[list[str]] = []
    full_reads: list[list[str]] = []
    at, full = store.families_with_memberships_at, store.families_with_memberships

    inside_at: list[bool] = []

    def counted_at(ids: Any) -> Any:
        asked.append(list(ids))
        inside_at.append(True)  # a store may build it from its own full read: not counted
        try:
            return at(ids)
        finally:
            inside_at.pop()

    def counted_full(ids: Any) -> Any:
        if not inside_at:
            full_reads.append(list(ids))
        return full(ids)

    monkeypatch.setattr(store, "families_with_memberships_at", counted_at)
    monkeypatch.setattr(store, "families_with_memberships", counted_full)
    ids = ["f0", "f1", "f2"]
    try:
        first = model.records.read(store, ids)
        assert first["f0"][0].consent.matching
        assert model.records.read(store, ids) == first
        assert asked == [ids, []]  # the second read: the data version only
        assert full_reads == []

        store.remove_commit_listener(model.on_commit)  # the write of another process
        store.write(_change(("family", "f0", "bos", 1, (False, False), "en")))
        store.add_commit_listener(model.on_commit)
        now = model.records.read(store, ids)
        assert not now["f0"][0].consent.matching  # honoured before any poll
        assert full_reads == [ids]  # the kept records were behind: everything read again

        model.poll()
        assert model.records.read(store, ids) == now
        asked.clear()
        assert model.records.read(store, ids) == now
        assert asked == [[]]
    finally:
        model.stop()
