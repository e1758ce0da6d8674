"""The embedded store's SQL: its schema, its statements, and the checks it runs inside a write.

Every statement is fixed text, built once at import from the registry's constants
(:data:`graph_service.kinds.KINDS`); input only ever reaches SQLite as a bound parameter.
Lists of ids are passed as one JSON array parameter and read with ``json_each``, so a list of
any length is one statement with one parameter.

Each kind's table holds its key columns (its primary key), extra key columns (a help
exchange's endpoints) and ``data``, the record's camelCase JSON. Fields that reads filter on
and that are not key columns (a family's region and matching consent, a membership's status,
a cohort's region) are read with ``json_extract`` and indexed by expression indexes, so files
written before those indexes existed keep working: ``CREATE INDEX IF NOT EXISTS`` adds them
on the next open (once; a few seconds at 100,000 families) and no table changes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic.alias_generators import to_camel

from graph_service.errors import NotFound
from graph_service.kinds import KIND_OF_PART, KINDS, RecordKind, referenced_ids
from graph_service.stores.projection_rows import DATE_FIELDS, ROW_FIELDS
from models import Referred, check_referrals

# ------------------------------------------------------------------ schema
# SQLite DDL (not Cypher) built once from the registry's constant table and column names; no
# input ever reaches it. Values always travel as ``?`` parameters.
CREATE = [
    f"CREATE TABLE IF NOT EXISTS {k.table} "
    f"({', '.join(f'{c} TEXT' for c in (*k.key_fields, *k.extra_columns))}, "
    f"data TEXT NOT NULL, PRIMARY KEY ({', '.join(k.key_fields)}))"
    for k in KINDS
] + [
    "CREATE INDEX IF NOT EXISTS help_from ON help (from_id)",
    "CREATE INDEX IF NOT EXISTS help_to ON help (to_id)",
    "CREATE INDEX IF NOT EXISTS referrals_from ON referrals (from_id)",
    "CREATE INDEX IF NOT EXISTS introductions_from ON introductions (from_id)",
    "CREATE INDEX IF NOT EXISTS introductions_to ON introductions (to_id)",
    "CREATE INDEX IF NOT EXISTS memberships_cohort ON memberships (cohort_id, family_id)",
    "CREATE INDEX IF NOT EXISTS pursuits_goal ON pursuits (goal_id, family_id)",
    "CREATE INDEX IF NOT EXISTS families_region ON families (json_extract(data, '$.regionId'))",
    "CREATE INDEX IF NOT EXISTS cohorts_region ON cohorts (json_extract(data, '$.regionId'))",
    "CREATE INDEX IF NOT EXISTS monthly_reports_family ON monthly_reports (family_id, month)",
    "CREATE INDEX IF NOT EXISTS monthly_reports_month ON monthly_reports (month)",
    "CREATE INDEX IF NOT EXISTS actions_family ON actions (family_id)",
    "CREATE INDEX IF NOT EXISTS verifications_family ON verifications (family_id)",
    "CREATE INDEX IF NOT EXISTS verifications_report ON verifications (report_id)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS change_log (version INTEGER PRIMARY KEY, at TEXT NOT NULL, "
    "body TEXT NOT NULL)",
]

# ------------------------------------------------------------------ writing
UPSERT = {
    k.part: f"INSERT OR REPLACE INTO {k.table} VALUES "  # noqa: S608 - registry constants
    f"({', '.join('?' * (len(k.key_fields) + len(k.extra_columns) + 1))})"
    for k in KINDS
}
# ChangeSet.new_records: a key that is stored already fails (IntegrityError: a CONFLICT).
INSERT = {
    part: statement.replace("INSERT OR REPLACE", "INSERT", 1) for part, statement in UPSERT.items()
}
DELETE_FAMILY = (
    ("DELETE FROM families WHERE id = ?", 1),
    ("DELETE FROM memberships WHERE family_id = ?", 1),
    ("DELETE FROM pursuits WHERE family_id = ?", 1),
    ("DELETE FROM help WHERE from_id = ? OR to_id = ?", 2),
    ("DELETE FROM referrals WHERE to_id = ? OR from_id = ?", 2),
    ("DELETE FROM introductions WHERE from_id = ? OR to_id = ?", 2),
    ("DELETE FROM monthly_reports WHERE family_id = ?", 1),
    ("DELETE FROM actions WHERE family_id = ?", 1),
    ("DELETE FROM verifications WHERE family_id = ?", 1),
)
BUMP_VERSION = (
    "INSERT INTO meta VALUES ('dataVersion', 1) ON CONFLICT(key) DO UPDATE SET value = value + 1 "
    "RETURNING value"
)
DATA_VERSION = "SELECT coalesce((SELECT value FROM meta WHERE key = 'dataVersion'), 0)"
LOG_CHANGE = "INSERT INTO change_log VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?)"
PRUNE_LOG = "DELETE FROM change_log WHERE version <= ?"
CHANGES_SINCE = "SELECT version, body FROM change_log WHERE version > ? ORDER BY version LIMIT ?"
INSTANCE = (
    "INSERT INTO info VALUES ('instanceId', lower(hex(randomblob(16)))) "
    "ON CONFLICT(key) DO UPDATE SET value = value RETURNING value"
)
# The records of a kind keyed by id among a JSON array of ids that do not exist.
_MISSING = {
    k.name: f"SELECT j.value FROM json_each(?) AS j "  # noqa: S608 - registry constants
    f"WHERE NOT EXISTS (SELECT 1 FROM {k.table} AS t WHERE t.id = j.value)"
    for k in KINDS
    if k.key_fields == ("id",)
}
# Stored referrals (to, from) of the given families and of all their referrers up the chain:
# everything the referral rules can look at for a batch of referrals (UNION stops on cycles).
_REFERRERS_UP = (
    "WITH RECURSIVE up(id) AS (SELECT value FROM json_each(?) "
    "UNION SELECT r.from_id FROM referrals AS r JOIN up ON r.to_id = up.id) "
    "SELECT r.to_id, r.from_id FROM referrals AS r JOIN up ON r.to_id = up.id"
)

# ------------------------------------------------------------------ reads
_IDS = "(SELECT value FROM json_each(?))"
SCAN = {
    k.part: f"SELECT data FROM {k.table} ORDER BY {', '.join(k.key_fields)}"  # noqa: S608 - registry constants
    for k in KINDS
}


# Row fields kept nested in the stored JSON (records.py flattens them for Neo4j only).
_NESTED = {
    "consentMatching": "consent.matching",
    "consentCrossRegion": "consent.crossRegion",
    "consentResearch": "consent.research",
}


def _row_value(field: str) -> str:
    value = f"json_extract(data, '$.{_NESTED.get(field, field)}')"
    if field in DATE_FIELDS:  # ISO text -> day ordinal (julianday of 0001-01-01 is 1721425.5)
        return f"CAST(julianday({value}) - 1721424.5 AS INTEGER)"
    return value


# The read model's rows (graph_service/stores/projection_rows.py), lists as JSON text.
ROWS = {
    part: f"SELECT {', '.join(map(_row_value, fields))} FROM {KIND_OF_PART[part].table} "  # noqa: S608 - registry constants
    f"ORDER BY {', '.join(KIND_OF_PART[part].key_fields)}"
    for part, fields in ROW_FIELDS.items()
}
EXISTING_FAMILIES = f"SELECT id FROM families WHERE id IN {_IDS}"  # noqa: S608 - fixed text
GET_FAMILIES = f"SELECT id, data FROM families WHERE id IN {_IDS}"  # noqa: S608 - fixed text
GET_COHORTS = f"SELECT id, data FROM cohorts WHERE id IN {_IDS}"  # noqa: S608 - fixed text
GET_PROPOSALS = f"SELECT id, data FROM proposals WHERE id IN {_IDS}"  # noqa: S608 - fixed text
PROPOSALS_OF_REGION = (
    "SELECT data FROM proposals WHERE json_extract(data, '$.regionId') = ? "
    "ORDER BY json_extract(data, '$.createdAt') DESC, id DESC"
)
LIST_GOALS = "SELECT data FROM goals ORDER BY id"
LIST_REGIONS = "SELECT data FROM regions ORDER BY id"
COHORT_PAGE = (
    "SELECT data FROM cohorts WHERE (:regions IS NULL OR json_extract(data, '$.regionId') IN "
    "(SELECT value FROM json_each(:regions))) AND id > :after ORDER BY id LIMIT :limit"
)
# (owner id, record or NULL) for each existing owner: owners without records come back once.
MEMBERSHIPS_OF_FAMILIES = (
    "SELECT f.id, m.data FROM families AS f LEFT JOIN memberships AS m ON m.family_id = f.id "  # noqa: S608 - fixed text
    f"WHERE f.id IN {_IDS} ORDER BY f.id, m.cohort_id"
)
MEMBERS_OF_COHORTS = (
    "SELECT c.id, m.data FROM cohorts AS c LEFT JOIN memberships AS m ON m.cohort_id = c.id "  # noqa: S608 - fixed text
    f"WHERE c.id IN {_IDS} ORDER BY c.id, m.family_id"
)
PURSUITS_OF = (
    "SELECT f.id, p.data FROM families AS f LEFT JOIN pursuits AS p ON p.family_id = f.id "  # noqa: S608 - fixed text
    f"WHERE f.id IN {_IDS} ORDER BY f.id, p.goal_id"
)
# Help given (by from_id) and received (by to_id), each through its own index.
INTRODUCTIONS_OF = (
    "SELECT from_id, data FROM introductions WHERE from_id IN (SELECT value FROM json_each(:ids)) "
    "UNION ALL SELECT to_id, data FROM introductions "
    "WHERE to_id IN (SELECT value FROM json_each(:ids))"
)
HELP_OF = (
    "SELECT from_id, data FROM help WHERE from_id IN (SELECT value FROM json_each(:ids)) "
    "UNION ALL SELECT to_id, data FROM help WHERE to_id IN (SELECT value FROM json_each(:ids)) "
    "AND from_id <> to_id"
)
REFERRER_OF = f"SELECT to_id, data FROM referrals WHERE to_id IN {_IDS}"  # noqa: S608 - fixed text
# Referrals below :root with their depth (1: referred by the root), at most :max_depth deep
# (NULL: any depth). A chain is never longer than the number of referrals (a guard against a
# file whose referrals were made cyclic outside the service).
REFERRAL_SUBTREE = (
    "WITH RECURSIVE below(id, depth) AS (SELECT :root, 0 "
    "UNION ALL SELECT r.to_id, b.depth + 1 FROM referrals AS r JOIN below AS b "
    "ON r.from_id = b.id WHERE (:max_depth IS NULL OR b.depth < :max_depth) "
    "AND b.depth < (SELECT count(*) FROM referrals)) "
    "SELECT r.data, b.depth FROM below AS b JOIN referrals AS r ON r.to_id = b.id "
    "WHERE b.depth > 0"
)
# Families one tie away from any of a JSON array of ids: help or referral either way, or an
# active membership of a cohort in which the other family is an active member too.
NEIGHBOURS = (
    "WITH frontier(id) AS (SELECT value FROM json_each(?)) "
    "SELECT to_id FROM help WHERE from_id IN frontier "
    "UNION SELECT from_id FROM help WHERE to_id IN frontier "
    "UNION SELECT to_id FROM referrals WHERE from_id IN frontier "
    "UNION SELECT from_id FROM referrals WHERE to_id IN frontier "
    "UNION SELECT o.family_id FROM memberships AS m CROSS JOIN memberships AS o "
    "ON o.cohort_id = m.cohort_id WHERE m.family_id IN frontier "
    "AND json_extract(m.data, '$.status') = 'active' "
    "AND json_extract(o.data, '$.status') = 'active'"
)
COUNTS = (
    "SELECT (SELECT count(*) FROM families), (SELECT count(*) FROM cohorts), "
    "(SELECT count(*) FROM goals), (SELECT count(*) FROM regions), "
    "(SELECT count(*) FROM memberships), (SELECT count(*) FROM pursuits), "
    "(SELECT count(*) FROM help), (SELECT count(*) FROM referrals), "
    "(SELECT count(*) FROM proposals), "
    "(SELECT count(*) FROM introductions), "
    "(SELECT count(*) FROM monthly_reports), (SELECT count(*) FROM actions), "
    "(SELECT count(*) FROM verifications)"
)
COUNT_KEYS = (
    *("Family", "Cohort", "Goal", "Region", "MEMBER_OF", "PURSUES", "HELPED", "REFERRED"),
    "CohortProposal",
    "INTRODUCTION",
    *("MonthlyReport", "Action", "Verification"),
)

# The journal: each family-owned kind's records of some families, in key order; reports of a
# span of months (the payout and the verification queue read a quarter at a time).
JOURNAL_OF = {
    k.part: f"SELECT family_id, data FROM {k.table} "  # noqa: S608 - registry constants
    f"WHERE family_id IN {_IDS} ORDER BY family_id, id"
    for k in KINDS
    if not k.projected
}
REPORTS_BETWEEN = (
    "SELECT data FROM monthly_reports WHERE month >= :first AND month <= :last "
    "ORDER BY family_id, month, id"
)

# Family pages and counts. Each filter is a condition that holds when its parameter is NULL;
# the statement is driven by the most selective filter given (the rows of one cohort, or of
# one goal, come in family-id order from their index).
_FAMILY_CONDITIONS = " AND ".join(
    (
        "(:regions IS NULL OR json_extract(f.data, '$.regionId') IN "
        "(SELECT value FROM json_each(:regions)))",
        "(:goal IS NULL OR f.id IN (SELECT family_id FROM pursuits WHERE goal_id = :goal))",
        "(:cohort IS NULL OR f.id IN (SELECT family_id FROM memberships AS a "
        "WHERE a.cohort_id = :cohort AND json_extract(a.data, '$.status') = 'active'))",
        "(:consent IS NULL OR json_extract(f.data, '$.consent.matching') = :consent)",
    )
)
_FAMILY_DRIVERS = {
    "cohort": (
        "FROM memberships AS d CROSS JOIN families AS f ON f.id = d.family_id "
        "WHERE d.cohort_id = :cohort AND json_extract(d.data, '$.status') = 'active'",
        "d.family_id",
    ),
    "goal": (
        "FROM pursuits AS d CROSS JOIN families AS f ON f.id = d.family_id WHERE d.goal_id = :goal",
        "d.family_id",
    ),
    "region": (
        "FROM families AS f WHERE json_extract(f.data, '$.regionId') IN "
        "(SELECT value FROM json_each(:regions))",
        "f.id",
    ),
    "all": ("FROM families AS f WHERE 1", "f.id"),
}
FAMILY_PAGE = {
    name: f"SELECT f.data {driver} AND {_FAMILY_CONDITIONS} "
    f"AND {key} > :after ORDER BY {key} LIMIT :limit"
    for name, (driver, key) in _FAMILY_DRIVERS.items()
}
COUNT_FAMILIES = {
    name: f"SELECT count(*) {driver} AND {_FAMILY_CONDITIONS}"
    for name, (driver, _) in _FAMILY_DRIVERS.items()
}


def ids_param(ids: Iterable[str]) -> str:
    """A list of ids as the one JSON-array parameter that ``json_each`` reads."""
    return json.dumps(list(dict.fromkeys(ids)))


# ------------------------------------------------------------------ checks inside a write
def require_references(conn: sqlite3.Connection, kind: RecordKind, records: Sequence[Any]) -> None:
    """Raise :class:`NotFound` (naming the field) for the first record of ``records`` that
    refers to a node missing from the tables as they stand in this transaction (which hold
    the earlier parts of the change set being written, and not the families it deletes)."""
    for field_name, target in kind.references:
        wanted = [value for r in records for value in referenced_ids(kind, field_name, r)]
        missing = {row[0] for row in conn.execute(_MISSING[target], (ids_param(wanted),))}
        for value in wanted:
            if value in missing:
                raise NotFound(f"{target} {value!r} does not exist", field=to_camel(field_name))


def check_referral_rules(conn: sqlite3.Connection, referrals: Sequence[Any]) -> None:
    """The referral rules (one referrer, no cycle) for ``referrals`` against the stored
    referrals that can matter: those of the batch's families and of their referrers."""
    ends = [f for r in referrals for f in (r.from_id, r.to_id)]
    stored = dict(conn.execute(_REFERRERS_UP, (ids_param(ends),)).fetchall())
    check_referrals(stored, referrals)


def breadth_first(root_id: str, levels: dict[int, list[Referred]]) -> list[Referred]:
    """Referral edges level by level; within a level by the rank of the referrer in the
    levels before, then by referred id (the order both stores return)."""
    rank = {root_id: 0}
    ordered: list[Referred] = []
    for depth in sorted(levels):
        for edge in sorted(levels[depth], key=lambda e: (rank[e.from_id], e.to_id)):
            rank[edge.to_id] = len(rank)
            ordered.append(edge)
    return ordered
