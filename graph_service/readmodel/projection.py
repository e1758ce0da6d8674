"""The projection: the network as the read model keeps it, changed by one change set at a time.

Families are rows (interned ids, never renumbered: a deleted family leaves an empty row);
help exchanges are NumPy columns (giver row, receiver row, kind code, day, hours, dollars,
confirmed, alive), referrals two columns per family row. What is small and keyed stays in
dicts (regions, cohorts, memberships, goals pursued). No names or contact data are kept.

:meth:`Projection.apply` applies a :class:`~graph_service.stores.base.ChangeSet` in place and
returns the :class:`Delta` the match index needs (which families' profiles and which ties
changed). Containers are never changed in place once shared: an inner dict or a cohort's
member tuple is replaced, not mutated, so :meth:`Projection.freeze` is a set of shallow
copies (milliseconds at 100,000 families) that a background job can read while writes go on.

Each projected record kind of :data:`graph_service.kinds.KINDS` has a handler ``_apply_<kind.name>``
(a test checks that every registered kind has one).
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from graph_service.analytics.family_graph import CohortInfo, GoalState, RegionInfo
from graph_service.analytics.match_features import Profile, profile_of
from graph_service.analytics.match_ties import COHORT_BIT, HELP_BIT
from graph_service.stores.base import ChangeSet
from models import (
    Cohort,
    CohortProposal,
    Family,
    Goal,
    Helped,
    Introduction,
    MemberOf,
    MembershipStatus,
    Pursues,
    Referred,
    Region,
)

_NO_GOALS: dict[str, GoalState] = {}
_GROW = 1.5
_SHARED_MAX = 200_000
_shared: dict[tuple[str, ...], tuple[str, ...]] = {}


def shared_terms(values: Iterable[str]) -> tuple[str, ...]:
    """One tuple (of interned strings) for each distinct list of vocabulary terms: most
    families pick their languages, strengths and needs from a few dozen terms, so 100,000
    families share a few thousand tuples instead of holding 300,000 (and a string object per
    occurrence, as JSON and the database driver hand them out)."""
    key = tuple(values)
    found = _shared.get(key)
    if found is None:
        found = tuple(sys.intern(v) for v in key)
        if len(_shared) < _SHARED_MAX:
            _shared[found] = found
    return found


@dataclass(frozen=True, slots=True)
class FamilyAttrs:
    """What the read model keeps of a family: the analytics graph's node attributes."""

    region: str
    household_size: int
    languages: tuple[str, ...]
    income_band: int
    baseline_income_band: int | None
    strengths: tuple[str, ...]
    needs: tuple[str, ...]
    joined_at: date
    consent_matching: bool
    consent_cross_region: bool
    consent_research: bool

    @classmethod
    def of(cls, family: Family) -> FamilyAttrs:
        return cls(
            region=sys.intern(family.region_id),
            household_size=family.household_size,
            languages=shared_terms(family.languages),
            income_band=family.income_band,
            baseline_income_band=family.baseline_income_band,
            strengths=shared_terms(family.strengths),
            needs=shared_terms(family.needs),
            joined_at=family.joined_at,
            consent_matching=family.consent.matching,
            consent_cross_region=family.consent.cross_region,
            consent_research=family.consent.research,
        )

    def node(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass
class Delta:
    """What one change set changed, for the match index."""

    new_ids: list[str] = field(default_factory=list)
    profiles: set[int] = field(default_factory=set)  # rows whose profile changed
    pairs: set[tuple[int, int]] = field(default_factory=set)  # (u, v), u < v, ties to redo
    structure: bool = False  # cohorts or regions changed (ripple, pictures)

    @property
    def empty(self) -> bool:
        return not (self.new_ids or self.profiles or self.pairs or self.structure)


class _Column:
    """A growable NumPy column (amortised doubling); ``view()`` is the filled part."""

    def __init__(self, dtype: Any, fill: Any = 0) -> None:
        self.data: npt.NDArray[Any] = np.zeros(16, dtype=dtype)
        self.fill = fill
        self.data[:] = fill

    def ensure(self, size: int) -> None:
        if size > len(self.data):
            grown = np.empty(max(size, int(len(self.data) * _GROW) + 16), dtype=self.data.dtype)
            grown[: len(self.data)] = self.data
            grown[len(self.data) :] = self.fill
            self.data = grown

    def copy(self) -> _Column:
        other = copy.copy(self)
        other.data = self.data.copy()
        return other


class Projection:
    """The whole network, as columns; see the module docstring."""

    def __init__(self) -> None:
        self.version = 0
        self.regions: dict[str, RegionInfo] = {}
        self.goals: dict[str, str] = {}
        self.cohorts: dict[str, CohortInfo] = {}
        # families, by row
        self.ids: list[str] = []
        self.row: dict[str, int] = {}
        self.attrs: list[FamilyAttrs | None] = []
        self.goals_of: list[dict[str, GoalState]] = []
        self.cohort_of: list[str | None] = []  # the active cohort the graph shows
        self.memberships: dict[str, dict[str, MembershipStatus]] = {}  # family -> cohort -> status
        self._in_cohort: dict[
            str, set[str]
        ] = {}  # cohort -> families with a membership (writer only)
        self.ref_from = _Column(np.int64, -1)  # referrer row per family row
        self.ref_at = _Column(np.int64, 0)  # referral day (ordinal)
        self.joined = _Column(np.int64, 0)  # joinedAt (ordinal) per family row
        # help exchanges, by row
        self.help_ids: list[str] = []
        self.help_row: dict[str, int] = {}
        self.help_kinds: list[str] = []
        self._kind_code: dict[str, int] = {}
        self.h_from = _Column(np.int64, -1)
        self.h_to = _Column(np.int64, -1)
        self.h_kind = _Column(np.int16, 0)
        self.h_at = _Column(np.int64, 0)
        self.h_hours = _Column(np.float64, np.nan)
        self.h_amount = _Column(np.float64, np.nan)
        self.h_confirmed = _Column(np.bool_, False)
        self.h_alive = _Column(np.bool_, False)
        self.pair_help: dict[tuple[int, int], int] = {}  # live exchanges per pair (u < v)

    # -- reading ----------------------------------------------------------------------------

    @property
    def families(self) -> int:
        return len(self.row)

    @property
    def help_count(self) -> int:
        return len(self.help_ids)

    def profile(self, row: int) -> Profile | None:
        attrs = self.attrs[row]
        if attrs is None:
            return None
        return profile_of(self.node(row))

    def node(self, row: int) -> dict[str, Any]:
        """The analytics graph's node attributes of the family at ``row``."""
        attrs = self.attrs[row]
        assert attrs is not None
        return {**attrs.node(), "cohort": self.cohort_of[row], "goals": self.goals_of[row]}

    def holds(self, kind: str, record_id: str) -> bool:
        """Whether the node record ``record_id`` of kind ``kind`` is in the projection
        (kinds the projection does not index count as held)."""
        tables: dict[str, Mapping[str, object]] = {
            "region": self.regions,
            "goal": self.goals,
            "family": self.row,
            "cohort": self.cohorts,
        }
        known = tables.get(kind)
        return known is None or record_id in known

    def tie_bits(self, u: int, v: int) -> int:
        """Kind bits of the tie between rows ``u`` and ``v`` (help exchanged, shared cohort)."""
        key = (u, v) if u < v else (v, u)
        bits = HELP_BIT if self.pair_help.get(key, 0) > 0 else 0
        mine = self._active(self.ids[u])
        if mine and mine & self._active(self.ids[v]):
            bits |= COHORT_BIT
        return bits

    def tie_pairs(self) -> dict[tuple[int, int], int]:
        """Every tie ``(u, v) -> bits`` (u < v), for a full index build."""
        pairs = {key: HELP_BIT for key, count in self.pair_help.items() if count > 0}
        for info in self.cohorts.values():
            rows = sorted(self.row[m] for m in info.members if m in self.row)
            for i, u in enumerate(rows):
                for v in rows[i + 1 :]:
                    pairs[(u, v)] = pairs.get((u, v), 0) | COHORT_BIT
        return pairs

    def _active(self, family_id: str) -> set[str]:
        return {
            c
            for c, s in self.memberships.get(family_id, {}).items()
            if s is MembershipStatus.ACTIVE
        }

    def freeze(self) -> Projection:
        """A copy that later writes do not change (shallow: shared parts are immutable)."""
        frozen = copy.copy(self)
        for name in ("regions", "goals", "cohorts", "row", "memberships", "help_row", "pair_help"):
            setattr(frozen, name, dict(getattr(self, name)))
        for name in ("ids", "attrs", "goals_of", "cohort_of", "help_ids", "help_kinds"):
            setattr(frozen, name, list(getattr(self, name)))
        for name in ("ref_from", "ref_at", "joined", "h_from", "h_to", "h_kind", "h_at", "h_hours"):
            setattr(frozen, name, getattr(self, name).copy())
        for name in ("h_amount", "h_confirmed", "h_alive"):
            setattr(frozen, name, getattr(self, name).copy())
        return frozen

    # -- writing ----------------------------------------------------------------------------

    def apply(self, changes: ChangeSet, version: int) -> Delta:
        """Apply a committed change set (deletions first, then each kind in write order)."""
        delta = Delta()
        for family_id in changes.deleted_families:
            self._delete(family_id, delta)
        for kind, records in changes.parts():
            if kind.projected:  # the journal kinds are not part of the network projection
                getattr(self, f"_apply_{kind.name}")(records, delta)
        self.version = version
        return delta

    def _apply_region(self, regions: Sequence[Region], delta: Delta) -> None:
        for r in regions:
            self.regions[r.id] = RegionInfo(r.name, r.latitude, r.longitude)
        delta.structure = True

    def _apply_goal(self, goals: Sequence[Goal], delta: Delta) -> None:
        for g in goals:
            self.goals[g.id] = g.label

    def _apply_family(self, families: Sequence[Family], delta: Delta) -> None:
        for f in families:
            row = self.row.get(f.id)
            if row is None:
                row = len(self.ids)
                self.ids.append(f.id)
                self.row[f.id] = row
                self.attrs.append(None)
                self.goals_of.append(_NO_GOALS)
                self.cohort_of.append(None)
                self.ref_from.ensure(row + 1)
                self.ref_at.ensure(row + 1)
                self.joined.ensure(row + 1)
                delta.new_ids.append(f.id)
            self.attrs[row] = FamilyAttrs.of(f)
            self.joined.data[row] = f.joined_at.toordinal()
            delta.profiles.add(row)
        delta.structure = True

    def _apply_cohort(self, cohorts: Sequence[Cohort], delta: Delta) -> None:
        for c in cohorts:
            old = self.cohorts.get(c.id)
            members = list(old.members) if old is not None else []
            self.cohorts[c.id] = CohortInfo(
                c.region_id, str(c.status), str(c.origin), c.focus_goals, members
            )
        delta.structure = True

    def _apply_proposal(self, proposals: Sequence[CohortProposal], delta: Delta) -> None:
        """Proposals are organizers' records, read from the store (few, and no analytics
        reads them); their cohorts and invitations come as cohorts and memberships."""

    def _apply_membership(self, memberships: Sequence[MemberOf], delta: Delta) -> None:
        touched: set[str] = set()
        for m in memberships:
            mine = dict(self.memberships.get(m.family_id, {}))
            mine[m.cohort_id] = m.status
            self.memberships[m.family_id] = mine
            self._in_cohort.setdefault(m.cohort_id, set()).add(m.family_id)
            touched.add(m.cohort_id)
            self._refresh_cohort_of(m.family_id, delta)
        for cohort in touched:
            self._refresh_members(cohort, delta)
        delta.structure = True

    def _refresh_cohort_of(self, family_id: str, delta: Delta) -> None:
        row = self.row.get(family_id)
        if row is None:
            return
        active = sorted(self._active(family_id))
        self.cohort_of[row] = active[-1] if active else None
        delta.profiles.add(row)

    def _refresh_members(self, cohort_id: str, delta: Delta) -> None:
        info = self.cohorts.get(cohort_id)
        if info is None:
            return
        members = sorted(
            f
            for f in self._in_cohort.get(cohort_id, ())
            if self.memberships.get(f, {}).get(cohort_id) is MembershipStatus.ACTIVE
            and f in self.row
        )
        before = set(info.members)
        self.cohorts[cohort_id] = CohortInfo(
            info.region, info.status, info.origin, info.focus_goals, members
        )
        everyone = sorted(self.row[f] for f in before | set(members) if f in self.row)
        for i, u in enumerate(everyone):
            for v in everyone[i + 1 :]:
                delta.pairs.add((u, v))

    def _apply_pursuit(self, pursuits: Sequence[Pursues], delta: Delta) -> None:
        for p in pursuits:
            row = self.row[p.family_id]
            goals = dict(self.goals_of[row])
            goals[p.goal_id] = GoalState(p.status, p.since, p.achieved_at, p.description)
            self.goals_of[row] = goals
            delta.profiles.add(row)

    def _apply_help(self, helps: Sequence[Helped], delta: Delta) -> None:
        for h in helps:
            u, v = self.row[h.from_id], self.row[h.to_id]
            at = self.help_row.get(h.id)
            if at is None:
                at = len(self.help_ids)
                self.help_ids.append(h.id)
                self.help_row[h.id] = at
                for column in self._help_columns():
                    column.ensure(at + 1)
            elif self.h_alive.data[at]:
                self._unpair(int(self.h_from.data[at]), int(self.h_to.data[at]), delta)
            code = self._kind_code.get(h.kind)
            if code is None:
                code = self._kind_code[h.kind] = len(self.help_kinds)
                self.help_kinds.append(h.kind)
            self.h_from.data[at], self.h_to.data[at], self.h_kind.data[at] = u, v, code
            self.h_at.data[at] = h.at.toordinal()
            self.h_hours.data[at] = np.nan if h.hours is None else h.hours
            self.h_amount.data[at] = np.nan if h.amount is None else h.amount
            self.h_confirmed.data[at] = h.confirmed
            self.h_alive.data[at] = True
            key = (u, v) if u < v else (v, u)
            self.pair_help[key] = self.pair_help.get(key, 0) + 1
            delta.pairs.add(key)

    def _help_columns(self) -> tuple[_Column, ...]:
        return (
            self.h_from,
            self.h_to,
            self.h_kind,
            self.h_at,
            self.h_hours,
            self.h_amount,
            self.h_confirmed,
            self.h_alive,
        )

    def _unpair(self, u: int, v: int, delta: Delta) -> None:
        key = (u, v) if u < v else (v, u)
        left = self.pair_help.get(key, 0) - 1
        if left > 0:
            self.pair_help[key] = left
        else:
            self.pair_help.pop(key, None)
        delta.pairs.add(key)

    def _apply_referral(self, referrals: Sequence[Referred], delta: Delta) -> None:
        for r in referrals:
            row = self.row[r.to_id]
            self.ref_from.data[row] = self.row[r.from_id]
            self.ref_at.data[row] = r.at.toordinal()
        delta.structure = True

    def _apply_introduction(self, introductions: Sequence[Introduction], delta: Delta) -> None:
        """Introductions change no analytic (a request is no tie until help flows): the read
        model keeps nothing of them, and their contact details never enter it."""

    def _delete(self, family_id: str, delta: Delta) -> None:
        row = self.row.pop(family_id, None)
        if row is None:
            return
        cohorts = set(self.memberships.pop(family_id, {}))
        for cohort in cohorts:
            self._in_cohort.get(cohort, set()).discard(family_id)
            self._refresh_members(cohort, delta)
        n = len(self.help_ids)
        touching = np.flatnonzero(
            self.h_alive.data[:n] & ((self.h_from.data[:n] == row) | (self.h_to.data[:n] == row))
        )
        for at in touching.tolist():
            self._unpair(int(self.h_from.data[at]), int(self.h_to.data[at]), delta)
            self.h_alive.data[at] = False
            self.help_row.pop(self.help_ids[at], None)
        self.ref_from.data[row] = -1
        recruits = np.flatnonzero(self.ref_from.data[: len(self.ids)] == row)
        self.ref_from.data[recruits] = -1
        self.ids[row] = ""
        self.attrs[row] = None
        self.goals_of[row] = _NO_GOALS
        self.cohort_of[row] = None
        delta.profiles.add(row)
        delta.structure = True

    # -- the live help rows, for graphs ------------------------------------------------------

    def live_help(self) -> npt.NDArray[np.int64]:
        """Rows of the help columns that hold a stored exchange, in exchange-id order."""
        alive = np.flatnonzero(self.h_alive.data[: len(self.help_ids)])
        order = sorted(alive.tolist(), key=self.help_ids.__getitem__)
        return np.array(order, dtype=np.int64)

    def rows_of(self, ids: Iterable[str]) -> list[int]:
        return [self.row[i] for i in ids if i in self.row]
