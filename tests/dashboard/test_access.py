"""Clearances and sign-in: the access file, the viewer a token describes, export banners, and the view of the data
each clearance gets (``geo.visible``), down to the map's data file and the changes panel."""

from __future__ import annotations

from pathlib import Path

import pytest

import geo
from dashboard import access
from tests.fixtures import base_tables, write_dataset

CONFIG = access.parse_config((Path(__file__).resolve().parents[2] / "config" / "access.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("claims", "clearance", "roles"), [
    ({"sub": "a", "groups": ["bb-limited"]}, "limited", ()),
    ({"sub": "a", "groups": ["bb-limited", "bb-restricted", "bb-admins"]}, "restricted", ("admin",)),
    ({"sub": "a", "roles": "bb-editors"}, "public", ("editor",)),  # one value, not a list
    ({"sub": "a", "clearance": "limited"}, "limited", ()),  # a marking code given directly
    ({"sub": "a", "groups": ["staff", "top-secret"]}, "public", ()),  # nothing the file knows: the lowest
    ({"sub": "a", "groups": {"bb-restricted": True}}, "public", ()),  # a claim of the wrong shape grants nothing
])
def test_the_viewer_a_token_describes(claims: dict, clearance: str, roles: tuple) -> None:
    viewer = access.viewer_from_claims(claims, CONFIG)
    assert (viewer.clearance, viewer.roles, viewer.signed_in) == (clearance, roles, True)


def test_a_broken_access_file_grants_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "access.toml"
    bad.write_text('[clearance]\n"bb-limited" = "cosmic"\n')
    with pytest.raises(ValueError, match="cosmic"):
        access.parse_config(bad.read_text())
    monkeypatch.setenv("BB_ACCESS_FILE", str(bad))
    assert access.config().clearance == {}  # logged; everyone reads the public records only
    assert access.viewer_from_claims({"groups": ["bb-limited"]}, access.config()).clearance == "public"


@pytest.mark.parametrize(("codes", "floor", "banner"), [
    (["public"], "PUBLIC", "PUBLIC"),
    (["public", "limited"], "PUBLIC", "LIMITED"),  # the highest marking among the records exported
    (["public"], "LIMITED", "LIMITED"),  # never lower than the deployment's
    (["limited"], "restricted", "restricted"),  # the deployment's own marking, as written
    (["restricted"], "LIMITED", "RESTRICTED"),
    ([], "EU USE ONLY", "EU USE ONLY"),  # free text counts as the lowest and is kept
])
def test_export_banner(codes: list[str], floor: str, banner: str) -> None:
    assert access.export_marking(codes, floor, CONFIG) == banner


def test_sign_in_needs_every_auth_setting() -> None:
    full = dict.fromkeys(access.AUTH_KEYS, "x")
    assert access.auth_configured({"auth": full})
    assert not access.auth_configured({"auth": {**full, "client_secret": ""}}) and not access.auth_configured({})


@pytest.fixture
def marked(tmp_path: Path) -> geo.Catalog:
    """The toy data with one liaison posting of each marking (and a limited coordination point with its activation)."""
    tables = base_tables()
    officer = tables["liaison_officers.csv"][0]
    tables["liaison_officers.csv"] += [{**officer, "id": "lo-lim", "name": "FLO Limited", "sensitivity": "limited"},
                                       {**officer, "id": "lo-res", "name": "FLO Restricted", "sensitivity": "restricted"}]
    tables["coordination_points.csv"][0]["sensitivity"] = "limited"
    return geo.load_catalog(write_dataset(tmp_path / "data", tables))


def test_each_clearance_reads_only_what_it_may(marked: geo.Catalog) -> None:
    cp = marked.records[marked.records["instrument"] == "coordination_point"]["id"].iloc[0]
    public, limited, restricted = (geo.visible(marked, c) for c in ("public", "limited", "restricted"))
    assert {"lo-lim", "lo-res", cp}.isdisjoint(public.records["id"]) and "lo-bel" in set(public.records["id"])
    assert "lo-lim" in set(limited.records["id"]) and "lo-res" not in set(limited.records["id"])
    assert {"lo-lim", "lo-res", cp} <= set(restricted.records["id"])
    assert cp not in set(public.activations["record_id"]) and cp in set(limited.activations["record_id"])
    assert len({public.version, limited.version, restricted.version, marked.version}) == 4  # each view its own caches
    assert not public.report.problems or public.report is not marked.report  # the report (quoting values) only at the top
    assert geo.rank("") == geo.rank("cosmic") == len(geo.SENSITIVITIES) - 1  # an unreadable marking: kept from all below the top


def test_a_viewer_cleared_for_every_record_shares_the_tables(marked: geo.Catalog) -> None:
    """No copy when nothing is cut (at 100,000 records the copy took 1.6 s of a page's first open): the same
    tables under the view's own version, and the report still kept from all but the top clearance."""
    restricted = geo.visible(marked, "restricted")
    assert restricted.records is marked.records and restricted.history is marked.history
    assert restricted.version != marked.version
    public = geo.visible(marked, "public")
    assert public.records is not marked.records and len(public.records) < len(marked.records)
    everything_public = geo.visible(public, "public")
    assert everything_public.records is public.records and everything_public.report.problems == []
