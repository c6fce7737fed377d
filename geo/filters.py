"""One filter specification for every view, applied to every layer by one function.

Semantics (documented in the README as well):

- Within a facet the values are alternatives (OR); facets combine with AND.
- ``partners``: a record matches if one of its partners is selected.
- ``regions``: a record matches if one of its partners belongs to a selected region. Records with no
  partner country (an organisation with an EU seat, a regional body) match no region.
- ``routes``: a record matches if it is tagged with a selected route **or** one of its partners is a
  non-EU country on that route ("what runs on the Central Mediterranean route?" should show the
  cooperation with Libya and Tunisia even where a record is not tagged).
- ``as_of``: the record's status *on that day*, from its status history (``geo.history``): kept if it was
  in force or active that day **or** the sources leave that day open ("date unknown": a partial date that
  covers the day, a start no source gives, a change on a day no source gives). ``date_unknown`` says which
  of the kept records are only "date unknown", so views can mark them; ``standings`` gives every record's
  answer with the reason. Records that never applied (under negotiation, initialled, signed) are not in force.
- ``period``: the record was in force, or may have been, on some day of [period_start, period_end] (either
  side may be open).
- ``text``: every word occurs in the name, description, place, acronym, counterpart, implementers,
  framework, border section or notes, ignoring case and accents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from geo.catalog import Catalog, Period, fold
from geo.history import State, state_on
from geo.records import search_text
from geo.schema import INSTRUMENT_BY_KEY, REGIONS, ROUTES, STATUS_LABELS

TUPLE_FIELDS = ("partners", "routes", "instruments", "regions", "statuses")


@dataclass(frozen=True)
class FilterSpec:
    """Everything the user chose. Frozen and hashable: a cache key, a URL, a caption, an export."""

    partners: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    as_of: dt.date | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    text: str = ""

    def __post_init__(self) -> None:
        # Canonical form: sorted, de-duplicated tuples and trimmed text, so equal choices are equal specs.
        for name in TUPLE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(sorted({str(v) for v in value if str(v)})))
        object.__setattr__(self, "text", " ".join(str(self.text).split()))

    @property
    def is_empty(self) -> bool:
        return self == FilterSpec()

    def with_(self, **changes: object) -> FilterSpec:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def describe(self, count: int | None = None, partner_names: Mapping[str, str] | None = None) -> str:
        """One sentence for captions and exports, e.g. '3 records: status agreements in the Western Balkans, in force on 2024-05-01'."""
        names = partner_names or {}
        order = list(INSTRUMENT_BY_KEY)
        chosen = sorted(self.instruments, key=lambda i: order.index(i) if i in order else len(order))
        what = _join([INSTRUMENT_BY_KEY[i].label.lower() if i in INSTRUMENT_BY_KEY else i for i in chosen]) or "all instruments"
        if self.regions:
            what += " in " + _join([f"the {REGIONS.get(r, r)}" if r in _THE_REGIONS else REGIONS.get(r, r) for r in self.regions])
        parts = [what]
        if self.partners:
            parts.append("involving " + _join([names.get(p, p) for p in self.partners]))
        if self.routes:
            label = _join([ROUTES.get(r, r) for r in self.routes])
            parts.append(f"on the {label} route{'s' if len(self.routes) > 1 else ''}")
        if self.statuses:
            parts.append("with status " + _join([STATUS_LABELS.get(s, s) for s in self.statuses], "or"))
        if self.as_of:
            parts.append(f"in force on {self.as_of.isoformat()}")
        if self.period_start or self.period_end:
            a = self.period_start.isoformat() if self.period_start else "the beginning"
            b = self.period_end.isoformat() if self.period_end else "today"
            parts.append(f"active between {a} and {b}")
        if self.text:
            parts.append(f"matching “{self.text}”")
        sentence = ", ".join(parts)
        if count is None:
            return sentence[0].upper() + sentence[1:]
        noun = "record" if count == 1 else "records"
        return f"{count} {noun}: {sentence}"


_THE_REGIONS = {"western_balkans", "eastern_partnership", "sahel", "horn_of_africa", "middle_east", "silk_routes", "americas", "russia"}


def _join(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _overlaps(periods: Iterable[Period], lo: dt.date | None, hi: dt.date | None) -> bool:
    """Does one of the periods (None: unbounded) share a day with [lo, hi]?"""
    return any((hi is None or start is None or start <= hi) and (lo is None or end is None or lo <= end) for start, end in periods)


def standings(catalog: Catalog, day: dt.date) -> pd.DataFrame:
    """Per record (catalog order): ``id``, ``state`` (``State.IN``, ``State.OUT`` or ``State.UNKNOWN``), the
    ``status`` on that day where known, and the ``reason`` in words."""
    rows = [t.on(day) for t in catalog.timelines()]
    return pd.DataFrame({"id": catalog.records["id"].to_numpy(), "state": pd.Series([r.state for r in rows], dtype=object),
                         "status": pd.Series([r.status for r in rows], dtype=object), "reason": [r.reason for r in rows]})


def _unknown_in(spans: Iterable[tuple[dt.date | None, dt.date | None, State]], lo: dt.date | None, hi: dt.date | None) -> bool:
    """In [lo, hi] the record is only "date unknown": no known in-force day, but a day the sources leave open."""
    touched = {state for start, end, state in spans if _overlaps(((start, end),), lo, hi)}
    return State.UNKNOWN in touched and State.IN not in touched


def date_unknown(catalog: Catalog, spec: FilterSpec) -> np.ndarray:
    """Boolean array over ``catalog.records``: the records the spec keeps only because the sources leave its
    day (or period) open. All False when the spec asks about no day or period."""
    keep = mask(catalog, spec)
    if not (spec.as_of or spec.period_start or spec.period_end):
        return np.zeros(len(keep), dtype=bool)
    out = np.zeros(len(keep), dtype=bool)
    spans = catalog.records["spans"].to_numpy()
    for k in np.flatnonzero(keep):
        if spec.as_of:
            out[k] = state_on(spans[k], spec.as_of) is State.UNKNOWN
        else:
            out[k] = _unknown_in(spans[k], spec.period_start, spec.period_end)
    return out


def route_partners(catalog: Catalog, routes: Iterable[str]) -> frozenset[str]:
    """The non-EU countries on the given routes."""
    wanted = set(routes)
    return frozenset(p for rid, ps in zip(catalog.routes["id"], catalog.routes["partners"], strict=True) if rid in wanted for p in ps)


def mask(catalog: Catalog, spec: FilterSpec) -> np.ndarray:
    """Boolean array over ``catalog.records``: which records the spec selects."""
    rec = catalog.records
    keep = np.ones(len(rec), dtype=bool)
    if spec.instruments:
        keep &= rec["instrument"].isin(spec.instruments).to_numpy()
    if spec.statuses:
        keep &= rec["status"].isin(spec.statuses).to_numpy()
    if spec.partners:
        wanted = set(spec.partners)
        keep &= np.fromiter((not wanted.isdisjoint(ps) for ps in rec["partners"]), bool, len(rec))
    if spec.regions:
        wanted = set(spec.regions)
        keep &= np.fromiter((not wanted.isdisjoint(rs) for rs in rec["regions"]), bool, len(rec))
    if spec.routes:
        wanted, on_route = set(spec.routes), route_partners(catalog, spec.routes)
        keep &= np.fromiter(
            (not wanted.isdisjoint(rs) or not on_route.isdisjoint(ps) for rs, ps in zip(rec["routes"], rec["partners"], strict=True)),
            bool,
            len(rec),
        )
    if spec.as_of:  # in force that day, or the sources leave that day open
        day = spec.as_of
        keep &= np.fromiter((_overlaps(p, day, day) for p in rec["periods"]), bool, len(rec))
    if spec.period_start or spec.period_end:
        lo, hi = spec.period_start, spec.period_end
        keep &= np.fromiter((_overlaps(p, lo, hi) for p in rec["periods"]), bool, len(rec))
    if spec.text:  # every word a substring of the folded text: Arrow's literal search, no Python string per record
        text = search_text(rec)
        for word in fold(spec.text).split():
            keep &= np.asarray(pc.match_substring(text, word).to_numpy(zero_copy_only=False), dtype=bool)
    return keep


def apply(catalog: Catalog, spec: FilterSpec) -> Catalog:
    """The catalog restricted to the records the spec selects (dimensions and basemap unchanged)."""
    if spec.is_empty:
        return catalog
    return replace(catalog, records=catalog.records[mask(catalog, spec)])


def matching_ids(catalog: Catalog, spec: FilterSpec) -> tuple[str, ...]:
    """Ids of the selected records, in catalog order: small and hashable, for caches and URLs."""
    return tuple(catalog.records["id"][mask(catalog, spec)])

