"""The hand-computed 2-region, 6-family network used by the research-analytics tests.

Region n (lat 40, lon -100): a, b, c.   Region s (lat 30, lon -90): d, e, f.   Region w: none.
g lives in N but has NOT consented to research; it is tied to a and must vanish.

Cohorts (active): c1 = {a, b} (N), c2 = {c, d} (spans N and S), c3 = {e, f} (S).

Help (giver -> receiver, date, kind, hours, $):
  h1 a -> b 2025-02-01 childcare 2h $20     h2 b -> a 2025-03-01 food 1h $10
  h3 b -> c 2025-04-10 transport 3h $30     h4 c -> d 2025-05-01 job_leads 1h $0
  h5 e -> f 2025-06-01 childcare 4h $40     h6 a -> g 2025-06-02 childcare (g: no consent)
Referral: d -> e 2025-01-15.

Undirected ties among consenting families (5):
  a-b {help, cohort}, b-c {help}, c-d {help, cohort}, d-e {referral}, e-f {help, cohort}
Income band now / at baseline: a 1/1, b 2/1, c 3/3, d 2/3, e 4/2, f 5/none, g 1/1.
Goals: a emergency_savings achieved; b raise_income active;
       d buy_home achieved, raise_income abandoned.
"""

from __future__ import annotations

from datetime import date

from graph_service.analytics.family_graph import FamilyGraph, build_family_graph
from models import (
    Cohort,
    Consent,
    Family,
    GoalStatus,
    Helped,
    MemberOf,
    Pursues,
    Referred,
    Region,
)

JOINED = date(2024, 6, 1)
FAMILIES = {  # id: (region, band, baseline, consent_research)
    "a": ("n", 1, 1, True),
    "b": ("n", 2, 1, True),
    "c": ("n", 3, 3, True),
    "d": ("s", 2, 3, True),
    "e": ("s", 4, 2, True),
    "f": ("s", 5, None, True),
    "g": ("n", 1, 1, False),
}
COHORTS = {"c1": ("n", ["a", "b"]), "c2": ("n", ["c", "d"]), "c3": ("s", ["e", "f"])}
HELPS = [
    ("h1", "a", "b", date(2025, 2, 1), "childcare", 2.0, 20.0),
    ("h2", "b", "a", date(2025, 3, 1), "food", 1.0, 10.0),
    ("h3", "b", "c", date(2025, 4, 10), "transport", 3.0, 30.0),
    ("h4", "c", "d", date(2025, 5, 1), "job_leads", 1.0, 0.0),
    ("h5", "e", "f", date(2025, 6, 1), "childcare", 4.0, 40.0),
    ("h6", "a", "g", date(2025, 6, 2), "childcare", 9.0, 90.0),
]


def small_network(research_consent: dict[str, bool] | None = None) -> FamilyGraph:
    """The network above; ``research_consent`` overrides families' research consent."""
    overrides = research_consent or {}
    families = [
        Family(
            id=fid,
            name=f"Family {fid}",
            region_id=region,
            household_size=4,
            income_band=band,
            baseline_income_band=baseline,
            joined_at=JOINED,
            consent=Consent(matching=True, research=overrides.get(fid, research)),
        )
        for fid, (region, band, baseline, research) in FAMILIES.items()
    ]
    regions = [
        Region(id="n", name="North", latitude=40.0, longitude=-100.0),
        Region(id="s", name="South", latitude=30.0, longitude=-90.0),
        Region(id="w", name="West"),
    ]
    cohorts = [
        Cohort(id=cid, name=cid, region_id=region, created_at=JOINED)
        for cid, (region, _) in COHORTS.items()
    ]
    memberships = [
        MemberOf(family_id=fid, cohort_id=cid, since=JOINED)
        for cid, (_, members) in COHORTS.items()
        for fid in members
    ]
    helps = [
        Helped(id=h, from_id=u, to_id=v, kind=k, at=at, hours=hours, amount=amount)
        for h, u, v, at, k, hours, amount in HELPS
    ]
    achieved = date(2025, 6, 1)
    pursuits = [
        Pursues(
            family_id="a",
            goal_id="emergency_savings",
            since=JOINED,
            status=GoalStatus.ACHIEVED,
            achieved_at=achieved,
        ),
        Pursues(family_id="b", goal_id="raise_income", since=JOINED),
        Pursues(
            family_id="d",
            goal_id="buy_home",
            since=JOINED,
            status=GoalStatus.ACHIEVED,
            achieved_at=achieved,
        ),
        Pursues(family_id="d", goal_id="raise_income", since=JOINED, status=GoalStatus.ABANDONED),
    ]
    return build_family_graph(
        families=families,
        regions=regions,
        cohorts=cohorts,
        memberships=memberships,
        pursuits=pursuits,
        helps=helps,
        referrals=[Referred(from_id="d", to_id="e", at=date(2025, 1, 15))],
    )
