r"""Language in cohorts: a requirement of the proposal, not only a tie-breaker.

Rule
----
With a *language share* :math:`s\in[0,1]` (default :data:`DEFAULT_LANGUAGE_SHARE` = 0.5), every
member :math:`i` of a cohort :math:`C` must share at least one language with

.. math::

    \mathrm{req}(|C|) = \max\big(1, \lceil s\,(|C|-1)\rceil\big)

of the other members (``s = 0.5``: at least half of the others, so "most of them" and never
nobody). ``s = 0`` turns the rule off (language is then only the :math:`w_l` tie-breaker).

The local search minimises the *deficit* :math:`D(C)=\sum_{i\in C}\max(0,\mathrm{req}(|C|)-m_i)`,
:math:`m_i` = members of :math:`C` sharing a language with :math:`i`, at a price
:math:`P` per missing mate far above any gain of the pair weights
(:func:`deficit_price`), so it is first satisfied and then :math:`F` is maximised. A family
that shares a language with nobody else in the pool cannot meet it anywhere: it is left out
of the proposal with the reason (see :mod:`.propose`).

>>> required_mates(8, 0.5), required_mates(6, 0.5), required_mates(6, 0.0), required_mates(6, 0.1)
(4, 3, 0, 1)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from graph_service.analytics.cohort_formation.model import FormationWeights

DEFAULT_LANGUAGE_SHARE = 0.5
# Added to the language term of the candidate similarity (Pool.top_neighbours) while the rule
# is on, so that each family's candidate cohorts include some of its language-mates'.
LANGUAGE_CANDIDATE_BONUS = 1.0


def required_mates(size: int, share: float) -> int:
    """Language-mates each member of a cohort of ``size`` needs under ``share`` (see above).

    Parameters
    ----------
    size : int
        The cohort's size.
    share : float
        The share of the others each member must share a language with (0: no rule).

    Returns
    -------
    int
        ``ceil(share * (size - 1))``, at least 1 when the rule is on; 0 when it is off.

    Examples
    --------
    >>> required_mates(8, 0.5), required_mates(8, 0.0), required_mates(2, 0.1)
    (4, 0, 1)
    """
    if share <= 0 or size <= 1:
        return 0
    return max(1, math.ceil(share * (size - 1) - 1e-9))


def deficit_price(weights: FormationWeights) -> float:
    """``P``: more than any member can gain from the pair and coverage terms by moving.

    Parameters
    ----------
    weights : FormationWeights
        The objective's weights.

    Returns
    -------
    float
        The price of one missing language-mate in the objective.

    Examples
    --------
    >>> from graph_service.analytics.cohort_formation.model import FormationWeights
    >>> deficit_price(FormationWeights(goals=1, ties=0, needs=0, languages=0, region=0))
    5.0
    """
    return (
        1.0
        + 4.0 * (weights.goals + weights.ties + weights.languages + weights.region)
        + (2.0 * weights.needs)
    )


def mates(masks: Sequence[int], members: Sequence[int]) -> list[int]:
    """For each of ``members`` (indices into ``masks``), the others it shares a language with.

    Parameters
    ----------
    masks : sequence of int
        Each family's language bit mask.
    members : sequence of int
        The cohort (indices into ``masks``).

    Returns
    -------
    list of int
        For each member, the number of other members it shares a language with.

    Examples
    --------
    >>> mates([0b01, 0b11, 0b10], [0, 1, 2])
    [1, 2, 1]
    """
    return [sum(1 for y in members if y != x and masks[x] & masks[y]) for x in members]


def deficit(masks: Sequence[int], members: Sequence[int], share: float) -> int:
    """:math:`D(C)`: missing language-mates summed over the members of one cohort.

    Parameters
    ----------
    masks : sequence of int
        Each family's language bit mask.
    members : sequence of int
        The cohort (indices into ``masks``).
    share : float
        The language rule's share (:func:`required_mates`).

    Returns
    -------
    int
        Language-mates missing, summed over the members; 0 when the rule holds.

    Examples
    --------
    >>> deficit([0b01, 0b01, 0b10], [0, 1, 2], 0.5)  # the third shares with nobody
    1
    """
    need = required_mates(len(members), share)
    if need == 0:
        return 0
    return sum(max(0, need - m) for m in mates(masks, members))


class LanguageFit:
    """The deficit of every cohort during the search, and its change for a step."""

    def __init__(self, masks: Sequence[int], members: Sequence[list[int]], share: float):
        self.masks, self.share = masks, share
        self.members = members  # the search's own lists (moves update them in place)
        self.deficits = [deficit(masks, c, share) for c in members]

    def refresh(self, c: int) -> None:
        self.deficits[c] = deficit(self.masks, self.members[c], self.share)

    def change(self, c: int, leaving: Sequence[int], joining: Sequence[int]) -> int:
        """``D(c - leaving + joining) - D(c)``."""
        gone = set(leaving)
        after = [m for m in self.members[c] if m not in gone]
        after.extend(joining)
        return deficit(self.masks, after, self.share) - self.deficits[c]


def language_figures(
    languages: Sequence[Sequence[str]],
) -> tuple[bool, int]:
    """For one cohort's members' languages: (one language all share, members who share a
    language with no other member).

    Parameters
    ----------
    languages : sequence of sequence of str
        Each member's languages.

    Returns
    -------
    tuple of (bool, int)
        Whether one language is spoken by all, and how many members share a language with
        no other member.

    Examples
    --------
    >>> language_figures([("en",), ("en", "es"), ("es",)])
    (False, 0)
    >>> language_figures([("en",), ("en",), ("hmn",)])
    (False, 1)
    """
    sets = [set(langs) for langs in languages]
    common = bool(set.intersection(*sets)) if sets else True
    alone = sum(
        1 for i, s in enumerate(sets) if not any(s & o for j, o in enumerate(sets) if j != i)
    )
    return common, alone
