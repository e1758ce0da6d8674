"""A synthetic peer network shaped like the program in docs/program.md, deterministic for a seed.

:func:`generate` grows the network the way the program grows, then draws help exchanges; the
result (:class:`SyntheticNetwork`) holds compact numpy columns and hands out model objects
lazily, so 100,000 families and about a million relationships fit in modest memory.
:func:`write_network` writes it in the import format (CSV or JSON Lines).

How the network grows (one pass per region, a branching process):

1. Families per region: multinomial with probabilities proportional to metro population.
2. A *seed* family joins (outreach), at a uniform time in the first ``seed_window`` of the
   period, and forms a cohort of 6-8 friends: members invite friends (each at most
   ``invitations_per_member``, a random member with an invitation left invites next) until
   the cohort has its size. Every invitation is a ``REFERRED`` edge.
3. Each member's *unused* invitations may bring in a family who founds a new cohort (the
   ripple): each spare invitation does so with probability ``ripple_probability`` x the
   region's ``reproduction`` x a time factor falling linearly from ``1 + ripple_decline/2``
   to ``1 - ripple_decline/2`` over the period. With about 8 spare invitations per cohort
   the cohort reproduction number is ~8 x that probability, near 1: most cascades stay
   shallow and a few grow deep. New seeds start cascades until the region is full; the last
   few families (too few for a cohort) join without one.
4. Friends are recruited from similar families (homophily by the recruitment process, not
   tuned to any matcher): an invited family shares its inviter's primary goal with
   probability ``goal_copy``, primary language with ``language_copy`` and baseline income
   band with ``income_copy``; everything else is drawn independently.
5. Help exchanges: ``help_per_family`` per family, ``1 - region_share - cross_share`` of them
   between cohort mates, ``region_share`` between families of one region who share a goal,
   ``cross_share`` across regions between families who share a goal and both consent to
   cross-region contact. A pair whose giver has a strength the receiver needs is
   ``complement_weight`` times as likely. A share ``reciprocity`` of exchanges is returned.
   Exchange rate per pair grows linearly so that the end rate is ``growth`` x the start rate.
   Dollar values are scaled so that two years in the program come to ``dollars_per_family``.

Parameters (:class:`SyntheticParameters`, with defaults):

============================  ==========  ========================================================
parameter                     default     meaning
============================  ==========  ========================================================
``months``                    24          length of the period; it ends on ``end``
``end``                       None        last day; None: the last day of the previous month
``regions``                   REGIONS     metros with lat/lon, population, languages, reproduction
``cohort_sizes``              6, 7, 8     cohort sizes, drawn with ``cohort_size_weights``
``cohort_size_weights``       .25 .35 .4  program: "usually 6 to 8", invitations stop at 8
``invitations_per_member``    2           program rule: each member invites at most 2 families
``ripple_probability``        0.12        chance a spare invitation founds a new cohort
``ripple_decline``            0.5         ripple rate falls from x1.25 to x0.75 over the period
``seed_window``               0.9         seeds join within the first 90% of the period
``invite_days``               14          mean days from inviter to invitee (same cohort)
``ripple_days``               45          mean days from inviter to a new cohort's founder
``household_weights``         see code    household size 1..10 (low-income US households)
``income_weights``            see code    baseline income band 1..5 (program quintiles)
``income_up``                 0.45        P(band +1) after 24 months (program: income +22%)
``income_up_two``             0.08        P(band +2) after 24 months
``income_down``               0.07        P(band -1), any tenure
``goal_count_weights``        .35 .4 .25  1, 2 or 3 goals per family
``goal_copy``                 0.5         invitee shares the inviter's primary goal
``language_copy``             0.8         invitee shares the inviter's primary language
``income_copy``               0.6         invitee shares the inviter's baseline income band
``achieved``                  0.4         P(a goal achieved) after 24 months (scales w. tenure)
``abandoned``                 0.06        P(a goal abandoned)
``description_share``         0.4         goals with a free-text description
``consent_research``          0.92        consent to de-identified research
``consent_matching``          0.7         consent to peer matching
``consent_cross_region``      0.45        of those consenting to matching: cross-region too
``help_per_family``           8.0         help exchanges per family (incl. returned ones)
``region_share``              0.2         share of exchanges within region, outside the cohort
``cross_share``               0.05        share of exchanges across regions
``complement_weight``         3.0         weight of a pair where a strength meets a need
``shared_goal_weight``        2.0         weight of cohort mates who share a goal
``reciprocity``               0.45        share of exchanges that are returned
``growth``                    2.0         exchange rate at the end / at the start (program: ~2x)
``dollars_per_family``        4000        dollar value of help per family per two years
``confirmed_share``           0.6         exchanges confirmed by the other family
``left_share``                0.04        memberships with status "left"
============================  ==========  ========================================================

>>> net = generate(families=60, seed=1)
>>> len(net.families), net.families[0].id
(60, 'f000000')
>>> all(6 <= n <= 8 for n in net.cohort_sizes())
True
"""

from __future__ import annotations

from loaders.synthetic.growth import generate
from loaders.synthetic.network import LazyRecords, SyntheticNetwork, write_network
from loaders.synthetic.parameters import REGIONS, RegionSpec, SyntheticParameters

__all__ = [
    "REGIONS",
    "LazyRecords",
    "RegionSpec",
    "SyntheticNetwork",
    "SyntheticParameters",
    "generate",
    "write_network",
]
