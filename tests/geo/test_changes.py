"""Diffs between data versions, on the toy dataset edited on disk."""

from __future__ import annotations

import csv
import datetime as dt
import io
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


def test_the_version_log_keeps_only_what_changed_and_answers_since_any_time(tmp_path: Path) -> None:
    """A log of versions keeps the current fingerprints and, per earlier version, only the records that differed."""
    import datetime as dt

    from geo.changes import VersionLog

    d = write_dataset(tmp_path / "data")
    t0 = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    log = VersionLog()
    first = geo.load_catalog(d)
    log.remember(t0, first.version, fingerprints(first))
    dialogues = d / "dialogues.csv"
    original = dialogues.read_text()
    dialogues.write_text(original.replace("Rabat Process", "Rabat Process (renamed)"))
    second = geo.load_catalog(d)
    log.remember(t0 + dt.timedelta(hours=1), second.version, fingerprints(second))
    events = d / "events.csv"
    lines = events.read_text().splitlines()
    events.write_text("\n".join([lines[0]]) + "\n")  # ev-visit removed
    dialogues.write_text(original)  # and the rename undone
    third = geo.load_catalog(d)
    log.remember(t0 + dt.timedelta(hours=2), third.version, fingerprints(third))
    assert all(len(s.before) <= 2 for s in log.steps)  # per version: the records that differed, not every record

    since_start, at = log.changes_since(third.version, t0)
    assert since_start == diff(fingerprints(first), fingerprints(third)) and at == t0
    assert since_start.removed == (("ev-visit", "Study visit of Chișinău officials", "event"),) and not since_start.changed
    since_rename, _ = log.changes_since(third.version, t0 + dt.timedelta(minutes=90))
    assert since_rename.changed == ("dl-rabat",) and since_rename == diff(fingerprints(second), fingerprints(third))
    before_all, at = log.changes_since(third.version, t0 - dt.timedelta(days=1))
    assert at == t0 and before_all == since_start  # no older version: compared from the oldest, and said so
    assert log.changes_since(first.version, t0) == (diff({}, {}), t0)  # only the current version is answered


def test_the_version_log_tells_a_viewer_only_of_records_at_or_below_the_clearance(tmp_path: Path) -> None:
    """A record raised above a clearance reads as removed to that viewer, one lowered into it as added, and a
    change to a record above it in both versions is not listed at all."""
    from geo.changes import VersionLog

    d = write_dataset(tmp_path / "data")
    t0 = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    log = VersionLog()
    path = d / "dialogues.csv"
    original = path.read_text()
    first = geo.load_catalog(d)
    log.remember(t0, first.version, fingerprints(first))
    assert first.records.set_index("id").loc["dl-rabat", "sensitivity"] == "public"
    rows = list(csv.DictReader(io.StringIO(original)))
    rows[0]["sensitivity"] = "restricted"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    raised = out.getvalue()

    path.write_text(raised)
    second = geo.load_catalog(d)
    log.remember(t0 + dt.timedelta(hours=1), second.version, fingerprints(second))
    public, _ = log.changes_since(second.version, t0, "public")
    assert public.removed == (("dl-rabat", "Rabat Process", "dialogue"),) and not public.added and not public.changed
    top, _ = log.changes_since(second.version, t0, "restricted")
    assert top.changed == ("dl-rabat",) and not top.removed

    path.write_text(raised.replace("Rabat Process", "Rabat Process (renamed)"))
    third = geo.load_catalog(d)
    log.remember(t0 + dt.timedelta(hours=2), third.version, fingerprints(third))
    assert len(log.changes_since(third.version, t0 + dt.timedelta(minutes=90), "public")[0]) == 0  # above it in both
    assert log.changes_since(third.version, t0 + dt.timedelta(minutes=90), "restricted")[0].changed == ("dl-rabat",)

    path.write_text(original)
    fourth = geo.load_catalog(d)
    log.remember(t0 + dt.timedelta(hours=3), fourth.version, fingerprints(fourth))
    lowered, _ = log.changes_since(fourth.version, t0 + dt.timedelta(minutes=150), "public")
    assert lowered.added == ("dl-rabat",) and not lowered.removed
