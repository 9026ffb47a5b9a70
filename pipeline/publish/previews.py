"""Previews of the social spaces for the Dagster UI, legible at the size the UI shows them.

The UI shows a markdown image at its natural size in a dialog about 500 px wide, so the
previews are drawn at :data:`PREVIEW_WIDTH_PX` and every text at the size it is read:

- :func:`render_preview`: filled social spaces with dark outlines, a number placed only
  where it fits without overlapping another (:func:`layout_labels`), and a legend below the
  map in German number format; a 64-colour PNG of some tens of KB.
- :func:`regions_preview_markdown` (``cell_regions``: the settled area of each space by
  residents, :func:`cell_territories`), :func:`spaces_preview_markdown` (the polygons by
  residents), :func:`status_preview_markdown` (by class of the social index) and
  :func:`types_preview_markdown` (by type), each as inline markdown.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pipeline.publish.maps import _quantize, preview_markdown

__all__ = ["PREVIEW_WIDTH_PX", "LabelLayout", "cell_territories", "class_legend",
           "german_number", "layout_labels", "regions_preview_markdown", "render_preview",
           "space_numbers", "spaces_preview_markdown", "status_preview_markdown",
           "types_preview_markdown"]

#: Width of the Dagster UI previews in pixels.
PREVIEW_WIDTH_PX = 480
#: Font sizes of the previews in pixels (labels on the map, legend text).
_LABEL_PX = 11.0
_LEGEND_PX = 12.0
#: Width of a digit or letter of the labels' font relative to its size (DejaVu Sans bold).
_CHAR_WIDTH = 0.66


@dataclass(frozen=True)
class LabelLayout:
    """Where the labels of a map go, and which of them fit.

    Attributes
    ----------
    x, y : ndarray
        Anchor of every label (centre of the largest circle inside its polygon), in map
        units; NaN for an empty polygon.
    boxes : ndarray, shape (n, 4)
        Box of every label at its anchor (minx, miny, maxx, maxy) in map units.
    placed : ndarray of bool
        The labels drawn: their box lies inside their polygon and overlaps no box placed
        before it (larger polygons first).
    """

    x: np.ndarray
    y: np.ndarray
    boxes: np.ndarray
    placed: np.ndarray


def layout_labels(geometries: Sequence, texts: Sequence[str], *, units_per_px: float,
                  font_px: float = _LABEL_PX) -> LabelLayout:
    """Place one label per polygon where it fits, without overlaps (greedy, larger first).

    A label's box (text width estimated from the font size, one line high, a pixel of
    padding) is centred on the polygon's pole of inaccessibility (the centre of its
    largest inscribed circle, :func:`shapely.maximum_inscribed_circle`); it is drawn when
    the box lies inside the polygon and overlaps no label already placed. Polygons are
    taken by decreasing area, so at about 90 social spaces the large rural ones are
    labelled and the small ones of a town centre only where space allows.

    Parameters
    ----------
    geometries : sequence of shapely geometries
        The polygons, in map units.
    texts : sequence of str
        One label per polygon.
    units_per_px : float
        Map units per pixel of the rendered image.
    font_px : float, default 11
        Font size in pixels.

    Returns
    -------
    LabelLayout

    Examples
    --------
    >>> big, tiny = shapely.box(0, 0, 100, 100), shapely.box(100, 0, 102, 2)
    >>> layout_labels([big, tiny], ["1", "2"], units_per_px=1.0).placed.tolist()
    [True, False]
    """
    geoms = np.asarray(geometries, dtype=object)
    texts = [str(t) for t in texts]
    if len(texts) != len(geoms):
        raise ValueError(f"{len(texts)} labels for {len(geoms)} polygons")
    if not units_per_px > 0:
        raise ValueError(f"units_per_px must be positive, got {units_per_px!r}")
    n = len(geoms)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    usable = ~shapely.is_empty(geoms) & (shapely.area(geoms) > 0)
    if usable.any():
        circles = shapely.maximum_inscribed_circle(geoms[usable], tolerance=units_per_px)
        start = shapely.get_point(circles, 0)
        x[usable], y[usable] = shapely.get_x(start), shapely.get_y(start)
    chars = np.array([len(t) for t in texts], dtype=np.float64)
    half_w = (chars * _CHAR_WIDTH * font_px / 2 + 1.5) * units_per_px
    half_h = (0.62 * font_px + 1.0) * units_per_px
    boxes = np.column_stack([x - half_w, y - half_h, x + half_w, y + half_h])
    inside = np.zeros(n, dtype=bool)
    if usable.any():
        shapes = shapely.box(*boxes[usable].T)
        inside[usable] = shapely.within(shapes, geoms[usable])
    placed = np.zeros(n, dtype=bool)
    order = np.argsort(-np.where(usable, shapely.area(geoms), 0.0), kind="stable")
    for i in order[inside[order]]:  # a loop over the labels (some dozens), not over cells
        taken = boxes[placed]
        clear = ((taken[:, 2] <= boxes[i, 0]) | (taken[:, 0] >= boxes[i, 2])
                 | (taken[:, 3] <= boxes[i, 1]) | (taken[:, 1] >= boxes[i, 3]))
        placed[i] = bool(clear.all())
    return LabelLayout(x, y, boxes, placed)


def render_preview(
    polygons: gpd.GeoDataFrame,
    colors: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    legend: Sequence[tuple[str, str]] = (),
    legend_title: str | None = None,
    note: str | None = None,
    outlines: Sequence[gpd.GeoDataFrame] = (),
    width_px: int = PREVIEW_WIDTH_PX,
    dpi: int = 100,
    quantize: bool = True,
    inset: bool = True,
) -> bytes:
    """A small map for the Dagster UI: outlined spaces, fitting labels, a legend below.

    Where labels do not fit (the small spaces of a town), an enlarged inset of that part
    follows the map, marked on it by a dashed frame, with the labels that fit there.

    Parameters
    ----------
    polygons : GeoDataFrame
        The social spaces in a projected CRS.
    colors : sequence of str
        Fill colour per polygon (its meaning goes into ``legend``).
    labels : sequence of str, optional
        A short label per polygon (a number), drawn where it fits (:func:`layout_labels`).
    legend : sequence of (colour, text)
        The legend's entries, drawn below the map.
    legend_title : str, optional
    note : str, optional
        Lines under the legend (what the labels are); ``{placed}`` and ``{total}`` become
        the number of labels drawn and of polygons.
    outlines : sequence of GeoDataFrame
        Drawn on top (the last thicker: the county).
    width_px : int, default :data:`PREVIEW_WIDTH_PX`
    dpi : int, default 100
    quantize : bool, default True
    inset : bool, default True
        Draw the enlarged inset where labels are missing.

    Returns
    -------
    bytes
        The PNG image.
    """
    if len(colors) != len(polygons):
        raise ValueError(f"{len(colors)} colours for {len(polygons)} polygons")
    outlines = [o.to_crs(polygons.crs) if o.crs is not None and polygons.crs is not None
                and o.crs != polygons.crs else o for o in outlines]
    minx, miny, maxx, maxy = _bounds(polygons, outlines)
    pad = 0.02 * max(maxx - minx, maxy - miny, 1.0)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    map_w = width_px
    map_h = int(round(map_w * (maxy - miny) / max(maxx - minx, 1.0)))
    units_per_px = (maxx - minx) / map_w
    geoms = polygons.geometry.values
    layout = window = None
    if labels is not None:
        layout = layout_labels(geoms, labels, units_per_px=units_per_px)
        window = _inset_window(geoms, layout, (minx, miny, maxx, maxy)) if inset else None
    inset_h = 0
    if window is not None:
        inset_h = int(round(width_px * (window[3] - window[1]) / (window[2] - window[0])))
    title_h = int(round(1.6 * _LEGEND_PX)) if window is not None else 0
    entries = _wrap_legend(legend, width_px)
    rows = len(entries) + (1 if legend_title else 0)
    line = 1.45 * _LEGEND_PX
    note_lines = note.count("\n") + 1 if note else 0
    legend_h = int(round((rows + note_lines) * line + (14 if rows or note_lines else 0)))
    height = map_h + title_h + inset_h + legend_h
    fig = Figure(figsize=(width_px / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, (legend_h + inset_h + title_h) / height, 1, map_h / height))
    _draw(ax, polygons, colors, outlines, (minx, miny, maxx, maxy))
    placed = np.zeros(len(polygons), dtype=bool)
    if layout is not None:
        placed = layout.placed.copy()
        _draw_labels(ax, layout, labels, dpi)
    if window is not None:
        from matplotlib.patches import Rectangle

        ax.add_patch(Rectangle((window[0], window[1]), window[2] - window[0],
                               window[3] - window[1], fill=False, edgecolor="#111111",
                               linewidth=1.2, linestyle="--"))
        zoom = (maxx - minx) / (window[2] - window[0])
        fig.text(8 / width_px, (legend_h + inset_h + title_h / 2) / height,
                 f"Ausschnitt (gestrichelt), {german_number(zoom, 1)}-fach vergrößert",
                 fontsize=_pt(_LEGEND_PX, dpi), fontweight="bold", va="center")
        sub = fig.add_axes((0, legend_h / height, 1, inset_h / height))
        _draw(sub, polygons, colors, outlines, window)
        for side in sub.spines.values():
            side.set_visible(True)
        clipped = shapely.intersection(geoms, shapely.box(*window))
        zoomed = layout_labels(clipped, labels, units_per_px=units_per_px / zoom)
        _draw_labels(sub, zoomed, labels, dpi)
        placed |= zoomed.placed
    placed = int(placed.sum())
    if note:
        note = note.replace("{placed}", str(placed)).replace("{total}", str(len(polygons)))
    _legend(fig, entries, legend_title, note, top=legend_h, height=height, width=width_px,
            dpi=dpi)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return _quantize(buffer.getvalue()) if quantize else buffer.getvalue()


def _draw(ax, polygons, colors, outlines, bounds) -> None:
    """Fill and outline the polygons on ``ax`` within ``bounds``."""
    ax.set_axis_off()
    polygons.plot(ax=ax, color=list(colors), edgecolor="#303030", linewidth=0.7)
    for i, frame in enumerate(outlines):
        last = i == len(outlines) - 1
        frame.boundary.plot(ax=ax, color="#111111" if last else "#8a8a8a",
                            linewidth=1.4 if last else 0.5)
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect("equal")


def _draw_labels(ax, layout: LabelLayout, labels, dpi: int) -> None:
    for i in np.flatnonzero(layout.placed):
        ax.text(layout.x[i], layout.y[i], str(labels[i]), ha="center", va="center",
                fontsize=_pt(_LABEL_PX, dpi), fontweight="bold", color="#111111",
                bbox={"boxstyle": "square,pad=0.12", "fc": "white", "ec": "none",
                      "alpha": 0.8})


def _inset_window(geoms, layout: LabelLayout, bounds) -> tuple | None:
    """The part of the map to enlarge: around the anchors of the labels that did not fit.

    The missing labels near their median anchor (within 15 % of the map's extent) span the
    window, padded by 4 % of the extent and made at least half as high as wide and at most
    as high as wide; no window when fewer than three labels are missing there or it would
    enlarge less than twice.
    """
    missing = ~layout.placed & np.isfinite(layout.x)
    if missing.sum() < 3:
        return None
    extent = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    cx, cy = np.median(layout.x[missing]), np.median(layout.y[missing])
    near = missing & (np.hypot(layout.x - cx, layout.y - cy) <= 0.15 * extent)
    if near.sum() < 3:
        return None
    x0, x1 = layout.x[near].min(), layout.x[near].max()
    y0, y1 = layout.y[near].min(), layout.y[near].max()
    w, h = x1 - x0 + 0.08 * extent, y1 - y0 + 0.08 * extent
    w, h = max(w, h), min(max(h, w / 2), max(w, h))
    if (bounds[2] - bounds[0]) / w < 2.0:
        return None
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    return (mx - w / 2, my - h / 2, mx + w / 2, my + h / 2)


def _legend(fig, legend, title, note, *, top, height, width, dpi) -> None:
    """Legend rows (a swatch and its text) and a note, from the top of the legend band."""
    from matplotlib.patches import Rectangle

    line = 1.45 * _LEGEND_PX
    y = top - 8 - line / 2
    size = _pt(_LEGEND_PX, dpi)
    if title:
        fig.text(8 / width, y / height, title, fontsize=size, fontweight="bold", va="center")
        y -= line
    for color, text in legend:
        if color is None:  # the continuation of a wrapped entry
            fig.text((14 + 1.6 * _LEGEND_PX) / width, y / height, text, fontsize=size,
                     va="center")
            y -= line
            continue
        fig.patches.append(Rectangle((8 / width, (y - 0.4 * _LEGEND_PX) / height),
                                     1.6 * _LEGEND_PX / width, 0.8 * _LEGEND_PX / height,
                                     transform=fig.transFigure, facecolor=color,
                                     edgecolor="#303030", linewidth=0.6))
        fig.text((14 + 1.6 * _LEGEND_PX) / width, y / height, text, fontsize=size,
                 va="center")
        y -= line
    for text in (note.split("\n") if note else []):
        fig.text(8 / width, y / height, text, fontsize=_pt(_LEGEND_PX - 1, dpi), va="center",
                 color="#444444")
        y -= line


def _wrap_legend(legend: Sequence[tuple[str, str]], width_px: int) -> list:
    """Legend entries wrapped to the image width: (colour, first line), (None, more)."""
    import textwrap

    chars = max(int((width_px - 20 - 1.6 * _LEGEND_PX) / (0.56 * _LEGEND_PX)), 12)
    out: list[tuple[str | None, str]] = []
    for color, text in legend:
        lines = textwrap.wrap(str(text), chars) or [""]
        out.append((color, lines[0]))
        out.extend((None, more) for more in lines[1:])
    return out


def _pt(px: float, dpi: int) -> float:
    """A size in pixels as matplotlib points at ``dpi``."""
    return px * 72.0 / dpi


def _bounds(polygons, outlines) -> tuple[float, float, float, float]:
    bounds = np.array([frame.total_bounds for frame in (polygons, *outlines)
                       if len(frame) and np.isfinite(frame.total_bounds).all()])
    return (float(bounds[:, 0].min()), float(bounds[:, 1].min()), float(bounds[:, 2].max()),
            float(bounds[:, 3].max()))


def german_number(value: float, digits: int = 0) -> str:
    """A number in German notation (``12.345``, ``1,5``; minus sign ``−``)."""
    text = f"{value:,.{digits}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text.replace("-", "−")


def space_numbers(sr_ids: Sequence[str]) -> list[str]:
    """The short number of each social space, the last part of its ID (``SR-05399-012`` -> 12)."""
    out = []
    for sr_id in sr_ids:
        tail = str(sr_id).rsplit("-", 1)[-1]
        out.append(str(int(tail)) if tail.isdigit() else tail)
    return out


def class_legend(values: np.ndarray, cmap: str = "YlGnBu", n: int = 5,
                 digits: int = 0) -> tuple[list[str], list[tuple[str, str]]]:
    """Colours of quantile classes of ``values`` and their legend (German numbers)."""
    import matplotlib
    from matplotlib.colors import to_hex

    values = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(values)
    edges = np.unique(np.nanquantile(values[ok], np.linspace(0, 1, n + 1))) if ok.any() \
        else np.array([0.0, 1.0])
    if edges.size < 2:
        edges = np.array([edges[0], edges[0]])
    palette = [to_hex(c) for c in matplotlib.colormaps[cmap](
        np.linspace(0.12, 0.62, max(edges.size - 1, 1)))]
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(palette) - 1)
    colors = [palette[i] if f else "#dddddd" for i, f in zip(index, ok, strict=True)]
    legend = [(palette[i], f"{german_number(edges[i], digits)} – "
                           f"{german_number(edges[i + 1], digits)}")
              for i in range(len(palette))]
    if not ok.all():
        legend.append(("#dddddd", "keine Angabe"))
    return colors, legend


def cell_territories(cells: pd.DataFrame, labels: np.ndarray, *, resolution: float = 200.0,
                     reach: float = 300.0) -> gpd.GeoDataFrame:
    """Settled area of each region for a small map: squares near its populated cells.

    At the width of a preview a 100 m cell is about a pixel, so thousands of scattered
    cells cannot be outlined legibly. Every square of a coarser grid (``resolution``) whose
    centre lies within ``reach`` of a populated cell's centre goes to that nearest cell's
    region; the squares of a region are dissolved into its polygon.

    Parameters
    ----------
    cells : DataFrame
        ``x``, ``y`` (EPSG:3035 lower-left corners of 100 m cells).
    labels : ndarray of int
        Region per cell, ``0..k-1``.
    resolution : float, default 200
    reach : float, default 300

    Returns
    -------
    GeoDataFrame
        ``region`` 0..k-1 (every region, empty where none of its cells won a square),
        geometry in EPSG:25832.
    """
    from scipy.spatial import cKDTree

    from pipeline.publish.tiling import region_polygons

    labels = np.asarray(labels, dtype=np.int64)
    k = int(labels.max()) + 1 if labels.size else 0
    centres = np.column_stack([cells["x"].to_numpy(float) + 50.0,
                               cells["y"].to_numpy(float) + 50.0])
    lo = np.floor((centres.min(axis=0) - reach) / resolution) * resolution
    hi = np.ceil((centres.max(axis=0) + reach) / resolution) * resolution
    gx, gy = np.meshgrid(np.arange(lo[0], hi[0], resolution),
                         np.arange(lo[1], hi[1], resolution))
    corners = np.column_stack([gx.ravel(), gy.ravel()])
    dist, nearest = cKDTree(centres).query(corners + resolution / 2,
                                           distance_upper_bound=reach)
    near = np.isfinite(dist)
    squares = pd.DataFrame({"x": corners[near, 0], "y": corners[near, 1], "Einwohner": 0.0})
    dissolved = region_polygons(squares, labels[nearest[near]], resolution=resolution)
    frame = dissolved.set_index("region").reindex(range(k))
    geometry = gpd.GeoSeries(frame.geometry.to_numpy(), crs=dissolved.crs)
    geometry = geometry.where(geometry.notna(), shapely.Polygon())
    return gpd.GeoDataFrame({"region": np.arange(k)}, geometry=geometry.to_numpy(),
                            crs=dissolved.crs)


def _label_note(what: str = "Nr. des Sozialraums (Ende der ID)") -> str:
    return f"Zahl: {what}, wo Platz ist: {{placed}} von {{total}}"


def regions_preview_markdown(cells, labels, width_px: int = PREVIEW_WIDTH_PX, polygons=None,
                             sr_ids: Sequence[str] | None = None) -> str:
    """The preview of ``cell_regions``: social spaces by residents, outlined and numbered.

    Parameters
    ----------
    cells : DataFrame
        ``x``, ``y`` (EPSG:3035 lower-left corners) and ``Einwohner``.
    labels : ndarray of int
        Region per cell, ``0..k-1``.
    width_px : int, default :data:`PREVIEW_WIDTH_PX`
    polygons : GeoSeries, optional
        Polygon units in row order (census blocks) instead of grid cells.
    sr_ids : sequence of str, optional
        ID of region 0..k-1; the labels are their numbers (else the region + 1).

    Returns
    -------
    str
        Markdown with the PNG inline.
    """
    labels = np.asarray(labels, dtype=np.int64)
    k = int(labels.max()) + 1
    residents = np.bincount(labels, weights=cells["Einwohner"].to_numpy(float), minlength=k)
    if polygons is not None:
        shapes = gpd.GeoDataFrame({"region": labels}, geometry=polygons.to_numpy(),
                                  crs=polygons.crs).dissolve("region").reindex(range(k))
        shapes = gpd.GeoDataFrame({"region": np.arange(k)},
                                  geometry=shapes.geometry.to_numpy(), crs=polygons.crs)
        where = "Flächen der Blöcke"
    else:
        shapes = cell_territories(cells, labels)
        where = "bewohnte Zellen und 300 m Umkreis"
    numbers = space_numbers(sr_ids) if sr_ids is not None else [str(i + 1) for i in range(k)]
    return _residents_markdown(shapes, residents, numbers, f"{k} Sozialräume; {where}",
                               width_px=width_px)


def spaces_preview_markdown(polygons: gpd.GeoDataFrame, outlines: Sequence = (),
                            width_px: int = PREVIEW_WIDTH_PX) -> str:
    """The preview of the social-space polygons (``sr_id``, ``einwohner``) by residents."""
    return _residents_markdown(polygons, polygons["einwohner"].to_numpy(float),
                               space_numbers(polygons["sr_id"]),
                               f"{len(polygons)} Sozialräume, das ganze Kreisgebiet",
                               outlines=outlines, width_px=width_px)


def _residents_markdown(shapes, residents, numbers, where, *, outlines=(),
                        width_px=PREVIEW_WIDTH_PX) -> str:
    colors, legend = class_legend(residents)
    png = render_preview(shapes, colors, labels=numbers, legend=legend,
                         legend_title="Einwohner je Sozialraum",
                         note=f"{_label_note()}\n{where}", outlines=outlines,
                         width_px=width_px)
    return preview_markdown(png, "Sozialräume nach Einwohnern")


#: Thresholds of the social index classes as the legend states them.
_STATUS_RANGES = ("bis −1", "−1 bis +1", "+1 bis +1,5", "über +1,5")


def status_preview_markdown(regions: gpd.GeoDataFrame, outlines: Sequence = (),
                            width_px: int = PREVIEW_WIDTH_PX) -> str:
    """The published social spaces by class of the social index (Sozialindex), numbered.

    ``regions`` needs ``sr_id`` and ``status_class`` (1-4) or ``status``.
    """
    from pipeline.indicators.profiles import STATUS_CLASSES
    from pipeline.publish.styles import STATUS_COLORS

    cls = _status_classes(regions, STATUS_CLASSES)
    colors = [STATUS_COLORS[c - 1] if c > 0 else "#dddddd" for c in cls]
    counts = np.bincount(cls, minlength=len(STATUS_CLASSES) + 1)
    legend = [(STATUS_COLORS[i], f"{name} ({_STATUS_RANGES[i]}): {counts[i + 1]}")
              for i, name in enumerate(STATUS_CLASSES)]
    if counts[0]:
        legend.append(("#dddddd", f"ohne Index: {counts[0]}"))
    numbers = space_numbers(regions["sr_id"])
    png = render_preview(regions, colors, labels=numbers, legend=legend,
                         legend_title="Sozialindex (höher = mehr Bedarf), Sozialräume",
                         note=_label_note(), outlines=outlines,
                         width_px=width_px)
    return preview_markdown(png, "Sozialräume nach Sozialindex")


def types_preview_markdown(regions: gpd.GeoDataFrame, outlines: Sequence = (),
                           width_px: int = PREVIEW_WIDTH_PX) -> str:
    """The published social spaces by type of the typology (``typ``, ``typ_name``)."""
    from pipeline.publish.styles import TYPE_COLORS

    typ = pd.to_numeric(regions["typ"]).fillna(0).to_numpy(np.int64)
    colors = [TYPE_COLORS[(t - 1) % len(TYPE_COLORS)] if t > 0 else "#dddddd" for t in typ]
    names = regions.assign(typ=typ).drop_duplicates("typ").set_index("typ")["typ_name"]
    counts = np.bincount(typ, minlength=typ.max() + 1)
    legend = [(TYPE_COLORS[(t - 1) % len(TYPE_COLORS)], f"{t} {names[t]} ({counts[t]})")
              for t in sorted(names.index) if t > 0]
    numbers = [str(t) if t > 0 else "" for t in typ]
    png = render_preview(regions, colors, labels=numbers, legend=legend,
                         legend_title="Typen der Sozialräume (Anzahl)",
                         note=_label_note("Typ"), outlines=outlines,
                         width_px=width_px)
    return preview_markdown(png, "Typen der Sozialräume")


def _status_classes(regions: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    if "status_class" in regions:
        return pd.to_numeric(regions["status_class"]).fillna(0).to_numpy(np.int64)
    lookup = {name: i + 1 for i, name in enumerate(names)}
    return np.array([lookup.get(str(s), 0) for s in regions["status"]], dtype=np.int64)
