"""A real throwaway PostgreSQL + PostGIS cluster per test worker (no mocks), and fresh databases per test.

Each xdist worker starts its own cluster (session scope is per worker), so workers never share a database.
Databases are copied from two templates made once per cluster: schema only, and schema + the shipped data.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import geo
from geo import db
from geo.validate import read_all
from tests import pgcluster

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pgcluster.Cluster]:
    """The worker's cluster; FAILS (not skips) with the apt command when PostgreSQL/PostGIS are missing."""
    why = pgcluster.missing()
    if why:
        pytest.fail(why, pytrace=False)
    with pgcluster.running() as cluster:
        url = pgcluster.create_database(cluster, "tmpl_empty")
        with db.connect(url) as conn:
            db.init_schema(conn)
        url = pgcluster.create_database(cluster, "tmpl_loaded", template="tmpl_empty")
        tables, _ = read_all(geo.settings.DEFAULT_DATA_DIR)
        with db.connect(url) as conn:
            db.load(conn, tables, load_basemap(geo.settings.DEFAULT_DATA_DIR), geo.settings.DEFAULT_DATA_DIR)
        yield cluster


def load_basemap(directory: Path) -> dict:
    return json.loads((directory / "basemap" / "countries.geojson").read_text(encoding="utf-8"))


@pytest.fixture
def empty_db(pg_cluster: pgcluster.Cluster) -> str:
    """URL of a fresh database with the schema initialised and no data."""
    return pgcluster.create_database(pg_cluster, f"t{next(_names)}", template="tmpl_empty")


@pytest.fixture
def loaded_db(pg_cluster: pgcluster.Cluster) -> str:
    """URL of a fresh database holding the shipped data/ (loaded once into the template)."""
    return pgcluster.create_database(pg_cluster, f"t{next(_names)}", template="tmpl_loaded")


@pytest.fixture
def sql(loaded_db: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to ``loaded_db`` for plain-SQL writes."""
    with psycopg.connect(loaded_db, autocommit=True) as conn:
        yield conn
