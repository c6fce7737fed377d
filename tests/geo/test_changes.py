"""Diffs between data versions, on the toy dataset edited on disk."""

from __future__ import annotations

from pathlib import Path

import geo
from geo.changes import diff, fingerprints
from tests.fixtures import write_dataset


def test_diff_finds_added_changed_and_removed_records(tmp_path: Path) -> None:
    d = write_dataset(tmp_path / "data")
    before = fingerprints(geo.load_catalog(d))
    assert diff(before, before) == diff({}, {}) and len(diff(before, before)) == 0

    path = d / "liaison_officers.csv"
    lines = path.read_text().splitlines()
    header, rows = lines[0], lines[1:]
    belgrade = next(r for r in rows if r.startswith("lo-bel,"))
    rows.remove(belgrade)
    rows.append(belgrade.replace("lo-bel,", "lo-new,", 1).replace("FLO Belgrade", "FLO New"))
    path.write_text("\n".join([header, *rows]) + "\n")
    dialogues = d / "dialogues.csv"
    dialogues.write_text(dialogues.read_text().replace("Rabat Process", "Rabat Process (renamed)"))
    after = fingerprints(geo.load_catalog(d))

    changes = diff(before, after)
    assert changes.added == ("lo-new",)
    assert changes.changed == ("dl-rabat",)
    assert changes.removed == (("lo-bel", "FLO Belgrade", "liaison_officer"),)
    assert set(changes.present) == {"lo-new", "dl-rabat"} and len(changes) == 3
    assert changes.only({"dl-rabat"}).changed == ("dl-rabat",) and not changes.only({"dl-rabat"}).added


def test_an_activation_change_marks_its_coordination_point(tmp_path: Path) -> None:
    d = write_dataset(tmp_path / "data")
    before = fingerprints(geo.load_catalog(d))
    acts = d / "activations.csv"
    text = acts.read_text()
    assert "cp-kuch" in text
    acts.write_text(text + "cp-kuch,2021-07,2021-07,,https://example.org/source,2024-03-01,\n")
    changes = diff(before, fingerprints(geo.load_catalog(d)))
    assert changes.changed == ("cp-kuch",) and not changes.added and not changes.removed
