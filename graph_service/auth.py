"""Signed bearer tokens (HS256 JWT) carrying a role and a subject.

- ``family``: subject is the family's id.
- ``organizer``: subject is the organizer's name; ``regions`` lists the regions it serves.
- ``researcher``: aggregates only; subject is the researcher's name.
- ``admin``: everything.

The signing secret is ``GS_SECRET_KEY``; :func:`check_production_secret` refuses to run in
production mode with the default one. ``graph-service token`` issues tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt

from graph_service.errors import ConfigurationError, Unauthenticated
from graph_service.settings import DEFAULT_SECRET, Mode, Settings

ALGORITHM = "HS256"
ISSUER = "peer-network-graph-service"


class Role(StrEnum):
    FAMILY = "family"
    ORGANIZER = "organizer"
    RESEARCHER = "researcher"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is asking."""

    role: Role
    subject: str
    regions: tuple[str, ...] = ()

    @property
    def family_id(self) -> str | None:
        return self.subject if self.role is Role.FAMILY else None

    def serves(self, region_id: str) -> bool:
        """Organizer (or admin) rights over ``region_id``."""
        return self.role is Role.ADMIN or (
            self.role is Role.ORGANIZER and region_id in self.regions
        )


def check_production_secret(settings: Settings) -> None:
    secret = settings.secret_key.get_secret_value()
    if settings.mode is Mode.PRODUCTION and (secret == DEFAULT_SECRET or len(secret) < 32):
        raise ConfigurationError(
            "GS_SECRET_KEY must be set to a random secret of at least 32 characters in "
            "production mode (make one with: graph-service secret)"
        )


def issue_token(
    settings: Settings,
    role: Role,
    subject: str,
    regions: tuple[str, ...] = (),
    ttl: timedelta | None = None,
) -> str:
    if role is Role.ORGANIZER and not regions:
        raise ConfigurationError("an organizer token needs at least one region")
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "sub": subject,
        "role": role.value,
        "regions": list(regions),
        "iat": now,
        "exp": now + (ttl or timedelta(hours=settings.token_ttl_hours)),
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def decode_token(settings: Settings, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iss"]},
        )
        role = Role(claims["role"])
        regions = tuple(str(r) for r in claims.get("regions", []))
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the token has expired") from None
    except (jwt.InvalidTokenError, KeyError, ValueError):
        raise Unauthenticated("the token is not valid") from None
    return Principal(role=role, subject=str(claims["sub"]), regions=regions)


def principal_from_header(settings: Settings, authorization: str | None) -> Principal | None:
    """``Authorization: Bearer <token>`` -> a principal; no header -> ``None`` (anonymous)."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use 'Authorization: Bearer <token>'")
    return decode_token(settings, token.strip())
