"""One ``Settings`` object, read from the environment (prefix ``GS_``; Neo4j's own
``NEO4J_URI``/``NEO4J_USER``/``NEO4J_PASSWORD``/``NEO4J_DATABASE`` too) through the cached
getter :func:`get_settings`. Tests call ``get_settings.cache_clear()`` after changing env.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "dev-only-secret-change-me-before-production"


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GS_", env_file=".env", extra="ignore")

    mode: Mode = Mode.DEVELOPMENT

    # Store selection: NEO4J_URI set means Neo4j, otherwise the embedded file.
    neo4j_uri: str | None = Field(
        default=None, validation_alias=AliasChoices("GS_NEO4J_URI", "NEO4J_URI")
    )
    neo4j_user: str = Field(
        default="neo4j", validation_alias=AliasChoices("GS_NEO4J_USER", "NEO4J_USER")
    )
    neo4j_password: SecretStr = Field(
        default=SecretStr("neo4j"),
        validation_alias=AliasChoices("GS_NEO4J_PASSWORD", "NEO4J_PASSWORD"),
    )
    neo4j_database: str = Field(
        default="neo4j", validation_alias=AliasChoices("GS_NEO4J_DATABASE", "NEO4J_DATABASE")
    )
    neo4j_connect_timeout_s: float = 3.0
    # How long the driver retries a transaction on a transient failure before the API answers
    # UNAVAILABLE (the driver's own default of 30 s is too long for an interactive API).
    neo4j_retry_s: float = Field(default=2.0, ge=0)
    embedded_path: Path = Path("data/graph.sqlite")

    batch_size: int = Field(default=5_000, ge=1, le=100_000)

    # Auth
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    token_ttl_hours: int = Field(default=24 * 30, ge=1)

    # Web app sign-in: one-time codes (single use) and the session cookie they start.
    signin_code_ttl_minutes: int = Field(default=24 * 60, ge=1)
    session_ttl_hours: int = Field(default=12, ge=1)
    # Secure (HTTPS-only) cookies; default: on in production mode, off in development.
    cookie_secure: bool | None = None

    # Program rules (DESIGN.md): invitations per member until the cohort is full.
    invitations_per_member: int = Field(default=2, ge=0)
    cohort_full_size: int = Field(default=8, ge=2)
    cohort_min_size: int = Field(default=6, ge=2)

    # Research disclosure control: cells with a count in 1..threshold are suppressed.
    small_cell_threshold: int = Field(default=10, ge=1)

    # Vocabulary extensions, e.g. GS_EXTRA_GOAL_CATEGORIES='{"learn_to_drive": "Learn to drive"}'
    extra_goal_categories: dict[str, str] = {}
    extra_help_kinds: dict[str, str] = {}
    extra_skills: dict[str, str] = {}

    # API abuse limits
    max_page_size: int = Field(default=100, ge=1)
    max_query_depth: int = Field(default=10, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=2_000, ge=10)
    max_query_cost: int = Field(default=5_000, ge=1)

    @property
    def uses_neo4j(self) -> bool:
        return bool(self.neo4j_uri)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
