"""What the ripple analytics return (frozen dataclasses), and their constants."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_WINDOW_DAYS = 180

#: Histogram bins of cascade sizes: (label, smallest size, largest size or None).
SIZE_BINS: tuple[tuple[str, int, int | None], ...] = (
    ("1", 1, 1),
    ("2", 2, 2),
    ("3-5", 3, 5),
    ("6-10", 6, 10),
    ("11-20", 11, 20),
    ("21-50", 21, 50),
    ("51+", 51, None),
)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CascadeMetrics:
    """Metrics of the cascade rooted at ``root`` (the root included in every count)."""

    root: str
    size: int
    depth: int
    families_per_generation: tuple[int, ...]
    max_breadth: int
    wiener_index: int
    structural_virality: float
    reproduction_number: float | None
    families_window_closed: int
    growth_ratios: tuple[float, ...]
    regions_reached: tuple[str, ...]
    region_count: int
    cohorts_reached: tuple[str, ...]
    cohort_count: int
    median_days_to_first_recruit: float | None
    joins_per_month: dict[str, int]


@dataclass(frozen=True)
class CohortRipple:
    """The cascades started by a cohort's active members, taken together.

    A member recruited (directly or not) by another member belongs to that member's cascade,
    so ``member_cascades`` holds one cascade per *top* member and nothing is counted twice.
    Generations are counted from the nearest top member. ``families_reached`` includes the
    members; ``recruited_families`` does not.
    """

    cohort_id: str
    members: int
    cascades: int
    families_reached: int
    recruited_families: int
    depth: int
    families_per_generation: tuple[int, ...]
    reproduction_number: float | None
    families_window_closed: int
    regions_reached: tuple[str, ...]
    region_count: int
    cohorts_reached: tuple[str, ...]
    cohort_count: int
    median_days_to_first_recruit: float | None
    joins_per_month: dict[str, int]
    mean_structural_virality: float | None
    member_cascades: tuple[CascadeMetrics, ...]


@dataclass(frozen=True)
class CascadeSummary:
    """One cascade in a :class:`RippleSummary` (ids are for families and organizers only)."""

    root: str
    size: int
    depth: int
    structural_virality: float


@dataclass(frozen=True)
class MonthlyJoins:
    month: str
    seeds: int
    invited: int


@dataclass(frozen=True)
class MonthlyReproduction:
    """Families who joined in ``month`` and whose window has closed, and their recruits."""

    month: str
    families: int
    recruits: int
    reproduction_number: float


@dataclass(frozen=True)
class RippleSummary:
    region: str | None
    start: str | None
    end: str | None
    as_of: str
    window_days: int
    families: int
    cascades: int
    invited_share: float | None
    size_distribution: dict[str, int]
    reproduction_number: float | None
    reproduction_by_month: tuple[MonthlyReproduction, ...]
    joins_by_month: tuple[MonthlyJoins, ...]
    largest_cascades: tuple[CascadeSummary, ...]
