"""The domain model: pydantic types for every node and relationship. Pure: no I/O."""

from models.base import DomainModel, ExternalId, parse, problems_of, today
from models.errors import DomainError, FieldProblem, ValidationFailed
from models.household import ChildAgeBand, HouseholdFacts
from models.introductions import Introduction, IntroductionStatus
from models.nodes import (
    COHORT_FULL_SIZE,
    COHORT_MIN_SIZE,
    INCOME_BANDS,
    INVITATIONS_PER_MEMBER,
    MAX_HOUSEHOLD,
    MIN_HOUSEHOLD,
    Cohort,
    CohortOrigin,
    CohortStatus,
    Consent,
    Family,
    Goal,
    Region,
)
from models.proposals import CohortProposal, ProposalFigures, ProposalStatus, ProposalWeights
from models.relationships import GoalStatus, Helped, MemberOf, MembershipStatus, Pursues, Referred
from models.rules import check_referrals
from models.vocabulary import extend_vocabulary, reset_vocabulary, vocabulary

__all__ = [
    "COHORT_FULL_SIZE",
    "COHORT_MIN_SIZE",
    "INCOME_BANDS",
    "INVITATIONS_PER_MEMBER",
    "MAX_HOUSEHOLD",
    "MIN_HOUSEHOLD",
    "ChildAgeBand",
    "Cohort",
    "CohortOrigin",
    "CohortProposal",
    "CohortStatus",
    "Consent",
    "DomainError",
    "DomainModel",
    "ExternalId",
    "Family",
    "FieldProblem",
    "Goal",
    "GoalStatus",
    "Helped",
    "HouseholdFacts",
    "Introduction",
    "IntroductionStatus",
    "MemberOf",
    "MembershipStatus",
    "ProposalFigures",
    "ProposalStatus",
    "ProposalWeights",
    "Pursues",
    "Referred",
    "Region",
    "ValidationFailed",
    "check_referrals",
    "extend_vocabulary",
    "parse",
    "problems_of",
    "reset_vocabulary",
    "today",
    "vocabulary",
]
