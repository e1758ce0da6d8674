"""Fixed vocabularies: goal categories, help kinds, strengths and needs.

The starting lists come from the program this service models (see docs/program.md). They can be
extended, never shrunk, by configuration: ``Settings.extra_goal_categories`` and friends call
:func:`extend_vocabulary` at start-up. Validation in :mod:`models` always reads the current
vocabulary, so an extension is visible to every model created after it.

Terms are short snake_case slugs; labels are what people read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from threading import Lock

GOAL_CATEGORIES: dict[str, str] = {
    "emergency_savings": "Emergency savings",
    "pay_down_debt": "Pay down debt",
    "build_credit": "Build credit",
    "raise_income": "Raise income",
    "start_business": "Start or grow a business",
    "buy_home": "Buy a home",
    "stable_housing": "Stable housing",
    "finish_degree": "Finish a degree or certificate",
    "learn_english": "Learn English",
    "childrens_grades": "Children's grades",
    "health": "Health",
    "community_leadership": "Leadership in the community",
}

HELP_KINDS: dict[str, str] = {
    "childcare": "Childcare",
    "transport": "Transport",
    "food": "Food and meals",
    "lending_money": "Lending money",
    "job_leads": "Job leads",
    "tutoring": "Tutoring",
    "repairs": "Repairs",
    "housing": "Housing (a place to stay)",
    "paperwork": "Paperwork and taxes",
    "emotional_support": "Emotional support",
    "advice": "Advice from experience",
}

# One list for strengths and needs, so that a strength can meet a need.
SKILLS: dict[str, str] = {
    "childcare": "Childcare",
    "cooking": "Cooking",
    "sewing": "Sewing and tailoring",
    "car_repair": "Car repair",
    "home_repair": "Home repair",
    "tax_paperwork": "Tax and paperwork",
    "english_translation": "English and translation",
    "tutoring": "Tutoring",
    "bookkeeping": "Bookkeeping",
    "computer_skills": "Computer skills",
    "driving": "Driving",
    "hair_beauty": "Hair and beauty",
    "job_search": "Job search",
    "small_business": "Small-business know-how",
}

_TERM = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass
class Vocabulary:
    """The vocabularies in force. Mutated only through :func:`extend_vocabulary`."""

    goal_categories: dict[str, str] = field(default_factory=lambda: dict(GOAL_CATEGORIES))
    help_kinds: dict[str, str] = field(default_factory=lambda: dict(HELP_KINDS))
    skills: dict[str, str] = field(default_factory=lambda: dict(SKILLS))


_vocabulary = Vocabulary()
_lock = Lock()


def vocabulary() -> Vocabulary:
    """The vocabulary in force (shared, read-only by convention)."""
    return _vocabulary


def _checked(terms: dict[str, str]) -> dict[str, str]:
    for term in terms:
        if not _TERM.match(term):
            raise ValueError(
                f"vocabulary term {term!r} must be a snake_case slug of 2-40 characters"
            )
    return terms


def extend_vocabulary(
    *,
    goal_categories: dict[str, str] | None = None,
    help_kinds: dict[str, str] | None = None,
    skills: dict[str, str] | None = None,
) -> Vocabulary:
    """Add terms (term -> label) to the vocabularies; existing terms keep their labels."""
    with _lock:
        for target, extra in (
            (_vocabulary.goal_categories, goal_categories),
            (_vocabulary.help_kinds, help_kinds),
            (_vocabulary.skills, skills),
        ):
            for term, label in _checked(extra or {}).items():
                target.setdefault(term, label)
    return _vocabulary


def reset_vocabulary() -> None:
    """Back to the starting lists (tests use this)."""
    global _vocabulary
    with _lock:
        _vocabulary = Vocabulary()
