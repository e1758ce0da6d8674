r"""Cohort formation: split a pool of families into proposed cohorts of ``min..max`` families.

Cohorts are groups of friends who chose one another (docs/program.md), so a proposal keeps
existing ties together first and then groups families who pursue the same goals, whose
strengths meet one another's needs and who share a language. It is a *proposal*: families
accept it or not.

Objective
---------
For a partition of the pool :math:`P` into cohorts :math:`C_1..C_k` the method maximises

.. math::

    F = \sum_{C}\Big[\sum_{\{i,j\}\subseteq C} w(i,j) \;+\; w_n\,\mathrm{cov}(C)\Big],
    \qquad
    w(i,j) = w_g\,J(G_i,G_j) + w_t\,[i\sim j] + w_l\,[L_i\cap L_j\neq\varnothing]
             + w_r\,[r_i=r_j]

where :math:`G_i` is the set of *active or achieved* goals of family :math:`i`,
:math:`J(A,B)=|A\cap B|/|A\cup B|` the Jaccard similarity (0 when both are empty),
:math:`i\sim j` an existing tie among pool members (help in either direction or a referral:
:func:`~graph_service.analytics.family_graph.tie_graph` without cohort ties), :math:`L_i` the
languages and :math:`r_i` the region, and
:math:`\mathrm{cov}(C)=\#\{(i,s): i\in C,\ s\in\mathrm{needs}_i,\ \exists j\in C\setminus\{i\}:
s\in\mathrm{strengths}_j\}` counts the needs met by a cohort-mate's strength. The weights are
:class:`FormationWeights` (defaults :math:`w_g=1, w_t=1, w_n=0.5, w_l=0.25, w_r=0.5`).

Hard constraints: every size is in ``[min_size, max_size]``, each group in
``must_stay_together`` (overlapping groups are merged) lands in one cohort, and every family
in the pool has consented to matching (a proposal suggests families to one another).

Method
------
1. *Feasibility, exactly.* ``n`` families fit in ``k`` cohorts iff
   :math:`k\cdot min \le n \le k\cdot max`; some ``k`` exists iff
   :math:`\lceil n/max\rceil \le \lfloor n/min\rfloor`. With must-stay-together groups (blocks)
   the question is a bin-packing one: one block per cohort topped up with single families is
   tried, then first-fit decreasing, and if both fail an exhaustive memoised search over the
   multiset of block sizes decides it (refused beyond ``MAX_EXACT_PACKING_BLOCKS`` blocks).
2. *Friends stay together.* Louvain communities (Blondel et al., 2008,
   ``networkx.community.louvain_communities``, seeded) of the tie graph among the pool, with
   must-stay-together groups added as heavy edges; a community larger than ``max_size`` is
   split recursively by Kernighan–Lin bisection (Kernighan & Lin, 1970, seeded). Ties are a
   strong preference (seeding and the :math:`w_t` term), not a hard rule: a connected group
   larger than ``max_size`` must be cut somewhere. Must-stay-together groups are hard.
3. *Greedy seeding.* The packing fixes the number of cohorts and their sizes (pure-singleton
   cohorts get balanced sizes near :math:`(min+max)/2`). Each cohort is seeded with the next
   community (largest first) and filled one family at a time with the unassigned candidate of
   highest accumulated affinity :math:`\sum_{j\in C} w(i,j)`, candidates being the members'
   tie neighbours, community mates and top-``K`` most similar families.
4. *Local search.* Moves of one unit (a family or a must-stay-together block) to another
   cohort and swaps of two units, keeping sizes in bounds, are applied while they improve
   :math:`F` by more than ``1e-9``. A unit's change in :math:`F` is computed incrementally:
   :math:`\Delta_{move}(u:A\to B)=s(u,B)-s(u,A)+w_n\Delta\mathrm{cov}` with
   :math:`s(u,C)=\sum_{x\in u}\sum_{y\in C\setminus u}w(x,y)`, and for a swap
   :math:`\Delta=s(u,B)-s(u,A)+s(v,A)-s(v,B)-2w(u,v)+w_n\Delta\mathrm{cov}`; coverage changes
   are computed from per-cohort counts of strengths, needs and both per skill (and skipped when
   an upper bound on the coverage gain cannot make the step the best one), so a step costs
   :math:`O(max^2)` however large the pool. With at most ``FULL_SEARCH_COHORTS`` cohorts every
   cohort is a candidate, so the result is a true local optimum for moves and swaps. For larger
   pools the candidate cohorts of a unit are those of its members' tie neighbours and top-``K``
   (``NEIGHBOURS``) most similar families (similarity = ``w`` without the tie term), a unit is
   re-examined only when one of those cohorts changed, and passes stop once one gains less
   than ``MIN_PASS_GAIN`` (2%) of the total gained so far (at most ``MAX_PASSES``): gains fall
   geometrically, so the tail passes cost ~30% of the time for ~2% of the gain.
   Everything random (Louvain, Kernighan–Lin, the visiting order) is driven by ``seed``.

Baselines: :func:`random_partition` (uniform random split into balanced valid sizes) and
:func:`kmeans_partition` (scikit-learn ``KMeans`` on multi-hot goals, strengths, needs and
languages, then a greedy fill of valid sizes in order of distance to the centroids).

The modules follow the method: :mod:`.model` (weights, results, constants), :mod:`.packing`
(step 1 and the pool's validation), :mod:`.pool` (the pair weight ``w``), :mod:`.seeding`
(steps 2-3), :mod:`.search` (step 4), :mod:`.propose` (the entry point and quality figures)
and :mod:`.baselines`. Results are neutral data (ids, goal and skill codes, counts); the
text an organizer reads is rendered in :mod:`graph_service.services.proposals`.

>>> from graph_service.analytics.family_graph import build_family_graph
>>> from models import Consent, Family
>>> families = [Family(id=f"f{i}", name="F", region_id="r", household_size=2, income_band=2,
...                    joined_at="2025-01-01", consent=Consent(matching=True))
...             for i in range(12)]
>>> g = build_family_graph(families=families)
>>> proposal = propose_cohorts(g, sorted(g), min_size=6, max_size=6, seed=0)
>>> [len(c.members) for c in proposal.cohorts], proposal.quality.sizes_valid
([6, 6], True)
"""

from __future__ import annotations

from graph_service.analytics.cohort_formation.baselines import (
    compare,
    kmeans_partition,
    random_partition,
)
from graph_service.analytics.cohort_formation.language import DEFAULT_LANGUAGE_SHARE
from graph_service.analytics.cohort_formation.model import (
    FULL_SEARCH_COHORTS,
    MAX_EXACT_PACKING_BLOCKS,
    CohortRationale,
    FormationWeights,
    LeftOver,
    LeftOverReason,
    Proposal,
    ProposalQuality,
    ProposedCohort,
    QualityRow,
)
from graph_service.analytics.cohort_formation.packing import (
    cohort_sizes,
    feasible_cohort_counts,
    pack_blocks,
)
from graph_service.analytics.cohort_formation.propose import propose_cohorts, quality

__all__ = [
    "DEFAULT_LANGUAGE_SHARE",
    "FULL_SEARCH_COHORTS",
    "MAX_EXACT_PACKING_BLOCKS",
    "CohortRationale",
    "FormationWeights",
    "LeftOver",
    "LeftOverReason",
    "Proposal",
    "ProposalQuality",
    "ProposedCohort",
    "QualityRow",
    "cohort_sizes",
    "compare",
    "feasible_cohort_counts",
    "kmeans_partition",
    "pack_blocks",
    "propose_cohorts",
    "quality",
    "random_partition",
]
