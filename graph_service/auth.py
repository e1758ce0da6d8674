"""Signed bearer tokens (HS256 JWT) carrying a role and a subject.

- ``family``: subject is the family's id.
- ``organizer``: subject is the organizer's name; ``regions`` lists the regions it serves.
- ``researcher``: aggregates only; subject is the researcher's name.
- ``admin``: everything.

The signing secret is ``GS_SECRET_KEY``; :func:`check_production_secret` refuses to run in
production mode with the default one or any secret of low entropy. Key rotation: set
``GS_SECRET_KEY_PREVIOUS`` to the old key and ``GS_SECRET_KEY`` to the new one; tokens of both
verify, new ones are signed with the new key. Tokens live ``GS_TOKEN_TTL_HOURS`` (default 720,
at most a year). ``graph-service token`` issues tokens.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

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
    STAFF = "staff"  # program liaisons: verify reports of their regions, never advise


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


MIN_SECRET_BITS = 128


def secret_entropy_bits(secret: str) -> float:
    """A conservative estimate of a secret's entropy: its length times the Shannon entropy of
    its own character distribution, capped by the length times log2 of the alphabet its
    characters come from. "aaaa..." scores 0; a ``graph-service secret`` (43 URL-safe
    base64 characters) scores about 200 bits; a repeated word scores what one copy does.

    >>> secret_entropy_bits("a" * 64)
    0.0
    >>> secret_entropy_bits("abab" * 16) <= 64
    True
    """
    if not secret:
        return 0.0
    counts: dict[str, int] = {}
    for char in secret:
        counts[char] = counts.get(char, 0) + 1
    n = len(secret)
    shannon = max(0.0, -sum(c / n * math.log2(c / n) for c in counts.values()))
    alphabet = 0
    for klass in (string.ascii_lowercase, string.ascii_uppercase, string.digits):
        if any(ch in klass for ch in secret):
            alphabet += len(klass)
    alphabet += len({ch for ch in secret if not ch.isalnum()}) * 2 or 0
    per_char = min(shannon, math.log2(max(alphabet, 2)))
    # A secret made of a repeated block is as strong as one block.
    for size in range(1, n // 2 + 1):
        if n % size == 0 and secret[:size] * (n // size) == secret:
            return round(secret_entropy_bits(secret[:size]), 6) if size < n else 0.0
    return round(n * per_char, 6)


def check_production_secret(settings: Settings) -> None:
    """Production refuses the development secret, and any secret (current or previous) with
    less than ``MIN_SECRET_BITS`` of estimated entropy (not just short ones)."""
    if settings.mode is not Mode.PRODUCTION:
        return
    secrets = [settings.secret_key.get_secret_value()]
    if settings.secret_key_previous is not None:
        secrets.append(settings.secret_key_previous.get_secret_value())
    for secret in secrets:
        if secret == DEFAULT_SECRET or secret_entropy_bits(secret) < MIN_SECRET_BITS:
            raise ConfigurationError(
                "GS_SECRET_KEY (and GS_SECRET_KEY_PREVIOUS, if set) must be a random secret "
                f"with at least {MIN_SECRET_BITS} bits of entropy in production mode (make one "
                "with: graph-service secret)"
            )


def issue_token(
    settings: Settings,
    role: Role,
    subject: str,
    regions: tuple[str, ...] = (),
    ttl: timedelta | None = None,
) -> str:
    if role in (Role.ORGANIZER, Role.STAFF) and not regions:
        article = "an" if role is Role.ORGANIZER else "a"
        raise ConfigurationError(f"{article} {role.value} token needs at least one region")
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


def _keys(settings: Settings) -> list[str]:
    keys = [settings.secret_key.get_secret_value()]
    if settings.secret_key_previous is not None:
        keys.append(settings.secret_key_previous.get_secret_value())
    return keys


def decode_token(settings: Settings, token: str) -> Principal:
    """Verify a token with the current key, then the previous one (key rotation). Claims of
    the wrong type (a ``regions`` that is not a list of strings, ...) are UNAUTHENTICATED."""
    if len(token) > 4096:
        raise Unauthenticated("the token is not valid")
    claims: dict[str, Any] | None = None
    for key in _keys(settings):
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "sub", "iss", "iat"]},
            )
            break
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except jwt.InvalidSignatureError:
            continue
        except (jwt.InvalidTokenError, KeyError, ValueError, TypeError):
            raise Unauthenticated("the token is not valid") from None
    if claims is None:
        raise Unauthenticated("the token is not valid")
    role_claim, subject, regions = claims.get("role"), claims.get("sub"), claims.get("regions", [])
    if (
        not isinstance(role_claim, str)
        or role_claim not in {r.value for r in Role}
        or not isinstance(subject, str)
        or not 0 < len(subject) <= 256
        or not isinstance(regions, list)
        or not all(isinstance(r, str) and len(r) <= 64 for r in regions)
        or len(regions) > 100
    ):
        raise Unauthenticated("the token is not valid")
    return Principal(role=Role(role_claim), subject=subject, regions=tuple(regions))


def principal_from_header(settings: Settings, authorization: str | None) -> Principal | None:
    """``Authorization: Bearer <token>`` -> a principal; no header -> ``None`` (anonymous)."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use 'Authorization: Bearer <token>'")
    return decode_token(settings, token.strip())
