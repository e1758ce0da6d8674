"""Sign-in codes and sessions on both stores: single use, expiry, who may issue, and the
attack of many concurrent redemptions of one code."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from graph_service.auth import Principal, Role
from graph_service.demo import demo_network, load_network
from graph_service.errors import Forbidden, NotFound, Unauthenticated
from graph_service.services import signin
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore
from graph_service.stores.credentials import credentials_for
from models import ValidationFailed

SETTINGS = Settings(secret_key="s" * 40, signin_code_ttl_minutes=30, session_ttl_hours=2)
ADMIN = Principal(Role.ADMIN, "root")
OLGA = Principal(Role.ORGANIZER, "olga", ("oakland",))
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def demo(store: GraphStore) -> GraphStore:
    load_network(store, demo_network())
    return store


def test_code_signs_in_once_and_starts_a_session(demo: GraphStore) -> None:
    issued = signin.issue_code(demo, SETTINGS, ADMIN, Role.FAMILY, "ana", now=T0)
    assert len(issued.code) == signin.CODE_LENGTH
    assert issued.expires_at == T0 + timedelta(minutes=30)
    typed = issued.code.lower()[:5] + " - " + issued.code.lower()[5:]  # case and dashes ignored
    session = signin.redeem_code(demo, SETTINGS, typed, now=T0 + timedelta(minutes=1))
    assert session.principal == Principal(Role.FAMILY, "ana")
    assert signin.session_principal(demo, SETTINGS, session.token, now=T0) == session.principal
    with pytest.raises(Unauthenticated) as second:
        signin.redeem_code(demo, SETTINGS, issued.code, now=T0 + timedelta(minutes=2))
    assert second.value.field == "code"


def test_only_hashes_are_stored(demo: GraphStore) -> None:
    issued = signin.issue_code(demo, SETTINGS, ADMIN, Role.FAMILY, "ben", now=T0)
    session = signin.redeem_code(demo, SETTINGS, issued.code, now=T0)
    credentials = credentials_for(demo)
    # Looking a code or a token up by its clear text finds nothing.
    assert credentials.take_code(issued.code, T0) is None
    assert credentials.get_session(session.token, T0) is None


def test_expiry_is_exact_at_the_boundary(demo: GraphStore) -> None:
    issued = signin.issue_code(demo, SETTINGS, ADMIN, Role.FAMILY, "ana", now=T0)
    with pytest.raises(Unauthenticated):
        signin.redeem_code(demo, SETTINGS, issued.code, now=T0 + timedelta(minutes=30))
    late = signin.issue_code(demo, SETTINGS, ADMIN, Role.FAMILY, "ana", now=T0)
    almost = T0 + timedelta(minutes=30) - timedelta(microseconds=1)
    session = signin.redeem_code(demo, SETTINGS, late.code, now=almost)
    end = almost + timedelta(hours=2)
    assert signin.session_principal(demo, SETTINGS, session.token, now=end) is None
    assert signin.session_principal(demo, SETTINGS, session.token, now=end - timedelta(seconds=1))


def test_sign_out_ends_the_session(demo: GraphStore) -> None:
    issued = signin.issue_code(demo, SETTINGS, ADMIN, Role.ORGANIZER, "olga", ("oakland",))
    session = signin.redeem_code(demo, SETTINGS, issued.code)
    assert signin.session_principal(demo, SETTINGS, session.token) == OLGA
    signin.end_session(demo, SETTINGS, session.token)
    assert signin.session_principal(demo, SETTINGS, session.token) is None


def test_concurrent_redemptions_of_one_code_succeed_once(demo: GraphStore) -> None:
    issued = signin.issue_code(demo, SETTINGS, ADMIN, Role.FAMILY, "cruz")

    def attempt(_: int) -> bool:
        try:
            signin.redeem_code(demo, SETTINGS, issued.code)
        except Unauthenticated:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(16)))
    assert outcomes.count(True) == 1


def test_who_may_issue_codes(demo: GraphStore) -> None:
    # Organizers: families of their own regions only.
    assert signin.issue_code(demo, SETTINGS, OLGA, Role.FAMILY, "ana").grant.subject == "ana"
    with pytest.raises(NotFound):
        signin.issue_code(demo, SETTINGS, OLGA, Role.FAMILY, "gus")  # boston
    with pytest.raises(Forbidden):
        signin.issue_code(demo, SETTINGS, OLGA, Role.ORGANIZER, "olga", ("boston",))
    with pytest.raises(Forbidden):
        signin.issue_code(demo, SETTINGS, OLGA, Role.ADMIN, "olga")
    # Families and researchers issue nothing.
    for caller in (Principal(Role.FAMILY, "ana"), Principal(Role.RESEARCHER, "rita")):
        with pytest.raises(Forbidden):
            signin.issue_code(demo, SETTINGS, caller, Role.FAMILY, "ana")
    with pytest.raises(Unauthenticated):
        signin.issue_code(demo, SETTINGS, None, Role.FAMILY, "ana")
    # Admins: anyone, but only real families and regions.
    with pytest.raises(NotFound):
        signin.issue_code(demo, SETTINGS, ADMIN, Role.FAMILY, "nobody")
    with pytest.raises(NotFound):
        signin.issue_code(demo, SETTINGS, ADMIN, Role.ORGANIZER, "omar", ("atlantis",))
    with pytest.raises(ValidationFailed):
        signin.issue_code(demo, SETTINGS, ADMIN, Role.ORGANIZER, "omar")
    with pytest.raises(ValidationFailed):
        signin.issue_code(demo, SETTINGS, ADMIN, Role.RESEARCHER, "Rita Smith")


@pytest.mark.parametrize("typed", ["", "ABC", "A" * 200, "ÀBCDEFGHJK", "ABCDEFGHJ0"])
def test_malformed_codes_are_refused_without_a_lookup(demo: GraphStore, typed: str) -> None:
    with pytest.raises(Unauthenticated):
        signin.redeem_code(demo, SETTINGS, typed)


def test_a_code_from_another_secret_does_not_work(demo: GraphStore) -> None:
    issued = signin.issue_code(demo, SETTINGS, ADMIN, Role.FAMILY, "ana")
    other = Settings(secret_key="t" * 40)
    with pytest.raises(Unauthenticated):
        signin.redeem_code(demo, other, issued.code)
