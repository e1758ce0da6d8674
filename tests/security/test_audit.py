"""The audit log (both stores) and erasing a family: append-only, admin-only, no private
values in any entry; erasure removes the node, private data and edges, recorded by id only."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from graph_service.settings import get_settings
from graph_service.stores.audit import AuditAction, AuditEntry, audit_log_of
from graph_service.stores.base import GraphStore
from queries import available, cypher
from tests.api.conftest import Api

LOG = """query($after: String, $action: AuditActionEnum) { auditLog(first: 100, after: $after,
  action: $action) { edges { cursor node { actor action target detail } }
  pageInfo { hasNextPage endCursor } } }"""


def _entries(api: Api, action: str | None = None) -> list[dict[str, Any]]:
    body = api.gql(LOG, {"action": action}, as_=("admin", "root"))
    assert "errors" not in body, body
    return [e["node"] for e in body["data"]["auditLog"]["edges"]]


def test_store_log_appends_pages_and_filters(store: GraphStore) -> None:
    log = audit_log_of(store)
    entries = [
        AuditEntry.new("admin:root", AuditAction.EXPORT, f"report-{i}", "d") for i in range(5)
    ]
    entries.append(AuditEntry.new("family:ana", AuditAction.CONSENT_CHANGED, "ana", "set: x"))
    log.append(entries[:3])
    log.append(entries[3:])
    first = log.page(limit=2)
    assert [e.target for e in first] == ["report-0", "report-1"]
    rest = log.page(after=first[-1].cursor_key, limit=10)
    assert [e.target for e in rest] == ["report-2", "report-3", "report-4", "ana"]
    assert [e.target for e in log.page(action=AuditAction.CONSENT_CHANGED)] == ["ana"]
    assert rest[-1] == entries[-1]


def test_the_sqlite_log_refuses_updates_and_deletes(tmp_path: Path) -> None:
    from graph_service.stores.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "g.sqlite")
    store.open()
    audit_log_of(store).append([AuditEntry.new("a:b", AuditAction.EXPORT, "x")])
    conn = sqlite3.connect(tmp_path / "g.sqlite")
    for statement in ("UPDATE audit_log SET detail = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(statement)
    conn.close()
    assert len(audit_log_of(store).page()) == 1
    store.close()


def test_the_neo4j_statements_only_create() -> None:
    for name in available():
        if name.startswith("audit_"):
            text = cypher(name).upper()
            for verb in ("SET ", "DELETE", "REMOVE ", "MERGE "):
                assert verb not in text, (name, verb)


def test_consent_changes_are_recorded_without_values(api: Api) -> None:
    api.gql("mutation { updateConsent(input: {research: false}) { id } }", as_=("family", "ana"))
    entries = _entries(api, "CONSENT_CHANGED")
    assert entries == [
        {
            "actor": "family:ana",
            "action": "CONSENT_CHANGED",
            "target": "ana",
            "detail": "set: research",
        }
    ]


def test_private_reads_by_organizers_and_admins_are_recorded(api: Api) -> None:
    contact = api.store.get_families(["ana"])["ana"].contact
    api.gql('{ family(id: "ana") { contact householdSize } }', as_=("organizer", "olga", "oakland"))
    api.gql('{ family(id: "ben") { consent { research } } }', as_=("admin", "root"))
    api.gql("{ me { contact } }", as_=("family", "ana"))  # a family reading itself: not audited
    api.gql('{ family(id: "ana") { name } }', as_=("organizer", "olga", "oakland"))  # public
    entries = _entries(api, "PRIVATE_READ")
    assert [(e["actor"], e["target"], e["detail"]) for e in entries] == [
        ("organizer:olga", "ana", "fields: contact, household"),
        ("admin:root", "ben", "fields: consent"),
    ]
    assert contact and contact not in str(entries)


@pytest.mark.parametrize(
    "who", [("family", "ana"), ("organizer", "olga", "oakland"), ("researcher", "root")]
)
def test_only_admins_read_the_log(api: Api, who: tuple[str, ...]) -> None:
    body = api.gql(LOG, as_=who)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body.get("data") is None


def test_erasing_a_family_removes_it_everywhere_and_is_recorded_by_id(api: Api) -> None:
    before = api.store.counts()
    ana = api.store.get_families(["ana"])["ana"]
    helps = [h for hs in api.store.help_of(["ana"]).values() for h in hs]
    assert helps
    body = api.gql(
        'mutation { eraseFamily(familyId: "ana") { familyId erased } }', as_=("admin", "root")
    )
    assert body["data"]["eraseFamily"] == {"familyId": "ana", "erased": True}
    assert api.store.get_families(["ana"]) == {}
    assert api.store.help_of(["ana"]).get("ana", []) == []
    assert api.store.memberships_of_families(["ana"]).get("ana", []) == []
    after = api.store.counts()
    assert after["Family"] == before["Family"] - 1
    assert after["HELPED"] == before["HELPED"] - len({h.id for h in helps})
    gone = api.gql('{ family(id: "ana") { id } }', as_=("admin", "root"))
    assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    members = api.gql('{ cohort(id: "oak-1") { memberCount } }', as_=("admin", "root"))
    assert members["data"]["cohort"]["memberCount"] == 5
    entries = _entries(api, "FAMILY_ERASED")
    assert [(e["actor"], e["target"]) for e in entries] == [("admin:root", "ana")]
    assert ana.name not in str(entries) and ana.contact not in str(entries)


@pytest.mark.parametrize(
    ("who", "code"),
    [
        (("organizer", "olga", "oakland"), "FORBIDDEN"),  # sees ana, may not erase
        (("family", "ana"), "FORBIDDEN"),
        (("researcher", "ana"), "NOT_FOUND"),  # a name that collides with a family id
        (("organizer", "bob", "boston"), "NOT_FOUND"),
    ],
)
def test_only_admins_erase_and_a_refusal_erases_nothing(
    api: Api, who: tuple[str, ...], code: str
) -> None:
    body = api.gql('mutation { eraseFamily(familyId: "ana") { erased } }', as_=who)
    assert body["errors"][0]["extensions"]["code"] == code
    assert "ana" in api.store.get_families(["ana"])
    assert _entries(api, "FAMILY_ERASED") == []


@pytest.fixture
def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from graph_service.cli import app

    monkeypatch.setenv("GS_EMBEDDED_PATH", str(tmp_path / "demo.sqlite"))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    get_settings.cache_clear()
    assert CliRunner().invoke(app, ["demo"]).exit_code == 0
    yield app, tmp_path / "demo.sqlite"
    get_settings.cache_clear()


def test_cli_token_issuance_and_erasure_are_audited(cli_store: Any) -> None:
    from graph_service.stores.embedded import EmbeddedStore

    app, path = cli_store
    runner = CliRunner()
    assert runner.invoke(app, ["token", "family", "ana"]).exit_code == 0
    result = runner.invoke(app, ["erase-family", "ben", "--yes"])
    assert result.exit_code == 0, result.output
    missing = runner.invoke(app, ["erase-family", "nobody", "--yes"])
    assert missing.exit_code == 1
    store = EmbeddedStore(path)
    store.open()
    assert "ben" not in store.get_families(["ben"])
    actions = [(e.action, e.target) for e in audit_log_of(store).page()]
    store.close()
    assert actions == [
        (AuditAction.TOKEN_ISSUED, "family:ana"),
        (AuditAction.FAMILY_ERASED, "ben"),
    ]
