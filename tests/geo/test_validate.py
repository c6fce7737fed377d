"""One test per validation rule, each on a bad-input fixture derived from the valid toy dataset."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from geo import DataFileError, ValidationError, load_catalog, validate
from tests.fixtures import BOXES, base_tables, write_dataset

Tables = dict[str, list[dict[str, str]]]


def broken(tmp_path: Path, change: Callable[[Tables], None]) -> Path:
    tables = base_tables()
    change(tables)
    return write_dataset(tmp_path / "data", tables)


def only_error(directory: Path):
    report = validate(directory)
    assert len(report.errors) == 1, report.format()
    return report.errors[0]


def set_cell(file: str, index: int, column: str, value: str) -> Callable[[Tables], None]:
    def change(t: Tables) -> None:
        t[file][index][column] = value

    return change


def test_valid_fixture_has_no_problems(data_dir: Path) -> None:
    assert validate(data_dir).problems == []


# (file, record index, column, bad value, words the 'expected' text must contain, row reported)
CELL_CASES = [
    ("working_arrangements.csv", 0, "partners", "SRB;XXX", "unknown: XXX", 2),
    ("operations.csv", 0, "routes", "atlantis", "unknown: atlantis", 2),
    ("status_agreements.csv", 1, "status", "frozen", "one of active", 3),
    ("projects.csv", 0, "agency_role", "boss", "one of lead", 2),
    ("working_arrangements.csv", 1, "start", "11/06/2007", "YYYY", 3),
    ("working_arrangements.csv", 1, "start", "2007-13", "month", 3),
    ("events.csv", 0, "end", "2023-02-30", "real calendar day", 2),
    ("working_arrangements.csv", 0, "checked", "2026-11", "YYYY-MM-DD", 2),
    ("working_arrangements.csv", 0, "checked", "2999-01-01", "not in the future", 2),
    ("working_arrangements.csv", 0, "sources", "www.example.org/page", "http(s) URLs", 2),
    ("working_arrangements.csv", 0, "sources", "https://ok.example.org/a ftp://x.org", "malformed", 2),
    ("organisations.csv", 0, "lat", "95", "latitude between -90 and 90", 2),
    ("organisations.csv", 0, "lon", "east", "a number", 2),
    ("liaison_officers.csv", 0, "precision", "roughly", "one of exact", 2),
    ("projects.csv", 0, "budget_eur", "four million", "a number", 2),
    ("operations.csv", 0, "parent", "sa-nowhere", "id of a record", 2),
    ("working_arrangements.csv", 0, "confidence", "certain", "one of high", 2),
    ("working_arrangements.csv", 0, "sensitivity", "secret", "one of public", 2),
    ("partners.csv", 0, "region", "atlantis", "one of western_balkans", 2),
]


@pytest.mark.parametrize(("file", "index", "column", "value", "expected", "row"), CELL_CASES)
def test_cell_rules(tmp_path: Path, file: str, index: int, column: str, value: str, expected: str, row: int) -> None:
    problem = only_error(broken(tmp_path, set_cell(file, index, column, value)))
    assert (problem.file, problem.row, problem.column) == (file, row, column)
    assert expected in problem.expected
    assert value in problem.found or problem.found  # what was found is reported


def test_required_cell_empty(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, set_cell("dialogues.csv", 0, "description", "")))
    assert (problem.row, problem.column, problem.found) == (2, "description", "an empty cell")


def test_record_without_partner_where_one_is_needed(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, set_cell("projects.csv", 0, "partners", "")))
    assert problem.column == "partners" and "at least one partner" in problem.expected


def test_end_before_start(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, set_cell("projects.csv", 0, "end", "2013")))
    assert problem.column == "end" and "2014-07" in problem.expected and problem.found == "2013"


def test_partial_dates_in_same_period_are_not_reversed(tmp_path: Path) -> None:
    d = broken(tmp_path, lambda t: t["projects.csv"][0].update(start="2014-07", end="2014"))
    assert validate(d).ok


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, set_cell("dialogues.csv", 0, "id", "wa-srb")))
    assert problem.file == "dialogues.csv" and "working_arrangements.csv row 2" in problem.found


def test_malformed_id(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, set_cell("dialogues.csv", 0, "id", "DL Rabat")))
    assert problem.column == "id" and "lowercase" in problem.expected


def test_unknown_partner_code_format(tmp_path: Path) -> None:
    def change(t: Tables) -> None:
        t["partners.csv"].append({"code": "kos", "name": "x", "region": "western_balkans", "sources": "https://a.org", "checked": "2026-01-01"})

    report = validate(broken(tmp_path, change))
    assert any(p.column == "code" and "alpha-3" in p.expected for p in report.errors)


def test_missing_column(tmp_path: Path) -> None:
    d = write_dataset(tmp_path / "data")
    text = (d / "routes.csv").read_text().replace("description,", "descr,", 1)
    (d / "routes.csv").write_text(text)
    report = validate(d)
    missing = [p for p in report.errors if p.column == "description" and p.row == 1]
    assert missing and "no such column" in missing[0].found
    assert any(p.column == "descr" and p.severity == "warning" for p in report.warnings)


def test_missing_file(tmp_path: Path) -> None:
    d = write_dataset(tmp_path / "data")
    (d / "events.csv").unlink()
    problem = only_error(d)
    assert problem.file == "events.csv" and problem.expected == "the file to exist"


def test_wrong_encoding_names_the_row(tmp_path: Path) -> None:
    d = write_dataset(tmp_path / "data")
    path = d / "dialogues.csv"
    path.write_bytes(path.read_bytes().replace(b"Rabat Process", "Rabat Procès".encode("latin-1")))
    problem = only_error(d)
    assert (problem.file, problem.row, problem.expected) == ("dialogues.csv", 2, "UTF-8 text")
    assert "0xe8" in problem.found


def test_wrong_number_of_cells(tmp_path: Path) -> None:
    d = write_dataset(tmp_path / "data")
    path = d / "dialogues.csv"
    path.write_text(path.read_text() + "dl-x,too,few\n")
    problem = only_error(d)
    assert problem.row == 3 and "cells as in the header" in problem.expected


def test_liaison_posting_outside_host(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, lambda t: t["liaison_officers.csv"][0].update(lat="13.5", lon="2.1")))
    assert problem.column == "lat" and "inside the host country SRB" in problem.expected and "km outside" in problem.found


def test_liaison_host_not_among_partners(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, set_cell("liaison_officers.csv", 0, "partners", "MKD")))
    assert problem.column == "host"


def test_coordination_point_far_from_border(tmp_path: Path) -> None:
    # 46.5N 27.0E lies inside Moldova but ~77 km west of the Moldova–Ukraine line at x=28.
    problem = only_error(broken(tmp_path, set_cell("coordination_points.csv", 0, "lon", "27.0")))
    assert "within 10 km of the MDA–UKR border" in problem.expected and "km away" in problem.found


def test_coordination_point_between_non_neighbours(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, set_cell("coordination_points.csv", 0, "partners", "MDA;NER")))
    assert "sharing a land border" in problem.expected


def test_coordination_point_needs_two_countries(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, lambda t: t["coordination_points.csv"][0].update(partners="MDA", lat="", lon="")))
    assert "exactly two" in problem.expected


def test_only_one_coordinate(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, set_cell("events.csv", 0, "lon", "")))
    assert "both lat and lon" in problem.expected


def test_located_record_needs_precision(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, set_cell("events.csv", 0, "precision", "")))
    assert problem.column == "precision"


def test_activation_of_unknown_coordination_point(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, set_cell("activations.csv", 0, "record_id", "wa-srb")))
    assert problem.file == "activations.csv" and "coordination point" in problem.expected


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "a valid polygon"),
        ({"type": "Polygon", "coordinates": []}, "a non-empty polygon"),
    ],
)
def test_invalid_or_empty_basemap_geometry(tmp_path: Path, geometry: dict, expected: str) -> None:
    d = write_dataset(tmp_path / "data")
    path = d / "basemap" / "countries.geojson"
    fc = json.loads(path.read_text())
    fc["features"].append({"type": "Feature", "properties": {"iso3": "ZZZ", "name": "bad"}, "geometry": geometry})
    path.write_text(json.dumps(fc))
    problem = only_error(d)
    assert problem.file == "basemap/countries.geojson" and problem.row == len(BOXES) + 1 and problem.expected == expected


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    def change(t: Tables) -> None:
        t["dialogues.csv"][0]["start"] = "someday"
        t["events.csv"][0]["partners"] = "QQQ"
        t["projects.csv"][0]["sources"] = ""

    report = validate(broken(tmp_path, change))
    assert {(p.file, p.column) for p in report.errors} == {
        ("dialogues.csv", "start"), ("events.csv", "partners"), ("projects.csv", "sources"),
    }


def test_load_raises_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no such directory"):
        load_catalog(tmp_path / "nowhere")
    d = broken(tmp_path, set_cell("dialogues.csv", 0, "start", "soon"))
    with pytest.raises(ValidationError) as info:
        load_catalog(d)
    assert "dialogues.csv, row 2, column 'start'" in str(info.value)


def test_command_line_exit_codes_and_report(tmp_path: Path, data_dir: Path) -> None:
    ok = subprocess.run([sys.executable, "-m", "geo", "validate", str(data_dir)], capture_output=True, text=True)
    assert ok.returncode == 0 and "0 error(s)" in ok.stdout
    bad = broken(tmp_path / "b", set_cell("dialogues.csv", 0, "start", "soon"))
    res = subprocess.run([sys.executable, "-m", "geo", "validate", str(bad)], capture_output=True, text=True)
    assert res.returncode == 1
    assert "dialogues.csv, row 2, column 'start'" in res.stdout and "Traceback" not in res.stderr
    gone = subprocess.run([sys.executable, "-m", "geo", "validate", str(tmp_path / "nope")], capture_output=True, text=True)
    assert gone.returncode == 1 and "no such directory" in gone.stdout and "Traceback" not in gone.stderr


# --- duplicates in every file, and the status history ------------------------------------------------


def _change(**kw: str) -> dict[str, str]:
    row = {"record_id": "wa-srb", "date": "2012", "status": "active", "event": "still_listed",
           "sources": "https://example.org/source", "checked": "2026-11-01", "confidence": "high"}
    row.update(kw)
    return row


def with_changes(*rows: dict[str, str]) -> Callable[[Tables], None]:
    def change(t: Tables) -> None:
        t["status_changes.csv"] = list(rows)

    return change


def test_status_changes_fixture_is_valid(tmp_path: Path) -> None:
    assert validate(broken(tmp_path, with_changes(_change(), _change(date="2021", status="suspended", event="suspended")))).ok


def test_duplicate_route_id(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, lambda t: t["routes.csv"].append(dict(t["routes.csv"][0], name="Again"))))
    assert (problem.file, problem.row, problem.column) == ("routes.csv", 4, "id")
    assert problem.expected == "a route id used only once" and "'western-balkan', already at row 2" in problem.found


def test_duplicate_activation_period(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, lambda t: t["activations.csv"].append(dict(t["activations.csv"][1]))))
    assert (problem.file, problem.row, problem.column) == ("activations.csv", 4, "start")
    assert "activation period" in problem.expected and "already at row 3" in problem.found and "2021-08" in problem.found


def test_status_change_before_the_record_starts(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, with_changes(_change(date="2008-12"))))  # wa-srb starts in 2009
    assert (problem.file, problem.row, problem.column) == ("status_changes.csv", 2, "date")
    assert "on or after the start of wa-srb (2009, working_arrangements.csv row 2)" in problem.expected and problem.found == "2008-12"


def test_status_change_in_the_year_of_a_year_only_start_is_allowed(tmp_path: Path) -> None:
    assert validate(broken(tmp_path, with_changes(_change(date="2009-01")))).ok


def test_unknown_status_code_in_the_history(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, with_changes(_change(status="frozen"))))
    assert (problem.file, problem.row, problem.column) == ("status_changes.csv", 2, "status")
    assert "one of active, provisional" in problem.expected and problem.found == "'frozen'"


def test_unknown_event_code(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, with_changes(_change(event="celebrated"))))
    assert problem.column == "event" and "one of announced" in problem.expected


def test_status_change_of_an_unknown_record(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, with_changes(_change(record_id="wa-atlantis"))))
    assert (problem.file, problem.row, problem.column) == ("status_changes.csv", 2, "record_id")
    assert problem.expected == "the id of a record in the data" and "wa-atlantis" in problem.found


def test_duplicate_status_change(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, with_changes(_change(), _change(notes="the same again"))))
    assert (problem.file, problem.row, problem.column) == ("status_changes.csv", 3, "date")
    assert "once" in problem.expected and "already at row 2" in problem.found


def test_status_change_that_says_nothing(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, with_changes(_change(status="", event=""))))
    assert problem.column == "status" and problem.expected == "a status, an event or both"


def test_unknown_status_code_on_a_record(tmp_path: Path) -> None:
    problem = only_error(broken(tmp_path, set_cell("working_arrangements.csv", 0, "status", "paused")))
    assert (problem.file, problem.row, problem.column) == ("working_arrangements.csv", 2, "status") and problem.found == "'paused'"


def test_a_record_may_not_point_to_a_more_sensitive_parent(tmp_path: Path) -> None:
    """A public operation under a restricted status agreement would name, to a public viewer, a record they may not
    know of (and a cut by clearance would leave it pointing nowhere)."""
    def change(t: Tables) -> None:
        parent = next(r for r in t["status_agreements.csv"] if r["id"] == "sa-alb-1")
        parent["sensitivity"] = "restricted"

    problem = only_error(broken(tmp_path, change))
    assert (problem.file, problem.row, problem.column) == ("operations.csv", 2, "parent")
    assert "no more sensitive than this record (public)" in problem.expected and problem.found == "sa-alb-1 (restricted)"
