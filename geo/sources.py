"""Where the data comes from: the data directory (default) or PostgreSQL + PostGIS, behind one interface.

Both sources produce the same raw text ``Tables`` that ``geo.validate.check_tables`` and
``geo.catalog.build_catalog`` consume, so validation and the catalog are shared verbatim.

- ``version()`` is cheap and meant to be polled: a ``stat`` per file, or one primary-key read in the database
  (on a connection kept open by the source; a broken connection is reopened on the next call).
- ``snapshot()`` returns ``(version, tables, problems)`` read consistently: the database reads every table in one
  REPEATABLE READ transaction together with the version, so data is never labelled with a newer version than
  its own. (The directory reads the version first: a save in between only causes one more reload later.)
- An unreachable source raises a ``DataError`` subclass: ``DataFileError`` (no directory) or ``DatabaseError``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Protocol, TypeVar

from geo.errors import DatabaseError, DataFileError, Problem
from geo.io import data_files, data_version
from geo.settings import data_dir, database_url
from geo.validate import Tables, read_all

if TYPE_CHECKING:  # the database driver is imported when a database source is used, not with the package
    import psycopg

    from geo import db

T = TypeVar("T")


class Source(Protocol):
    """What ``load_catalog`` and the dashboard need from a data source."""

    def version(self) -> str: ...

    def snapshot(self) -> tuple[str, Tables, list[Problem]]: ...

    def read(self) -> tuple[Tables, list[Problem]]: ...

    def describe(self) -> str: ...

    def changed_at(self) -> dt.datetime | None: ...

    def name_records(self, problems: list[Problem], tables: Tables) -> list[Problem]: ...


class DirectorySource:
    """The data directory: one CSV per instrument plus the basemap GeoJSON."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"DirectorySource({str(self.path)!r})"

    def version(self) -> str:
        return data_version(self.path) if self.path.is_dir() else "missing"

    def read(self) -> tuple[Tables, list[Problem]]:
        return read_all(self.path)

    def snapshot(self) -> tuple[str, Tables, list[Problem]]:
        ver = self.version()
        tables, problems = self.read()
        if not self.path.is_dir():
            raise DataFileError(problems[0])
        return ver, tables, problems

    def describe(self) -> str:
        return f"data directory {self.path}"

    def changed_at(self) -> dt.datetime | None:
        """When the data last changed: the newest modification time of its files (None if unreadable)."""
        try:
            newest = max((p.stat().st_mtime for p in data_files(self.path)), default=None)
        except OSError:
            return None
        return dt.datetime.fromtimestamp(newest, dt.UTC) if newest is not None else None

    def name_records(self, problems: list[Problem], tables: Tables) -> list[Problem]:
        return problems  # file problems are found by row number in any editor


def _db() -> ModuleType:
    """``geo.db`` (and the psycopg driver), imported when a database source is first used."""
    from geo import db

    return db


class PostgresSource:
    """PostgreSQL + PostGIS (schema ``bb``, see ``geo.dbschema``) at a libpq URL."""

    def __init__(self, url: str, clearance: str | None = None) -> None:
        _db()  # the driver is imported with the first database source (a missing one fails here)
        self.url = url
        # the clearance its snapshots are read at (row-level security, geo.dbaccess); None: the top one, which the
        # connection's role may still cap (the command line and the app's whole-data check read so)
        self.clearance = clearance
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()  # one polling connection, shared by the threads of a process

    def __repr__(self) -> str:
        return f"PostgresSource({_db().where(self.url)!r})"

    def _poll(self, what: str, read: Callable[[psycopg.Connection], T]) -> T:
        """Run a small read on the kept-open polling connection; one dropped since the last poll is reopened once."""
        with self._lock:
            for attempt in (1, 2):
                if self._conn is None or self._conn.closed:
                    self._conn = _db().connect(self.url)
                try:
                    with _db().guarded(self.url, what):
                        return read(self._conn)
                except DatabaseError:
                    if self._conn.closed or self._conn.broken:
                        self._conn = None
                        if attempt == 1:
                            continue
                    raise
        raise AssertionError("unreachable")

    def version(self) -> str:
        return self._poll("reading the data version", _db().version)

    def snapshot(self) -> tuple[str, Tables, list[Problem]]:
        snap = self.read_snapshot()
        return snap.version, snap.tables, snap.problems

    def read_snapshot(self, previous: db.Snapshot | None = None) -> db.Snapshot:
        """Everything, with the layout ``dump`` needs, from one consistent snapshot (its own connection); tables
        unchanged since ``previous`` are taken from it."""
        with _db().connect(self.url) as conn, _db().guarded(self.url, "reading the data"):
            return _db().snapshot(conn, previous, self.clearance or _db().TOP)

    def read(self) -> tuple[Tables, list[Problem]]:
        _, tables, problems = self.snapshot()
        return tables, problems

    def describe(self) -> str:
        return f"PostgreSQL database {_db().where(self.url)}"

    def changed_at(self) -> dt.datetime | None:
        """When the data last changed: ``bb.meta.changed_at``, set by the same triggers as the version."""
        row = self._poll("reading the data's change time", lambda conn: conn.execute("SELECT changed_at FROM bb.meta").fetchone())
        return row[0] if row else None

    def name_records(self, problems: list[Problem], tables: Tables) -> list[Problem]:
        return _db().name_records(problems, tables)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def open_source(url: str | None = None, directory: Path | None = None, clearance: str | None = None) -> DirectorySource | PostgresSource:
    """The configured source: ``BB_DATABASE_URL`` if set (read at ``clearance``: see ``PostgresSource``), else the
    data directory (``BB_DATA_DIR``)."""
    url = database_url() if url is None else url
    if url:
        return PostgresSource(url, clearance)
    return DirectorySource(directory or data_dir())
