"""A synthetic peer network shaped like the program in docs/program.md, deterministic for a seed.

:func:`generate` grows the network the way the program grows, then draws help exchanges; the
result (:class:`SyntheticNetwork`) holds compact numpy columns and hands out model objects
lazily, so 100,000 families and about a million relationships fit in modest memory.
:func:`write_network` writes it in the import format (CSV or JSON Lines).

How the network grows (one pass per region, a branching process):

1. Families per region: multinomial with probabilities proportional to metro population.
2. A *seed* family joins (outreach), at a uniform time in the first ``seed_window`` of the
   period, and forms a cohort of 6-8 friends: members invite friends (each at most
   ``invitations_per_member``, a random member with an invitation left invites next) until
   the cohort has its size. Every invitation is a ``REFERRED`` edge.
3. Each member's *unused* invitations may bring in a family who founds a new cohort (the
   ripple): each spare invitation does so with probability ``ripple_probability`` x the
   region's ``reproduction`` x a time factor falling linearly from ``1 + ripple_decline/2``
   to ``1 - ripple_decline/2`` over the period. With about 8 spare invitations per cohort
   the cohort reproduction number is ~8 x that probability, near 1: most cascades stay
   shallow and a few grow deep. New seeds start cascades until the region is full; the last
   few families (too few for a cohort) join without one.
4. Friends are recruited from similar families (homophily by the recruitment process, not
   tuned to any matcher): an invited family shares its inviter's primary goal with
   probability ``goal_copy``, primary language with ``language_copy`` and baseline income
   band with ``income_copy``; everything else is drawn independently.
5. Help exchanges: ``help_per_family`` per family, ``1 - region_share - cross_share`` of them
   between cohort mates, ``region_share`` between families of one region who share a goal,
   ``cross_share`` across regions between families who share a goal and both consent to
   cross-region contact. A pair whose giver has a strength the receiver needs is
   ``complement_weight`` times as likely. A share ``reciprocity`` of exchanges is returned.
   Exchange rate per pair grows linearly so that the end rate is ``growth`` x the start rate.
   Dollar values are scaled so that two years in the program come to ``dollars_per_family``.

Parameters (:class:`SyntheticParameters`, with defaults):

============================  ==========  ========================================================
parameter                     default     meaning
============================  ==========  ========================================================
``months``                    24          length of the period; it ends on ``end``
``end``                       None        last day; None: the last day of the previous month
``regions``                   REGIONS     metros with lat/lon, population, languages, reproduction
``cohort_sizes``              6, 7, 8     cohort sizes, drawn with ``cohort_size_weights``
``cohort_size_weights``       .25 .35 .4  program: "usually 6 to 8", invitations stop at 8
``invitations_per_member``    2           program rule: each member invites at most 2 families
``ripple_probability``        0.12        chance a spare invitation founds a new cohort
``ripple_decline``            0.5         ripple rate falls from x1.25 to x0.75 over the period
``seed_window``               0.9         seeds join within the first 90% of the period
``invite_days``               14          mean days from inviter to invitee (same cohort)
``ripple_days``               45          mean days from inviter to a new cohort's founder
``household_weights``         see code    household size 1..10 (low-income US households)
``income_weights``            see code    baseline income band 1..5 (program quintiles)
``income_up``                 0.45        P(band +1) after 24 months (program: income +22%)
``income_up_two``             0.08        P(band +2) after 24 months
``income_down``               0.07        P(band -1), any tenure
``goal_count_weights``        .35 .4 .25  1, 2 or 3 goals per family
``goal_copy``                 0.5         invitee shares the inviter's primary goal
``language_copy``             0.8         invitee shares the inviter's primary language
``income_copy``               0.6         invitee shares the inviter's baseline income band
``achieved``                  0.4         P(a goal achieved) after 24 months (scales w. tenure)
``abandoned``                 0.06        P(a goal abandoned)
``description_share``         0.4         goals with a free-text description
``consent_research``          0.92        consent to de-identified research
``consent_matching``          0.7         consent to peer matching
``consent_cross_region``      0.45        of those consenting to matching: cross-region too
``help_per_family``           8.0         help exchanges per family (incl. returned ones)
``region_share``              0.2         share of exchanges within region, outside the cohort
``cross_share``               0.05        share of exchanges across regions
``complement_weight``         3.0         weight of a pair where a strength meets a need
``shared_goal_weight``        2.0         weight of cohort mates who share a goal
``reciprocity``               0.45        share of exchanges that are returned
``growth``                    2.0         exchange rate at the end / at the start (program: ~2x)
``dollars_per_family``        4000        dollar value of help per family per two years
``confirmed_share``           0.6         exchanges confirmed by the other family
``left_share``                0.04        memberships with status "left"
============================  ==========  ========================================================

>>> net = generate(families=60, seed=1)
>>> len(net.families), net.families[0].id
(60, 'f000000')
>>> all(6 <= n <= 8 for n in net.cohort_sizes())
True
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

import numpy as np
import numpy.typing as npt

from loaders.formats import Format, RecordWriter
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
    today,
)
from models.vocabulary import GOAL_CATEGORIES, HELP_KINDS, SKILLS

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RegionSpec:
    """A metro area: where it is, how big (metro population, millions, 2020 census), which
    languages other than English its families speak at home, and how fast referrals spread."""

    id: str
    name: str
    state: str
    latitude: float
    longitude: float
    population: float
    languages: tuple[tuple[str, float], ...]  # (ISO 639 code, share of primary speakers)
    reproduction: float  # multiplies the ripple probability


REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec(
        "oakland-sf",
        "Oakland / San Francisco Bay Area",
        "CA",
        37.8044,
        -122.2712,
        4.75,
        (("es", 0.28), ("zh", 0.08), ("vi", 0.04), ("tl", 0.04)),
        1.15,
    ),
    RegionSpec(
        "boston-cambridge",
        "Boston / Cambridge",
        "MA",
        42.3601,
        -71.0589,
        4.94,
        (("es", 0.22), ("pt", 0.06), ("ht", 0.05), ("zh", 0.03)),
        1.0,
    ),
    RegionSpec(
        "detroit", "Detroit", "MI", 42.3314, -83.0458, 4.39, (("es", 0.07), ("ar", 0.06)), 0.95
    ),
    RegionSpec(
        "new-orleans",
        "New Orleans",
        "LA",
        29.9511,
        -90.0715,
        1.27,
        (("es", 0.08), ("vi", 0.04)),
        1.05,
    ),
    RegionSpec(
        "albuquerque",
        "Albuquerque",
        "NM",
        35.0844,
        -106.6504,
        0.92,
        (("es", 0.35), ("nv", 0.03)),
        1.0,
    ),
    RegionSpec("san-antonio", "San Antonio", "TX", 29.4241, -98.4936, 2.56, (("es", 0.45),), 0.9),
    RegionSpec(
        "chicago",
        "Chicago",
        "IL",
        41.8781,
        -87.6298,
        9.62,
        (("es", 0.25), ("pl", 0.03), ("ar", 0.02)),
        0.85,
    ),
    RegionSpec(
        "fresno",
        "Fresno",
        "CA",
        36.7378,
        -119.7871,
        1.01,
        (("es", 0.45), ("hmn", 0.05), ("pa", 0.03)),
        1.1,
    ),
)

# Skill (strength meeting a need) -> the kind of help it gives.
SKILL_TO_HELP: dict[str, str] = {
    "childcare": "childcare", "cooking": "food", "sewing": "repairs", "car_repair": "repairs",
    "home_repair": "repairs", "tax_paperwork": "paperwork", "english_translation": "paperwork",
    "tutoring": "tutoring", "bookkeeping": "paperwork", "computer_skills": "job_leads",
    "driving": "transport", "hair_beauty": "emotional_support", "job_search": "job_leads",
    "small_business": "advice",
}  # fmt: skip
# Kinds of help not tied to a skill, and how common they are.
BASE_HELP_WEIGHTS: dict[str, float] = {
    "emotional_support": 0.22, "food": 0.14, "childcare": 0.12, "transport": 0.12,
    "advice": 0.12, "job_leads": 0.08, "lending_money": 0.06, "tutoring": 0.04,
    "repairs": 0.04, "paperwork": 0.04, "housing": 0.02,
}  # fmt: skip
# Median hours by kind (lending money has no hours); housing counts the hours of a stay.
HELP_HOURS: dict[str, float] = {
    "childcare": 4, "transport": 1.5, "food": 2, "lending_money": 0, "job_leads": 1,
    "tutoring": 2, "repairs": 3, "housing": 72, "paperwork": 2, "emotional_support": 1.5,
    "advice": 1,
}  # fmt: skip
GOAL_WEIGHTS: dict[str, float] = {
    "emergency_savings": 0.16, "pay_down_debt": 0.13, "build_credit": 0.09,
    "raise_income": 0.14, "start_business": 0.08, "buy_home": 0.06, "stable_housing": 0.08,
    "finish_degree": 0.06, "learn_english": 0.04, "childrens_grades": 0.07, "health": 0.05,
    "community_leadership": 0.04,
}  # fmt: skip
SKILL_WEIGHTS: dict[str, float] = {
    "childcare": 0.13, "cooking": 0.14, "sewing": 0.05, "car_repair": 0.05,
    "home_repair": 0.06, "tax_paperwork": 0.05, "english_translation": 0.07, "tutoring": 0.07,
    "bookkeeping": 0.04, "computer_skills": 0.07, "driving": 0.1, "hair_beauty": 0.06,
    "job_search": 0.06, "small_business": 0.05,
}  # fmt: skip
GOAL_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "emergency_savings": ("Save ${n} for emergencies", "Keep ${n} in savings for rent"),
    "pay_down_debt": ("Pay off ${n} of credit card debt", "Clear the car loan"),
    "build_credit": ("Raise my credit score above 650", "Open a secured card and pay on time"),
    "raise_income": ("Get a better-paid job", "Earn ${n} more a month"),
    "start_business": ("Start selling food from home", "Open a cleaning business"),
    "buy_home": ("Save ${n} for a down payment", "Buy a house for the family"),
    "stable_housing": ("Move to a safer apartment", "Stay in our place a full year"),
    "finish_degree": ("Finish my nursing certificate", "Get my GED"),
    "learn_english": ("Speak English at work", "Pass the ESL level 3 class"),
    "childrens_grades": ("Help my son pass math", "Get the kids on the honor roll"),
    "health": ("Walk every day", "Get my diabetes under control"),
    "community_leadership": ("Lead the parent group at school", "Organize a food drive"),
}
SURNAMES: dict[str, tuple[str, ...]] = {
    "en": ("Smith", "Johnson", "Williams", "Brown", "Jones", "Davis", "Miller", "Wilson",
           "Moore", "Taylor", "Jackson", "Thomas", "Harris", "Robinson", "Walker", "Young"),
    "es": ("García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez",
           "Sánchez", "Ramírez", "Torres", "Flores", "Rivera"),
    "zh": ("Chen", "Wang", "Li", "Zhang", "Liu"),
    "vi": ("Nguyen", "Tran", "Le", "Pham"),
    "tl": ("Santos", "Reyes", "Cruz", "Bautista"),
    "pt": ("Silva", "Souza", "Costa", "Pereira"),
    "ht": ("Jean", "Pierre", "Joseph", "Louis"),
    "ar": ("Haddad", "Khalil", "Saleh", "Mansour"),
    "nv": ("Begay", "Yazzie", "Tsosie", "Benally"),
    "pl": ("Nowak", "Kowalski", "Wiśniewski"),
    "hmn": ("Vang", "Xiong", "Yang", "Lee"),
    "pa": ("Singh", "Kaur", "Sandhu"),
}  # fmt: skip


@dataclass(frozen=True)
class SyntheticParameters:
    """Every knob of the generator; see the module docstring for the table."""

    months: int = 24
    end: date | None = None
    regions: tuple[RegionSpec, ...] = REGIONS
    cohort_sizes: tuple[int, ...] = (6, 7, 8)
    cohort_size_weights: tuple[float, ...] = (0.25, 0.35, 0.40)
    invitations_per_member: int = 2
    ripple_probability: float = 0.12
    ripple_decline: float = 0.5
    seed_window: float = 0.9
    invite_days: float = 14.0
    ripple_days: float = 45.0
    household_weights: tuple[float, ...] = (
        0.12, 0.17, 0.21, 0.2, 0.14, 0.08, 0.04, 0.02, 0.01, 0.01,
    )  # fmt: skip
    income_weights: tuple[float, ...] = (0.34, 0.3, 0.2, 0.11, 0.05)
    income_up: float = 0.45
    income_up_two: float = 0.08
    income_down: float = 0.07
    goal_count_weights: tuple[float, ...] = (0.35, 0.4, 0.25)
    goal_copy: float = 0.5
    language_copy: float = 0.8
    income_copy: float = 0.6
    achieved: float = 0.4
    abandoned: float = 0.06
    description_share: float = 0.4
    consent_research: float = 0.92
    consent_matching: float = 0.7
    consent_cross_region: float = 0.45
    help_per_family: float = 8.0
    region_share: float = 0.2
    cross_share: float = 0.05
    complement_weight: float = 3.0
    shared_goal_weight: float = 2.0
    reciprocity: float = 0.45
    growth: float = 2.0
    dollars_per_family: float = 4000.0
    confirmed_share: float = 0.6
    left_share: float = 0.04

    def end_date(self) -> date:
        if self.end is not None:
            return self.end
        return today().replace(day=1) - timedelta(days=1)


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
class _Columns:
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
    columns: _Columns = field(repr=False)

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


# ---------------------------------------------------------------------------- generation
def generate(
    families: int, seed: int, parameters: SyntheticParameters | None = None
) -> SyntheticNetwork:
    """A synthetic network of ``families`` families; the same seed gives the same network."""
    if families < 1:
        raise ValueError("families must be at least 1")
    params = parameters or SyntheticParameters()
    rng = np.random.default_rng(seed)
    end = params.end_date()
    start = end - timedelta(days=round(params.months * 30.4375))
    period = (end - start).days
    growth = _grow(rng, params, families, period)
    base = growth.columns()
    people = _people(rng, params, base, period)
    goal_matrix, pursuits = _pursuit_columns(rng, params, base, period)
    cohorts = _cohort_columns(rng, params, growth, base, goal_matrix)
    goal_mask = (goal_matrix * (1 << np.arange(len(GOALS), dtype=np.int64))).sum(axis=1)
    pairs = _Pairs(growth.members, base["family_region"], base["join_day"], people, goal_mask)
    helps = _help_columns(rng, params, pairs, pursuits, period)
    columns = _Columns(start=start, days=period, **base, **people, **cohorts, **pursuits, **helps)
    regions = [
        Region(id=r.id, name=r.name, state=r.state, latitude=r.latitude, longitude=r.longitude)
        for r in params.regions
    ]
    goals = [Goal(id=g, label=label) for g, label in GOAL_CATEGORIES.items()]
    return SyntheticNetwork(seed, params, regions, goals, columns)


@dataclass
class _Growth:
    """The outcome of the branching process, built up in plain lists."""

    region: list[int] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    day: list[float] = field(default_factory=list)
    cohort_region: list[int] = field(default_factory=list)
    cohort_day: list[float] = field(default_factory=list)
    members: list[list[int]] = field(default_factory=list)

    def add(self, region: int, parent: int, day: float) -> int:
        self.region.append(region)
        self.parent.append(parent)
        self.day.append(day)
        return len(self.parent) - 1

    def columns(self) -> dict[str, Any]:
        parent = np.array(self.parent, dtype=np.int64)
        return {
            "family_region": np.array(self.region, dtype=np.int64),
            "parent": parent,
            "join_day": np.array(self.day, dtype=np.float64).astype(np.int64),
            "cohort_region": np.array(self.cohort_region, dtype=np.int64),
            "cohort_day": np.array(self.cohort_day, dtype=np.float64).astype(np.int64),
            "referred": np.flatnonzero(parent >= 0),
        }


def _grow(
    rng: np.random.Generator, params: SyntheticParameters, families: int, period: int
) -> _Growth:
    population = np.array([r.population for r in params.regions])
    targets = rng.multinomial(families, population / population.sum())
    growth = _Growth()
    for region, target in enumerate(targets):
        _grow_region(rng, params, growth, region, int(target), period)
    return growth


def _grow_region(
    rng: np.random.Generator,
    params: SyntheticParameters,
    growth: _Growth,
    region: int,
    target: int,
    period: int,
) -> None:
    first = len(growth.parent)
    smallest = min(params.cohort_sizes)
    reproduction = params.regions[region].reproduction

    def room() -> int:
        return target - (len(growth.parent) - first)

    def ripple_chance(day: float) -> float:
        trend = 1 + params.ripple_decline * (0.5 - day / period)
        return params.ripple_probability * reproduction * trend

    while room() >= smallest:
        seed_day = rng.uniform(0, period * params.seed_window)
        founders = deque([growth.add(region, -1, seed_day)])
        while founders and room() + 1 >= smallest:
            founder = founders.popleft()
            members, spare = _fill_cohort(rng, params, growth, region, founder, room() + 1, period)
            for member in members:
                for _ in range(spare[member]):
                    day = growth.day[member] + rng.exponential(params.ripple_days)
                    if day <= period and room() > smallest and rng.random() < ripple_chance(day):
                        founders.append(growth.add(region, member, day))
    while room() > 0:  # too few left for a cohort: they join on their own
        growth.add(region, -1, rng.uniform(0, period))


def _fill_cohort(
    rng: np.random.Generator,
    params: SyntheticParameters,
    growth: _Growth,
    region: int,
    founder: int,
    room: int,
    period: int,
) -> tuple[list[int], dict[int, int]]:
    """A cohort around ``founder``: members invite friends until it has its size. Returns the
    members and each member's invitations left."""
    size = int(rng.choice(params.cohort_sizes, p=_normalised(params.cohort_size_weights)))
    size = min(size, room)
    members = [founder]
    left = {founder: params.invitations_per_member}
    while len(members) < size:
        inviters = [m for m in members if left[m] > 0]
        inviter = inviters[int(rng.integers(len(inviters)))]
        left[inviter] -= 1
        day = min(float(period), growth.day[inviter] + rng.exponential(params.invite_days))
        new = growth.add(region, inviter, day)
        left[new] = params.invitations_per_member
        members.append(new)
    growth.cohort_region.append(region)
    growth.cohort_day.append(growth.day[founder])
    growth.members.append(members)
    return members, left


def _normalised(weights: Sequence[float]) -> FloatArray:
    array = np.asarray(weights, dtype=np.float64)
    normalised: FloatArray = array / array.sum()
    return normalised


def _inherit(rng: np.random.Generator, parent: IntArray, probability: float) -> IntArray:
    """For each family, the ancestor whose own draw it carries: an invitee copies its inviter
    with ``probability`` (chains resolved by pointer jumping)."""
    n = len(parent)
    copies = (parent >= 0) & (rng.random(n) < probability)
    source: IntArray = np.where(copies, parent, np.arange(n))
    while True:
        jumped = source[source]
        if np.array_equal(jumped, source):
            return source
        source = jumped


def _ranks(
    rng: np.random.Generator, weights: FloatArray, n: int, forced: IntArray | None
) -> IntArray:
    """(n, k) rank of each item in a weighted random order without replacement (Gumbel
    top-k); ``forced[i]`` comes first if given."""
    scores = np.log(weights)[None, :] + rng.gumbel(size=(n, len(weights)))
    if forced is not None:
        scores[np.arange(n), forced] = np.inf
    ranks: IntArray = np.argsort(np.argsort(-scores, axis=1), axis=1)
    return ranks


def _people(
    rng: np.random.Generator, params: SyntheticParameters, base: dict[str, Any], period: int
) -> dict[str, Any]:
    parent: IntArray = base["parent"]
    n = len(parent)
    tenure = (period - base["join_day"]) / period  # share of the period in the program
    household = rng.choice(np.arange(1, 11), size=n, p=_normalised(params.household_weights))
    primary_draw = _primary_languages(rng, params, base["family_region"])
    primary = primary_draw[_inherit(rng, parent, params.language_copy)]
    also_english = rng.random(n) < 0.55
    languages = [
        tuple(sorted({str(p), "en"})) if e else (str(p),)
        for p, e in zip(primary, also_english, strict=True)
    ]
    baseline_draw = rng.choice(np.arange(1, 6), size=n, p=_normalised(params.income_weights))
    baseline = baseline_draw[_inherit(rng, parent, params.income_copy)]
    move = rng.random(n)
    up_two = move < params.income_up_two * tenure
    up_one = ~up_two & (move < (params.income_up_two + params.income_up) * tenure)
    down = ~up_two & ~up_one & (move > 1 - params.income_down)
    band = np.clip(baseline + up_one + 2 * up_two - down, 1, 5)
    skill_weights = _normalised([SKILL_WEIGHTS.get(s, 0.05) for s in SKILL_LIST])
    ranks = _ranks(rng, skill_weights, n, None)
    strength_count = rng.integers(1, 4, size=n)[:, None]
    need_count = rng.integers(1, 3, size=n)[:, None]
    bits = 1 << np.arange(len(SKILL_LIST), dtype=np.int64)
    strengths = ((ranks < strength_count) * bits).sum(axis=1)
    needs = (((ranks >= strength_count) & (ranks < strength_count + need_count)) * bits).sum(1)
    matching = rng.random(n) < params.consent_matching
    consent = np.column_stack([
        matching,
        matching & (rng.random(n) < params.consent_cross_region),
        rng.random(n) < params.consent_research,
    ])  # fmt: skip
    return {
        "household": household.astype(np.int64),
        "languages": languages,
        "primary_language": [str(p) for p in primary],
        "baseline_band": baseline.astype(np.int64),
        "income_band": band.astype(np.int64),
        "strengths": strengths,
        "needs": needs,
        "consent": consent,
        "surname": rng.integers(0, 1 << 16, size=n),
    }


def _primary_languages(
    rng: np.random.Generator, params: SyntheticParameters, region: IntArray
) -> npt.NDArray[np.str_]:
    out = np.full(len(region), "en", dtype="<U3")
    draw = rng.random(len(region))
    for index, spec in enumerate(params.regions):
        here = region == index
        floor = 0.0
        for code, share in spec.languages:
            out[here & (draw >= floor) & (draw < floor + share)] = code
            floor += share
    return out


def _pursuit_columns(
    rng: np.random.Generator, params: SyntheticParameters, base: dict[str, Any], period: int
) -> tuple[BoolArray, dict[str, Any]]:
    """Goals per family (the primary one copied from the inviter with ``goal_copy``)."""
    parent: IntArray = base["parent"]
    n = len(parent)
    weights = _normalised([GOAL_WEIGHTS.get(g, 0.05) for g in GOALS])
    primary_draw = rng.choice(len(GOALS), size=n, p=weights)
    primary = primary_draw[_inherit(rng, parent, params.goal_copy)]
    counts = rng.choice(np.arange(1, 4), size=n, p=_normalised(params.goal_count_weights))
    chosen: BoolArray = _ranks(rng, weights, n, primary) < counts[:, None]
    family, goal = np.nonzero(chosen)
    since = np.minimum(period, base["join_day"][family] + rng.exponential(10, len(family)))
    since = since.astype(np.int64)
    tenure = (period - since) / period
    draw = rng.random(len(family))
    achieved = draw < params.achieved * tenure
    abandoned = ~achieved & (draw > 1 - params.abandoned)
    status = np.where(achieved, 1, np.where(abandoned, 2, 0)).astype(np.int64)
    achieved_day = since + (rng.uniform(0.2, 1.0, len(family)) * (period - since)).astype(int)
    described = rng.random(len(family)) < params.description_share
    template = rng.integers(0, 1 << 16, size=len(family))
    amount = rng.choice([500, 1000, 2000, 5000], size=len(family))
    descriptions = [
        _description(GOALS[g], int(t), int(a)) if d else ""
        for g, t, a, d in zip(goal, template, amount, described, strict=True)
    ]
    return chosen, {
        "pursuit_family": family.astype(np.int64),
        "pursuit_goal": goal.astype(np.int64),
        "pursuit_day": since,
        "pursuit_status": status,
        "pursuit_achieved_day": achieved_day.astype(np.int64),
        "pursuit_description": descriptions,
    }


def _description(goal: str, template: int, amount: int) -> str:
    options = GOAL_DESCRIPTIONS.get(goal, ("",))
    return options[template % len(options)].replace("{n}", f"{amount:,}")


def _cohort_columns(
    rng: np.random.Generator,
    params: SyntheticParameters,
    growth: _Growth,
    base: dict[str, Any],
    goal_matrix: BoolArray,
) -> dict[str, Any]:
    sizes = [len(m) for m in growth.members]
    member_family = np.array([f for m in growth.members for f in m], dtype=np.int64)
    member_cohort = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    goal_counts = np.zeros((len(sizes), len(GOALS)), dtype=np.int64)
    np.add.at(goal_counts, member_cohort, goal_matrix[member_family])
    return {
        "member_family": member_family,
        "member_cohort": member_cohort,
        "member_day": base["join_day"][member_family],
        "member_left": rng.random(len(member_family)) < params.left_share,
        "member_invited_by": _inviting_mates(base["parent"], member_family, member_cohort),
        "cohort_focus": [_focus(row) for row in goal_counts],
    }


def _inviting_mates(parent: IntArray, family: IntArray, cohort: IntArray) -> IntArray:
    """Each member's inviter if that inviter is in the same cohort, else -1."""
    cohort_of = np.full(len(parent), -1, dtype=np.int64)
    cohort_of[family] = cohort
    inviter = parent[family]
    same = (inviter >= 0) & (cohort_of[np.maximum(inviter, 0)] == cohort)
    mates: IntArray = np.where(same, inviter, -1)
    return mates


def _focus(goal_counts: IntArray) -> tuple[str, ...]:
    """The cohort's focus: its most common goal, and the second if two members share it."""
    order = np.argsort(-goal_counts, kind="stable")[:2]
    picked = [order[0]] + [g for g in order[1:] if goal_counts[g] >= 2]
    return tuple(sorted(GOALS[int(g)] for g in picked))


# ---------------------------------------------------------------------------- help exchanges
@dataclass
class _Pairs:
    """What the help process needs to know about families."""

    members: list[list[int]]
    region: IntArray
    join_day: IntArray
    people: dict[str, Any]
    goal_mask: IntArray

    def weight(
        self, giver: IntArray, receiver: IntArray, params: SyntheticParameters
    ) -> FloatArray:
        meets = (self.people["strengths"][giver] & self.people["needs"][receiver]) != 0
        shares = (self.goal_mask[giver] & self.goal_mask[receiver]) != 0
        weight: FloatArray = (
            1.0 + (params.complement_weight - 1) * meets + (params.shared_goal_weight - 1) * shares
        )
        return weight


def _exposure(start: FloatArray, period: int, growth: float) -> FloatArray:
    """Integral of the exchange rate 1 + (growth-1) t/T over [start, T]."""
    slope = growth - 1
    exposure: FloatArray = (period - start) + slope / (2 * period) * (period**2 - start**2)
    return exposure


def _times(rng: np.random.Generator, start: FloatArray, period: int, growth: float) -> FloatArray:
    """Times in [start, T] with density proportional to 1 + (growth-1) t/T (inverse CDF)."""
    target = rng.random(len(start)) * _exposure(start, period, growth)
    slope = growth - 1
    if slope == 0:
        times: FloatArray = start + target
        return times
    c = start + slope * start**2 / (2 * period) + target
    times = (np.sqrt(1 + 2 * slope * c / period) - 1) * period / slope
    return np.clip(times, start, period)


def _cohort_pairs(members: list[list[int]]) -> tuple[IntArray, IntArray]:
    width = max((len(m) for m in members), default=0)
    padded = np.full((len(members), width), -1, dtype=np.int64)
    for row, group in enumerate(members):
        padded[row, : len(group)] = group
    giver = np.repeat(padded, width, axis=1).ravel()
    receiver = np.tile(padded, (1, width)).ravel()
    keep = (giver >= 0) & (receiver >= 0) & (giver != receiver)
    return giver[keep], receiver[keep]


def _goal_partners(
    rng: np.random.Generator,
    family: IntArray,
    key: IntArray,
    count: int,
) -> tuple[IntArray, IntArray]:
    """``count`` (giver, receiver) pairs: a random pursuit's family gives to a random family
    pursuing the same goal (within the same ``key`` bucket)."""
    if len(family) == 0 or count == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    order = np.argsort(key, kind="stable")
    keys, families = key[order], family[order]
    pick = rng.integers(len(keys), size=count)
    low = np.searchsorted(keys, keys[pick], side="left")
    high = np.searchsorted(keys, keys[pick], side="right")
    other = low + (rng.random(count) * (high - low)).astype(np.int64)
    return families[pick], families[other]


def _help_columns(
    rng: np.random.Generator,
    params: SyntheticParameters,
    pairs: _Pairs,
    pursuits: dict[str, Any],
    period: int,
) -> dict[str, Any]:
    n = len(pairs.region)
    first_hand = n * params.help_per_family / (1 + params.reciprocity)
    giver, receiver = _cohort_pairs(pairs.members)
    weight = pairs.weight(giver, receiver, params)
    start = np.maximum(pairs.join_day[giver], pairs.join_day[receiver]).astype(np.float64)
    expected = weight * _exposure(start, period, params.growth)
    cohort_share = 1 - params.region_share - params.cross_share
    if len(expected):
        rate = first_hand * cohort_share / expected.sum()
        repeats = rng.poisson(rate * expected)
        giver, receiver = np.repeat(giver, repeats), np.repeat(receiver, repeats)
    local = _partners(rng, params, pairs, pursuits, first_hand * params.region_share, False)
    far = _partners(rng, params, pairs, pursuits, first_hand * params.cross_share, True)
    giver = np.concatenate([giver, local[0], far[0]])
    receiver = np.concatenate([receiver, local[1], far[1]])
    start = np.maximum(pairs.join_day[giver], pairs.join_day[receiver]).astype(np.float64)
    day = _times(rng, start, period, params.growth)
    returned = rng.random(len(giver)) < params.reciprocity
    back_day = day[returned] + rng.exponential(20, int(returned.sum()))
    kept = back_day <= period
    giver, receiver = (
        np.concatenate([giver, receiver[returned][kept]]),
        np.concatenate([receiver, giver[returned][kept]]),
    )
    day = np.concatenate([day, back_day[kept]]).astype(np.int64)
    order = np.lexsort((receiver, giver, day))
    giver, receiver, day = giver[order], receiver[order], day[order]
    kind = _kinds(rng, params, pairs, giver, receiver)
    hours, amount = _values(rng, params, kind, pairs, period)
    return {
        "help_from": giver,
        "help_to": receiver,
        "help_kind": kind,
        "help_day": day,
        "help_hours": hours,
        "help_amount": amount,
        "help_confirmed": rng.random(len(giver)) < params.confirmed_share,
    }


def _partners(
    rng: np.random.Generator,
    params: SyntheticParameters,
    pairs: _Pairs,
    pursuits: dict[str, Any],
    wanted: float,
    cross_region: bool,
) -> tuple[IntArray, IntArray]:
    """Exchanges outside the cohort between families who share a goal: within a region, or
    across regions between families who both consent to cross-region contact."""
    family: IntArray = pursuits["pursuit_family"]
    goal: IntArray = pursuits["pursuit_goal"]
    if cross_region:
        eligible = pairs.people["consent"][family, 1]
        family, goal = family[eligible], goal[eligible]
        key = goal
    else:
        key = pairs.region[family] * len(GOALS) + goal
    count = round(wanted)
    giver, receiver = _goal_partners(rng, family, key, count * 3 + 10)
    same_region = pairs.region[giver] == pairs.region[receiver]
    keep = (giver != receiver) & (same_region != cross_region)
    meets = (pairs.people["strengths"][giver] & pairs.people["needs"][receiver]) != 0
    chance = (1 + (params.complement_weight - 1) * meets) / params.complement_weight
    keep &= rng.random(len(giver)) < chance
    return giver[keep][:count], receiver[keep][:count]


def _kinds(
    rng: np.random.Generator,
    params: SyntheticParameters,
    pairs: _Pairs,
    giver: IntArray,
    receiver: IntArray,
) -> IntArray:
    """The kind of each exchange: what the giver's strength offers where it meets a need
    (mostly), otherwise a kind drawn from :data:`BASE_HELP_WEIGHTS`."""
    base_weights = _normalised([BASE_HELP_WEIGHTS.get(k, 0.02) for k in KINDS])
    kind: IntArray = rng.choice(len(KINDS), size=len(giver), p=base_weights)
    skill_kind = np.array([KINDS.index(SKILL_TO_HELP[s]) for s in SKILL_LIST], dtype=np.int64)
    meets = pairs.people["strengths"][giver] & pairs.people["needs"][receiver]
    use_skill = np.flatnonzero((meets != 0) & (rng.random(len(giver)) < 0.7))
    chunk = 200_000
    for begin in range(0, len(use_skill), chunk):
        rows = use_skill[begin : begin + chunk]
        bits = (meets[rows, None] >> np.arange(len(SKILL_LIST))) & 1
        skill = np.argmax(bits * rng.random((len(rows), len(SKILL_LIST)), dtype=np.float32), 1)
        kind[rows] = skill_kind[skill]
    return kind


def _values(
    rng: np.random.Generator,
    params: SyntheticParameters,
    kind: IntArray,
    pairs: _Pairs,
    period: int,
) -> tuple[FloatArray, FloatArray]:
    """Hours (by kind, lognormal) and the families' dollar estimates, scaled so that two years
    in the program come to ``dollars_per_family``."""
    median = np.array([HELP_HOURS.get(k, 1.0) for k in KINDS])[kind]
    hours = np.round(median * rng.lognormal(0, 0.6, len(kind)) * 2) / 2
    lending = kind == KINDS.index("lending_money")
    housing = kind == KINDS.index("housing")
    raw = hours * 20 * rng.lognormal(0, 0.4, len(kind))
    raw[lending] = rng.lognormal(np.log(200), 0.8, int(lending.sum()))
    raw[housing] = hours[housing] / 24 * 40
    hours = np.where(lending | (rng.random(len(kind)) < 0.1), np.nan, np.clip(hours, 0.5, 1000))
    family_years = float((period - pairs.join_day).sum()) / 730.0
    total = float(raw.sum())
    scale = params.dollars_per_family * family_years / total if total > 0 else 1.0
    amount = np.clip(np.round(raw * scale), 1, 100_000)
    amount[rng.random(len(kind)) < 0.1] = np.nan
    return hours, amount


# ---------------------------------------------------------------------------- writing
def write_network(
    network: SyntheticNetwork, folder: Path, fmt: Format = Format.CSV
) -> dict[str, int]:
    """Write ``network`` to ``folder`` in the import format; returns records per type."""
    with RecordWriter(folder, fmt) as writer:
        for record in network.records():
            writer.write(record)
    return dict(writer.counts)
