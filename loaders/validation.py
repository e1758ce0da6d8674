"""The validate pass of an import: every row, reference, duplicate and store conflict.

:class:`Checker` sees the rows of a folder once, a batch at a time, in import order (nodes
before relationships), and decides for each row: write it, skip it (the same record is
already in the store, or earlier in the input) or reject it with its problems. It keeps no
records, only what later rows are checked against: per type, each accepted key (an id, or the
pair of ids of a membership or pursuit) with a 64-bit fingerprint of its content and where it
was first seen, and the referrer of each family. What the store holds is read with the
:class:`GraphStore` read methods, a batch at a time.

Rules:

- a reference (``regionId``, ``familyId``, ``cohortId``, ``goalId``, ``invitedBy``,
  ``fromId``/``toId``, ``focusGoals``) names a node accepted earlier in the input or stored;
- the same key twice in the input: the identical record is written once, a different one is
  rejected (naming the first occurrence);
- a key the store already holds: the identical record is skipped (re-importing is a no-op),
  a different one is a ``CONFLICT`` unless ``update`` is set (then it replaces the stored one);
- a family has at most one referrer and referrals form no cycle (a different referrer is
  refused even with ``update``: the store keeps the first).

A batch arrives parsed (:class:`Parsed`: each valid row as its model's encoded values,
:mod:`loaders.spool`, from a parse worker or :func:`parse_rows` here). Most batches break no
rule: when a batch's keys are unique and none was accepted before, every node it names exists,
and each key the store holds (read a batch at a time, as row by row) holds the identical
record, the verdict is reached on those values with set operations and without building a
model (:meth:`Checker._on_values`): the stored records are skipped, the others written (at
100,000 families building the models was a third of the pass's time in the importing
process). Any other batch is decided row by row (:meth:`Checker._check_each`), with the same
verdict on a batch the first path decides (``tests/loaders/test_validation.py`` compares the
two on mutated inputs).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph_service.stores.base import FamilyFilter, GraphStore
from loaders.formats import SPECS, RawRow, TypeSpec
from loaders.spool import (
    Values,
    build_models,
    content,
    dump_values,
    encode_values,
    field_names,
)
from models import (
    Cohort,
    DomainModel,
    Family,
    FieldProblem,
    Helped,
    MemberOf,
    Pursues,
    Referred,
    ValidationFailed,
    parse,
)

CONFLICT = "CONFLICT"
_MASK64 = (1 << 64) - 1
_SCAN_PAGE = 1000  # families per read when collecting the stored help ids


# The fields (attributes) that make a record's key within its type; else ``id``.
_KEY_ATTRS: dict[type[DomainModel], tuple[str, ...]] = {
    MemberOf: ("family_id", "cohort_id"),
    Pursues: ("family_id", "goal_id"),
    Referred: ("to_id",),  # a family has one referrer
}
# (field, attribute, kind of node) of every node a record type names; a tuple-valued
# attribute names one node per item, a None one none.
_REFERENCES: dict[type[DomainModel], tuple[tuple[str, str, str], ...]] = {
    Family: (("regionId", "region_id", "region"),),
    Cohort: (("regionId", "region_id", "region"), ("focusGoals", "focus_goals", "goal")),
    MemberOf: (
        ("familyId", "family_id", "family"),
        ("cohortId", "cohort_id", "cohort"),
        ("invitedBy", "invited_by", "family"),
    ),
    Pursues: (("familyId", "family_id", "family"), ("goalId", "goal_id", "goal")),
    Helped: (("fromId", "from_id", "family"), ("toId", "to_id", "family")),
    Referred: (("fromId", "from_id", "family"), ("toId", "to_id", "family")),
}
_LISTED = {"focus_goals"}  # the tuple-valued references


def key_of(model: DomainModel) -> str:
    """The identity of a record within its type (what the stores ``MERGE`` on): its id, the
    pair of ids of a membership or pursuit (ids never contain a space), a referral's toId.

    >>> key_of(MemberOf(family_id="a", cohort_id="c1", since="2025-01-01"))
    'a c1'
    """
    return " ".join(str(getattr(model, a)) for a in _KEY_ATTRS.get(type(model), ("id",)))


def _keys_of_values(model: type[DomainModel], rows: Sequence[Values]) -> list[str]:
    """:func:`key_of` of each record given as its encoded values (:mod:`loaders.spool`)."""
    names = field_names(model)
    at = [names.index(a) for a in _KEY_ATTRS.get(model, ("id",))]
    if len(at) == 1:
        (i,) = at
        return [str(r[i]) for r in rows]
    i, j = at
    return [f"{r[i]} {r[j]}" for r in rows]


# The count (GraphStore.counts()) that says whether the store holds records of a type at all.
_COUNTED_AS = {
    "family": "Family",
    "cohort": "Cohort",
    "membership": "MEMBER_OF",
    "pursuit": "PURSUES",
    "referral": "REFERRED",
}
KEY_FIELD = {"membership": "cohortId", "pursuit": "goalId", "referral": "toId"}  # else "id"


def fingerprint(model: DomainModel) -> int:
    """A 64-bit hash of a record's content (its field values, whichever were given), stable
    within one process (not across runs or processes)."""
    return fingerprint_of_values(type(model), encode_values([model])[0])


def fingerprint_of_values(model: type[DomainModel], values: Values) -> int:
    """:func:`fingerprint` of a record given as its encoded values."""
    return hash(content(model, values)) & _MASK64


def _references(model: DomainModel) -> list[tuple[str, str, str]]:
    """(field, id, kind of node) of every node a record names."""
    refs: list[tuple[str, str, str]] = []
    for name, attr, kind in _REFERENCES.get(type(model), ()):
        value = getattr(model, attr)
        if attr in _LISTED:
            refs.extend((name, v, kind) for v in value)
        elif value is not None:
            refs.append((name, value, kind))
    return refs


def _referenced(model: type[DomainModel], rows: Sequence[Values]) -> dict[str, set[str]]:
    """Every node id the records (as encoded values) name, by kind of node."""
    names = field_names(model)
    out: dict[str, set[str]] = {}
    for _, attr, kind in _REFERENCES.get(model, ()):
        i = names.index(attr)
        found = out.setdefault(kind, set())
        if attr in _LISTED:
            for r in rows:
                found.update(r[i])
        else:
            found.update(r[i] for r in rows if r[i] is not None)
    return out


@dataclass(frozen=True)
class Rejected:
    """A row and everything wrong with it; ``code`` is ``CONFLICT`` for store conflicts."""

    row: RawRow
    problems: list[FieldProblem]
    code: str = "BAD_USER_INPUT"


@dataclass
class Parsed:
    """One batch of rows parsed (:func:`parse_rows`): the rows whose record is a valid model,
    as (file, line) with the model's encoded values (:mod:`loaders.spool`), and the rows
    rejected, each with its problems. The models are built from the values when first asked
    for: a batch decided on its values goes to the spool without them."""

    rows: int  # rows in the batch
    model: type[DomainModel]  # the record type of the batch
    places: list[tuple[str, int]] = field(default_factory=list)
    values: list[Values] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    # The record of each parsed row, for the rejected rows' report; None when none is kept
    # (no report is written: the rows then carry an empty record).
    records: list[dict[str, Any]] | None = None
    known_encoded: bytes | None = None  # ``values`` as loaders.spool.dump_values wrote them
    known_models: list[DomainModel] | None = None

    @property
    def models(self) -> list[DomainModel]:
        if self.known_models is None:
            self.known_models = build_models(self.model, self.values)
        return self.known_models

    @property
    def encoded(self) -> bytes:
        if self.known_encoded is None:
            self.known_encoded = dump_values(self.model, self.values)
        return self.known_encoded


def parse_rows(spec: TypeSpec, batch: Sequence[RawRow], *, keep_records: bool = True) -> Parsed:
    """Parse every row of ``batch`` (rows of type ``spec``) into its model. Depends on no
    state but the vocabulary, so a parse worker process may run it (:mod:`loaders.parse_workers`)."""
    out = Parsed(len(batch), spec.model, records=[] if keep_records else None)
    model = spec.model
    models: list[DomainModel] = []
    for row in batch:
        if row.record is None:
            out.rejected.append(
                Rejected(row, list(row.problems) or [FieldProblem("(line)", row.problem)])
            )
            continue
        try:
            models.append(parse(model, row.record))
        except ValidationFailed as error:
            out.rejected.append(Rejected(row, error.problems))
            continue
        out.places.append((row.file, row.line))
        if out.records is not None:
            out.records.append(row.record)
    out.known_models = models
    out.values = encode_values(models)
    return out


@dataclass
class Checked:
    """The verdict on one batch: the rows to write (their (file, line) and models, in file
    order), the rows rejected, and the counts of the rows skipped or replacing stored ones."""

    places: list[tuple[str, int]] = field(default_factory=list)
    chosen: list[DomainModel] = field(default_factory=list)  # unless ``written``
    rejected: list[Rejected] = field(default_factory=list)
    unchanged: int = 0  # already stored, or earlier in the input, identical
    updated: int = 0  # stored with different content, replaced (``update``)
    # The records to write as parsed values (the batch, or its rows not skipped), when the
    # verdict was reached on them (or every parsed record is written); else ``chosen``.
    written: Parsed | None = None

    @property
    def models(self) -> list[DomainModel]:
        return self.written.models if self.written is not None else self.chosen


class Checker:
    """Checks the batches of one import in order; see the module docstring."""

    def __init__(self, store: GraphStore, *, update: bool = False, fast: bool = True) -> None:
        self.store = store
        self.update = update
        self.fast = fast  # decide clean batches on their values (False: row by row, for tests)
        self.accepted: dict[str, dict[str, int]] = {}  # type -> key -> fingerprint|file|line
        self.files: list[str] = []
        self._file_index: dict[str, int] = {}
        self.stored_ids: dict[str, set[str]] = {"family": set(), "cohort": set()}
        self.regions = {r.id: r for r in store.list_regions()}
        self.goals = {g.id: g for g in store.list_goals()}
        self.referrer: dict[str, str] = {}  # family -> referrer, accepted or stored
        self._stored_help: dict[str, int] | None = None
        self._held: dict[str, int] = {}  # store.counts() when the current type's check began
        self._held_for: str | None = None
        for spec in SPECS:
            self.accepted[spec.name] = {}
        self._sources: dict[str, tuple[Collection[str], Collection[str]]] = {
            "region": (self.accepted["region"], self.regions),
            "goal": (self.accepted["goal"], self.goals),
            "family": (self.accepted["family"], self.stored_ids["family"]),
            "cohort": (self.accepted["cohort"], self.stored_ids["cohort"]),
        }

    # ------------------------------------------------------------------------ bookkeeping
    def _pack(self, fp: int, file: str, line: int) -> int:
        index = self._file_index.get(file)
        if index is None:
            index = self._file_index[file] = len(self.files)
            self.files.append(file)
        return fp << 48 | index << 32 | line

    def _where(self, packed: int) -> tuple[int, str]:
        return packed >> 48, f"{self.files[(packed >> 32) & 0xFFFF]}:{packed & 0xFFFFFFFF}"

    def _exists(self, kind: str, value: str) -> bool:
        accepted, stored = self._sources[kind]
        return value in accepted or value in stored

    # ------------------------------------------------------------------------ store reads
    def _holds(self, spec: TypeSpec, kind: str) -> bool:
        """Whether the store held any ``kind`` (a count key: ``Family``, ``MEMBER_OF``...)
        when the check of ``spec``'s rows began (read once per type). A store that holds none
        has nothing to compare against: the reads are skipped (a record written meanwhile by
        someone else is found by the write: see ``ChangeSet.new_records``)."""
        if self._held_for != spec.name:
            self._held, self._held_for = self.store.counts(), spec.name
        return self._held.get(kind, 0) > 0

    def _look_up_references(self, spec: TypeSpec, referenced: dict[str, set[str]]) -> None:
        """Read from the store which of the families and cohorts ``referenced`` names (by
        kind of node) and neither the input nor an earlier read has shown to exist."""
        for kind, count in (("family", "Family"), ("cohort", "Cohort")):
            accepted, stored = self._sources[kind]
            wanted = referenced.get(kind, set()).difference(accepted).difference(stored)
            if wanted and self._holds(spec, count):
                read = self.store.get_families if kind == "family" else self.store.get_cohorts
                self.stored_ids[kind].update(read(sorted(wanted)))

    def _stored(
        self, spec: TypeSpec, parsed: Parsed, model_keys: Sequence[str]
    ) -> dict[str, DomainModel]:
        """The stored records under the keys of ``parsed``'s records (help: see
        :meth:`_help_ids`)."""
        keys = sorted(set(model_keys))
        found: dict[str, Any]
        if spec.name in _COUNTED_AS and not self._holds(spec, _COUNTED_AS[spec.name]):
            found = {}  # the store holds none of this type
        elif spec.name == "region":
            found = {k: self.regions[k] for k in keys if k in self.regions}
        elif spec.name == "goal":
            found = {k: self.goals[k] for k in keys if k in self.goals}
        elif spec.name == "family":
            found = self.store.get_families(keys)
        elif spec.name == "cohort":
            found = self.store.get_cohorts(keys)
        elif spec.name in ("membership", "pursuit"):
            at = field_names(spec.model).index("family_id")
            families = sorted({values[at] for values in parsed.values})
            read = (
                self.store.memberships_of_families
                if spec.name == "membership"
                else self.store.pursuits_of
            )
            found = {key_of(r): r for rs in read(families).values() for r in rs}
        elif spec.name == "referral":
            referrals = parsed.models
            ends = {e for m in referrals if isinstance(m, Referred) for e in (m.from_id, m.to_id)}
            stored = self.store.referrer_of(sorted(ends - set(self.referrer)))
            for family, referral in stored.items():
                self.referrer.setdefault(family, referral.from_id)
            found = stored
        else:
            found = {}
        return dict(found)

    def _help_ids(self) -> dict[str, int]:
        """Fingerprint of every stored help exchange by id (read once, only if any exist)."""
        if self._stored_help is None:
            self._stored_help = {}
            if self.store.counts().get("HELPED", 0):
                for families in self._stored_family_pages():
                    for helps in self.store.help_of(families).values():
                        self._stored_help.update((h.id, fingerprint(h)) for h in helps)
        return self._stored_help

    def _stored_family_pages(self) -> Iterator[list[str]]:
        after: str | None = None
        while True:
            page = self.store.list_families(FamilyFilter(), after=after, limit=_SCAN_PAGE)
            ids = [f.id for f in page.families]
            if ids:
                yield ids
            if not ids or not page.has_next:
                return
            after = ids[-1]

    # ------------------------------------------------------------------------ the check
    def check(self, spec: TypeSpec, batch: Sequence[RawRow]) -> Checked:
        """Decide every row of ``batch`` (rows of type ``spec``, in file order)."""
        return self.check_parsed(spec, parse_rows(spec, batch))

    def check_parsed(self, spec: TypeSpec, parsed: Parsed) -> Checked:
        """Decide every row of a parsed batch (:func:`parse_rows`, here or on a worker);
        the batches of an import come in file order."""
        if self.fast:
            checked = self._on_values(spec, parsed)
            if checked is not None:
                return checked
        return self._check_each(spec, parsed)

    def _on_values(self, spec: TypeSpec, parsed: Parsed) -> Checked | None:
        """The verdict on a batch whose parsed records are unique, not earlier in the input,
        name nodes that exist and are new or stored identical (the common case of a first
        import, or of one run again), decided on the encoded values with set operations and
        no model built: the stored ones are skipped, the others written. Otherwise each row
        is decided (:meth:`_check_each`, with the store's records when already read; None:
        not read yet)."""
        name, model = spec.name, spec.model
        if name in ("region", "goal", "referral"):
            return None  # few rows, or a check per row (a referral's cycle)
        keys = _keys_of_values(model, parsed.values)
        unique = set(keys)
        accepted = self.accepted[name]
        if len(unique) != len(keys) or len(unique.difference(accepted)) != len(unique):
            return None  # a duplicate within the batch or of an earlier one
        stored: dict[str, DomainModel] = {}
        if name == "help":
            stored_fps = self._help_ids()
            hits = [k for k in keys if k in stored_fps]
        else:
            stored = self._stored(spec, parsed, keys)
            hits = [k for k in stored if k in unique]
            stored_fps = {k: fingerprint(stored[k]) for k in hits}
        fps = [fingerprint_of_values(model, values) for values in parsed.values]
        skip: set[int] = set()
        if hits:
            at = {k: i for i, k in enumerate(keys)}
            skip = {at[k] for k in hits}
            if any(stored_fps[keys[i]] != fps[i] for i in skip):
                return self._check_each(spec, parsed, stored)  # differs from the stored one
        referenced = _referenced(model, parsed.values)
        self._look_up_references(spec, referenced)
        for kind, ids in referenced.items():
            known, held = self._sources[kind]
            if ids.difference(known).difference(held):  # names a missing node
                return self._check_each(spec, parsed, stored, references_read=True)
        pack = self._pack
        accepted.update(
            (key, pack(fp, file, line))
            for key, fp, (file, line) in zip(keys, fps, parsed.places, strict=True)
        )
        written = parsed
        if skip:
            kept = [i for i in range(len(keys)) if i not in skip]
            written = Parsed(
                parsed.rows,
                model,
                [parsed.places[i] for i in kept],
                [parsed.values[i] for i in kept],
            )
        rejected = sorted(parsed.rejected, key=lambda r: r.row.line)
        return Checked(
            places=list(written.places), rejected=rejected, unchanged=len(skip), written=written
        )

    def _check_each(
        self,
        spec: TypeSpec,
        parsed: Parsed,
        stored: dict[str, DomainModel] | None = None,
        *,
        references_read: bool = False,
    ) -> Checked:
        """Decide each row of a parsed batch in turn (the reference path). ``stored``: the
        stored records under its keys, when already read; ``references_read``: the nodes it
        names were already looked up in the store (:meth:`_on_values`)."""
        out = Checked(rejected=list(parsed.rejected))
        models = parsed.models
        records = parsed.records

        def row(i: int) -> RawRow:
            file, line = parsed.places[i]
            return RawRow(spec.name, file, line, records[i] if records is not None else {})

        keys = [key_of(m) for m in models]
        references = [_references(m) for m in models]
        if not references_read:
            self._look_up_references(spec, _referenced(spec.model, parsed.values))
        if stored is None:
            stored = self._stored(spec, parsed, keys)
        stored_help = self._help_ids() if spec.name == "help" and models else {}
        accepted = self.accepted[spec.name]
        exists = self._exists
        for i, (model, key, refs) in enumerate(zip(models, keys, references, strict=True)):
            if not all(exists(kind, value) for _, value, kind in refs):
                problems = [
                    FieldProblem(name, f"{kind} {value!r} does not exist")
                    for name, value, kind in refs
                    if not exists(kind, value)
                ]
                out.rejected.append(Rejected(row(i), problems))
                continue
            fp = fingerprint_of_values(spec.model, parsed.values[i])
            earlier = accepted.get(key)
            if earlier is not None:
                self._duplicate(spec, row(i), model, key, fp, earlier, out)
                continue
            if isinstance(model, Referred) and (problem := self._referral_problem(model)):
                out.rejected.append(Rejected(row(i), [problem]))
                continue
            verdict = self._against_store(spec, model, key, fp, stored, stored_help)
            if isinstance(verdict, FieldProblem):
                out.rejected.append(Rejected(row(i), [verdict], CONFLICT))
                continue
            accepted[key] = self._pack(fp, *parsed.places[i])
            if isinstance(model, Referred):
                self.referrer[model.to_id] = model.from_id
            if verdict == "unchanged":
                out.unchanged += 1
            else:
                out.updated += verdict == "updated"
                out.places.append(parsed.places[i])
                out.chosen.append(model)
        if len(out.chosen) == len(models):
            out.written, out.chosen = parsed, []
        out.rejected.sort(key=lambda r: r.row.line)
        return out

    def _duplicate(
        self,
        spec: TypeSpec,
        row: RawRow,
        model: DomainModel,
        key: str,
        fp: int,
        earlier: int,
        out: Checked,
    ) -> None:
        first_fp, where = self._where(earlier)
        if first_fp == fp:
            out.unchanged += 1  # the identical record again: written once
            return
        name = KEY_FIELD.get(spec.name, "id")
        if isinstance(model, Referred) and self.referrer.get(key) != model.from_id:
            reason = f"family {key!r} already has referrer {self.referrer.get(key)!r} ({where})"
        else:
            reason = f"{spec.name} {key!r} is also on {where}, with different content"
        out.rejected.append(Rejected(row, [FieldProblem(name, reason)]))

    def _referral_problem(self, referral: Referred) -> FieldProblem | None:
        """A second referrer (stored) or a cycle through known referrals. The stores check
        again on write."""
        current = self.referrer.get(referral.to_id)
        if current is not None and current != referral.from_id:
            return FieldProblem(
                "toId", f"family {referral.to_id!r} already has referrer {current!r}"
            )
        node: str | None = referral.from_id
        seen: set[str] = set()
        while node is not None and node not in seen:
            if node == referral.to_id:
                return FieldProblem("toId", "would close a referral cycle")
            seen.add(node)
            node = self.referrer.get(node)
        return None

    def _against_store(
        self,
        spec: TypeSpec,
        model: DomainModel,
        key: str,
        fp: int,
        stored: dict[str, DomainModel],
        stored_help: dict[str, int],
    ) -> str | FieldProblem:
        """Whether the record is "new", "unchanged" or "updated", or its conflict."""
        if spec.name == "help":
            if key not in stored_help:
                return "new"
            if stored_help[key] == fp:
                return "unchanged"
            differs = "a different help exchange"
        else:
            existing = stored.get(key)
            if existing is None:
                return "new"
            if fingerprint(existing) == fp:
                return "unchanged"
            fields = [
                info.alias or name
                for name, info in type(model).model_fields.items()
                if getattr(model, name) != getattr(existing, name)
            ]
            if isinstance(model, Referred) and "fromId" in fields:
                return FieldProblem("toId", f"family {key!r} already has a different referrer")
            differs = f"a {spec.name} that differs in {', '.join(fields)}"
        if self.update:
            return "updated"
        reason = f"the store holds {differs} under {key!r}; pass --update to replace it"
        return FieldProblem(KEY_FIELD.get(spec.name, "id"), reason)
