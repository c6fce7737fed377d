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
