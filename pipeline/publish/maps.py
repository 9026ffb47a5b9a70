"""Static maps of the social spaces as PNG (matplotlib, no display needed).

Used by the report (:mod:`pipeline.publish.report`) and by the Dagster UI previews. Figures are
built with :class:`matplotlib.figure.Figure` and the Agg canvas directly, so the global
pyplot backend is never touched.

- :func:`render_map`: polygons coloured by fixed colours or a numeric column, with optional
  outlines (municipalities, county) and labels.
- :func:`render_side_by_side`: several partitions of one territory next to each other, one
  titled panel each on the same extent (the scenarios of a county).
- :func:`data_uri`: a PNG as ``data:image/png;base64,...`` for HTML and markdown.

The legible previews of the Dagster UI (outlined, numbered, with a legend) are in
:mod:`pipeline.publish.previews`; :func:`regions_preview_markdown` is one of them.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure

__all__ = ["data_uri", "preview_markdown", "regions_preview_markdown", "render_map",
           "render_side_by_side"]


def render_map(
    polygons: gpd.GeoDataFrame,
    *,
    colors: Sequence[str] | None = None,
    column: str | None = None,
    cmap: str = "YlOrRd",
    bins: Sequence[float] | None = None,
    labels: Sequence[str] | None = None,
    outlines: Sequence[gpd.GeoDataFrame] = (),
    width_px: int = 900,
    dpi: int = 100,
    legend_title: str | None = None,
    quantize: bool = True,
) -> bytes:
    """Draw the polygons and return a PNG.

    Parameters
    ----------
    polygons : GeoDataFrame
        The polygons in a projected CRS.
    colors : sequence of str, optional
        A fill colour per polygon; otherwise ``column`` is drawn as a choropleth.
    column : str, optional
        Numeric column for a choropleth (missing values grey).
    cmap : str, default "YlOrRd"
    bins : sequence of float, optional
        Class breaks of the choropleth (default: quintiles of the values).
    labels : sequence of str, optional
        Text drawn at each polygon's representative point.
    outlines : sequence of GeoDataFrame
        Drawn on top as thin lines (first thin grey, last thicker black).
    width_px : int, default 900
    dpi : int, default 100
    legend_title : str, optional
    quantize : bool, default True
        Store the PNG with an adaptive 64-colour palette (several times smaller).

    Returns
    -------
    bytes
        The PNG image.
    """
    if colors is None and column is None:
        raise ValueError("give colors or column")
    minx, miny, maxx, maxy = polygons.total_bounds
    aspect = (maxy - miny) / max(maxx - minx, 1.0)
    width = width_px / dpi
    fig = Figure(figsize=(width, max(width * aspect, 1.0)), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    if colors is not None:
        polygons.plot(ax=ax, color=list(colors), edgecolor="#555555", linewidth=0.4)
    else:
        _choropleth(ax, polygons, column, cmap, bins, legend_title)
    for i, frame in enumerate(outlines):
        last = i == len(outlines) - 1
        frame.boundary.plot(ax=ax, color="#111111" if last else "#777777",
                            linewidth=1.2 if last else 0.5)
    if labels is not None:
        points = polygons.geometry.representative_point()
        size = 7 if len(polygons) < 60 else 5.5
        for point, text in zip(points, labels, strict=True):
            ax.annotate(text, (point.x, point.y), ha="center", va="center", fontsize=size,
                        color="#111111", bbox={"boxstyle": "round,pad=0.1", "fc": "white",
                                               "ec": "none", "alpha": 0.6})
    pad = 0.02 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return _quantize(buffer.getvalue()) if quantize else buffer.getvalue()


def render_side_by_side(
    panels: Mapping[str, gpd.GeoDataFrame],
    *,
    color_column: str = "farbe",
    outlines: Sequence[gpd.GeoDataFrame] = (),
    panel_px: int = 450,
    dpi: int = 100,
    quantize: bool = True,
) -> bytes:
    """Draw several partitions of one territory side by side and return one PNG.

    Every panel has the same extent and scale, so the same place sits at the same spot in
    each; the panel's title is its key.

    Parameters
    ----------
    panels : mapping of str to GeoDataFrame
        Title -> polygons (all in one projected CRS), drawn left to right.
    color_column : str, default "farbe"
        Column with each polygon's fill colour (light grey where it is missing).
    outlines : sequence of GeoDataFrame
        Drawn on top of every panel (first thin grey, last thicker black).
    panel_px : int, default 450
        Width of one panel in pixels.
    dpi : int, default 100
    quantize : bool, default True
        Store the PNG with an adaptive 64-colour palette.

    Returns
    -------
    bytes
        The PNG image.
    """
    if not panels:
        raise ValueError("panels must hold at least one map")
    bounds = np.array([frame.total_bounds for frame in (*panels.values(), *outlines)])
    minx, miny = bounds[:, 0].min(), bounds[:, 1].min()
    maxx, maxy = bounds[:, 2].max(), bounds[:, 3].max()
    pad = 0.02 * max(maxx - minx, maxy - miny)
    width = panel_px / dpi
    title = 0.35  # inches above each panel for its title
    aspect = (maxy - miny) / max(maxx - minx, 1.0)
    fig = Figure(figsize=(width * len(panels), max(width * aspect, 1.0) + title), dpi=dpi)
    FigureCanvasAgg(fig)
    share = max(width * aspect, 1.0) / (max(width * aspect, 1.0) + title)
    for i, (name, polygons) in enumerate(panels.items()):
        ax = fig.add_axes((i / len(panels), 0, 1 / len(panels), share))
        ax.set_axis_off()
        fill = (polygons[color_column].fillna("#dddddd").tolist()
                if color_column in polygons.columns else "#dddddd")
        polygons.plot(ax=ax, color=fill, edgecolor="#555555", linewidth=0.3)
        for j, frame in enumerate(outlines):
            last = j == len(outlines) - 1
            frame.boundary.plot(ax=ax, color="#111111" if last else "#777777",
                                linewidth=1.0 if last else 0.5)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        ax.set_aspect("equal")
        fig.text((i + 0.5) / len(panels), 1 - (1 - share) / 2, name, ha="center",
                 va="center", fontsize=11)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return _quantize(buffer.getvalue()) if quantize else buffer.getvalue()


def _quantize(png: bytes, colors: int = 64) -> bytes:
    """Reduce a PNG to an adaptive palette: a fraction of the size, same look for maps."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT).save(out, format="PNG",
                                                                        optimize=True)
    return out.getvalue()


def _choropleth(ax, polygons, column, cmap, bins, legend_title) -> None:
    values = polygons[column].to_numpy(np.float64)
    ok = np.isfinite(values)
    if bins is None:
        bins = np.unique(np.nanquantile(values[ok], np.linspace(0, 1, 6))) if ok.any() else [0, 1]
    bins = np.asarray(bins, dtype=np.float64)
    if bins.size < 2:
        bins = np.array([bins[0] - 0.5, bins[0] + 0.5])
    import matplotlib

    colormap = matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap
    listed = ListedColormap(colormap(np.linspace(0.1, 0.9, bins.size - 1)))
    norm = BoundaryNorm(bins, listed.N, clip=True)
    fill = [listed(norm(v)) if np.isfinite(v) else "#cccccc" for v in values]
    polygons.plot(ax=ax, color=fill, edgecolor="#ffffff", linewidth=0.3)
    from matplotlib.patches import Patch

    handles = [Patch(color=listed(i), label=f"{bins[i]:.3g} – {bins[i + 1]:.3g}")
               for i in range(listed.N)]
    if not ok.all():
        handles.append(Patch(color="#cccccc", label="–"))
    ax.legend(handles=handles, title=legend_title, loc="lower left", fontsize=7,
              title_fontsize=7, frameon=True)


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI for HTML ``img`` tags and markdown.

    Examples
    --------
    >>> data_uri(b"x")
    'data:image/png;base64,eA=='
    """
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def preview_markdown(png: bytes, title: str = "Karte") -> str:
    """Markdown with the PNG inline (for ``MetadataValue.md`` in the Dagster UI)."""
    return f"![{title}]({data_uri(png)})"


def regions_preview_markdown(cells, labels, width_px: int = 480, polygons=None,
                             sr_ids=None) -> str:
    """The preview of ``cell_regions`` (:func:`pipeline.publish.previews.regions_preview_markdown`).

    Kept here for callers of this module; the previews live in :mod:`pipeline.publish.previews`.
    """
    from pipeline.publish import previews

    return previews.regions_preview_markdown(cells, labels, width_px=width_px,
                                             polygons=polygons, sr_ids=sr_ids)
