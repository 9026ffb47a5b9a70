"""The social-space report (Sozialraumbericht): one self-contained HTML file.

Everything is inline so the file opens without internet: maps as base64 PNG
(:mod:`pipeline.publish.maps`) and inline SVG, CSS and a few lines of JavaScript that sort the
profile table (a click on a column header, or ``?sort=<column>&dir=desc`` in the address,
applied on load). Sections:

1. overview map of the social spaces with their names;
2. theme maps: the social index's classes of need and choropleths of key indicators;
3. the typology: a map coloured by type and a table of the types (when the social spaces
   carry ``typ`` and ``typ_name``, see :mod:`pipeline.indicators.typology`);
4. the sortable profile table;
5. one section per social space: its map, residents, social index, type, indicators
   against the county value, the municipalities it spans;
6. method: how the social index and the typology are built (in prose, from the catalog),
   inputs with SHA-256, parameters, quality figures, data sources with citations.

German labels by default, English with ``language="en"``.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from pipeline.files import atomic_path
from pipeline.indicators.profiles import STATUS_CLASSES, ProfileParams
from pipeline.indicators.typology import TypologyParams, describe_types
from pipeline.publish.maps import data_uri, render_map
from pipeline.publish.styles import STATUS_COLORS, TYPE_COLORS

__all__ = ["LANGUAGES", "KEY_INDICATORS", "build_report", "write_report"]

#: Report languages.
LANGUAGES = ("de", "en")
#: Indicators mapped in the theme section, when present.
KEY_INDICATORS = ("anteil_unter18", "anteil_65plus", "anteil_alleinerziehende",
                  "anteil_auslaender", "eigentuemerquote", "sgb2_quote_gem")

_TEXT = {
    "de": {
        "title": "Sozialraumbericht", "overview": "Übersicht", "themes": "Themenkarten",
        "table": "Profile der Sozialräume", "spaces": "Die Sozialräume", "method": "Methode",
        "changes": "Änderungen",
        "changes_intro": "Gegenüber der letzten Veröffentlichung; bleiben alle Kriterien "
                         "erfüllt, bleibt ein Sozialraum unverändert (Pflegemodus).",
        "changes_none": "Alle Sozialräume sind unverändert.",
        "changes_head": ("Kennung", "Änderung", "Einwohner abgegeben", "Einwohner aufgenommen",
                         "an", "von", "Grund"),
        "index_map": "Sozialindex: sozialer Handlungsbedarf", "residents": "Einwohner",
        "area": "Fläche (km²)", "index": "Sozialindex", "status": "Handlungsbedarf",
        "types": "Typologie", "type": "Typ", "type_map": "Typen der Sozialräume",
        "types_head": ("Typ", "Name", "Sozialräume", "Einwohner", "Kennzeichnende Indikatoren"),
        "types_intro": ("Sozialräume mit ähnlichem Profil über alle Indikatoren bilden einen "
                        "Typ; kennzeichnend sind die Indikatoren, in denen der Typ im Mittel "
                        "am stärksten vom Durchschnitt der Sozialräume abweicht (mittlere "
                        "z-Werte, hoch ab +0,5, niedrig ab −0,5). Typ 1 hat den geringsten "
                        "mittleren Sozialindex."),
        "index_method_head": "Sozialindex",
        "index_method": (
            "Der Sozialindex fasst die Indikatoren zusammen, die sozialen Handlungsbedarf "
            "anzeigen: {members}. Jeder Indikator wird zuerst über die {n} Sozialräume "
            "des Kreises standardisiert (z-Wert: Abstand vom Mittel der Sozialräume in "
            "Standardabweichungen, jeder Sozialraum zählt einmal); Indikatoren, bei denen "
            "ein höherer Wert weniger Bedarf bedeutet, gehen mit umgekehrtem Vorzeichen ein. "
            "Der Mittelwert dieser z-Werte (über die Indikatoren, die ein Sozialraum hat) "
            "wird noch einmal über die Sozialräume standardisiert: das ist der Sozialindex, "
            "mit Mittel 0 und Standardabweichung 1. Je höher der Sozialindex, desto höher "
            "der soziale Handlungsbedarf. Nach dem Vorbild des Berliner Monitorings Soziale "
            "Stadtentwicklung wird er in vier Klassen eingeteilt: {classes}. Der Index "
            "vergleicht die Sozialräume innerhalb des Kreises, nicht mit anderen Kreisen "
            "oder Jahren."),
        "more_need": "höherer Wert = mehr Bedarf", "less_need": "höherer Wert = weniger Bedarf",
        "class_ranges": ("{0} bis {1}", "{2} über {1} bis {3}", "{4} über {3} bis {5}",
                         "{6} über {5}"),
        "types_method": (
            "Die Typologie gruppiert die Sozialräume nach ihrem ganzen Profil: alle {m} "
            "Indikatoren als z-Werte, gleich gewichtet (fehlende Werte zählen als Mittel), "
            "{how}. Von {lo} bis {hi} Typen wird die Zahl mit dem besten mittleren "
            "Silhouettenwert gewählt (Rousseeuw 1987; hier {k} Typen, Silhouette {sil}). "
            "Die Typen sind nach ihrem mittleren Sozialindex nummeriert und nach ihren "
            "kennzeichnenden Indikatoren benannt (ähnliche Indikatoren nur einmal)."),
        "ward": "hierarchisch nach Ward geclustert",
        "kmeans": "mit k-Means geclustert (fester Startwert {seed})",
        "name": "Name", "id": "Kennung", "municipalities": "Gemeinden",
        "indicator": "Indikator", "value": "Wert", "county": "Kreis", "rank": "Rang",
        "inputs": "Eingangsdaten", "parameters": "Parameter", "quality": "Qualität",
        "sources": "Datenquellen",
        "skipped": "Nicht berechnete Indikatoren (fehlende Eingangsdaten)",
        "index_empty": "Kein berechneter Indikator hat eine Richtung: der Sozialindex ist leer.",
        "file": "Datei", "role": "Rolle", "n_spaces": "Sozialräume",
        "sort_hint": "Zum Sortieren auf eine Spaltenüberschrift klicken.",
        "intro": ("Die Sozialräume sind aus den bewohnten 100-m-Gitterzellen des Zensus 2022 "
                  "gebildet: zusammenhängend, mit Mindest- und Höchsteinwohnerzahl und "
                  "innerlich möglichst ähnlich. Unbewohnte Flächen sind dem nächsten "
                  "Sozialraum zugeschlagen, damit die Karte den ganzen Kreis lückenlos "
                  "abdeckt; alle Kennzahlen zählen nur Einwohner."),
        "intro_units": ("Die Sozialräume sind aus den bewohnten Gebietseinheiten (Baublöcken) "
                        "des Kreises gebildet, jeder Sozialraum aus ganzen Einheiten: "
                        "zusammenhängend, mit Mindest- und Höchsteinwohnerzahl und innerlich "
                        "möglichst ähnlich. Unbewohnte Einheiten gehören zum angrenzenden "
                        "Sozialraum; alle Kennzahlen zählen nur Einwohner."),
        "notes": ("Werte mit der Endung „(Gemeindewert)“ sind Gemeindewerte, nach "
                  "Einwohnern auf die Sozialräume verteilt, keine kleinräumigen Messungen. "
                  "Zellen mit weniger als 3 Einwohnern tragen keine Indikatorwerte."),
        "notes_units": ("Werte mit der Endung „(Gemeindewert)“ sind Gemeindewerte, nach "
                        "Einwohnern auf die Sozialräume verteilt, keine kleinräumigen "
                        "Messungen. Einheiten mit weniger als 3 Einwohnern tragen keine "
                        "Indikatorwerte."),
        "status_names": STATUS_CLASSES,
    },
    "en": {
        "title": "Social space report", "overview": "Overview", "themes": "Theme maps",
        "table": "Profiles of the social spaces", "spaces": "The social spaces",
        "method": "Method", "index_map": "Social index: social need",
        "types": "Typology", "type": "Type", "type_map": "Types of social spaces",
        "types_head": ("Type", "Name", "Social spaces", "Residents", "Distinctive indicators"),
        "types_intro": ("Social spaces with a similar profile over every indicator form a "
                        "type; distinctive are the indicators whose mean z-score over the "
                        "type departs most from the average space (at least ±0.5). Type 1 "
                        "has the lowest mean social index."),
        "index_method_head": "Social index",
        "index_method": (
            "The social index combines the indicators of social need: {members}. Every "
            "indicator is standardized over the county's {n} social spaces (z-score, each "
            "space counting once); indicators where a higher value means less need enter "
            "with the opposite sign. The mean of these z-scores is standardized again over "
            "the spaces: that is the social index, mean 0 and standard deviation 1; the "
            "higher, the more social need. As in Berlin's Monitoring Soziale "
            "Stadtentwicklung it is cut into four classes: {classes}. It compares the "
            "spaces within the county, not with other counties or years."),
        "more_need": "higher = more need", "less_need": "higher = less need",
        "class_ranges": ("{0} up to {1}", "{2} above {1} up to {3}", "{4} above {3} up to {5}",
                         "{6} above {5}"),
        "types_method": (
            "The typology groups the social spaces by their whole profile: all {m} "
            "indicators as z-scores, weighted equally (missing values count as the mean), "
            "{how}. Among {lo} to {hi} types the number with the best mean silhouette is "
            "kept (Rousseeuw 1987; here {k} types, silhouette {sil}). Types are numbered by "
            "their mean social index and named after their distinctive indicators."),
        "ward": "clustered hierarchically by Ward's method",
        "kmeans": "clustered by k-means (fixed seed {seed})",
        "changes": "Changes",
        "changes_intro": "Against the last publication; a social space that still meets "
                         "every criterion is kept unchanged (maintenance mode).",
        "changes_none": "Every social space is unchanged.",
        "changes_head": ("ID", "Change", "Residents given", "Residents taken", "to", "from",
                         "Reason"),
        "residents": "Residents", "area": "Area (km²)", "index": "Social index",
        "status": "Need", "name": "Name", "id": "ID", "municipalities": "Municipalities",
        "indicator": "Indicator", "value": "Value", "county": "County", "rank": "Rank",
        "inputs": "Inputs", "parameters": "Parameters", "quality": "Quality",
        "sources": "Data sources",
        "skipped": "Indicators not computed (inputs missing)",
        "index_empty": "No computed indicator has a direction: the social index is empty.",
        "file": "File", "role": "Role", "n_spaces": "Social spaces",
        "sort_hint": "Click a column header to sort.",
        "intro": ("Social spaces are built from the populated 100 m grid cells of the 2022 "
                  "census: contiguous, within population bounds and internally similar. "
                  "Unpopulated land is given to the nearest social space so that the map "
                  "covers the whole county; all figures count residents only."),
        "intro_units": ("Social spaces are built from the county's populated units "
                        "(statistical blocks), each space from whole units: contiguous, "
                        "within population bounds and internally similar. Unpopulated units "
                        "belong to the adjacent social space; all figures count residents "
                        "only."),
        "notes": ("Values marked '(municipal value)' are municipal figures spread to the "
                  "social spaces by residents, not small-area measurements. Cells with "
                  "fewer than 3 residents carry no indicator values."),
        "notes_units": ("Values marked '(municipal value)' are municipal figures spread to "
                        "the social spaces by residents, not small-area measurements. Units "
                        "with fewer than 3 residents carry no indicator values."),
        "status_names": ("low", "medium", "high", "very high"),
    },
}

_CSS = """
body{font-family:system-ui,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#222;
background:#fff;line-height:1.4}
header{background:#22435e;color:#fff;padding:1em 2em}
main{max-width:1100px;margin:auto;padding:0 1.5em 3em}
h2{border-bottom:2px solid #22435e;padding-bottom:.2em;margin-top:2em}
nav a{color:#fff;margin-right:1em}
img.map{max-width:100%;height:auto;border:1px solid #ddd}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:1em}
figure{margin:0}figcaption{font-size:.9em;color:#444}
table{border-collapse:collapse;font-size:.85em;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.25em .5em;text-align:left}
td{white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}
#profiles th{cursor:pointer;background:#eef2f6;position:sticky;top:0}
#profiles th.asc::after{content:" ▲"}#profiles th.desc::after{content:" ▼"}
section.sr{border-top:1px solid #ccc;padding-top:.5em;display:grid;
grid-template-columns:300px 1fr;gap:1em}
section.sr h3{grid-column:1/3;margin:.3em 0}
.badge{display:inline-block;padding:0 .5em;border-radius:.6em;color:#fff;font-size:.85em}
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
    """The report as one HTML string.

    Parameters
    ----------
    publication : Publication
        From :func:`pipeline.publish.build_publication` (``regions``,
        ``county_values``, ``metadata``, ``tiling``).
    catalog : Catalog
        Indicator labels and units.
    municipalities, county : GeoDataFrame
        Boundaries drawn on the maps.
    county_name : str
    language : {"de", "en"}, default "de"
    key_indicators : sequence of str, default KEY_INDICATORS

    Returns
    -------
    str
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    t = _TEXT[language]
    regions = publication.regions.reset_index(drop=True)
    munis = municipalities.to_crs(regions.crs)
    outline = county.to_crs(regions.crs)
    keys = [i.key for i in catalog if i.key in regions.columns]
    label = {i.key: (i.label_de if language == "de" else i.label_en) for i in catalog}
    unit = {i.key: i.unit for i in catalog}
    typed = _has_types(regions)
    sections = ("overview", "themes", *(("types",) if typed else ()), "table", "spaces",
                "changes", "method")
    parts = [
        f"<header><h1>{_e(t['title'])} {_e(county_name)}</h1><nav>"
        + "".join(f'<a href="#{a}">{_e(t[a])}</a>' for a in sections)
        + "</nav></header><main>",
        _overview(regions, munis, outline,
                  _for_units(t, publication)),
        _themes(regions, outline, t, [k for k in key_indicators if k in keys], label, unit),
        _types(regions, outline, catalog, t) if typed else "",
        _table(regions, t, keys, label, unit),
        _spaces(regions, t, keys, label, unit, publication.county_values),
        _changes(publication.layers.get("aenderungen"), t),
        _method(publication, catalog, _for_units(t, publication)),
        "</main>",
    ]
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
            f"<title>{_e(t['title'])} {_e(county_name)}</title>"
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<style>{_CSS}</style></head><body>\n{body}\n<script>{_JS}</script>"
            "</body></html>\n")


def write_report(path: str | os.PathLike, publication, catalog,
                 municipalities: gpd.GeoDataFrame, county: gpd.GeoDataFrame, *,
                 county_name: str, language: str = "de") -> Path:
    """Build the report and write it atomically; returns the path."""
    text = build_report(publication, catalog, municipalities, county,
                        county_name=county_name, language=language)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _for_units(t: dict, publication) -> dict:
    """The texts for a county drawn on polygon units instead of grid cells."""
    if publication.metadata.get("einheiten") != "polygone":
        return t
    return t | {"intro": t["intro_units"], "notes": t["notes_units"]}


# --- sections -----------------------------------------------------------------------------


def _overview(regions, munis, outline, t) -> str:
    png = render_map(regions, colors=regions["farbe"], labels=regions["name"],
                     outlines=[munis, outline], width_px=1400)
    residents = float(regions["einwohner"].sum())
    return (f'<h2 id="overview">{_e(t["overview"])}</h2><p>{_e(t["intro"])}</p>'
            f"<p><b>{len(regions)}</b> {_e(t['n_spaces'])}, <b>{_num(residents, 0)}</b> "
            f"{_e(t['residents'])}.</p>"
            f'<img class="map" id="overview-map" alt="{_e(t["overview"])}" '
            f'src="{data_uri(png)}">')


def _themes(regions, outline, t, keys, label, unit) -> str:
    status = regions["status_class"].to_numpy(np.float64)
    colors = [STATUS_COLORS[int(s) - 1] if np.isfinite(s) else "#cccccc" for s in status]
    figures = [(t["index_map"], render_map(regions, colors=colors, outlines=[outline],
                                           width_px=520))]
    for key in keys:
        scale = 100.0 if unit.get(key, "").startswith("Anteil") else 1.0
        shown = regions[["geometry"]].copy()
        shown["v"] = regions[key].to_numpy(np.float64) * scale
        title = label.get(key, key) + (" (%)" if scale == 100.0 else "")
        figures.append((title, render_map(shown, column="v", outlines=[outline],
                                          width_px=520, legend_title=None)))
    legend = " ".join(f'<span class="badge" style="background:{c}">{_e(n)}</span>'
                      for c, n in zip(STATUS_COLORS, t["status_names"], strict=True))
    items = "".join(f'<figure><img class="map" alt="{_e(title)}" src="{data_uri(png)}">'
                    f"<figcaption>{_e(title)}{'<br>' + legend if i == 0 else ''}"
                    "</figcaption></figure>" for i, (title, png) in enumerate(figures))
    return f'<h2 id="themes">{_e(t["themes"])}</h2><div class="grid">{items}</div>'


def _has_types(regions) -> bool:
    return {"typ", "typ_name"} <= set(regions.columns) and regions["typ"].notna().all()


def _types(regions, outline, catalog, t) -> str:
    """The typology: a map coloured by type with its legend, and the table of types."""
    table = describe_types(regions, catalog, residents="einwohner")
    typ = regions["typ"].to_numpy(np.int64)
    colors = [TYPE_COLORS[(i - 1) % len(TYPE_COLORS)] for i in typ]
    png = render_map(regions, colors=colors, outlines=[outline], width_px=900)
    legend = " ".join(
        f'<span class="badge" style="background:{TYPE_COLORS[(int(r.typ) - 1) % len(TYPE_COLORS)]}"'
        f'>{int(r.typ)}: {_e(r.typ_name)}</span>' for r in table.itertuples())
    heads = "".join(f"<th>{_e(h)}</th>" for h in t["types_head"])
    rows = "".join(
        f'<tr id="typ-{int(r.typ)}"><td class="n">{int(r.typ)}</td><td>{_e(r.typ_name)}</td>'
        f'<td class="n">{int(r.sozialraeume)}</td><td class="n">{_num(r.einwohner, 0)}</td>'
        f'<td style="white-space:normal">{_e(r.merkmale)}</td></tr>'
        for r in table.itertuples())
    return (f'<h2 id="types">{_e(t["types"])}</h2><p>{_e(t["types_intro"])}</p>'
            f'<figure><img class="map" id="type-map" alt="{_e(t["type_map"])}" '
            f'src="{data_uri(png)}"><figcaption>{_e(t["type_map"])}<br>{legend}'
            f'</figcaption></figure><table id="types-table"><thead><tr>{heads}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _table(regions, t, keys, label, unit) -> str:
    cols = [("sr_id", t["id"], "txt"), ("name", t["name"], "txt"),
            ("einwohner", t["residents"], "num"), ("flaeche_km2", t["area"], "num"),
            ("social_index", t["index"], "num"), ("status_class", t["status"], "num")]
    if _has_types(regions):
        cols.append(("typ", t["type"], "num"))
    cols += [(k, label.get(k, k), "num") for k in keys]
    head = "".join(f'<th data-col="{c}" data-type="{kind}">{_e(title)}</th>'
                   for c, title, kind in cols)
    rows = []
    for _, row in regions.iterrows():
        cells = []
        for c, _, kind in cols:
            v = row[c]
            if c == "status_class":
                shown = _status_name(v, t)
            elif c == "typ":
                shown = f"{int(v)}: {row['typ_name']}"
            elif kind == "num":
                shown = _fmt(v, unit.get(c, ""), c)
            else:
                shown = str(v)
            sort = "" if v is None or (kind == "num" and not np.isfinite(_float(v))) else v
            cls = ' class="n"' if kind == "num" else ""
            cells.append(f'<td{cls} data-v="{_e(str(sort))}">{_e(shown)}</td>')
        rows.append(f'<tr id="row-{_e(row["sr_id"])}">{"".join(cells)}</tr>')
    return (f'<h2 id="table">{_e(t["table"])}</h2><p>{_e(t["sort_hint"])}</p>'
            f'<div style="overflow-x:auto;max-height:70vh"><table id="profiles"><thead><tr>'
            f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


def _spaces(regions, t, keys, label, unit, county_values) -> str:
    geoms = shapely.simplify(regions.geometry.values, 20.0)
    tree = shapely.STRtree(geoms)
    out = [f'<h2 id="spaces">{_e(t["spaces"])}</h2>']
    for i, row in regions.iterrows():
        svg = _region_svg(geoms, tree, i)
        lines = "".join(
            f"<tr><td>{_e(label.get(k, k))}</td><td class='n'>{_e(_fmt(row[k], unit[k], k))}"
            f"</td><td class='n'>{_e(_fmt(county_values.get(k, np.nan), unit[k], k))}</td>"
            f"<td class='n'>{_e(_rank(row.get(k + '_rank')))}</td></tr>" for k in keys)
        out.append(
            f'<section class="sr" id="{_e(row["sr_id"])}"><h3>{_e(row["name"])} '
            f'<small>({_e(row["sr_id"])})</small></h3><div>{svg}<p>'
            f"{_e(t['residents'])}: <b>{_num(row['einwohner'], 0)}</b><br>"
            f"{_e(t['area'])}: {_num(row['flaeche_km2'], 1)}<br>"
            f"{_e(t['index'])}: {_num(row['social_index'], 2)} "
            f"({_e(t['status'])} {_e(_status_name(row['status_class'], t))})<br>"
            + (f"{_e(t['type'])}: {int(row['typ'])} ({_e(row['typ_name'])})<br>"
               if _has_types(regions) else "")
            + f"{_e(t['municipalities'])}: {_e(row['gemeinden'])}</p></div>"
            f"<table><thead><tr><th>{_e(t['indicator'])}</th><th>{_e(t['value'])}</th>"
            f"<th>{_e(t['county'])}</th><th>{_e(t['rank'])}</th></tr></thead>"
            f"<tbody>{lines}</tbody></table></section>")
    return "\n".join(out)


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
    cols = ("sr_id", "aenderung", "einwohner_abgegeben", "einwohner_aufgenommen", "an", "von",
            "grund")
    rows = "".join(
        "<tr>" + "".join(f"<td>{_num(r[c], 0) if c.startswith('einwohner') else _e(r[c])}</td>"
                         for c in cols) + "</tr>" for _, r in changed.iterrows())
    heads = "".join(f"<th>{_e(h)}</th>" for h in t["changes_head"])
    return (head + f"<p>{summary}</p><table><thead><tr>{heads}</tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _method(publication, catalog, t) -> str:
    meta = publication.metadata
    files = "".join(f"<tr><td>{_e(role)}</td><td>{_e(v['path'])}</td>"
                    f"<td><code>{_e(v['sha256'][:16])}…</code></td></tr>"
                    for role, v in meta.get("eingangsdateien", {}).items())
    params = _kv(meta.get("parameter", {}))
    quality = _kv(meta.get("qualitaet", {}) | {f"tiling_{k}": v for k, v in
                                                meta.get("kachelung", {}).items()})
    from pipeline.publish.publication import used_sources

    skipped = meta.get("nicht_berechnet", {})
    units = meta.get("einheiten") == "polygone"
    sources = "".join(f"<li>{_e(s)}</li>" for s in used_sources(catalog, skipped, units=units))
    index_empty = ("social_index" in publication.regions.columns
                   and not publication.regions["social_index"].notna().any())
    not_computed = "" if not skipped and not index_empty else (
        f"<h3>{_e(t['skipped'])}</h3><ul>"
        + "".join(f"<li><code>{_e(k)}</code>: {_e(v)}</li>" for k, v in skipped.items())
        + (f"<li>{_e(t['index_empty'])}</li>" if index_empty else "") + "</ul>")
    versions = ", ".join(f"{k} {v}" for k, v in meta.get("versionen", {}).items())
    return (f'<h2 id="method">{_e(t["method"])}</h2><p>{_e(t["notes"])}</p>'
            + _index_method(publication.regions, catalog, t)
            + f"<h3>{_e(t['inputs'])}</h3><table><tr><th>{_e(t['role'])}</th>"
            f"<th>{_e(t['file'])}</th>"
            f"<th>SHA-256</th></tr>{files}</table>"
            f"<h3>{_e(t['parameters'])}</h3>{params}<h3>{_e(t['quality'])}</h3>{quality}"
            f"<h3>{_e(t['sources'])}</h3><ul>{sources}</ul>{not_computed}"
            f"<p><small>{_e(versions)}; SHA-256 "
            f"{_e(str(meta.get('eingangsdaten_sha256', ''))[:16])}</small></p>")


def _index_method(regions, catalog, t) -> str:
    """How the social index and the typology are built, in prose, from the catalog."""
    members = [i for i in catalog if i.in_index and f"{i.key}_z" in regions.columns]
    german = t["index"] == _TEXT["de"]["index"]
    label = {i.key: i.label_de if german else i.label_en for i in catalog}
    listed = ", ".join(f"{label[i.key]} ({t['more_need'] if i.direction > 0 else t['less_need']})"
                       for i in members)
    lo, mid, hi = (_num(v, 1).replace("-", "−") for v in ProfileParams().thresholds)
    names = t["status_names"]
    classes = "; ".join(r.format(names[0], lo, names[1], mid, names[2], hi, names[3])
                        for r in t["class_ranges"])
    text = (f'<h3 id="index-method">{_e(t["index_method_head"])}</h3><p>'
            + _e(t["index_method"].format(members=listed or "–", n=len(regions),
                                          classes=classes)) + "</p>")
    if not _has_types(regions):
        return text
    from sklearn.metrics import silhouette_score

    params = TypologyParams()
    keys = [k for k in catalog.keys if f"{k}_z" in regions.columns]
    features = regions[[f"{k}_z" for k in keys]].astype(float).fillna(0.0).to_numpy()
    typ = regions["typ"].to_numpy(np.int64)
    k = len(np.unique(typ))
    sil = _num(silhouette_score(features, typ), 2) if 1 < k < len(regions) else "–"
    how = t[params.method].format(seed=params.random_state)
    return text + (f'<h3 id="types-method">{_e(t["types"])}</h3><p>'
                   + _e(t["types_method"].format(m=len(keys), how=how, lo=params.k_range[0],
                                                 hi=params.k_range[1], k=k, sil=sil))
                   + "</p>")


# --- helpers ------------------------------------------------------------------------------


def _region_svg(geoms, tree, i: int, size: int = 300) -> str:
    """The region and its neighbours around it as inline SVG."""
    minx, miny, maxx, maxy = shapely.bounds(geoms[i])
    pad = 0.15 * max(maxx - minx, maxy - miny, 500.0)
    box = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    span = max(box[2] - box[0], box[3] - box[1])
    scale = size / span
    near = tree.query(shapely.box(*box))
    paths = []
    for j in sorted(near.tolist(), key=lambda j: j == i):
        fill, stroke = ("#e6550d", "#7f2704") if j == i else ("#eeeeee", "#999999")
        d = _path(geoms[j], box[0], box[3], scale)
        paths.append(f'<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="0.8" '
                     'fill-rule="evenodd"/>')
    h = int(np.ceil((box[3] - box[1]) * scale))
    w = int(np.ceil((box[2] - box[0]) * scale))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" style="background:#fafafa">{"".join(paths)}</svg>')


def _path(geom, x0: float, y1: float, scale: float) -> str:
    out = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            px = (xy[:, 0] - x0) * scale
            py = (y1 - xy[:, 1]) * scale
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
            out.append(f"M{pts}Z")
    return "".join(out)


def _kv(values: Mapping) -> str:
    rows = "".join(f"<tr><td>{_e(str(k))}</td><td>{_e(_show(v))}</td></tr>"
                   for k, v in values.items())
    return f"<table>{rows}</table>"


def _show(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _float(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _fmt(v, unit: str, key: str) -> str:
    x = _float(v)
    if not np.isfinite(x):
        return "–"
    if unit.startswith("Anteil"):
        return f"{_num(100 * x, 1)} %"
    if key in ("einwohner",):
        return _num(x, 0)
    digits = 0 if abs(x) >= 1000 else 2 if abs(x) < 10 else 1
    return _num(x, digits)


def _num(v, digits: int) -> str:
    x = _float(v)
    if not np.isfinite(x):
        return "–"
    return f"{x:,.{digits}f}".replace(",", " ").replace(".", ",")


def _rank(v) -> str:
    x = _float(v)
    return str(int(x)) if np.isfinite(x) else "–"


def _status_name(v, t) -> str:
    x = _float(v)
    return t["status_names"][int(x) - 1] if np.isfinite(x) and 1 <= x <= 4 else "–"


def _e(text) -> str:
    return html.escape(str(text), quote=True)

