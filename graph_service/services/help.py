"""Recording help: the giver records it, the receiving family confirms it."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from graph_service.auth import Principal, Role
from graph_service.errors import Conflict, Forbidden, NotFound
from graph_service.services.access import Action
from graph_service.services.common import authorized_family
from graph_service.stores.base import ChangeSet, GraphStore
from models import Helped, parse, today


def record_help(store: GraphStore, principal: Principal, data: Mapping[str, Any]) -> Helped:
    """The giving family records help it gave (unconfirmed until the receiver confirms).
    Organizers and admins may record on a family's behalf (``fromId``)."""
    giver_id = principal.family_id or str(data.get("fromId", ""))
    giver = authorized_family(store, principal, Action.GIVE_HELP_AS, giver_id, field="fromId")
    help_ = parse(
        Helped,
        {
            "id": f"h-{secrets.token_hex(8)}",
            "at": today().isoformat(),
            **{k: v for k, v in data.items() if v is not None},
            "fromId": giver.id,
            "confirmed": False,
        },
        record="input",
    )
    # The receiver must be a family the giver may see (help is recorded as the giver).
    as_giver = Principal(Role.FAMILY, giver.id)
    authorized_family(store, as_giver, Action.RECEIVE_HELP, help_.to_id, field="toId")
    store.write(ChangeSet(helps=[help_]))
    return help_


def confirm_help(store: GraphStore, principal: Principal, help_id: str) -> Helped:
    """Only the receiving family confirms."""
    me = principal.family_id
    if me is None:
        raise Forbidden("only the receiving family confirms help", field="helpId")
    mine = store.help_of([me]).get(me, [])
    found = next((h for h in mine if h.id == help_id), None)
    if found is None:
        raise NotFound(f"help exchange {help_id!r} does not exist", field="helpId")
    if found.to_id != me:
        raise Forbidden("only the receiving family confirms help", field="helpId")
    if found.confirmed:
        raise Conflict("this help exchange is already confirmed", field="helpId")
    confirmed = found.model_copy(update={"confirmed": True})
    store.write(ChangeSet(helps=[confirmed]))
    return confirmed
