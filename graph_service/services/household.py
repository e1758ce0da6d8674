"""Household facts (adults, children and their ages): private to the family and admins.

The benefit-cliff lens (:mod:`graph_service.services.cliff`) needs them; nothing else
reads them. Organizers, researchers and other families never see them: the policy
(:func:`graph_service.services.access.authorize`, actions ``READ_HOUSEHOLD`` and
``EDIT_HOUSEHOLD``) allows the family itself and admins only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph_service.auth import Principal
from graph_service.services.access import Action
from graph_service.services.common import authorized_family
from graph_service.stores.base import ChangeSet, GraphStore
from models import HouseholdFacts, parse


def household_facts(store: GraphStore, principal: Principal, family_id: str) -> HouseholdFacts:
    """The family's household facts (empty when not given)."""
    return authorized_family(store, principal, Action.READ_HOUSEHOLD, family_id).household_facts


def set_household_facts(
    store: GraphStore, principal: Principal, family_id: str, data: Mapping[str, Any]
) -> HouseholdFacts:
    """Replace the family's household facts (camelCase keys; an empty map clears them)."""
    family = authorized_family(store, principal, Action.EDIT_HOUSEHOLD, family_id)
    facts = parse(HouseholdFacts, dict(data), record="input")
    store.write(ChangeSet(families=[family.model_copy(update={"household_facts": facts})]))
    return facts
