"""The proposal: :func:`propose_cohorts`, what each cohort has in common, quality figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence

import numpy as np

from graph_service.analytics.cohort_formation.language import (
    DEFAULT_LANGUAGE_SHARE,
    LANGUAGE_CANDIDATE_BONUS,
    language_figures,
    required_mates,
)
from graph_service.analytics.cohort_formation.model import (
    NEIGHBOURS,
    CohortRationale,
    FormationWeights,
    LeftOver,
    LeftOverReason,
    Proposal,
    ProposalQuality,
    ProposedCohort,
)
from graph_service.analytics.cohort_formation.packing import (
    checked_blocks,
    pack_blocks,
    placeable,
    problem,
    require_split,
)
from graph_service.analytics.cohort_formation.pool import Pool, counted_goals
from graph_service.analytics.cohort_formation.search import Search
from graph_service.analytics.cohort_formation.seeding import communities, seed_cohorts
from graph_service.analytics.family_graph import FamilyGraph, tie_graph
from models import COHORT_FULL_SIZE, COHORT_MIN_SIZE


def propose_cohorts(
    graph: FamilyGraph,
    pool: Sequence[str],
    *,
    min_size: int = COHORT_MIN_SIZE,
    max_size: int = COHORT_FULL_SIZE,
    weights: FormationWeights | None = None,
    seed: int = 0,
    must_stay_together: Iterable[Collection[str]] = (),
    language_share: float = DEFAULT_LANGUAGE_SHARE,
) -> Proposal:
    """Split ``pool`` into cohorts of ``min_size..max_size`` maximising ``F`` (package doc)
    under the language rule of ``language_share`` (:mod:`.language`; 0 turns it off).

    Families who cannot be placed are *left over*, with the reason
    (:class:`LeftOverReason`), instead of failing the whole pool: with the rule on, those
    who share a language with nobody else in the pool; then, when the rest cannot be split
    evenly (11 families, cohorts of 6 to 8), as few as needed to make it possible, the
    least-fitting first (lowest sum of pair weights ``w`` to their ``NEIGHBOURS`` best
    partners in the pool; never a member of a must-stay-together group).

    Raises :class:`ValidationFailed` (field ``pool``, ``must_stay_together``, ``min_size`` or
    ``max_size``) when the pool has duplicated or unknown ids or families without matching
    consent, when fewer than ``min_size`` families could be placed, or when a
    must-stay-together group is larger than ``max_size`` or the groups cannot be kept whole.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    pool : sequence of str
        The families to split (each must have consented to matching).
    min_size, max_size : int, default ``models.COHORT_MIN_SIZE`` and ``models.COHORT_FULL_SIZE``
        Cohort sizes allowed.
    weights : FormationWeights, optional
        The objective's weights (default: :class:`FormationWeights`).
    seed : int, default 0
        Seed of every random choice.
    must_stay_together : iterable of collections of str
        Groups kept in one cohort (pending invitations).
    language_share : float, default 0.5
        The language rule (0 turns it off).

    Returns
    -------
    Proposal
        The cohorts with their rationale, the families left over with the reason, and the
        quality figures.

    References
    ----------
    Blondel et al., "Fast unfolding of communities in large networks", *J. Stat. Mech.*
    (2008) (Louvain seeding); the package doc for the objective and the local search.

    Examples
    --------
    >>> from graph_service.analytics.examples import consenting_families
    >>> g = consenting_families()
    >>> [len(c.members) for c in propose_cohorts(g, sorted(g), min_size=6, max_size=6).cohorts]
    [6, 6]
    """
    weights = weights or FormationWeights()
    if not 0.0 <= language_share <= 1.0:
        raise problem("language_share", "must be between 0 and 1")
    ids, blocks = checked_blocks(graph, pool, min_size, max_size, must_stay_together)
    left = _left_over(graph, ids, blocks, weights, min_size, max_size, language_share, seed)
    if left:
        gone = {x.family_id for x in left}
        ids = [f for f in ids if f not in gone]
    require_split(len(ids), blocks, min_size, max_size)
    data = Pool(graph, ids, weights)
    block_units = [[data.index[f] for f in block] for block in blocks]
    in_blocks = {m for block in block_units for m in block}
    units = block_units + [[i] for i in range(len(ids)) if i not in in_blocks]
    plan = pack_blocks([len(b) for b in blocks], len(ids) - len(in_blocks), min_size, max_size)
    assert plan is not None  # feasibility was checked by require_split
    bonus = LANGUAGE_CANDIDATE_BONUS if language_share > 0 else 0.0
    top = data.top_neighbours(NEIGHBOURS, seed, language_bonus=bonus)
    found = communities(data, block_units, max_size, seed)
    cohorts = seed_cohorts(data, block_units, plan, found, top)
    search = Search(data, units, cohorts, top, (min_size, max_size), language_share)
    passes = search.run(seed)
    final = [sorted(ids[m] for m in members) for members in search.members]
    final.sort(key=lambda members: members[0])
    return Proposal(
        cohorts=tuple(describe(graph, members) for members in final),
        quality=quality(graph, final, min_size=min_size, max_size=max_size),
        objective=search.objective(),
        passes=passes,
        improvements=search.improvements,
        left_over=tuple(left),
        language_deficit=search.language_deficit(),
    )


def _left_over(
    graph: FamilyGraph,
    ids: list[str],
    blocks: list[list[str]],
    weights: FormationWeights,
    min_size: int,
    max_size: int,
    language_share: float,
    seed: int,
) -> list[LeftOver]:
    """Who cannot be placed, and why (see :func:`propose_cohorts`)."""
    in_blocks = {f for block in blocks for f in block}
    left: list[LeftOver] = []
    if language_share > 0:
        speakers = Counter(lang for f in ids for lang in set(graph.nodes[f]["languages"]))
        for f in ids:
            if f not in in_blocks and all(
                speakers[x] == 1 for x in set(graph.nodes[f]["languages"])
            ):
                left.append(LeftOver(f, LeftOverReason.NO_SHARED_LANGUAGE))
    gone = {x.family_id for x in left}
    rest = [f for f in ids if f not in gone]
    extra = len(rest) - placeable(len(rest), min_size, max_size)
    if extra == 0 or len(rest) < min_size:
        return left
    data = Pool(graph, rest, weights)
    top = data.top_neighbours(NEIGHBOURS, seed)
    fit = [sum(data.pair(i, j) for j in top[i]) for i in range(len(rest))]
    singles = [i for i, f in enumerate(rest) if f not in in_blocks]
    singles.sort(key=lambda i: (fit[i], rest[i]))
    left.extend(LeftOver(rest[i], LeftOverReason.UNEVEN_POOL) for i in singles[:extra])
    return sorted(left, key=lambda x: x.family_id)


def describe(graph: FamilyGraph, members: Sequence[str]) -> ProposedCohort:
    """What ``members`` have in common (:class:`CohortRationale`), as neutral data.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    members : sequence of str
        One cohort's families.

    Returns
    -------
    ProposedCohort
        The members with their :class:`CohortRationale`.

    Examples
    --------
    >>> from graph_service.analytics.examples import consenting_families
    >>> g = consenting_families()
    >>> describe(g, ["f00", "f01"]).rationale.ties_kept
    0
    """
    goal_counts: dict[str, int] = {}
    for m in members:
        for goal in counted_goals(graph.nodes[m]["goals"]):
            goal_counts[goal] = goal_counts.get(goal, 0) + 1
    shared = tuple(
        sorted(((g, c) for g, c in goal_counts.items() if c >= 2), key=lambda gc: (-gc[1], gc[0]))
    )
    ties = tie_graph(graph.subgraph(members), include_cohort=False).number_of_edges()
    met = needs_met(graph, members)
    languages = set.intersection(*(set(graph.nodes[m]["languages"]) for m in members))
    rationale = CohortRationale(
        shared_goals=shared,
        ties_kept=ties,
        needs_met=met,
        common_languages=tuple(sorted(languages)),
    )
    return ProposedCohort(members=tuple(members), rationale=rationale)


def needs_met(graph: FamilyGraph, members: Sequence[str]) -> tuple[tuple[str, int], ...]:
    """(need, members whose need a cohort-mate's strength meets), most met first.

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    members : sequence of str
        One cohort's families.

    Returns
    -------
    tuple of (str, int)
        Each need with the number of members whose need a cohort-mate's strength meets.

    Examples
    --------
    >>> from graph_service.analytics.examples import consenting_families
    >>> g = consenting_families()
    >>> needs_met(g, ["f00", "f01"])
    ()
    """
    met: dict[str, int] = {}
    for m in members:
        for need in graph.nodes[m]["needs"]:
            if any(need in graph.nodes[o]["strengths"] for o in members if o != m):
                met[need] = met.get(need, 0) + 1
    return tuple(sorted(met.items(), key=lambda nc: (-nc[1], nc[0])))


def quality(
    graph: FamilyGraph,
    cohorts: Sequence[Sequence[str]],
    *,
    min_size: int = COHORT_MIN_SIZE,
    max_size: int = COHORT_FULL_SIZE,
) -> ProposalQuality:
    """Quality figures of any partition (see :class:`ProposalQuality`).

    Parameters
    ----------
    graph : FamilyGraph
        The family multigraph.
    cohorts : sequence of sequence of str
        Any partition of a pool.
    min_size, max_size : int, default ``models.COHORT_MIN_SIZE`` and ``models.COHORT_FULL_SIZE``
        Cohort sizes allowed.

    Returns
    -------
    ProposalQuality
        Sizes valid, mean goal similarity, ties kept and the language figures.

    Examples
    --------
    >>> from graph_service.analytics.examples import consenting_families
    >>> g = consenting_families()
    >>> quality(g, [sorted(g)[:6], sorted(g)[6:]]).sizes_valid
    True
    """
    goals = {m: counted_goals(graph.nodes[m]["goals"]) for c in cohorts for m in c}
    similarities = [
        jaccard(goals[x], goals[y]) for c in cohorts for i, x in enumerate(c) for y in c[i + 1 :]
    ]
    cohort_of = {m: k for k, c in enumerate(cohorts) for m in c}
    ties = tie_graph(graph.subgraph(list(cohort_of)), include_cohort=False)
    kept = sum(1 for u, v in ties.edges() if cohort_of[u] == cohort_of[v])
    needs_total = sum(len(graph.nodes[m]["needs"]) for m in cohort_of)
    met = sum(count for c in cohorts for _, count in needs_met(graph, c))
    invalid = sum(1 for c in cohorts if not min_size <= len(c) <= max_size)
    languages = [[graph.nodes[m]["languages"] for m in c] for c in cohorts]
    figures = [language_figures(langs) for langs in languages]
    short = 0
    for langs in languages:
        need = required_mates(len(langs), DEFAULT_LANGUAGE_SHARE)
        sets = [set(x) for x in langs]
        short += sum(
            1
            for i, s in enumerate(sets)
            if sum(1 for j, o in enumerate(sets) if j != i and s & o) < need
        )
    return ProposalQuality(
        cohorts=len(cohorts),
        mean_goal_similarity=float(np.mean(similarities)) if similarities else 0.0,
        ties_kept_share=kept / ties.number_of_edges() if ties.number_of_edges() else None,
        ties_total=ties.number_of_edges(),
        needs_covered_share=met / needs_total if needs_total else 1.0,
        sizes_valid=invalid == 0,
        invalid_sizes=invalid,
        cohorts_without_common_language=sum(1 for common, _ in figures if not common),
        cohorts_with_isolated_family=sum(1 for _, alone in figures if alone),
        families_sharing_no_language=sum(alone for _, alone in figures),
        families_short_of_language_mates=short,
    )


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """``|a & b| / |a | b|``, 0 when both are empty.

    Parameters
    ----------
    a, b : frozenset of str
        Two sets.

    Returns
    -------
    float
        The Jaccard index.

    References
    ----------
    Jaccard, "Étude comparative de la distribution florale", *Bull. Soc. Vaud. Sci. Nat.*
    37 (1901).

    Examples
    --------
    >>> jaccard(frozenset("ab"), frozenset("bc")), jaccard(frozenset(), frozenset())
    (0.3333333333333333, 0.0)
    """
    union = len(a | b)
    return len(a & b) / union if union else 0.0
