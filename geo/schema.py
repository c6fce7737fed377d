"""The data model: instruments, dimensions, vocabularies and file layouts.

This module is the single source of truth for what the data files contain. The loader, the validator,
the filters and the dashboard all read their column names and allowed values from here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

# --- vocabularies -------------------------------------------------------------------------------------

STATUSES: tuple[str, ...] = (
    "active",
    "provisional",
    "ended",
    "suspended",
    "under_negotiation",
    "initialled",
    "signed",
    "superseded",
    "unknown",
)
STATUS_LABELS: dict[str, str] = {
    "active": "active / in force",
    "provisional": "provisionally applied",
    "ended": "ended",
    "suspended": "suspended",
    "under_negotiation": "under negotiation",
    "initialled": "initialled, not signed",
    "signed": "signed, not yet applied",
    "superseded": "superseded",
    "unknown": "status unknown",
}
# How a status answers "was it in force on that day?" (geo.history): these two count as in force, "unknown"
# leaves the day unknown, every other status is "not in force" (never applied, or no longer).
IN_FORCE_STATUSES: frozenset[str] = frozenset({"active", "provisional"})
UNKNOWN_STATUSES: frozenset[str] = frozenset({"unknown"})

# What happened on the day of a status change (status_changes.csv, column ``event``). An event does not by
# itself change the status: the row's ``status`` does (empty = a milestone that leaves the status as it was).
EVENTS: dict[str, str] = {
    "announced": "announced or offered",
    "mandate": "Council authorises negotiations",
    "negotiations_opened": "negotiations opened",
    "negotiations_concluded": "negotiations concluded",
    "initialled": "initialled",
    "decision_signing": "Council decision on signing",
    "signed": "signed",
    "ep_committee_vote": "European Parliament committee vote or report",
    "ep_consent": "European Parliament consent",
    "ep_recommendation": "European Parliament recommendation",
    "decision_conclusion": "Council decision on conclusion",
    "provisional_application": "provisional application begins",
    "entry_into_force": "entry into force",
    "launched": "launched",
    "deployed": "deployed",
    "section_added": "extended to a new border section",
    "still_listed": "a source shows it in place",
    "suspended": "suspended",
    "resumed": "resumed",
    "denounced": "denounced",
    "ended": "ended",
    "superseded": "superseded",
    "closing_event": "closing event",
    "context": "a related development",
}
PRECISIONS: tuple[str, ...] = ("exact", "site", "city", "country")
PRECISION_LABELS: dict[str, str] = {
    "exact": "exact position",
    "site": "site (crossing point or compound)",
    "city": "approximate: city centre",
    "country": "approximate: country only",
}
CONFIDENCES: tuple[str, ...] = ("high", "medium", "low")
SENSITIVITIES: tuple[str, ...] = ("public", "limited", "restricted")

REGIONS: dict[str, str] = {
    "western_balkans": "Western Balkans",
    "eastern_partnership": "Eastern Partnership",
    "russia": "Russian Federation",
    "turkiye": "Türkiye",
    "central_asia": "Central Asia",
    "north_africa": "North Africa",
    "west_africa": "West Africa",
    "sahel": "Sahel",
    "central_africa": "Central Africa",
    "horn_of_africa": "Horn and East of Africa",
    "middle_east": "Middle East",
    "silk_routes": "Silk Routes",
    "other_europe": "Other non-EU Europe",
    "americas": "Americas",
    "asia_pacific": "Asia-Pacific",
}

ROUTES: dict[str, str] = {
    "western-african": "Western African",
    "western-mediterranean": "Western Mediterranean",
    "central-mediterranean": "Central Mediterranean",
    "eastern-mediterranean": "Eastern Mediterranean",
    "western-balkan": "Western Balkan",
    "circular-albania-greece": "Circular Albania–Greece",
    "eastern-land-border": "Eastern Land Border",
    "black-sea": "Black Sea",
    "channel": "Channel",
}

# --- column kinds ------------------------------------------------------------------------------------


class Kind(StrEnum):
    """How a column's cells are parsed and checked."""

    ID = "id"
    TEXT = "text"
    DATE = "date"
    CODES = "codes"  # ;-separated partner codes
    ROUTES = "routes"  # ;-separated route ids
    STATUS = "status"
    CONFIDENCE = "confidence"
    SENSITIVITY = "sensitivity"
    URLS = "urls"  # space-separated http(s) URLs
    DAY = "day"  # a full YYYY-MM-DD date
    LAT = "lat"
    LON = "lon"
    PRECISION = "precision"
    NUMBER = "number"
    CODE = "code"  # one partner code
    REF = "ref"  # id of another record
    CHOICE = "choice"  # one of Column.choices


@dataclass(frozen=True)
class Column:
    """One column of a data file."""

    name: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()


def _c(name: str, kind: Kind, required: bool = False, choices: tuple[str, ...] = ()) -> Column:
    return Column(name, kind, required, choices)


COMMON_COLUMNS: tuple[Column, ...] = (
    _c("id", Kind.ID, True),
    _c("name", Kind.TEXT, True),
    _c("partners", Kind.CODES),
    _c("routes", Kind.ROUTES),
    _c("start", Kind.DATE),
    _c("end", Kind.DATE),
    _c("status", Kind.STATUS, True),
    _c("description", Kind.TEXT, True),
    _c("confidence", Kind.CONFIDENCE, True),
    _c("sources", Kind.URLS, True),
    _c("checked", Kind.DAY, True),
    _c("notes", Kind.TEXT),
    _c("sensitivity", Kind.SENSITIVITY),
)
LOCATION_COLUMNS: tuple[Column, ...] = (
    _c("lat", Kind.LAT),
    _c("lon", Kind.LON),
    _c("precision", Kind.PRECISION),
    _c("place", Kind.TEXT),
    _c("coord_source", Kind.TEXT),
)


@dataclass(frozen=True)
class Instrument:
    """A cooperation instrument: one data file, one map layer, one value of the instrument filter."""

    key: str
    label: str
    file: str
    extra: tuple[Column, ...] = ()
    located: bool = False  # records may carry a point location
    needs_partners: bool = True  # a record must name at least one partner

    @property
    def columns(self) -> tuple[Column, ...]:
        return COMMON_COLUMNS + (LOCATION_COLUMNS if self.located else ()) + self.extra


INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(
        "working_arrangement",
        "Working arrangements",
        "working_arrangements.csv",
        (
            _c("counterpart", Kind.TEXT),
            _c("party_type", Kind.CHOICE, True, ("country", "regional_body", "eu_mission")),
            _c("parent", Kind.REF),
        ),
        needs_partners=False,
    ),
    Instrument(
        "status_agreement",
        "Status agreements",
        "status_agreements.csv",
        (
            _c("generation", Kind.CHOICE, False, ("1", "2")),
            _c("initialled", Kind.DATE),
            _c("signed", Kind.DATE),
            _c("provisional_from", Kind.DATE),
            _c("in_force", Kind.DATE),
            _c("council_decisions", Kind.TEXT),
            _c("parent", Kind.REF),
        ),
    ),
    Instrument(
        "operation",
        "Operations with executive powers",
        "operations.csv",
        (_c("parent", Kind.REF), _c("border_section", Kind.TEXT)),
        located=True,
    ),
    Instrument(
        "coordination_point",
        "Coordination points",
        "coordination_points.csv",
        (_c("framework", Kind.TEXT),),
        located=True,
    ),
    Instrument(
        "liaison_officer",
        "Liaison officer postings",
        "liaison_officers.csv",
        (_c("host", Kind.CODE, True),),
        located=True,
    ),
    Instrument(
        "project",
        "Technical-assistance projects",
        "projects.csv",
        (
            _c("acronym", Kind.TEXT),
            _c("budget_eur", Kind.NUMBER),
            _c("funding", Kind.TEXT),
            _c("implementers", Kind.TEXT),
            _c("agency_role", Kind.CHOICE, True, ("lead", "partner", "grant", "none")),
        ),
    ),
    Instrument(
        "risk_network",
        "Risk-analysis networks",
        "risk_networks.csv",
        (
            _c("acronym", Kind.TEXT),
            _c("kind", Kind.CHOICE, True, ("network", "cell")),
            _c("parent", Kind.REF),
        ),
        located=True,
    ),
    Instrument(
        "dialogue",
        "Migration dialogues",
        "dialogues.csv",
        (_c("acronym", Kind.TEXT), _c("secretariat", Kind.TEXT)),
    ),
    Instrument(
        "organisation",
        "International organisations and EU agencies",
        "organisations.csv",
        (
            _c("org_type", Kind.CHOICE, True, ("un", "international", "eu_agency", "eu_body")),
            _c("cooperation", Kind.TEXT),
        ),
        located=True,
        needs_partners=False,
    ),
    Instrument(
        "strategic_partner",
        "Strategic partners",
        "strategic_partners.csv",
        (_c("areas", Kind.TEXT),),
    ),
    Instrument(
        "event",
        "Events and study visits",
        "events.csv",
        (_c("organisers", Kind.TEXT),),
        located=True,
    ),
    Instrument(  # non-EU officers the agency invites, with the host member state's consent, to its activities
        "observer",
        "Non-EU observers in the agency's operations",
        "observers.csv",
        (
            _c("activity", Kind.TEXT, True),  # the operation or activity they took part in
            _c("host_state", Kind.TEXT),  # EU member state hosting it, where a source names it (free text)
            _c("role", Kind.CHOICE, True, ("observer", "participant")),  # as the source calls it
            _c("parent", Kind.REF),  # the record of the activity, where there is one (an EMPACT action day)
        ),
        needs_partners=False,  # a source may say "third countries" without naming them
    ),
    Instrument(
        "border_police_conference",
        "International Border Police Conference",
        "border_police_conferences.csv",
        (_c("edition", Kind.NUMBER), _c("organisers", Kind.TEXT)),
        located=True,
        needs_partners=False,  # a world-wide gathering: partners only where a source names them
    ),
    Instrument(  # context: the EU crime-priority platform, its cycles and the agency's action days in it
        "empact",
        "EMPACT (EU crime-priority platform)",
        "empact.csv",
        (
            _c("kind", Kind.CHOICE, True, ("platform", "cycle", "joint_action_day")),
            _c("priorities", Kind.TEXT),
            _c("agency_part", Kind.TEXT),  # what the agency does in it
            _c("parent", Kind.REF),
        ),
        located=True,  # an action day's coordination centre, where a source names it
        needs_partners=False,
    ),
)
INSTRUMENT_BY_KEY: dict[str, Instrument] = {i.key: i for i in INSTRUMENTS}

PARTNER_FILE = "partners.csv"
PARTNER_COLUMNS: tuple[Column, ...] = (
    _c("code", Kind.ID, True),
    _c("name", Kind.TEXT, True),
    _c("region", Kind.CHOICE, True, tuple(REGIONS)),
    _c("note", Kind.TEXT),
    _c("sources", Kind.URLS, True),
    _c("checked", Kind.DAY, True),
)
ROUTE_FILE = "routes.csv"
ROUTE_COLUMNS: tuple[Column, ...] = (
    _c("id", Kind.CHOICE, True, tuple(ROUTES)),
    _c("name", Kind.TEXT, True),
    _c("eu_entry", Kind.TEXT),
    # Where the map draws the route's EU entry (or exit) point: a place the route names, from GeoNames.
    _c("entry_place", Kind.TEXT),
    _c("entry_lat", Kind.LAT),
    _c("entry_lon", Kind.LON),
    _c("entry_precision", Kind.PRECISION),
    _c("partners", Kind.CODES, True),
    _c("description", Kind.TEXT, True),
    _c("confidence", Kind.CONFIDENCE, True),
    _c("sources", Kind.URLS, True),
    _c("checked", Kind.DAY, True),
    _c("notes", Kind.TEXT),
)
ACTIVATION_FILE = "activations.csv"
ACTIVATION_COLUMNS: tuple[Column, ...] = (
    _c("record_id", Kind.REF, True),
    _c("start", Kind.DATE, True),
    _c("end", Kind.DATE),
    _c("framework", Kind.TEXT),
    _c("sources", Kind.URLS, True),
    _c("checked", Kind.DAY, True),
    _c("notes", Kind.TEXT),
)
# One row per dated change of a record's status (or a dated milestone): the status history. See geo.history.
STATUS_CHANGE_FILE = "status_changes.csv"
STATUS_CHANGE_COLUMNS: tuple[Column, ...] = (
    _c("record_id", Kind.REF, True),
    _c("date", Kind.DATE, True),
    _c("status", Kind.STATUS),  # the status from this date on; empty: a milestone that leaves it as it was
    _c("event", Kind.CHOICE, False, tuple(EVENTS)),
    _c("sources", Kind.URLS, True),
    _c("checked", Kind.DAY, True),
    _c("confidence", Kind.CONFIDENCE, True),
    _c("notes", Kind.TEXT),
)
BASEMAP_FILE = "basemap/countries.geojson"


@dataclass(frozen=True)
class DataFile:
    """A file that is not an instrument: a dimension (partners, routes) or rows about records."""

    name: str  # the attribute of ``geo.validate.Tables`` and the database table
    file: str
    columns: tuple[Column, ...]
    key: str  # what identifies a row: "code", "id", or "row_no" (no identifying column: the file order)


SUPPORT_FILES: tuple[DataFile, ...] = (
    DataFile("partners", PARTNER_FILE, PARTNER_COLUMNS, "code"),
    DataFile("routes", ROUTE_FILE, ROUTE_COLUMNS, "id"),
    DataFile("activations", ACTIVATION_FILE, ACTIVATION_COLUMNS, "row_no"),
    DataFile("status_changes", STATUS_CHANGE_FILE, STATUS_CHANGE_COLUMNS, "row_no"),
)

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_PATTERN = re.compile(r"^[A-Z]{3}$")
URL_PATTERN = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$")

# Distances used by the geometric checks, in kilometres. Coastal capitals fall a little outside
# simplified (~1:50m) outlines, and a crossing point is drawn on the border line at that scale.
HOST_TOLERANCE_KM = 15.0
BORDER_TOLERANCE_KM = 10.0

# --- partial dates -----------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to a year, a month or a day: ``2009``, ``2008-08``, ``2022-03-17``.

    The dataset never pads a date with an invented day or month. A partial date means "some day from
    ``first`` to ``last``": for "was it in force on day D?" (``geo.history``) the days it covers are "date
    unknown", so a record whose start is known only as "2009" is kept, and marked, for all of 2009.
    """

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ISO text; raise ValueError with what was expected."""
        m = _DATE_RE.match(text.strip())
        if not m:
            raise ValueError(f"expected a date YYYY, YYYY-MM or YYYY-MM-DD, found {text!r}")
        year, month, day = (int(g) if g else None for g in m.groups())
        assert year is not None
        if month is not None and not 1 <= month <= 12:
            raise ValueError(f"expected a month 01-12, found {text!r}")
        if day is not None:
            try:
                dt.date(year, month or 1, day)
            except ValueError:
                raise ValueError(f"expected a real calendar day YYYY-MM-DD, found {text!r}") from None
        return cls(year, month, day)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def last(self) -> dt.date:
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return dt.date(self.year, month, day)

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def split_list(cell: str, sep: str = ";") -> tuple[str, ...]:
    """Split a list cell into its non-empty, stripped items."""
    return tuple(p.strip() for p in cell.split(sep) if p.strip())


def split_urls(cell: str) -> tuple[str, ...]:
    """Split a sources cell (URLs separated by white space)."""
    return tuple(cell.split())
