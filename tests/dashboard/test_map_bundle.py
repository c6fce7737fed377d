"""plotly.js's map-only bundle: installed from a checked tarball, used only when it matches plotly's version."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from dashboard import live_map
from dashboard.live_map import bundle


def _tarball(tmp_path: Path, script: bytes) -> tuple[str, str]:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo(bundle.MEMBER)
        info.size = len(script)
        tar.addfile(info, io.BytesIO(script))
    path = tmp_path / "plotly.js.tgz"
    path.write_bytes(buf.getvalue())
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(buf.getvalue()).digest()).decode()
    return path.as_uri(), integrity


@pytest.fixture
def target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "venv" / "share" / f"plotly-map-{bundle.VERSION}.min.js"
    monkeypatch.setattr(bundle, "installed_path", lambda: path)
    return path


def test_a_checked_tarball_installs_the_bundle_and_the_map_uses_it(tmp_path: Path, target: Path) -> None:
    script = f"/**\n* plotly.js (map - minified) v{bundle.VERSION}\n*/ window.Plotly = {{}};".encode()
    url, integrity = _tarball(tmp_path, script)
    assert bundle.map_bundle() is None and bundle.plotly_js() == bundle.FULL  # not installed yet: the full bundle
    assert bundle.fetch(url, integrity) == target
    assert target.read_bytes() == script
    assert bundle.map_bundle() == target and bundle.plotly_js() == target


def test_a_tarball_that_fails_its_hash_installs_nothing(tmp_path: Path, target: Path) -> None:
    url, integrity = _tarball(tmp_path, b"/** plotly.js (map - minified) v0 */")
    wrong = "sha512-" + base64.b64encode(hashlib.sha512(b"other").digest()).decode()
    with pytest.raises(ValueError, match="integrity check failed") as err:
        bundle.fetch(url, wrong)
    assert url in str(err.value)
    assert not target.exists()
    with pytest.raises(ValueError, match="does not start with the header"):  # right hash, wrong file inside
        bundle.fetch(url, integrity)
    assert not target.exists()


def test_a_bundle_of_another_plotly_version_is_not_used(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target.parent.mkdir(parents=True)
    target.write_text("window.Plotly = {};")
    assert bundle.map_bundle() == target
    monkeypatch.setattr(bundle.plotly.offline, "get_plotlyjs_version", lambda: "9.9.9")
    assert bundle.map_bundle() is None and bundle.plotly_js() == bundle.FULL


def test_set_up_without_the_registry_warns_and_keeps_the_full_bundle(
    tmp_path: Path, target: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bundle, "TARBALL", (tmp_path / "missing.tgz").as_uri())
    assert bundle.main([]) == 0
    assert "could not install plotly.js's map bundle" in capsys.readouterr().err
    assert bundle.plotly_js() == bundle.FULL


def test_the_component_serves_the_bundle_in_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(live_map, "_built", [])
    monkeypatch.setattr(live_map, "STATIC_DIR", tmp_path / "static")
    folder = live_map.build_dir()
    served = bundle.plotly_js().read_bytes()
    assert (folder / "plotly.min.js").read_bytes() == served
    page = (folder / "index.html").read_text(encoding="utf-8")
    static = next((tmp_path / "static").glob("*.min.js"))
    assert f"../../app/static/{static.name}" in page and static.read_bytes() == served
    assert static.name.startswith(bundle.plotly_js().name.removesuffix(".min.js"))
