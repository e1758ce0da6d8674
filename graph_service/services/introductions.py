"""Introductions: a family asks to be introduced to a suggested peer; the peer accepts or
declines; either withdraws (models/introductions.py).

Rules, checked inside the write transaction (``ChangeSet.preconditions``): no second open
(requested or accepted) introduction between two families, in either direction; at most
``Settings.introductions_per_day`` requests by one family a day (UTC); an introduction is
answered while it is requested and withdrawn while it is open. Never to oneself (the model
refuses it), only to a family the asking family may see and who consented to matching
(:func:`graph_service.services.access.decide`). Who may see, answer or withdraw, and see the
contact details: :func:`graph_service.services.access.decide_introduction`.
"""

from __future__ import annotations

import secrets

from graph_service.auth import Principal, Role
from graph_service.errors import FieldProblem, Forbidden, NotFound, ValidationFailed
from graph_service.services.access import (
    NOT_FOUND_INTRODUCTION,
    Action,
    IntroductionAction,
    Viewer,
    authorize_introduction,
    require_principal,
)
from graph_service.services.common import authorized_family, viewer_of
from graph_service.settings import Settings
from graph_service.stores.base import ChangeSet, GraphStore
from models import Introduction, IntroductionStatus, parse, today
from models.rules import IntroductionsFewerThan, IntroductionStatusIn, NoOpenIntroduction

MAX_CONTACT = 200


def _family_viewer(store: GraphStore, principal: Principal | None, field: str) -> Viewer:
    who = require_principal(principal)
    if who.role is not Role.FAMILY:
        raise Forbidden(
            "only families ask for, answer and withdraw introductions",
            field=field,
            message_id="error.introduction.families_only",
        )
    viewer = viewer_of(store, who)
    if viewer.family is None:
        raise Forbidden("this token's family is not registered", field=field)
    return viewer


def _contact(given: str | None, fallback: str, field: str) -> str:
    contact = (given if given is not None else fallback).strip()
    if not 1 <= len(contact) <= MAX_CONTACT:
        raise ValidationFailed(
            [FieldProblem(field, f"a contact detail of 1 to {MAX_CONTACT} characters")]
        )
    return contact


def request_introduction(
    store: GraphStore,
    settings: Settings,
    principal: Principal | None,
    to_id: str,
    contact: str | None = None,
) -> Introduction:
    """Ask to be introduced to ``to_id``, sharing ``contact`` (default: the family's contact
    on file) once the peer accepts."""
    # The policy decides everything about the peer (only families; never oneself; a family
    # it may see that consented to matching); then the asking family is a registered one.
    who = require_principal(principal)
    authorized_family(store, who, Action.REQUEST_INTRODUCTION, to_id, field="toId")
    viewer = _family_viewer(store, who, "toId")
    assert viewer.family is not None  # _family_viewer checked
    me = viewer.family
    day = today()
    introduction = parse(
        Introduction,
        {
            "id": f"intro-{secrets.token_hex(8)}",
            "fromId": me.id,
            "toId": to_id,
            "requestedOn": day.isoformat(),
            "fromContact": _contact(contact, me.contact, "contact"),
        },
        record="input",
    )
    store.write(
        ChangeSet(
            introductions=[introduction],
            preconditions=[
                NoOpenIntroduction(me.id, to_id),
                IntroductionsFewerThan(me.id, day.isoformat(), settings.introductions_per_day),
            ],
        )
    )
    return introduction


def introductions(store: GraphStore, principal: Principal | None) -> list[Introduction]:
    """The calling family's introductions (asked for and asked about), oldest first."""
    viewer = _family_viewer(store, principal, "introductions")
    assert viewer.family is not None  # _family_viewer checked
    return store.introductions_of([viewer.family.id]).get(viewer.family.id, [])


def _find(
    store: GraphStore, viewer: Viewer, introduction_id: str, action: IntroductionAction
) -> Introduction:
    assert viewer.family is not None  # _family_viewer checked
    mine = store.introductions_of([viewer.family.id]).get(viewer.family.id, [])
    found = next((i for i in mine if i.id == introduction_id), None)
    if found is None:
        raise NotFound(
            NOT_FOUND_INTRODUCTION, field="id", message_id="error.introduction_not_found"
        )
    authorize_introduction(viewer, action, found)
    return found


def answer_introduction(
    store: GraphStore,
    principal: Principal | None,
    introduction_id: str,
    *,
    accept: bool,
    contact: str | None = None,
) -> Introduction:
    """The family asked accepts (sharing ``contact``, default its contact on file) or
    declines."""
    viewer = _family_viewer(store, principal, "id")
    assert viewer.family is not None  # _family_viewer checked
    found = _find(store, viewer, introduction_id, IntroductionAction.ANSWER)
    update: dict[str, object] = {
        "status": IntroductionStatus.ACCEPTED if accept else IntroductionStatus.DECLINED,
        "answered_on": today(),
    }
    if accept:
        update["to_contact"] = _contact(contact, viewer.family.contact, "contact")
    answered = found.model_copy(update=update)
    store.write(
        ChangeSet(
            introductions=[answered],
            preconditions=[IntroductionStatusIn(found.id, (IntroductionStatus.REQUESTED.value,))],
        )
    )
    return answered


def withdraw_introduction(
    store: GraphStore, principal: Principal | None, introduction_id: str
) -> Introduction:
    """Either family withdraws an open introduction; its contact details are hidden again."""
    viewer = _family_viewer(store, principal, "id")
    assert viewer.family is not None  # _family_viewer checked
    found = _find(store, viewer, introduction_id, IntroductionAction.WITHDRAW)
    withdrawn = found.model_copy(
        update={"status": IntroductionStatus.WITHDRAWN, "withdrawn_by": viewer.family.id}
    )
    store.write(
        ChangeSet(
            introductions=[withdrawn],
            preconditions=[
                IntroductionStatusIn(found.id, tuple(s.value for s in _OPEN)),
            ],
        )
    )
    return withdrawn


_OPEN = (IntroductionStatus.REQUESTED, IntroductionStatus.ACCEPTED)
