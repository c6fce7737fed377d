"""Spans of every record at once (geo.spans) agree with ``Timeline.spans`` and ``Timeline.periods`` (geo.history)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import spans
from geo.history import Change, build_timeline, first_in_force
from geo.schema import STATUSES, PartialDate

partial = st.builds(lambda y, m, d, p: f"{y:04d}" if p == 0 else f"{y:04d}-{m:02d}" if p == 1 else f"{y:04d}-{m:02d}-{d:02d}",
                    st.integers(2005, 2030), st.integers(1, 12), st.integers(1, 28), st.integers(0, 2))
maybe = st.one_of(st.just(""), partial)
status = st.sampled_from(STATUSES)
checked = st.one_of(st.none(), st.dates(dt.date(2010, 1, 1), dt.date(2030, 12, 31)))
change = st.builds(lambda d, s, e: Change(PartialDate.parse(d), s, e), partial, status, st.sampled_from(["", "signed", "still_listed"]))
activation = st.tuples(partial, maybe)
successor = st.one_of(st.none(), st.tuples(st.just("x-next"), st.tuples(st.one_of(st.none(), st.dates(dt.date(2005, 1, 1), dt.date(2030, 1, 1))),
                                                                         st.one_of(st.none(), st.dates(dt.date(2005, 1, 1), dt.date(2030, 1, 1))))))


def ordered(start: str, end: str) -> tuple[str, str]:
    """A start and an end in order (as validation guarantees)."""
    if start and end and PartialDate.parse(end).last < PartialDate.parse(start).first:
        return end, start
    return start, end


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(maybe, maybe, status, checked, st.lists(change, max_size=4), st.lists(activation, max_size=3), successor),
                min_size=1, max_size=12))
def test_spans_of_any_timelines_agree_with_the_timelines(cases: list) -> None:
    timelines = []
    for start, end, stat, day, changes, acts, succ in cases:
        start, end = ordered(start, end)
        acts = [ordered(a, b) for a, b in acts if a]
        timelines.append(build_timeline(start, end, stat, day, changes, sorted(acts, key=lambda a: PartialDate.parse(a[0]).first), succ))
    got_spans, got_periods = spans.span_tuples(spans.Steps.of(timelines))
    assert list(got_spans) == [t.spans() for t in timelines]
    assert list(got_periods) == [t.periods() for t in timelines]


def _days(cells: list[str], last: bool, none: np.int64) -> np.ndarray:
    out = []
    for c in cells:
        if not c:
            out.append(none)
        else:
            p = PartialDate.parse(c)
            out.append((np.datetime64(p.last if last else p.first, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64))
    return np.array(out, dtype=np.int64)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(maybe, maybe, status, checked), min_size=1, max_size=20))
def test_steps_built_a_column_at_a_time_agree_with_build_timeline(cases: list) -> None:
    cases = [(*ordered(a, b), s, d) for a, b, s, d in cases]
    starts, ends = [c[0] for c in cases], [c[1] for c in cases]
    checked_days = np.array([spans.NONE_HI if c[3] is None else (c[3] - dt.date(1970, 1, 1)).days for c in cases], dtype=np.int64)
    steps = spans.simple_steps(_days(starts, False, spans.NONE_LO), _days(starts, True, spans.NONE_LO), _days(ends, False, spans.NONE_LO),
                               _days(ends, True, spans.NONE_LO), np.array([c[2] for c in cases], dtype=object), checked_days)
    timelines = [build_timeline(a, b, s, d) for a, b, s, d in cases]
    want = spans.Steps.of(timelines)
    for got_a, want_a in ((steps.lo, want.lo), (steps.hi, want.hi), (steps.state, want.state), (steps.real, want.real)):
        k = want_a.shape[1]
        assert (got_a[:, :k][want.real] == want_a[want.real]).all()
    assert (steps.real[:, want.real.shape[1]:] == False).all()  # noqa: E712
    assert [list(x) for x in spans.span_tuples(steps)] == [list(x) for x in spans.span_tuples(want)]
    # once per distinct combination (records repeated, so that some share one), as the catalog builds them
    twice = [np.concatenate([a, a]) for a in (_days(starts, False, spans.NONE_LO), _days(starts, True, spans.NONE_LO),
                                              _days(ends, False, spans.NONE_LO), _days(ends, True, spans.NONE_LO))]
    status_column = pa.chunked_array([pa.array([c[2] for c in cases] * 2, pa.large_string())])
    shared = spans.own_span_tuples(*twice, status_column, np.concatenate([checked_days, checked_days]))
    assert [list(x) for x in shared] == [list(x) * 2 for x in spans.span_tuples(want)]
    firsts = spans.first_in_force(steps)
    assert [first_in_force(t) for t in timelines] == firsts


def test_no_records_have_no_spans() -> None:
    none = np.zeros(0, np.int64)
    got = spans.own_span_tuples(none, none, none, none, pa.chunked_array([pa.array([], pa.large_string())]), none)
    assert [len(x) for x in got] == [0, 0]
