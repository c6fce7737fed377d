"""Row-level security on the real throwaway cluster: a connection reads only what its clearance allows.

The dashboard never runs as a superuser (superusers skip every policy, as PostgreSQL defines it), so these tests
connect as plain login roles, each made a member of one of the capping roles (``geo.dbaccess.ROLES``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from geo.dbaccess import ROLES
from geo.sources import PostgresSource

_logins = itertools.count(1)
MARKED = ("lo-sql-public", "lo-sql-limited", "lo-sql-restricted")


def as_login(url: str, cap: str | None) -> str:
    """A new login role (a member of the capping role of ``cap``, or of none) and the URL that connects as it."""
    name = f"viewer_{cap or 'none'}_{next(_logins)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN")
        if cap:
            conn.execute(f"GRANT {ROLES[cap]} TO {name}")
        else:  # may read the schema, rows only as the policies allow
            conn.execute(f"GRANT USAGE ON SCHEMA bb TO {name}; GRANT SELECT ON ALL TABLES IN SCHEMA bb TO {name}; "
                         f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bb TO {name}")
    return make_conninfo(url, user=name)


@pytest.fixture
def marked_db(loaded_db: str) -> Iterator[str]:
    """The shipped data plus one liaison officer posting of each marking, with an activation-like history row each."""
    with psycopg.connect(loaded_db, autocommit=True) as conn:
        for rid in MARKED:
            code = rid.rsplit("-", 1)[1]
            conn.execute(
                "INSERT INTO bb.liaison_officers (id, name, partners, status, host, sensitivity, sources, checked) "
                "VALUES (%s, %s, '{SRB}', 'active', 'SRB', %s, '{https://example.org/a}', '2026-12-01')",
                (rid, f"FLO {code}", code))
            conn.execute("INSERT INTO bb.status_changes (record_id, date, status, sources, checked, confidence) "
                         "VALUES (%s, '2025-01-01', 'active', '{https://example.org/a}', '2026-12-01', 'high')", (rid,))
    yield loaded_db


def ids_seen(url: str, clearance: str | None) -> tuple[set[str], set[str]]:
    """(posting ids, status-change record ids) a connection to ``url`` selects in a transaction stating ``clearance``."""
    with psycopg.connect(url) as conn, conn.transaction():
        if clearance is not None:
            conn.execute("SELECT set_config('bb.clearance', %s, true)", (clearance,))
        posts = {r[0] for r in conn.execute("SELECT id FROM bb.liaison_officers WHERE id LIKE 'lo-sql-%'")}
        rows = {r[0] for r in conn.execute("SELECT record_id FROM bb.status_changes WHERE record_id LIKE 'lo-sql-%'")}
    return posts, rows


def test_a_connection_with_limited_clearance_cannot_select_a_restricted_row(marked_db: str) -> None:
    limited = as_login(marked_db, "limited")
    for asked in ("limited", "restricted"):  # asking for more than the role allows reads at the role's cap
        posts, rows = ids_seen(limited, asked)
        assert posts == rows == {"lo-sql-public", "lo-sql-limited"}
    with psycopg.connect(limited) as conn:  # nor by its id, nor through a count
        assert conn.execute("SELECT count(*) FROM bb.liaison_officers WHERE id = 'lo-sql-restricted'").fetchone() == (0,)


def test_each_clearance_reads_its_rows_and_no_statement_reads_at_the_lowest(marked_db: str) -> None:
    top = as_login(marked_db, "restricted")
    assert ids_seen(top, "restricted")[0] == set(MARKED)
    assert ids_seen(top, "limited")[0] == {"lo-sql-public", "lo-sql-limited"}
    assert ids_seen(top, None)[0] == {"lo-sql-public"}  # a transaction that states nothing reads at the lowest
    assert ids_seen(top, "secret")[0] == {"lo-sql-public"}  # nor does one that states no known code
    assert ids_seen(as_login(marked_db, None), "restricted")[0] == {"lo-sql-public"}  # no capping role: the lowest


def test_a_limited_connection_can_neither_write_nor_change_a_restricted_row(marked_db: str) -> None:
    limited = as_login(marked_db, "limited")
    with psycopg.connect(marked_db, autocommit=True) as conn:
        conn.execute(f"GRANT INSERT, UPDATE, DELETE ON bb.liaison_officers TO {conninfo_to_dict(limited)['user']}")
    with psycopg.connect(limited) as conn, conn.transaction():
        conn.execute("SELECT set_config('bb.clearance', 'limited', true)")
        assert conn.execute("UPDATE bb.liaison_officers SET name = 'x' WHERE id = 'lo-sql-restricted'").rowcount == 0
        assert conn.execute("DELETE FROM bb.liaison_officers WHERE id = 'lo-sql-restricted'").rowcount == 0
    with (pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
          psycopg.connect(limited) as conn, conn.transaction()):
        conn.execute("SELECT set_config('bb.clearance', 'limited', true)")
        conn.execute("UPDATE bb.liaison_officers SET sensitivity = 'restricted' WHERE id = 'lo-sql-limited'")
    assert ids_seen(marked_db, "restricted")[0] == set(MARKED)  # nothing was changed (read as the superuser)


def test_the_apps_database_source_reads_only_the_viewers_rows(marked_db: str) -> None:
    """The app's read (``geo.db.snapshot`` through a source with a clearance) gets the cut from the database."""
    top = as_login(marked_db, "restricted")
    for clearance, expected in (("public", {"lo-sql-public"}), ("limited", {"lo-sql-public", "lo-sql-limited"}),
                                ("restricted", set(MARKED))):
        source = PostgresSource(top, clearance)
        try:
            snap = source.read_snapshot()
        finally:
            source.close()
        ids = set(snap.tables.instruments["liaison_officer"].column("id").to_pylist())
        assert {i for i in ids if i.startswith("lo-sql-")} == expected
        history = set(snap.tables.status_changes.column("record_id").to_pylist())
        assert {i for i in history if i.startswith("lo-sql-")} == expected



def copy_posting(url: str, rid: str, name: str, sensitivity: str) -> None:
    """A copy of the first shipped posting under a new id, name and marking, written in SQL (as the superuser)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE t AS SELECT * FROM bb.liaison_officers ORDER BY row_no LIMIT 1")
        conn.execute("UPDATE t SET id = %s, name = %s, sensitivity = %s, row_no = (SELECT max(row_no) + 1 FROM bb.liaison_officers)",
                     (rid, name, sensitivity))
        conn.execute("INSERT INTO bb.liaison_officers SELECT * FROM t")


def test_with_the_database_a_bug_in_the_apps_own_cut_leaks_no_row(loaded_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app cuts every view to the viewer's clearance (geo.visible). Here that cut is broken on purpose (it
    keeps everything): with the database source the restricted posting still reaches no page, because the rows
    come from a read at the viewer's clearance; with the same bug on a data directory it would (the control)."""
    import json

    import geo
    from dashboard import live_map
    from tests.app.test_pages import live_map_args, map_ids, run

    copy_posting(loaded_db, "lo-sql-secret", "FLO Secret posting", "restricted")
    copy_posting(loaded_db, "lo-sql-open", "FLO Open posting", "public")
    real = geo.visible
    monkeypatch.setattr(geo, "visible", lambda catalog, clearance: real(catalog, "restricted"))  # the bug
    monkeypatch.setenv("BB_DATABASE_URL", as_login(loaded_db, "restricted"))
    at = run({"instruments": "liaison_officer", "q": "FLO"})
    assert not at.error, [e.value for e in at.error]
    data = live_map.asset_bytes(live_map_args(at)["data_url"].rsplit("/", 1)[1]).decode()
    sent = json.dumps([e.proto.json for e in at.get("bidi_component")]) + " ".join(str(e) for e in at._tree) + data
    assert "lo-sql-open" in map_ids(at) and "FLO Open posting" in data  # the view is there, from the database
    assert "lo-sql-secret" not in sent and "FLO Secret posting" not in sent


def test_the_control_the_same_bug_on_a_data_directory_would_leak(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The premise of the test above: with no database under it, the broken cut does leak (so that test can fail)."""
    import geo
    from dashboard import live_map
    from tests.app.test_pages import live_map_args, run
    from tests.fixtures import base_tables, write_dataset

    tables = base_tables()
    officer = tables["liaison_officers.csv"][0]
    tables["liaison_officers.csv"].append({**officer, "id": "lo-dir-secret", "name": "FLO Secret posting", "sensitivity": "restricted"})
    monkeypatch.setenv("BB_DATA_DIR", str(write_dataset(tmp_path / "data", tables)))
    monkeypatch.delenv("BB_DATABASE_URL", raising=False)
    real = geo.visible
    monkeypatch.setattr(geo, "visible", lambda catalog, clearance: real(catalog, "restricted"))
    at = run({"instruments": "liaison_officer"})
    assert "FLO Secret posting" in live_map.asset_bytes(live_map_args(at)["data_url"].rsplit("/", 1)[1]).decode()
