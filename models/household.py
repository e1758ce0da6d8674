"""Household facts a tax-benefit model needs: who lives in the household, and how old.

These are **private** profile fields the family controls (see ``services/access.py``:
only the family itself and admins read or change them; organizers do not). All are
optional: an empty :class:`HouseholdFacts` means "not given", and the benefit-cliff lens
then says what is missing instead of guessing.

Children are given by age (0-17) or, for a family that prefers not to give exact ages, by
age band; a band is modelled at its representative age (:data:`BAND_AGE`), which is the
age the model's age-dependent rules (Medicaid/CHIP age groups, the child tax credit's
under-6 amount, childcare) see.

>>> facts = HouseholdFacts(adult_ages=(34, 36), married=True, child_ages=(4,),
...                        child_age_bands=(ChildAgeBand.AGE_13_TO_17,))
>>> facts.complete, facts.children_ages(), facts.size
(True, (4, 15), 4)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator

from models.base import DomainModel

MAX_ADULTS = 6
MAX_CHILDREN = 12
MIN_ADULT_AGE = 18
MAX_AGE = 110
MAX_CHILD_AGE = 17


AdultAge = Annotated[int, Field(ge=MIN_ADULT_AGE, le=MAX_AGE)]
ChildAge = Annotated[int, Field(ge=0, le=MAX_CHILD_AGE)]


class ChildAgeBand(StrEnum):
    """Age bands of children, for families who prefer not to give exact ages."""

    UNDER_6 = "under_6"
    AGE_6_TO_12 = "6_to_12"
    AGE_13_TO_17 = "13_to_17"


BAND_AGE: dict[ChildAgeBand, int] = {
    ChildAgeBand.UNDER_6: 3,
    ChildAgeBand.AGE_6_TO_12: 9,
    ChildAgeBand.AGE_13_TO_17: 15,
}
"""The representative age at which a band is modelled."""


class HouseholdFacts(DomainModel):
    """Adults (by age) and children (by age or age band) of a household.

    ``married``: the first two adults are a married couple filing jointly; otherwise each
    adult files alone and the children are the first adult's dependents.
    """

    adult_ages: tuple[AdultAge, ...] = Field(default=(), max_length=MAX_ADULTS)
    married: bool = False
    child_ages: tuple[ChildAge, ...] = Field(default=(), max_length=MAX_CHILDREN)
    child_age_bands: tuple[ChildAgeBand, ...] = Field(default=(), max_length=MAX_CHILDREN)

    @field_validator("married")
    @classmethod
    def _couple(cls, value: bool, info: ValidationInfo) -> bool:
        if value and len(info.data.get("adult_ages", ())) < 2:
            raise ValueError("a married household has at least two adults")
        return value

    @field_validator("child_ages", "child_age_bands")
    @classmethod
    def _children(cls, value: tuple[Any, ...], info: ValidationInfo) -> tuple[Any, ...]:
        if value and not info.data.get("adult_ages"):
            raise ValueError("give the adults' ages first")
        if (
            len(value) + len(info.data.get("child_ages", ())) > MAX_CHILDREN
            and info.field_name == "child_age_bands"
        ):
            raise ValueError(f"at most {MAX_CHILDREN} children")
        return value

    @property
    def complete(self) -> bool:
        """Enough to model the household: at least one adult."""
        return bool(self.adult_ages)

    def children_ages(self) -> tuple[int, ...]:
        """Every child's age as modelled (bands at their representative age)."""
        return (*self.child_ages, *(BAND_AGE[b] for b in self.child_age_bands))

    @property
    def size(self) -> int:
        return len(self.adult_ages) + len(self.child_ages) + len(self.child_age_bands)
