"""Per-request context: the store, settings, the caller, and the request's DataLoaders.

Every store read of a nested field goes through a DataLoader created here for this request
only, so a query touching many families makes one store call per batch, not one per family.
Store calls run in a worker thread so the Neo4j driver never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from graph_service.auth import Principal, Role
from graph_service.services.access import Viewer
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore
from models import Cohort, Family, Helped, MemberOf, MembershipStatus, Pursues, Referred, Region

K = TypeVar("K")
V = TypeVar("V")


@dataclass
class StoreCallCounter:
    """Counts store calls made for one request (tests use it to prove there is no N+1)."""

    calls: list[str] = field(default_factory=list)


async def in_thread(func: Callable[..., V], *args: Any) -> V:
    return await asyncio.to_thread(func, *args)


def _batch(
    fetch: Callable[[Sequence[str]], dict[str, V]],
    default: Callable[[], Any],
    counter: StoreCallCounter,
    name: str,
) -> DataLoader[str, Any]:
    async def load(keys: list[str]) -> list[Any]:
        counter.calls.append(name)
        found = await in_thread(fetch, keys)
        return [found.get(k, default()) for k in keys]

    return DataLoader(load_fn=load)


class Loaders:
    def __init__(self, store: GraphStore, counter: StoreCallCounter) -> None:
        def none() -> None:
            return None

        self.family: DataLoader[str, Family | None] = _batch(
            store.get_families, none, counter, "get_families"
        )
        self.cohort: DataLoader[str, Cohort | None] = _batch(
            store.get_cohorts, none, counter, "get_cohorts"
        )
        self.memberships: DataLoader[str, list[MemberOf]] = _batch(
            store.memberships_of_families, list, counter, "memberships_of_families"
        )
        self.members: DataLoader[str, list[MemberOf]] = _batch(
            store.members_of_cohorts, list, counter, "members_of_cohorts"
        )
        self.pursuits: DataLoader[str, list[Pursues]] = _batch(
            store.pursuits_of, list, counter, "pursuits_of"
        )
        self.help: DataLoader[str, list[Helped]] = _batch(store.help_of, list, counter, "help_of")
        self.referrer: DataLoader[str, Referred | None] = _batch(
            store.referrer_of, none, counter, "referrer_of"
        )


class Context(BaseContext):
    def __init__(
        self,
        store: GraphStore,
        settings: Settings,
        principal: Principal | None,
        auth_error: Exception | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self._principal = principal
        self._auth_error = auth_error
        self.counter = StoreCallCounter()
        self.loaders = Loaders(store, self.counter)
        self._viewer: Viewer | None = None
        self.regions_cache: dict[str, Region] | None = None
        # (family id, field group) of private fields read by an organizer or admin
        self.private_reads: set[tuple[str, str]] = set()

    @property
    def principal(self) -> Principal | None:
        """The caller; a bad ``Authorization`` header fails here, when a field needs it."""
        if self._auth_error is not None:
            raise self._auth_error
        return self._principal

    def forget_memberships(self, family_id: str) -> None:
        """Drop a cached membership list after a write changed it."""
        with contextlib.suppress(KeyError):  # not loaded yet in this request
            self.loaders.memberships.clear(family_id)

    async def active_cohorts(self, family_id: str) -> frozenset[str]:
        memberships = await self.loaders.memberships.load(family_id)
        return frozenset(m.cohort_id for m in memberships if m.status is MembershipStatus.ACTIVE)

    async def viewer(self) -> Viewer:
        """The caller as the access policy sees it (its family and cohorts, for families)."""
        if self._viewer is None:
            from graph_service.services.access import require_principal

            principal = require_principal(self.principal)
            if principal.role is Role.FAMILY:
                family, cohorts = await asyncio.gather(
                    self.loaders.family.load(principal.subject),
                    self.active_cohorts(principal.subject),
                )
                self._viewer = Viewer(principal, family, cohorts if family else frozenset())
            else:
                self._viewer = Viewer(principal)
        return self._viewer
