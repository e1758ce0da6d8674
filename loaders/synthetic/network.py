"""The generated network: compact numpy columns that hand out model objects lazily, and
writing it in the import format (CSV or JSON Lines)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Generic, TypeVar, overload

import numpy as np
import numpy.typing as npt

from loaders.formats import Format, RecordWriter
from loaders.synthetic.parameters import (
    SURNAMES,
    BoolArray,
    FloatArray,
    IntArray,
    SyntheticParameters,
)
from models import (
    Cohort,
    Consent,
    DomainModel,
    Family,
    Goal,
    GoalStatus,
    Helped,
    MemberOf,
    MembershipStatus,
    Pursues,
    Referred,
    Region,
)
from models.vocabulary import GOAL_CATEGORIES, HELP_KINDS, SKILLS

# ---------------------------------------------------------------------------- lazy records
M = TypeVar("M", bound=DomainModel)


class LazyRecords(Sequence[M], Generic[M]):
    """A read-only list of model objects built on demand, a chunk at a time, from columns.

    ``make(start, stop)`` builds the records ``start..stop-1``."""

    CHUNK = 4096

    def __init__(self, length: int, make: Callable[[int, int], list[M]]) -> None:
        self._length = length
        self._make = make

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> M: ...
    @overload
    def __getitem__(self, index: slice) -> list[M]: ...
    def __getitem__(self, index: int | slice) -> M | list[M]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            if step == 1:
                return self._make(start, max(start, stop))
            return [self[i] for i in range(start, stop, step)]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        return self._make(index, index + 1)[0]

    def __iter__(self) -> Iterator[M]:
        for start in range(0, self._length, self.CHUNK):
            yield from self._make(start, min(self._length, start + self.CHUNK))


# ---------------------------------------------------------------------------- the network
@dataclass
class Columns:
    """The network as numpy columns (day numbers count from the start of the period)."""

    start: date
    days: int  # length of the period; every day number is in 0..days
    family_region: IntArray
    parent: IntArray  # referrer index or -1
    join_day: IntArray
    household: IntArray
    languages: list[tuple[str, ...]]
    primary_language: list[str]
    baseline_band: IntArray
    income_band: IntArray
    strengths: IntArray  # skill bitmask
    needs: IntArray  # skill bitmask
    consent: npt.NDArray[np.bool_]  # (n, 3): matching, cross region, research
    surname: IntArray
    cohort_region: IntArray
    cohort_day: IntArray
    cohort_focus: list[tuple[str, ...]]
    member_family: IntArray
    member_cohort: IntArray
    member_day: IntArray
    member_left: BoolArray
    member_invited_by: IntArray  # inviting cohort mate or -1
    pursuit_family: IntArray
    pursuit_goal: IntArray
    pursuit_day: IntArray
    pursuit_status: IntArray  # 0 active, 1 achieved, 2 abandoned
    pursuit_achieved_day: IntArray
    pursuit_description: list[str]
    help_from: IntArray
    help_to: IntArray
    help_kind: IntArray
    help_day: IntArray
    help_hours: FloatArray  # NaN: not given
    help_amount: FloatArray  # NaN: not given
    help_confirmed: BoolArray
    referred: IntArray  # families with a referrer


GOALS = tuple(GOAL_CATEGORIES)
SKILL_LIST = tuple(SKILLS)
KINDS = tuple(HELP_KINDS)
STATUSES = (GoalStatus.ACTIVE, GoalStatus.ACHIEVED, GoalStatus.ABANDONED)


@dataclass
class SyntheticNetwork:
    """Lists of model objects (built lazily from compact columns) in import order."""

    seed: int
    parameters: SyntheticParameters
    regions: list[Region]
    goals: list[Goal]
    columns: Columns = field(repr=False)

    def __post_init__(self) -> None:
        c = self.columns
        self.families: LazyRecords[Family] = LazyRecords(len(c.parent), self._family)
        self.cohorts: LazyRecords[Cohort] = LazyRecords(len(c.cohort_region), self._cohort)
        self.memberships: LazyRecords[MemberOf] = LazyRecords(
            len(c.member_family), self._membership
        )
        self.pursuits: LazyRecords[Pursues] = LazyRecords(len(c.pursuit_family), self._pursuit)
        self.helps: LazyRecords[Helped] = LazyRecords(len(c.help_from), self._help)
        self.referrals: LazyRecords[Referred] = LazyRecords(len(c.referred), self._referral)
        self._family_width = max(6, len(str(len(c.parent))))
        self._cohort_width = max(5, len(str(len(c.cohort_region))))
        self._help_width = max(7, len(str(len(c.help_from))))
        self._dates = [c.start + timedelta(days=d) for d in range(c.days + 1)]

    # ids and dates
    def family_id(self, index: int) -> str:
        return f"f{index:0{self._family_width}d}"

    def cohort_id(self, index: int) -> str:
        return f"c{index:0{self._cohort_width}d}"

    # builders (columns sliced and turned into Python values first: much faster per row)
    def _family(self, start: int, stop: int) -> list[Family]:
        c = self.columns
        rows = zip(
            range(start, stop),
            c.family_region[start:stop].tolist(),
            c.household[start:stop].tolist(),
            c.income_band[start:stop].tolist(),
            c.baseline_band[start:stop].tolist(),
            c.strengths[start:stop].tolist(),
            c.needs[start:stop].tolist(),
            c.join_day[start:stop].tolist(),
            c.consent[start:stop].tolist(),
            c.surname[start:stop].tolist(),
            strict=True,
        )
        out = []
        for i, region, size, band, baseline, strengths, needs, day, consent, surname in rows:
            names = SURNAMES.get(c.primary_language[i], SURNAMES["en"])
            fid = self.family_id(i)
            out.append(
                Family(
                    id=fid,
                    name=f"{names[surname % len(names)]} family",
                    region_id=self.regions[region].id,
                    household_size=size,
                    languages=c.languages[i],
                    income_band=band,
                    baseline_income_band=baseline,
                    strengths=_skills(strengths),
                    needs=_skills(needs),
                    joined_at=self._dates[day],
                    contact=f"{fid}@example.org",
                    consent=Consent(
                        matching=consent[0], cross_region=consent[1], research=consent[2]
                    ),
                )
            )
        return out

    def _cohort(self, start: int, stop: int) -> list[Cohort]:
        c = self.columns
        rows = zip(
            range(start, stop),
            c.cohort_region[start:stop].tolist(),
            c.cohort_day[start:stop].tolist(),
            strict=True,
        )
        return [
            Cohort(
                id=self.cohort_id(i),
                name=f"{self.regions[region].name.split(' /')[0]} circle {i + 1}",
                region_id=self.regions[region].id,
                created_at=self._dates[day],
                focus_goals=c.cohort_focus[i],
            )
            for i, region, day in rows
        ]

    def _membership(self, start: int, stop: int) -> list[MemberOf]:
        c = self.columns
        rows = zip(
            c.member_family[start:stop].tolist(),
            c.member_cohort[start:stop].tolist(),
            c.member_day[start:stop].tolist(),
            c.member_left[start:stop].tolist(),
            c.member_invited_by[start:stop].tolist(),
            strict=True,
        )
        return [
            MemberOf(
                family_id=self.family_id(family),
                cohort_id=self.cohort_id(cohort),
                since=self._dates[day],
                status=MembershipStatus.LEFT if left else MembershipStatus.ACTIVE,
                invited_by=self.family_id(inviter) if inviter >= 0 else None,
            )
            for family, cohort, day, left, inviter in rows
        ]

    def _pursuit(self, start: int, stop: int) -> list[Pursues]:
        c = self.columns
        rows = zip(
            range(start, stop),
            c.pursuit_family[start:stop].tolist(),
            c.pursuit_goal[start:stop].tolist(),
            c.pursuit_day[start:stop].tolist(),
            c.pursuit_status[start:stop].tolist(),
            c.pursuit_achieved_day[start:stop].tolist(),
            strict=True,
        )
        out = []
        for i, family, goal, day, status_index, achieved_day in rows:
            status = STATUSES[status_index]
            achieved = self._dates[achieved_day] if status is GoalStatus.ACHIEVED else None
            out.append(
                Pursues(
                    family_id=self.family_id(family),
                    goal_id=GOALS[goal],
                    since=self._dates[day],
                    status=status,
                    achieved_at=achieved,
                    description=c.pursuit_description[i],
                )
            )
        return out

    def _help(self, start: int, stop: int) -> list[Helped]:
        c = self.columns
        rows = zip(
            range(start, stop),
            c.help_from[start:stop].tolist(),
            c.help_to[start:stop].tolist(),
            c.help_kind[start:stop].tolist(),
            c.help_day[start:stop].tolist(),
            c.help_hours[start:stop].tolist(),
            c.help_amount[start:stop].tolist(),
            c.help_confirmed[start:stop].tolist(),
            strict=True,
        )
        return [
            Helped(
                id=f"h{i:0{self._help_width}d}",
                from_id=self.family_id(giver),
                to_id=self.family_id(receiver),
                kind=KINDS[kind],
                at=self._dates[day],
                hours=None if math.isnan(hours) else hours,
                amount=None if math.isnan(amount) else amount,
                confirmed=confirmed,
            )
            for i, giver, receiver, kind, day, hours, amount, confirmed in rows
        ]

    def _referral(self, start: int, stop: int) -> list[Referred]:
        c = self.columns
        children = c.referred[start:stop]
        rows = zip(
            children.tolist(),
            c.parent[children].tolist(),
            c.join_day[children].tolist(),
            strict=True,
        )
        return [
            Referred(
                from_id=self.family_id(parent),
                to_id=self.family_id(child),
                at=self._dates[day],
            )
            for child, parent, day in rows
        ]

    # views
    def records(self) -> Iterator[DomainModel]:
        """Every record, nodes before relationships (the import order)."""
        yield from self.regions
        yield from self.goals
        for seq in (
            self.families, self.cohorts, self.memberships, self.pursuits, self.helps,
            self.referrals,
        ):  # fmt: skip
            yield from seq

    def counts(self) -> dict[str, int]:
        return {
            "region": len(self.regions),
            "goal": len(self.goals),
            "family": len(self.families),
            "cohort": len(self.cohorts),
            "membership": len(self.memberships),
            "pursuit": len(self.pursuits),
            "help": len(self.helps),
            "referral": len(self.referrals),
        }

    def cohort_sizes(self) -> list[int]:
        """Members (any status) of each cohort."""
        counts = np.bincount(self.columns.member_cohort, minlength=len(self.cohorts))
        return [int(n) for n in counts]

    def invitations(self) -> dict[str, int]:
        """Families each referrer invited."""
        c = self.columns
        counts = np.bincount(c.parent[c.referred], minlength=len(c.parent))
        return {self.family_id(int(i)): int(counts[i]) for i in np.flatnonzero(counts)}


def _skills(mask: int) -> tuple[str, ...]:
    return tuple(SKILL_LIST[b] for b in range(len(SKILL_LIST)) if mask >> b & 1)


def write_network(
    network: SyntheticNetwork, folder: Path, fmt: Format = Format.CSV
) -> dict[str, int]:
    """Write ``network`` to ``folder`` in the import format; returns records per type."""
    with RecordWriter(folder, fmt) as writer:
        for record in network.records():
            writer.write(record)
    return dict(writer.counts)
