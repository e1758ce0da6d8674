"""A small, hand-made demo network: two regions, two cohorts, twelve families.

Used by the README's run command when no data exists yet and by tests as a named graph whose
numbers can be worked out by hand. Larger demo data comes from the synthetic generator
(``graph-service generate``); :func:`load_demo` is the one place to swap it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from graph_service.stores.base import ChangeSet, GraphStore
from models import (
    Cohort,
    Consent,
    Family,
    Goal,
    GoalStatus,
    Helped,
    MemberOf,
    MembershipStatus,
    Pursues,
    Referred,
    Region,
    vocabulary,
)

ALL = Consent(matching=True, cross_region=True, research=True)
LOCAL = Consent(matching=True, cross_region=False, research=True)
PRIVATE = Consent()


@dataclass
class DemoNetwork:
    regions: list[Region] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    families: list[Family] = field(default_factory=list)
    cohorts: list[Cohort] = field(default_factory=list)
    memberships: list[MemberOf] = field(default_factory=list)
    pursuits: list[Pursues] = field(default_factory=list)
    helps: list[Helped] = field(default_factory=list)
    referrals: list[Referred] = field(default_factory=list)


def _family(
    fid: str,
    region: str,
    size: int,
    band: int,
    strengths: tuple[str, ...],
    needs: tuple[str, ...],
    joined: date,
    consent: Consent,
    languages: tuple[str, ...] = ("en",),
) -> Family:
    return Family(
        id=fid,
        name=f"The {fid.title()} family",
        region_id=region,
        household_size=size,
        languages=languages,
        income_band=band,
        baseline_income_band=max(1, band - 1),
        strengths=strengths,
        needs=needs,
        joined_at=joined,
        consent=consent,
        contact=f"{fid}@example.org",
    )


def demo_network() -> DemoNetwork:
    """The demo network. Oakland: cohort ``oak-1`` (a..f), Boston: cohort ``bos-1`` (g..l)."""
    net = DemoNetwork()
    net.regions = [
        Region(
            id="oakland",
            name="Oakland / San Francisco",
            state="CA",
            latitude=37.80,
            longitude=-122.27,
        ),
        Region(
            id="boston", name="Boston / Cambridge", state="MA", latitude=42.36, longitude=-71.06
        ),
    ]
    net.goals = [Goal(id=g, label=label) for g, label in vocabulary().goal_categories.items()]
    d = date
    spec = [
        ("ana", "oakland", 4, 2, ("cooking", "childcare"), ("car_repair",), d(2024, 1, 10), ALL),
        ("ben", "oakland", 3, 1, ("car_repair",), ("tax_paperwork",), d(2024, 2, 1), LOCAL),
        (
            "cruz",
            "oakland",
            5,
            2,
            ("tax_paperwork",),
            ("childcare",),
            d(2024, 2, 20),
            ALL,
            ("en", "es"),
        ),
        ("dee", "oakland", 2, 3, ("tutoring",), ("cooking",), d(2024, 3, 5), LOCAL),
        ("eli", "oakland", 6, 1, ("driving",), ("tutoring",), d(2024, 4, 1), PRIVATE),
        ("fay", "oakland", 4, 2, ("bookkeeping",), ("job_search",), d(2024, 5, 1), ALL, ("es",)),
        ("gus", "boston", 4, 3, ("home_repair",), ("bookkeeping",), d(2024, 1, 15), ALL),
        ("hal", "boston", 3, 2, ("job_search",), ("home_repair",), d(2024, 2, 10), ALL),
        ("ivy", "boston", 5, 1, ("sewing",), ("english_translation",), d(2024, 3, 1), LOCAL),
        ("jon", "boston", 2, 2, ("english_translation",), ("sewing",), d(2024, 3, 20), ALL),
        ("kim", "boston", 4, 4, ("computer_skills",), ("driving",), d(2024, 4, 10), ALL),
        ("lu", "boston", 7, 1, ("hair_beauty",), ("computer_skills",), d(2024, 6, 1), LOCAL),
    ]
    net.families = [_family(*row) for row in spec]  # type: ignore[arg-type]  # rows match
    net.cohorts = [
        Cohort(
            id="oak-1",
            name="Oakland Movers",
            region_id="oakland",
            created_at=d(2024, 2, 1),
            focus_goals=("emergency_savings", "buy_home"),
        ),
        Cohort(
            id="bos-1",
            name="Boston Builders",
            region_id="boston",
            created_at=d(2024, 2, 15),
            focus_goals=("start_business",),
        ),
    ]
    for fam in net.families:
        cohort = "oak-1" if fam.region_id == "oakland" else "bos-1"
        net.memberships.append(MemberOf(family_id=fam.id, cohort_id=cohort, since=fam.joined_at))
    goals: dict[str, list[tuple[str, date, date | None]]] = {
        "ana": [("emergency_savings", d(2024, 1, 10), d(2025, 3, 1))],
        "ben": [("emergency_savings", d(2024, 2, 1), None), ("pay_down_debt", d(2024, 2, 1), None)],
        "cruz": [("buy_home", d(2024, 3, 1), None)],
        "dee": [("finish_degree", d(2024, 3, 5), None)],
        "eli": [("emergency_savings", d(2024, 4, 1), None)],
        "fay": [("raise_income", d(2024, 5, 1), None)],
        "gus": [("buy_home", d(2024, 1, 15), d(2025, 6, 1))],
        "hal": [("start_business", d(2024, 2, 10), None)],
        "ivy": [("learn_english", d(2024, 3, 1), None)],
        "jon": [("start_business", d(2024, 3, 20), d(2025, 1, 20))],
        "kim": [("build_credit", d(2024, 4, 10), None)],
        "lu": [("start_business", d(2024, 6, 1), None), ("emergency_savings", d(2024, 6, 1), None)],
    }
    for fid, rows in goals.items():
        for goal, since, achieved in rows:
            net.pursuits.append(
                Pursues(
                    family_id=fid,
                    goal_id=goal,
                    since=since,
                    status=GoalStatus.ACHIEVED if achieved else GoalStatus.ACTIVE,
                    achieved_at=achieved,
                )
            )
    help_rows = [
        ("h01", "ana", "cruz", "childcare", d(2024, 4, 2), 3.0, 60.0),
        ("h02", "cruz", "ana", "paperwork", d(2024, 4, 20), 2.0, 80.0),
        ("h03", "ben", "ana", "repairs", d(2024, 5, 3), 4.0, 150.0),
        ("h04", "dee", "eli", "tutoring", d(2024, 6, 1), 2.0, 40.0),
        ("h05", "fay", "ben", "job_leads", d(2024, 7, 9), 1.0, None),
        ("h06", "ana", "cruz", "food", d(2024, 8, 1), 1.5, 30.0),
        ("h07", "gus", "hal", "repairs", d(2024, 5, 5), 5.0, 200.0),
        ("h08", "hal", "gus", "job_leads", d(2024, 6, 6), 1.0, None),
        ("h09", "jon", "ivy", "tutoring", d(2024, 6, 20), 6.0, 120.0),
        ("h10", "ivy", "jon", "food", d(2024, 7, 1), 2.0, 25.0),
        ("h11", "kim", "lu", "advice", d(2024, 8, 15), 1.0, None),
        ("h12", "gus", "cruz", "advice", d(2024, 9, 1), 1.0, None),
    ]
    net.helps = [
        Helped(id=h, from_id=a, to_id=b, kind=k, at=at, hours=hrs, amount=amt, confirmed=True)
        for h, a, b, k, at, hrs, amt in help_rows
    ]
    ref_rows = [
        ("ana", "ben"),
        ("ana", "cruz"),
        ("ben", "dee"),
        ("ben", "eli"),
        ("cruz", "fay"),
        ("gus", "hal"),
        ("hal", "ivy"),
        ("hal", "jon"),
        ("jon", "kim"),
    ]
    joined = {f.id: f.joined_at for f in net.families}
    net.referrals = [Referred(from_id=a, to_id=b, at=joined[b]) for a, b in ref_rows]
    return net


def load_network(store: GraphStore, net: DemoNetwork) -> None:
    """Write a network into a store, all of it in one transaction (idempotent)."""
    store.write(ChangeSet.of(net))


def newcomers_network() -> DemoNetwork:
    """Eight Oakland families who joined recently and have no cohort yet (a pool for cohort
    proposals in the web app's demo); ``mia`` holds an invitation to ``oak-1`` from ``ana``.
    They refer to the regions, goals and cohort of :func:`demo_network`."""
    net = DemoNetwork()
    d = date
    spec = [
        ("mia", 3, 1, ("sewing",), ("childcare",), ("buy_home",), ("en",)),
        ("noe", 4, 2, ("driving",), ("tax_paperwork",), ("emergency_savings",), ("es", "en")),
        ("ola", 2, 1, ("cooking",), ("job_search",), ("raise_income",), ("en",)),
        ("pia", 5, 2, ("childcare",), ("car_repair",), ("emergency_savings",), ("es",)),
        ("quin", 3, 3, ("computer_skills",), ("tutoring",), ("finish_degree",), ("en",)),
        ("ray", 4, 1, ("home_repair",), ("bookkeeping",), ("buy_home",), ("en", "es")),
        ("sol", 6, 2, ("hair_beauty",), ("english_translation",), ("learn_english",), ("es",)),
        ("tea", 2, 2, ("tutoring",), ("computer_skills",), ("raise_income",), ("en",)),
    ]
    for i, (fid, size, band, strengths, needs, goals, languages) in enumerate(spec):
        joined = d(2025, 9, 1 + 2 * i)
        net.families.append(
            _family(fid, "oakland", size, band, strengths, needs, joined, LOCAL, languages)
        )
        net.pursuits.extend(Pursues(family_id=fid, goal_id=g, since=joined) for g in goals)
    net.memberships.append(
        MemberOf(
            family_id="mia",
            cohort_id="oak-1",
            since=d(2025, 10, 1),
            status=MembershipStatus.INVITED,
            invited_by="ana",
        )
    )
    return net


def load_demo(store: GraphStore) -> None:
    """Load the demo data (and the newcomers) if the store holds no families yet."""
    if store.counts()["Family"] == 0:
        load_network(store, demo_network())
        load_network(store, newcomers_network())
