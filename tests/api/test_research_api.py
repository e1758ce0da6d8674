"""Researchers through HTTP on both stores: tables only, small cells suppressed, no ids."""

from __future__ import annotations

import json
from typing import Any

from graph_service.demo import demo_network
from tests.api.conftest import Api

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


def test_research_counts_only_consenting_families(api: Api) -> None:
    body = api.gql(
        "{ networkSummary { tables { name cells { row count } } } }", as_=("researcher", "rita")
    )
    figures = next(
        t for t in body["data"]["networkSummary"]["tables"] if t["name"] == "network_figures"
    )
    families = next(c for c in figures["cells"] if c["row"] == "families")
    assert families["count"] == 11  # eli did not consent to research; 11 > 10 is published


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
        "suggestBridges": '{ suggestBridges(regionA: "oakland", regionB: "boston") { score } }',
        "ripple": '{ ripple(rootId: "ana") { size } }',
        "cohortRipple": '{ cohortRipple(cohortId: "oak-1") { members } }',
        "rippleSummary": "{ rippleSummary { cascades } }",
        "ripples": '{ ripples(regionId: "oakland") { size } }',
        "regionGraph": "{ regionGraph { regions { id } } }",
        "bridgingFamilies": "{ bridgingFamilies { family { id } } }",
        "auditLog": "{ auditLog { edges { node { actor target detail } } } }",
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
