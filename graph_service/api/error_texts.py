"""Errors a family meets, in its language.

An error raised with a ``message_id`` (see :class:`models.errors.DomainError`) is shown from
the catalogues; so are the program rules' conflicts (by precondition) and the few family-facing
errors raised before message ids existed (by their English message). Everything else keeps
its English message. ``extensions`` (code, field, problems) never change with the language.
"""

from __future__ import annotations

from typing import Any

from graph_service.i18n import Message
from graph_service.services.access import NOT_FOUND_FAMILY
from graph_service.stores.preconditions import RuleBroken
from models import rules
from models.errors import DomainError

# English messages of errors raised without a message id -> their catalogue id.
_BY_MESSAGE = {
    NOT_FOUND_FAMILY: "error.family_not_found",
    "this family has not consented to matching": "error.no_matching_consent",
    "leave your current cohort before starting a new one": "rule.one_cohort_create",
    "leave your current cohort before joining another": "rule.one_cohort_accept",
    "that family already belongs to an active cohort": "rule.invitee_in_cohort",
    "that family is already a member or invited": "rule.already_invited",
    "only active members of this cohort may invite": "rule.only_members_invite",
    "you are not an active member of this cohort": "rule.only_members_leave",
    "this invitation is no longer open": "rule.invitation_closed",
    "the cohort changed while you joined; try again": "rule.cohort_changed",
    "this family was just brought in by someone else": "rule.referrer_taken",
}


def message_of(error: DomainError) -> Message | None:
    """The catalogue message of ``error``, if it has one."""
    message_id: str | None = getattr(error, "message_id", None)
    if message_id is not None:
        params: dict[str, Any] = dict(getattr(error, "params", None) or {})
        return Message(message_id, params, getattr(error, "count", None))
    if isinstance(error, RuleBroken):
        rule = error.precondition
        if isinstance(rule, rules.InvitedFewerThan):
            return Message("rule.invitations_per_member", count=rule.limit)
        if isinstance(rule, rules.CohortHasPlace):
            return Message("rule.cohort_full", count=rule.full_size)
        if isinstance(rule, rules.NoOpenIntroduction):
            return Message("rule.introduction_open")
        if isinstance(rule, rules.IntroductionsFewerThan):
            return Message("rule.introductions_per_day", count=rule.limit)
        if isinstance(rule, rules.IntroductionStatusIn):
            return Message("rule.introduction_closed")
        if isinstance(rule, rules.NoProposalInvitation):
            return Message("rule.proposal_invitation")
        if isinstance(rule, rules.ProposalPending):
            return Message("rule.proposal_pending")
    found = _BY_MESSAGE.get(error.message)
    return Message(found) if found is not None else None


def localized_message(error: DomainError, locale: str) -> str:
    """``error``'s message in ``locale`` (its own message when the catalogues have none)."""
    message = message_of(error)
    return message.text(locale) if message is not None else error.message
