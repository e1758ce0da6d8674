"""The rows of the read model's full build: for each kind the projection keeps, only the
fields it needs, as plain tuples in a fixed column order, dates as day ordinals
(:meth:`datetime.date.toordinal`).

:meth:`GraphStore.scan_rows <graph_service.stores.base.GraphStore.scan_rows>` streams them
in pages; :mod:`graph_service.readmodel.build` fills a projection's columns from them
without a pydantic model per record (the data comes from the store, validated when it was
written). :meth:`GraphStore.scan` stays the full read of whole records for other users.

A missing value is ``None`` (the projection applies the model's default: ``languages``
``("en",)``, ``strengths`` and ``needs`` ``()``, ``description`` ``""``, booleans false,
statuses their model default).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import Any, TypeVar

A = TypeVar("A")
T = TypeVar("T")

# camelCase stored names, in the order of each row's values.
ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "regions": ("id", "name", "latitude", "longitude"),
    "goals": ("id", "label"),
    "families": (
        "id",
        "regionId",
        "householdSize",
        "languages",
        "incomeBand",
        "baselineIncomeBand",
        "strengths",
        "needs",
        "joinedAt",
        "consentMatching",
        "consentCrossRegion",
        "consentResearch",
    ),
    "cohorts": ("id", "regionId", "status", "origin", "focusGoals"),
    "memberships": ("familyId", "cohortId", "status"),
    "pursuits": ("familyId", "goalId", "status", "since", "achievedAt", "description"),
    "helps": ("id", "fromId", "toId", "kind", "at", "hours", "amount", "confirmed"),
    "referrals": ("fromId", "toId", "at"),
}

# Fields given as day ordinals.
DATE_FIELDS = frozenset({"joinedAt", "since", "achievedAt", "at"})

# Families per page: a page is those families, or the relationships leaving them (so a page
# of help exchanges is about eight times this).
PAGE_FAMILIES = 5_000

Row = tuple[Any, ...] | list[Any]

# Pages read at the same time (each on a session of its own): the database works on one
# while the driver decodes another and the caller applies a third.
SCAN_WORKERS = 2

# The parts read as one page (a few thousand rows at most).
UNPAGED = frozenset({"regions", "goals", "cohorts"})


def in_order(
    fetch: Callable[[A], T], items: Sequence[A], workers: int = SCAN_WORKERS
) -> Iterator[T]:
    """``fetch(item)`` of each item, in the order of ``items``, computed by ``workers``
    threads at most ``workers`` items ahead of the consumer: the store reads (and the driver
    decodes) the next pages while the caller applies this one. An error of a fetch is
    raised where its result was due; a consumer that stops early cancels what is queued."""
    with ThreadPoolExecutor(workers, thread_name_prefix="scan-rows") as pool:
        pending: deque[Future[T]] = deque()
        ahead = iter(items)
        try:
            for item in islice(ahead, workers):
                pending.append(pool.submit(fetch, item))
            while pending:
                result = pending.popleft().result()
                for item in islice(ahead, 1):
                    pending.append(pool.submit(fetch, item))
                yield result
        finally:
            for future in pending:
                future.cancel()
