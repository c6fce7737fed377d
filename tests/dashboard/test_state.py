"""The URL codec: tolerant decoding and a round-trip property."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.state import ViewState, decode, encode, read_day
from geo import INSTRUMENT_BY_KEY, REGIONS, ROUTES, STATUSES, FilterSpec

PARTNERS = {"ALB", "SRB", "MDA"}
IDS = {"wa-srb", "op-alb"}


def test_defaults_make_an_empty_link() -> None:
    assert encode(ViewState()) == {}
    assert decode({}) == (ViewState(), [])


def test_a_full_link_decodes() -> None:
    state, notices = decode(
        {"partners": "SRB,ALB", "instruments": "operation", "asof": "2024-05-01", "q": "border",
         "sel": "op-alb", "lat": "42.5", "lon": "20.1", "zoom": "5.5", "present": "1", "country": "MDA"},
        PARTNERS, IDS,
    )
    assert notices == []
    assert state.spec == FilterSpec(partners=("ALB", "SRB"), instruments=("operation",), as_of=dt.date(2024, 5, 1), text="border")
    assert (state.selected, state.center, state.zoom, state.present, state.partner) == ("op-alb", (42.5, 20.1), 5.5, True, "MDA")


def test_invalid_parameters_are_dropped_with_notices() -> None:
    state, notices = decode(
        {"partners": "SRB,XXX", "routes": "nowhere", "asof": "yesterday", "sel": "ghost", "lat": "95", "lon": "0",
         "zoom": "99", "country": "ZZZ", "utm_source": "mail"},
        PARTNERS, IDS,
    )
    assert state.spec == FilterSpec(partners=("SRB",))
    assert state.selected is None and state.zoom == ViewState().zoom and state.center == ViewState().center
    text = " | ".join(notices)
    for word in ("XXX", "nowhere", "asof=yesterday", "sel=ghost", "centre", "zoom", "country=ZZZ", "utm_source"):
        assert word in text


@pytest.mark.parametrize(
    ("typed", "day"),
    [("2024-05-01", dt.date(2024, 5, 1)), (" 2024-05-01 ", dt.date(2024, 5, 1)), ("1990-01-01", dt.date(1990, 1, 1)),
     ("2024-02-30", None), ("2024-5-1", None), ("yesterday", None), ("", None), ("1989-12-31", None), ("2101-01-01", None)],
)
def test_a_typed_day_is_read_or_refused_with_the_expected_form(typed: str, day: dt.date | None) -> None:
    got, problem = read_day(typed)
    assert got == day
    assert (problem is None) == (day is not None)
    if problem:
        assert "YYYY-MM-DD" in problem and "1990-01-01" in problem


def test_repeated_parameters_are_accepted() -> None:
    state, _ = decode({"partners": ["SRB", "ALB"]}, PARTNERS)
    assert state.spec.partners == ("ALB", "SRB")


dates = st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31))
states = st.builds(
    ViewState,
    spec=st.builds(
        FilterSpec,
        partners=st.lists(st.sampled_from(sorted(PARTNERS)), max_size=3).map(tuple),
        routes=st.lists(st.sampled_from(sorted(ROUTES)), max_size=3).map(tuple),
        instruments=st.lists(st.sampled_from(sorted(INSTRUMENT_BY_KEY)), max_size=3).map(tuple),
        regions=st.lists(st.sampled_from(sorted(REGIONS)), max_size=2).map(tuple),
        statuses=st.lists(st.sampled_from(STATUSES), max_size=2).map(tuple),
        as_of=dates, period_start=dates, period_end=dates,
        text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30),
    ),
    selected=st.none() | st.sampled_from(sorted(IDS)),
    center=st.tuples(st.integers(-900000, 900000).map(lambda v: v / 10000), st.integers(-1800000, 1800000).map(lambda v: v / 10000)),
    zoom=st.integers(0, 220).map(lambda v: v / 10),
    present=st.booleans(),
    partner=st.none() | st.sampled_from(sorted(PARTNERS)),
)


@given(state=states)
def test_decode_encode_round_trip(state: ViewState) -> None:
    decoded, notices = decode(encode(state), PARTNERS, IDS)
    assert notices == []
    assert decoded == state


def test_kiosk_and_theme_links_round_trip_and_bad_values_are_noticed() -> None:
    from dashboard.state import ViewState, decode, encode

    state, notices = decode({"kiosk": "30", "theme": "dark", "present": "1"})
    assert state.kiosk == 30 and state.theme == "dark" and not notices
    assert decode(encode(state))[0] == state
    bad, notices = decode({"kiosk": "9999999", "theme": "neon"})
    assert bad.kiosk == 0 and bad.theme is None and len(notices) == 2
    assert encode(ViewState()) == {}


def test_time_steps_run_half_yearly_from_the_first_start_to_today(catalog) -> None:
    import datetime as dt

    from dashboard.timebar import steps

    today = dt.date(2026, 12, 4)
    days = steps(catalog, today)
    assert days[-1] == today and days == sorted(days) and len(set(days)) == len(days)
    assert all(d.day == 1 and d.month in (1, 7) for d in days[:-1])
    first = min(s for ps in catalog.records["periods"] for s, _ in ps if s is not None)
    assert days[0] >= first.replace(day=1) and (days[0] - first).days < 190


@pytest.mark.parametrize("param", ["asof", "from", "to"])
@pytest.mark.parametrize("day", ["9999-12-31", "2101-01-01", "1000-01-01", "0001-01-01"])
def test_dates_outside_the_fields_range_are_dropped_with_a_notice(param: str, day: str) -> None:
    """Such a link broke the page for whoever opened it: the date field raised on a value out of its range."""
    state, notices = decode({param: day})
    assert (state.spec.as_of, state.spec.period_start, state.spec.period_end) == (None, None, None)
    assert any(param in n and "YYYY-MM-DD" in n for n in notices)


def test_long_link_parameters_are_cut_before_any_work() -> None:
    huge = "x" * 20_000
    params = {"sel": huge, "country": huge, "partners": ",".join(["SRB"] * 5000), "q": huge, **{f"p{n}": "1" for n in range(50)}}
    state, notices = decode(params, partners={"SRB"}, ids={"a"})
    assert state.selected is None and state.partner is None and len(state.spec.text) <= 200
    assert any("Cut the link parameter sel" in n for n in notices) and any("at most" in n for n in notices)
    assert all(len(n) < 400 for n in notices)  # a notice never repeats what was cut
