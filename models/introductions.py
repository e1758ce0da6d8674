"""Introductions: a family asks to be introduced to a suggested peer (docs: README "Introductions").

``(Family)-[:INTRODUCTION {id, status, requestedOn, answeredOn, fromContact, toContact,
withdrawnBy}]->(Family)``, from the family that asks to the peer it asks about. The peer
accepts or declines; either may withdraw. ``from_contact`` is the contact detail the asking
family chose to share, ``to_contact`` the one the peer chose when it accepted: each is shown to
the other family only while the introduction is ``accepted`` (nothing is shared without the
peer's yes; a withdrawal hides both again).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from models.base import DomainModel, ExternalId


class IntroductionStatus(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


OPEN_INTRODUCTION = (IntroductionStatus.REQUESTED, IntroductionStatus.ACCEPTED)

ContactDetail = Field(min_length=1, max_length=200)


class Introduction(DomainModel):
    """One request to be introduced, and what became of it."""

    id: ExternalId
    from_id: ExternalId
    to_id: ExternalId
    status: IntroductionStatus = IntroductionStatus.REQUESTED
    requested_on: date
    answered_on: date | None = None
    from_contact: str = ContactDetail
    to_contact: str | None = Field(default=None, min_length=1, max_length=200)
    withdrawn_by: ExternalId | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.from_id == self.to_id:
            raise ValueError("a family cannot ask to be introduced to itself")
        if self.status is IntroductionStatus.ACCEPTED and self.to_contact is None:
            raise ValueError("an accepted introduction has the peer's contact detail")
        if self.withdrawn_by not in (None, self.from_id, self.to_id):
            raise ValueError("only one of the two families withdraws")
        return self
