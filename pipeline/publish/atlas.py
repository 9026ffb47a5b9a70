"""The offline interactive atlas (Sozialraumatlas): one self-contained HTML file.

Nothing is fetched when it is opened (county networks are often offline): the map is
inline SVG, projected to screen coordinates here in Python (EPSG:25832 metres scaled to a
1000-unit wide view box, y flipped, rounded to 0.1 unit, coverage-simplified to about half
a unit so that neighbours keep their shared edges), the data is one inline JSON block, and
a few hundred lines of plain JavaScript written for this file do the rest:

- an indicator ``<select>`` grouped by theme (``<optgroup>``), plus the social index
  (status classes, its value, and the types where the typology is published); the
  social spaces are a choropleth in quantile classes with a legend in German number
  format, units and the county value;
- municipal outlines and names on top. Municipal values are not shown: only the
  ``_gem`` indicators exist per municipality, and a residents-weighted mean of social
  spaces that cross municipal borders would not be the municipality's value;
- hover shows a space's name and value; a click opens its profile: key figures and a
  bar chart of its indicators' z-values (against all social spaces of the county) with
  its value beside the county value;
- search by name or ID; wheel zoom and drag pan;
- ``?ind=<key>`` and ``?sr=<id>`` in the address pick an indicator and open a profile on
  load; ``?selftest`` runs the interactions in the page and writes the result into
  ``#selftest-result`` (used by the tests with ``chromium --dump-dom``).

``public=True`` builds the public edition: every indicator the catalog marks
``internal: true`` is left out (its values, z-values, labels and key). The social index
and its status classes stay: they are the published composite.
"""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from pipeline.files import atomic_path
from pipeline.indicators.catalog import SHARE_UNIT
from pipeline.indicators.profiles import STATUS_CLASSES
from pipeline.publish import styles
from pipeline.publish.styles import STATUS_COLORS

__all__ = ["CLASS_COLORS", "THEME_LABELS", "VIEW_WIDTH", "build_atlas", "write_atlas"]

#: German headings of the catalog themes, in the order of the ``<select>``.
THEME_LABELS = {"age": "Alter", "social_structure": "Sozialstruktur",
                "income": "Einkommen und Grundsicherung", "housing": "Wohnen"}
#: Fill colours of the quantile classes, light to dark (ColorBrewer OrRd, 5 classes).
CLASS_COLORS = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
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
        Leave out every indicator marked ``internal: true`` in the catalog.

    Returns
    -------
    str
    """
    regions = publication.regions.reset_index(drop=True)
    indicators = [i for i in catalog if i.key in regions.columns
                  and not (public and i.internal)]
    outline = county.to_crs(regions.crs)
    munis = municipalities.to_crs(regions.crs)
    view = _View.around(regions, outline)
    shapes = _coverage(regions.geometry.values, _TOLERANCE / view.scale)
    muni_shapes = _coverage(munis.geometry.values, _TOLERANCE / view.scale)
    county_shape = shapely.simplify(shapely.union_all(outline.geometry.values),
                                    _TOLERANCE / view.scale)
    data = _data(regions, indicators, publication.county_values, county_name, view,
                 shapes, public)
    svg = _svg(view, shapes, regions, muni_shapes, munis, county_shape)
    select = _select(indicators, regions)
    title = f"Sozialraumatlas {county_name}" + (" (öffentliche Ausgabe)" if public else "")
    return (
        '<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title>"
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<style>{_CSS}</style><script>{_ERRORS_JS}</script></head><body>\n"
        f'<header><h1>{_e(title)}</h1><span id="subtitle">{len(regions)} Sozialräume</span>'
        "</header>\n<div id=\"app\"><aside>"
        f'<label for="indicator">Thema</label>{select}'
        '<label for="search">Sozialraum suchen</label>'
        '<input id="search" type="search" list="space-names" autocomplete="off" '
        'placeholder="Name oder Kennung">'
        '<datalist id="space-names">'
        + "".join(f'<option value="{_e(n)}"></option>' for n in sorted(set(regions["name"])))
        + '</datalist><div id="search-info"></div>'
        '<div id="legend"></div>'
        '<p class="hint">Zeigen: Name und Wert. Klicken: Profil. Mausrad: zoomen, ziehen: '
        'verschieben. <button id="reset" type="button">Gesamtansicht</button></p>'
        '<p class="hint">Gemeinden als Umrisse: Gemeindewerte gibt es nur für die '
        "Indikatoren mit „(Gemeindewert)“; Sozialräume können Gemeindegrenzen "
        "überschreiten.</p></aside>\n"
        f'<main>{svg}<div id="tip" hidden></div>'
        '<section id="profile" hidden><button id="close" type="button" '
        'aria-label="Schließen">×</button><div id="profile-body"></div></section></main>'
        "</div>\n"
        '<pre id="selftest-result" hidden></pre>'
        f'<script type="application/json" id="atlas-data">{_json(data)}</script>\n'
        f"<script>{_JS}</script></body></html>\n"
    )


def write_atlas(path: str | os.PathLike, publication, catalog,
                municipalities: gpd.GeoDataFrame, county: gpd.GeoDataFrame, *,
                county_name: str, public: bool = False) -> Path:
    """Build the atlas and write it atomically; returns the path."""
    text = build_atlas(publication, catalog, municipalities, county,
                       county_name=county_name, public=public)
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


def _svg(view, shapes, regions, muni_shapes, munis, county_shape) -> str:
    spaces = "".join(
        f'<path data-i="{i}" id="sr-{_e(sr)}" d="{view.path(g)}"/>'
        for i, (sr, g) in enumerate(zip(regions["sr_id"], shapes, strict=True)))
    outlines = "".join(f'<path d="{view.lines(g)}"/>' for g in muni_shapes)
    labels = []
    names = munis["name"] if "name" in munis else [""] * len(munis)
    for name, g in zip(names, munis.geometry.values, strict=True):
        if g is None or g.is_empty:
            continue
        x, y = view.xy(np.asarray(shapely.point_on_surface(g).coords))[0]
        labels.append(f'<text x="{_n(x)}" y="{_n(y)}">{_e(name)}</text>')
    return (f'<svg id="map" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {VIEW_WIDTH} {view.height}" role="img" '
            'aria-label="Karte der Sozialräume">'
            f'<g id="spaces">{spaces}</g>'
            f'<g id="municipalities">{outlines}</g>'
            f'<path id="county" d="{view.lines(county_shape)}"/>'
            f'<g id="municipality-names">{"".join(labels)}</g></svg>')


def _select(indicators, regions) -> str:
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
                             digits, THEME_LABELS.get(ind.theme, ind.theme)))
    return {"county": county_name, "public": public, "missing": _MISSING,
            "spaces": spaces, "layers": layers}


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
    finite = values[np.isfinite(values)]
    breaks: list[float] = []
    colors = [CLASS_COLORS[2]]
    if len(finite):
        qs = np.quantile(finite, np.linspace(0, 1, len(CLASS_COLORS) + 1)[1:-1])
        breaks = sorted({_round(q, 6) for q in qs} - {_round(finite.min(), 6)})
        k = len(breaks) + 1
        colors = [CLASS_COLORS[j] for j in
                  np.linspace(0, len(CLASS_COLORS) - 1, k).round().astype(int)]
    return {
        "key": key, "label": label, "unit": unit, "suffix": suffix, "kind": "number",
        "theme": theme, "digits": int(digits), "values": [_round(v, 6) for v in values],
        "z": None if z is None else [_round(v, 2) for v in z],
        "rank": None if rank is None else [_int(v) for v in rank],
        "county": None if county is None else _round(county, 6),
        "breaks": breaks, "colors": colors,
        "min": _round(finite.min(), 6) if len(finite) else None,
        "max": _round(finite.max(), 6) if len(finite) else None,
    }


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

_CSS = """
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font-family:system-ui,Segoe UI,Helvetica,Arial,sans-serif;color:#222;background:#fff;
display:flex;flex-direction:column}
header{background:#22435e;color:#fff;padding:.5em 1.2em;display:flex;align-items:baseline;
gap:1em}
header h1{font-size:1.3em;margin:0}
#app{flex:1;display:flex;min-height:0}
aside{width:300px;padding:.8em 1em;border-right:1px solid #ddd;overflow-y:auto;
font-size:.9em}
aside label{display:block;font-weight:600;margin:.8em 0 .25em}
aside select,aside input{width:100%;font-size:1em;padding:.25em}
#search-info{font-size:.85em;color:#555;min-height:1.2em;margin-top:.2em}
.hint{font-size:.8em;color:#555}
#legend{margin-top:1em}
#legend h3{font-size:1em;margin:.2em 0}
#legend .row{display:flex;align-items:center;gap:.5em;margin:.15em 0}
#legend .sw{width:1.4em;height:1em;border:1px solid #999;flex:none}
#legend .county{margin-top:.5em;font-weight:600}
main{flex:1;position:relative;min-width:0;background:#f4f6f8}
#map{width:100%;height:100%;display:block;cursor:grab}
#spaces path{stroke:#fff;stroke-width:.6;stroke-linejoin:round;fill-rule:evenodd}
#spaces path:hover{stroke:#222;stroke-width:1.2}
#spaces path.hit{stroke:#0050d0;stroke-width:2.2}
#spaces path.sel{stroke:#000;stroke-width:2.4}
#municipalities path{fill:none;stroke:#333;stroke-width:1.1;pointer-events:none}
#county{fill:none;stroke:#000;stroke-width:1.8;pointer-events:none}
#municipality-names text{font-size:13px;text-anchor:middle;fill:#111;stroke:#fff;
stroke-width:3px;paint-order:stroke;pointer-events:none;font-weight:600}
#tip{position:absolute;pointer-events:none;background:rgba(255,255,255,.95);
border:1px solid #888;padding:.3em .5em;font-size:.85em;border-radius:3px;
box-shadow:0 1px 4px rgba(0,0,0,.2);white-space:nowrap}
#profile{position:absolute;top:0;right:0;bottom:0;width:440px;max-width:100%;
background:#fff;border-left:1px solid #ccc;overflow-y:auto;padding:.6em 1em;
box-shadow:-2px 0 8px rgba(0,0,0,.15);font-size:.88em}
#profile h2{margin:.2em 1.5em .2em 0;font-size:1.2em}
#close{position:absolute;top:.4em;right:.5em;font-size:1.3em;border:0;background:none;
cursor:pointer}
#profile table{border-collapse:collapse;width:100%;table-layout:fixed}
#profile td,#profile th{padding:.15em .3em;border-bottom:1px solid #eee;
overflow-wrap:anywhere;vertical-align:top}
#profile tr>:first-child{width:48%;text-align:left}
#profile td.n{text-align:right;font-variant-numeric:tabular-nums}
#profile th{text-align:right}
#profile .chart text{font-size:10px}
#profile .chart .cur{font-weight:700}
.badge{display:inline-block;padding:0 .5em;border-radius:.6em;color:#fff}
"""

#: Installed in <head> before anything else: collects errors for the self-test.
_ERRORS_JS = """
window.__atlasErrors=[];
window.addEventListener('error',function(e){window.__atlasErrors.push(String(e.message||
(e.target&&(e.target.src||e.target.href))||'error'));},true);
window.addEventListener('unhandledrejection',function(e){window.__atlasErrors.push(
'unhandled rejection: '+String(e.reason));});
(function(){var orig=console.error;console.error=function(){window.__atlasErrors.push(
Array.prototype.join.call(arguments,' '));return orig.apply(console,arguments);};})();
"""

_JS = r"""
(function(){
'use strict';
var D=JSON.parse(document.getElementById('atlas-data').textContent);
var svg=document.getElementById('map');
var paths=Array.prototype.slice.call(document.querySelectorAll('#spaces path'));
var sel=document.getElementById('indicator');
var legend=document.getElementById('legend');
var tip=document.getElementById('tip');
var panel=document.getElementById('profile');
var body=document.getElementById('profile-body');
var search=document.getElementById('search');
var info=document.getElementById('search-info');
var NS='http://www.w3.org/2000/svg';
var byKey={};D.layers.forEach(function(l){byKey[l.key]=l;});
var cur=null, selected=-1;

function num(x,d){
  if(x===null||x===undefined||!isFinite(x)){return '–';}
  var s=Math.abs(x).toFixed(d), p=s.split('.');
  p[0]=p[0].replace(/\B(?=(\d{3})+(?!\d))/g,'\u202f');
  return (x<0&&Number(s)!==0?'-':'')+p.join(',');
}
function fmt(l,v){
  if(v===null||v===undefined){return '–';}
  return num(v,l.digits)+(l.suffix?(l.suffix==='%'?' %':' '+l.suffix):'');
}
function el(tag,attrs,text){
  var e=document.createElement(tag);
  for(var k in attrs){e.setAttribute(k,attrs[k]);}
  if(text!==undefined){e.textContent=text;}
  return e;
}
function sv(tag,attrs,text){
  var e=document.createElementNS(NS,tag);
  for(var k in attrs){e.setAttribute(k,attrs[k]);}
  if(text!==undefined){e.textContent=text;}
  return e;
}
function classOf(l,v){
  var k=0;for(var j=0;j<l.breaks.length;j++){if(v>=l.breaks[j]){k=j+1;}}
  return k;
}
function colorOf(l,i){
  if(l.kind==='category'){
    var s=l.classes[i];
    return s?l.colors[s-1]:D.missing;
  }
  var v=l.values[i];
  return (v===null)?D.missing:l.colors[classOf(l,v)];
}
function valueText(l,i){
  if(l.kind==='category'){
    var s=l.classes[i];return s?l.names[s-1]:l.none;
  }
  return fmt(l,l.values[i]);
}
function row(color,text){
  var r=el('div',{'class':'row'});
  r.appendChild(el('span',{'class':'sw',style:'background:'+color}));
  r.appendChild(el('span',{},text));
  return r;
}
function drawLegend(l){
  legend.textContent='';
  legend.appendChild(el('h3',{},l.label));
  if(l.kind==='category'){
    l.names.forEach(function(n,j){legend.appendChild(row(l.colors[j],n));});
    if(l.classes.some(function(s){return !s;})){legend.appendChild(row(D.missing,l.none));}
    return;
  }
  if(l.unit){legend.appendChild(el('div',{'class':'hint'},'Einheit: '+l.unit+
    '; Klassen: Quantile der Sozialräume'));}
  var lo=l.min;
  for(var j=0;j<l.colors.length;j++){
    var hi=(j<l.breaks.length)?l.breaks[j]:l.max;
    legend.appendChild(row(l.colors[j],
      (lo===null?'–':num(lo,l.digits))+' bis '+(hi===null?'–':fmt(l,hi))));
    lo=hi;
  }
  if(l.values.some(function(v){return v===null;})){
    legend.appendChild(row(D.missing,'keine Angabe'));}
  if(l.county!==null){
    legend.appendChild(el('div',{'class':'county'},'Kreiswert: '+fmt(l,l.county)));
  }
}
function setLayer(key){
  cur=byKey[key]||D.layers[0];
  if(!cur){return;}
  sel.value=cur.key;
  paths.forEach(function(p,i){p.setAttribute('fill',colorOf(cur,i));});
  drawLegend(cur);
  if(selected>=0){openProfile(selected);}
}
sel.addEventListener('change',function(){setLayer(sel.value);});

// --- tooltip -------------------------------------------------------------------------
function indexOf(target){
  var i=target&&target.getAttribute&&target.getAttribute('data-i');
  return (i===null||i===undefined||i==='')?-1:Number(i);
}
function showTip(e){
  var i=indexOf(e.target);
  if(i<0){tip.hidden=true;return;}
  tip.textContent='';
  tip.appendChild(el('b',{},D.spaces[i].name));
  tip.appendChild(document.createTextNode(': '+valueText(cur,i)));
  var box=svg.parentNode.getBoundingClientRect();
  tip.style.left=(e.clientX-box.left+14)+'px';
  tip.style.top=(e.clientY-box.top+14)+'px';
  tip.hidden=false;
}
svg.addEventListener('mouseover',showTip);
svg.addEventListener('mousemove',function(e){if(!drag){showTip(e);}});
svg.addEventListener('mouseleave',function(){tip.hidden=true;});

// --- profile -------------------------------------------------------------------------
function kv(table,k,v){
  var r=el('tr');r.appendChild(el('td',{},k));r.appendChild(el('td',{'class':'n'},v));
  table.appendChild(r);
}
function chart(i){
  var rows=D.layers.filter(function(l){return l.kind==='number'&&l.z&&l.theme!=='Sozialindex';});
  var lab=190,w=400,mid=lab+(w-lab)/2,half=(w-lab)/2-14,h=16;
  var c=sv('svg',{'class':'chart',width:'100%',
    viewBox:'0 0 '+w+' '+(rows.length*h+26)});
  c.appendChild(sv('line',{x1:mid,x2:mid,y1:0,y2:rows.length*h,stroke:'#555'}));
  rows.forEach(function(l,j){
    var z=l.z[i], y=j*h;
    var t=sv('text',{x:lab-4,y:y+h-4,'text-anchor':'end'},
      l.label.length>34?l.label.slice(0,33)+'…':l.label);
    if(l===cur){t.setAttribute('class','cur');}
    c.appendChild(t);
    if(z!==null){
      var len=Math.min(Math.abs(z),3)/3*half;
      c.appendChild(sv('rect',{x:z<0?mid-len:mid,y:y+3,width:Math.max(len,0.5),height:h-6,
        fill:z<0?'#4a7fb0':'#e34a33'},''));
      var title=sv('title',{},l.label+': '+fmt(l,l.values[i])+' (Kreis '+fmt(l,l.county)+
        '), z = '+num(z,2));
      c.lastChild.appendChild(title);
    }
  });
  [-3,-1.5,0,1.5,3].forEach(function(z){
    c.appendChild(sv('text',{x:mid+z/3*half,y:rows.length*h+12,'text-anchor':'middle'},
      num(z,1)));
  });
  c.appendChild(sv('text',{x:mid,y:rows.length*h+24,'text-anchor':'middle'},
    'z-Wert (0 = Durchschnitt der Sozialräume)'));
  return c;
}
function openProfile(i){
  var s=D.spaces[i];
  if(selected>=0){paths[selected].classList.remove('sel');}
  selected=i;paths[i].classList.add('sel');
  paths[i].parentNode.appendChild(paths[i]);
  body.textContent='';
  body.appendChild(el('h2',{},s.name));
  body.appendChild(el('div',{'class':'hint'},s.id));
  var t=el('table');
  kv(t,'Einwohner',num(s.einwohner,0));
  kv(t,'Fläche (km²)',num(s.flaeche,1));
  if(s.gemeinden){kv(t,'Gemeinden',s.gemeinden);}
  var st=byKey.status_class;
  kv(t,'Sozialindex',num(s.index,2)+(st&&st.classes[i]?' – '+st.names[st.classes[i]-1]:''));
  var ty=byKey.typ;
  if(ty&&ty.classes[i]){kv(t,'Typ',ty.names[ty.classes[i]-1]);}
  if(cur&&cur.kind==='number'){
    kv(t,cur.label,fmt(cur,cur.values[i])+(cur.county!==null?' (Kreis '+fmt(cur,cur.county)+')':'')+
      (cur.rank&&cur.rank[i]!==null?', Rang '+cur.rank[i]+' von '+D.spaces.length:''));
  }
  body.appendChild(t);
  body.appendChild(el('h3',{},'Indikatoren gegenüber dem Kreis'));
  body.appendChild(chart(i));
  var v=el('table',{'class':'values'});
  var head=el('tr');['Indikator','Sozialraum','Kreis'].forEach(function(h){
    head.appendChild(el('th',{},h));});
  v.appendChild(head);
  D.layers.forEach(function(l){
    if(l.kind!=='number'||l.theme==='Sozialindex'){return;}
    var r=el('tr');r.appendChild(el('td',{},l.label));
    r.appendChild(el('td',{'class':'n'},fmt(l,l.values[i])));
    r.appendChild(el('td',{'class':'n'},fmt(l,l.county)));
    v.appendChild(r);
  });
  body.appendChild(v);
  panel.hidden=false;
  panel.setAttribute('data-sr',s.id);
}
document.getElementById('close').addEventListener('click',function(){
  panel.hidden=true;
  if(selected>=0){paths[selected].classList.remove('sel');selected=-1;}
});

// --- zoom and pan --------------------------------------------------------------------
var full=svg.getAttribute('viewBox').split(' ').map(Number), vb=full.slice();
var drag=null, dragged=false;
function setBox(){svg.setAttribute('viewBox',vb.map(function(x){return x.toFixed(1);}).join(' '));}
function toMap(cx,cy){
  var p=svg.createSVGPoint();p.x=cx;p.y=cy;
  return p.matrixTransform(svg.getScreenCTM().inverse());
}
svg.addEventListener('wheel',function(e){
  e.preventDefault();
  var f=e.deltaY<0?0.8:1.25, p=toMap(e.clientX,e.clientY);
  var w=Math.min(Math.max(vb[2]*f,full[2]/40),full[2]*2), k=w/vb[2];
  vb=[p.x-(p.x-vb[0])*k,p.y-(p.y-vb[1])*k,vb[2]*k,vb[3]*k];setBox();
},{passive:false});
svg.addEventListener('mousedown',function(e){drag={x:e.clientX,y:e.clientY,vb:vb.slice()};dragged=false;});
window.addEventListener('mousemove',function(e){
  if(!drag){return;}
  var dx=e.clientX-drag.x, dy=e.clientY-drag.y;
  if(Math.abs(dx)+Math.abs(dy)>4){dragged=true;}
  if(!dragged){return;}
  var m=svg.getScreenCTM(), k=1/m.a;
  vb=[drag.vb[0]-dx*k,drag.vb[1]-dy*k,vb[2],vb[3]];setBox();tip.hidden=true;
});
window.addEventListener('mouseup',function(){drag=null;});
document.getElementById('reset').addEventListener('click',function(){vb=full.slice();setBox();});
svg.addEventListener('click',function(e){
  if(dragged){dragged=false;return;}
  var i=indexOf(e.target);
  if(i>=0){openProfile(i);}
});

// --- search --------------------------------------------------------------------------
function norm(s){return s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g,'');}
function find(q){
  q=norm(q.trim());
  paths.forEach(function(p){p.classList.remove('hit');});
  if(q.length<2){info.textContent='';return [];}
  var exact=[],part=[];
  D.spaces.forEach(function(s,i){
    var n=norm(s.name), id=norm(s.id);
    if(n===q||id===q){exact.push(i);}else if(n.indexOf(q)>=0||id.indexOf(q)>=0){part.push(i);}
  });
  var hits=exact.length?exact:part;
  hits.forEach(function(i){paths[i].classList.add('hit');});
  info.textContent=hits.length?(hits.length===1?'1 Treffer':hits.length+' Treffer'):
    'kein Sozialraum gefunden';
  return hits;
}
search.addEventListener('input',function(){
  var hits=find(search.value);if(hits.length===1){openProfile(hits[0]);}
});
search.addEventListener('keydown',function(e){
  if(e.key==='Enter'){var hits=find(search.value);if(hits.length){openProfile(hits[0]);}}
});

// --- start ---------------------------------------------------------------------------
var q=new URLSearchParams(window.location.search);
setLayer(q.get('ind')||(byKey.status_class?'status_class':D.layers[0]&&D.layers[0].key));
if(q.get('sr')){
  D.spaces.forEach(function(s,i){if(s.id===q.get('sr')){openProfile(i);}});
}
if(q.has('selftest')){  // after load: failed loads of resources are reported by then
  if(document.readyState==='complete'){selftest();}
  else{window.addEventListener('load',selftest);}
}

function fills(){return paths.map(function(p){return p.getAttribute('fill');});}
function selftest(){
  var out={};
  try{
    var before=fills(), first=sel.value;
    var opts=Array.prototype.slice.call(sel.options).map(function(o){return o.value;});
    out.options=opts;
    var changes=[];
    opts.forEach(function(key){
      sel.value=key;sel.dispatchEvent(new Event('change',{bubbles:true}));
      changes.push({key:key,fills:fills(),legend:legend.textContent});
    });
    out.layers=changes;
    sel.value=first;sel.dispatchEvent(new Event('change',{bubbles:true}));
    out.first=first;
    out.fills_before=before;
    // a click where a social space is drawn, found by hit testing as a mouse would
    var m=svg.getScreenCTM(), clicked=-1;
    for(var i=0;i<D.spaces.length&&clicked<0;i++){
      var p=svg.createSVGPoint();p.x=D.spaces[i].pt[0];p.y=D.spaces[i].pt[1];
      var c=p.matrixTransform(m), target=document.elementFromPoint(c.x,c.y);
      if(target&&indexOf(target)===i){
        var opt={bubbles:true,clientX:c.x,clientY:c.y,view:window};
        target.dispatchEvent(new MouseEvent('mouseover',opt));
        out.tooltip=tip.hidden?null:tip.textContent;
        target.dispatchEvent(new MouseEvent('mousedown',opt));
        target.dispatchEvent(new MouseEvent('mouseup',opt));
        target.dispatchEvent(new MouseEvent('click',opt));
        clicked=i;
      }
    }
    out.clicked=clicked<0?null:D.spaces[clicked].id;
    out.profile=panel.hidden?null:{sr:panel.getAttribute('data-sr'),
      title:body.querySelector('h2').textContent,
      bars:body.querySelectorAll('.chart rect').length,text:body.textContent};
    document.getElementById('close').click();
    out.closed=panel.hidden;
    var k=D.spaces.length-1;
    search.value=D.spaces[k].name;search.dispatchEvent(new Event('input',{bubbles:true}));
    out.search={name:D.spaces[k].name,hits:paths.filter(function(p){
      return p.classList.contains('hit');}).map(function(p){return D.spaces[indexOf(p)].id;}),
      profile:panel.hidden?null:panel.getAttribute('data-sr')};
  }catch(err){out.exception=String(err&&err.stack||err);}
  out.errors=window.__atlasErrors.slice();
  var res=document.getElementById('selftest-result');
  res.textContent=JSON.stringify(out);
  document.body.setAttribute('data-selftest','done');
}
})();
"""
