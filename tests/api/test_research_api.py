"""Researchers through HTTP on both stores: tables only, small cells suppressed, no ids."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import httpx
import pytest

from graph_service.analytics.contribution import bounded_graph
from graph_service.analytics.network_summary import network_summary
from graph_service.demo import demo_network
from graph_service.readmodel import graph_of_store
from graph_service.services.privacy_budget import bounds_of
from graph_service.settings import Settings
from graph_service.stores.base import ChangeSet, GraphStore
from loaders.synthetic import SyntheticParameters, generate
from tests.api.conftest import SECRET, Api, serve


@pytest.fixture
def api_settings() -> Settings:
    """Seeded noise (tests only) and a budget of five releases per quarter."""
    return Settings(
        secret_key=SECRET,
        embedded_path="unused.sqlite",
        privacy_test_seed=7,
        privacy_epsilon_per_quarter=5.0,
        background_wait_s=20,  # a loaded machine may take seconds to build the read model
    )


REPORT = "{ tables { name cells { row column count suppressed measures { name value } } } smallCellThreshold }"
RESEARCH_QUERIES = {
    "networkSummary": f"{{ networkSummary {REPORT} }}",
    "networkSummaryRegion": f'{{ networkSummary(regionId: "oakland", from: "2024-02-10") {REPORT} }}',
    "outcomesByNetwork": f"{{ outcomesByNetwork(by: BRIDGING) {REPORT} }}",
    "rippleResearch": f"{{ rippleResearch {REPORT} }}",
    "regionLinks": f"{{ regionLinks {REPORT} }}",
}


def _identifying_strings() -> set[str]:
    net = demo_network()
    return (
        {f.id for f in net.families}
        | {f.name for f in net.families}
        | {f.contact for f in net.families}
        | {h.id for h in net.helps}
    )


def _cells(body: dict[str, Any]) -> list[dict[str, Any]]:
    report = next(iter(body["data"].values()))
    return [cell for table in report["tables"] for cell in table["cells"]]


def test_research_reports_suppress_small_cells_and_carry_no_ids(api: Api) -> None:
    identifying = _identifying_strings()
    for name, query in RESEARCH_QUERIES.items():
        body = api.gql(query, as_=("researcher", "rita"))
        assert "errors" not in body, (name, body)
        cells = _cells(body)
        assert cells, name
        for cell in cells:
            assert cell["count"] is None or cell["count"] == 0 or cell["count"] > 10, (name, cell)
            if cell["suppressed"]:
                assert cell["count"] is None and all(m["value"] is None for m in cell["measures"])
        text = json.dumps(body)
        leaked = [s for s in identifying if f'"{s}"' in text]
        assert not leaked, (name, leaked)


def test_a_report_states_its_period_version_time_and_cost(api: Api) -> None:
    query = """{ networkSummary { periodFrom periodTo dataVersion computedAt epsilon
      budgetPeriod budgetSpent budget tables { name epsilon structural
      noise { quantity scale interval95 } cells { row column count suppressed } } } }"""
    first = api.gql(query, as_=("researcher", "rita"))["data"]["networkSummary"]
    # no dates asked: the data's own span (joins from 2024-01-10, help to 2024-09-01),
    # widened to whole quarters
    assert (first["periodFrom"], first["periodTo"]) == ("2024-01-01", "2024-09-30")
    assert first["dataVersion"] == api.store.data_version()
    assert datetime.fromisoformat(first["computedAt"]).year >= 2024
    assert first["epsilon"] == 1.0 and first["budgetSpent"] == 1.0 and first["budget"] == 5.0
    tables = {t["name"]: t for t in first["tables"]}
    assert (
        tables["network_measures"]["structural"] and tables["network_measures"]["epsilon"] is None
    )
    figures = tables["network_figures"]
    assert figures["epsilon"] > 0 and figures["noise"][0]["quantity"] == "count"
    assert figures["noise"][0]["interval95"] == pytest.approx(
        3.0 * figures["noise"][0]["scale"], rel=0.01
    )
    # asking again: the same answer (same noise), and it costs nothing
    again = api.gql(query, as_=("researcher", "rita"))["data"]["networkSummary"]
    assert again["tables"] == first["tables"] and again["computedAt"] == first["computedAt"]
    assert again["budgetSpent"] == 1.0


def test_the_budget_is_refused_when_spent_with_a_clear_code(api: Api) -> None:
    asked = [
        f'{{ networkSummary(regionId: "oakland", to: "2025-{m:02d}-28") {{ epsilon }} }}'
        for m in (3, 6, 9, 12)
    ] + ["{ outcomesByNetwork(by: BRIDGING, stratifyBy: TENURE) { epsilon } }"]
    for query in asked:
        assert "errors" not in api.gql(query, as_=("researcher", "rita")), query
    refused = api.gql("{ regionLinks { epsilon } }", as_=("researcher", "rita"))
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "PRIVACY_BUDGET_EXHAUSTED"
    assert "5 of the quarter's budget of 5" in refused["errors"][0]["message"]
    # repeats are still answered (free); another researcher has a budget of their own
    assert "errors" not in api.gql(asked[0], as_=("researcher", "rita"))
    assert "errors" not in api.gql("{ regionLinks { epsilon } }", as_=("researcher", "ravi"))


def test_research_reports_are_for_researchers_and_admins(api: Api) -> None:
    for who in (("family", "ana"), ("organizer", "o", "oakland")):
        body = api.gql(RESEARCH_QUERIES["networkSummary"], as_=who)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "errors" not in api.gql(RESEARCH_QUERIES["regionLinks"], as_=("admin", "root"))


def test_researcher_reaches_no_id_or_name_through_any_root_field(api: Api) -> None:
    """Every root query field, asked by a researcher, is refused or carries no identifier."""
    identifying = _identifying_strings()
    probes = {
        "me": "{ me { id } }",
        "family": '{ family(id: "ana") { id name } }',
        "families": "{ families { edges { node { id } } } }",
        "cohort": '{ cohort(id: "oak-1") { id } }',
        "cohorts": "{ cohorts { edges { node { id } } } }",
        "goals": "{ goals { id label } }",
        "regions": "{ regions { id name } }",
        "stats": "{ stats { families } }",
        "peerMatches": '{ peerMatches(familyId: "ana") { peer { id } } }',
        "crossRegionPeers": '{ crossRegionPeers(familyId: "ana") { peer { id } } }',
        "peerSuggestions": '{ peerSuggestions(familyId: "ana") { matches { peer { id } } } }',
        "introductions": "{ introductions { id family { id } theirContact } }",
        "suggestBridges": '{ suggestBridges(regionA: "oakland", regionB: "boston") { score } }',
        "ripple": '{ ripple(rootId: "ana") { size } }',
        "cohortRipple": '{ cohortRipple(cohortId: "oak-1") { members } }',
        "rippleSummary": "{ rippleSummary { cascades } }",
        "ripples": '{ ripples(regionId: "oakland") { size } }',
        "regionGraph": "{ regionGraph { regions { id } } }",
        "bridgingFamilies": "{ bridgingFamilies { family { id } } }",
        "cohortProposals": '{ cohortProposals(regionId: "oakland") { id poolIds } }',
        "cohortProposal": '{ cohortProposal(id: "prop-none") { id poolIds } }',
        "auditLog": "{ auditLog { edges { node { actor target detail } } } }",
        "journal": '{ journal(familyId: "ana") { reports { id } actions { id } } }',
        "reportStatus": '{ reportStatus(familyId: "ana", months: ["2025-01"]) { month } }',
        "paymentRules": "{ paymentRules { perReportCents schedule } }",
        "verificationQueue": '{ verificationQueue(regionId: "oakland", quarter: "2025-Q1") '
        "{ familyId report { id } } }",
        "verificationQueueSize": '{ verificationQueueSize(regionId: "oakland", '
        'quarter: "2025-Q1") }',
        "paymentLedger": "{ paymentLedger { balances } }",
        "dollarOutcomes": "{ dollarOutcomes(by: BRIDGING) { quartiles { table group median } "
        "report { tables { name cells { row column count } } } } }",
        "whatIWouldKeep": '{ whatIWouldKeep(familyId: "ana") { familyId state } }',
        "cliffCounts": '{ cliffCounts(regionId: "oakland") { report { tables { name } } } }',
        "cliffExposure": "{ cliffExposure(step: 1000) { progress { running } } }",
        "cliffReform": '{ cliffReform(id: "reform-none") { id regionId } }',
        **RESEARCH_QUERIES,
    }
    schema_fields = api.gql("{ __schema { queryType { fields { name } } } }")["data"]["__schema"][
        "queryType"
    ]["fields"]
    missing = {f["name"] for f in schema_fields} - set(probes)
    assert not missing, f"add a researcher probe for {missing}"
    for name, query in probes.items():
        body = api.gql(query, as_=("researcher", "rita"))
        text = json.dumps(body.get("data"))
        assert not [s for s in identifying if f'"{s}"' in text], name


def test_region_graph_and_bridging_for_organizers(api: Api) -> None:
    body = api.gql(
        "{ regionGraph { regions { id families eiIndex } links { regionA regionB help ties } pictureUrl } }",
        as_=("organizer", "o", "oakland"),
    )
    graph = body["data"]["regionGraph"]
    assert {r["id"]: r["families"] for r in graph["regions"]} == {"oakland": 6, "boston": 6}
    # one help exchange crosses: gus (Boston) -> cruz (Oakland)
    assert graph["links"] == [{"regionA": "boston", "regionB": "oakland", "help": 1, "ties": 1}]
    bridging = api.gql(
        "{ bridgingFamilies(first: 3) { family { id } regionsReached score } }",
        as_=("organizer", "o", "oakland"),
    )
    top = bridging["data"]["bridgingFamilies"][0]
    assert top["family"]["id"] == "cruz" and top["regionsReached"] == ["boston"]
    denied = api.gql(
        '{ bridgingFamilies(regionIds: ["boston"]) { score } }', as_=("organizer", "o", "oakland")
    )
    assert denied["errors"][0]["extensions"] == {"code": "FORBIDDEN", "field": "regionIds"}
    token = api.token("organizer", "o", ("oakland",))
    png = api.http.get(
        f"{api.base}/pictures/regions.png", headers={"Authorization": f"Bearer {token}"}
    )
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


END = date(2026, 6, 30)


@pytest.fixture
def synthetic_api(store: GraphStore, api_settings: Settings) -> Iterator[Api]:
    store.write(ChangeSet.of(generate(300, 4, SyntheticParameters(end=END))))
    for base in serve(api_settings, store):
        with httpx.Client(timeout=60) as http:
            yield Api(base, api_settings, store, http)


def test_the_period_difference_attack_over_http_recovers_no_quarter_cell(
    synthetic_api: Api,
) -> None:
    """The issue's attack: report to Q2 minus report to Q1 gave Q2's suppressed cells."""
    api = synthetic_api
    query = """query($to: Date) { networkSummary(regionId: "detroit", to: $to) { tables { name
      cells { row column count suppressed } } } }"""

    def help_counts(to: str) -> dict[str, int | None]:
        report = api.gql(query, {"to": to}, as_=("researcher", "rita"))["data"]["networkSummary"]
        table = next(t for t in report["tables"] if t["name"] == "help_by_kind")
        return {c["row"]: c["count"] for c in table["cells"] if c["column"] == "exchanges"}

    to_q2, to_q1 = help_counts("2026-06-30"), help_counts("2026-03-31")
    graph = bounded_graph(graph_of_store(api.store), bounds_of(api.settings))
    quarter = network_summary(
        graph, region="detroit", start=date(2026, 4, 1), end=END, structure=False
    )
    truth = {
        k: row[0].count
        for k, row in zip(quarter.help_by_kind.row_keys, quarter.help_by_kind.cells, strict=True)
    }
    small = [k for k, v in truth.items() if v is not None and 1 <= v <= 10]
    assert len(small) >= 5, "the quarter has small cells to attack"
    recovered = [
        k
        for k in small
        if to_q2.get(k) is not None and to_q1.get(k) is not None and to_q2[k] - to_q1[k] == truth[k]  # type: ignore[operator]  # checked not None
    ]
    assert len(recovered) <= 1, recovered  # P(exact) per cell is below 1% at this noise scale
