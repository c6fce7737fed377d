"""Untrusted text in the data is shown as text in a real browser: no script runs, no element is made out of it,
no request leaves the machine, whatever the validator makes of it (issue 11)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import RequestLog, start_app
from tests.e2e.test_browser import wait_map
from tests.fixtures import base_tables, write_dataset

pytestmark = pytest.mark.e2e

PAYLOADS = {
    "name": "FLO <svg><script>alert(41)</script></svg> Belgrade",
    "description": "Posted. <img src=\"http://198.51.100.7/beacon.gif\"> ![x](http://198.51.100.7/md.gif) <b>bold</b>",
    "place": "Belgrade <form action=\"http://198.51.100.7/\"><input name=p></form>",
    "coord_source": "<a href=\"javascript:alert(42)\">Re-authenticate here</a> [again](javascript:alert(43))",
    "notes": "<iframe src=\"http://198.51.100.7/\"></iframe> :red[red] $x^2$ <style>body{display:none}</style>",
}
SOURCES = {"sources": "javascript:alert(44) data:text/html,<script>alert(41)</script>"}


@pytest.fixture(params=[PAYLOADS, SOURCES], ids=["text-fields", "source-links"])
def hostile_app(request, tmp_path: Path) -> Iterator[str]:
    tables = base_tables()
    officer = tables["liaison_officers.csv"][0]
    tables["liaison_officers.csv"][0] = {**officer, **request.param}
    proc, url = start_app({"BB_DATA_DIR": str(write_dataset(tmp_path / "data", tables))})
    yield url
    proc.terminate()
    proc.wait(10)


def test_markup_in_the_data_stays_inert_text(browser, hostile_app: str) -> None:
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    log = RequestLog()
    context.on("request", log.record)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_app + "/?sel=lo-bel")
    # the validator rejects such data (no earlier good version: an error page that quotes the problem), or, were it
    # accepted, the record is drawn and its details open; either way its text is on the page as text
    page.wait_for_function("() => window.bbDebug ? window.bbDebug.ready() : !!document.querySelector('[data-testid=stAlert]')",
                           timeout=60_000)
    # accepted: the record's text is on the page; rejected: the problem is named (the values it quotes are
    # withheld from viewers below the top clearance)
    page.get_by_text(re.compile(r"alert\(41\)|liaison_officers\.csv, row 2")).first.wait_for(timeout=30_000)
    if page.evaluate("() => !!window.bbDebug"):
        wait_map(page)
    made = page.evaluate("""() => ({
        scripts: [...document.querySelectorAll('[data-testid=stMain] script, [data-testid=stMain] svg script')].length,
        images: [...document.querySelectorAll('[data-testid=stMain] img')].map(i => i.src),
        forms: document.querySelectorAll('form').length,
        iframes: document.querySelectorAll('[data-testid=stMain] iframe').length,
        scriptLinks: [...document.querySelectorAll('a')].filter(a => /^(javascript|data):/i.test(a.getAttribute('href') || '')).length,
        hidden: getComputedStyle(document.body).display })""")
    assert made == {"scripts": 0, "images": [], "forms": 0, "iframes": 0, "scriptLinks": 0, "hidden": "block"}
    assert dialogs == []
    assert log.foreign(hostile_app) == []
    context.close()
