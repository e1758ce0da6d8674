"""Writing a change set to Neo4j: the write transaction of ``Neo4jStore.write`` and one
writer per record kind (each checks the references of its batch in the same transaction).

The transaction (:func:`write_work`), in order: bump the ``(:Meta {key: 'dataVersion'})``
counter (which takes that node's lock, so writers run one at a time), check the change set's
preconditions (:mod:`graph_service.stores.preconditions`), delete the ``deleted_families``
that still exist, write each part in registry order, append the change to the change feed
under the new version, and append the change set's audit entries
(:func:`graph_service.stores.audit.append_in_neo4j`). Anything that raises rolls all of it
back: the data-version bump, the records, the feed entry and the audit entries.

A change set that only creates help (:meth:`ChangeSet.creates_concurrently`: an
import's batch of new records) bumps the version *after* its records, just before the feed
entry: such transactions (the import keeps several in flight) build their records at the same
time and queue on the Meta lock only for their last statements, so the versions still number
the commits in order. Nothing they do needs the writers' lock: a help id written twice at once
is refused by its uniqueness constraint (CONFLICT), and they check no rule.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from neo4j import ManagedTransaction

from graph_service.errors import Conflict, NotFound
from graph_service.kinds import KINDS, RecordKind
from graph_service.stores import audit
from graph_service.stores.base import CREATED_WHEN_NEW, WRITTEN_MEANWHILE, Change, ChangeSet
from graph_service.stores.preconditions import check_in_neo4j
from graph_service.stores.records import (
    ENDPOINTS,
    positional_rows,
    split_relationship,
    to_record,
)
from models import (
    Cohort,
    CohortProposal,
    DomainModel,
    Family,
    Helped,
    Introduction,
    Referred,
    check_referrals,
)
from models.journal import Action, MonthlyReport, Verification
from queries import cypher

T = TypeVar("T")
Rows = list[dict[str, Any]]

# Entries of the change feed kept (older ones are pruned every PRUNE_EVERY writes).
FEED_KEEP = 100_000
PRUNE_EVERY = 256


class NothingToWrite(Exception):
    """Raised inside the write transaction to roll it back (its data-version bump included)
    when every family the change set deletes is already gone and nothing else is left."""


Committed = tuple[int, ChangeSet]


def write_work(changes: ChangeSet) -> Callable[[ManagedTransaction], Committed]:
    """The transaction function writing ``changes`` (see the module docstring); it returns
    the new data version and the change as logged, or raises :class:`NothingToWrite`."""
    new = changes.new_records
    parts = [
        (
            _PART_WRITERS[kind.name],
            part_of(kind, batch, created=new and kind.part in CREATED_WHEN_NEW),
        )
        for kind, batch in changes.parts()
    ]
    bump_last = changes.creates_concurrently()

    def work(tx: ManagedTransaction) -> Committed:
        if not bump_last:
            version = bump(tx)
        check_in_neo4j(tx, changes.preconditions)  # holds the Meta lock: see preconditions.py
        logged = changes
        if changes.deleted_families:
            ids = unique(changes.deleted_families)
            existing = {row["id"] for row in tx.run(cypher("existing_families"), ids=ids)}
            deleted = [f for f in dict.fromkeys(changes.deleted_families) if f in existing]
            logged = replace(changes, deleted_families=deleted)
            if logged.is_empty():
                raise NothingToWrite
            if deleted:
                run(tx, "delete_families", ids=deleted)
        for write_part, part in parts:
            write_part(tx, part, new)
        if bump_last:
            version = bump(tx)
        run(tx, "change_log_append", version=version, body=Change.feed_body(logged))
        if version % PRUNE_EVERY == 0:
            run(tx, "change_log_prune", upTo=version - FEED_KEEP)
        audit.append_in_neo4j(tx, changes.audit)  # with the write, or not at all
        return version, logged

    return work


def bump(tx: ManagedTransaction) -> int:
    """Bump the data version and return it; this takes the Meta node's lock, held to the end
    of the transaction, so versions number the commits in their order."""
    return int(tx.run(cypher("data_version_bump")).single(strict=True)["value"])


# writing one part of a change set (inside the write transaction) ------------------------------
@dataclass(frozen=True)
class Part:
    """A part of a change set ready to send: its records, one per key (a batch may repeat a
    record; the last wins), and their parameter rows. Built before the transaction (and so
    only once, whatever the driver's retries), on the thread that prepares the write."""

    batch: Sequence[Any]
    rows: list[Any]  # maps, or positional lists for the create statements (``created``)


# (tx, part, new): ``new`` is ChangeSet.new_records (CREATED_WHEN_NEW parts: CREATE, no MERGE).
PartWriter = Callable[[ManagedTransaction, Part, bool], None]

_PAIR_KEYS: dict[str, Callable[[Any], Hashable]] = {
    "membership": lambda m: (m.family_id, m.cohort_id),
    "pursuit": lambda p: (p.family_id, p.goal_id),
    "referral": lambda r: (r.from_id, r.to_id),
}


# Kinds whose statements take dates as ISO text and store them with date(): packing a Date
# costs the driver a Python call per value (a tenth of an import's time on the critical path).
_DATES_AS_TEXT = frozenset({"family", "help", "membership", "pursuit", "referral"})


def part_of(kind: RecordKind, records: Sequence[DomainModel], *, created: bool = False) -> Part:
    """The :class:`Part` of ``records`` of ``kind``. ``created``: the rows of a
    ``create_*.cypher`` statement (a :data:`CREATED_WHEN_NEW` part of new records), positional
    (:func:`positional_rows`: no keys to send; at 100,000 families a help batch was built
    3x faster and written ~15% faster than as maps); otherwise ``{key: value}`` maps."""
    batch = _last_per_key(records, _PAIR_KEYS.get(kind.name, id_of))
    if created:
        return Part(batch, positional_rows(kind.model, batch))
    iso = kind.name in _DATES_AS_TEXT
    if kind.is_node or not batch or type(batch[0]) not in ENDPOINTS:
        return Part(batch, [to_record(r, iso_dates=iso) for r in batch])
    return Part(batch, _relationship_rows(batch, iso_dates=iso))


def _write_regions(tx: ManagedTransaction, part: Part, new: bool) -> None:
    run(tx, "upsert_regions", rows=part.rows)


def _write_goals(tx: ManagedTransaction, part: Part, new: bool) -> None:
    run(tx, "upsert_goals", rows=part.rows)


def _write_families(tx: ManagedTransaction, part: Part, new: bool) -> None:
    batch: Sequence[Family] = part.batch
    written = count(tx, "create_families" if new else "upsert_families", rows=part.rows)
    if written < len(part.rows):  # a region is missing: name it (this rolls the write back)
        require(tx, "missing_regions", (f.region_id for f in batch), "regionId", "region")
        raise _short(written, part.rows, new)


def _write_cohorts(tx: ManagedTransaction, part: Part, new: bool) -> None:
    batch: Sequence[Cohort] = part.batch
    require(tx, "missing_regions", (c.region_id for c in batch), "regionId", "region")
    focus = (goal for c in batch for goal in c.focus_goals)
    require(tx, "missing_goals", focus, "focusGoals", "goal")
    run(tx, "upsert_cohorts", rows=part.rows)


def _write_proposals(tx: ManagedTransaction, part: Part, new: bool) -> None:
    batch: Sequence[CohortProposal] = part.batch
    require(tx, "missing_regions", (p.region_id for p in batch), "regionId", "region")
    cohorts = (c for p in batch for c in p.cohort_ids)
    require(tx, "missing_cohorts", cohorts, "cohortIds", "cohort")
    run(tx, "upsert_proposals", rows=part.rows)


def _write_memberships(tx: ManagedTransaction, part: Part, new: bool) -> None:
    cohorts = [m.cohort_id for m in part.batch]
    _write_family_pairs(tx, part, new, "memberships", ("missing_cohorts", cohorts, "cohortId"))


def _write_pursuits(tx: ManagedTransaction, part: Part, new: bool) -> None:
    goals = [p.goal_id for p in part.batch]
    _write_family_pairs(tx, part, new, "pursuits", ("missing_goals", goals, "goalId"))


def _write_family_pairs(
    tx: ManagedTransaction, part: Part, new: bool, kind: str, other: tuple[str, list[str], str]
) -> None:
    """Memberships or pursuits (``kind``): a family and another node per row. A shortfall
    means an end is missing (named here) or, with ``new`` records, a pair is stored."""
    written = count(tx, f"create_{kind}" if new else f"upsert_{kind}", rows=part.rows)
    if written < len(part.rows):
        families = (r.family_id for r in part.batch)
        require(tx, "missing_families", families, "familyId", "family")
        query, ids, field = other
        require(tx, query, ids, field, field.removesuffix("Id"))
        raise _short(written, part.rows, new)


def _write_helps(tx: ManagedTransaction, part: Part, new: bool) -> None:
    batch: Sequence[Helped] = part.batch
    if new:  # no stored help has these ids (the HELPED id constraint refuses one that does)
        written = count(tx, "create_help", rows=part.rows)
    else:
        run(tx, "help_detach_moved", rows=part.rows)
        written = count(tx, "upsert_help", rows=part.rows)
    if written < len(part.rows):  # an end is missing: name it (this rolls the write back)
        _require_pair_ends(tx, batch)
        raise _short(written, part.rows, new)


def _write_referrals(tx: ManagedTransaction, part: Part, new: bool) -> None:
    """The referral rules (one referrer, no cycle) are checked on the stored chains of the
    batch's families, read in this transaction (which holds the writers' lock). New records
    are created: a family with a stored referrer refuses the batch (another referrer breaks
    the rules; the same one was written meanwhile, a CONFLICT), and a missing end is named
    after the statement falls short, as for the other created kinds."""
    batch: Sequence[Referred] = part.batch
    if not new:
        _require_pair_ends(tx, batch)
    ids = sorted({r.from_id for r in batch} | {r.to_id for r in batch})
    stored = {row["toId"]: row["fromId"] for row in tx.run(cypher("referral_chains"), ids=ids)}
    check_referrals(stored, batch)
    if not new:
        run(tx, "upsert_referrals", rows=part.rows)
        return
    if any(r.to_id in stored for r in batch):  # the same referral, stored since it was checked
        raise Conflict(WRITTEN_MEANWHILE, field="toId")
    written = count(tx, "create_referrals", rows=part.rows)
    if written < len(part.rows):  # an end is missing: name it (this rolls the write back)
        _require_pair_ends(tx, batch)
        raise _short(written, part.rows, new)


def _write_introductions(tx: ManagedTransaction, part: Part, new: bool) -> None:
    _require_pair_ends(tx, part.batch)
    run(tx, "upsert_introductions", rows=part.rows)


def _write_reports(tx: ManagedTransaction, part: Part, new: bool) -> None:
    batch: Sequence[MonthlyReport] = part.batch
    require(tx, "missing_families", (r.family_id for r in batch), "familyId", "family")
    require(tx, "missing_helps", (h for r in batch for h in r.help_ids), "helpIds", "help")
    run(tx, "upsert_reports", rows=part.rows)


def _write_actions(tx: ManagedTransaction, part: Part, new: bool) -> None:
    batch: Sequence[Action] = part.batch
    require(tx, "missing_families", (a.family_id for a in batch), "familyId", "family")
    goals = (a.goal_id for a in batch if a.goal_id is not None)
    require(tx, "missing_goals", goals, "goalId", "goal")
    run(tx, "upsert_actions", rows=part.rows)


def _write_verifications(tx: ManagedTransaction, part: Part, new: bool) -> None:
    batch: Sequence[Verification] = part.batch
    require(tx, "missing_reports", (v.report_id for v in batch), "reportId", "report")
    run(tx, "upsert_verifications", rows=part.rows)


_PART_WRITERS: dict[str, PartWriter] = {
    "region": _write_regions,
    "goal": _write_goals,
    "family": _write_families,
    "cohort": _write_cohorts,
    "proposal": _write_proposals,
    "membership": _write_memberships,
    "pursuit": _write_pursuits,
    "help": _write_helps,
    "referral": _write_referrals,
    "introduction": _write_introductions,
    "report": _write_reports,
    "action": _write_actions,
    "verification": _write_verifications,
}


def missing_part_writers(kinds: Sequence[RecordKind] = KINDS) -> list[str]:
    """Registered kinds this store cannot write (a test keeps it empty)."""
    return [kind.name for kind in kinds if kind.name not in _PART_WRITERS]


# helpers --------------------------------------------------------------------------------------
def run(tx: ManagedTransaction, name: str, **params: Any) -> None:
    """Run the write statement ``name`` to completion."""
    tx.run(cypher(name), params).consume()


def count(tx: ManagedTransaction, name: str, **params: Any) -> int:
    """Run the write statement ``name``, which returns ``written``: the rows it wrote (a row
    whose referenced node is missing matches nothing, so it is not counted)."""
    return int(tx.run(cypher(name), params).single(strict=True)["written"])


def _short(written: int, rows: list[Any], new: bool) -> Exception:
    """The error for a statement that wrote fewer rows than given while every reference
    exists: with ``new`` records, a key is stored already (a CONFLICT, as the constraints
    raise it: the create statements skip a stored membership or pursuit); otherwise a bug
    (each row names one key, once)."""
    if new:
        return Conflict(WRITTEN_MEANWHILE, field="id")
    return RuntimeError(f"wrote {written} of {len(rows)} rows, yet every reference exists")


def require(tx: ManagedTransaction, name: str, ids: Iterable[str], field: str, what: str) -> None:
    """Raise :class:`NotFound` (``field``) if any of ``ids`` is missing (query ``name``)."""
    missing = [row["id"] for row in tx.run(cypher(name), ids=sorted(set(ids)))]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise NotFound(f"{what} {missing[0]!r} does not exist{more}", field=field)


def _require_pair_ends(
    tx: ManagedTransaction, batch: Sequence[Helped | Referred | Introduction]
) -> None:
    require(tx, "missing_families", (e.from_id for e in batch), "fromId", "family")
    require(tx, "missing_families", (e.to_id for e in batch), "toId", "family")


def _relationship_rows(batch: Iterable[DomainModel], *, iso_dates: bool = False) -> Rows:
    rows = []
    for model in batch:
        start, end, props = split_relationship(model, iso_dates=iso_dates)
        rows.append({"start": start, "end": end, "props": props})
    return rows


def id_of(model: Any) -> str:
    return str(model.id)


def _last_per_key(items: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """One item per key, the last one given (a batch may repeat a record; the last wins)."""
    return list({key(item): item for item in items}.values())


def unique(ids: Iterable[str]) -> list[str]:
    return sorted(set(ids))
