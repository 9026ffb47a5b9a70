"""The social-space report (Sozialraumbericht) for the committee: one self-contained HTML file.

Everything is inline so the file opens without internet: maps and charts as inline SVG
(:mod:`pipeline.publish.svg`), CSS with a print stylesheet for the A4 PDF beside it
(:mod:`pipeline.publish.pdf`) and a few lines of JavaScript that sort the key table (a
click on a column header, or ``?sort=<column>&dir=desc`` in the address). Sections:

1. summary ("Auf einen Blick"): the social index map with numbered spaces, an inset of
   the densest town and a legend, the key table (number, name, residents, index, rank,
   class, type) and the typology map;
2. the social index: its construction, indicators and directions, class thresholds;
3. the typology: the types and how they were found (when the spaces carry ``typ``);
4. theme maps of key indicators (legend with units, county value);
5. one two-page Steckbrief per social space: its location among its neighbours, key figures,
   type, need class, municipalities; every indicator with unit, county value and rank,
   and a bar chart of its z-values;
6. changes against the last publication;
7. method and quality in prose: data, how the spaces are formed (parameters in words),
   quality figures explained, the cells the boundary smoothing puts into a neighbour's
   polygon as a map with their count, inputs, sources, software.

There is one social index, ``social_index`` ("Sozialindex"): standardized, higher = more
need, in the classes gering/mittel/hoch/sehr hoch of ``status_class``. German by default,
English with ``language="en"``.
"""

from __future__ import annotations

import html
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.files import atomic_path
from pipeline.indicators.profiles import ProfileParams
from pipeline.indicators.typology import TypologyParams, describe_types
from pipeline.publish.report_text import PARAMETERS, QUALITY, TEXT, input_role
from pipeline.publish.styles import STATUS_COLORS, TYPE_COLORS
from pipeline.publish.svg import (
    LABEL_RADIUS,
    Frame,
    german_number,
    label_points,
    map_svg,
    place_labels,
)

__all__ = ["KEY_INDICATORS", "LANGUAGES", "PRINT_CSS", "build_report", "displaced_cells",
           "format_value", "write_report"]

#: Report languages.
LANGUAGES = ("de", "en")
#: Indicators mapped in the theme section, when present.
KEY_INDICATORS = ("anteil_unter18", "anteil_65plus", "anteil_alleinerziehende",
                  "anteil_auslaender", "eigentuemerquote", "sgb2_quote_gem")
#: Width of the full-width maps and charts (SVG px; 1 px = 1/96 in, about A4 text width).
MAP_WIDTH = 640.0
#: Five classes of the theme maps, light to dark (ColorBrewer YlGnBu).
THEME_COLORS = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
#: The space of a Steckbrief and its neighbours.
_HIGHLIGHT, _NEIGHBOUR = "#f28e2b", "#e8e8e8"
_NEED, _LESS, _NEUTRAL = "#d7301f", "#1a9850", "#6f8fae"
_NUM = ' class="n"'

_CSS = """
body{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;margin:0;color:#222;
background:#fff;line-height:1.45;font-size:15px}
header{background:#22435e;color:#fff;padding:1em 2em}
header h1{margin:.2em 0}
nav a{color:#fff;margin-right:1em}
main{max-width:1000px;margin:auto;padding:0 1.5em 3em}
h2{border-bottom:2px solid #22435e;padding-bottom:.2em;margin-top:2em;color:#22435e}
h3{color:#22435e;margin-bottom:.3em}
svg.map,svg.chart{max-width:100%;height:auto;display:block}
figure{margin:.8em 0}figcaption{font-size:.88em;color:#444;margin-top:.2em}
table{border-collapse:collapse;font-size:.86em;width:100%;margin:.4em 0}
th,td{border-bottom:1px solid #ddd;padding:.22em .45em;text-align:left;vertical-align:top}
th{background:#eef2f6}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
#profiles th{cursor:pointer}
#profiles th.asc::after{content:" ▲"}#profiles th.desc::after{content:" ▼"}
.badge{display:inline-block;padding:0 .5em;border-radius:.6em;color:#fff;font-size:.85em}
.badge.light{color:#222}
table.two{border:none;table-layout:fixed}
table.two>tbody>tr>td{border:none;padding:0 .6em 0 0;width:50%;vertical-align:top}
section.sr{border-top:2px solid #22435e;margin-top:2em}
section.sr h3{font-size:1.25em;margin-top:.5em}
table.facts td{border:none;padding:.1em .4em .1em 0}
table.facts td:first-child{color:#555;width:38%}table.facts td+td{font-weight:bold}
.note{font-size:.85em;color:#555}
table.chart{font-size:.8em;table-layout:fixed}
table.chart td{border:none;padding:1px 4px}
table.chart td.zl{text-align:right;width:48%}table.chart td.first{font-weight:bold}
table.chart .track{position:relative;height:11px}
table.chart .track i{position:absolute;top:-2px;bottom:-2px;border-left:1px solid #ddd}
table.chart .track i.zero{border-left-color:#555}
table.chart .bar{position:absolute;top:1px;height:9px}
table.chart .ticks{position:relative;height:1.2em;color:#444}
table.chart .ticks span{position:absolute;transform:translateX(-50%);white-space:nowrap}
table.chart .axis{text-align:center;color:#444}
.swatch{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;
border:1px solid #777;margin-right:.3em}
"""

#: Print stylesheet of the PDF (A4, page numbers, a page break before each Steckbrief and
#: before its second page).
PRINT_CSS = """
@page{size:A4;margin:16mm 15mm 18mm 15mm;
@bottom-right{content:"Seite " counter(page) " von " counter(pages);font-size:8pt;color:#555;
font-family:'DejaVu Sans'}
@bottom-left{content:string(doctitle);font-size:8pt;color:#555;font-family:'DejaVu Sans'}}
@media print{
body{font-size:9.5pt;line-height:1.35}
header{background:none;color:#22435e;padding:0;border-bottom:2px solid #22435e}
header h1{string-set:doctitle content();font-size:20pt}
nav,.screen{display:none}
main{max-width:none;padding:0}
h2{break-before:page;margin-top:0;font-size:15pt}
h2#summary{break-before:avoid}
h3{break-after:avoid}
figure,tr,table.facts,svg{break-inside:avoid}
#overview svg,#inset svg,#type-map,#smoothing-map{max-height:160mm;width:auto;margin:auto}
figure.theme svg{max-height:100mm;width:auto}
table{font-size:8.2pt}
thead{display:table-header-group}
section.sr{break-before:page;border-top:none;margin-top:0}
section.sr .page2{break-before:page}
a{color:inherit;text-decoration:none}
}
"""

_JS = """
(function(){
  var table=document.getElementById('profiles');
  if(!table){return;}
  var heads=table.tHead.rows[0].cells;
  function sortBy(col,desc){
    var body=table.tBodies[0];
    var rows=Array.prototype.slice.call(body.rows);
    var idx=-1;
    for(var i=0;i<heads.length;i++){
      heads[i].classList.remove('asc','desc');
      if(heads[i].dataset.col===col){idx=i;}
    }
    if(idx<0){return;}
    var numeric=heads[idx].dataset.type==='num';
    rows.sort(function(a,b){
      var x=a.cells[idx].dataset.v, y=b.cells[idx].dataset.v;
      if(numeric){x=parseFloat(x);y=parseFloat(y);
        if(isNaN(x)){return 1;} if(isNaN(y)){return -1;}
        return desc? y-x : x-y;}
      return desc? y.localeCompare(x,'de') : x.localeCompare(y,'de');
    });
    rows.forEach(function(r){body.appendChild(r);});
    heads[idx].classList.add(desc?'desc':'asc');
    table.dataset.sorted=col+(desc?':desc':':asc');
  }
  for(var i=0;i<heads.length;i++){
    heads[i].addEventListener('click',function(){
      var d=this.classList.contains('asc');
      sortBy(this.dataset.col,d);
    });
  }
  var q=new URLSearchParams(window.location.search);
  if(q.get('sort')){sortBy(q.get('sort'),q.get('dir')==='desc');}
})();
"""


def build_report(
    publication,
    catalog,
    municipalities: gpd.GeoDataFrame,
    county: gpd.GeoDataFrame,
    *,
    county_name: str,
    language: str = "de",
    key_indicators: Sequence[str] = KEY_INDICATORS,
) -> str:
    """The report as one HTML string (screen and print CSS; the PDF is made from it).

    Parameters
    ----------
    publication : Publication
        From :func:`pipeline.publish.build_publication` (``regions``, ``county_values``,
        ``metadata``, ``tiling``, the ``zellen`` and ``aenderungen`` layers when present).
    catalog : Catalog
        Indicator labels, units and index directions.
    municipalities, county : GeoDataFrame
        Boundaries drawn on the maps.
    county_name : str
    language : {"de", "en"}, default "de"
    key_indicators : sequence of str, default KEY_INDICATORS
        Indicators of the theme maps (those present).

    Returns
    -------
    str
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    t = TEXT[language]
    if publication.metadata.get("einheiten") == "polygone":
        t = t | {"intro": t["intro_units"], "notes": t["notes_units"]}
    ctx = _Context(publication, catalog, municipalities, county, t, language)
    typed = _has_types(ctx.regions)
    sections = ("summary", "index", *(("types",) if typed else ()), "themes", "spaces",
                "changes", "method")
    parts = [
        f"<header><h1>{_e(t['title'])} {_e(county_name)}</h1><nav>"
        + "".join(f'<a href="#{a}">{_e(t[a])}</a>' for a in sections) + "</nav></header><main>",
        _summary(ctx),
        _index_section(ctx),
        _types(ctx) if typed else "",
        _themes(ctx, [k for k in key_indicators if k in ctx.keys]),
        _spaces(ctx),
        _changes(publication.layers.get("aenderungen"), t),
        _method(ctx),
        "</main>",
    ]
    body = "\n".join(p for p in parts if p)
    return (f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
            f"<title>{_e(t['title'])} {_e(county_name)}</title>"
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<style>{_CSS}{_print_css(language)}</style></head><body>\n{body}\n"
            f"<script>{_JS}</script>"
            "</body></html>\n")


def _print_css(language: str) -> str:
    """The print stylesheet with the page footer in the report's language."""
    if language == "de":
        return PRINT_CSS
    return PRINT_CSS.replace('"Seite " counter(page) " von "', '"Page " counter(page) " of "')


def write_report(path: str | os.PathLike, publication, catalog,
                 municipalities: gpd.GeoDataFrame, county: gpd.GeoDataFrame, *,
                 county_name: str, language: str = "de",
                 pdf_path: str | os.PathLike | None = None,
                 previous: str | os.PathLike | None = None) -> Path:
    """Build the report and write it atomically; returns the path of the HTML.

    With ``pdf_path`` the A4 PDF of the same HTML is written there too
    (:func:`pipeline.publish.pdf.write_pdf`, atomic and deterministic). ``previous`` is the
    folder of the last publication: when its report is this very HTML, its PDF is copied
    instead of laid out again (the PDF takes about a second per social space; a nightly
    refresh with unchanged inputs gives the same report).
    """
    text = build_report(publication, catalog, municipalities, county,
                        county_name=county_name, language=language)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    if pdf_path is not None:
        from pipeline.publish.pdf import write_pdf

        old = Path(previous) if previous is not None else None
        old_html, old_pdf = (old / path.name, old / Path(pdf_path).name) if old else (None, None)
        if (old_pdf is not None and old_pdf.is_file() and old_html.is_file()
                and old_html.read_bytes() == text.encode("utf-8")):
            with atomic_path(Path(pdf_path)) as tmp:
                shutil.copyfile(old_pdf, tmp)
        else:
            write_pdf(pdf_path, text)
    return path


# --- context -------------------------------------------------------------------------------


class _Context:
    """What every section needs: regions, labels, units, numbers, frames, label positions."""

    def __init__(self, publication, catalog, municipalities, county, t, language):
        self.pub, self.catalog, self.t, self.language = publication, catalog, t, language
        self.regions = publication.regions.reset_index(drop=True)
        self.munis = municipalities.to_crs(self.regions.crs)
        self.outline = county.to_crs(self.regions.crs)
        self.keys = [i.key for i in catalog if i.key in self.regions.columns]
        self.label = {i.key: (i.label_de if language == "de" else i.label_en) for i in catalog}
        self.unit = {i.key: i.unit for i in catalog}
        self.direction = {i.key: i.direction for i in catalog}
        self.n = len(self.regions)
        self.numbers = np.arange(1, self.n + 1)
        self.geoms = self.regions.geometry.values
        index = self.regions["social_index"].to_numpy(np.float64) \
            if "social_index" in self.regions else np.full(self.n, np.nan)
        self.index = index
        self.index_rank = pd.Series(index).rank(ascending=False, method="min").to_numpy()
        self.anchor = label_points(self.geoms)
        self.frame = Frame.around(shapely.total_bounds(self.geoms), MAP_WIDTH)
        self._plan = None

    def status_fill(self) -> list[str]:
        """The class colour of every space (grey without an index)."""
        status = self.regions["status_class"].to_numpy(np.float64) \
            if "status_class" in self.regions else np.full(self.n, np.nan)
        return [STATUS_COLORS[int(s) - 1] if np.isfinite(s) else "#cccccc" for s in status]

    def label_plan(self):
        """Where the numbers go: on the county map, and the inset of the densest town.

        Numbers are first placed where their space has room, largest spaces first; the
        municipality holding most numbers that found no room gets an inset around them,
        at a larger scale, where its spaces are numbered (moved with a leader line where
        needed). The remaining numbers on the county map may move too.
        """
        if self._plan is not None:
            return self._plan
        frame = self.frame
        px = frame.to_px(self.anchor)
        order = np.argsort(-shapely.area(self.geoms), kind="stable")
        first = place_labels(px, LABEL_RADIUS, frame.width, frame.height, order=order,
                             move=False)
        missing = ~np.isfinite(first[:, 0]) & np.isfinite(px[:, 0])
        inset = None
        in_inset = np.zeros(self.n, bool)
        if missing.any() and len(self.munis):
            muni_of = _containing(self.munis.geometry.values, shapely.points(self.anchor))
            counts = np.bincount(muni_of[missing & (muni_of >= 0)], minlength=len(self.munis))
            # the town: its spaces without room for a number, and those too small for one
            small = shapely.area(self.geoms) * frame.scale ** 2 < (6 * LABEL_RADIUS) ** 2
            if counts.sum():
                best = int(np.argmax(counts))
                sel = np.flatnonzero((missing | small) & (muni_of == best))
                minx, miny, maxx, maxy = shapely.total_bounds(self.geoms[sel])
                pad = max(maxx - minx, maxy - miny) * 0.04
                box = (minx - pad, miny - pad, maxx + pad, maxy + pad)
                in_inset = ((self.anchor[:, 0] >= box[0]) & (self.anchor[:, 0] <= box[2])
                            & (self.anchor[:, 1] >= box[1]) & (self.anchor[:, 1] <= box[3]))
                aspect = (box[3] - box[1]) / (box[2] - box[0])
                inset_frame = Frame.around(box, MAP_WIDTH / max(aspect, 1.0), pad=0.0)
                name = str(self.munis.iloc[best].get("name", ""))
                ipx = inset_frame.to_px(self.anchor)
                ipos = place_labels(np.where(in_inset[:, None], ipx, np.nan), LABEL_RADIUS,
                                    inset_frame.width, inset_frame.height, order=order)
                inset = {"frame": inset_frame, "box": box, "name": name, "anchor": ipx,
                         "pos": ipos}
        blocked = []
        if inset is not None:
            (a, b), (c, d) = frame.to_px(np.array([[inset["box"][0], inset["box"][3]],
                                                   [inset["box"][2], inset["box"][1]]]))
            blocked.append((a, b, c, d))
        main = place_labels(np.where(in_inset[:, None], np.nan, px), LABEL_RADIUS, frame.width,
                            frame.height, order=order, blocked=blocked)
        self._plan = {"anchor": px, "pos": main, "inset": inset}
        return self._plan


def _containing(polygons, points) -> np.ndarray:
    """Index of the polygon containing each point (the first), -1 for none."""
    out = np.full(len(points), -1, np.int64)
    tree = shapely.STRtree(polygons)
    pt, poly = tree.query(points, predicate="within")
    first = np.unique(pt, return_index=True)[1]
    out[pt[first]] = poly[first]
    return out


# --- sections ------------------------------------------------------------------------------


def _summary(ctx: _Context) -> str:
    t, regions = ctx.t, ctx.regions
    residents = regions["einwohner"].to_numpy(np.float64)
    status = regions["status_class"].to_numpy(np.float64) \
        if "status_class" in regions else np.full(ctx.n, np.nan)
    counts = [int((status == c).sum()) for c in range(1, 5)]
    text = t["summary_text"].format(n=ctx.n, residents=_num(residents.sum(), 0),
                                    lo=_num(np.nanmin(residents), 0),
                                    hi=_num(np.nanmax(residents), 0),
                                    **{f"c{k + 1}": c for k, c in enumerate(counts)})
    top = np.argsort(-np.nan_to_num(ctx.index, nan=-np.inf), kind="stable")[:3]
    top = [i for i in top if np.isfinite(ctx.index[i])]
    if top:
        text += " " + t["summary_top"].format(names=", ".join(
            f"Nr. {ctx.numbers[i]} {regions['name'].iloc[i]} ({_num(ctx.index[i], 2)})"
            for i in top))
    typed = _has_types(regions)
    if typed:
        typ = regions["typ"].to_numpy(np.int64)
        sizes = np.bincount(typ)
        largest = int(np.argmax(sizes))
        name = regions.loc[typ == largest, "typ_name"].iloc[0]
        text += " " + t["summary_types"].format(k=len(np.unique(typ)), largest=name,
                                                n_largest=int(sizes[largest]))
    out = [f'<h2 id="summary">{_e(t["summary"])}</h2><p>{_e(t["intro"])}</p>'
           f"<p>{_e(text)}</p>", _index_maps(ctx), _key_table(ctx)]
    if typed:
        out.append(_type_map(ctx))
    return "\n".join(out)


def _class_ranges(ctx: _Context) -> list[str]:
    """The social index range of each class in words (``über −1,0 bis 1,0``)."""
    lo, mid, hi = (german_number(v, 1) for v in ProfileParams().thresholds)
    if ctx.language == "de":
        return [f"bis {lo}", f"über {lo} bis {mid}", f"über {mid} bis {hi}", f"über {hi}"]
    return [f"up to {lo}", f"{lo} to {mid}", f"{mid} to {hi}", f"above {hi}"]


def _class_legend(ctx: _Context) -> list[tuple[str, str]]:
    names, ranges = ctx.t["status_names"], _class_ranges(ctx)
    status = ctx.regions["status_class"].to_numpy(np.float64) \
        if "status_class" in ctx.regions else np.full(ctx.n, np.nan)
    rows = [(c, f"{n}: {r} ({int((status == k + 1).sum())})")
            for k, (c, n, r) in enumerate(zip(STATUS_COLORS, names, ranges, strict=True))]
    if not np.isfinite(status).all():
        rows.append(("#cccccc", ctx.t["no_value"]))
    return rows


def _base_layers(ctx: _Context, fills) -> list[dict]:
    return [{"geoms": ctx.geoms, "fill": fills, "stroke": "#ffffff", "width": 0.7},
            {"geoms": ctx.munis.geometry.values, "lines": True, "stroke": "#444",
             "width": 0.8, "dash": "3 2"},
            {"geoms": ctx.outline.geometry.values, "lines": True, "stroke": "#111",
             "width": 1.3}]


def _index_maps(ctx: _Context) -> str:
    """The social index map of the county with numbers, and the inset of the densest town."""
    t = ctx.t
    plan = ctx.label_plan()
    fills = ctx.status_fill()
    labels = [(str(ctx.numbers[i]), plan["anchor"][i], plan["pos"][i]) for i in range(ctx.n)]
    inset = plan["inset"]
    rects = [(inset["box"], t["inset"].format(name=inset["name"]))] if inset else []
    svg = map_svg(ctx.frame, _base_layers(ctx, fills), labels=labels, rectangles=rects,
                  legend=_class_legend(ctx), legend_title=t["index_legend"],
                  title=t["index_map"], element_id="index-map")
    out = [f'<figure id="overview">{svg}<figcaption>{_e(t["index_map"])}. '
           f'{_e(t["map_numbers"])}</figcaption></figure>']
    if inset:
        ilabels = [(str(ctx.numbers[i]), inset["anchor"][i], inset["pos"][i])
                   for i in range(ctx.n)]
        isvg = map_svg(inset["frame"], _base_layers(ctx, fills), labels=ilabels,
                       title=t["inset_caption"].format(name=inset["name"]),
                       element_id="index-inset")
        out.append(f'<figure id="inset">{isvg}<figcaption>'
                   f'{_e(t["inset_caption"].format(name=inset["name"]))}</figcaption></figure>')
    return "\n".join(out)


def _key_table(ctx: _Context) -> str:
    """Number, name, ID, residents, index, rank, class, type of every space (sortable)."""
    t, regions = ctx.t, ctx.regions
    typed = _has_types(regions)
    heads = t["key_head"] if typed else t["key_head"][:-1]
    cols = ["nr", "name", "sr_id", "einwohner", "social_index", "rang", "status_class",
            "typ"][:len(heads)]
    kinds = ["num", "txt", "txt", "num", "num", "num", "num", "num"]
    head = "".join(f'<th data-col="{c}" data-type="{k}"{_NUM if k == "num" else ""}>'
                   f"{_e(h)}</th>" for c, k, h in zip(cols, kinds, heads, strict=False))
    rows = []
    for i, row in regions.iterrows():
        no = ctx.numbers[i]
        cells = [
            (no, str(no), True),
            (row["name"], f'<a href="#{_e(row["sr_id"])}">{_e(row["name"])}</a>', False),
            (row["sr_id"], _e(row["sr_id"]), False),
            (row["einwohner"], _num(row["einwohner"], 0), True),
            (ctx.index[i], _z(ctx.index[i]), True),
            (ctx.index_rank[i], _rank(ctx.index_rank[i]), True),
            (row.get("status_class"), _status_badge(row.get("status_class"), t), False),
        ]
        if typed:
            cells.append((row["typ"], f"{int(row['typ'])}", True))
        tds = "".join(
            f'<td{_NUM if numeric else ""} data-v="{_e(_sort_value(v))}">{shown}</td>'
            for v, shown, numeric in cells)
        rows.append(f'<tr id="row-{_e(row["sr_id"])}">{tds}</tr>')
    return (f'<table id="profiles"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            f'</tbody></table><p class="note">{_e(t["key_caption"])}</p>')


def _type_map(ctx: _Context) -> str:
    t, regions = ctx.t, ctx.regions
    typ = regions["typ"].to_numpy(np.int64)
    fills = [TYPE_COLORS[(i - 1) % len(TYPE_COLORS)] for i in typ]
    types = regions[["typ", "typ_name"]].drop_duplicates().sort_values("typ")
    legend = [(TYPE_COLORS[(int(k) - 1) % len(TYPE_COLORS)],
               f"{int(k)}: {name} ({int((typ == k).sum())})")
              for k, name in zip(types["typ"], types["typ_name"], strict=True)]
    svg = map_svg(ctx.frame, _base_layers(ctx, fills), legend=legend,
                  legend_title=t["type_map"], title=t["type_map"], element_id="type-map")
    return f'<figure>{svg}<figcaption>{_e(t["type_map"])}</figcaption></figure>'


def _index_section(ctx: _Context) -> str:
    """How the index is built, its indicators with directions and the class thresholds."""
    t, regions = ctx.t, ctx.regions
    members = [i for i in ctx.catalog if i.in_index and f"{i.key}_z" in regions.columns]
    lo, mid, hi = (german_number(v, 1) for v in ProfileParams().thresholds)
    names = t["status_names"]
    classes = "; ".join(r.format(names[0], lo, names[1], mid, names[2], hi, names[3])
                        for r in t["class_ranges"])
    prose = (f"<p>{_e(t['index_intro'])}</p><p id=\"index-method\">"
             + _e(t["index_method"].format(m=len(members), n=ctx.n, classes=classes)) + "</p>")
    heads = "".join(f"<th>{_e(h)}</th>" for h in t["index_members_head"])
    rows = "".join(
        f"<tr><td>{_e(ctx.label[i.key])}</td><td>"
        f"{_e(t['more_need'] if i.direction > 0 else t['less_need'])}</td>"
        f"<td class='n'>{_e(format_value(ctx.pub.county_values.get(i.key), i.unit))}</td></tr>"
        for i in members)
    members_table = (f'<table id="index-members"><thead><tr>{heads}</tr></thead>'
                     f"<tbody>{rows}</tbody></table>") if members else ""
    empty = "" if np.isfinite(ctx.index).any() else f"<p><b>{_e(t['index_empty'])}</b></p>"
    status = regions["status_class"].to_numpy(np.float64) \
        if "status_class" in regions else np.full(ctx.n, np.nan)
    residents = regions["einwohner"].to_numpy(np.float64)
    ranges = _class_ranges(ctx)
    crows = "".join(
        f"<tr><td>{_status_badge(k + 1, t)}</td><td>{_e(ranges[k])}"
        f"</td><td class='n'>{int((status == k + 1).sum())}</td>"
        f"<td class='n'>{_num(residents[status == k + 1].sum(), 0)}</td></tr>"
        for k in range(4))
    cheads = "".join(f"<th>{_e(h)}</th>" for h in t["classes_head"])
    return (f'<h2 id="index">{_e(t["index"])}</h2>{prose}{empty}{members_table}'
            f'<table id="index-classes"><thead><tr>{cheads}</tr></thead><tbody>{crows}'
            "</tbody></table>")


def _has_types(regions) -> bool:
    return {"typ", "typ_name"} <= set(regions.columns) and regions["typ"].notna().all()


def _types(ctx: _Context) -> str:
    """The table of types and how the typology was found."""
    t, regions, catalog = ctx.t, ctx.regions, ctx.catalog
    table = describe_types(regions, catalog, residents="einwohner")
    heads = "".join(f"<th>{_e(h)}</th>" for h in t["types_head"])
    rows = "".join(
        f'<tr id="typ-{int(r.typ)}"><td class="n"><span class="swatch" style="background:'
        f'{TYPE_COLORS[(int(r.typ) - 1) % len(TYPE_COLORS)]}"></span>{int(r.typ)}</td>'
        f'<td>{_e(r.typ_name)}</td><td class="n">{int(r.sozialraeume)}</td>'
        f'<td class="n">{_num(r.einwohner, 0)}</td><td>{_e(r.merkmale)}</td></tr>'
        for r in table.itertuples())
    from sklearn.metrics import silhouette_score

    params = TypologyParams()
    keys = [k for k in catalog.keys if f"{k}_z" in regions.columns]
    features = regions[[f"{k}_z" for k in keys]].astype(float).fillna(0.0).to_numpy()
    typ = regions["typ"].to_numpy(np.int64)
    k = len(np.unique(typ))
    sil = _num(silhouette_score(features, typ), 2) if 1 < k < len(regions) else "–"
    how = t[params.method].format(seed=params.random_state)
    method = t["types_method"].format(m=len(keys), how=how, lo=params.k_range[0],
                                      hi=params.k_range[1], k=k, sil=sil)
    return (f'<h2 id="types">{_e(t["types"])}</h2><p>{_e(t["types_intro"])}</p>'
            f'<table id="types-table"><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody>'
            f'</table><p id="types-method">{_e(method)}</p>')


def _themes(ctx: _Context, keys: Sequence[str]) -> str:
    """Choropleths of key indicators: five quantile classes, legend with units."""
    t = ctx.t
    small = Frame.around(ctx.frame.bounds, MAP_WIDTH / 2, pad=0.0)
    figures = []
    for key in keys:
        values = ctx.regions[key].to_numpy(np.float64)
        fills, legend = _classes(values, ctx.unit.get(key, ""), t)
        layers = _base_layers(ctx, fills)
        layers[1]["width"] = 0.5
        svg = map_svg(small, layers, legend=legend, title=ctx.label[key],
                      css_class="map theme")
        county = format_value(ctx.pub.county_values.get(key), ctx.unit.get(key, ""))
        figures.append(f'<figure class="theme" id="theme-{_e(key)}">{svg}<figcaption><b>'
                       f'{_e(ctx.label[key])}</b><br>{_e(t["county_value"])}: {_e(county)}'
                       "</figcaption></figure>")
    pairs = ["<table class='two'><tr>" + "".join(f"<td>{f}</td>" for f in figures[i:i + 2])
             + "</tr></table>"
             for i in range(0, len(figures), 2)]
    return (f'<h2 id="themes">{_e(t["themes"])}</h2><p>{_e(t["themes_intro"])}</p>'
            + "".join(pairs))


def _classes(values: np.ndarray, unit: str, t) -> tuple[list[str], list[tuple[str, str]]]:
    """Fill colours in up to five quantile classes and the legend rows (with units)."""
    ok = np.isfinite(values)
    if not ok.any():
        return ["#cccccc"] * len(values), [("#cccccc", t["no_value"])]
    breaks = np.unique(np.nanquantile(values[ok], np.linspace(0, 1, 6)))
    if len(breaks) == 1:
        breaks = np.array([breaks[0], breaks[0]])
    cls = np.clip(np.searchsorted(breaks[1:-1], values, side="right"), 0, len(breaks) - 2)
    # fewer distinct breaks (many equal values): as many colours, spread over the scale
    pick = np.linspace(0, len(THEME_COLORS) - 1, len(breaks) - 1).round().astype(int)
    colors = [THEME_COLORS[i] for i in pick]
    fills = [colors[c] if o else "#cccccc" for c, o in zip(cls, ok, strict=True)]
    legend = [(colors[k], f"{format_value(breaks[k], unit)} – {format_value(breaks[k + 1], unit)}"
               f" ({int(((cls == k) & ok).sum())})") for k in range(len(breaks) - 1)]
    if not ok.all():
        legend.append(("#cccccc", t["no_value"]))
    return fills, legend


def _spaces(ctx: _Context) -> str:
    t = ctx.t
    tree = shapely.STRtree(ctx.geoms)
    out = [f'<h2 id="spaces">{_e(t["spaces"])}</h2><p>{_e(t["spaces_intro"].format(n=ctx.n))}'
           "</p>"]
    out += [_steckbrief(ctx, i, tree) for i in range(ctx.n)]
    return "\n".join(out)


def _steckbrief(ctx: _Context, i: int, tree) -> str:
    """Two pages: location map and key figures with the chart; the indicator table."""
    t, row = ctx.t, ctx.regions.iloc[i]
    no, name = ctx.numbers[i], str(row["name"])
    minx, miny, maxx, maxy = shapely.bounds(ctx.geoms[i])
    span = max(maxx - minx, maxy - miny, 1500.0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half = span * 0.75
    box = (cx - half, cy - half, cx + half, cy + half)
    frame = Frame.around(box, 300.0, pad=0.0)
    near = np.sort(tree.query(shapely.box(*box)))
    fills = [_HIGHLIGHT if j == i else _NEIGHBOUR for j in near]
    def clip(geoms):
        return shapely.clip_by_rect(geoms, *frame.bounds)

    layers = [{"geoms": clip(ctx.geoms[near]), "fill": fills, "stroke": "#ffffff",
               "width": 1.0},
              {"geoms": clip(ctx.munis.geometry.values), "lines": True, "stroke": "#444",
               "width": 0.8, "dash": "3 2"},
              {"geoms": clip(ctx.outline.geometry.values), "lines": True, "stroke": "#111",
               "width": 1.3},
              {"geoms": clip(ctx.geoms[[i]]), "lines": True, "stroke": "#7f2704", "width": 1.6}]
    px = frame.to_px(ctx.anchor[near])
    order = np.argsort(near != i, kind="stable")  # the space itself first
    pos = place_labels(px, LABEL_RADIUS, frame.width, frame.height, order=order, move=False)
    labels = [(str(ctx.numbers[j]), px[k], pos[k]) for k, j in enumerate(near)]
    svg = map_svg(frame, layers, labels=labels, title=t["location"].format(no=no, name=name),
                  css_class="map locator")
    neighbours = [j for j in near if j != i and shapely.intersects(
        ctx.geoms[i], ctx.geoms[j]) and shapely.length(shapely.intersection(
            shapely.boundary(ctx.geoms[i]), ctx.geoms[j])) > 0]
    facts = [
        (t["residents"], _num(row["einwohner"], 0)),
        (t["area"], f"{_num(row['flaeche_km2'], 1)} km²"
         + (f" ({t['settled']} {_num(row['besiedelt_km2'], 1)} km²)"
            if "besiedelt_km2" in row and np.isfinite(_float(row["besiedelt_km2"])) else "")),
        (t["index"], f"{_z(ctx.index[i])}"),
        (t["index_rank"], t["rank_of"].format(r=_rank(ctx.index_rank[i]), n=ctx.n)
         + f" ({t['highest_need']})"),
        (t["status"], _status_name(row.get("status_class"), t)),
    ]
    if _has_types(ctx.regions):
        facts.append((t["type"], f"{int(row['typ'])}: {row['typ_name']}"))
    facts.append((t["municipalities"], str(row.get("gemeinden", ""))))
    if "kompaktheit" in row:
        facts.append((t["compact"], _num(row["kompaktheit"], 2)))
    facts.append((t["neighbours"], ", ".join(f"{ctx.numbers[j]} {ctx.regions['name'].iloc[j]}"
                                              for j in neighbours) or "–"))
    dl = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in facts)
    chart = _z_chart(ctx, i)
    rows = "".join(
        f"<tr><td>{_e(ctx.label[k])}</td>"
        f"<td class='n'>{_e(format_value(row[k], ctx.unit.get(k, '')))}</td>"
        f"<td class='n'>{_e(format_value(ctx.pub.county_values.get(k), ctx.unit.get(k, '')))}"
        f"</td><td class='n'>{_e(_rank_of(row.get(k + '_rank'), ctx.n, t))}</td>"
        f"<td class='n'>{_z(row.get(k + '_z'))}</td></tr>"
        for k in ctx.keys)
    heads = "".join(f"<th{_NUM if j else ''}>{_e(h)}</th>"
                    for j, h in enumerate(t["indicators_head"]))
    return (
        f'<section class="sr" id="{_e(row["sr_id"])}"><h3>{_e(t["no"])} {no} · {_e(name)} '
        f'<small>({_e(row["sr_id"])})</small></h3>'
        f'<table class="two"><tr><td><figure>{svg}<figcaption>'
        f'{_e(t["location"].format(no=no, name=name))}</figcaption></figure></td><td><h4>'
        f'{_e(t["facts"])}</h4><table class="facts">{dl}</table></td></tr></table>'
        f"<figure class='zchart'>{chart}<figcaption>{_e(t['chart'])}. "
        f"{_e(t['chart_note'])}</figcaption></figure>"
        f'<div class="page2"><h4>{_e(t["no"])} {no} · {_e(name)}: '
        f'{_e(t["indicators"])}</h4>'
        f"<table class='indicators'><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table>"
        f'<p class="note">{_e(t["rank_note"].format(n=ctx.n))} {_e(t["notes"])}</p></div>'
        "</section>")


def _z_chart(ctx: _Context, i: int, limit: float = 3.0) -> str:
    """Bars of the space's z-values (Sozialindex first), coloured by what they mean for need.

    An HTML table with CSS bars rather than SVG: WeasyPrint lays out SVG text letter by
    letter, so 23 long labels per Steckbrief cost seconds in the PDF; table cells cost a
    fraction. Values beyond ``±limit`` are drawn to the edge.
    """
    row = ctx.regions.iloc[i]
    keys = [k for k in ctx.keys if f"{k}_z" in ctx.regions.columns]
    labels = [ctx.t["index"], *(ctx.label[k] for k in keys)]
    values = np.array([ctx.index[i], *(_float(row[f"{k}_z"]) for k in keys)])
    signs = np.array([1, *(ctx.direction.get(k, 0) for k in keys)])
    need = signs * values
    colours = [_NEUTRAL if s == 0 else _NEED if v > 0 else _LESS
               for s, v in zip(signs, need, strict=True)]
    zero = ' class="zero"'
    grid = "".join(f'<i style="left:{50 + 50 * g / limit:.2f}%"{zero if g == 0 else ""}></i>'
                   for g in range(-int(limit) + 1, int(limit)))
    rows = []
    for k, (text, v, colour) in enumerate(zip(labels, values, colours, strict=True)):
        bar = ""
        if np.isfinite(v):
            shown = float(np.clip(v, -limit, limit))
            left = 50 + 50 * min(shown, 0.0) / limit
            width = 50 * abs(shown) / limit
            bar = (f'<span class="bar" style="left:{left:.2f}%;width:{width:.2f}%;'
                   f'background:{colour}"></span>')
        head = ' class="zl first"' if k == 0 else ' class="zl"'
        rows.append(f"<tr><td{head}>{_e(text)}</td><td class='zb'><div class='track'>{grid}"
                    f"{bar}</div></td></tr>")
    ticks = "".join(f'<span style="left:{50 + 50 * g / limit:.2f}%">'
                    f"{german_number(g, 0, sign=True)}</span>"
                    for g in range(-int(limit), int(limit) + 1))
    rows.append(f"<tr><td class='zl'></td><td class='zb'><div class='ticks'>{ticks}</div>"
                f"<div class='axis'>{_e(ctx.t['chart_axis'])}</div></td></tr>")
    return f'<table class="chart" title="{_e(ctx.t["chart"])}">{"".join(rows)}</table>'


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


# --- formatting ----------------------------------------------------------------------------


def format_value(v, unit: str) -> str:
    """An indicator value with its unit in German notation (``12,3 %``, ``6,03 €/m²``).

    Examples
    --------
    >>> format_value(0.123, "Anteil (0-1)"), format_value(6.031, "EUR/m²")
    ('12,3 %', '6,03 €/m²')
    >>> format_value(44459.8, "EUR"), format_value(None, "m²")
    ('44\u202f460 €', '–')
    """
    x = _float(v)
    if not np.isfinite(x):
        return "–"
    unit = unit or ""
    if unit.startswith("Anteil"):
        return f"{german_number(100 * x, 1)} %"
    known = {"EUR/m²": (2, "€/m²"), "EUR": (0, "€"), "m²": (1, "m²"), "Jahre": (1, "Jahre"),
             "Personen": (2, "Personen"), "Einwohner/km²": (0, "Ew./km²"),
             "je 100 Personen 20-64": (1, "je 100 Pers. 20–64")}
    if unit in known:
        digits, suffix = known[unit]
        return f"{german_number(x, digits)} {suffix}"
    digits = 0 if abs(x) >= 1000 else 2 if abs(x) < 10 else 1
    return f"{german_number(x, digits)} {unit}".strip()


def _float(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _num(v, digits: int) -> str:
    return german_number(_float(v), digits)


def _z(v) -> str:
    return german_number(_float(v), 2, sign=True)


def _rank(v) -> str:
    x = _float(v)
    return str(int(x)) if np.isfinite(x) else "–"


def _rank_of(v, n: int, t) -> str:
    x = _float(v)
    return t["rank_of"].format(r=int(x), n=n) if np.isfinite(x) else "–"


def _sort_value(v) -> str:
    x = _float(v)
    if isinstance(v, str):
        return v
    return "" if not np.isfinite(x) else repr(x)


def _status_name(v, t) -> str:
    x = _float(v)
    return t["status_names"][int(x) - 1] if np.isfinite(x) and 1 <= x <= 4 else "–"


def _status_badge(v, t) -> str:
    x = _float(v)
    if not (np.isfinite(x) and 1 <= x <= 4):
        return "–"
    light = " light" if int(x) in (2, 3) else ""
    return (f'<span class="badge{light}" style="background:{STATUS_COLORS[int(x) - 1]}">'
            f"{_e(_status_name(x, t))}</span>")


def _e(text) -> str:
    return html.escape(str(text), quote=True)
