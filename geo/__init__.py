"""Beyond Borders data layer: load, validate and filter the cooperation dataset.

The dashboard imports only from this facade. This package never imports streamlit or plotly.
"""

from geo.catalog import Catalog, DisplayGeometry, display_geometry, fold, load_catalog
from geo.errors import DatabaseError, DataError, DataFileError, Problem, ValidationError
from geo.filters import FilterSpec, apply, in_force, mask, matching_ids, route_partners
from geo.geometry import label_point
from geo.io import data_version
from geo.schema import (
    INSTRUMENT_BY_KEY,
    INSTRUMENTS,
    PRECISION_LABELS,
    REGIONS,
    ROUTES,
    STATUS_LABELS,
    STATUSES,
    Instrument,
    PartialDate,
)
from geo.settings import data_dir, database_url
from geo.sources import DirectorySource, PostgresSource, Source, open_source
from geo.validate import ValidationReport, validate

__all__ = [
    "INSTRUMENTS",
    "INSTRUMENT_BY_KEY",
    "PRECISION_LABELS",
    "REGIONS",
    "ROUTES",
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
    "PartialDate",
    "PostgresSource",
    "Problem",
    "Source",
    "ValidationError",
    "ValidationReport",
    "apply",
    "data_dir",
    "data_version",
    "database_url",
    "display_geometry",
    "fold",
    "in_force",
    "label_point",
    "load_catalog",
    "mask",
    "matching_ids",
    "open_source",
    "route_partners",
    "validate",
]
