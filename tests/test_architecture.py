"""Architecture guards: import direction and module size."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_GEO = {"streamlit", "plotly", "dashboard"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_geo_never_imports_streamlit_plotly_or_dashboard() -> None:
    files = sorted((ROOT / "geo").rglob("*.py"))
    assert files, "geo/ not found"
    offenders = {str(f.relative_to(ROOT)): sorted(imported_roots(f) & FORBIDDEN_IN_GEO) for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_guard_detects_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import plotly.graph_objects as go\nfrom streamlit import cache_data\n")
    assert imported_roots(bad) >= {"plotly", "streamlit"}


def test_modules_stay_small() -> None:
    for path in list((ROOT / "geo").rglob("*.py")) + list((ROOT / "dashboard").rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 500, f"{path.relative_to(ROOT)} has {lines} lines; split it by responsibility"
