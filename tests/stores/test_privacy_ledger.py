"""The privacy-loss ledger on both stores: persistent, atomic, refuses to overspend."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from graph_service.stores.base import GraphStore
from graph_service.stores.embedded import EmbeddedStore
from graph_service.stores.privacy_ledger import BudgetExceeded, Spend

AT = "2026-05-02T10:00:00+00:00"


def _spend(release: str, epsilon: float = 1.0, limit: float = 3.0, who: str = "r:rita") -> Spend:
    return Spend(who, "2026Q2", release, epsilon, limit, AT, f'{{"answer": "{release}"}}')


def test_spends_add_up_and_the_limit_is_refused(store: GraphStore) -> None:
    ledger = store.privacy_ledger()  # type: ignore[attr-defined]  # both stores have it
    assert ledger.spent("r:rita", "2026Q2") == 0.0
    assert ledger.record(_spend("a")) == ('{"answer": "a"}', 1.0)
    assert ledger.record(_spend("b", 1.5)) == ('{"answer": "b"}', 2.5)
    with pytest.raises(BudgetExceeded) as refused:
        ledger.record(_spend("c", 1.0))
    assert refused.value.spent == 2.5 and refused.value.limit == 3.0
    assert ledger.find("r:rita", "c") is None  # nothing of the refused release was kept
    assert ledger.record(_spend("d", 0.5))[1] == pytest.approx(3.0)  # exactly the limit is fine
    # another researcher and another quarter have their own budgets
    assert ledger.record(_spend("a", who="r:ravi"))[1] == 1.0
    other_quarter = Spend("r:rita", "2026Q3", "e", 1.0, 3.0, AT, "{}")
    assert ledger.record(other_quarter)[1] == 1.0
    # an answer released earlier stays free in a later quarter (it is the same answer)
    assert ledger.record(Spend("r:rita", "2026Q3", "a", 1.0, 3.0, AT, "{}"))[0] == (
        '{"answer": "a"}'
    )


def test_a_repeated_release_returns_the_stored_answer_for_free(store: GraphStore) -> None:
    ledger = store.privacy_ledger()  # type: ignore[attr-defined]  # both stores have it
    ledger.record(_spend("a"))
    again = Spend("r:rita", "2026Q2", "a", 1.0, 3.0, AT, '{"answer": "different noise"}')
    assert ledger.record(again) == ('{"answer": "a"}', 1.0)
    assert ledger.find("r:rita", "a") == '{"answer": "a"}'
    assert ledger.find("r:ravi", "a") is None  # answers are per researcher
    assert ledger.spent("r:rita", "2026Q2") == 1.0


def test_concurrent_releases_never_overspend(store: GraphStore) -> None:
    ledger = store.privacy_ledger()  # type: ignore[attr-defined]  # both stores have it
    accepted: list[str] = []
    refused: list[str] = []
    start = threading.Barrier(8)

    def attempt(n: int) -> None:
        start.wait()
        try:
            ledger.record(_spend(f"q{n}", 1.0, 5.0))
            accepted.append(f"q{n}")
        except BudgetExceeded:
            refused.append(f"q{n}")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(accepted) == 5 and len(refused) == 3
    assert ledger.spent("r:rita", "2026Q2") == pytest.approx(5.0)


def test_the_embedded_ledger_survives_a_restart(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "g.sqlite")
    store.open()
    store.privacy_ledger().record(_spend("a", 2.0))
    store.close()
    reopened = EmbeddedStore(tmp_path / "g.sqlite")
    reopened.open()
    ledger = reopened.privacy_ledger()
    assert ledger.spent("r:rita", "2026Q2") == 2.0
    with pytest.raises(BudgetExceeded):
        ledger.record(_spend("b", 1.5))
    reopened.close()
