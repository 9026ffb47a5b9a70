"""The offline interactive atlas (Sozialraumatlas): one self-contained HTML file.

Nothing is fetched when it is opened (county networks are often offline, and a content
security policy in the page forbids every fetch): the map is inline SVG, projected to
screen coordinates here in Python (EPSG:25832 metres scaled to a 1000-unit wide view box,
y flipped, rounded to 0.1 unit, coverage-simplified to about half a unit so that
neighbours keep their shared edges), the data is one inline JSON block, and plain
JavaScript written for this file (:mod:`~pipeline.publish._atlas_script`) does the rest:

- a level picker: social spaces; municipalities (every indicator recomputed from the
  cells of the municipality with :func:`~pipeline.indicators.profiles.build_profiles`,
  the same ratio of sums as for the spaces); 100 m cells, or blocks on a county drawn on
  polygon units (the published cell layer's stabilised values, blank under the disclosure
  floor of :data:`~pipeline.publish.publication.MIN_CELL_RESIDENTS` residents), drawn on
  a canvas from grid indices (see :mod:`~pipeline.publish._atlas_levels`);
- an indicator ``<select>`` grouped by theme (``<optgroup>``), plus the social index
  (status classes, its value, and the types where the typology is published) and the
  facility rates; a choropleth in quantile classes of the level's units with a legend in
  German number format, units and the county value;
- a time comparison with the earlier published runs of the county (from the history,
  passed in as a frame): the change per social space whose ID persists, on a diverging
  scale; with no earlier run a note says there is nothing to compare;
- facility points (Kitas, schools, youth centres, ...) with a legend, counted per social
  space and per 1,000 residents of the target age group
  (:mod:`~pipeline.publish.facilities`);
- municipal outlines and names on top; hover shows a unit's name and value; a click opens
  a profile (of a space, a municipality, or a cell's space): key figures, the facilities,
  the changes since earlier runs and a bar chart of its indicators' z-values with its
  value beside the county value;
- search by name or ID; wheel zoom and drag pan;
- ``?ind=<key>``, ``?level=sr|gem|cell``, ``?cmp=<n>`` and ``?sr=<id>`` in the address pick
  an indicator, level, comparison and profile on load; ``?selftest`` runs the
  interactions in the page and writes the result into ``#selftest-result`` (used by the
  tests with ``chromium --dump-dom``).

``public=True`` builds the public edition: every indicator the catalog marks
``internal: true`` is left out (its values, z-values, labels and key), and so is whatever
the county file lists under ``internal:`` (indicator keys; layers ``einrichtungen``,
``zellen``, ``gemeinden``, ``sozialraeume_typen``, ``vergleich``). The social index and its
status classes stay: they are the published composite.

Measured on the sample county (97 social spaces, 15 municipalities, 26,126 cells, 245
facilities): 1.7 MB, built in about 1 s; headless Chromium has the page ready about
0.3 s after it starts loading at the social spaces, 0.6 s at the cell level.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.files import atomic_path
from pipeline.indicators.catalog import SHARE_UNIT
from pipeline.indicators.profiles import STATUS_CLASSES
from pipeline.publish import styles
from pipeline.publish._atlas_levels import (
    BLANK,
    b64,
    cell_level,
    comparisons,
    municipal_values,
    quantized,
)
from pipeline.publish._atlas_page import CSS, ERRORS_JS, JS
from pipeline.publish.facilities import FACILITY_COLORS, TARGET_GROUPS, facility_counts
from pipeline.publish.publication import MIN_CELL_RESIDENTS
from pipeline.publish.styles import STATUS_COLORS
from pipeline.readers.facilities import FACILITY_KINDS, FACILITY_LABELS

__all__ = ["CLASS_COLORS", "THEME_LABELS", "VIEW_WIDTH", "build_atlas", "write_atlas"]

#: German headings of the catalog themes, in the order of the ``<select>``.
THEME_LABELS = {"age": "Alter", "social_structure": "Sozialstruktur",
                "income": "Einkommen und Grundsicherung", "housing": "Wohnen"}
#: Fill colours of the quantile classes, light to dark (ColorBrewer OrRd, 5 classes).
CLASS_COLORS = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
#: The page's content security policy: nothing but its own inline script and style, so
#: the browser fetches nothing when the file is opened (not even by mistake).
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
#: Width of the map's view box in screen units.
VIEW_WIDTH = 1000
#: Colours of the types when the styles have none (ColorBrewer Dark2).
_TYPE_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
                "#666666")
#: Fill of a social space without a value.
_MISSING = "#d9d9d9"
#: Simplification tolerance in screen units.
_TOLERANCE = 0.5
#: Units shorter than this are written after each value (longer ones in the legend only).
_SHORT_UNIT = 14


def build_atlas(
    publication,
    catalog,
    municipalities: gpd.GeoDataFrame,
    county: gpd.GeoDataFrame,
    *,
    county_name: str,
    public: bool = False,
    cells: pd.DataFrame | None = None,
    cell_indicators: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    internal: Sequence[str] = (),
) -> str:
    """The atlas as one HTML string; the same input gives the same string.

    Parameters
    ----------
    publication : Publication
        From :func:`pipeline.publish.build_publication` (``regions``, ``county_values``).
    catalog : Catalog
        Indicator labels, themes, units and the ``internal`` mark.
    municipalities, county : GeoDataFrame
        Municipal outlines with ``name``, drawn on top; the county outline.
    county_name : str
    public : bool, default False
        Leave out every indicator marked ``internal: true`` in the catalog, and what the
        county marks internal (``internal``).
    cells : DataFrame, optional
        The populated cells (``cell_id``, ``x``, ``y`` and the five-year age groups) in
        the order of the published cell layer: the level of 100 m cells (or units) and
        the facilities' target groups.
    cell_indicators : DataFrame, optional
        The cell indicator table (``ags``, ``<key>_num``/``<key>_den``): the municipal
        level, profiled as the social spaces are.
    history : DataFrame, optional
        Profiles of earlier published runs of the county in long form (``run_id``,
        ``published_at``, ``sr_id``, ``indicator``, ``value``): the time comparison.
    facilities : GeoDataFrame, optional
        The county's facilities (:func:`pipeline.readers.read_facilities`): a point layer,
        counts per social space and per 1,000 residents of the target group.
    internal : sequence of str
        Indicator keys and layer names (``einrichtungen``, ``zellen``, ``gemeinden``,
        ``sozialraeume_typen``, ``vergleich``) the county marks internal.

    Returns
    -------
    str
    """
    regions = publication.regions.reset_index(drop=True)
    hidden = set(internal) if public else set()
    indicators = [i for i in catalog if i.key in regions.columns
                  and not (public and i.internal) and i.key not in hidden]
    if "sozialraeume_typen" in hidden:
        regions = regions.drop(columns=["typ", "typ_name"], errors="ignore")
    outline = county.to_crs(regions.crs)
    munis = municipalities.to_crs(regions.crs)
    view = _View.around(regions, outline)
    shapes = _coverage(regions.geometry.values, _TOLERANCE / view.scale)
    muni_shapes = _coverage(munis.geometry.values, _TOLERANCE / view.scale)
    county_shape = shapely.simplify(shapely.union_all(outline.geometry.values),
                                    _TOLERANCE / view.scale)
    data = _data(regions, indicators, publication.county_values, county_name, view,
                 shapes, public)
    extras = _extras(data, publication, catalog, indicators, munis, view, hidden,
                     cells=cells, cell_indicators=cell_indicators, history=history,
                     facilities=facilities)
    svg = _svg(view, shapes, regions, muni_shapes, munis, county_shape, extras)
    select = _select(indicators, regions, extras["groups"])
    title = f"Sozialraumatlas {county_name}" + (" (öffentliche Ausgabe)" if public else "")
    return (
        '<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{_e(title)}</title>"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<style>{CSS}</style><script>{ERRORS_JS}</script></head><body>\n"
        f'<header><h1>{_e(title)}</h1><span id="subtitle">{len(regions)} Sozialräume</span>'
        "</header>\n<div id=\"app\"><aside>"
        f'<label for="level">Ebene</label>{_levels(data["levels"])}'
        f'<label for="indicator">Thema</label>{select}'
        f"{_compare(data['compare'], hidden)}"
        f"{_facility_toggle(data.get('facilities'))}"
        '<label for="search">Sozialraum suchen</label>'
        '<input id="search" type="search" list="space-names" autocomplete="off" '
        'placeholder="Name oder Kennung">'
        '<datalist id="space-names">'
        + "".join(f'<option value="{_e(n)}"></option>' for n in sorted(set(regions["name"])))
        + '</datalist><div id="search-info"></div>'
        '<div id="legend"></div><div id="facility-legend"></div>'
        '<p class="hint">Zeigen: Name und Wert. Klicken: Profil. Mausrad: zoomen, ziehen: '
        'verschieben. <button id="reset" type="button">Gesamtansicht</button></p>'
        '<p class="hint">Gemeindewerte: die Indikatoren aus den Zellen jeder Gemeinde '
        "berechnet wie für die Sozialräume; Werte mit „(Gemeindewert)“ stammen aus der "
        "Gemeindestatistik. Zellen: stabilisierte Werte, leer unter "
        f"{MIN_CELL_RESIDENTS} Einwohnern (Geheimhaltung).</p></aside>\n"
        f'<main><canvas id="cells" hidden></canvas>{svg}<div id="tip" hidden></div>'
        '<section id="profile" hidden><button id="close" type="button" '
        'aria-label="Schließen">×</button><div id="profile-body"></div></section></main>'
        "</div>\n"
        '<pre id="selftest-result" hidden></pre>'
        f'<script type="application/json" id="atlas-data">{_json(data)}</script>\n'
        f"<script>{JS}</script></body></html>\n"
    )


def write_atlas(path: str | os.PathLike, publication, catalog,
                municipalities: gpd.GeoDataFrame, county: gpd.GeoDataFrame, *,
                county_name: str, public: bool = False, **inputs) -> Path:
    """Build the atlas and write it atomically; returns the path.

    ``inputs`` are the optional inputs of :func:`build_atlas` (``cells``,
    ``cell_indicators``, ``history``, ``facilities``, ``internal``).
    """
    text = build_atlas(publication, catalog, municipalities, county,
                       county_name=county_name, public=public, **inputs)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


# --- geometry -----------------------------------------------------------------------------


class _View:
    """Metres of EPSG:25832 to screen units: x right, y down, ``VIEW_WIDTH`` wide."""

    def __init__(self, x0: float, y1: float, scale: float, height: int) -> None:
        self.x0, self.y1, self.scale, self.height = x0, y1, scale, height

    @classmethod
    def around(cls, regions: gpd.GeoDataFrame, outline: gpd.GeoDataFrame) -> _View:
        bounds = np.vstack([regions.total_bounds, outline.total_bounds])
        minx, miny = bounds[:, 0].min(), bounds[:, 1].min()
        maxx, maxy = bounds[:, 2].max(), bounds[:, 3].max()
        pad = 0.02 * max(maxx - minx, maxy - miny, 1.0)
        minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
        scale = VIEW_WIDTH / (maxx - minx)
        return cls(minx, maxy, scale, int(math.ceil((maxy - miny) * scale)))

    def xy(self, coords: np.ndarray) -> np.ndarray:
        return np.column_stack([(coords[:, 0] - self.x0) * self.scale,
                                (self.y1 - coords[:, 1]) * self.scale]).round(1)

    def path(self, geom) -> str:
        """SVG path data of a (multi)polygon: one ``M...Z`` per ring, no repeated points."""
        out = []
        for poly in shapely.get_parts(geom):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            for ring in (poly.exterior, *poly.interiors):
                xy = self.xy(np.asarray(ring.coords))[:-1]
                keep = np.ones(len(xy), bool)
                keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
                xy = xy[keep]
                if len(xy) >= 3:
                    out.append("M" + " ".join(f"{_n(a)},{_n(b)}" for a, b in xy) + "Z")
        return "".join(out)

    def lines(self, geom) -> str:
        """SVG path data of the boundary of a (multi)polygon."""
        return self.path(geom)


def _coverage(geoms, tolerance: float):
    """Simplified polygons that keep shared edges (a plain simplify if that fails)."""
    geoms = shapely.make_valid(np.asarray(geoms, dtype=object))
    try:
        out = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    except Exception:  # noqa: BLE001 - not a valid coverage: simplify each alone
        out = shapely.simplify(geoms, tolerance, preserve_topology=True)
    return np.asarray(out, dtype=object)


def _n(v: float) -> str:
    """A rounded coordinate without a needless ``.0``."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


# --- parts --------------------------------------------------------------------------------


def _svg(view, shapes, regions, muni_shapes, munis, county_shape, extras) -> str:
    spaces = "".join(
        f'<path data-i="{i}" id="sr-{_e(sr)}" d="{view.path(g)}"/>'
        for i, (sr, g) in enumerate(zip(regions["sr_id"], shapes, strict=True)))
    outlines = "".join(f'<path data-m="{m}" d="{view.lines(g)}"/>'
                       for m, g in enumerate(muni_shapes))
    labels = []
    names = munis["name"] if "name" in munis else [""] * len(munis)
    for name, g in zip(names, munis.geometry.values, strict=True):
        if g is None or g.is_empty:
            continue
        x, y = view.xy(np.asarray(shapely.point_on_surface(g).coords))[0]
        labels.append(f'<text x="{_n(x)}" y="{_n(y)}">{_e(name)}</text>')
    points = "".join(
        f'<circle data-f="{j}" cx="{_n(x)}" cy="{_n(y)}" r="4.5" fill="{color}"/>'
        for j, (x, y, color) in enumerate(extras["points"]))
    return (f'<svg id="map" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {VIEW_WIDTH} {view.height}" role="img" '
            'aria-label="Karte der Sozialräume">'
            f'<g id="spaces">{spaces}</g>'
            f'<g id="municipalities">{outlines}</g>'
            f'<path id="county" d="{view.lines(county_shape)}"/>'
            f'<g id="municipality-names">{"".join(labels)}</g>'
            f'<g id="facilities">{points}</g></svg>')


def _levels(levels) -> str:
    options = "".join(f'<option value="{lv["key"]}">{_e(lv["label"])}</option>'
                      for lv in levels)
    return f'<select id="level">{options}</select>'


def _compare(runs, hidden) -> str:
    """The time comparison: earlier published runs, or a note that there is none."""
    if "vergleich" in hidden:
        return ""
    if not runs:
        return ('<label>Zeitvergleich</label><p class="hint" id="compare-none">Keine frühere '
                "Veröffentlichung im Verlauf: nichts zu vergleichen.</p>")
    options = "".join(
        f'<option value="{j + 1}">seit {_e(r["date"])} ({r["matched"]} mit gleicher '
        "Kennung)</option>" for j, r in enumerate(runs))
    return ('<label for="compare">Zeitvergleich</label><select id="compare">'
            f'<option value="0">aktueller Stand</option>{options}</select>')


def _facility_toggle(facilities) -> str:
    if not facilities:
        return ""
    return ('<label class="check"><input type="checkbox" id="show-facilities" checked> '
            f'Einrichtungen zeigen ({len(facilities["points"])})</label>')


def _select(indicators, regions, extra=()) -> str:
    groups = []
    for theme, heading in THEME_LABELS.items():
        options = "".join(f'<option value="{_e(i.key)}">{_e(i.label_de)}</option>'
                          for i in indicators if i.theme == theme)
        if options:
            groups.append(f'<optgroup label="{_e(heading)}">{options}</optgroup>')
    index = []
    if "status_class" in regions:
        index.append('<option value="status_class">Statusklassen</option>')
    column = _index_column(regions)
    if column:
        index.append(f'<option value="{column}">Sozialindex (Wert)</option>')
    if "typ" in regions and "typ_name" in regions:
        index.append('<option value="typ">Typen (Typologie)</option>')
    if index:
        groups.insert(0, f'<optgroup label="Sozialindex">{"".join(index)}</optgroup>')
    for heading, layers in extra:
        options = "".join(f'<option value="{_e(lr["key"])}">{_e(lr["label"])}</option>'
                          for lr in layers)
        groups.append(f'<optgroup label="{_e(heading)}">{options}</optgroup>')
    return f'<select id="indicator">{"".join(groups)}</select>'


def _data(regions, indicators, county_values, county_name, view, shapes, public) -> dict:
    n = len(regions)
    spaces = []
    for i in range(n):
        row = regions.iloc[i]
        x, y = view.xy(np.asarray(shapely.point_on_surface(shapes[i]).coords))[0]
        spaces.append({
            "id": str(row["sr_id"]), "name": str(row["name"]),
            "gemeinden": str(row.get("gemeinden", "") or ""),
            "einwohner": _round(row.get("einwohner")),
            "flaeche": _round(row.get("flaeche_km2")),
            "index": _round(row.get(_index_column(regions) or "social_index"), 2),
            "pt": [float(x), float(y)],
        })
    layers = []
    if "status_class" in regions:
        classes = [_int(v) for v in regions["status_class"]]
        layers.append({"key": "status_class", "label": "Sozialindex: Statusklassen",
                       "kind": "category", "names": list(STATUS_CLASSES),
                       "colors": list(STATUS_COLORS),
                       "classes": [c if c and 1 <= c <= len(STATUS_CLASSES) else None
                                   for c in classes],
                       "none": "ohne Index"})
    column = _index_column(regions)
    if column:
        values = regions[column].to_numpy(np.float64)
        layers.append(_layer(column, "Sozialindex (Wert)", "standardisiert", "", values,
                             None, None, None, 2, "Sozialindex"))
    if "typ" in regions and "typ_name" in regions:
        layers.append(_types(regions))
    for ind in indicators:
        share = ind.unit == SHARE_UNIT
        factor = 100.0 if share else 1.0
        values = regions[ind.key].to_numpy(np.float64) * factor
        z = (regions[f"{ind.key}_z"].to_numpy(np.float64) if f"{ind.key}_z" in regions
             else None)
        rank = (regions[f"{ind.key}_rank"].to_numpy(np.float64)
                if f"{ind.key}_rank" in regions else None)
        county = float(county_values.get(ind.key, np.nan)) * factor
        unit = "%" if share else ind.unit
        suffix = "%" if share else (ind.unit if len(ind.unit) < _SHORT_UNIT else "")
        typical = county if np.isfinite(county) else np.nanmedian(values) if n else 0.0
        digits = 1 if share else _digits(typical)
        layers.append(_layer(ind.key, ind.label_de, unit, suffix, values, z, rank, county,
                             digits, THEME_LABELS.get(ind.theme, ind.theme)) | {"factor": factor})
    return {"county": county_name, "public": public, "missing": _MISSING,
            "spaces": spaces, "layers": layers}


def _extras(data, publication, catalog, indicators, munis, view, hidden, *, cells,
            cell_indicators, history, facilities) -> dict:
    """Add the levels, the time comparison and the facilities to ``data``.

    Returns the extra ``<select>`` groups and the facility points for the SVG.
    """
    by_key = {layer["key"]: layer for layer in data["layers"]}
    units = publication.metadata.get("einheiten") == "polygone"
    data["levels"] = [{"key": "sr", "label": "Sozialräume", "count": len(data["spaces"])}]
    keys = [i.key for i in indicators]
    if (cell_indicators is not None and "ags" in cell_indicators and "ags" in munis
            and "gemeinden" not in hidden and len(munis)):
        profiles = municipal_values(cell_indicators, catalog, keys, munis)
        residents = profiles["residents"].to_numpy(np.float64)
        blank = ~(residents >= MIN_CELL_RESIDENTS)
        data["munis"] = [{"id": str(a), "name": str(n), "einwohner": _round(r)}
                         for a, n, r in zip(munis["ags"], munis.get("name", munis["ags"]),
                                            residents, strict=True)]
        for ind in indicators:
            if ind.key not in profiles:
                continue
            layer = by_key[ind.key]
            values = np.where(blank, np.nan, profiles[ind.key].to_numpy(np.float64))
            z = np.where(blank, np.nan, profiles[f"{ind.key}_z"].to_numpy(np.float64))
            full = _layer(ind.key, "", "", "", values * layer["factor"], z, None, None,
                          layer["digits"], "")
            layer["gem"] = {k: full[k] for k in ("values", "z", "breaks", "colors", "min",
                                                  "max")}
        data["levels"].append({"key": "gem", "label": "Gemeinden", "count": len(munis)})
    zellen = publication.layers.get("zellen")
    if (cells is not None and zellen is not None and len(zellen) == len(cells) and len(cells)
            and "zellen" not in hidden and (units or {"x", "y"} <= set(cells.columns))):
        index = {sr: i for i, sr in enumerate(s["id"] for s in data["spaces"])}
        sr_index = np.array([index.get(str(sr), 65535) for sr in zellen["sr_id"]], np.int64)
        data["cells"] = cell_level(cells, zellen, sr_index, view, units)
        small = (zellen["einwohner"].to_numpy(np.float64) < MIN_CELL_RESIDENTS
                 if "einwohner" in zellen else np.zeros(len(zellen), bool))
        for ind in indicators:
            if ind.key not in zellen.columns:
                continue
            layer = by_key[ind.key]
            raw = np.where(small, np.nan, zellen[ind.key].to_numpy(np.float64))
            codes, offset, step = quantized(raw * layer["factor"], layer["digits"])
            shown = np.where(codes == BLANK, np.nan, offset + codes.astype(np.float64) * step)
            layer["cell"] = {"q": b64(codes, "<u2"), "offset": offset, "step": step,
                             **_classes(shown)}
        data["levels"].append({"key": "cell", "count": len(zellen),
                               "label": "Baublöcke" if units else "100-m-Gitterzellen"})
    data["compare"] = ([] if "vergleich" in hidden else comparisons(
        history, publication.regions.reset_index(drop=True),
        [layer for layer in data["layers"] if "factor" in layer]))
    groups, points = [], []
    if facilities is not None and len(facilities) and "einrichtungen" not in hidden:
        layers, points = _facilities(data, publication, facilities, cells, cell_indicators,
                                     view)
        groups.append(("Einrichtungen", layers))
    return {"groups": groups, "points": points}


def _facilities(data, publication, facilities, cells, cell_indicators, view):
    """Facility points, their kinds, counts per social space and the rate layers."""
    regions = publication.regions.reset_index(drop=True)
    zellen = publication.layers.get("zellen")
    have_cells = cells is not None and zellen is not None and len(zellen) == len(cells)
    counts = facility_counts(facilities, regions, cells if have_cells else pd.DataFrame(),
                             zellen["sr_id"].to_numpy() if have_cells else np.array([]),
                             cell_indicators if have_cells else None)
    points = facilities.to_crs(regions.crs)
    xy = view.xy(shapely.get_coordinates(points.geometry.values))
    kinds = [k for k in FACILITY_KINDS if f"anzahl_{k}" in counts]
    colors = dict(zip(FACILITY_KINDS, FACILITY_COLORS, strict=True))
    data["facilities"] = {
        "kinds": [{"key": k, "label": FACILITY_LABELS[k][0], "plural": FACILITY_LABELS[k][1],
                   "color": colors[k],
                   "target": TARGET_GROUPS[k][0] if f"je1000_{k}" in counts else None,
                   "count": [int(c) for c in counts[f"anzahl_{k}"]],
                   "rate": ([_round(v, 2) for v in counts[f"je1000_{k}"]]
                            if f"je1000_{k}" in counts else None)} for k in kinds],
        "points": [[float(x), float(y), kinds.index(a), int(sr)]
                   for (x, y), a, sr in zip(xy, points["art"], counts.attrs["space_of_point"],
                                            strict=True)],
        "names": [str(n) for n in points["name"]],
        "outside": counts.attrs["outside"],
    }
    layers = []
    for k in kinds:
        plural = FACILITY_LABELS[k][1]
        count = counts[f"anzahl_{k}"].to_numpy(np.float64)
        layers.append(_layer(f"anzahl_{k}", f"{plural} (Anzahl)", "Anzahl", "", count, None,
                             None, float(count.sum()), 0, "Einrichtungen"))
        if f"je1000_{k}" in counts:
            target = counts[f"zielgruppe_{k}"].to_numpy(np.float64)
            county = 1000.0 * count.sum() / target.sum() if target.sum() > 0 else None
            label = f"{plural} je 1.000 {TARGET_GROUPS[k][0]}"
            layers.append(_layer(f"je1000_{k}", label, "je 1.000 der Zielgruppe", "",
                                 counts[f"je1000_{k}"].to_numpy(np.float64), None, None,
                                 county, 1, "Einrichtungen"))
    data["layers"].extend(layers)
    return layers, [(x, y, colors[a]) for (x, y), a in zip(xy, points["art"], strict=True)]


def _index_column(regions) -> str | None:
    """The column of the standardized social index (``social_index_z`` or ``social_index``)."""
    for column in ("social_index_z", "social_index"):
        if column in regions and regions[column].notna().any():
            return column
    return None


def _types(regions) -> dict:
    """The typology as a categorical layer: type 1..k with its name."""
    colors = getattr(styles, "TYPE_COLORS", _TYPE_COLORS)
    types = [_int(v) for v in regions["typ"]]
    names = {}
    for t, name in zip(types, regions["typ_name"], strict=True):
        if t is not None:
            names.setdefault(t, str(name))
    k = max(names, default=0)
    return {"key": "typ", "label": "Typen der Sozialräume", "kind": "category",
            "names": [names.get(t, f"Typ {t}") for t in range(1, k + 1)],
            "colors": [colors[(t - 1) % len(colors)] for t in range(1, k + 1)],
            "classes": [t if t and t >= 1 else None for t in types], "none": "ohne Typ"}


def _layer(key, label, unit, suffix, values, z, rank, county, digits, theme) -> dict:
    return {
        "key": key, "label": label, "unit": unit, "suffix": suffix, "kind": "number",
        "theme": theme, "digits": int(digits), "values": [_round(v, 6) for v in values],
        "z": None if z is None else [_round(v, 2) for v in z],
        "rank": None if rank is None else [_int(v) for v in rank],
        "county": None if county is None else _round(county, 6),
        **_classes(values),
    }


def _classes(values: np.ndarray) -> dict:
    """Quantile classes of the finite values: ``breaks``, ``colors``, ``min``, ``max``."""
    finite = values[np.isfinite(values)]
    breaks: list[float] = []
    colors = [CLASS_COLORS[2]]
    if len(finite):
        qs = np.quantile(finite, np.linspace(0, 1, len(CLASS_COLORS) + 1)[1:-1])
        breaks = sorted({_round(q, 6) for q in qs} - {_round(finite.min(), 6)})
        k = len(breaks) + 1
        colors = [CLASS_COLORS[j] for j in
                  np.linspace(0, len(CLASS_COLORS) - 1, k).round().astype(int)]
    return {"breaks": breaks, "colors": colors,
            "min": _round(finite.min(), 6) if len(finite) else None,
            "max": _round(finite.max(), 6) if len(finite) else None}


def _digits(x: float) -> int:
    x = abs(float(x)) if np.isfinite(x) else 0.0
    return 0 if x >= 1000 else 2 if x < 10 else 1


def _round(v, digits: int = 4):
    """``v`` to ``digits`` decimals (above 4: significant digits); None if not finite."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    if not np.isfinite(x):
        return None
    if x == 0:
        return 0.0
    if digits > 4:
        digits = max(digits - int(math.floor(math.log10(abs(x)))) - 1, 0)
    return round(x, digits)


def _int(v):
    x = _round(v)
    return None if x is None else int(x)


def _json(data) -> str:
    """JSON safe inside a ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _e(text) -> str:
    return html.escape(str(text), quote=True)


# --- page ---------------------------------------------------------------------------------
