"""Status history: "was it in force on that day?" answered in force / not in force / date unknown, as one table.

The fixture adds to the toy dataset (tests/fixtures.py) the cases the issue names: an arrangement suspended
during a year (Belarus), an arrangement that ended, an agreement superseded when its second generation
entered into force, and records whose start no source gives.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from geo import Catalog, FilterSpec, State, date_unknown, known_facts, load_catalog, matching_ids, standings
from tests.fixtures import SRC, base_tables, write_dataset

D = dt.date
TODAY = D(2026, 12, 6)


def _row(record_id: str, date: str, status: str = "", event: str = "") -> dict[str, str]:
    return {"record_id": record_id, "date": date, "status": status, "event": event, "sources": SRC,
            "checked": "2026-11-01", "confidence": "high"}


def history_tables() -> dict[str, list[dict[str, str]]]:
    """The toy dataset plus records with a status history."""
    t = base_tables()
    common = {"description": "A test record.", "confidence": "high", "sources": SRC, "checked": "2026-11-01"}
    t["working_arrangements.csv"] += [
        # cooperation put on hold during 2021 (day not given), the arrangement still listed
        {**common, "id": "wa-blr", "name": "WA Belarus", "partners": "BLR", "start": "2009", "status": "suspended", "party_type": "country"},
        # its counterpart closed in 2024 (the sources disagree on the month)
        {**common, "id": "wa-mission", "name": "WA EU mission in Niger", "partners": "NER", "start": "2022-07-15", "end": "2024",
         "status": "ended", "party_type": "eu_mission"},
        # start not known; a dated source shows it in force in 2012
        {**common, "id": "wa-mne", "name": "WA Montenegro", "partners": "ALB", "start": "", "status": "active", "party_type": "country"},
    ]
    first = t["status_agreements.csv"][0]
    first.update(start="2017-10-16", end="")  # superseded; its end follows from the second generation's entry into force
    t["status_agreements.csv"].append({**common, "id": "sa-alb-2", "name": "SA Albania (2nd)", "partners": "ALB", "start": "2023-09-07",
                                       "status": "active", "generation": "2", "parent": "sa-alb-1"})
    t["status_changes.csv"] = [
        _row("wa-blr", "2009", "active", "signed"),
        _row("wa-blr", "2021-06-28", "", "context"),
        _row("wa-blr", "2021", "suspended", "suspended"),
        _row("wa-mission", "2022-07-15", "active", "signed"),
        _row("wa-mission", "2024", "ended", "ended"),
        _row("wa-mne", "2012-01-19", "active", "still_listed"),
        _row("sa-alb-1", "2017-10-16", "under_negotiation", "mandate"),
        _row("sa-alb-1", "2018-10-05", "signed", "signed"),
        _row("sa-alb-1", "2019-02-12", "", "decision_conclusion"),
        _row("sa-alb-1", "2019-05-01", "active", "entry_into_force"),
        _row("sa-alb-2", "2023-09-07", "under_negotiation", "decision_signing"),
        _row("sa-alb-2", "2023-09-15", "signed", "signed"),
        _row("sa-alb-2", "2024-04-01", "active", "entry_into_force"),
    ]
    return t


@pytest.fixture(scope="module")
def hist(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The history dataset, loaded once for the table."""
    return load_catalog(write_dataset(tmp_path_factory.mktemp("hist") / "data", history_tables()))


IN, OUT, UNKNOWN = State.IN, State.OUT, State.UNKNOWN
# (why, record, day, expected state, words the reason contains)
CASES = [
    ("Belarus before the arrangement", "wa-blr", D(2008, 12, 31), OUT, "before its start"),
    ("Belarus in 2009: signed some day that year", "wa-blr", D(2009, 3, 1), UNKNOWN, "2009"),
    ("Belarus in force between its signature and the suspension", "wa-blr", D(2015, 6, 1), IN, "since 2009"),
    ("Belarus during 2021: suspended on a day no source gives", "wa-blr", D(2021, 6, 1), UNKNOWN, "suspended since 2021"),
    ("Belarus in January 2022: suspended, not in force", "wa-blr", D(2022, 1, 15), OUT, "suspended since 2021"),
    ("Belarus today: still suspended", "wa-blr", TODAY, OUT, "suspended"),
    ("an arrangement in force before its counterpart closed", "wa-mission", D(2023, 6, 1), IN, "2022-07-15"),
    ("the year it ended, month disputed: date unknown", "wa-mission", D(2024, 7, 1), UNKNOWN, "ended"),
    ("after it ended", "wa-mission", D(2025, 1, 1), OUT, "ended since 2024"),
    ("first generation before it applied: only signed", "sa-alb-1", D(2019, 1, 1), OUT, "signed"),
    ("first generation in force", "sa-alb-1", D(2024, 3, 31), IN, "entry into force"),
    ("first generation superseded when the second enters into force", "sa-alb-1", D(2024, 4, 1), OUT, "sa-alb-2"),
    ("second generation signed, not yet in force", "sa-alb-2", D(2024, 3, 31), OUT, "signed"),
    ("second generation in force", "sa-alb-2", D(2024, 4, 1), IN, "2024-04-01"),
    ("start not known, before the first dated source", "wa-mne", D(2010, 1, 1), UNKNOWN, "no source gives"),
    ("start not known, after a dated source shows it", "wa-mne", D(2015, 1, 1), IN, "2012-01-19"),
    ("start not known, no history: date unknown before its check", "wa-marri", D(2016, 1, 1), UNKNOWN, "start not known"),
    ("start not known, no history: its status holds from the check day", "wa-marri", TODAY, IN, "known by 2026-11-01"),
    ("never applied", "sa-ner", TODAY, OUT, "under negotiation"),
    ("activation by month: the days of that month are open", "cp-kuch", D(2021, 6, 15), UNKNOWN, "activation"),
    ("between two activations", "cp-kuch", D(2021, 7, 15), OUT, "ended after an activation"),
]


@pytest.mark.parametrize(("why", "rid", "day", "state", "words"), CASES, ids=[c[0] for c in CASES])
def test_as_of_table(hist: Catalog, why: str, rid: str, day: dt.date, state: State, words: str) -> None:
    row = standings(hist, day).set_index("id").loc[rid]
    assert row["state"] is state, f"{why}: {row['reason']}"
    assert words in row["reason"], row["reason"]
    kept = rid in matching_ids(hist, FilterSpec(as_of=day))
    assert kept == (state is not State.OUT), why  # in force and "date unknown" are kept, never silently dropped
    marked = rid in set(hist.records["id"][date_unknown(hist, FilterSpec(as_of=day))])
    assert marked == (state is State.UNKNOWN), why


def test_date_unknown_is_all_false_without_a_day(hist: Catalog) -> None:
    assert not date_unknown(hist, FilterSpec()).any()


def test_period_filter_marks_records_known_only_as_possibly_in_force(hist: Catalog) -> None:
    spec = FilterSpec(period_start=D(2021, 3, 1), period_end=D(2021, 9, 30), instruments=("working_arrangement",))
    unknown = set(hist.records["id"][date_unknown(hist, spec)])
    assert {"wa-blr", "wa-marri"} <= unknown  # Belarus may already be suspended on every day of it; MARRI: no start
    assert "wa-mne" in matching_ids(hist, spec) and "wa-mne" not in unknown  # in force since 2012 at the latest
    assert "wa-mission" not in matching_ids(hist, spec)  # began in 2022
    wider = spec.with_(period_start=D(2020, 10, 1))  # Belarus was in force in late 2020: a known day in the period
    assert "wa-blr" in matching_ids(hist, wider) and "wa-blr" not in set(hist.records["id"][date_unknown(hist, wider)])


def test_periods_follow_the_history(hist: Catalog) -> None:
    periods = dict(zip(hist.records["id"], hist.records["periods"], strict=True))
    assert periods["wa-blr"] == ((D(2009, 1, 1), D(2021, 12, 30)),)
    assert periods["sa-alb-1"] == ((D(2019, 5, 1), D(2024, 3, 31)),)
    assert periods["sa-ner"] == ()


def test_known_facts_say_what_is_known(hist: Catalog) -> None:
    facts = dict(known_facts(hist.record("wa-blr")["timeline"], D(2022, 1, 1)))
    assert facts["Start"] == "2009" and "not known" in facts["End"]
    assert facts["On 2022-01-01"].startswith("not in force (suspended)") and "since 2021" in facts["On 2022-01-01"]
    assert dict(known_facts(hist.record("wa-mne")["timeline"], TODAY))["Start"].startswith("not known")


def test_history_rows_of_a_record_oldest_first(hist: Catalog) -> None:
    rows = hist.history_of("wa-blr")
    assert list(rows["date"]) == ["2009", "2021", "2021-06-28"]  # 2021 may be any day of the year: it sorts first
    assert hist.history_of("wa-ukr").empty


def test_a_history_change_marks_the_record_changed(tmp_path: Path) -> None:
    from geo.changes import diff, fingerprints

    a = load_catalog(write_dataset(tmp_path / "a", history_tables()))
    tables = history_tables()
    tables["status_changes.csv"][2]["date"] = "2020"
    b = load_catalog(write_dataset(tmp_path / "b", tables))
    assert diff(fingerprints(a), fingerprints(b)).changed == ("wa-blr",)


def test_spans_give_the_same_answer_as_the_timeline_on_every_day(hist: Catalog) -> None:
    """Filters and headline figures read the precomputed spans; the answer must not differ from ``on``."""
    from geo import state_on

    days = [D(2005, 1, 1) + dt.timedelta(days=n) for n in range(0, 8400, 7)]
    for timeline, spans in zip(hist.timelines(), hist.records["spans"], strict=True):
        for day in days:
            assert state_on(spans, day) is timeline.on(day).state, (day, timeline)
