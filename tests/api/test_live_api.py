"""Over HTTP: writes show at once where the live view serves them, and background results say
how fresh they are (asOf)."""

from __future__ import annotations

from datetime import date

from graph_service.stores.base import ChangeSet
from models import Consent, Family, Referred
from tests.api.conftest import Api

RIPPLE = '{ ripple(rootId: "ana") { size } }'
SUMMARY = """{ rippleSummary(regionId: "oakland") { families
  asOf { dataVersion currentVersion stale computedAt } } }"""
ORGANIZER = ("organizer", "olga", "oakland")


def _newcomer(family_id: str) -> Family:
    return Family(
        id=family_id,
        name="New",
        region_id="oakland",
        household_size=3,
        income_band=2,
        joined_at=date(2025, 2, 1),
        consent=Consent(matching=True),
    )


def test_a_referral_shows_in_the_cascade_at_once(api: Api) -> None:
    before = api.gql(RIPPLE, as_=ORGANIZER)["data"]["ripple"]["size"]
    api.store.write(
        ChangeSet(
            families=[_newcomer("newbie")],
            referrals=[Referred(from_id="ana", to_id="newbie", at=date(2025, 2, 1))],
        )
    )
    after = api.gql(RIPPLE, as_=ORGANIZER)["data"]["ripple"]["size"]
    assert after == before + 1


def test_background_results_carry_their_as_of(api: Api) -> None:
    first = api.gql(SUMMARY, as_=ORGANIZER)["data"]["rippleSummary"]
    version = api.store.data_version()
    assert first["asOf"]["dataVersion"] == version
    assert first["asOf"]["currentVersion"] == version and not first["asOf"]["stale"]
    api.store.write(ChangeSet(families=[_newcomer("later")]))
    # the test settings refresh at once: the next answer is computed on the new version
    second = api.gql(SUMMARY, as_=ORGANIZER)["data"]["rippleSummary"]
    assert second["asOf"]["currentVersion"] == version + 1
    assert second["asOf"]["dataVersion"] in (version, version + 1)
    assert second["asOf"]["stale"] == (second["asOf"]["dataVersion"] == version)
