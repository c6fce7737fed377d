"""Beyond Borders data layer: load, validate and filter the cooperation dataset.

The dashboard imports only from this facade. This package never imports streamlit or plotly.
"""

from geo.access import clearance_of, highest, rank, visible
from geo.catalog import Catalog, DisplayGeometry, display_geometry, fold, load_catalog
from geo.columns import column_list, row_dicts
from geo.errors import DatabaseError, DataError, DataFileError, Problem, ValidationError
from geo.filters import FilterSpec, apply, date_unknown, mask, matching_ids, route_partners, standings
from geo.geometry import label_point
from geo.history import STATE_LABELS, Standing, State, Timeline, known_facts, state_on
from geo.io import data_version
from geo.reload import Loader
from geo.schema import (
    EVENTS,
    INSTRUMENT_BY_KEY,
    INSTRUMENTS,
    PRECISION_LABELS,
    REGIONS,
    ROUTES,
    SENSITIVITIES,
    STATUS_LABELS,
    STATUSES,
    Instrument,
    PartialDate,
)
from geo.settings import data_dir, database_url
from geo.sources import DirectorySource, PostgresSource, Source, open_source
from geo.validate import ValidationReport, validate

__all__ = [
    "EVENTS",
    "INSTRUMENTS",
    "INSTRUMENT_BY_KEY",
    "PRECISION_LABELS",
    "REGIONS",
    "ROUTES",
    "SENSITIVITIES",
    "STATE_LABELS",
    "STATUSES",
    "STATUS_LABELS",
    "Catalog",
    "DataError",
    "DataFileError",
    "DatabaseError",
    "DirectorySource",
    "DisplayGeometry",
    "FilterSpec",
    "Instrument",
    "Loader",
    "PartialDate",
    "PostgresSource",
    "Problem",
    "Source",
    "Standing",
    "State",
    "Timeline",
    "ValidationError",
    "ValidationReport",
    "apply",
    "clearance_of",
    "column_list",
    "data_dir",
    "data_version",
    "database_url",
    "date_unknown",
    "display_geometry",
    "fold",
    "highest",
    "known_facts",
    "label_point",
    "load_catalog",
    "mask",
    "matching_ids",
    "open_source",
    "rank",
    "route_partners",
    "row_dicts",
    "standings",
    "state_on",
    "validate",
    "visible",
]
