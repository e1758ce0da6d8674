"""GraphQL types of the household facts (private: the family itself and admins)."""

from __future__ import annotations

import strawberry

from models import ChildAgeBand as ChildAgeBandModel
from models import HouseholdFacts as HouseholdFactsModel

# The domain enum itself, registered with strawberry (not copied).
strawberry.enum(ChildAgeBandModel, description="A child's age band.")


@strawberry.type(description="Private: who lives in the household (the family and admins only).")
class HouseholdFacts:
    adult_ages: list[int]
    married: bool
    child_ages: list[int]
    child_age_bands: list[ChildAgeBandModel]
    complete: bool = strawberry.field(description="Enough to model: at least one adult.")

    @staticmethod
    def of(facts: HouseholdFactsModel) -> HouseholdFacts:
        return HouseholdFacts(
            adult_ages=list(facts.adult_ages),
            married=facts.married,
            child_ages=list(facts.child_ages),
            child_age_bands=list(facts.child_age_bands),
            complete=facts.complete,
        )


@strawberry.input(description="Replaces the household facts; an empty input clears them.")
class HouseholdFactsInput:
    adult_ages: list[int] = strawberry.field(default_factory=list)
    married: bool = False
    child_ages: list[int] = strawberry.field(default_factory=list)
    child_age_bands: list[ChildAgeBandModel] = strawberry.field(default_factory=list)
