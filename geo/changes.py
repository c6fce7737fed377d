"""What changed between two data versions: records added, changed or removed (pure, no I/O).

A record's fingerprint covers every value the dashboard shows or filters on: its cells (the lists, periods and
status of a record follow from them) and, for a record whose history comes from other files as well, the inputs of
its timeline (its status rows with their events, its activations, its successor). Derived drawing helpers are not
covered, so a re-simplified outline marks nothing, while a changed activation marks its coordination point.

Fingerprints are computed a column at a time (64-bit hashes of each record's row of text), once per read of a file:
the digests of an unchanged file are kept with its table. ``VersionLog`` remembers what changed over time with
memory in proportion to the changes, not to versions × records: the current version in full, and for each earlier
version only the records that differed from the next one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.access import rank
from geo.catalog import Catalog
from geo.schema import INSTRUMENT_BY_KEY

BLOCK = 8192  # rows hashed at a time: the texts handed to the hash stay a few megabytes
# Derived columns that only help drawing or searching; they follow from the fingerprinted ones.
NOT_FINGERPRINTED = frozenset({"geometry", "located", "start_first", "end_last", "regions", "spans"})


@dataclass(frozen=True)
class Entry:
    """What a diff needs of one record: its digest, its name and instrument, and where the catalog lists it."""

    digest: int
    name: str
    instrument: str
    order: tuple = ()  # (instrument number, start, id): catalog order, to list removed records as they were listed
    sensitivity: str = "public"  # who may hear of it: a change is listed only to viewers cleared for the record


Fingerprints = Mapping[str, Entry]


class Prints(Mapping[str, Entry]):
    """The fingerprints of one version, as columns in catalog order (a mapping id -> Entry)."""

    def __init__(self, ids: list[str], digests: np.ndarray, names: list[str], instruments: list[str], starts: list,
                 sensitivities: list[str] | None = None) -> None:
        self.ids, self.digests, self.names, self.instruments, self.starts = ids, digests, names, instruments, starts
        self.sensitivities = sensitivities if sensitivities is not None else ["public"] * len(ids)
        self._at = {rid: k for k, rid in enumerate(ids)}

    def __getitem__(self, rid: str) -> Entry:
        k = self._at[rid]
        return Entry(int(self.digests[k]), self.names[k], self.instruments[k], _order(self.instruments[k], self.starts[k], rid),
                     self.sensitivities[k])

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, rid: object) -> bool:
        return rid in self._at


def _order(instrument: str, start: dt.date | None, rid: str) -> tuple:
    order = list(INSTRUMENT_BY_KEY)
    return (order.index(instrument) if instrument in order else len(order), start.toordinal() if start else 0, rid)


def _row_hashes(cells: pa.Table) -> np.ndarray:
    """A 64-bit hash of each row's cells (column names included)."""
    names = pd.util.hash_array(np.array(["\x1f".join(cells.column_names)], dtype=object))[0]
    out = []
    for first in range(0, cells.num_rows, BLOCK):
        block = cells.slice(first, BLOCK)
        joined = pc.binary_join_element_wise(*block.columns, pa.scalar("\x1f", block.schema.types[0] if block.num_columns else pa.string()))
        out.append(pd.util.hash_array(np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object), categorize=False))
    hashes = np.concatenate(out) if out else np.zeros(0, np.uint64)
    with np.errstate(over="ignore"):
        return hashes * np.uint64(0x9E3779B97F4A7C15) + names


def fingerprints(catalog: Catalog) -> Prints:
    """Record id -> fingerprint of everything shown about it."""
    rec = catalog.records
    # The text cells; lists, periods and status of a record follow from them (and from ``inputs``, below).
    text = [c for c in rec.columns if isinstance(rec[c].dtype, pd.StringDtype) and c not in NOT_FINGERPRINTED]
    table = pa.Table.from_pandas(rec[text], preserve_index=False)
    digests = _row_hashes(table)
    inputs = catalog.inputs
    extra = set(inputs.changes) | set(inputs.activations) | set(inputs.successors)
    ids = rec["id"].tolist()
    if extra:  # records whose timeline reads other files: their history rows, activations, successor, periods
        for k in [k for k, rid in enumerate(ids) if rid in extra]:
            rid = ids[k]
            about = repr((inputs.changes.get(rid), inputs.activations.get(rid), inputs.successors.get(rid), rec["periods"].iat[k]))
            with np.errstate(over="ignore"):
                digests[k] = digests[k] * np.uint64(31) + pd.util.hash_array(np.array([about], dtype=object))[0]
    marks = rec["sensitivity"].fillna("").astype(str).tolist() if "sensitivity" in rec else None
    return Prints(ids, digests, rec["name"].tolist(), rec["instrument"].tolist(), rec["start_first"].tolist(), marks)


@dataclass(frozen=True)
class Changes:
    """Record ids added and changed (present now), and records removed (id -> name, gone now)."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[tuple[str, str, str], ...] = ()  # (id, name, instrument)

    @property
    def present(self) -> tuple[str, ...]:
        """Ids of added and changed records: the ones that can be highlighted on the map."""
        return self.added + self.changed

    def __len__(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)

    def only(self, ids: set[str]) -> Changes:
        """The part of these changes that concerns the given ids."""
        return Changes(tuple(i for i in self.added if i in ids), tuple(i for i in self.changed if i in ids),
                       tuple(r for r in self.removed if r[0] in ids))


def diff(old: Fingerprints, new: Fingerprints) -> Changes:
    """Changes from ``old`` to ``new`` (ids in a stable order: as listed in ``new``, then ``old``)."""
    if isinstance(old, Prints) and isinstance(new, Prints):
        at = np.array([old._at.get(rid, -1) for rid in new.ids], dtype=np.int64)
        present = at >= 0
        differs = present.copy()
        differs[present] = new.digests[present] != old.digests[at[present]]
        ids = np.array(new.ids, dtype=object)
        gone = set(old.ids) - set(new.ids) if len(old) != int(present.sum()) else set()
        return Changes(tuple(ids[~present].tolist()), tuple(ids[differs].tolist()),
                       tuple((i, old.names[old._at[i]], old.instruments[old._at[i]]) for i in old.ids if i in gone))
    added = tuple(i for i in new if i not in old)
    changed = tuple(i for i in new if i in old and old[i].digest != new[i].digest)
    removed = tuple((i, e.name, e.instrument) for i, e in old.items() if i not in new)
    return Changes(added, changed, removed)


@dataclass
class _Step:
    at: dt.datetime
    version: str
    before: dict[str, Entry | None]  # the records that differ from the version before: as they were then (None: absent)


@dataclass
class VersionLog:
    """The good versions a process has served, for "what changed since …?", in memory proportional to the changes."""

    limit: int = 500  # versions remembered (a version a minute is eight hours)
    current: Prints | None = None
    steps: list[_Step] = field(default_factory=list)

    @property
    def version(self) -> str | None:
        return self.steps[-1].version if self.steps else None

    def remember(self, at: dt.datetime, version: str, prints: Prints) -> None:
        """Note a version as served from ``at`` on (nothing if it is the current one)."""
        if version == self.version:
            return
        before: dict[str, Entry | None] = {}
        if self.current is not None:
            changes = diff(self.current, prints)
            before = dict.fromkeys(changes.added) | {i: self.current[i] for i in changes.changed} | {i: self.current[i] for i, _, _ in changes.removed}
        self.steps.append(_Step(at, version, before))
        self.current = prints
        del self.steps[: -self.limit]

    def changes_since(self, version: str, since: dt.datetime, clearance: str | None = None) -> tuple[Changes, dt.datetime]:
        """What changed from the version served at ``since`` to ``version`` (the current one), and the time the
        comparison starts from (later than ``since`` when no version that old is remembered).

        With a ``clearance``, only what a viewer of it may hear of (``geo.access.rank``): a record counts as
        present in a version only if it was at or below the clearance then, so a record raised above it reads as
        removed, one lowered into it as added, and nothing about a record above it in both is listed."""
        if self.current is None or version != self.version:
            return Changes(), since
        older = [k for k, s in enumerate(self.steps) if s.at <= since]
        base = older[-1] if older else 0
        then: dict[str, Entry | None] = {}
        for step in self.steps[base + 1:]:
            for rid, entry in step.before.items():
                then.setdefault(rid, entry)  # the first change after the base says how it was at the base
        now = self.current
        seen = _seen(clearance)
        current = {rid: now[rid] for rid in then if rid in now}
        current = {rid: e for rid, e in current.items() if seen(e)}
        then = {rid: e if e is not None and seen(e) else None for rid, e in then.items()}
        added = [rid for rid, e in then.items() if e is None and rid in current]
        changed = [rid for rid, e in then.items() if e is not None and rid in current and current[rid].digest != e.digest]
        removed = sorted((e for rid, e in then.items() if e is not None and rid not in current), key=lambda e: e.order)
        listed = {rid: k for k, rid in enumerate(now.ids) if rid in then}
        changes = Changes(tuple(sorted(added, key=listed.get)), tuple(sorted(changed, key=listed.get)),
                          tuple((e.order[2], e.name, e.instrument) for e in removed))
        return changes, since if older else self.steps[0].at


def _seen(clearance: str | None):
    """Whether a viewer of ``clearance`` may hear of a record (everyone: no clearance given)."""
    if clearance is None:
        return lambda entry: True
    limit = rank(clearance)
    return lambda entry: rank(entry.sensitivity) <= limit
