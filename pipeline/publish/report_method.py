"""The report's closing sections: changes, method and quality in prose, the smoothing's cells.

The quality figures and parameters are said in words (:mod:`pipeline.publish.report_text`),
never as raw keys; the cells that the boundary smoothing puts into a neighbour's polygon
are counted and mapped (:func:`displaced_cells`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from pipeline.publish.report_format import _e, _float, _num
from pipeline.publish.report_text import PARAMETERS, QUALITY, input_role
from pipeline.publish.svg import german_number, map_svg

if TYPE_CHECKING:
    from pipeline.publish.report import _Context

__all__ = ["displaced_cells"]


def _containing(polygons, points) -> np.ndarray:
    """Index of the polygon containing each point (the first), -1 for none."""
    out = np.full(len(points), -1, np.int64)
    tree = shapely.STRtree(polygons)
    pt, poly = tree.query(points, predicate="within")
    first = np.unique(pt, return_index=True)[1]
    out[pt[first]] = poly[first]
    return out


def _base_layers(ctx: _Context, fills) -> list[dict]:
    return [{"geoms": ctx.geoms, "fill": fills, "stroke": "#ffffff", "width": 0.7},
            {"geoms": ctx.munis.geometry.values, "lines": True, "stroke": "#444",
             "width": 0.8, "dash": "3 2"},
            {"geoms": ctx.outline.geometry.values, "lines": True, "stroke": "#111",
             "width": 1.3}]


def _changes(changes, t) -> str:
    """The change log: every social space that did not stay as it was, and why."""
    head = f'<h2 id="changes">{_e(t["changes"])}</h2><p>{_e(t["changes_intro"])}</p>'
    if changes is None or "aenderung" not in changes:
        return head + f'<p>{_e(t["changes_none"])}</p>'
    changed = changes[~changes["aenderung"].isin(["unverändert"])]
    counts = changes["aenderung"].value_counts().sort_index()
    summary = "; ".join(f"{_e(k)}: {int(v)}" for k, v in counts.items())
    if changed.empty:
        return head + f'<p>{_e(t["changes_none"])} ({summary})</p>'
    if changed["aenderung"].eq("neu").all():  # the first publication: every space is new
        return head + f"<p>{summary}</p>"
    cols = ("sr_id", "aenderung", "einwohner_abgegeben", "einwohner_aufgenommen", "an", "von",
            "grund")
    rows = "".join(
        "<tr>" + "".join(f"<td>{_num(r[c], 0) if c.startswith('einwohner') else _e(r[c])}</td>"
                         for c in cols) + "</tr>" for _, r in changed.iterrows())
    heads = "".join(f"<th>{_e(h)}</th>" for h in t["changes_head"])
    return (head + f"<p>{summary}</p><table><thead><tr>{heads}</tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _method(ctx: _Context) -> str:
    t, meta = ctx.t, ctx.pub.metadata
    de = ctx.language == "de"
    from pipeline.publish.publication import used_sources

    skipped = meta.get("nicht_berechnet", {})
    units = meta.get("einheiten") == "polygone"
    sources = "".join(f"<li>{_e(s)}</li>" for s in used_sources(ctx.catalog, skipped,
                                                                  units=units))
    not_computed = "" if not skipped and np.isfinite(ctx.index).any() else (
        f"<h3>{_e(t['skipped'])}</h3><ul>"
        + "".join(f"<li><code>{_e(k)}</code>: {_e(v)}</li>" for k, v in skipped.items())
        + ("" if np.isfinite(ctx.index).any() else f"<li>{_e(t['index_empty'])}</li>")
        + "</ul>")
    params = "".join(f"<tr><td>{_e(name)}</td><td class='n'>{_e(value)}</td></tr>"
                     for name, value in _parameters(meta.get("parameter", {}), de))
    quality = "".join(f"<tr><td>{_e(name)}</td><td class='n'>{_e(value)}</td>"
                      f"<td>{_e(meaning)}</td></tr>"
                      for name, value, meaning in _quality(ctx))
    qheads = "".join(f"<th>{_e(h)}</th>" for h in t["quality_head"])
    files = "".join(f"<tr><td>{_e(input_role(role) if de else role)}</td><td>{_e(v['path'])}"
                    f"</td><td><code>{_e(v['sha256'][:16])}</code></td></tr>"
                    for role, v in meta.get("eingangsdateien", {}).items())
    iheads = "".join(f"<th>{_e(h)}</th>" for h in t["inputs_head"])
    versions = ", ".join(f"{k} {v}" for k, v in meta.get("versionen", {}).items())
    return (f'<h2 id="method">{_e(t["method"])}</h2>'
            f"<h3>{_e(t['data'])}</h3><p>{_e(t['intro'])}</p><p>{_e(t['notes'])}</p>"
            f"<h3>{_e(t['forming'])}</h3><p>{_e(t['parameters_intro'])}</p>"
            f'<table id="parameters"><tbody>{params}</tbody></table>'
            f'<h3>{_e(t["quality"])}</h3><table id="quality"><thead><tr>{qheads}</tr></thead>'
            f"<tbody>{quality}</tbody></table>"
            + _smoothing(ctx)
            + f"<h3>{_e(t['inputs'])}</h3><table id='inputs'><thead><tr>{iheads}</tr></thead>"
            f"<tbody>{files}</tbody></table>"
            f"<h3>{_e(t['sources'])}</h3><ul>{sources}</ul>{not_computed}"
            f"<h3>{_e(t['software'])}</h3><p class='note'>{_e(versions)}; "
            f"SHA-256 {_e(str(meta.get('eingangsdaten_sha256', ''))[:16])}</p>")


def _parameters(params: dict, de: bool) -> list[tuple[str, str]]:
    """The region parameters as (name, value) in words; unknown ones are left out."""
    rows = []
    for key, value in params.items():
        if key not in PARAMETERS:
            continue
        name = PARAMETERS[key][0 if de else 1]
        if key in ("min_population", "max_population"):
            shown = (_num(value, 0) + (" Einwohner" if de else " residents")) \
                if value is not None else ("keine" if de else "none")
        elif key == "n_regions":
            shown = str(value) if value is not None else (
                "nicht vorgegeben: so viele, wie die Mindestzahl zulässt" if de
                else "not set: as many as the minimum allows")
        elif key == "contiguity":
            shown = {"rook": "über gemeinsame Kanten" if de else "shared edges",
                     "queen": "über Kanten und Ecken" if de else "edges and corners"
                     }.get(value, str(value))
        elif key in ("bridge_distance", "simplify_m"):
            shown = f"{_num(value, 0)} m"
        elif key == "nested":
            shown = ("werden eingehalten" if value else "dürfen überschritten werden") if de \
                else ("kept" if value else "may be crossed")
        elif isinstance(value, float):
            shown = german_number(value, 1)
        else:
            shown = str(value)
        rows.append((name, shown))
    return rows


def _quality(ctx: _Context) -> list[tuple[str, str, str]]:
    """The quality figures in words: (name, value with unit, meaning)."""
    q, k = ctx.pub.metadata.get("qualitaet", {}), ctx.pub.metadata.get("kachelung", {})
    de = ctx.language == "de"
    rows = []

    def add(key, value):
        name, meaning = (QUALITY[key][0], QUALITY[key][1]) if de else (QUALITY[key][2],
                                                                       QUALITY[key][3])
        rows.append((name, value, meaning))

    if "n_units" in q:
        add("n_units", _num(q["n_units"], 0))
    if "population_min" in q and "population_max" in q:
        add("population_range", f"{_num(q['population_min'], 0)} bis "
                                f"{_num(q['population_max'], 0)}")
    if "population_cv" in q:
        add("population_cv", f"{_num(100 * _float(q['population_cv']), 0)} %")
    if "below_min" in q or "above_max" in q:
        add("bounds", f"{int(q.get('below_min', 0))} / {int(q.get('above_max', 0))}")
    if "noncontiguous_regions" in q:
        add("contiguous", f"{ctx.n - int(q['noncontiguous_regions'])} von {ctx.n}")
    if "r2" in q:
        add("r2", _num(q["r2"], 2))
    if "kompaktheit" in ctx.regions:
        c = ctx.regions["kompaktheit"].to_numpy(np.float64)
        add("polygon_compactness", f"{_num(np.nanmean(c), 2)} (min. {_num(np.nanmin(c), 2)})")
    if "compactness_mean" in q:
        add("cell_compactness", f"{_num(q['compactness_mean'], 2)} "
                                f"(min. {_num(q.get('compactness_min'), 2)})")
    if "barrier_edges" in q:
        add("barriers", f"{_num(q.get('barrier_edges_cut', 0), 0)} von "
                        f"{_num(q['barrier_edges'], 0)}")
    if "regions_crossing_parents" in q:
        add("regions_crossing_parents", f"{int(q['regions_crossing_parents'])} von {ctx.n}")
    if k:
        error = sum(_float(k.get(x, 0.0)) for x in ("gap_area", "outside_area", "overlap_area"))
        ok = bool(k.get("coverage_valid", True)) and int(k.get("invalid", 0)) == 0
        add("tiling", f"{ctx.t['yes'] if ok else ctx.t['no_']} ({_num(error, 1)} m²)")
        add("multipart", f"{int(k.get('multipart', 0))} von {ctx.n}")
    if not de:
        rows = [(n, v.replace(" bis ", " to ").replace(" von ", " of "), m)
                for n, v, m in rows]
    return rows


def displaced_cells(publication) -> gpd.GeoDataFrame:
    """The populated cells whose centre lies in another social space's polygon.

    The boundary smoothing (:func:`shapely.coverage_simplify`) moves polygon edges by up to
    its tolerance; a cell near an edge can then sit in the neighbour's polygon while it
    still counts for its own space. From the ``zellen`` layer (``sr_id``, ``einwohner``)
    and the ``sozialraeume`` polygons; empty without a cell layer.
    """
    cells = publication.layers.get("zellen")
    regions = publication.regions
    if cells is None or len(cells) == 0:
        return gpd.GeoDataFrame({"sr_id": [], "in_sr_id": [], "einwohner": []},
                                geometry=gpd.GeoSeries([], crs=regions.crs))
    cells = cells.to_crs(regions.crs)
    points = shapely.point_on_surface(cells.geometry.values)
    inside = _containing(regions.geometry.values, points)
    ids = regions["sr_id"].to_numpy()
    found = inside >= 0
    other = np.where(found, ids[np.maximum(inside, 0)], None)
    moved = found & (other != cells["sr_id"].to_numpy())
    if "einwohner" in cells:
        moved &= cells["einwohner"].to_numpy(np.float64) > 0
    return gpd.GeoDataFrame({"sr_id": cells["sr_id"].to_numpy()[moved],
                             "in_sr_id": other[moved],
                             "einwohner": cells["einwohner"].to_numpy(np.float64)[moved]},
                            geometry=points[moved], crs=regions.crs)


def _smoothing(ctx: _Context) -> str:
    """The cells the smoothing puts into a neighbour's polygon: count, share, map."""
    t, tiling = ctx.t, ctx.pub.metadata.get("kachelung", {})
    tol = _float(tiling.get("simplify_tolerance", 0.0))
    head = f'<h3 id="smoothing">{_e(t["smoothing"])}</h3>'
    if not tol > 0:
        return head + f"<p>{_e(t['smoothing_none'])}</p>"
    moved = displaced_cells(ctx.pub)
    cells = int(tiling.get("cells_displaced", len(moved)))
    residents = _float(tiling.get("residents_displaced", moved["einwohner"].sum()))
    if cells == 0:
        return head + f"<p>{_e(t['smoothing_zero'].format(tol=f'{_num(tol, 0)} m'))}</p>"
    total = float(ctx.regions["einwohner"].sum())
    share = f"{_num(100 * residents / total, 1)} %" if total > 0 else "–"
    def counted(key, n):
        return t[key][0 if n == 1 else 1].format(n=_num(n, 0))

    text = t["smoothing_text"].format(tol=f"{_num(tol, 0)} m",
                                      cells=counted("smoothing_cells", cells),
                                      residents=counted("smoothing_residents", residents),
                                      share=share)
    out = head + f'<p id="smoothing-text">{_e(text)}</p>'
    if len(moved):
        frame = ctx.frame
        dots = frame.to_px(shapely.get_coordinates(moved.geometry.values))
        layers = _base_layers(ctx, ["#f2f2f2"] * ctx.n)
        layers[0]["stroke"] = "#9a9a9a"
        svg = map_svg(frame, layers, legend=[("#c51b7d", t["smoothing_legend"].format(
                          n=_num(len(moved), 0)))], title=t["smoothing_map"],
                      element_id="smoothing-map")
        marks = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="#c51b7d" '
                        'stroke="#ffffff" stroke-width="0.5"/>' for x, y in dots)
        svg = svg.replace('<g class="scale">', f'<g class="moved">{marks}</g><g class="scale">',
                          1)
        out += f"<figure>{svg}<figcaption>{_e(t['smoothing_map'])}</figcaption></figure>"
    return out
