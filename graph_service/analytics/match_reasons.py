"""Why a peer was suggested: the typed reasons of :mod:`graph_service.analytics.matching`.

Each reason carries the facts it rests on (goal ids, skill terms, counts) and an English
``text``; no reason names a third family or carries a value of another family's private
field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

from graph_service.i18n import label


def _goal_label(goal: str) -> str:
    return label("goal", goal).lower()


def _skill_label(skill: str) -> str:
    return label("skill", skill).lower()


def _and_list(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True)
class SharedGoals:
    """Goals both families are working on now."""

    goals: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"You are both working on {_and_list([_goal_label(g) for g in self.goals])}."


@dataclass(frozen=True)
class ComplementaryStrengths:
    """Strengths of one family that meet needs of the other, both ways."""

    their_strengths_meeting_my_needs: tuple[str, ...]
    my_strengths_meeting_their_needs: tuple[str, ...]

    @property
    def text(self) -> str:
        parts = []
        if self.their_strengths_meeting_my_needs:
            skills = _and_list([_skill_label(s) for s in self.their_strengths_meeting_my_needs])
            parts.append(f"They are good at {skills}, which you need.")
        if self.my_strengths_meeting_their_needs:
            skills = _and_list([_skill_label(s) for s in self.my_strengths_meeting_their_needs])
            parts.append(f"You are good at {skills}, which they need.")
        return " ".join(parts)


@dataclass(frozen=True)
class RoleModel:
    """They already achieved a goal the asking family is working on."""

    goal: str
    achieved_at: date

    @property
    def text(self) -> str:
        when = self.achieved_at.strftime("%B %Y")
        return f"They reached {_goal_label(self.goal)} in {when}, a goal you are working on."


@dataclass(frozen=True)
class TrustProximity:
    """Families both know. Counts only, never who: ``via_help`` counts common neighbours
    tied to both by help exchanged, ``via_cohort`` the rest (at least one tie is a shared
    cohort), so ``via_help + via_cohort == common_neighbours``."""

    common_neighbours: int
    via_help: int
    via_cohort: int

    @property
    def text(self) -> str:
        noun = "family" if self.common_neighbours == 1 else "families"
        detail = []
        if self.via_help:
            detail.append(f"{self.via_help} through help exchanged")
        if self.via_cohort:
            detail.append(f"{self.via_cohort} through cohorts")
        return f"You know {self.common_neighbours} {noun} in common ({', '.join(detail)})."


@dataclass(frozen=True)
class SimilarSituation:
    """A household of a similar size (the same band: 1-2, 3-4, 5-6 or 7 and more people),
    shared languages. Household size and income band count in the score but no number
    derived from them is ever shown: a reason carried the size difference once, and a family
    that set its own size to 1 could read every peer's household size from it. Bands (not
    "at most one apart") keep a family that changes its own size again and again from
    learning more than a peer's band."""

    similar_household: bool
    shared_languages: tuple[str, ...]

    @property
    def text(self) -> str:
        parts = ["A household of a similar size"] if self.similar_household else []
        if self.shared_languages:
            parts.append(f"you both speak {_and_list(list(self.shared_languages))}")
        text = "; ".join(parts) + "."
        return text[0].upper() + text[1:]


def household_band(size: int) -> int:
    """1-2 -> 0, 3-4 -> 1, 5-6 -> 2, 7 and more -> 3."""
    return min((size - 1) // 2, 3)


MatchReason: TypeAlias = (
    SharedGoals | ComplementaryStrengths | RoleModel | TrustProximity | SimilarSituation
)


@dataclass(frozen=True)
class PeerMatch:
    """One suggested peer; ``reasons`` are ordered by their share of the score."""

    family_id: str
    score: float
    reasons: tuple[MatchReason, ...]
