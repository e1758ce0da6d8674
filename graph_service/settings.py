"""One ``Settings`` object, read from the environment (prefix ``GS_``; Neo4j's own
``NEO4J_URI``/``NEO4J_USER``/``NEO4J_PASSWORD``/``NEO4J_DATABASE`` too) through the cached
getter :func:`get_settings`. Tests call ``get_settings.cache_clear()`` after changing env.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models import COHORT_FULL_SIZE, COHORT_MIN_SIZE, INVITATIONS_PER_MEMBER

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
    # Batches an import writes at once into a store that takes concurrent writes (Neo4j: the
    # engine builds them on as many cores); 1 writes them one after the other.
    import_writers: int = Field(default=2, ge=1, le=16)
    # The import's validate pass parses rows on this many worker processes while it checks
    # them (loaders/parse_workers.py); 0 or 1: in the importing process, as is any input of
    # fewer than import_workers_min_rows rows (a worker's start-up costs about a second).
    import_workers: int = Field(default=2, ge=0, le=64)
    import_workers_min_rows: int = Field(default=20_000, ge=0)

    # Auth
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    # Key rotation: tokens signed with the previous key stay valid until they expire; new
    # tokens are signed with secret_key. Set it to the old key when rotating, unset it later.
    secret_key_previous: SecretStr | None = None

    @field_validator("secret_key_previous", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value in ("", None) else value

    token_ttl_hours: int = Field(default=24 * 30, ge=1, le=24 * 365)

    # Web app sign-in: one-time codes (single use) and the session cookie they start.
    signin_code_ttl_minutes: int = Field(default=24 * 60, ge=1)
    session_ttl_hours: int = Field(default=12, ge=1)
    # Secure (HTTPS-only) cookies; default: on in production mode, off in development.
    cookie_secure: bool | None = None

    # Program rules (docs/program.md): invitations per member until the cohort is full.
    invitations_per_member: int = Field(default=INVITATIONS_PER_MEMBER, ge=0)
    introductions_per_day: int = Field(default=5, ge=1, le=100)
    cohort_full_size: int = Field(default=COHORT_FULL_SIZE, ge=2)
    cohort_min_size: int = Field(default=COHORT_MIN_SIZE, ge=2)

    # The journal and payments for reporting (README "The journal"): a month's report is on
    # time until this day of the next month; each on-time monthly report earns the amount
    # (integer cents), paid quarterly after verification, at most the cap per calendar year.
    journal_deadline_day: int = Field(default=10, ge=1, le=28)
    payment_per_report_cents: int = Field(default=15_000, ge=0, le=1_000_000)
    payment_cap_per_year_cents: int = Field(default=180_000, ge=0, le=100_000_000)
    # Verification queue: the share of a region's quarter's reporting families sampled at
    # random (besides every flagged report), and the balance jump that flags a report.
    verification_sample_share: float = Field(default=0.1, ge=0, le=1)
    anomaly_balance_multiple: float = Field(default=3.0, gt=1)
    # The file payment processor's folder: payout batches out, results files in.
    payout_folder: Path = Path("data/payouts")

    # Research disclosure control: cells with a count in 1..threshold are suppressed.
    small_cell_threshold: int = Field(default=10, ge=1)
    # Differential privacy of research releases (README "Privacy guarantee"): epsilon per
    # report, the budget per researcher and calendar quarter, and the per-family bounds.
    privacy_epsilon_per_report: float = Field(default=1.0, gt=0)
    privacy_epsilon_per_quarter: float = Field(default=10.0, gt=0)
    privacy_max_exchanges: int = Field(default=24, ge=1)
    privacy_max_goals: int = Field(default=5, ge=1)
    privacy_max_hours: float = Field(default=12.0, gt=0)
    privacy_max_dollars: float = Field(default=500.0, gt=0)
    # Tests only: seeds the noise so that test runs repeat (refused in production, where a
    # fixed seed would let two releases cancel each other's noise).
    privacy_test_seed: int | None = None

    # Benefit-cliff lens (graph_service/services/cliff.py): the policy year PolicyEngine-US
    # models, households per vectorised simulation in background runs, and whether each API
    # process imports the model at start-up (in the background) rather than on first use.
    cliff_policy_year: int = Field(default=2026, ge=2023, le=2030)
    cliff_batch_size: int = Field(default=200, ge=1, le=50_000)
    cliff_preload: bool = False

    # Vocabulary extensions, e.g. GS_EXTRA_GOAL_CATEGORIES='{"learn_to_drive": "Learn to drive"}'
    extra_goal_categories: dict[str, str] = {}
    extra_help_kinds: dict[str, str] = {}
    extra_skills: dict[str, str] = {}

    # Live read model (graph_service/readmodel): how often each process polls the change feed
    # for writes made by other processes; how often a heavy background result (network summary,
    # bridging ranking, ripple summary) is recomputed at most after the data moved; how long a
    # request waits for a fresh one before it is given the last result with its asOf.
    feed_poll_s: float = Field(default=0.2, gt=0, le=60)
    # A snapshot of the read model, saved after every full build and at shutdown (and every
    # readmodel_snapshot_s seconds if > 0: saving holds the interpreter for seconds at program
    # scale, so it is off by default; the change feed covers the writes after a snapshot),
    # loaded at start-up instead of re-reading the whole store. Default file: next to the
    # embedded store's file, or data/readmodel-neo4j-<database>.npz.
    readmodel_snapshots: bool = True
    readmodel_snapshot: Path | None = None
    readmodel_snapshot_s: float = Field(default=0.0, ge=0)
    background_refresh_s: float = Field(default=30.0, ge=0)
    background_wait_s: float = Field(default=2.0, ge=0, le=60)
    background_results: int = Field(default=64, ge=1, le=10_000)

    # API abuse limits
    max_page_size: int = Field(default=100, ge=1)
    max_query_depth: int = Field(default=10, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=2_000, ge=10)
    max_query_cost: int = Field(default=5_000, ge=1)
    # Field selections of one operation after fragment expansion (checked before validation).
    max_selections: int = Field(default=1_000, ge=10)
    # Seconds graphql-core validation may take (in a worker thread) before the request fails.
    validation_budget_s: float = Field(default=5.0, gt=0)
    # Request bodies over this many bytes answer 413.
    max_body_bytes: int = Field(default=1_000_000, ge=1_000)
    # Strings (of a document or its variables) over this many characters are refused without
    # being echoed; ids are slugs of at most 64 characters (the model's rule).
    max_string_length: int = Field(default=10_000, ge=64)
    # JSON nesting of a request body (variables included) beyond this answers 400.
    max_json_depth: int = Field(default=64, ge=4)
    # Per-principal rate limit (anonymous callers: per client address): a token bucket of
    # ``rate_limit_burst`` requests refilled at ``rate_limit_per_minute``, and at most
    # ``max_concurrent_per_principal`` requests in flight. 0 turns the rate limit off.
    rate_limit_per_minute: int = Field(default=300, ge=0)
    rate_limit_burst: int = Field(default=60, ge=1)
    max_concurrent_per_principal: int = Field(default=4, ge=1)

    @property
    def uses_neo4j(self) -> bool:
        return bool(self.neo4j_uri)

    @property
    def snapshot_path(self) -> Path | None:
        """Where the read model's snapshot lives (None: snapshots are off)."""
        if not self.readmodel_snapshots:
            return None
        if self.readmodel_snapshot is not None:
            return self.readmodel_snapshot
        if self.uses_neo4j:
            return Path("data") / f"readmodel-neo4j-{self.neo4j_database}.npz"
        return self.embedded_path.with_name(self.embedded_path.name + ".readmodel.npz")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
