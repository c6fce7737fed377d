"""Briefing products from a view: a composed map figure (PNG, SVG, PDF, offline HTML), slides and data files.

Pure functions plus the warm renderer of ``dashboard.render``; no Streamlit here, so the app and the command line
(``python -m dashboard.briefing``) produce the same files. The map in every product is the vector drawing
of ``dashboard.vector_map`` (same data, styles and frame as the live map). Images are rendered by
Kaleido with the Debian ``chromium`` the set-up installs, started once (no MathJax, so no CDN request), every
wait on it bounded, and reused; the HTML needs no renderer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import io
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import plotly.graph_objects as go

import geo
from dashboard import access, audit, map_model, settings
from dashboard.figures import MapView
from dashboard.offline_html import offline_html
from dashboard.render import CHROMIUM_HINT, ExportUnavailable, Renderer, chromium_path
from dashboard.state import decode
from dashboard.style import PRESETS
from dashboard.vector_map import build_vector_map
from geo import Catalog, FilterSpec
from geo.exports import to_csv, to_geojson, to_xlsx

IMAGE_FORMATS = ("png", "svg", "pdf")
ALL_FORMATS = (*IMAGE_FORMATS, "pptx", "html", "csv", "xlsx", "geojson")
RENDERED_FORMATS = (*IMAGE_FORMATS, "pptx")  # need Chromium
SOURCE_LINE = "Sources: Beyond Borders curated dataset (public sources cited per record); country outlines: Natural Earth (public domain)"
# The HTML file carries no addresses of other hosts, so record source links stay in the data exports.
HTML_SOURCE_LINE = "Sources: Beyond Borders curated dataset (each record's public sources: see the CSV/XLSX/GeoJSON export); country outlines: Natural Earth (public domain)"
MARKING_COLOURS = {"PUBLIC": "#1B7837", "LIMITED": "#B35806", "RESTRICTED": "#B2182B"}
WIDTH, HEIGHT = 1600, 900  # 16:9, the slide's shape
MARGIN = {"l": 30, "r": 30, "t": 120, "b": 150}  # room for banners, title, sentence, legend and footer
A4_LANDSCAPE = (841.89, 595.28)  # PDF points


@dataclass(frozen=True)
class Snapshot:
    """Everything one briefing page shows."""

    spec: FilterSpec
    view: MapView
    title: str
    marking: str = "PUBLIC"
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def marking_colour(marking: str) -> str:
    return MARKING_COLOURS.get(marking.upper(), "#444444")


def caption_lines(catalog: Catalog, snap: Snapshot, count: int, source_line: str = SOURCE_LINE) -> tuple[str, str]:
    """(filter sentence, footer) as printed on every product."""
    names = catalog.partner_names()
    as_of = snap.spec.as_of.isoformat() if snap.spec.as_of else "all periods"
    sentence = f"{snap.spec.describe(count, names)} · as of: {as_of}"
    footer = f"Generated {snap.generated_at:%Y-%m-%d %H:%M} UTC · data version {catalog.version} · {source_line}"
    return sentence, footer


def compose_figure(catalog: Catalog, display: geo.DisplayGeometry, snap: Snapshot, world: bool = False,
                   source_line: str = SOURCE_LINE) -> go.Figure:
    """The briefing figure: marking banner, title, map with legend, filter sentence, footer.

    ``world`` keeps the whole basemap (for the interactive HTML, which can be panned).
    """
    records = geo.apply(catalog, snap.spec).records
    plot_size = (WIDTH - MARGIN["l"] - MARGIN["r"], HEIGHT - MARGIN["t"] - MARGIN["b"])
    fig = vector(catalog, display, snap, plot_size, world)
    sentence, footer = caption_lines(catalog, snap, len(records), source_line)
    colour = marking_colour(snap.marking)
    fig.update_layout(
        width=WIDTH, height=HEIGHT, margin=MARGIN,
        legend={"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top", "font": {"size": 13}},
        paper_bgcolor="#FFFFFF", font={"family": "DejaVu Sans, sans-serif"},
        shapes=[
            {"type": "rect", "xref": "paper", "yref": "paper", "x0": -0.02, "x1": 1.02, "y0": 1.105, "y1": 1.16, "fillcolor": colour, "line": {"width": 0}},
            {"type": "rect", "xref": "paper", "yref": "paper", "x0": -0.02, "x1": 1.02, "y0": -0.2, "y1": -0.16, "fillcolor": colour, "line": {"width": 0}},
        ],
        annotations=[
            {"text": f"<b>{snap.marking.upper()}</b>", "xref": "paper", "yref": "paper", "x": 0.5, "y": 1.1325, "yanchor": "middle", "showarrow": False, "font": {"size": 16, "color": "#FFFFFF"}},
            {"text": f"<b>{snap.title}</b>", "xref": "paper", "yref": "paper", "x": 0, "y": 1.06, "xanchor": "left", "showarrow": False, "font": {"size": 26}},
            {"text": sentence, "xref": "paper", "yref": "paper", "x": 0, "y": 1.015, "xanchor": "left", "showarrow": False, "font": {"size": 15, "color": "#333"}},
            {"text": footer, "xref": "paper", "yref": "paper", "x": 0, "y": -0.135, "xanchor": "left", "showarrow": False, "font": {"size": 11, "color": "#444"}},
            {"text": f"<b>{snap.marking.upper()}</b>", "xref": "paper", "yref": "paper", "x": 0.5, "y": -0.18, "yanchor": "middle", "showarrow": False, "font": {"size": 13, "color": "#FFFFFF"}},
        ],
    )
    return fig


def to_a4_pdf(pdf: bytes, title: str) -> bytes:
    """Kaleido's PDF (one page the figure's size, titled after Kaleido's own HTML page) on an A4 landscape
    page: scaled to fit without distortion, centred, white bands where the shapes differ; titled ``title``."""
    from pypdf import PdfReader, PdfWriter, Transformation

    source = PdfReader(io.BytesIO(pdf)).pages[0]
    box = source.mediabox
    page_w, page_h = A4_LANDSCAPE
    scale = min(page_w / float(box.width), page_h / float(box.height))
    dx = (page_w - float(box.width) * scale) / 2 - float(box.left) * scale
    dy = (page_h - float(box.height) * scale) / 2 - float(box.bottom) * scale
    writer = PdfWriter()
    page = writer.add_blank_page(page_w, page_h)
    page.merge_transformed_page(source, Transformation().scale(scale).translate(dx, dy))
    writer.add_metadata({"/Title": title, "/Creator": "Beyond Borders"})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


_MODELS: dict[tuple[str, int], map_model.VersionModel] = {}


def export_model(catalog: Catalog, display: geo.DisplayGeometry) -> map_model.VersionModel:
    """The live map's layer model of this data version on the export outlines (the last two kept)."""
    key = (catalog.version, id(display))
    if key not in _MODELS:
        while len(_MODELS) >= 2:
            _MODELS.pop(next(iter(_MODELS)))
        _MODELS[key] = map_model.build_version(catalog, display)
    return _MODELS[key]


def vector(catalog: Catalog, display: geo.DisplayGeometry, snap: Snapshot, size: tuple[float, float], world: bool = False) -> go.Figure:
    """The view's map as vectors, drawn from the same layer model as the live map."""
    return build_vector_map(export_model(catalog, display), geo.mask(catalog, snap.spec), display, snap.view,
                            size=size, world=world, routes=snap.spec.routes)


def bare_map(catalog: Catalog, display: geo.DisplayGeometry, snap: Snapshot) -> go.Figure:
    """The map alone (no legend or text), for slides that set their own text."""
    fig = vector(catalog, display, snap, (1200, 720))
    fig.update_layout(width=1200, height=720, showlegend=False, margin={"l": 0, "r": 0, "t": 0, "b": 0})
    return fig


def to_pptx(catalog: Catalog, display: geo.DisplayGeometry, snaps: Sequence[Snapshot]) -> bytes:
    """A deck with one slide per snapshot: marking banners, title, map picture, legend, filter sentence, footer."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    def rgb(hex_colour: str) -> RGBColor:
        return RGBColor.from_string(hex_colour.lstrip("#").upper())

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    blank = deck.slide_layouts[6]
    for snap in snaps:
        slide = deck.slides.add_slide(blank)
        records = geo.apply(catalog, snap.spec).records
        sentence, footer = caption_lines(catalog, snap, len(records))

        def text(x: float, y: float, w: float, h: float, value: str, size: int, bold: bool = False, colour: str = "#222222", slide=slide) -> None:
            box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
            frame = box.text_frame
            frame.word_wrap = True
            run = frame.paragraphs[0].add_run()
            run.text, run.font.size, run.font.bold = value, Pt(size), bold
            run.font.color.rgb = rgb(colour)

        for top in (0.0, 7.15):
            band = slide.shapes.add_shape(1, Emu(0), Inches(top), deck.slide_width, Inches(0.35))
            band.fill.solid()
            band.fill.fore_color.rgb = rgb(marking_colour(snap.marking))
            band.line.fill.background()
            band.text_frame.text = snap.marking.upper()
            band.text_frame.paragraphs[0].runs[0].font.size = Pt(12)
            band.text_frame.paragraphs[0].runs[0].font.bold = True
        # Top to bottom, boxes that do not overlap: banner 0-0.35, title 0.45-1.0, sentence 1.0-1.5, map
        # 1.5-6.7 (its height sets its width, 8.67 in at the map's 5:3), footer 6.75-7.15, banner 7.15-7.5.
        text(0.4, 0.45, 12.5, 0.55, snap.title, 26, bold=True)
        text(0.4, 1.0, 12.5, 0.5, sentence, 13, colour="#333333")
        picture = Renderer.image(bare_map(catalog, display, snap), "png", scale=1.5)
        pic = slide.shapes.add_picture(io.BytesIO(picture), Inches(0.4), Inches(1.5), height=Inches(5.2))
        pic._element.nvPicPr.cNvPr.set("descr", f"Map: {snap.title}. {sentence}")  # alt text (python-pptx has no API for it)
        shown = geo.mask(catalog, snap.spec)
        rows = map_model.legend_rows(export_model(catalog, display), shown, snap.view.layers)
        for n, (symbol, colour, label) in enumerate(rows[:12]):
            text(9.3, 1.6 + n * 0.42, 3.8, 0.4, f"{symbol}  {label}", 12, colour=colour if colour != "#000000" else "#222222")
        text(0.4, 6.75, 12.5, 0.4, footer, 9, colour="#444444")
    buf = io.BytesIO()
    deck.save(buf)
    return buf.getvalue()


def to_html(catalog: Catalog, display: geo.DisplayGeometry, snap: Snapshot) -> bytes:
    """The composed figure as one self-contained interactive HTML file (hover, zoom, pan) that works offline.

    Hover shows what the live map's hover shows (name, partners, period, status, precision) but no source
    links: those are addresses on other hosts, and this file must reference none. The sources are in the
    CSV, XLSX and GeoJSON exports of the same view (the footer says so).
    """
    fig = compose_figure(catalog, display, snap, world=True, source_line=HTML_SOURCE_LINE)
    # The page's width follows the window: a legend row under the map wraps into the footer in narrow
    # windows, so here it stands in a box in the map's top-right corner (the map can be panned under it).
    fig.update_layout(width=None, autosize=True, dragmode="pan",
                      legend={"orientation": "v", "x": 0.995, "xanchor": "right", "y": 0.99, "yanchor": "top",
                              "bgcolor": "rgba(255,255,255,0.88)", "bordercolor": "#BBBBBB", "borderwidth": 1, "font": {"size": 12}})
    for note in fig.layout.annotations:  # the footer on two lines, so it fits a narrow window too
        if note.text and note.text.startswith("Generated") and " · Sources:" in note.text:
            note.text = note.text.replace(" · Sources:", "<br>Sources:", 1)
            note.align = "left"
    return offline_html(fig, title=f"{snap.title} — {snap.marking.upper()}", height=HEIGHT).encode("utf-8")


_EXPORT_GEOMETRY: dict[str, geo.DisplayGeometry] = {}


def export_geometry(catalog: Catalog) -> geo.DisplayGeometry:
    """Finer outlines than the live map (exports are rendered once and looked at closely), per data version."""
    if catalog.version not in _EXPORT_GEOMETRY:
        while len(_EXPORT_GEOMETRY) >= 2:  # the last good version and the current one, never every version
            _EXPORT_GEOMETRY.pop(next(iter(_EXPORT_GEOMETRY)))
        _EXPORT_GEOMETRY[catalog.version] = geo.display_geometry(catalog, tolerance=0.04, min_part=0.01)
    return _EXPORT_GEOMETRY[catalog.version]


def write_products(catalog: Catalog, snap: Snapshot, formats: Sequence[str], out: Path, stem: str = "briefing") -> list[Path]:
    """Write the requested formats to ``out``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    display = export_geometry(catalog)
    selection = geo.apply(catalog, snap.spec)
    written: list[Path] = []
    composed = compose_figure(catalog, display, snap) if any(f in IMAGE_FORMATS for f in formats) else None
    for fmt in formats:
        path = out / f"{stem}.{fmt}"
        if fmt in IMAGE_FORMATS:
            assert composed is not None
            data = Renderer.image(composed, fmt, scale=2.0 if fmt == "png" else 1.0)
            if fmt == "pdf":
                data = to_a4_pdf(data, snap.title)
        elif fmt == "pptx":
            data = to_pptx(catalog, display, [snap])
        elif fmt == "html":
            data = to_html(catalog, display, snap)
        elif fmt == "csv":
            data = to_csv(selection)
        elif fmt == "xlsx":
            data = to_xlsx(selection, caption=caption_lines(catalog, snap, len(selection.records))[0])
        elif fmt == "geojson":
            data = to_geojson(selection)
        else:  # validated by the caller
            raise ValueError(fmt)
        path.write_bytes(data)
        written.append(path)
    return written


def write_deck(catalog: Catalog, snaps: Sequence[Snapshot], out: Path, stem: str = "briefing") -> Path:
    """One PowerPoint deck with a slide per snapshot (a morning briefing of several views)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{stem}.pptx"
    path.write_bytes(to_pptx(catalog, export_geometry(catalog), snaps))
    return path


def snapshot_from(link: str | None, preset: str | None, title: str | None, marking: str, catalog: Catalog) -> tuple[Snapshot, list[str]]:
    """Build a snapshot from a shareable link's query string or a named region preset."""
    notices: list[str] = []
    params: Mapping[str, list[str]] = {}
    if preset:
        if preset not in PRESETS:
            raise KeyError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}")
        p = PRESETS[preset]
        spec, view = FilterSpec(regions=p["regions"]), MapView()
        framed = True  # as the app does: a preset frames its result
        default_title = f"Cooperation beyond EU borders — {preset}"
    else:
        from urllib.parse import parse_qs, urlsplit

        query = urlsplit(link or "").query or (link or "").lstrip("?")
        params = parse_qs(query)
        state, notices = decode({k: v if len(v) > 1 else v[0] for k, v in params.items()}, set(catalog.partners["code"]), set(catalog.records["id"]))
        spec, view = state.spec, MapView(center=state.center, zoom=state.zoom, selected=state.selected)
        framed = "lat" not in params and "zoom" not in params  # a link without a camera: the app frames the result
        default_title = "Cooperation beyond EU borders"
    layers = spec.instruments or MapView().layers
    route = tuple(sorted(geo.route_partners(catalog, spec.routes))) if spec.routes else ()  # outlined, as in the app
    bounds = None
    if framed:
        model = export_model(catalog, export_geometry(catalog))
        ids = geo.matching_ids(catalog, spec)
        if view.selected:
            bounds = map_model.record_bounds(model, view.selected)  # a link naming a record frames it, as the app does
        bounds = bounds or map_model.result_bounds(model, catalog, spec, ids)
    return Snapshot(spec, MapView(center=view.center, zoom=view.zoom, bounds=tuple(bounds) if bounds else None,
                                  selected=view.selected, layers=layers, height=HEIGHT, route_countries=route),
                    title or default_title, marking), notices


def main(argv: list[str] | None = None) -> int:
    """Command line for scheduled briefings. Exit codes: 0 written, 1 data invalid, 2 bad parameter, 3 no Chromium."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.briefing", description="Write briefing products with no browser.")
    # --link and --preset may be repeated and mixed: one view each, in the order given; several views give
    # one deck (a slide per view) and numbered files for the other formats.
    parser.add_argument("--link", dest="views", action="append", type=lambda v: ("link", v),
                        help="a shareable link (or just its ?query) copied from the dashboard; repeat for more views")
    parser.add_argument("--preset", dest="views", action="append", type=lambda v: ("preset", v),
                        help=f"a region preset: {', '.join(PRESETS)}; repeat for more views")
    parser.add_argument("--formats", default="png,pptx,csv", help=f"comma-separated, from {','.join(ALL_FORMATS)}")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--title", help="title on the products")
    parser.add_argument("--marking", default=settings.marking(),
                        help="the lowest classification marking of the products (default BB_MARKING or PUBLIC); a product "
                             "with records marked higher carries their marking")
    parser.add_argument("--clearance", required=True, choices=list(geo.SENSITIVITIES),
                        help="whose products these are: only records at or below this marking are read")
    args = parser.parse_args(argv)
    if not args.views:
        parser.print_usage(sys.stderr)
        print("error: give at least one --link or --preset", file=sys.stderr)
        return 2

    formats = [f.strip().lower() for f in args.formats.split(",") if f.strip()]
    bad = [f for f in formats if f not in ALL_FORMATS]
    if bad or not formats:
        print(f"error: unknown format(s) {', '.join(bad) or '(none given)'}; choose from {', '.join(ALL_FORMATS)}", file=sys.stderr)
        return 2
    try:
        catalog = geo.load_catalog(geo.open_source())  # the data directory, or the database if BB_DATABASE_URL is set
    except geo.DataError as exc:
        print(f"error: the data could not be loaded:\n{exc}", file=sys.stderr)
        return 1
    catalog = geo.visible(catalog, args.clearance)  # nothing above the clearance is read further
    snaps: list[Snapshot] = []
    for kind, value in args.views:
        try:
            snap, notices = snapshot_from(value if kind == "link" else None, value if kind == "preset" else None,
                                          args.title, args.marking, catalog)
            included = geo.visible(catalog, args.clearance).records  # the view's records decide its banner
            included = included[included["id"].isin(set(geo.matching_ids(catalog, snap.spec)))]
            snap = replace(snap, marking=access.export_marking(included["sensitivity"], args.marking, access.config()))
        except KeyError as exc:
            print(f"error: {exc.args[0]}", file=sys.stderr)
            return 2
        for notice in notices:
            print(f"note: {notice}", file=sys.stderr)
        snaps.append(snap)
    if any(f in RENDERED_FORMATS for f in formats) and chromium_path() is None:
        print(f"error: {CHROMIUM_HINT}", file=sys.stderr)
        return 3
    try:
        if len(snaps) == 1:
            written = write_products(catalog, snaps[0], formats, args.out)
        else:
            per_view = [f for f in formats if f != "pptx"]
            written = [p for n, snap in enumerate(snaps, start=1) for p in write_products(catalog, snap, per_view, args.out, stem=f"briefing-{n}")]
            if "pptx" in formats:
                written.append(write_deck(catalog, snaps, args.out))
    except ExportUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    for path in written:
        print(path)
    audit.record("export", f"command line ({getpass.getuser()})", args.clearance, views=[v for _, v in args.views],
                 formats=formats, marking=[s.marking for s in snaps], files=[str(p) for p in written])
    return 0


if __name__ == "__main__":
    sys.exit(main())
