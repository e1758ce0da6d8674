"""Nodes of the graph: Family, Cohort, Goal, Region.

Consent (``Consent``) defaults to *no* for everything: a family is invisible to matching,
to other regions and to research until it says yes. That is the privacy-preserving default
the program owes the families; registration flows ask for each flag explicitly.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from models.base import DomainModel, ExternalId, PastDate, validator_from_vocabulary
from models.household import HouseholdFacts
from models.vocabulary import vocabulary

MIN_HOUSEHOLD = 1
MAX_HOUSEHOLD = 20
INCOME_BANDS = 5  # program-internal income quintiles, 1 = lowest
# Program rules (docs/program.md), the defaults of the GS_COHORT_* and GS_INVITATIONS_*
# settings and of the cohort-formation analytics: a cohort turns active at COHORT_MIN_SIZE
# members and is full at COHORT_FULL_SIZE; each member may invite INVITATIONS_PER_MEMBER.
COHORT_MIN_SIZE = 6
COHORT_FULL_SIZE = 8
INVITATIONS_PER_MEMBER = 2

Skill = Annotated[
    str, AfterValidator(validator_from_vocabulary(lambda: vocabulary().skills, "skill"))
]
GoalCategory = Annotated[
    str,
    AfterValidator(
        validator_from_vocabulary(lambda: vocabulary().goal_categories, "goal category")
    ),
]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]


class Consent(DomainModel):
    """What a family allows. Every query honours these; all default to False.

    - ``matching``: may be suggested to other families as a peer (and see suggestions).
    - ``cross_region``: may be suggested to, or connected with, families in other regions.
    - ``research``: may be counted in de-identified research aggregates.
    """

    matching: bool = False
    cross_region: bool = False
    research: bool = False


class Region(DomainModel):
    """A metro area the program serves."""

    id: ExternalId
    name: str = Field(min_length=1, max_length=120)
    state: str = Field(default="", max_length=40)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class Goal(DomainModel):
    """An entry of the shared goal catalogue; its id is a goal category."""

    id: GoalCategory
    label: str = Field(min_length=1, max_length=120)


class Family(DomainModel):
    """A household in the program. ``name`` and ``contact`` are private to the family;
    ``household_facts`` to the family and admins only."""

    id: ExternalId
    name: str = Field(min_length=1, max_length=120)
    region_id: ExternalId
    household_size: int = Field(ge=MIN_HOUSEHOLD, le=MAX_HOUSEHOLD)
    languages: tuple[LanguageCode, ...] = ("en",)
    income_band: int = Field(ge=1, le=INCOME_BANDS)
    baseline_income_band: int | None = Field(default=None, ge=1, le=INCOME_BANDS)
    strengths: tuple[Skill, ...] = ()
    needs: tuple[Skill, ...] = ()
    joined_at: PastDate
    contact: str = Field(default="", max_length=200)
    consent: Consent = Consent()
    # Private to the family and admins (the benefit-cliff lens): see models/household.py.
    household_facts: HouseholdFacts = HouseholdFacts()

    @field_validator("languages", "strengths", "needs")
    @classmethod
    def _sorted_unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(value)))


class CohortStatus(StrEnum):
    FORMING = "forming"
    ACTIVE = "active"
    CLOSED = "closed"


class CohortOrigin(StrEnum):
    SELF_FORMED = "self_formed"
    PROPOSED = "proposed"


class Cohort(DomainModel):
    """A peer group of (usually 6 to 8) families who chose one another."""

    id: ExternalId
    name: str = Field(min_length=1, max_length=120)
    region_id: ExternalId
    created_at: PastDate
    status: CohortStatus = CohortStatus.ACTIVE
    origin: CohortOrigin = CohortOrigin.SELF_FORMED
    focus_goals: tuple[GoalCategory, ...] = ()

    @field_validator("focus_goals")
    @classmethod
    def _sorted_unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(value)))
