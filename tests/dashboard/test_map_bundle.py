"""MapLibre GL JS: installed from a checked npm tarball (or a local copy of it), served by the component."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from dashboard import live_map
from dashboard.live_map import bundle


def _tarball(tmp_path: Path, script: bytes) -> tuple[Path, str]:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, member in bundle.MEMBERS.items():
            payload = script if name == "maplibre-gl.js" else f"/* {name} */".encode()
            info = tarfile.TarInfo(member)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    path = tmp_path / "maplibre-gl.tgz"
    path.write_bytes(buf.getvalue())
    return path, "sha512-" + base64.b64encode(hashlib.sha512(buf.getvalue()).digest()).decode()


@pytest.fixture
def target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "venv" / "share" / f"maplibre-gl-{bundle.VERSION}"
    monkeypatch.setattr(bundle, "installed_dir", lambda: path)
    return path


def test_a_checked_tarball_installs_maplibre(tmp_path: Path, target: Path) -> None:
    script = b"/* MapLibre GL JS */ !function(){ window.maplibregl = {}; }();"
    path, integrity = _tarball(tmp_path, script)
    assert bundle.maplibre_files() is None
    assert bundle.fetch(path.as_uri(), integrity) == target
    files = bundle.maplibre_files()
    assert files is not None and files["maplibre-gl.js"].read_bytes() == script


def test_a_local_tarball_for_air_gapped_installs(tmp_path: Path, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, integrity = _tarball(tmp_path, b"window.maplibregl = {};")
    monkeypatch.setenv("BB_MAPLIBRE_TARBALL", str(path))
    assert bundle.fetch(integrity=integrity) == target and bundle.maplibre_files() is not None


def test_a_tarball_that_fails_its_hash_or_holds_another_file_installs_nothing(tmp_path: Path, target: Path) -> None:
    path, integrity = _tarball(tmp_path, b"window.somethingElse = {};")
    wrong = "sha512-" + base64.b64encode(hashlib.sha512(b"other").digest()).decode()
    with pytest.raises(ValueError, match="integrity check failed") as err:
        bundle.fetch(path.as_uri(), wrong)
    assert path.as_uri() in str(err.value)
    with pytest.raises(ValueError, match="does not look like MapLibre"):  # right hash, wrong file inside
        bundle.fetch(path.as_uri(), integrity)
    assert bundle.maplibre_files() is None


def test_set_up_without_the_registry_fails_with_instructions(
    tmp_path: Path, target: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bundle, "TARBALL", (tmp_path / "missing.tgz").as_uri())
    monkeypatch.delenv("BB_MAPLIBRE_TARBALL", raising=False)
    assert bundle.main([]) == 1
    err = capsys.readouterr().err
    assert "could not install MapLibre GL JS" in err and "BB_MAPLIBRE_TARBALL" in err


def test_the_component_serves_the_installed_maplibre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(live_map, "_built", [])
    folder = live_map.build_dir()
    files = bundle.maplibre_files()
    assert files is not None
    assert (folder / "maplibre-gl.js").read_bytes() == files["maplibre-gl.js"].read_bytes()
    assert (folder / "maplibre-gl.css").read_bytes() == files["maplibre-gl.css"].read_bytes()
