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
from pipeline.publish._report_page import _CSS, _JS, PRINT_CSS, _print_css
from pipeline.publish.report_format import (
    _e,
    _float,
    _num,
    _rank,
    _rank_of,
    _sort_value,
    _status_badge,
    _status_name,
    _z,
    format_value,
)
from pipeline.publish.report_method import (
    _base_layers,
    _changes,
    _containing,
    _method,
    displaced_cells,
)
from pipeline.publish.report_text import TEXT
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
