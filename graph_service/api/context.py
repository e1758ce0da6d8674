"""Per-request context: the store, settings, the caller, and the request's DataLoaders.

Every store read of a nested field goes through a DataLoader created here for this request
only, so a query touching many families makes one store call per batch, not one per family.
Store calls run in a worker thread so the Neo4j driver never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
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


async def in_thread(func: Callable[..., V], *args: Any) -> V:
    return await asyncio.to_thread(func, *args)


def _batch(
    fetch: Callable[[Sequence[str]], dict[str, V]],
    default: Callable[[], Any],
) -> DataLoader[str, Any]:
    async def load(keys: list[str]) -> list[Any]:
        found = await in_thread(fetch, keys)
        return [found.get(k, default()) for k in keys]

    return DataLoader(load_fn=load)


class Loaders:
    def __init__(self, store: GraphStore) -> None:
        def none() -> None:
            return None

        self.family: DataLoader[str, Family | None] = _batch(store.get_families, none)
        self.cohort: DataLoader[str, Cohort | None] = _batch(store.get_cohorts, none)
        self.memberships: DataLoader[str, list[MemberOf]] = _batch(
            store.memberships_of_families, list
        )
        self.members: DataLoader[str, list[MemberOf]] = _batch(store.members_of_cohorts, list)
        self.pursuits: DataLoader[str, list[Pursues]] = _batch(store.pursuits_of, list)
        self.help: DataLoader[str, list[Helped]] = _batch(store.help_of, list)
        self.referrer: DataLoader[str, Referred | None] = _batch(store.referrer_of, none)


class Context(BaseContext):
    def __init__(
        self,
        store: GraphStore,
        settings: Settings,
        principal: Principal | None,
        auth_error: Exception | None = None,
        *,
        accept_language: str | None = None,
    ) -> None:
        super().__init__()
        # The request's Accept-Language header (or the web page's language): see locale().
        self.accept_language = accept_language
        self._locale: str | None = None
        self.store = store
        self.settings = settings
        self._principal = principal
        self._auth_error = auth_error
        self.loaders = Loaders(store)
        self._viewer: Viewer | None = None
        self._regions: asyncio.Task[dict[str, Region]] | None = None
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

    async def regions(self) -> dict[str, Region]:
        """Every region by id, read once per request (resolvers asking side by side share
        the one read)."""
        if self._regions is None:

            async def read() -> dict[str, Region]:
                return {r.id: r for r in await in_thread(self.store.list_regions)}

            self._regions = asyncio.ensure_future(read())
        return await self._regions

    def know_families(
        self, records: Mapping[str, tuple[Family, Sequence[MemberOf]]], read: Sequence[str]
    ) -> None:
        """Families and their memberships this request just read from the store (``read``: the
        ids asked for, ``records``: those that exist): the loaders answer from them, as if
        they had loaded them, instead of asking the store again."""
        for family_id in read:
            entry = records.get(family_id)
            self.loaders.family.prime(family_id, entry[0] if entry is not None else None)
            self.loaders.memberships.prime(family_id, list(entry[1]) if entry is not None else [])

    async def active_cohorts(self, family_id: str) -> frozenset[str]:
        memberships = await self.loaders.memberships.load(family_id)
        return frozenset(m.cohort_id for m in memberships if m.status is MembershipStatus.ACTIVE)

    async def locale(self, family_languages: Sequence[str] | None = None) -> str:
        """The language of this answer's texts (:func:`graph_service.i18n.negotiate`): the
        ``Accept-Language`` header, else ``family_languages`` (default: the calling family's
        languages), else English."""
        from graph_service.i18n import negotiate

        if family_languages is not None:
            return negotiate(
                accept_language=self.accept_language, family_languages=family_languages
            )
        if self._locale is None:
            languages: Sequence[str] = ()
            principal = self._principal if self._auth_error is None else None
            if principal is not None and principal.role is Role.FAMILY:
                try:
                    family = await self.loaders.family.load(principal.subject)
                except Exception:  # the language is a nicety: never fail an answer over it
                    family = None
                languages = family.languages if family is not None else ()
            self._locale = negotiate(
                accept_language=self.accept_language, family_languages=languages
            )
        return self._locale

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
