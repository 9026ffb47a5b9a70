"""Vector maps and charts for the report: inline SVG that prints sharp at any size.

The report (:mod:`pipeline.publish.report`) draws every map and chart as inline SVG so that
the HTML and its PDF (:mod:`pipeline.publish.pdf`) need nothing but the file itself and
labels stay legible when printed or zoomed:

- :class:`Frame` maps metre coordinates (EPSG:25832) to SVG pixels (y downwards);
- :func:`polygon_paths` turns polygons into SVG path data (rings with the even-odd rule);
- :func:`place_labels` places numbered label discs without overlap: each label at its
  polygon's point of inaccessibility if that spot is free, else at the first free spot
  on rings around it (then drawn with a leader line), else not at all (the caller shows it
  elsewhere, e.g. in an inset);
- :func:`map_svg` composes a map: filled polygons, outlines, number labels, a rectangle
  marking an inset, a scale bar and a legend below the map.

Text in SVG is kept short (numbers, legend rows): WeasyPrint lays SVG text out letter by
letter, so long labels (the Steckbrief's bar chart) are HTML in the report.

Numbers are written in German format (decimal comma, narrow no-break space as thousands
separator), text in DejaVu Sans/Liberation Sans, fonts every Debian machine has.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

__all__ = [
    "FONT",
    "Frame",
    "german_number",
    "label_points",
    "map_svg",
    "place_labels",
    "polygon_paths",
]

#: Font stack of every map and chart (installed on the machine; nothing is fetched).
FONT = "DejaVu Sans, sans-serif"
#: Radius of a numbered label disc and its font size (SVG px).
LABEL_RADIUS = 7.5
LABEL_FONT = 8.5
#: Height of one legend row below a map (SVG px).
LEGEND_ROW = 15.0


def german_number(value: float, digits: int = 1, sign: bool = False) -> str:
    """``value`` in German notation: ``1 234,5`` (narrow no-break space), ``−0,8``.

    Examples
    --------
    >>> german_number(1234.56, 1)
    '1\u202f234,6'
    >>> german_number(-0.8, 1, sign=True), german_number(0.25, 2, sign=True)
    ('−0,8', '+0,25')
    >>> german_number(-0.001, 2, sign=True), german_number(0.001, 2, sign=True)
    ('0,00', '0,00')
    """
    x = float(value)
    if not np.isfinite(x):
        return "–"
    text = f"{abs(x):,.{digits}f}".replace(",", "\u202f").replace(".", ",")
    if not text.strip("0,\u202f"):  # rounds to zero: no sign either way
        return text
    if x < 0:
        return "−" + text
    return ("+" + text) if sign else text


@dataclass(frozen=True)
class Frame:
    """World (metres) to SVG pixels: ``px = (x - x0) * scale``, ``py = (y1 - y) * scale``."""

    x0: float
    y1: float
    scale: float
    width: float
    height: float

    @classmethod
    def around(cls, bounds: Sequence[float], width: float, pad: float = 0.03) -> Frame:
        """The frame showing ``bounds`` (minx, miny, maxx, maxy) ``width`` pixels wide."""
        minx, miny, maxx, maxy = (float(v) for v in bounds)
        span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
        minx, maxx = minx - pad * span_x, maxx + pad * span_x
        miny, maxy = miny - pad * span_y, maxy + pad * span_y
        scale = width / (maxx - minx)
        return cls(minx, maxy, scale, float(width), float(np.ceil((maxy - miny) * scale)))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """The world bounds the frame shows."""
        return (self.x0, self.y1 - self.height / self.scale, self.x0 + self.width / self.scale,
                self.y1)

    def to_px(self, xy: np.ndarray) -> np.ndarray:
        """World coordinates ``(n, 2)`` as pixel coordinates ``(n, 2)``."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        return np.column_stack([(xy[:, 0] - self.x0) * self.scale,
                                (self.y1 - xy[:, 1]) * self.scale])


def polygon_paths(geoms, frame: Frame, tolerance_px: float = 0.4) -> list[str]:
    """SVG path data of every (multi)polygon, simplified to ``tolerance_px`` pixels.

    Rings become ``M x,y L ... Z`` with one decimal; holes are rings of the same path
    (draw with ``fill-rule="evenodd"``). Empty geometries give ``""``.
    """
    geoms = shapely.simplify(np.asarray(geoms, dtype=object), tolerance_px / frame.scale)
    out = []
    for geom in geoms:
        rings = []
        for poly in shapely.get_parts(shapely.get_parts(geom)):
            if poly is None or poly.geom_type != "Polygon" or poly.is_empty:
                continue
            for ring in (poly.exterior, *poly.interiors):
                px = frame.to_px(shapely.get_coordinates(ring))
                rings.append("M" + " ".join(f"{a:.1f},{b:.1f}" for a, b in px) + "Z")
        out.append("".join(rings))
    return out


def line_paths(geoms, frame: Frame, tolerance_px: float = 0.4) -> list[str]:
    """SVG path data of the boundaries of polygons (or of lines), open paths."""
    geoms = shapely.simplify(np.asarray(geoms, dtype=object), tolerance_px / frame.scale)
    out = []
    for geom in geoms:
        lines = shapely.get_parts(shapely.get_parts(shapely.boundary(geom)
                                                    if geom.geom_type.endswith("Polygon")
                                                    else geom))
        d = []
        for line in lines:
            if line is None or line.is_empty:
                continue
            px = frame.to_px(shapely.get_coordinates(line))
            d.append("M" + " ".join(f"{a:.1f},{b:.1f}" for a, b in px))
        out.append("".join(d))
    return out


def label_points(geoms) -> np.ndarray:
    """A point well inside every polygon (centre of its largest inscribed circle), ``(n, 2)``.

    The centroid can fall outside a bent polygon; the pole of inaccessibility of the
    largest part cannot, and it is where a label has most room.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.full((len(geoms), 2), np.nan)
    for i, geom in enumerate(geoms):
        parts = shapely.get_parts(geom)
        if len(parts) == 0:
            continue
        part = parts[int(np.argmax(shapely.area(parts)))]
        tol = max(np.sqrt(part.area) / 200.0, 1.0)
        circle = shapely.maximum_inscribed_circle(part, tolerance=tol)
        out[i] = shapely.get_coordinates(circle)[0]
    return out


def place_labels(points: np.ndarray, radius: float, width: float, height: float, *,
                 order: np.ndarray | None = None, move: bool = True,
                 blocked: Sequence[tuple[float, float, float, float]] = ()) -> np.ndarray:
    """Positions ``(n, 2)`` for label discs of ``radius`` px that do not overlap.

    Labels are placed one after the other in ``order`` (default as given): at their point
    if no placed disc is nearer than two radii and the disc lies inside the frame and
    outside every ``blocked`` rectangle (x0, y0, x1, y1); else, with ``move``, at the first
    free spot on three rings around the point (1.6, 2.8 and 4 radii away); else NaN (not
    placed). Placed discs never overlap; callers draw a leader line for moved ones.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    n = len(points)
    order = np.arange(n) if order is None else np.asarray(order)
    offsets = [np.zeros((1, 2))]
    if move:
        for dist, count in ((1.6, 8), (2.8, 12), (4.0, 16)):
            angle = np.linspace(0, 2 * np.pi, count, endpoint=False) + np.pi / count
            offsets.append(dist * radius * np.column_stack([np.cos(angle), np.sin(angle)]))
    offsets = np.concatenate(offsets)
    blocks = np.asarray(blocked, dtype=np.float64).reshape(-1, 4)
    out = np.full((n, 2), np.nan)
    placed = np.empty((0, 2))
    for i in order:
        if not np.isfinite(points[i]).all():
            continue
        cand = points[i] + offsets
        ok = ((cand[:, 0] >= radius) & (cand[:, 0] <= width - radius)
              & (cand[:, 1] >= radius) & (cand[:, 1] <= height - radius))
        for x0, y0, x1, y1 in blocks:
            ok &= ~((cand[:, 0] > x0 - radius) & (cand[:, 0] < x1 + radius)
                    & (cand[:, 1] > y0 - radius) & (cand[:, 1] < y1 + radius))
        if len(placed):
            dist = np.linalg.norm(cand[:, None, :] - placed[None, :, :], axis=2)
            ok &= (dist >= 2 * radius + 0.5).all(axis=1)
        free = np.flatnonzero(ok)
        if free.size:
            out[i] = cand[free[0]]
            placed = np.vstack([placed, out[i]])
    return out


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def map_svg(
    frame: Frame,
    layers: Sequence[dict],
    *,
    labels: Sequence[tuple[str, np.ndarray, np.ndarray]] = (),
    rectangles: Sequence[tuple[tuple[float, float, float, float], str]] = (),
    legend: Sequence[tuple[str, str]] = (),
    legend_title: str = "",
    scale_bar: bool = True,
    title: str = "",
    css_class: str = "map",
    element_id: str | None = None,
) -> str:
    """One map as an ``<svg>`` element.

    Parameters
    ----------
    frame : Frame
    layers : sequence of dict
        Drawn in order; each ``{"geoms": array, "fill": colour or list, "stroke": colour,
        "width": px, "lines": bool}`` (``lines`` draws boundaries only, e.g. municipal
        borders over the fills; ``fill`` per geometry or one for all).
    labels : sequence of (text, anchor_px, position_px)
        Numbered discs at ``position_px``; a thin leader line joins it to ``anchor_px``
        when they differ by more than a radius. Positions with NaN are skipped.
    rectangles : sequence of ((x0, y0, x1, y1) in world metres, caption)
        Frames marking an inset.
    legend : sequence of (colour, text)
        Legend rows below the map, with ``legend_title`` above them.
    scale_bar : bool, default True
    title : str
        The SVG's accessible title.
    """
    parts = []
    for layer in layers:
        geoms = np.asarray(layer["geoms"], dtype=object)
        if layer.get("lines"):
            paths = line_paths(geoms, frame)
            stroke, width = layer.get("stroke", "#555"), layer.get("width", 0.6)
            dash = f' stroke-dasharray="{layer["dash"]}"' if layer.get("dash") else ""
            parts.append(f'<g fill="none" stroke="{stroke}" stroke-width="{width}"{dash}>'
                         + "".join(f'<path d="{d}"/>' for d in paths if d) + "</g>")
            continue
        paths = polygon_paths(geoms, frame)
        fill = layer.get("fill", "#eeeeee")
        fills = [fill] * len(paths) if isinstance(fill, str) else list(fill)
        stroke, width = layer.get("stroke", "#ffffff"), layer.get("width", 0.5)
        parts.append(f'<g stroke="{stroke}" stroke-width="{width}" fill-rule="evenodd" '
                     'stroke-linejoin="round">'
                     + "".join(f'<path d="{d}" fill="{f}"/>' for d, f in zip(paths, fills,
                                                                            strict=True) if d)
                     + "</g>")
    for (x0, y0, x1, y1), caption in rectangles:
        (a, b), (c, d) = frame.to_px(np.array([[x0, y1], [x1, y0]]))
        parts.append(f'<rect x="{a:.1f}" y="{b:.1f}" width="{c - a:.1f}" height="{d - b:.1f}" '
                     'fill="none" stroke="#22435e" stroke-width="1.6"/>'
                     f'<text x="{a + 3:.1f}" y="{b - 4:.1f}" font-size="10" fill="#22435e" '
                     f'font-weight="bold">{_e(caption)}</text>')
    discs = []
    for text, anchor, pos in labels:
        if not np.isfinite(pos).all():
            continue
        if np.isfinite(anchor).all() and np.linalg.norm(pos - anchor) > LABEL_RADIUS:
            discs.append(f'<line x1="{anchor[0]:.1f}" y1="{anchor[1]:.1f}" x2="{pos[0]:.1f}" '
                         f'y2="{pos[1]:.1f}" stroke="#333" stroke-width="0.7"/>'
                         f'<circle cx="{anchor[0]:.1f}" cy="{anchor[1]:.1f}" r="1.3" '
                         'fill="#333"/>')
        size = LABEL_FONT if len(text) < 3 else LABEL_FONT - 1.5
        discs.append(f'<g class="label"><circle cx="{pos[0]:.1f}" cy="{pos[1]:.1f}" '
                     f'r="{LABEL_RADIUS}" fill="#ffffff" fill-opacity="0.92" stroke="#333" '
                     f'stroke-width="0.6"/><text x="{pos[0]:.1f}" y="{pos[1] + size * 0.36:.1f}" '
                     f'font-size="{size}" text-anchor="middle" fill="#111">{_e(text)}</text></g>')
    parts.extend(discs)
    height = frame.height
    if scale_bar:
        parts.append(_scale_bar(frame))
    if legend:
        y = height + 8
        rows = [f'<text x="4" y="{y + 10:.1f}" font-size="10.5" font-weight="bold">'
                f'{_e(legend_title)}</text>'] if legend_title else []
        y += LEGEND_ROW if legend_title else 0
        for colour, text in legend:
            rows.append(f'<rect x="4" y="{y + 1:.1f}" width="18" height="11" fill="{colour}" '
                        f'stroke="#555" stroke-width="0.5"/><text x="28" y="{y + 10:.1f}" '
                        f'font-size="10">{_e(text)}</text>')
            y += LEGEND_ROW
        parts.append('<g class="legend">' + "".join(rows) + "</g>")
        height = y + 4
    ident = f' id="{_e(element_id)}"' if element_id else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}"{ident} '
            f'viewBox="0 0 {frame.width:.0f} {height:.0f}" width="{frame.width:.0f}" '
            f'height="{height:.0f}" font-family="{FONT}" role="img">'
            f"<title>{_e(title)}</title>" + "".join(parts) + "</svg>")


def _scale_bar(frame: Frame) -> str:
    """A scale bar of a round length (about a fifth of the map) at the lower right."""
    target = frame.width / 5 / frame.scale
    nice = np.array([100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000], float)
    length = float(nice[max(np.searchsorted(nice, target) - 1, 0)])
    px = length * frame.scale
    x1, y = frame.width - 8, frame.height - 8
    text = f"{german_number(length / 1000, 0 if length >= 1000 else 1)} km"
    return (f'<g class="scale"><rect x="{x1 - px - 4:.1f}" y="{y - 16:.1f}" width="{px + 8:.1f}" '
            f'height="20" fill="#ffffff" fill-opacity="0.8"/>'
            f'<path d="M{x1 - px:.1f},{y - 4:.1f}V{y:.1f}H{x1:.1f}V{y - 4:.1f}" fill="none" '
            f'stroke="#111" stroke-width="1.2"/><text x="{x1 - px / 2:.1f}" y="{y - 6:.1f}" '
            f'font-size="9" text-anchor="middle">{text}</text></g>')
