"""Status history: was a record in force on a day? Known in force, known not in force, or "date unknown".

A record's timeline is a list of *steps*: from some day on, the record has a status. The day of a step is
known only as precisely as its source gives it, so a step carries the earliest and the latest day on which it
can have taken effect: ``2021-06-16`` is one day; ``2021`` is any day from 1 January to 31 December 2021; a
step with no earliest day happened "some time before" its latest day; one with no latest day has no source
saying by when it happened. On a day D a step has *certainly* happened if its latest day is on or before D,
has certainly *not* happened if its earliest day is after D, and *may* have happened otherwise.

The steps are read in order: by their earliest possible day (a step without one first), the change to the
current status last. The status on D is that of the last step that has certainly happened (before the first
step: not begun, so not in force). Where later steps may also have happened by D (their earliest day is not
after D) and the possible statuses disagree on "in force?", the day is **date unknown**, with the reason.
Nothing is silently in or out.

Where the steps come from (``build_timeline``):

- ``status_changes.csv`` rows with a status (rows with only an event are milestones and change nothing);
- without such rows, the record's own columns: it has its status from its ``start`` (records that ended,
  were superseded or suspended were in force before, so they start ``active``);
- a coordination point's activation periods (``activations.csv``): active from each start, ended after each end;
- ``end``: the record is no longer in force after its end (a partial end: after some day of that period);
- the current status (the ``status`` column, as confirmed on the ``checked`` day): if the steps end in another
  status, the change to the current one happened on a day no source gives, after the last step and by the
  ``checked`` day; a superseded record ends when its successor (a record of the same instrument naming it as
  ``parent``) first applies, where that is known.

``start`` bounds the record: before it, nothing was in force. With an empty start the first step may have
happened on any day before its latest day, so the days before it are "date unknown" for an in-force status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from geo.schema import EVENTS, IN_FORCE_STATUSES, STATUS_LABELS, UNKNOWN_STATUSES, PartialDate

DAY = dt.timedelta(days=1)
Period = tuple[dt.date | None, dt.date | None]


class State(StrEnum):
    """The answer to "was it in force on that day?"."""

    IN = "in_force"
    OUT = "not_in_force"
    UNKNOWN = "date_unknown"


STATE_LABELS: dict[State, str] = {State.IN: "in force / active", State.OUT: "not in force", State.UNKNOWN: "date unknown"}


def state_of(status: str) -> State:
    """How a status answers "in force?"."""
    if status in IN_FORCE_STATUSES:
        return State.IN
    if status in UNKNOWN_STATUSES:
        return State.UNKNOWN
    return State.OUT


@dataclass(frozen=True)
class Step:
    """From a day in [lo, hi] on (None: unbounded), the record has ``status``; ``text`` says so in words."""

    lo: dt.date | None
    hi: dt.date | None
    status: str
    text: str
    when: str = ""  # the day as the source gives it ("2021", "2019-05-01")
    # Order the dates cannot give: a step of a higher rank certainly follows every step of a lower one (0: the
    # first status of a record whose start is not known; 1: dated steps; 2: the change to the current status).
    rank: int = 1

    def certain(self, day: dt.date) -> bool:
        return self.hi is not None and self.hi <= day

    def possible(self, day: dt.date) -> bool:
        return (self.lo is None or self.lo <= day) and (self.hi is None or day < self.hi)


@dataclass(frozen=True)
class Standing:
    """A record on one day: in force, not in force or date unknown; the status if known; why."""

    state: State
    status: str | None
    reason: str


@dataclass(frozen=True)
class Timeline:
    """Everything needed to answer "in force on day D?" for one record (see the module docstring)."""

    start: PartialDate | None
    end: PartialDate | None
    status: str
    steps: tuple[Step, ...]

    def on(self, day: dt.date) -> Standing:
        """The record's standing on ``day``.

        The steps are in order (``build_timeline``). The last one that certainly happened by ``day`` sets the
        status, unless later ones may also have happened by then (their earliest day is not after it).
        """
        if self.start is not None and day < self.start.first:
            return Standing(State.OUT, None, f"before its start ({self.start})")
        steps = self.steps
        done = max((k for k, s in enumerate(steps) if s.certain(day)), default=-1)
        upto = done
        while upto + 1 < len(steps) and (steps[upto + 1].lo is None or steps[upto + 1].lo <= day):
            upto += 1
        # None: not begun (nothing has certainly happened yet)
        candidates: list[Step | None] = list(steps[done : upto + 1]) if done >= 0 else [None, *steps[: upto + 1]]
        states = {state_of(s.status) if s is not None else State.OUT for s in candidates}
        base = self._since(done) if done >= 0 else None
        if len(states) == 1:
            state = states.pop()
            if base is None:
                return Standing(state, None, candidates[-1].text if candidates[-1] is not None else "not begun yet")
            same = all(s is not None and s.status == base.status for s in candidates)
            since = self._since(done, by_state=True) if state is State.IN else base
            text = base.text if since is base else f"{since.text}; then {base.text}"
            return Standing(state, base.status if same else None, text)
        texts = [base.text if base is not None else "not begun yet"] + [s.text for s in candidates[1:] if s is not None]
        return Standing(State.UNKNOWN, None, "the sources leave it open: " + " or ".join(texts))

    def _since(self, k: int, by_state: bool = False) -> Step:
        """The first of the run of steps with step k's status ("in force since 2007", not since the last
        source that showed it in force); ``by_state``: with its answer (provisionally applied, then in force)."""
        same = (lambda a, b: state_of(a.status) is state_of(b.status)) if by_state else (lambda a, b: a.status == b.status)
        first = k
        while first > 0 and same(self.steps[first - 1], self.steps[k]):
            first -= 1
        return self.steps[first]

    def breakpoints(self) -> list[dt.date]:
        """The days on which the answer can change."""
        days = {d for s in self.steps for d in (s.lo, s.hi) if d is not None}
        if self.start is not None:
            days.add(self.start.first)
        return sorted(days)

    def spans(self) -> tuple[Span, ...]:
        """Maximal runs of days that are in force or date unknown, with which (None: unbounded)."""
        points = self.breakpoints()
        edges: list[dt.date | None] = [None, *points]
        runs: list[Span] = []
        for n, first in enumerate(edges):
            probe = first if first is not None else (points[0] - DAY if points else dt.date(2000, 1, 1))
            state = self.on(probe).state
            last = points[n] - DAY if n < len(points) else None
            if state is State.OUT:
                continue
            if runs and runs[-1][2] is state and runs[-1][1] is not None and first is not None and runs[-1][1] + DAY == first:
                runs[-1] = (runs[-1][0], last, state)
            else:
                runs.append((first, last, state))
        return tuple(runs)

    def periods(self) -> tuple[Period, ...]:
        """The days the record was in force or may have been (what the as-of and period filters keep)."""
        return periods_of(self.spans())


Span = tuple[dt.date | None, dt.date | None, State]


def periods_of(spans: tuple[Span, ...]) -> tuple[Period, ...]:
    """Spans merged regardless of their state: the days in force or date unknown."""
    merged: list[list[dt.date | None]] = []
    for first, last, _ in spans:
        if merged and merged[-1][1] is not None and first is not None and merged[-1][1] + DAY == first:
            merged[-1][1] = last
        else:
            merged.append([first, last])
    return tuple((a, b) for a, b in merged)


def state_on(spans: tuple[Span, ...], day: dt.date) -> State:
    """The answer on ``day`` read from a timeline's spans (computed once per data version): the same as
    ``Timeline.on(day).state``, without the reason, and cheap enough for every record at every rerun."""
    for first, last, state in spans:
        if (first is None or first <= day) and (last is None or day <= last):
            return state
    return State.OUT


def _order(step: Step) -> tuple[dt.date, dt.date]:
    return (step.lo or dt.date.min, step.hi or dt.date.max)


@dataclass(frozen=True)
class Change:
    """One row of ``status_changes.csv`` that sets a status (the inputs ``build_timeline`` needs)."""

    date: PartialDate
    status: str
    event: str = ""


def _label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def _row_step(change: Change, open_start: bool) -> Step:
    event = EVENTS.get(change.event, change.event)
    said, when = _label(change.status), str(change.date)
    if open_start:  # the record's start is unknown: it may have been so for a while before this evidence
        return Step(None, change.date.last, change.status, f"{said} since a day no source gives (a source shows it so for {when})", when)
    if change.event == "still_listed":
        text = f"{said}, as a source shows for {when}"
    else:
        text = f"{said} since {when}" + (f" ({event})" if event and event != said else "")
    return Step(change.date.first, change.date.last, change.status, text, when)


def build_timeline(
    start: str,
    end: str,
    status: str,
    checked: dt.date | None,
    changes: list[Change] | tuple[Change, ...] = (),
    activations: list[tuple[str, str]] | tuple[tuple[str, str], ...] = (),
    successor: tuple[str, tuple[dt.date | None, dt.date | None]] | None = None,
) -> Timeline:
    """One record's timeline from its cells, its status changes (rows with a status; read in date order, file
    order breaking ties), its activation periods and, for a superseded or ended record, its successor's id and
    first in-force step."""
    begin = PartialDate.parse(start) if start else None
    finish = PartialDate.parse(end) if end else None
    steps: list[Step] = []
    for s_text, e_text in activations:
        s, e = PartialDate.parse(s_text), (PartialDate.parse(e_text) if e_text else None)
        steps.append(Step(s.first, s.last, "active", f"{_label('active')} since an activation began ({s})", str(s)))
        if e is not None:
            steps.append(Step(e.first + DAY, e.last + DAY, "ended", f"ended after an activation ({e})", str(e)))
    rows = sorted(changes, key=lambda c: (c.date.first, c.date.last))
    for n, change in enumerate(rows):
        steps.append(_row_step(change, open_start=begin is None and n == 0 and not activations))
    if rows and begin is not None and rows[0].date.first > begin.last and not activations:
        steps.append(Step(begin.first, begin.last, "unknown", f"status not recorded from its start ({begin}) to {rows[0].date}", str(begin)))
    if not rows and not activations:
        first = "active" if status in ("ended", "superseded", "suspended") else status
        if begin is not None:
            steps.append(Step(begin.first, begin.last, first, f"{_label(first)} since its start ({begin})", str(begin)))
        else:
            known_by = checked if first == status else None
            by = f"; known by {known_by}" if known_by else ""
            steps.append(Step(None, known_by, first, f"{_label(first)} since a day no source gives (start not known{by})", rank=0))
    if finish is not None:
        after = status if state_of(status) is State.OUT else "ended"
        steps.append(Step(finish.first + DAY, finish.last + DAY, after, f"{_label(after)} after its end ({finish})", str(finish)))
    steps.sort(key=lambda s: (s.rank, *_order(s)))
    if finish is None and steps and steps[-1].status != status:
        last = steps[-1]
        if successor is not None and successor[1] != (None, None) and status in ("superseded", "ended"):
            sid, (lo, hi) = successor
            when = lo.isoformat() if lo is not None and lo == hi else f"between {lo or 'an unknown day'} and {hi or 'an unknown day'}"
            steps.append(Step(lo, hi, status, f"{_label(status)} when {sid} began to apply ({when})", when, rank=2))
        else:
            hi = checked if checked is not None and (last.hi is None or checked >= last.hi) else None
            after = f"after {last.when}" if last.when else "at some time"
            by = f", by {hi}" if hi else ""
            steps.append(Step(last.lo, hi, status, f"{_label(status)} since a day no source gives ({after}{by})", rank=2))
    return Timeline(begin, finish, status, tuple(steps))


def first_in_force(timeline: Timeline) -> tuple[dt.date | None, dt.date | None]:
    """The earliest and latest day on which the record first applied ((None, None) if it never did)."""
    for step in timeline.steps:  # in order
        if state_of(step.status) is State.IN:
            return (step.lo, step.hi)
    return (None, None)


def known_facts(timeline: Timeline, day: dt.date) -> list[tuple[str, str]]:
    """What is known about a record, as (what, in words) pairs: its start, its end and its standing on ``day``."""
    start = str(timeline.start) if timeline.start else "not known (no source gives it)"
    if timeline.end is not None:
        end = str(timeline.end)
    elif state_of(timeline.status) is State.OUT and timeline.status not in ("under_negotiation", "initialled", "signed"):
        end = "not known (no source gives the day)"
    else:
        end = "none known (open)"
    standing = timeline.on(day)
    status = f" ({_label(standing.status)})" if standing.status else ""
    return [("Start", start), ("End", end),
            (f"On {day.isoformat()}", f"{STATE_LABELS[standing.state]}{status} — {standing.reason}")]
