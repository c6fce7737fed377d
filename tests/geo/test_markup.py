"""Issue 11: markup and control characters in free text, and script or data URLs among sources, are errors that
name file, row, column, what was expected and what was found. One bad-input fixture per kind of payload."""

from __future__ import annotations

from pathlib import Path

import pytest

import geo
from tests.fixtures import base_tables, write_dataset

PLAIN = "plain text: no markup"

# (what, file, record index, column, payload, words the 'found' text contains)
TEXT_CASES = [
    ("script in an svg", "working_arrangements.csv", 0, "name", "<svg><script>alert(41)</script></svg>", "'<svg><script>alert("),
    ("image with an error handler", "dialogues.csv", 0, "description", "See <img src=x onerror=alert(1)> here", "'<img src=x onerror"),
    ("link", "events.csv", 0, "place", '<a href="https://evil.example">Warsaw</a>', "'<a href="),
    ("form", "liaison_officers.csv", 0, "notes", "<form action=https://evil.example><input name=p></form>", "'<form action="),
    ("closing tag", "organisations.csv", 0, "coord_source", "GeoNames</td>", "'</td>'"),
    ("comment", "projects.csv", 0, "implementers", "the agency <!-- hidden -->", "'<!-- hidden -->'"),
    ("character reference", "risk_networks.csv", 0, "acronym", "&#60;script&#62;", "'&#60;script&#62;'"),
    ("named character reference", "partners.csv", 0, "note", "&lt;b&gt;bold&lt;/b&gt;", "'&lt;b&gt;"),
    ("script URL in text", "coordination_points.csv", 0, "framework", "javascript:alert(document.cookie)", "'javascript:alert"),
    ("script URL, spaced and in capitals", "operations.csv", 0, "border_section", "JavaScript :void(0)", "'JavaScript :void(0)'"),
    ("data URL in text", "status_agreements.csv", 0, "council_decisions", "data:text/html;base64,PHN2Zz4=", "'data:text/html;base"),
    ("route name", "routes.csv", 0, "eu_entry", "<b>Lampedusa</b>", "'<b>Lampedusa</b>'"),
]
CONTROL_CASES = [
    ("bell", "dialogues.csv", 0, "name", "Rabat\x07Process", "U+0007 at character 6"),
    ("escape", "events.csv", 0, "description", "text \x1b[31mred", "U+001B"),
    ("tab", "working_arrangements.csv", 1, "notes", "a\tb", "U+0009 at character 2"),
    ("right-to-left override", "liaison_officers.csv", 0, "place", "Belgrade\u202egnp.exe", "U+202E"),
    ("C1 control", "projects.csv", 0, "funding", "EU\x85funds", "U+0085"),
]
URL_CASES = [
    ("script URL", "javascript:alert(41)", "http(s) URLs separated by spaces (malformed: 'javascript:alert(41)')", "'javascript:alert(41)'"),
    ("data URL", "data:text/html,<script>alert(1)</script>", "malformed: 'data:text/html,<script>alert(1)</script>'", "data:text/html"),
    ("data URL beside a good one", "https://ok.example.org/a data:image/svg+xml;base64,PHN2Zz4=", "malformed: 'data:image/svg+xml", "data:image"),
    ("markup inside an http URL", "https://example.org/<script>alert(1)</script>", "http(s) URLs without markup or control characters", "markup '<script>"),
    ("a quote breaking out of an attribute", 'https://example.org/x"onmouseover="alert(1)', "without markup", "markup '\"onmouseover"),
    ("control character in a URL", "https://example.org/a\x00b", "without markup or control characters", "U+0000"),
    ("no scheme", "//evil.example/x", "malformed: '//evil.example/x'", "'//evil.example/x'"),
]


def broken(tmp_path: Path, file: str, index: int, column: str, value: str) -> geo.Problem:
    tables = base_tables()
    tables[file][index][column] = value
    report = geo.validate(write_dataset(tmp_path / "data", tables))
    assert len(report.errors) == 1, report.format()
    return report.errors[0]


@pytest.mark.parametrize(("what", "file", "index", "column", "payload", "found"), TEXT_CASES + CONTROL_CASES,
                         ids=[c[0] for c in TEXT_CASES + CONTROL_CASES])
def test_markup_and_control_characters_in_free_text(tmp_path: Path, what: str, file: str, index: int, column: str,
                                                    payload: str, found: str) -> None:
    problem = broken(tmp_path, file, index, column, payload)
    assert (problem.file, problem.row, problem.column) == (file, index + 2, column), what
    assert problem.expected.startswith(PLAIN) and found in problem.found, problem


@pytest.mark.parametrize(("what", "payload", "expected", "found"), URL_CASES, ids=[c[0] for c in URL_CASES])
def test_sources_are_http_urls_without_markup(tmp_path: Path, what: str, payload: str, expected: str, found: str) -> None:
    problem = broken(tmp_path, "events.csv", 0, "sources", payload)
    assert (problem.file, problem.row, problem.column) == ("events.csv", 2, "sources"), what
    assert expected in problem.expected and found in problem.found, problem


@pytest.mark.parametrize("text", ["5 < 10 km from the border", "AT&T and R&D", "a data: 2021 figure, rounded",
                                  "Chișinău – Odesa (İzmir)", "the transcript of a description", "x<3"])
def test_plain_text_that_looks_a_little_like_markup_passes(tmp_path: Path, text: str) -> None:
    tables = base_tables()
    tables["dialogues.csv"][0]["description"] = text
    assert geo.validate(write_dataset(tmp_path / "data", tables)).ok


def test_an_error_in_the_database_names_the_table_row_and_column() -> None:
    problem = geo.Problem("bb.events", 7, "name", "plain text", "markup '<svg'", record="ev-x")
    assert str(problem) == "ERROR: bb.events, row 7 (id 'ev-x'), column 'name': expected plain text; found markup '<svg'"
