"""Dashboard settings: defaults, valid values, and bad values that fall back instead of failing."""

from __future__ import annotations

import pytest

from dashboard import settings


@pytest.mark.parametrize(
    ("value", "style", "host"),
    [
        ("", "white-bg", None),
        ("white-bg", "white-bg", None),
        ("carto-positron", "carto-positron", "basemaps.cartocdn.com"),
        ("https://tiles.intra.example/osm/{z}/{x}/{y}.png", "https://tiles.intra.example/osm/{z}/{x}/{y}.png", "tiles.intra.example"),
        ("open-street-map", "open-street-map", "tile.openstreetmap.org"),
        ("https://tiles.intra.example/styles/basic.json", "white-bg", None),  # a vector style: not drawable here
        ("google maps please", "white-bg", None),  # not a style name nor a URL: stays offline
        ("file:///etc/passwd", "white-bg", None),
    ],
)
def test_online_basemap_setting(monkeypatch: pytest.MonkeyPatch, value: str, style: str, host: str | None) -> None:
    monkeypatch.setenv("BB_ONLINE_BASEMAP", value)
    assert settings.map_style() == style
    assert settings.basemap_host(settings.map_style()) == host


@pytest.mark.parametrize(("value", "expected"), [("", 15), ("5", 5), ("0", 0), ("soon", 15), ("-3", 15), ("99999", 15)])
def test_refresh_interval_setting(monkeypatch: pytest.MonkeyPatch, value: str, expected: float) -> None:
    monkeypatch.setenv("BB_REFRESH_SECONDS", value)
    assert settings.refresh_seconds() == expected
