"""What changed between two data versions: records added, changed or removed (pure, no I/O).

A record's fingerprint covers every value the dashboard shows or filters on (its cells, parsed lists and
periods, which include coordination-point activations), not derived drawing helpers, so a changed
activation marks its coordination point as changed and a re-simplified outline marks nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from geo.catalog import Catalog

# Derived columns that only help drawing or searching; they follow from the fingerprinted ones.
NOT_FINGERPRINTED = frozenset({"geometry", "search_text", "label_lat", "label_lon", "located", "start_first", "end_last", "regions", "spans"})


@dataclass(frozen=True)
class Entry:
    """What a diff needs of one record."""

    digest: str
    name: str
    instrument: str
    sensitivity: str = "public"  # who may hear of it: a change is listed only to viewers cleared for the record


Fingerprints = Mapping[str, Entry]


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


def fingerprints(catalog: Catalog) -> dict[str, Entry]:
    """Record id -> fingerprint of everything shown about it."""
    cols = [c for c in catalog.records.columns if c not in NOT_FINGERPRINTED]
    out: dict[str, Entry] = {}
    for rec in catalog.records[cols].to_dict("records"):
        text = "\x1f".join(f"{c}={rec[c]!r}" for c in cols)
        out[rec["id"]] = Entry(hashlib.blake2b(text.encode(), digest_size=10).hexdigest(), rec["name"], rec["instrument"],
                               str(rec.get("sensitivity") or ""))
    return out


def cleared(prints: Fingerprints, clearance: str) -> dict[str, Entry]:
    """The fingerprints a viewer of ``clearance`` may hear of (``geo.access.rank``)."""
    from geo.access import rank

    limit = rank(clearance)
    return {i: e for i, e in prints.items() if rank(e.sensitivity) <= limit}


def diff(old: Fingerprints, new: Fingerprints) -> Changes:
    """Changes from ``old`` to ``new`` (ids in a stable order: as listed in ``new``, then ``old``)."""
    added = tuple(i for i in new if i not in old)
    changed = tuple(i for i in new if i in old and old[i].digest != new[i].digest)
    removed = tuple((i, e.name, e.instrument) for i, e in old.items() if i not in new)
    return Changes(added, changed, removed)
