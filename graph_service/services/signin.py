"""Sign-in for the web app: one-time codes issued by the program, and the sessions they start.

- An **admin** issues a code for anyone (a family, an organizer or a staff member with their
  regions, a researcher, another admin); an **organizer** issues codes for families of the regions it serves only.
- A code is 10 characters from an alphabet without look-alikes (about 50 bits), shown once to
  the issuer, stored as an HMAC-SHA256 under ``GS_SECRET_KEY``; it expires after
  ``GS_SIGNIN_CODE_TTL_MINUTES`` and works once (redeeming is atomic in the store).
- Redeeming a code starts a session: a random 256-bit token in a cookie; the store keeps only
  its hash, valid for ``GS_SESSION_TTL_HOURS``; signing out deletes it.

Bearer tokens (``graph_service/auth.py``) stay the way in for API clients.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from graph_service.auth import Principal, Role
from graph_service.errors import Forbidden, NotFound, Unauthenticated
from graph_service.services.access import require_principal, serves
from graph_service.settings import Settings
from graph_service.stores.base import GraphStore
from graph_service.stores.credentials import CredentialStore, Grant, credentials_for
from models import FieldProblem, ValidationFailed

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10
_SUBJECT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class IssuedCode:
    code: str
    grant: Grant
    expires_at: datetime


@dataclass(frozen=True)
class Session:
    token: str
    principal: Principal
    expires_at: datetime


def normalise_code(text: str) -> str:
    """What the person typed -> the code: case, spaces and dashes do not matter."""
    return re.sub(r"[\s-]+", "", text).upper()


def _digest(settings: Settings, purpose: str, value: str) -> str:
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, message)])


def issue_code(
    store: GraphStore,
    settings: Settings,
    issuer: Principal | None,
    role: Role,
    subject: str,
    regions: tuple[str, ...] = (),
    *,
    now: datetime | None = None,
) -> IssuedCode:
    """A new single-use code that signs its holder in as ``role``/``subject``."""
    caller = require_principal(issuer)
    if not _SUBJECT.match(subject):
        raise _bad("subject", "must be a slug of 1-64 characters (a family id or a name)")
    if caller.role is Role.ORGANIZER:
        if role is not Role.FAMILY:
            raise Forbidden("organizers issue sign-in codes for families only", field="role")
    elif caller.role is not Role.ADMIN:
        raise Forbidden("only admins and organizers issue sign-in codes")
    known_regions = {r.id for r in store.list_regions()}
    if role is Role.FAMILY:
        family = store.get_families([subject]).get(subject)
        if family is None or (
            caller.role is Role.ORGANIZER and not serves(caller, family.region_id)
        ):
            raise NotFound(f"family {subject!r} does not exist", field="subject")
        regions = ()
    elif role in (Role.ORGANIZER, Role.STAFF):
        if not regions:
            who = "an organizer needs" if role is Role.ORGANIZER else "a staff member needs"
            raise _bad("regions", f"{who} at least one region")
        unknown = [r for r in regions if r not in known_regions]
        if unknown:
            raise NotFound(f"region {unknown[0]!r} does not exist", field="regions")
    else:
        regions = ()
    moment = now or datetime.now(UTC)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    grant = Grant(role.value, subject, tuple(regions))
    expires = moment + timedelta(minutes=settings.signin_code_ttl_minutes)
    credentials_for(store).put_code(_digest(settings, "code", code), grant, expires)
    return IssuedCode(code, grant, expires)


def redeem_code(
    store: GraphStore, settings: Settings, typed: str, *, now: datetime | None = None
) -> Session:
    """Use a code (once) and start a session; a wrong, used or expired code is refused."""
    code = normalise_code(typed)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        raise Unauthenticated("this code is not valid", field="code")
    moment = now or datetime.now(UTC)
    credentials: CredentialStore = credentials_for(store)
    grant = credentials.take_code(_digest(settings, "code", code), moment)
    if grant is None:
        raise Unauthenticated(
            "this code is not valid, was used already or has expired", field="code"
        )
    token = secrets.token_urlsafe(32)
    expires = moment + timedelta(hours=settings.session_ttl_hours)
    credentials.put_session(_digest(settings, "session", token), grant, expires)
    return Session(token, _principal(grant), expires)


def session_principal(
    store: GraphStore, settings: Settings, token: str | None, *, now: datetime | None = None
) -> Principal | None:
    """The principal of a live session token, or ``None``."""
    if not token or len(token) > 200:
        return None
    grant = credentials_for(store).get_session(
        _digest(settings, "session", token), now or datetime.now(UTC)
    )
    return _principal(grant) if grant is not None else None


def end_session(store: GraphStore, settings: Settings, token: str | None) -> None:
    if token and len(token) <= 200:
        credentials_for(store).end_session(_digest(settings, "session", token))


def csrf_token(settings: Settings, session_token: str) -> str:
    """The form token bound to a session (or to a pre-session cookie)."""
    return _digest(settings, "csrf", session_token)[:32]


def csrf_ok(settings: Settings, session_token: str | None, submitted: str | None) -> bool:
    if not session_token or not submitted:
        return False
    return hmac.compare_digest(csrf_token(settings, session_token), submitted)


def _principal(grant: Grant) -> Principal:
    return Principal(Role(grant.role), grant.subject, grant.regions)
