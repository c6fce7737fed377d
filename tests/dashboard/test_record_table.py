"""The record table's pages: bounds, names-first columns, readable labels, ids last."""

from __future__ import annotations

import pytest

from dashboard.record_table import COLUMNS, ID, PAGE_SIZE, page_bounds, page_count, table_page
from geo import INSTRUMENT_BY_KEY, STATUS_LABELS, Catalog


@pytest.mark.parametrize(("rows", "pages"), [(0, 1), (1, 1), (200, 1), (201, 2), (100_000, 500)])
def test_page_count(rows: int, pages: int) -> None:
    assert PAGE_SIZE == 200
    assert page_count(rows) == pages


@pytest.mark.parametrize(
    ("rows", "page", "bounds"),
    [(450, 1, (0, 200)), (450, 2, (200, 400)), (450, 3, (400, 450)), (450, 9, (400, 450)), (450, 0, (0, 200)), (0, 1, (0, 0))],
)
def test_page_bounds_are_clamped_to_the_pages_there_are(rows: int, page: int, bounds: tuple[int, int]) -> None:
    assert page_bounds(rows, page) == bounds


def test_a_page_leads_with_names_and_ends_with_the_id(catalog: Catalog) -> None:
    names = catalog.partner_names()
    table = table_page(catalog.records, names, 1)
    assert list(table.columns) == ["Name", "Instrument", "Partners", "Start", "End", "Status", "Confidence", "ID"]
    assert list(table.columns) == list(COLUMNS.values())
    row = table[table[ID] == "cp-kuch"].iloc[0]
    assert row["Name"] == "CP Kuchurhan" and row["Partners"] == "Country MDA, Country UKR"
    assert row["Instrument"] == INSTRUMENT_BY_KEY["coordination_point"].label and row["Status"] == STATUS_LABELS["active"]
    assert list(table[ID]) == list(catalog.records["id"])  # the records' order


def test_a_small_page_size_slices_in_order(catalog: Catalog) -> None:
    ids = list(catalog.records["id"])
    second = table_page(catalog.records, catalog.partner_names(), 2, size=5)
    assert list(second[ID]) == ids[5:10] and list(second.index) == [0, 1, 2, 3, 4]  # positions on the page
    assert list(table_page(catalog.records.iloc[:0], {}, 1)[ID]) == []
