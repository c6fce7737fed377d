"""What a viewer of a given clearance may read: the catalog cut to the records at or below it (pure, no I/O).

Every record carries a ``sensitivity`` code (``schema.SENSITIVITIES``, lowest first). A viewer's clearance is one
of those codes. ``visible`` returns a catalog that holds nothing above the clearance: its records, their
coordination-point activations and status-history rows; its version names the clearance, so every cache and
file derived from it (the map's data file included) is the view's own and never the whole data's.
"""

from __future__ import annotations

from dataclasses import replace

from geo.catalog import Catalog
from geo.schema import SENSITIVITIES
from geo.validate import ValidationReport

TOP = SENSITIVITIES[-1]


def rank(code: str | None) -> int:
    """The order of a sensitivity code (0 = public). An unknown or empty code counts as the highest: a record
    whose marking cannot be read is kept from everyone below the top clearance."""
    return SENSITIVITIES.index(code) if code in SENSITIVITIES else len(SENSITIVITIES) - 1


def clearance_of(code: str | None) -> str:
    """A clearance code, or the lowest one when ``code`` is not a known code."""
    return code if code in SENSITIVITIES else SENSITIVITIES[0]


def view_version(version: str, clearance: str) -> str:
    """The version string of the view of ``version`` at ``clearance``."""
    return f"{version}~{clearance_of(clearance)}"


def visible(catalog: Catalog, clearance: str) -> Catalog:
    """The part of ``catalog`` a viewer of ``clearance`` may read (see the module docstring).

    The validation report is kept whole only at the top clearance: its messages quote the data (row values),
    so below it only the counts remain."""
    clearance = clearance_of(clearance)
    limit = rank(clearance)
    sensitivity = catalog.records["sensitivity"]
    keep = sensitivity.map({code: rank(code) <= limit for code in sensitivity.unique()}).to_numpy(dtype=bool)
    report = catalog.report if clearance == TOP else ValidationReport()
    version = view_version(catalog.version, clearance)
    if keep.all():  # the viewer may read every record: the same tables (a copy of 100,000 records took 1.6 s)
        return replace(catalog, version=version, report=report)
    records = catalog.records[keep]
    ids = set(records["id"])
    activations = catalog.activations
    if not activations.empty and "record_id" in activations.columns:
        activations = activations[activations["record_id"].isin(ids)]
    history = catalog.history
    if not history.empty and "record_id" in history.columns:
        history = history[history["record_id"].isin(ids)]
    return replace(catalog, version=version, records=records, activations=activations, history=history, report=report)


def highest(codes) -> str:
    """The highest of some sensitivity codes (the lowest code when there are none)."""
    found = [c for c in codes if c in SENSITIVITIES]
    return max(found, key=SENSITIVITIES.index) if found else SENSITIVITIES[0]
