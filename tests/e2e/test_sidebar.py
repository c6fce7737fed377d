"""Real browser: the sidebar's keyboard behaviour, which AppTest cannot show (it sets widget values directly,
without the browser's search box or key handling)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.e2e

SEARCHED = "() => new URLSearchParams(location.search).has('partners')"


def sidebar_box(page, label: str):
    """The sidebar multiselect with this label, once the app has drawn it."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text=label)
    box.wait_for(timeout=60_000)
    return box


def chosen(box) -> list[str]:
    """The chips of a multiselect (the live combobox, not Streamlit's hidden template copy)."""
    return box.locator(".react-aria-ComboBox [data-tag]").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")


def param(page, name: str) -> list[str]:
    return parse_qs(urlparse(page.url).query).get(name, [])


@pytest.mark.parametrize(("typed", "code", "label"), [("Mold", "MDA", "Moldova (MDA)"), ("Niger", "NER", "Niger (NER)")])
def test_a_name_start_and_enter_picks_that_one_country(page, app_url: str, typed: str, code: str, label: str) -> None:
    """'Mold' once also matched 'Democratic Republic of the Congo (COD)' (fuzzy search) and Enter took the
    'Select 2 matches' row; 'Niger' matches Niger and Nigeria, and Enter must still take only the first."""
    page.goto(app_url + "/")
    box = sidebar_box(page, "Partner country")
    box.locator("input[role='combobox']").click()
    page.keyboard.type(typed)
    page.get_by_role("option", name=label).wait_for(timeout=20_000)
    assert "Democratic Republic of the Congo (COD)" not in page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Enter")
    page.wait_for_function(SEARCHED, timeout=20_000)
    assert param(page, "partners") == [code]
    assert chosen(box) == [label]


def test_a_typed_as_of_day_applies_on_enter(page, app_url: str) -> None:
    """Streamlit's date field applied a typed day only when it lost focus; Enter did nothing."""
    page.goto(app_url + "/")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Only what was in force on a day").click()
    page.wait_for_function("() => new URLSearchParams(location.search).has('asof')", timeout=20_000)  # today, by the tick
    field = sidebar.get_by_label("As of", exact=True)
    field.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("2020-01-15")
    page.keyboard.press("Enter")
    page.wait_for_function("() => new URLSearchParams(location.search).get('asof') === '2020-01-15'", timeout=20_000)
    assert field.evaluate("el => el === document.activeElement")  # applied while the cursor is still in the field
    page.get_by_text("in force on 2020-01-15").first.wait_for(timeout=20_000)  # the view's sentence says so
