"""``Neo4jStore``: the production :class:`~graph_service.stores.base.GraphStore` on Neo4j 5.

Every statement is a named file in ``queries/`` (loaded with :func:`queries.cypher`), always
parameterised. Writes run in managed write transactions: the first statement bumps the
``(:Meta {key: 'dataVersion'})`` counter, which also takes that node's lock, so write
transactions run one at a time and the checks of a batch (dangling references, referral rules)
see exactly the graph the batch is written into. Then the whole batch is validated, then
written with one ``UNWIND $rows ... MERGE`` per statement. Reads run as read transactions
(routed to readers on a cluster).

Stored shape (``graph_service.stores.records``): nodes ``Family``, ``Cohort``, ``Goal``,
``Region`` with flat camelCase properties (Family consent as ``consentMatching``,
``consentCrossRegion``, ``consentResearch``; ``regionId`` kept on Family and Cohort for
indexed lookups); dates as Neo4j ``date`` values; relationships ``LIVES_IN``,
``MEMBER_OF {since, status}``, ``PURSUES {since, status, achievedAt, description}``,
``HELPED {id, kind, at, hours, amount, confirmed}`` and ``REFERRED {at}``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import neo4j
from neo4j import GraphDatabase, ManagedTransaction

from graph_service.errors import ConfigurationError, StoreUnavailable
from graph_service.kinds import KIND_OF_PART
from graph_service.settings import Settings
from graph_service.stores.audit import Neo4jAuditLog
from graph_service.stores.base import (
    NODE_LABELS,
    RELATIONSHIP_TYPES,
    Change,
    ChangeFeed,
    ChangeSet,
    FamilyFilter,
    FamilyPage,
    PreparedWrite,
    UpsertsViaWrite,
)
from graph_service.stores.driver_errors import translated
from graph_service.stores.neo4j_writes import (
    NothingToWrite,
    id_of,
    require,
    run,
    unique,
    write_work,
)
from graph_service.stores.payments import Neo4jPaymentLedger
from graph_service.stores.privacy_ledger import Neo4jLedger
from graph_service.stores.projection_rows import PAGE_FAMILIES, UNPAGED, Row, in_order
from graph_service.stores.records import from_record
from models import (
    Cohort,
    CohortProposal,
    DomainError,
    DomainModel,
    Family,
    FieldProblem,
    Goal,
    Helped,
    Introduction,
    MemberOf,
    Pursues,
    Referred,
    Region,
    ValidationFailed,
)
from models.journal import MonthlyReport
from queries import cypher, statements

if TYPE_CHECKING:
    from graph_service.stores.credentials import Neo4jCredentials

T = TypeVar("T")
M = TypeVar("M", bound=DomainModel)
Rows = list[dict[str, Any]]

INDEX_WAIT_S = 120
# How long a managed transaction is retried on transient/unavailable errors (driver default 30 s:
# too long for an API request; enough for a cluster to elect a new leader in most cases).
# Records per round trip when streaming a subgraph (driver default 1000: many more trips).
BULK_FETCH_SIZE = 10_000
# Errors after which an auto-commit read is run again as a managed (retried) transaction.
RETRYABLE = (
    neo4j.exceptions.TransientError,
    neo4j.exceptions.ServiceUnavailable,
    neo4j.exceptions.SessionExpired,
)


class Neo4jStore(UpsertsViaWrite):
    """The family graph in Neo4j. Thread-safe: the driver pools connections, each call opens
    its own session. The driver is made once per process and passed in (or made by
    :meth:`from_settings`, in which case :meth:`close` closes it)."""

    name = "neo4j"
    # Write transactions run at once; they queue on the Meta lock (neo4j_writes), except the
    # change sets that only create help (ChangeSet.creates_concurrently).
    takes_concurrent_writes = True

    def __init__(
        self,
        driver: neo4j.Driver,
        database: str = "neo4j",
        *,
        uri: str | None = None,
        owns_driver: bool = False,
    ) -> None:
        self._driver = driver
        self._database = database
        self._owns_driver = owns_driver
        # Named in error messages; the driver has no public accessor for its address.
        self._where = _without_credentials(uri) if uri else str(getattr(driver, "_address", "?"))
        self.uri = _without_credentials(uri) if uri else None  # for tools; no credentials

    @classmethod
    def from_settings(cls, settings: Settings) -> Neo4jStore:
        """A store on ``settings.neo4j_uri`` with its own driver (closed by :meth:`close`)."""
        if not settings.neo4j_uri:
            raise ConfigurationError("NEO4J_URI is not set", field="neo4jUri")
        try:
            driver = GraphDatabase.driver(
                settings.neo4j_uri,
                auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
                connection_timeout=settings.neo4j_connect_timeout_s,
                max_transaction_retry_time=settings.neo4j_retry_s,
            )
        except (ValueError, neo4j.exceptions.ConfigurationError) as error:
            where = _without_credentials(settings.neo4j_uri)
            raise ConfigurationError(f"bad Neo4j URI {where}: {error}", field="neo4jUri") from None
        return cls(driver, settings.neo4j_database, uri=settings.neo4j_uri, owns_driver=True)

    # life cycle -------------------------------------------------------------------------
    def open(self) -> None:
        """Create constraints and indexes (idempotent), wait until they are online, and
        create the data-version counter. Fails fast with :class:`StoreUnavailable` when the
        server does not answer (one ping, no transaction retries), so a service retrying
        ``open`` while Neo4j is down does not wait out the retry budget each time."""
        if not self.ping():
            raise StoreUnavailable(f"Neo4j at {self._where} does not answer")
        with self._translated_errors():
            # the audit log's too: a write appends its entries in its own transaction
            for statement in (*statements("schema"), *statements("audit_schema")):
                self._driver.execute_query(statement, database_=self._database)
            self._driver.execute_query(
                cypher("schema_await"), {"seconds": INDEX_WAIT_S}, database_=self._database
            )
            self._driver.execute_query(cypher("meta_init"), database_=self._database)

    def close(self) -> None:
        if self._owns_driver:
            self._driver.close()

    def ping(self) -> bool:
        try:
            with self._driver.session(
                database=self._database, default_access_mode=neo4j.READ_ACCESS
            ) as session:
                answer = session.run(cypher("ping")).single(strict=True)["ok"]
            return bool(answer == 1)
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError):
            return False

    def data_version(self) -> int:
        return int(self._read("data_version")[0]["value"])

    def clear_all(self, chunk: int = 5_000) -> None:
        """TEST/ADMIN ONLY: delete every family, cohort, goal and region, ``chunk`` nodes per
        transaction (one transaction for a large graph would exceed the server's memory)."""

        def delete_chunk(tx: ManagedTransaction) -> int:
            return int(tx.run(cypher("admin_clear_all"), limit=chunk).single(strict=True)[0])

        while self._write(delete_chunk):
            pass
        version = self.data_version()

        def forget_chunk(tx: ManagedTransaction) -> int:
            params = {"version": version, "limit": chunk}
            return int(tx.run(cypher("admin_clear_log"), params).single(strict=True)[0])

        with self._translated_errors(), self._session() as session:
            while session.execute_write(forget_chunk):
                pass

    # batched upserts --------------------------------------------------------------------
    def prepare(self, changes: ChangeSet) -> PreparedWrite:
        """``changes`` with its transaction function built (``neo4j_writes.write_work``:
        the parameter rows of every part)."""
        return PreparedWrite(changes, self, write_work(changes))

    def write(self, changes: ChangeSet | PreparedWrite) -> None:
        """Validate and write every part of ``changes`` in one transaction, in dependency
        order (each part is checked against the graph including the parts before it), and
        log it in the change feed under the new data version and append its audit entries,
        in the same transaction (``stores/neo4j_writes.py``)."""
        prepared = self._prepared(changes)
        if self._nothing_to_write(prepared.changes):
            return
        try:
            with self._translated_errors(), self._session() as session:
                done = session.execute_write(prepared.work)
        except NothingToWrite:
            return  # rolled back: every family to delete was gone
        self._committed(*done)

    # change feed ------------------------------------------------------------------------
    def changes_since(self, version: int, *, limit: int = 1000) -> ChangeFeed:
        def work(tx: ManagedTransaction) -> ChangeFeed:
            current = int(tx.run(cypher("data_version")).single(strict=True)["value"])
            rows = tx.run(cypher("change_log_since"), version=version, limit=limit)
            changes = [Change.from_feed(int(r["version"]), str(r["body"])) for r in rows]
            complete = changes[0].version == version + 1 if changes else current <= version
            return ChangeFeed(changes, complete, current)

        return self._read_transaction(work)

    def instance_id(self) -> str:
        return str(self._read("instance_id")[0]["value"])

    def scan(self, part: str) -> Iterator[DomainModel]:
        """Stream every record of ``part`` from one read transaction, ``BULK_FETCH_SIZE``
        rows at a time: memory stays bounded by one fetch, not by the whole kind (770,000
        help exchanges at 100,000 families). Neo4j reads are read-committed, so a record
        written meanwhile may or may not be seen. (The read model's full build reads
        :meth:`scan_rows`, not this.)"""
        kind = KIND_OF_PART[part]
        statement = cypher(f"scan_{kind.part}")  # a registry name, not input
        with (
            self._translated_errors(),
            self._session(BULK_FETCH_SIZE) as session,
            session.begin_transaction() as tx,
        ):
            for row in tx.run(statement):
                yield from_record(kind.model, row["record"])

    def scan_rows(self, part: str) -> Iterator[list[Row]]:
        """The read model's rows of ``part`` (:mod:`~graph_service.stores.projection_rows`),
        a page at a time: the families of ``PAGE_FAMILIES`` consecutive ids, or the
        relationships leaving them, each page one list from one read (read-committed, as
        :meth:`scan`). ``SCAN_WORKERS`` pages are read at once, each on a session of its
        own, ahead of the caller."""
        statement = cypher(f"rows_{part}")  # a registry name, not input
        if part in UNPAGED:
            bounds: list[tuple[str, str | None]] = [("", None)]
        else:
            found = self._read("rows_page_starts", every=PAGE_FAMILIES)
            starts: list[str] = list(found[0]["starts"]) if found else []
            bounds = list(zip(starts, [*starts[1:], None], strict=True))

        def page(bound: tuple[str, str | None]) -> list[Row]:
            first, after_last = bound
            with self._translated_errors(), self._session(access_mode=neo4j.READ_ACCESS) as s:
                found = s.run(statement, first=first, next=after_last).single(strict=True)
                return list(found["rows"])

        yield from in_order(page, bounds)

    # reads ------------------------------------------------------------------------------
    def get_families(self, ids: Sequence[str]) -> dict[str, Family]:
        found = self._read_models(Family, "get_families", ids=unique(ids))
        return {family.id: family for family in found}

    def list_families(self, filter: FamilyFilter, *, after: str | None, limit: int) -> FamilyPage:
        _check_limit(limit)
        params = {**_filter_params(filter), "after": after or "", "limit": limit}
        found = self._read_models(Family, "family_page", **params)
        return FamilyPage(families=found[:limit], has_next=len(found) > limit)

    def count_families(self, filter: FamilyFilter) -> int:
        return int(self._read("count_families", **_filter_params(filter))[0]["total"])

    def get_cohorts(self, ids: Sequence[str]) -> dict[str, Cohort]:
        found = self._read_models(Cohort, "get_cohorts", ids=unique(ids))
        return {cohort.id: cohort for cohort in found}

    def list_cohorts(
        self, region_ids: tuple[str, ...] | None, *, after: str | None, limit: int
    ) -> list[Cohort]:
        _check_limit(limit)
        params = {"regionIds": _list_or_none(region_ids), "after": after or "", "limit": limit}
        return self._read_models(Cohort, "cohort_page", **params)

    def get_proposals(self, ids: Sequence[str]) -> dict[str, CohortProposal]:
        found = self._read_models(CohortProposal, "get_proposals", ids=unique(ids))
        return {proposal.id: proposal for proposal in found}

    def list_proposals(self, region_id: str) -> list[CohortProposal]:
        return self._read_models(CohortProposal, "proposals_of_region", regionId=region_id)

    def list_goals(self) -> list[Goal]:
        return self._read_models(Goal, "list_goals")

    def list_regions(self) -> list[Region]:
        return self._read_models(Region, "list_regions")

    def memberships_of_families(self, family_ids: Sequence[str]) -> dict[str, list[MemberOf]]:
        """Memberships (any status) of each existing family, in cohort-id order."""
        return self._read_groups(
            MemberOf, "memberships_of_families", family_ids, lambda m: m.cohort_id
        )

    def families_with_memberships(
        self, ids: Sequence[str]
    ) -> dict[str, tuple[Family, list[MemberOf]]]:
        """One read: each existing family among ``ids`` with its memberships (cohort order)."""
        found: dict[str, tuple[Family, list[MemberOf]]] = {}
        for row in self._read("families_with_memberships", ids=unique(ids)):
            _add_family(found, row)
        return found

    def families_with_memberships_at(
        self, ids: Sequence[str]
    ) -> tuple[int, dict[str, tuple[Family, list[MemberOf]]]]:
        """One statement, one round trip: the data version, then the families."""
        row = self._read("families_with_memberships_at", ids=unique(ids))[0]
        found: dict[str, tuple[Family, list[MemberOf]]] = {}
        for entry in row["rows"]:
            _add_family(found, entry)
        return int(row["version"]), found

    def members_of_cohorts(self, cohort_ids: Sequence[str]) -> dict[str, list[MemberOf]]:
        """Memberships (any status) of each existing cohort, in family-id order."""
        return self._read_groups(MemberOf, "members_of_cohorts", cohort_ids, lambda m: m.family_id)

    def pursuits_of(self, family_ids: Sequence[str]) -> dict[str, list[Pursues]]:
        """Goals pursued by each existing family, in goal-id order."""
        return self._read_groups(Pursues, "pursuits_of", family_ids, lambda p: p.goal_id)

    def introductions_of(self, family_ids: Sequence[str]) -> dict[str, list[Introduction]]:
        """Introductions each existing family asked for or was asked about."""
        return self._read_groups(
            Introduction, "introductions_of", family_ids, lambda i: (i.requested_on, i.id)
        )

    def help_of(self, family_ids: Sequence[str]) -> dict[str, list[Helped]]:
        """Every help exchange given or received by each existing family, by (at, id)."""
        return self._read_groups(Helped, "help_of", family_ids, lambda h: (h.at, h.id))

    def referrer_of(self, family_ids: Sequence[str]) -> dict[str, Referred]:
        """The referral of each family that has a referrer (others are absent)."""
        found = self._read_models(Referred, "referrer_of", ids=unique(family_ids))
        return {referral.to_id: referral for referral in found}

    def referral_subtree(self, root_id: str, *, max_depth: int | None = None) -> list[Referred]:
        """REFERRED edges below ``root_id``, breadth-first: level by level, and within a
        level by the position of the referrer in the previous level, then referred id.
        :class:`NotFound` (``rootId``) if there is no such family."""

        def work(tx: ManagedTransaction) -> list[Referred]:
            require(tx, "missing_families", [root_id], "rootId", "family")
            levels: dict[int, list[Referred]] = defaultdict(list)
            params = {"rootId": root_id, "maxDepth": max_depth}
            for row in tx.run(cypher("referral_subtree"), params):
                levels[row["depth"]].append(from_record(Referred, row["record"]))
            return _breadth_first(root_id, levels)

        return self._read_transaction(work)

    def neighbourhood(self, family_id: str, *, hops: int = 1) -> set[str]:
        """Families within ``hops`` help/referral/active-cohort ties of ``family_id``
        (excluded); :class:`NotFound` (``familyId``) if there is no such family."""

        def work(tx: ManagedTransaction) -> set[str]:
            require(tx, "missing_families", [family_id], "familyId", "family")
            seen, frontier = {family_id}, [family_id]
            for _ in range(hops):
                reached = {row["id"] for row in tx.run(cypher("neighbours"), ids=frontier)}
                frontier = sorted(reached - seen)
                seen.update(frontier)
                if not frontier:
                    break
            return seen - {family_id}

        return self._read_transaction(work)

    def counts(self) -> dict[str, int]:
        """Nodes per label and relationships per type, every label and type present."""
        row = self._read("counts")[0]
        return {key: int(row[key]) for key in (*NODE_LABELS, *RELATIONSHIP_TYPES)}

    # the journal ------------------------------------------------------------------------
    def journal_of(self, part: str, family_ids: Sequence[str]) -> dict[str, list[DomainModel]]:
        """Records of a journal kind (``reports``, ``actions``, ``verifications``) of each
        family among ``family_ids`` that has any, in id order."""
        kind = KIND_OF_PART[part]
        if kind.projected:
            raise ValueError(f"{part} is not a journal kind")
        model: type[DomainModel] = kind.model
        return self._read_groups(model, f"journal_{kind.part}_of", family_ids, id_of)

    def reports_between(self, first: str, last: str) -> list[MonthlyReport]:
        """Every report version of the months ``first`` to ``last`` (``YYYY-MM``)."""
        return self._read_models(MonthlyReport, "reports_between", first=first, last=last)

    # plumbing ---------------------------------------------------------------------------
    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        """Every driver error as a domain error (``stores/driver_errors.py``): transient
        errors that outlast the managed transaction's retries and a lost server are
        UNAVAILABLE, constraint violations CONFLICT, the rest UNAVAILABLE (logged)."""
        try:
            yield
        except DomainError:
            raise
        except Exception as error:
            domain = translated(error, f"Neo4j at {self._where}")
            if domain is None:
                raise
            raise domain from error

    def _read(self, name: str, **params: Any) -> list[neo4j.Record]:
        """Run the read statement ``name`` (routed to a reader) and return all its rows.

        One statement, so an auto-commit transaction: one round trip (RUN and PULL
        pipelined) where a managed transaction takes two (BEGIN, RUN, PULL, then COMMIT);
        on the request path that was most of a warm read's time (issue 19). If the server
        is busy or the reader is gone it is run again as a managed read transaction, which
        the driver retries for ``NEO4J_RETRY_S``."""
        statement = cypher(name)
        with self._translated_errors():
            try:
                with self._session(access_mode=neo4j.READ_ACCESS) as session:
                    return list(session.run(statement, params))
            except RETRYABLE:
                pass  # retried below, with the driver's back-off
        return self._read_transaction(lambda tx: list(tx.run(statement, params)))

    def _read_models(self, model_type: type[M], name: str, **params: Any) -> list[M]:
        """Run a read whose rows have a ``record`` column and turn each into a model."""
        return [from_record(model_type, row["record"]) for row in self._read(name, **params)]

    def _session(
        self, fetch_size: int = 1000, access_mode: str = neo4j.WRITE_ACCESS
    ) -> neo4j.Session:
        # Labels and types that do not exist yet are normal (an empty graph): no warnings.
        return self._driver.session(
            database=self._database,
            fetch_size=fetch_size,
            default_access_mode=access_mode,
            notifications_disabled_classifications=[
                neo4j.NotificationDisabledClassification.UNRECOGNIZED
            ],
        )

    def _read_groups(
        self, model_type: type[M], name: str, ids: Sequence[str], order: Callable[[M], Any]
    ) -> dict[str, list[M]]:
        """Rows ``(id, records)`` of the existing ids among ``ids``, each list sorted."""
        groups: dict[str, list[M]] = {}
        for row in self._read(name, ids=unique(ids)):
            models = [from_record(model_type, record) for record in row["records"]]
            groups[row["id"]] = sorted(models, key=order)
        return groups

    def _read_transaction(
        self, work: Callable[[ManagedTransaction], T], *, fetch_size: int = 1000
    ) -> T:
        with self._translated_errors(), self._session(fetch_size) as session:
            return session.execute_read(work)

    def _write(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work`` in one write transaction that first bumps (and locks) the version;
        the feed is told to rebuild (a bulk administrative change, not a change set)."""

        def bumped(tx: ManagedTransaction) -> T:
            version = int(tx.run(cypher("data_version_bump")).single(strict=True)["value"])
            run(tx, "change_log_append", version=version, body='{"rebuild":true}')
            return work(tx)

        with self._translated_errors(), self._session() as session:
            return session.execute_write(bumped)

    def payment_ledger(self) -> Neo4jPaymentLedger:
        """The payments for reporting (graph_service/stores/payments.py), in this database."""
        ledger: Neo4jPaymentLedger | None = getattr(self, "_payment_ledger", None)
        if ledger is None:
            ledger = self._payment_ledger = Neo4jPaymentLedger(self._driver, self._database)
        return ledger

    def privacy_ledger(self) -> Neo4jLedger:
        """The researchers' privacy-loss ledger, as nodes in this database."""
        return Neo4jLedger(self._driver, self._database)

    # audit log (graph_service/stores/audit.py) ------------------------------------------
    def audit_log(self) -> Neo4jAuditLog:
        """The append-only ``:AuditEntry`` nodes of this store's database."""
        log: Neo4jAuditLog | None = getattr(self, "_audit_log", None)
        if log is None:
            log = self._audit_log = Neo4jAuditLog(self._driver, self._database)
        return log

    def credentials(self) -> Neo4jCredentials:
        """Sign-in codes and web sessions beside the graph (``stores/credentials.py``)."""
        from graph_service.stores.credentials import Neo4jCredentials

        return Neo4jCredentials(self._driver, self._database)


def _list_or_none(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)


def _check_limit(limit: int) -> None:
    if limit < 0:
        raise ValidationFailed([FieldProblem("limit", "must be 0 or more")])


def _filter_params(filter: FamilyFilter) -> dict[str, Any]:
    return {
        "regionIds": _list_or_none(filter.region_ids),
        "goalId": filter.goal_id,
        "cohortId": filter.cohort_id,
        "consentMatching": filter.consent_matching,
    }


def _breadth_first(root_id: str, levels: dict[int, list[Referred]]) -> list[Referred]:
    rank = {root_id: 0}
    ordered: list[Referred] = []
    for depth in sorted(levels):
        for edge in sorted(levels[depth], key=lambda e: (rank[e.from_id], e.to_id)):
            rank[edge.to_id] = len(rank)
            ordered.append(edge)
    return ordered


def _without_credentials(uri: str) -> str:
    """``uri`` without any ``user:password@`` part."""
    parts = urlsplit(uri)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _add_family(found: dict[str, tuple[Family, list[MemberOf]]], row: Any) -> None:
    """A family (``record``) and its memberships (``memberships``, in cohort order)."""
    family = from_record(Family, row["record"])
    memberships = [from_record(MemberOf, m) for m in row["memberships"]]
    found[family.id] = (family, sorted(memberships, key=lambda m: m.cohort_id))
