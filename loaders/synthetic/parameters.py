"""The generator's parameters: the metros, names by language, and :class:`SyntheticParameters`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from models import (
    today,
)

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
