"""Live data in a real browser: an open page follows edits of the data files by itself, without a reload,
keeps the user's filter and camera, highlights the change, survives a broken save and recovers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.test_pages import add_liaison_officer
from tests.e2e.conftest import RequestLog, start_app
from tests.e2e.test_browser import map_camera, map_ids, wait_map
from tests.fixtures import write_dataset

pytestmark = pytest.mark.e2e
REFRESH = 2  # seconds between version checks in this test's app
WITHIN = (REFRESH + 12) * 1000  # the interval plus a reload and a redraw on a busy CI machine


def open_marked(browser, url: str, query: str = "?instruments=liaison_officer"):
    """Open the map in a new browser context with its request log, and mark the page and the map frame
    (a reload would drop the marks)."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    log = RequestLog()
    context.on("request", log.record)
    page = context.new_page()
    page.goto(url + "/" + query)
    frame = wait_map(page)
    page.evaluate("() => { window.notReloaded = true; }")
    frame.evaluate("() => { window.notReloaded = true; }")
    return context, page, frame, log


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    data = write_dataset(tmp_path / "data")
    proc, url = start_app({"BB_DATA_DIR": str(data), "BB_REFRESH_SECONDS": str(REFRESH)})
    yield url, data
    proc.terminate()
    proc.wait(10)


def test_open_page_follows_data_edits_and_keeps_the_last_good_data(browser, live_app) -> None:
    url, data = live_app
    context, page, frame, log = open_marked(browser, url, "?instruments=liaison_officer&zoom=4&lat=44&lon=20")
    assert map_ids(frame) == ["lo-bel"]

    add_liaison_officer(data)  # a colleague saves the file
    frame.wait_for_function("() => window.bbDebug.changedIds().length > 0", timeout=WITHIN)
    assert map_ids(frame) == ["lo-bel", "lo-new"]  # the new posting, and still only the filtered instrument
    assert page.evaluate("() => window.notReloaded === true") and frame.evaluate("() => window.notReloaded === true")
    camera = map_camera(frame)
    assert camera["zoom"] == pytest.approx(4) and camera["lat"] == pytest.approx(44, abs=1e-6)
    page.get_by_text("Added: FLO New").first.wait_for(timeout=WITHIN)

    broken = (data / "dialogues.csv").read_text()
    (data / "dialogues.csv").write_text(broken.replace("2006", "someday"))  # a broken save
    page.get_by_text("Showing the last good data").first.wait_for(timeout=WITHIN)
    page.get_by_text("dialogues.csv, row 2, column 'start'").first.wait_for(timeout=WITHIN)
    assert map_ids(frame) == ["lo-bel", "lo-new"]  # nothing is lost
    assert page.get_by_text("Traceback").count() == 0

    (data / "dialogues.csv").write_text(broken)  # fixed: the page recovers by itself
    page.get_by_text("Showing the last good data").first.wait_for(state="detached", timeout=WITHIN)
    assert page.evaluate("() => window.notReloaded === true")
    assert log.foreign(url) == []
    context.close()


# --- the database: two app instances on one PostgreSQL database (loaded_db: see tests/e2e/conftest.py) ---




def test_two_instances_on_one_database_follow_writes_and_outages(browser, loaded_db: str) -> None:
    import psycopg

    apps = [start_app({"BB_DATABASE_URL": loaded_db, "BB_REFRESH_SECONDS": str(REFRESH)}) for _ in range(2)]
    try:
        views = [open_marked(browser, url) for _, url in apps]
        before = [map_ids(frame) for _, _, frame, _ in views]
        assert before[0] == before[1] and before[0] and "lo-sql-test" not in before[0]

        with psycopg.connect(loaded_db, autocommit=True) as sql:  # a colleague posts an officer, in SQL
            sql.execute("CREATE TEMP TABLE t AS SELECT * FROM bb.liaison_officers ORDER BY row_no LIMIT 1")
            sql.execute("UPDATE t SET id = 'lo-sql-test', name = 'FLO SQL test', row_no = (SELECT max(row_no) + 1 FROM bb.liaison_officers)")
            sql.execute("INSERT INTO bb.liaison_officers SELECT * FROM t")
        for _, page, frame, _ in views:  # both instances show it within the interval, highlighted, without reload
            frame.wait_for_function("() => window.bbDebug.changedIds().length > 0", timeout=WITHIN)
            assert "lo-sql-test" in map_ids(frame)
            page.get_by_text("Added: FLO SQL test").first.wait_for(timeout=WITHIN)

        with psycopg.connect(pg_url_of(loaded_db), autocommit=True) as sql:  # the database becomes unreachable for the apps
            dbname = loaded_db.rsplit("/", 1)[1]
            sql.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS false')
            sql.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,))
        for _, page, frame, _ in views:
            page.get_by_text("Showing the last good data").first.wait_for(timeout=WITHIN)
            assert "lo-sql-test" in map_ids(frame)  # nothing is lost
            assert page.get_by_text("Traceback").count() == 0
        with psycopg.connect(pg_url_of(loaded_db), autocommit=True) as sql:  # it comes back: the apps recover
            sql.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true')
        for _, page, _, _ in views:
            page.get_by_text("Showing the last good data").first.wait_for(state="detached", timeout=WITHIN)

        with psycopg.connect(loaded_db, autocommit=True) as sql:  # an invalid write in SQL: the same rules as files
            first, start = sql.execute("SELECT id, start FROM bb.dialogues ORDER BY row_no LIMIT 1").fetchone()
            sql.execute("UPDATE bb.dialogues SET start = 'someday' WHERE id = %s", (first,))
        for _, page, frame, _ in views:
            page.get_by_text("Showing the last good data").first.wait_for(timeout=WITHIN)
            page.get_by_text("column 'start'").first.wait_for(timeout=WITHIN)
            assert "lo-sql-test" in map_ids(frame)
        with psycopg.connect(loaded_db, autocommit=True) as sql:
            sql.execute("UPDATE bb.dialogues SET start = %s WHERE id = %s", (start, first))
        for context, page, _, log in views:
            page.get_by_text("Showing the last good data").first.wait_for(state="detached", timeout=WITHIN)
            assert page.evaluate("() => window.notReloaded === true")
            assert log.foreign(page.url) == []
            context.close()
    finally:
        for proc, _ in apps:
            proc.terminate()
            proc.wait(10)


def pg_url_of(url: str) -> str:
    """The maintenance database of the same cluster (to re-enable a database that refuses connections)."""
    return url.rsplit("/", 1)[0] + "/postgres"
