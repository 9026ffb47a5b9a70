"""QGIS styles (QML) for the published layers, and the colours the maps share.

QGIS applies a style stored in the GeoPackage's ``layer_styles`` table when it opens a
layer (see :mod:`pipeline.publish.geopackage`); the same QML is written beside the file as
``<layer>.qml``. The QML holds the symbology and, where useful, labels:

- :func:`categorized_qml`: one fill colour per category (social spaces by ``sr_id``, cells
  by ``sr_id``, types by ``typ``), optional labels from another field (the social space's
  name);
- :func:`graduated_qml`: colour ranges on a numeric field (the standardized social index,
  classed like the status classes);
- :func:`outline_qml`, :func:`line_qml`: boundaries without fill (municipalities, county)
  and lines (barriers).

:func:`region_colors` colours the social spaces so that neighbours differ (greedy graph
colouring of the polygons' adjacency over a qualitative palette).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import shapely

from pipeline.files import atomic_path

__all__ = [
    "PALETTE",
    "STATUS_COLORS",
    "TYPE_COLORS",
    "categorized_qml",
    "graduated_qml",
    "line_qml",
    "lock_qml",
    "outline_qml",
    "region_colors",
    "write_qml",
]

#: Qualitative palette for the social spaces (ColorBrewer Set3 and Pastel1, colour-blind
#: friendly enough for neighbours that differ).
PALETTE = (
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69",
    "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f",
)
#: Classes of social need gering, mittel, hoch, sehr hoch (least to most need): green to red.
STATUS_COLORS = ("#1a9641", "#a6d96a", "#fdae61", "#d7191c")
#: Types of the typology 1, 2, ... (ColorBrewer Dark2, then Set1), repeated beyond 16.
TYPE_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
               "#666666", "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#ffff33",
               "#a65628", "#f781bf")
#: QGIS version written into the QML header.
_QGIS_VERSION = "3.34.0-Prizren"


def region_colors(polygons: Sequence, palette: Sequence[str] = PALETTE) -> list[str]:
    """A colour per polygon so that touching polygons differ (greedy, largest degree first).

    Parameters
    ----------
    polygons : sequence of shapely geometries
    palette : sequence of str, default PALETTE

    Returns
    -------
    list of str
        Hex colours, one per polygon.

    Examples
    --------
    >>> region_colors([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], ["#000", "#fff"])
    ['#000', '#fff']
    """
    geoms = np.asarray(polygons, dtype=object)
    n = len(geoms)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a != b
    a, b = a[keep], b[keep]
    degree = np.bincount(a, minlength=n)
    colour = np.full(n, -1)
    for i in sorted(range(n), key=lambda j: (-degree[j], j)):
        used = set(colour[b[a == i]].tolist())
        colour[i] = next((c for c in range(len(palette)) if c not in used),
                         i % len(palette))
    return [palette[c] for c in colour]


def categorized_qml(
    field: str,
    categories: Sequence[tuple[str, str, str]],
    *,
    label_field: str | None = None,
    outline: str = "#4d4d4d",
    outline_width: float = 0.26,
) -> str:
    """A categorized fill style: one colour per value of ``field``.

    Parameters
    ----------
    field : str
        Attribute the categories refer to.
    categories : sequence of (value, label, hex colour)
    label_field : str, optional
        Field whose value is drawn as the map label (e.g. ``name``).
    outline : str, default "#4d4d4d"
    outline_width : float, default 0.26
        In millimetres.

    Returns
    -------
    str
        The QML document.
    """
    cats = "\n".join(
        f'      <category value={quoteattr(str(v))} symbol="{i}" label={quoteattr(str(lab))} '
        f'render="true"/>' for i, (v, lab, _) in enumerate(categories))
    symbols = "\n".join(_fill_symbol(str(i), c, outline, outline_width)
                        for i, (_, _, c) in enumerate(categories))
    renderer = (
        f'  <renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} symbollevels="0" '
        f'enableorderby="0" forceraster="0" referencescale="-1">\n'
        f"    <categories>\n{cats}\n    </categories>\n"
        f"    <symbols>\n{symbols}\n    </symbols>\n  </renderer-v2>")
    return _document(renderer, label_field)


def graduated_qml(
    field: str,
    ranges: Sequence[tuple[float, float, str, str]],
    *,
    label_field: str | None = None,
    outline: str = "#4d4d4d",
    outline_width: float = 0.26,
) -> str:
    """A graduated fill style: colour ranges on the numeric ``field``.

    Parameters
    ----------
    field : str
    ranges : sequence of (lower, upper, label, hex colour)
        Use large finite numbers for open ends.
    label_field : str, optional
    outline : str, default "#4d4d4d"
    outline_width : float, default 0.26

    Returns
    -------
    str
        The QML document.
    """
    items = "\n".join(
        f'      <range lower="{lo:.6f}" upper="{hi:.6f}" symbol="{i}" '
        f'label={quoteattr(lab)} render="true"/>' for i, (lo, hi, lab, _) in enumerate(ranges))
    symbols = "\n".join(_fill_symbol(str(i), c, outline, outline_width)
                        for i, (_, _, _, c) in enumerate(ranges))
    renderer = (
        f'  <renderer-v2 type="graduatedSymbol" attr={quoteattr(field)} '
        f'graduatedMethod="GraduatedColor" symbollevels="0" enableorderby="0" '
        f'forceraster="0" referencescale="-1">\n'
        f"    <ranges>\n{items}\n    </ranges>\n"
        f"    <symbols>\n{symbols}\n    </symbols>\n"
        f'    <mode name="manual"/>\n  </renderer-v2>')
    return _document(renderer, label_field)


def outline_qml(color: str = "#333333", width: float = 0.5,
                label_field: str | None = None) -> str:
    """A single-symbol style without fill: a boundary line of ``width`` mm."""
    symbol = _fill_symbol("0", color, color, width, fill=False)
    renderer = ('  <renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" '
                f'forceraster="0" referencescale="-1">\n    <symbols>\n{symbol}\n'
                "    </symbols>\n  </renderer-v2>")
    return _document(renderer, label_field)


def lock_qml(color: str = "#d7191c", width: float = 0.8) -> str:
    """The planners' locks: a red dashed boundary over a light diagonal hatch, labelled."""
    props = {"color": _rgba(color, 90), "style": "b_diagonal", "outline_color": _rgba(color),
             "outline_style": "dash", "outline_width": str(width), "outline_width_unit": "MM",
             "joinstyle": "bevel"}
    symbol = (
        '      <symbol type="fill" name="0" alpha="1" clip_to_extent="1" force_rhr="0">\n'
        '        <layer class="SimpleFill" enabled="1" locked="0" pass="0">\n'
        f"{_properties(props)}        </layer>\n      </symbol>")
    renderer = ('  <renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" '
                f'forceraster="0" referencescale="-1">\n    <symbols>\n{symbol}\n'
                "    </symbols>\n  </renderer-v2>")
    return _document(renderer, "name")


def point_categorized_qml(field: str, categories: Sequence[tuple[str, str, str]], *,
                          size: float = 2.4) -> str:
    """A categorized point style: one circle colour per value of ``field`` (facilities).

    ``categories`` are (value, label, hex colour); ``size`` is the diameter in millimetres.
    """
    cats = "\n".join(
        f'      <category value={quoteattr(str(v))} symbol="{i}" label={quoteattr(str(lab))} '
        f'render="true"/>' for i, (v, lab, _) in enumerate(categories))
    symbols = []
    for i, (_, _, color) in enumerate(categories):
        props = {"name": "circle", "color": _rgba(color), "outline_color": _rgba("#ffffff"),
                 "outline_style": "solid", "outline_width": "0.3",
                 "outline_width_unit": "MM", "size": str(size), "size_unit": "MM"}
        symbols.append(
            f'      <symbol type="marker" name="{i}" alpha="1" clip_to_extent="1" '
            'force_rhr="0">\n'
            '        <layer class="SimpleMarker" enabled="1" locked="0" pass="0">\n'
            f"{_properties(props)}        </layer>\n      </symbol>")
    renderer = (
        f'  <renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} symbollevels="0" '
        f'enableorderby="0" forceraster="0" referencescale="-1">\n'
        f"    <categories>\n{cats}\n    </categories>\n"
        f"    <symbols>\n{chr(10).join(symbols)}\n    </symbols>\n  </renderer-v2>")
    return _document(renderer, None)


def line_qml(color: str = "#2b83ba", width: float = 0.6) -> str:
    """A single-symbol line style (barriers)."""
    props = {"line_color": _rgba(color), "line_width": str(width), "line_width_unit": "MM",
             "line_style": "solid"}
    symbol = (
        f'      <symbol type="line" name="0" alpha="1" clip_to_extent="1" force_rhr="0">\n'
        f'        <layer class="SimpleLine" enabled="1" locked="0" pass="0">\n'
        f"{_properties(props)}        </layer>\n      </symbol>")
    renderer = ('  <renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" '
                f'forceraster="0" referencescale="-1">\n    <symbols>\n{symbol}\n'
                "    </symbols>\n  </renderer-v2>")
    return _document(renderer, None)


def _rgba(color: str, alpha: int = 255) -> str:
    h = color[1:] if color.startswith("#") else ""
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) != 6 or any(c not in "0123456789abcdefABCDEF" for c in h):
        raise ValueError(f"colour must be #rgb or #rrggbb, got {color!r}")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{alpha}"


def _fill_symbol(name: str, color: str, outline: str, width: float, fill: bool = True) -> str:
    props = {"color": _rgba(color), "style": "solid" if fill else "no",
             "outline_color": _rgba(outline), "outline_style": "solid",
             "outline_width": str(width), "outline_width_unit": "MM", "joinstyle": "bevel"}
    return (
        f'      <symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">\n'
        f'        <layer class="SimpleFill" enabled="1" locked="0" pass="0">\n'
        f"{_properties(props)}        </layer>\n      </symbol>")


def _properties(props: dict) -> str:
    """Symbol layer properties, as an Option map and as ``prop`` elements.

    QGIS 3.26 and later write the map, older versions read only ``prop``; QGIS prefers the
    map when both are present.
    """
    options = "".join(f'            <Option name="{k}" type="QString" value="{v}"/>\n'
                      for k, v in props.items())
    legacy = "".join(f'          <prop k="{k}" v="{v}"/>\n' for k, v in props.items())
    return f'          <Option type="Map">\n{options}          </Option>\n{legacy}'


def _labeling(field: str) -> str:
    return (
        '  <labeling type="simple">\n    <settings calloutType="simple">\n'
        f'      <text-style fieldName={quoteattr(field)} isExpression="0" fontSize="8" '
        'fontSizeUnit="Point" fontFamily="Sans Serif" textColor="30,30,30,255" '
        'fontWeight="50" namedStyle="Regular" textOpacity="1">\n'
        '        <text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" '
        'bufferColor="255,255,255,255" bufferOpacity="0.8"/>\n'
        "      </text-style>\n"
        '      <text-format wrapChar="" multilineAlign="1"/>\n'
        '      <placement placement="1" fitInPolygonOnly="0" centroidInside="1" '
        'centroidWhole="0"/>\n'
        '      <rendering obstacle="1" displayAll="0" labelPerPart="0" '
        'scaleVisibility="0"/>\n'
        "    </settings>\n  </labeling>")


def _document(renderer: str, label_field: str | None) -> str:
    categories = "Symbology|Labeling" if label_field else "Symbology"
    labels = f"\n{_labeling(label_field)}" if label_field else ""
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version="{_QGIS_VERSION}" styleCategories="{categories}" '
        f'labelsEnabled="{1 if label_field else 0}">\n'
        f"{renderer}{labels}\n</qgis>\n")


def write_qml(qml: str, path: str | os.PathLike) -> Path:
    """Write a QML document beside the GeoPackage (temporary file, then replace)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(qml, encoding="utf-8")
    return path
