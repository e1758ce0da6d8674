"""The read model's full build: a projection filled from the store's rows
(:meth:`GraphStore.scan_rows <graph_service.stores.base.GraphStore.scan_rows>`), column by
column, without a pydantic model per record.

The rows come from the store, validated when they were written, and hold only what the
projection keeps (:mod:`graph_service.stores.projection_rows`). The result equals
:meth:`Projection.apply <graph_service.readmodel.projection.Projection.apply>` of every
stored record kind by kind (:func:`~graph_service.readmodel.graph.projection_of_records`,
the path of whole records, which the tests compare with this one): the same rows, columns,
dicts and shared tuples. Memberships are gathered first and each cohort's members and each
family's shown cohort are worked out once at the end, not after every batch.

As there, a record whose referenced record is not in the projection (written during the
scan after its kind was read) is left out; the catch-up from the change feed after the
version read first applies both in order. A help exchange seen twice (moved to another
giver between two pages) is applied again as a record, which moves it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np

from graph_service.analytics.family_graph import CohortInfo, GoalState, RegionInfo
from graph_service.kinds import KINDS
from graph_service.readmodel.projection import (
    _NO_GOALS,
    Delta,
    FamilyAttrs,
    Projection,
    shared_terms,
)
from graph_service.stores.base import GraphStore
from graph_service.stores.projection_rows import ROW_FIELDS, Row
from models import (
    Cohort,
    Family,
    GoalStatus,
    Helped,
    MemberOf,
    MembershipStatus,
    Pursues,
)


def _default(model: type[Any], name: str) -> Any:
    return model.model_fields[name].default


_LANGUAGES = _default(Family, "languages")
_COHORT_STATUS = str(_default(Cohort, "status"))
_COHORT_ORIGIN = str(_default(Cohort, "origin"))
_MEMBER_STATUS = MembershipStatus(_default(MemberOf, "status"))
_GOAL_STATUS = GoalStatus(_default(Pursues, "status"))


class _Builder:
    """One build's caches (days, term tuples) and loaders, one per projected part."""

    def __init__(self, projection: Projection) -> None:
        self.p = projection
        self._days: dict[int, date] = {}
        self._terms: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._touched: set[str] = set()  # cohorts with a membership
        self._joined: set[str] = set()  # families with a membership

    def day(self, ordinal: int) -> date:
        found = self._days.get(ordinal)
        if found is None:
            found = self._days[ordinal] = date.fromordinal(ordinal)
        return found

    def terms(self, values: Sequence[str] | None, default: tuple[str, ...]) -> tuple[str, ...]:
        """The shared sorted, de-duplicated tuple of ``values`` (as the model's validator)."""
        if values is None:
            return default
        key = tuple(values)
        found = self._terms.get(key)
        if found is None:
            found = self._terms[key] = shared_terms(sorted(set(key)))
        return found

    def loader(self, part: str) -> Callable[[list[Row]], None]:
        loaders: dict[str, Callable[[list[Row]], None]] = {
            "regions": self.regions,
            "goals": self.goals,
            "families": self.families,
            "cohorts": self.cohorts,
            "memberships": self.memberships,
            "pursuits": self.pursuits,
            "helps": self.helps,
            "referrals": self.referrals,
        }
        return loaders[part]

    def regions(self, rows: list[Row]) -> None:
        for region_id, name, latitude, longitude in rows:
            self.p.regions[region_id] = RegionInfo(name, latitude, longitude)

    def goals(self, rows: list[Row]) -> None:
        for goal_id, label in rows:
            self.p.goals[goal_id] = label

    def families(self, rows: list[Row]) -> None:
        p, regions, intern = self.p, self.p.regions, sys.intern
        placed: list[int] = []
        days: list[int] = []
        for (
            family_id,
            region,
            size,
            languages,
            income,
            baseline,
            strengths,
            needs,
            joined,
            matching,
            cross_region,
            research,
        ) in rows:
            if region not in regions:
                continue
            row = p.row.get(family_id)
            if row is None:
                row = len(p.ids)
                p.ids.append(family_id)
                p.row[family_id] = row
                p.attrs.append(None)
                p.goals_of.append(_NO_GOALS)
                p.cohort_of.append(None)
            p.attrs[row] = FamilyAttrs(
                region=intern(region),
                household_size=size,
                languages=self.terms(languages, _LANGUAGES),
                income_band=income,
                baseline_income_band=baseline,
                strengths=self.terms(strengths, ()),
                needs=self.terms(needs, ()),
                joined_at=self.day(joined),
                consent_matching=bool(matching),
                consent_cross_region=bool(cross_region),
                consent_research=bool(research),
            )
            placed.append(row)
            days.append(joined)
        n = len(p.ids)
        for column in (p.ref_from, p.ref_at, p.joined):
            column.ensure(n)
        p.joined.data[placed] = days

    def cohorts(self, rows: list[Row]) -> None:
        p = self.p
        for cohort_id, region, status, origin, focus in rows:
            goals = self.terms(focus, ())
            if region not in p.regions or not all(g in p.goals for g in goals):
                continue
            old = p.cohorts.get(cohort_id)
            p.cohorts[cohort_id] = CohortInfo(
                region,
                _COHORT_STATUS if status is None else str(status),
                _COHORT_ORIGIN if origin is None else str(origin),
                goals,
                list(old.members) if old is not None else [],
            )

    def memberships(self, rows: list[Row]) -> None:
        p = self.p
        for family_id, cohort_id, status in rows:
            if family_id not in p.row or cohort_id not in p.cohorts:
                continue
            mine = p.memberships.get(family_id)
            if mine is None:
                mine = p.memberships[family_id] = {}
            mine[cohort_id] = _MEMBER_STATUS if status is None else MembershipStatus(status)
            p._in_cohort.setdefault(cohort_id, set()).add(family_id)
            self._touched.add(cohort_id)
            self._joined.add(family_id)

    def finish(self) -> None:
        """Each family's shown cohort (its last active one) and each cohort's members."""
        p, active = self.p, MembershipStatus.ACTIVE
        for family_id in self._joined:
            mine = [c for c, s in p.memberships[family_id].items() if s is active]
            p.cohort_of[p.row[family_id]] = max(mine) if mine else None
        for cohort_id in self._touched:
            info = p.cohorts[cohort_id]
            members = sorted(
                f for f in p._in_cohort[cohort_id] if p.memberships[f].get(cohort_id) is active
            )
            p.cohorts[cohort_id] = CohortInfo(
                info.region, info.status, info.origin, info.focus_goals, members
            )

    def pursuits(self, rows: list[Row]) -> None:
        p = self.p
        for family_id, goal_id, status, since, achieved, description in rows:
            row = p.row.get(family_id)
            if row is None or goal_id not in p.goals:
                continue
            goals = p.goals_of[row]
            if goals is _NO_GOALS:
                goals = p.goals_of[row] = {}
            goals[goal_id] = GoalState(
                _GOAL_STATUS if status is None else GoalStatus(status),
                self.day(since),
                None if achieved is None else self.day(achieved),
                description or "",
            )

    def helps(self, rows: list[Row]) -> None:
        p = self.p
        where, known, codes, pairs = p.row, p.help_row, p._kind_code, p.pair_help
        first = len(p.help_ids)
        gives: list[int] = []
        gets: list[int] = []
        kinds: list[int] = []
        days: list[int] = []
        hours: list[float] = []
        amounts: list[float] = []
        confirmed: list[bool] = []
        again: list[Row] = []
        for help_id, giver, receiver, kind, at, hour, amount, sure in rows:
            u, v = where.get(giver), where.get(receiver)
            if u is None or v is None:
                continue
            if help_id in known:
                again.append((help_id, giver, receiver, kind, at, hour, amount, sure))
                continue
            known[help_id] = len(p.help_ids)
            p.help_ids.append(help_id)
            code = codes.get(kind)
            if code is None:
                code = codes[kind] = len(p.help_kinds)
                p.help_kinds.append(kind)
            gives.append(u)
            gets.append(v)
            kinds.append(code)
            days.append(at)
            hours.append(np.nan if hour is None else hour)
            amounts.append(np.nan if amount is None else amount)
            confirmed.append(bool(sure))
            key = (u, v) if u < v else (v, u)
            pairs[key] = pairs.get(key, 0) + 1
        last = len(p.help_ids)
        for column in p._help_columns():
            column.ensure(last)
        for column, values in (
            (p.h_from, gives),
            (p.h_to, gets),
            (p.h_kind, kinds),
            (p.h_at, days),
            (p.h_hours, hours),
            (p.h_amount, amounts),
            (p.h_confirmed, confirmed),
        ):
            column.data[first:last] = values
        p.h_alive.data[first:last] = True
        if again:
            p._apply_help([self._helped(row) for row in again], Delta())

    def _helped(self, row: Row) -> Helped:
        help_id, giver, receiver, kind, at, hours, amount, confirmed = row
        return Helped(
            id=help_id,
            from_id=giver,
            to_id=receiver,
            kind=kind,
            at=self.day(at),
            hours=hours,
            amount=amount,
            confirmed=bool(confirmed),
        )

    def referrals(self, rows: list[Row]) -> None:
        p = self.p
        referred: list[int] = []
        referrers: list[int] = []
        days: list[int] = []
        for giver, receiver, at in rows:
            u, v = p.row.get(giver), p.row.get(receiver)
            if u is None or v is None:
                continue
            referrers.append(u)
            referred.append(v)
            days.append(at)
        p.ref_from.data[referred] = referrers
        p.ref_at.data[referred] = days


def projection_of_rows(store: GraphStore, timings: dict[str, float] | None = None) -> Projection:
    """A projection of everything in ``store`` (see the module docstring); ``timings``, if
    given, gets the seconds spent reading pages (``read_s``: the store, the driver's
    decoding) and filling columns (``apply_s``) added to it."""
    projection = Projection()
    version = store.data_version()
    builder = _Builder(projection)
    read_s = apply_s = 0.0
    for kind in KINDS:
        if kind.part not in ROW_FIELDS:
            continue  # proposals and introductions: the projection keeps nothing of them
        load = builder.loader(kind.part)
        pages = iter(store.scan_rows(kind.part))
        while True:
            began = time.perf_counter()
            page = next(pages, None)
            read_s += time.perf_counter() - began
            if page is None:
                break
            began = time.perf_counter()
            load(page)
            apply_s += time.perf_counter() - began
    began = time.perf_counter()
    builder.finish()
    apply_s += time.perf_counter() - began
    projection.version = version
    if timings is not None:
        timings["read_s"] = timings.get("read_s", 0.0) + read_s
        timings["apply_s"] = timings.get("apply_s", 0.0) + apply_s
    return projection
