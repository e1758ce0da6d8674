"""Why a peer-match answer is empty or short: the filters that left families out, counted.

Definition
----------
For an asking family ``u`` and the arguments of :meth:`MatchIndex.matches`, the *reachable*
families are those the consent and scope rules allow (matching consent; for other regions,
cross-region consent on both sides), never ``u`` itself. Each optional filter is then
counted on its own, over the reachable families:

- ``ALL_NEARBY_IN_COHORT`` / ``SOME_IN_COHORT``: members of ``u``'s active cohort (left out
  unless ``include_cohort``); *all* when nobody else is reachable;
- ``ALREADY_CONNECTED``: families ``u`` already exchanged help with (unless
  ``include_connected``);
- ``NO_SHARED_LANGUAGE``: families who speak none of ``u``'s languages (unless
  ``any_language``);
- ``GOAL_FILTER``: with ``goal``, the families left that pursue or reached it;
- ``NO_CONSENTING_PEERS`` / ``FEW_CONSENTED``: in ``u``'s region, the families that consented
  to matching (when the scope includes it), none or fewer than asked;
- ``NO_CROSS_REGION_CONSENT``: the scope reaches other regions but ``u`` did not consent to
  cross-region contact; ``FEW_CROSS_REGION``: fewer families elsewhere consented than asked;
- ``FEWER_THAN_ASKED``: the answer is short and none of the above explains it (few families
  fit the content of the profile).

A family may be left out by several filters; each count is of its own filter. Only counts
come out, never who; every count is of families the asking family could be shown with the
filter lifted (or of its own cohort and help partners, which it knows).

Source: the program rules of :mod:`graph_service.analytics.matching`.

Example
-------
>>> from graph_service.analytics.matching import MatchIndex
>>> from graph_service.analytics.match_random import random_family_graph
>>> index = MatchIndex.build(random_family_graph(40, seed=3))
>>> me = next(f for f in index.family_ids if index.matchable[index.position[f]])
>>> found = index.matches(me, first=100)
>>> codes = [s.code for s in shortfall(index, me, first=100, returned=len(found))]
>>> len(codes) > 0
True
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from graph_service.analytics.matching import MatchIndex, Scope


class ShortfallCode(Enum):
    ALL_NEARBY_IN_COHORT = "all_nearby_in_cohort"
    SOME_IN_COHORT = "some_in_cohort"
    ALREADY_CONNECTED = "already_connected"
    NO_SHARED_LANGUAGE = "no_shared_language"
    GOAL_FILTER = "goal_filter"
    NO_CONSENTING_PEERS = "no_consenting_peers"
    FEW_CONSENTED = "few_consented"
    NO_CROSS_REGION_CONSENT = "no_cross_region_consent"
    FEW_CROSS_REGION = "few_cross_region"
    NOT_SERVING_NEEDS = "not_serving_needs"  # crossRegionPeers' own filter (the service's)
    FEWER_THAN_ASKED = "fewer_than_asked"


@dataclass(frozen=True)
class Shortfall:
    """One reason an answer is short, with the number of families it concerns."""

    code: ShortfallCode
    count: int
    goal: str | None = None


def shortfall(
    index: MatchIndex,
    family_id: str,
    *,
    first: int,
    returned: int,
    scope: Scope = Scope.SAME_REGION,
    goal: str | None = None,
    include_cohort: bool = False,
    include_connected: bool = False,
    any_language: bool = False,
) -> list[Shortfall]:
    """The reasons (module docstring) an answer of ``returned`` < ``first`` peers is short;
    ``[]`` when it is not short.

    Parameters
    ----------
    index : MatchIndex
        The match index that answered.
    family_id : str
        The asking family.
    first : int
        How many peers were asked for.
    returned : int
        How many the answer has.
    scope, goal, include_cohort, include_connected, any_language
        The arguments of the question (:meth:`MatchIndex.matches`).

    Returns
    -------
    list of Shortfall
        Each reason with the number of families it concerns; ``[]`` when ``returned >= first``.

    Examples
    --------
    >>> import networkx as nx
    >>> from graph_service.analytics.matching import MatchIndex
    >>> from graph_service.analytics.match_random import random_family_graph
    >>> index = MatchIndex.build(random_family_graph(10, seed=1))
    >>> shortfall(index, index.family_ids[0], first=5, returned=5)
    []
    """
    if returned >= first:
        return []
    me = index.family_position(family_id)
    reachable = index.eligible_mask(
        me, scope=scope, include_cohort=True, include_connected=True, any_language=True
    )
    found: list[Shortfall] = []
    profile = index.profiles[me]
    same_region = index.region_code == index.region_code[me]
    if scope != "other_regions":
        peers = int((index.matchable & same_region).sum()) - 1
        if peers <= 0:
            found.append(Shortfall(ShortfallCode.NO_CONSENTING_PEERS, 0))
        elif peers < first:
            found.append(Shortfall(ShortfallCode.FEW_CONSENTED, peers))
    if scope != "same_region":
        if not index.cross_region_ok[me]:
            found.append(Shortfall(ShortfallCode.NO_CROSS_REGION_CONSENT, 0))
        else:
            elsewhere = int((index.cross_region_ok & ~same_region).sum())
            if elsewhere < first:
                found.append(Shortfall(ShortfallCode.FEW_CROSS_REGION, elsewhere))
    if not include_cohort and profile is not None and profile.cohort is not None:
        members = np.zeros(len(index.family_ids), dtype=np.bool_)
        members[index.cohort_members[profile.cohort]] = True
        if include_connected:  # help partners come back, cohort-mates or not
            members[index.help_partners(me)] = False
        in_cohort = int((reachable & members).sum())
        if in_cohort and in_cohort == int(reachable.sum()):
            found.append(Shortfall(ShortfallCode.ALL_NEARBY_IN_COHORT, in_cohort))
        elif in_cohort:
            found.append(Shortfall(ShortfallCode.SOME_IN_COHORT, in_cohort))
    if not include_connected:
        partners = index.help_partners(me)
        connected = int(reachable[partners].sum())
        if connected:
            found.append(Shortfall(ShortfallCode.ALREADY_CONNECTED, connected))
    if not any_language and profile is not None and profile.languages:
        other_language = int((reachable & ~index.speaks_any(profile.languages)).sum())
        if other_language:
            found.append(Shortfall(ShortfallCode.NO_SHARED_LANGUAGE, other_language))
    if goal is not None:
        filtered = index.eligible_mask(
            me,
            scope=scope,
            include_cohort=include_cohort,
            include_connected=include_connected,
            any_language=any_language,
        )
        holders = index.goal_holders.get(goal)
        with_goal = int((filtered & holders).sum()) if holders is not None else 0
        found.append(Shortfall(ShortfallCode.GOAL_FILTER, with_goal, goal))
    if not found:
        found.append(Shortfall(ShortfallCode.FEWER_THAN_ASKED, returned))
    return found
