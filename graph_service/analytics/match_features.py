r"""The matcher's feature rows: one family's profile in, one sparse row out, no fitting.

Every encoder here is *stateless*: a family's row depends on that family's profile only,
never on the rest of the network. That is what lets the live read model update the match
index in place for the families a write touches, with exactly the rows a full rebuild would
give (:mod:`graph_service.readmodel`). The column space is fixed per process:

======  ==================================================  ======================================
block   content                                             columns
======  ==================================================  ======================================
``A``   goals pursued now, multi-hot                        the goal vocabulary, sorted
``H``   goals achieved, multi-hot                           the goal vocabulary, sorted
``S``   strengths, multi-hot                                the skill vocabulary, sorted
``N``   needs, multi-hot                                    the skill vocabulary, sorted
``T``   words of the free-text goal descriptions            2^16 hashed terms (:mod:`.text_hashing`,
        (not abandoned), English stop words removed,        scikit-learn's ``HashingVectorizer``
        sublinear term frequency ``1 + ln tf``              without sign flipping), L2 normalised
``Z``   household size band (1-2, 3-4, 5-6, 7 and more      4 columns, one-hot
        people), as :class:`SimilarSituation` shows it
``L``   languages, multi-hot                                every ISO 639 code of 2 or 3 letters
======  ==================================================  ======================================

Each block is L2-normalised on its own, so a dot product of two rows is a weighted sum of
block cosines (see :mod:`graph_service.analytics.matching`). Term hashing replaces a fitted
TF-IDF vocabulary: inverse document frequency depends on every family's text, so a single
edit would change every row sharing a word; hashed terms with sublinear frequency keep each
row local (Weinberger et al., "Feature hashing for large scale multitask learning",
ICML 2009).

Private fields: household size and income band are private to a family, and a family can
change its own profile and watch a peer's score move. So the score uses no more of them than
a reason already says: the household *band*, never the size, and not the income band at all
(a score that rose as incomes got closer would let a family read a peer's band by trying
each of its own).

>>> from datetime import date
>>> p = Profile(region="oak", cohort=None, active=frozenset({"buy_home"}), achieved=(),
...             strengths=frozenset(), needs=frozenset(), languages=("en", "es"),
...             household_size=4, income_band=2, text="", matching=True, cross_region=False)
>>> encoder = FeatureEncoder.current()
>>> rows, queries = encoder.encode([p], MatchWeights())
>>> rows.shape[0], round(float(rows.multiply(rows).sum()), 6)  # three non-empty unit blocks
(1, 3.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from graph_service.analytics.family_graph import GoalState
from graph_service.analytics.text_hashing import hashed_counts
from models import GoalStatus, vocabulary

TEXT_FEATURES = 2**16
HOUSEHOLD_BANDS = 4
_LETTERS = 26
LANGUAGE_COLUMNS = _LETTERS**2 + _LETTERS**3
# Which part of the score each block feeds (for reasons), in block order A H S N T Z L.
PARTS = ("goals", "role", "comp", "text", "situation")
_BLOCK_PART = (0, 1, 2, 2, 3, 4, 4)


@dataclass(frozen=True)
class MatchWeights:
    """Weights of the score (see :mod:`graph_service.analytics.matching` for the formula
    and the defaults' rationale). All must be >= 0."""

    shared_goals: float = 1.0
    role_model: float = 0.5
    complementarity: float = 0.8
    text: float = 0.3
    situation: float = 0.2
    language: float = 0.2
    trust: float = 3.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not value >= 0:
                raise ValueError(f"weight {name} must be >= 0, got {value}")


@dataclass(frozen=True, slots=True)
class Profile:
    """What matching knows of one family (no name, no contact)."""

    region: str
    cohort: str | None
    active: frozenset[str]
    achieved: tuple[tuple[str, date], ...]
    strengths: frozenset[str]
    needs: frozenset[str]
    languages: tuple[str, ...]
    household_size: int
    income_band: int
    text: str
    matching: bool
    cross_region: bool


def profile_of(attrs: Mapping[str, Any]) -> Profile:
    """The profile of a family from its :data:`FamilyGraph` node attributes.

    Parameters
    ----------
    attrs : Mapping of str to Any
        The node attributes of one family (:func:`~graph_service.analytics.family_graph.build_family_graph`).

    Returns
    -------
    Profile
        What matching knows of the family.

    Examples
    --------
    >>> from datetime import date
    >>> from graph_service.analytics.family_graph import build_family_graph
    >>> from models import Family
    >>> a = Family(id="a", name="A", region_id="r", household_size=3, income_band=2,
    ...            joined_at=date(2025, 1, 1))
    >>> profile_of(build_family_graph(families=[a]).nodes["a"]).region
    'r'
    """
    goals: Mapping[str, GoalState] = attrs.get("goals", {})
    active = frozenset(g for g, s in goals.items() if s.status == GoalStatus.ACTIVE)
    achieved = tuple(
        sorted(
            (g, s.achieved_at or s.since)
            for g, s in goals.items()
            if s.status == GoalStatus.ACHIEVED
        )
    )
    text = " ".join(
        s.description
        for _, s in sorted(goals.items())
        if s.description and s.status != GoalStatus.ABANDONED
    )
    return Profile(
        region=str(attrs["region"]),
        cohort=attrs.get("cohort"),
        active=active,
        achieved=achieved,
        strengths=frozenset(attrs.get("strengths", ())),
        needs=frozenset(attrs.get("needs", ())),
        languages=tuple(sorted(attrs.get("languages", ()))),
        household_size=int(attrs["household_size"]),
        income_band=int(attrs["income_band"]),
        text=text,
        matching=bool(attrs.get("consent_matching")),
        cross_region=bool(attrs.get("consent_cross_region")),
    )


def _language_column(code: str) -> int | None:
    """The fixed column of an ISO 639 code of 2 or 3 lowercase letters (None otherwise).

    >>> _language_column("aa"), _language_column("en"), _language_column("aaa")
    (0, 117, 676)
    """
    if not 2 <= len(code) <= 3 or not code.isascii() or not code.isalpha() or not code.islower():
        return None
    value = 0
    for letter in code:
        value = value * _LETTERS + (ord(letter) - ord("a"))
    return value if len(code) == 2 else _LETTERS**2 + value


@dataclass(frozen=True)
class FeatureEncoder:
    """The fixed column space: goal and skill vocabularies as they are when it is made."""

    goals: tuple[str, ...]
    skills: tuple[str, ...]

    @classmethod
    def current(cls) -> FeatureEncoder:
        """The encoder for the vocabularies in force now."""
        return cls(tuple(sorted(vocabulary().goal_categories)), tuple(sorted(vocabulary().skills)))

    @property
    def widths(self) -> tuple[int, ...]:
        g, s = len(self.goals), len(self.skills)
        return (g, g, s, s, TEXT_FEATURES, HOUSEHOLD_BANDS, LANGUAGE_COLUMNS)

    def column_parts(self) -> npt.NDArray[np.int64]:
        """For each column, the index in :data:`PARTS` of the score part it feeds."""
        parts = np.repeat(np.array(_BLOCK_PART, dtype=np.int64), self.widths)
        parts.flags.writeable = False
        return parts

    def encode(
        self, profiles: Sequence[Profile | None], weights: MatchWeights
    ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Candidate rows ``X`` and query rows ``Q`` (float32 CSR) of ``profiles``; a
        ``None`` profile (a deleted family) gives empty rows."""
        live = [p if p is not None else _EMPTY for p in profiles]
        goal_at = {g: i for i, g in enumerate(self.goals)}
        skill_at = {s: i for i, s in enumerate(self.skills)}
        active = _unit(_multi_hot((p.active for p in live), goal_at))
        achieved = _unit(_multi_hot(([g for g, _ in p.achieved] for p in live), goal_at))
        strengths = _unit(_multi_hot((p.strengths for p in live), skill_at))
        needs = _unit(_multi_hot((p.needs for p in live), skill_at))
        text = _text([p.text for p in live])
        situation = _situation(live)
        languages = _unit(_languages(live))
        half = weights.complementarity / 2
        index = [active, achieved, strengths, needs, text, situation, languages]
        query = [
            active * weights.shared_goals,
            active * weights.role_model,
            needs * half,
            strengths * half,
            text * weights.text,
            situation * weights.situation,
            languages * weights.language,
        ]
        return (
            sp.hstack(index, format="csr", dtype=np.float32),
            sp.hstack(query, format="csr", dtype=np.float32),
        )


_EMPTY = Profile("", None, frozenset(), (), frozenset(), frozenset(), (), 1, 1, "", False, False)


def _multi_hot(rows: Iterable[Iterable[str]], columns: Mapping[str, int]) -> sp.csr_matrix:
    indptr = [0]
    indices: list[int] = []
    for row in rows:
        indices.extend(sorted({columns[t] for t in row if t in columns}))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, len(columns)))


def _unit(block: sp.spmatrix) -> sp.csr_matrix:
    """Rows scaled to unit L2 length (empty rows stay empty), as float32."""
    rows = sp.csr_matrix(block, dtype=np.float64)
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale) @ rows, dtype=np.float32)


def _languages(profiles: Sequence[Profile]) -> sp.csr_matrix:
    indptr = [0]
    indices: list[int] = []
    for p in profiles:
        columns = {_language_column(code) for code in p.languages}
        indices.extend(sorted(c for c in columns if c is not None))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(profiles), LANGUAGE_COLUMNS))


def _text(texts: list[str]) -> sp.csr_matrix:
    counts = sp.csr_matrix(hashed_counts(texts, TEXT_FEATURES), dtype=np.float32)
    counts.sort_indices()
    counts.data = (1.0 + np.log(counts.data)).astype(np.float32)
    return _unit(counts)


def _situation(profiles: Sequence[Profile]) -> sp.csr_matrix:
    """One-hot household band (see :func:`household_band`); empty for a deleted family."""
    indptr = [0]
    indices: list[int] = []
    for p in profiles:
        if p is not _EMPTY:
            indices.append(household_band(p.household_size))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(profiles), HOUSEHOLD_BANDS))


def household_band(size: int) -> int:
    """The household size band that matching compares (never the size itself).

    Parameters
    ----------
    size : int
        People in the household, at least 1.

    Returns
    -------
    int
        1-2 -> 0, 3-4 -> 1, 5-6 -> 2, 7 and more -> 3.

    Examples
    --------
    >>> [household_band(n) for n in (1, 2, 3, 6, 7, 12)]
    [0, 0, 1, 2, 3, 3]
    """
    return min((size - 1) // 2, 3)
