"""Status-history spans for every record at once: ``Timeline.on`` and ``Timeline.spans`` (``geo.history``) as array
operations over all records' steps.

A timeline is a few steps, each with an earliest and a latest day and a status. The answer to "in force on day D?"
can only change on a step's earliest or latest day or on the record's start, so the spans come from asking that
question on those days: here for all records in one pass, with the steps of each record as a row of a matrix (padded
to the longest row). Most records have one or two steps built from their own cells (start, end, status, checked day),
and those rows are built here too; records with history rows, activations or a successor have their steps built by
``history.build_timeline`` and join the same matrices. A test compares the result with ``Timeline.spans`` for random
timelines and for every record of the shipped data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.columns import distinct_rows
from geo.history import State, Timeline, state_of
from geo.schema import IN_FORCE_STATUSES, UNKNOWN_STATUSES

NONE_LO = np.int64(-(2**62))  # a step without an earliest day happened "some time before"
NONE_HI = np.int64(2**62)  # without a latest day: not certain on any day
OUT, IN, UNKNOWN = 0, 1, 2
STATES = (State.OUT, State.IN, State.UNKNOWN)
NO_DAY_PROBE = np.int64((dt.date(2000, 1, 1) - dt.date(1970, 1, 1)).days)  # Timeline.spans' probe without any breakpoint


def _among(statuses: np.ndarray | pa.Array | pa.ChunkedArray, values: list[str]) -> np.ndarray:
    """Which statuses are one of ``values`` (numpy strings, or an Arrow column: no Python string per record)."""
    if isinstance(statuses, pa.Array | pa.ChunkedArray):
        return np.asarray(pc.is_in(statuses, pa.array(values, statuses.type)).to_numpy(zero_copy_only=False), dtype=bool)
    return np.isin(statuses, values)


def state_codes(statuses: np.ndarray | pa.Array | pa.ChunkedArray) -> np.ndarray:
    """How each status answers "in force?" (``history.state_of``), as OUT / IN / UNKNOWN codes."""
    out = np.full(len(statuses), OUT, dtype=np.int8)
    out[_among(statuses, sorted(IN_FORCE_STATUSES))] = IN
    out[_among(statuses, sorted(UNKNOWN_STATUSES))] = UNKNOWN
    return out


def days(values: np.ndarray, none: np.int64) -> np.ndarray:
    """datetime64[D] (NaT: none) as int64 days since 1970-01-01, with ``none`` for NaT."""
    out = values.astype("datetime64[D]").astype(np.int64)
    return np.where(np.isnat(values), none, out)


@dataclass(frozen=True)
class Steps:
    """The steps of n records, padded to k per record: earliest and latest day, state, and which are real."""

    lo: np.ndarray  # (n, k) int64, NONE_LO where unbounded
    hi: np.ndarray  # (n, k) int64, NONE_HI where unbounded
    state: np.ndarray  # (n, k) int8
    real: np.ndarray  # (n, k) bool
    begin: np.ndarray  # (n,) the record's first possible start day, NONE_LO without a start

    @classmethod
    def of(cls, timelines: list[Timeline]) -> Steps:
        """From timelines built one by one (``history.build_timeline``)."""
        k = max((len(t.steps) for t in timelines), default=0)
        n = len(timelines)
        lo, hi = np.full((n, k), NONE_LO), np.full((n, k), NONE_HI)
        state, real = np.zeros((n, k), np.int8), np.zeros((n, k), bool)
        begin = np.full(n, NONE_LO)
        epoch = dt.date(1970, 1, 1)
        for r, t in enumerate(timelines):
            for c, s in enumerate(t.steps):
                lo[r, c] = NONE_LO if s.lo is None else (s.lo - epoch).days
                hi[r, c] = NONE_HI if s.hi is None else (s.hi - epoch).days
                state[r, c] = STATES.index(state_of(s.status))
                real[r, c] = True
            if t.start is not None:
                begin[r] = (t.start.first - epoch).days
        return cls(lo, hi, state, real, begin)


def simple_steps(start_first: np.ndarray, start_last: np.ndarray, end_first: np.ndarray, end_last: np.ndarray,
                 status: np.ndarray | pa.ChunkedArray, checked: np.ndarray) -> Steps:
    """``build_timeline`` for records without history rows, activations or successor, a column at a time.

    Arguments are int64 days (NONE_LO / NONE_HI where the cell is empty) and the status strings. The steps: the
    record's status from its start (records that ended, were superseded or suspended were in force before, so
    they start active; without a start, "since a day no source gives", known by the checked day if that status
    is the current one); no longer in force after its end; and, without an end, the change to the current status
    on a day no source gives, by the checked day.
    """
    return _steps(start_first, start_last, end_first, end_last, _was_active(status), state_codes(status), checked)


def _was_active(status: np.ndarray | pa.ChunkedArray) -> np.ndarray:
    return _among(status, ["ended", "superseded", "suspended"])


def _steps(start_first: np.ndarray, start_last: np.ndarray, end_first: np.ndarray, end_last: np.ndarray,
           was_active: np.ndarray, current: np.ndarray, checked: np.ndarray) -> Steps:
    n = len(current)
    has_start, has_end = start_first != NONE_LO, end_first != NONE_LO
    first_state = np.where(was_active, IN, current).astype(np.int8)
    a_lo = np.where(has_start, start_first, NONE_LO)
    a_hi = np.where(has_start, start_last, np.where(was_active, NONE_HI, checked))  # known by the checked day
    a_rank = np.where(has_start, 1, 0)
    b_lo, b_hi = np.where(has_end, end_first + 1, NONE_LO), np.where(has_end, end_last + 1, NONE_HI)
    b_state = np.full(n, OUT, np.int8)  # after its end: its own status if that is not in force, else "ended"
    # Sorted by (rank, earliest day, latest day): the end step goes first only if it sorts before the start step.
    swap = has_end & (a_rank == 1) & ((b_lo < a_lo) | ((b_lo == a_lo) & (b_hi < a_hi)))
    lo, hi, state = np.full((n, 2), NONE_LO), np.full((n, 2), NONE_HI), np.zeros((n, 2), np.int8)
    real = np.zeros((n, 2), bool)
    lo[:, 0], hi[:, 0], state[:, 0] = np.where(swap, b_lo, a_lo), np.where(swap, b_hi, a_hi), np.where(swap, b_state, first_state)
    lo[:, 1], hi[:, 1], state[:, 1] = np.where(swap, a_lo, b_lo), np.where(swap, a_hi, b_hi), np.where(swap, first_state, b_state)
    real[:, 0] = True
    real[:, 1] = has_end
    # No end and a current status other than the first: a last step to it, by the checked day if that is later.
    last = ~has_end & was_active
    late = (checked != NONE_HI) & ((a_hi == NONE_HI) | (checked >= a_hi))
    lo[last, 1], hi[last, 1], state[last, 1], real[last, 1] = a_lo[last], np.where(late, checked, NONE_HI)[last], current[last], True
    begin = np.where(has_start, start_first, NONE_LO)
    return Steps(lo, hi, state, real, begin)


def states_on(steps: Steps, probe: np.ndarray) -> np.ndarray:
    """``Timeline.on(day).state`` for each record (row) and each probe day (column of ``probe``, int64 days)."""
    k = steps.lo.shape[1]
    day = probe[:, :, None]
    lo, hi, real = steps.lo[:, None, :], steps.hi[:, None, :], steps.real[:, None, :]
    col = np.arange(k)
    certain = real & (hi <= day)
    done = np.where(certain, col, -1).max(axis=2, initial=-1)
    blocked = (col > done[:, :, None]) & ~(real & (lo <= day))
    upto = np.where(blocked, col, k).min(axis=2, initial=k) - 1
    low = np.maximum(done, 0)[:, :, None]
    among = (col >= low) & (col <= upto[:, :, None])
    state = steps.state[:, None, :]
    has = [(among & (state == s)).any(axis=2) for s in (OUT, IN, UNKNOWN)]
    has[OUT] |= done < 0  # nothing certainly happened yet: "not begun" is one of the possibilities
    count = has[OUT].astype(np.int8) + has[IN] + has[UNKNOWN]
    out = np.where(count == 1, np.where(has[IN], IN, np.where(has[UNKNOWN], UNKNOWN, OUT)), UNKNOWN).astype(np.int8)
    out[probe < steps.begin[:, None]] = OUT  # before its start nothing is in force
    return out


@dataclass(frozen=True)
class Runs:
    """Spans of all records, flat: record ``row[i]`` is ``state[i]`` from ``first[i]`` to ``last[i]`` (int64 days,
    NONE_LO / NONE_HI where unbounded), in record order, then day order."""

    row: np.ndarray
    first: np.ndarray
    last: np.ndarray
    state: np.ndarray


def spans(steps: Steps) -> tuple[Runs, Runs]:
    """Every record's spans (``Timeline.spans``: runs of days in force or date unknown, with which) and periods
    (the same days merged whatever their state)."""
    n = steps.lo.shape[0]
    marks = np.concatenate([np.where(steps.real, steps.lo, NONE_HI), np.where(steps.real, steps.hi, NONE_HI), steps.begin[:, None]], axis=1)
    marks = np.where((marks == NONE_LO) | (marks == NONE_HI), NONE_HI, marks)
    marks.sort(axis=1)
    repeat = np.zeros_like(marks, dtype=bool)
    repeat[:, 1:] = marks[:, 1:] == marks[:, :-1]
    marks = np.where(repeat, NONE_HI, marks)
    marks.sort(axis=1)
    points = (marks != NONE_HI).sum(axis=1)
    width = int(points.max(initial=0))
    marks = marks[:, :width]
    # Edge 0 runs from the beginning of time to the first breakpoint; edge e from breakpoint e - 1 to breakpoint e.
    first = np.concatenate([np.full((n, 1), NONE_LO), marks], axis=1)
    last = np.concatenate([marks - 1, np.full((n, 1), NONE_HI)], axis=1)
    last = np.where(last == NONE_HI - 1, NONE_HI, last)
    probe = first.copy()
    probe[:, 0] = np.where(points > 0, marks[:, 0] - 1 if width else NO_DAY_PROBE, NO_DAY_PROBE)
    state = states_on(steps, probe)
    edge = np.arange(width + 1)
    real = edge[None, :] <= points[:, None]
    last[np.arange(n), points] = NONE_HI  # the last edge of each record is open-ended
    return _runs(state, real, first, last, merge_states=False), _runs(state, real, first, last, merge_states=True)


def _runs(state: np.ndarray, real: np.ndarray, first: np.ndarray, last: np.ndarray, merge_states: bool) -> Runs:
    on = real & (state != OUT)
    key = on.astype(np.int8) if merge_states else np.where(on, state, -1)
    before = np.concatenate([np.full((len(key), 1), -2, key.dtype), key[:, :-1]], axis=1)
    after = np.concatenate([key[:, 1:], np.full((len(key), 1), -2, key.dtype)], axis=1)
    after = np.where(real & np.roll(real, -1, axis=1) & (np.arange(key.shape[1]) < key.shape[1] - 1), after, -2)
    starts = on & (before != key)
    ends = on & (after != key)
    rows, cols = np.nonzero(starts)
    erows, ecols = np.nonzero(ends)
    return Runs(rows, first[rows, cols], last[erows, ecols], state[rows, cols] if not merge_states else np.full(len(rows), IN, np.int8))


def _as_dates(values: np.ndarray) -> np.ndarray:
    """int64 days as ``datetime.date`` objects (None for NONE_LO / NONE_HI), one object per distinct day."""
    distinct, back = np.unique(values, return_inverse=True)
    dates = (np.datetime64("1970-01-01", "D") + np.clip(distinct, -719162, 2932896)).astype(object)
    dates[(distinct == NONE_LO) | (distinct == NONE_HI)] = None
    return dates[back.reshape(-1)]


def to_tuples(runs: Runs, n: int, with_state: bool) -> np.ndarray:
    """Per record (an object array), its runs as the tuples ``Timeline.spans`` / ``periods`` give (None for an
    unbounded side). Records with the same runs share one tuple: each distinct list of runs is made once."""
    out = np.empty(n, dtype=object)
    out.fill(())  # records without a run
    if not len(runs.row):
        return out
    bounds = np.searchsorted(runs.row, np.arange(n + 1))
    count = np.diff(bounds)
    width = int(count.max())
    at = np.arange(len(runs.row)) - bounds[runs.row]
    key = np.full((n, 3 * width), NONE_HI, dtype=np.int64)
    key[runs.row, at] = runs.first
    key[runs.row, width + at] = runs.last
    key[runs.row, 2 * width + at] = runs.state if with_state else 0
    some = np.flatnonzero(count > 0)
    first, back = distinct_rows(key[some])
    made = np.empty(len(first), dtype=object)
    picked, sizes = key[some[first]], count[some[first]]
    days = _as_dates(picked[:, : 2 * width].ravel()).reshape(len(first), 2 * width)
    states = np.array(STATES, dtype=object)[np.minimum(picked[:, 2 * width :], len(STATES) - 1)]  # padding is never read
    for c in np.unique(sizes).tolist():  # the tuples of records with c runs, made by zip (in C), not one by one
        these = np.flatnonzero(sizes == c)
        firsts, lasts, kinds = days[these, :c].T.tolist(), days[these, width:width + c].T.tolist(), states[these, :c].T.tolist()
        items = [zip(firsts[i], lasts[i], kinds[i], strict=True) if with_state else zip(firsts[i], lasts[i], strict=True) for i in range(c)]
        made[these] = np.fromiter(zip(*items, strict=True), dtype=object, count=len(these))
    out[some] = made[back.reshape(-1)]
    return out


def _date(day: int) -> dt.date | None:
    return None if day in (NONE_LO, NONE_HI) else dt.date(1970, 1, 1) + dt.timedelta(days=day)


def first_in_force(steps: Steps) -> list[tuple[dt.date | None, dt.date | None]]:
    """Per record, the earliest and latest day of its first in-force step ((None, None) if it never applied)."""
    hit = steps.real & (steps.state == IN)
    col = np.argmax(hit, axis=1)
    rows = np.arange(len(col))
    lo, hi, any_ = steps.lo[rows, col].tolist(), steps.hi[rows, col].tolist(), hit.any(axis=1).tolist()
    return [(_date(a), _date(b)) if ok else (None, None) for a, b, ok in zip(lo, hi, any_, strict=True)]


def own_span_tuples(start_first: np.ndarray, start_last: np.ndarray, end_first: np.ndarray, end_last: np.ndarray,
                    status: pa.ChunkedArray, checked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``span_tuples(simple_steps(...))``, worked out once per distinct combination of the record's days and of
    what its status says (records with the same ones share their tuples). The 25,000 records of a synthetic file
    have fewer than ten combinations, and their steps and spans took 50-57 ms (2026-12-07); when every record
    differs, this costs the grouping (a few ms) on top."""
    was_active, current = _was_active(status), state_codes(status)
    key = np.stack([start_first, start_last, end_first, end_last, checked, was_active * 3 + current], axis=1)
    first, back = distinct_rows(key)
    steps = _steps(start_first[first], start_last[first], end_first[first], end_last[first], was_active[first],
                   current[first], checked[first])
    spans_, periods = span_tuples(steps)
    return spans_[back], periods[back]


def span_tuples(steps: Steps) -> tuple[np.ndarray, np.ndarray]:
    """Per record: its spans (tuples of (first, last, State)) and its periods (tuples of (first, last))."""
    n = steps.lo.shape[0]
    spans_, periods = spans(steps)
    return to_tuples(spans_, n, with_state=True), to_tuples(periods, n, with_state=False)

