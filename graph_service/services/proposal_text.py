"""The words organizers read about cohort proposals, in one place (English).

The analytics return neutral data (goal and skill codes, counts); this module renders it with
the vocabulary's labels. It is the one place to translate when the message catalogues of the
i18n work land (each function takes the data, never a sentence built elsewhere).
"""

from __future__ import annotations

from collections.abc import Sequence

from graph_service.analytics.cohort_formation import CohortRationale, LeftOverReason
from models.vocabulary import GOAL_CATEGORIES, SKILLS, vocabulary


def goal_label(goal: str) -> str:
    """The vocabulary's label of a goal category, lower case (the code if unknown)."""
    return vocabulary().goal_categories.get(goal, GOAL_CATEGORIES.get(goal, goal)).lower()


def skill_label(skill: str) -> str:
    """The vocabulary's label of a skill, lower case (the code if unknown)."""
    return vocabulary().skills.get(skill, SKILLS.get(skill, skill)).lower()


def cohort_summary(size: int, rationale: CohortRationale) -> str:
    """One sentence on why these families belong together.

    >>> r = CohortRationale((("emergency_savings", 6),), 2, (("driving", 3),), ("en",))
    >>> cohort_summary(6, r)
    '6 families; shared goals: emergency savings (6); keeps 2 existing ties together; needs met inside: driving (3); common language: en.'
    """
    parts = [f"{size} families"]
    if rationale.shared_goals:
        goals = ", ".join(f"{goal_label(g)} ({c})" for g, c in rationale.shared_goals[:3])
        parts.append(f"shared goals: {goals}")
    ties = rationale.ties_kept
    if ties:
        parts.append(f"keeps {ties} existing tie{'s' if ties != 1 else ''} together")
    if rationale.needs_met:
        needs = ", ".join(f"{skill_label(s)} ({c})" for s, c in rationale.needs_met[:3])
        parts.append(f"needs met inside: {needs}")
    languages: Sequence[str] = rationale.common_languages
    if languages:
        parts.append(f"common language{'s' if len(languages) != 1 else ''}: {', '.join(languages)}")
    return "; ".join(parts) + "."


def left_over_explanation(reason: LeftOverReason, pool: int, min_size: int, max_size: int) -> str:
    """Why a family of a pool of ``pool`` families is in no proposed cohort.

    >>> left_over_explanation(LeftOverReason.UNEVEN_POOL, 11, 6, 8)
    '11 families cannot all be placed in cohorts of 6 to 8; the families who fit the others least wait for the next proposal.'
    """
    if reason is LeftOverReason.NO_SHARED_LANGUAGE:
        return "This family shares no language with any other family in the pool."
    return (
        f"{pool} families cannot all be placed in cohorts of {min_size} to {max_size}; the "
        "families who fit the others least wait for the next proposal."
    )
