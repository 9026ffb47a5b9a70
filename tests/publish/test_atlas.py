"""The offline atlas: built from a small synthetic publication and driven in Chromium.

Test matrix
-----------
- Self-contained: no ``http://``, ``https://`` or ``//`` in ``src``, ``href`` or ``url()``,
  no external script or style; the same input gives the same bytes.
- The indicator ``<select>`` is grouped by theme, with the social index first.
- The public edition leaves out every indicator marked ``internal: true`` (key, label,
  values); the catalog accepts ``internal`` and rejects a non-boolean.
- Headless Chromium (Debian ``chromium``; skipped with a reason where it is missing):

  * ``?ind=<key>`` on load colours the paths by that indicator: two indicators give
    different fills, and the legend shows the county value with a decimal comma;
  * ``?selftest`` runs the interactions inside the page and writes the result into
    ``#selftest-result``, read from ``--dump-dom``: switching the indicator in the
    ``<select>`` (a ``change`` event) changes the fills; a click where a space is drawn
    (the element found by ``document.elementFromPoint`` at a point inside the space, so
    hit testing is real, then ``mouseover``/``click`` events on it) shows its tooltip
    and opens its profile with the z-value bars; the search field highlights and opens
    a space; and no error was reported. Errors are collected by a script in ``<head>``
    that runs before anything else (``error`` events, including failed resource loads,
    unhandled rejections and ``console.error``); a test injects errors to show they are
    caught. This is more robust than driving the DevTools protocol over a websocket (no
    port, no timing between processes, no extra dependency): one Chromium process per
    test that exits when the page has loaded.
  * a screenshot shows the map in colour;
  * levels, time comparison and facilities in one ``?selftest`` run on a grid county
    (about 3,600 cells in EPSG:3035 over the six spaces, two municipalities): at the
    municipal level the spaces are hidden and the municipal outlines are filled, two
    indicators fill them differently, a hit-tested click opens the municipality's
    profile; at the cell level the canvas is drawn, the pixel at a cell's centre has the
    colour of the cell's class (computed here from the data) and changes with the
    indicator, a click on a cell opens its social space; the comparison with an earlier
    run recolours the spaces; the facility points are drawn and can be hidden;
  * a click on a facility opens its space; the blocks level of a county on polygon
    units draws and hit-tests the unit paths;
  * no external request: the page's content security policy forbids every fetch, its
    resource timing lists none (Chromium run with every host name unresolvable), and an
    image slipped into the page is blocked and reported.
- Data, checked against direct computations: cell values encoded as uint16 steps decode
  to the published cell layer's values, blank exactly under the disclosure floor (3
  residents), grid indices and the affine map place a cell's corner where it projects;
  municipal values are ratios of the sums of the municipality's cells; the comparison
  is now minus then, for the spaces whose ID the earlier run had; facility counts per
  space equal a point-in-polygon count, per 1,000 children under 6 from the cells' age
  groups.
- The public edition also leaves out what the county marks internal (an indicator, the
  facilities, the municipal level).
"""

import base64
import dataclasses
import json
import re
from html import unescape

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from pipeline.crs import GRID_CRS
from pipeline.errors import CatalogError
from pipeline.indicators.catalog import load_catalog
from pipeline.publish._atlas_levels import BLANK, comparisons
from pipeline.publish.atlas import CLASS_COLORS, _View, build_atlas, write_atlas
from pipeline.publish.publication import MIN_CELL_RESIDENTS, Publication, _cell_layer
from pipeline.publish.styles import region_colors
from pipeline.publish.tiling import TilingReport
from tests.helpers import run_chromium

KEYS = ["anteil_unter18", "anteil_65plus", "durchschnittsalter", "sgb2_quote_gem"]
NAMES = ["Rurstadt-Nord", "Rurstadt-Mitte", "Jülfeld", "Nideck", "Tiltzdorf", "Aldenrath"]
SVG_NS = "http://www.w3.org/2000/svg"


def _publication() -> tuple[Publication, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    boxes = [shapely.box(320_000 + i * 2000, 5_620_000 + j * 3000,
                         322_000 + i * 2000, 5_623_000 + j * 3000)
             for j in range(2) for i in range(3)]
    n = len(boxes)
    rng = np.random.default_rng(3)
    columns = {}
    for key in KEYS:
        values = (rng.uniform(0.05, 0.3, n) if key != "durchschnittsalter"
                  else rng.uniform(38, 48, n))
        columns[key] = values
        columns[f"{key}_z"] = (values - values.mean()) / values.std()
        columns[f"{key}_rank"] = (np.argsort(np.argsort(-values)) + 1).astype(float)
    regions = gpd.GeoDataFrame({
        "sr_id": [f"SR-05399-{i + 1:03d}" for i in range(n)], "name": NAMES,
        "einwohner": [4200.0, 8100.0, 2600.0, 5300.0, 3900.0, 7000.0],
        "flaeche_km2": [6.0] * n,
        "gemeinden": ["Rurstadt", "Rurstadt; Jülfeld", "Jülfeld", "Nideck", "Tiltzdorf",
                      "Aldenrath"],
        **columns,
        "social_index_z": [-1.2, 0.0, 0.3, 1.2, 2.0, np.nan],
        "status_class": [1.0, 2.0, 2.0, 3.0, 4.0, np.nan],
        "typ": [1, 2, 2, 1, 3, 3],
        "typ_name": ["Familien", "Ältere", "Ältere", "Familien", "Städtisch", "Städtisch"],
    }, geometry=boxes, crs="EPSG:25832")
    regions["farbe"] = region_colors(regions.geometry.values)
    county = gpd.GeoDataFrame(geometry=[shapely.union_all(boxes)], crs="EPSG:25832")
    munis = gpd.GeoDataFrame({"name": ["Rurstadt", "Nideck"]},
                             geometry=[shapely.box(320_000, 5_620_000, 324_000, 5_626_000),
                                       shapely.box(324_000, 5_620_000, 326_000, 5_626_000)],
                             crs="EPSG:25832")
    tiling = TilingReport(n, 36e6, 36e6, 0.0, 0.0, 0.0, 0, True, 50.0, 0)
    values = {"anteil_unter18": 0.16, "anteil_65plus": 0.21, "durchschnittsalter": 43.2,
              "sgb2_quote_gem": 0.08}
    return Publication(regions, {}, {}, {}, {}, tiling, values), munis, county


def _catalog(internal=()):
    catalog = load_catalog().only(KEYS)
    return dataclasses.replace(catalog, indicators=tuple(
        dataclasses.replace(i, internal=i.key in internal) for i in catalog))


def _atlas(**kwargs) -> str:
    pub, munis, county = _publication()
    return build_atlas(pub, kwargs.pop("catalog", _catalog()), munis, county,
                       county_name="Kreis Rurtal", **kwargs)


def test_atlas_is_self_contained_and_deterministic():
    text = _atlas()
    assert text.startswith("<!DOCTYPE html>") and '<html lang="de">' in text
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(https?:)?//""", text, re.I)
    assert "http://" not in text.replace(SVG_NS, "") and "https://" not in text
    assert not re.search(r"<script[^>]+src|<link|@import", text, re.I)
    assert text == _atlas()
    assert text.count('<path data-i="') == 6  # one path per social space
    assert "Rurstadt</text>" in text and "Nideck</text>" in text  # municipal names on top
    paths = re.findall(r'<path data-i="\d" id="[^"]+" d="([^"]+)"', text)
    numbers = re.findall(r"-?\d+(?:\.\d+)?", " ".join(paths))
    assert all(len(n.partition(".")[2]) <= 1 for n in numbers)  # rounded to 0.1 unit


def test_select_is_grouped_by_theme():
    text = _atlas()
    start = text.index('<select id="indicator">')
    select = text[start:text.index("</select>", start)]
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups == ["Sozialindex", "Alter", "Einkommen und Grundsicherung"]
    options = re.findall(r'<option value="([^"]+)">', select)
    assert options == ["status_class", "social_index_z", "typ", "anteil_unter18",
                       "anteil_65plus", "durchschnittsalter", "sgb2_quote_gem"]
    assert "Statusklassen" in select


def test_public_edition_leaves_out_internal_indicators():
    catalog = _catalog(internal=("sgb2_quote_gem",))
    label = catalog["sgb2_quote_gem"].label_de
    full = _atlas(catalog=catalog)
    public = _atlas(catalog=catalog, public=True)
    assert "sgb2_quote_gem" in full and label in full
    assert "sgb2_quote_gem" not in public and label not in public
    assert "öffentliche Ausgabe" in public and "anteil_unter18" in public
    data = json.loads(unescape(re.search(
        r'<script type="application/json" id="atlas-data">(.*?)</script>', public).group(1)))
    assert [layer["key"] for layer in data["layers"]] == [
        "status_class", "social_index_z", "typ", "anteil_unter18", "anteil_65plus",
        "durchschnittsalter"]


def test_catalog_field_internal(tmp_path):
    text = (
        "indicators:\n"
        "  - {key: anteil_x, label_de: X, label_en: X, theme: age, kind: share,\n"
        "     source: zensus, level: cell, unit: Anteil (0-1), numerator: a,\n"
        "     denominator: b, internal: %s}\n")
    path = tmp_path / "catalog.yaml"
    path.write_text(text % "true", encoding="utf-8")
    assert load_catalog(path)["anteil_x"].internal is True
    assert load_catalog()["anteil_unter18"].internal is False  # default
    path.write_text(text % "'ja'", encoding="utf-8")
    with pytest.raises(CatalogError, match="internal must be true or false"):
        load_catalog(path)


# --- Chromium ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def atlas(tmp_path_factory):
    pub, munis, county = _publication()
    path = tmp_path_factory.mktemp("atlas") / "sozialraumatlas.html"
    return write_atlas(path, pub, _catalog(), munis, county, county_name="Kreis Rurtal")


def _chromium(binary, tmp_path, *args):
    return run_chromium(binary, tmp_path, "--window-size=1400,900", *args)


def _fills(dom: str) -> list[str]:
    return re.findall(r'<path data-i="\d+"[^>]*? fill="(#[0-9a-f]{6})"', dom)


def _selftest(binary, tmp_path, uri: str, *args) -> dict:
    dom = _chromium(binary, tmp_path, *args, "--dump-dom", uri + "?selftest")
    assert 'data-selftest="done"' in dom, dom[-3000:]
    found = re.search(r'<pre id="selftest-result"[^>]*>(.*?)</pre>', dom, re.S)
    return json.loads(unescape(found.group(1)))


def test_indicator_from_the_address_colours_the_map(chromium, atlas, tmp_path):
    young = _chromium(chromium, tmp_path, "--dump-dom", atlas.as_uri() + "?ind=anteil_unter18")
    old = _chromium(chromium, tmp_path, "--dump-dom", atlas.as_uri() + "?ind=anteil_65plus")
    assert len(_fills(young)) == len(_fills(old)) == 6
    assert _fills(young) != _fills(old)
    assert "Kreiswert: 16,0 %" in young and "Kreiswert: 21,0 %" in old


def test_interactions_in_the_page(chromium, atlas, tmp_path):
    result = _selftest(chromium, tmp_path, atlas.as_uri())
    assert "exception" not in result, result["exception"]
    assert result["errors"] == []
    layers = {layer["key"]: layer["fills"] for layer in result["layers"]}
    assert list(layers) == ["status_class", "social_index_z", "typ", *KEYS]
    assert layers["typ"][1] == layers["typ"][2] != layers["typ"][0]  # by type
    assert layers["anteil_unter18"] != layers["anteil_65plus"]  # switching changes fills
    assert layers["status_class"] == result["fills_before"]  # the default layer
    clicked = result["clicked"]
    assert clicked is not None
    name = NAMES[int(clicked[-3:]) - 1]
    assert result["tooltip"].startswith(name + ":")
    profile = result["profile"]
    assert profile["sr"] == clicked and profile["title"] == name
    assert profile["bars"] == len(KEYS)  # one z-value bar per indicator
    assert "Einwohner" in profile["text"] and "Kreis" in profile["text"]
    assert result["closed"] is True
    assert result["search"] == {"name": NAMES[-1], "hits": ["SR-05399-006"],
                                "profile": "SR-05399-006"}


def test_errors_in_the_page_are_caught(chromium, tmp_path):
    pub, munis, county = _publication()
    text = build_atlas(pub, _catalog(), munis, county, county_name="Kreis Rurtal")
    broken = text.replace('<pre id="selftest-result"',
                          "<script>console.error('kaputt');undefinedFunction();</script>"
                          '<img src="missing.png" alt=""><pre id="selftest-result"')
    path = tmp_path / "broken.html"
    path.write_text(broken, encoding="utf-8")
    errors = _selftest(chromium, tmp_path, path.as_uri())["errors"]
    assert "kaputt" in errors and any("undefinedFunction" in e for e in errors)
    assert any("missing.png" in e for e in errors)


def test_screenshot_shows_the_map(chromium, atlas, tmp_path):
    from PIL import Image

    shot = tmp_path / "shot.png"
    _chromium(chromium, tmp_path, "--hide-scrollbars", f"--screenshot={shot}",
              atlas.as_uri() + "?ind=durchschnittsalter")
    image = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert image.shape[:2] == (900, 1400)
    area = image[80:880, 320:1380]  # right of the side bar, below the header
    coloured = (area.max(axis=2) - area.min(axis=2)) > 40
    assert coloured.mean() > 0.15, coloured.mean()


# --- levels, time comparison, facilities --------------------------------------------------

AGE_GROUPS = ("unter5", "a5bis9", "a10bis14", "a15bis19", "a20bis24")


@pytest.fixture(scope="module")
def grid():
    """The six spaces on 100 m cells of EPSG:3035, two municipalities, earlier runs, points.

    Returns (publication, municipalities, county, inputs) with ``inputs`` the keyword
    arguments of :func:`build_atlas`: cells, cell indicators, history and facilities.
    """
    pub, _, county = _publication()
    munis = gpd.GeoDataFrame(
        {"ags": ["05399001", "05399002"], "name": ["Rurstadt", "Nideck"]},
        geometry=[shapely.box(320_000, 5_620_000, 324_000, 5_626_000),
                  shapely.box(324_000, 5_620_000, 326_000, 5_626_000)], crs="EPSG:25832")
    to_grid = Transformer.from_crs("EPSG:25832", GRID_CRS, always_xy=True)
    to_county = Transformer.from_crs(GRID_CRS, "EPSG:25832", always_xy=True)
    gx, gy = to_grid.transform([320_000, 326_000, 320_000, 326_000],
                               [5_620_000, 5_620_000, 5_626_000, 5_626_000])
    xs = np.arange(np.floor(min(gx) / 100) * 100, max(gx), 100.0)
    ys = np.arange(np.floor(min(gy) / 100) * 100, max(gy), 100.0)
    x, y = (a.ravel() for a in np.meshgrid(xs, ys))
    cx, cy = to_county.transform(x + 50, y + 50)
    cx, cy = np.asarray(cx), np.asarray(cy)
    inside = (cx > 320_000) & (cx < 326_000) & (cy > 5_620_000) & (cy < 5_626_000)
    x, y, cx, cy = x[inside], y[inside], cx[inside], cy[inside]
    label = ((cx - 320_000) // 2000).astype(int) + 3 * ((cy - 5_620_000) // 3000).astype(int)
    n = len(x)
    rng = np.random.default_rng(7)
    residents = rng.integers(1, 40, n).astype(float)
    cells = pd.DataFrame({"cell_id": [f"c{i}" for i in range(n)], "x": x, "y": y,
                          "ags": np.where(cx < 324_000, "05399001", "05399002"),
                          "Einwohner": residents})
    for group in AGE_GROUPS:
        cells[group] = rng.binomial(residents.astype(int), 0.06).astype(float)
    table = cells[["cell_id", "x", "y", "ags", "Einwohner"]].copy()
    for key in KEYS:
        den = residents.copy()
        share = 0.3 - 0.1 * label / 5 if key == "anteil_65plus" else 0.1 + 0.1 * label / 5
        num = (rng.uniform(38, 48, n) * den if key == "durchschnittsalter"
               else rng.binomial(residents.astype(int), share).astype(float))
        table[f"{key}_num"], table[f"{key}_den"] = num, den
        table[key] = num / den
    table["anteil_unter6_num"] = rng.binomial(residents.astype(int), 0.06).astype(float)
    ids = pub.regions["sr_id"].to_numpy()
    cell_layer = _cell_layer(ids, cells, label, table, _catalog())
    pub = dataclasses.replace(pub, layers={"zellen": cell_layer})
    regions = pub.regions
    history = []
    for run, when, shift, keep in (("alt", "2025-03-01", 0.02, 5), ("neu", "2026-01-15", 0.01, 6)):
        for key in ("anteil_unter18", "durchschnittsalter"):
            history.append(pd.DataFrame({
                "run_id": run, "published_at": pd.Timestamp(when),
                "sr_id": regions["sr_id"].iloc[:keep], "indicator": key,
                "value": regions[key].iloc[:keep] - shift}))
    # facilities: kita counts 3, 0, 1, 2, 0, 1 in the six boxes, two schools, one centre
    kitas = {0: 3, 2: 1, 3: 2, 5: 1}
    points, kinds = [], []
    for space, count in kitas.items():
        x0, y0 = 320_000 + (space % 3) * 2000, 5_620_000 + (space // 3) * 3000
        for j in range(count):
            points.append(shapely.Point(x0 + 300 + 400 * j, y0 + 500))
            kinds.append("kita")
    points += [shapely.Point(321_000, 5_624_000), shapely.Point(325_500, 5_621_000),
               shapely.Point(323_000, 5_625_500)]
    kinds += ["schule", "schule", "jugend"]
    facilities = gpd.GeoDataFrame({"art": kinds, "art_text": kinds,
                                   "name": [f"Einrichtung {i}" for i in range(len(kinds))]},
                                  geometry=points, crs="EPSG:25832")
    inputs = {"cells": cells, "cell_indicators": table,
              "history": pd.concat(history, ignore_index=True), "facilities": facilities}
    return pub, munis, county, inputs


def _data(text: str) -> dict:
    return json.loads(unescape(re.search(
        r'<script type="application/json" id="atlas-data">(.*?)</script>', text).group(1)))


def _grid_atlas(grid, **kwargs) -> str:
    pub, munis, county, inputs = grid
    return build_atlas(pub, _catalog(), munis, county, county_name="Kreis Rurtal",
                       **(inputs | kwargs))


@pytest.fixture(scope="module")
def grid_text(grid):
    return _grid_atlas(grid)


def _u16(text: str, dtype: str = "<u2") -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def test_cells_decode_to_the_cell_layer_and_are_blank_under_the_floor(grid, grid_text):
    pub, munis, county, inputs = grid
    data = _data(grid_text)
    assert [lv["key"] for lv in data["levels"]] == ["sr", "gem", "cell"]
    layer = pub.layers["zellen"]
    small = inputs["cells"]["Einwohner"].to_numpy() < MIN_CELL_RESIDENTS
    assert small.any() and not small.all()
    by_key = {lr["key"]: lr for lr in data["layers"]}
    assert "cell" not in by_key["sgb2_quote_gem"]  # municipal values have no cell level
    for key, factor in (("anteil_unter18", 100.0), ("durchschnittsalter", 1.0)):
        cell = by_key[key]["cell"]
        codes = _u16(cell["q"])
        assert len(codes) == len(layer)
        np.testing.assert_array_equal(codes == BLANK, small)
        decoded = cell["offset"] + codes[~small] * cell["step"]
        expected = layer[key].to_numpy()[~small] * factor
        assert np.abs(decoded - expected).max() <= cell["step"] / 2 + 1e-9
    cells = data["cells"]
    ix, iy = _u16(cells["ix"], "<i2"), _u16(cells["iy"], "<i2")
    x, y = inputs["cells"]["x"].to_numpy(), inputs["cells"]["y"].to_numpy()
    np.testing.assert_array_equal(ix, (x - x.min()) / 100)
    np.testing.assert_array_equal(iy, (y - y.min()) / 100)
    # the affine map puts a cell's upper-right corner where it projects
    view = _View.around(pub.regions, county)
    k = len(x) // 2
    ex, ey = Transformer.from_crs(GRID_CRS, "EPSG:25832", always_xy=True).transform(
        x[k] + 100, y[k] + 100)
    a, b, c, d, e, f = cells["affine"]
    gx, gy = ix[k] + 1, iy[k] + 1
    assert abs(a * gx + c * gy + e - (ex - view.x0) * view.scale) < 0.01
    assert abs(b * gx + d * gy + f - (view.y1 - ey) * view.scale) < 0.01
    sr = _u16(cells["sr"])
    assert [data["spaces"][i]["id"] for i in sr[:5]] == layer["sr_id"].iloc[:5].tolist()


def test_municipal_values_are_ratios_of_the_cells_sums(grid, grid_text):
    _, munis, _, inputs = grid
    data = _data(grid_text)
    table = inputs["cell_indicators"]
    assert [m["name"] for m in data["munis"]] == ["Rurstadt", "Nideck"]
    by_key = {lr["key"]: lr for lr in data["layers"]}
    for m, ags in enumerate(munis["ags"]):
        mine = table["ags"] == ags
        assert data["munis"][m]["einwohner"] == table.loc[mine, "Einwohner"].sum()
        share = table.loc[mine, "anteil_65plus_num"].sum() / table.loc[mine, "anteil_65plus_den"].sum()
        assert by_key["anteil_65plus"]["gem"]["values"][m] == pytest.approx(100 * share, abs=1e-4)
    assert '<path data-m="1"' in grid_text


def test_time_comparison_is_now_minus_then_for_persisting_ids(grid, grid_text):
    pub = grid[0]
    data = _data(grid_text)
    runs = data["compare"]
    assert [(r["run"], r["date"], r["matched"]) for r in runs] == [
        ("neu", "15.01.2026", 6), ("alt", "01.03.2025", 5)]
    delta = runs[1]["changes"]["anteil_unter18"]["delta"]
    assert delta[:5] == pytest.approx([2.0] * 5) and delta[5] is None  # percentage points
    assert runs[0]["changes"]["durchschnittsalter"]["delta"] == pytest.approx([0.01] * 6)
    assert "anteil_65plus" not in runs[0]["changes"]  # not in that history
    start = grid_text.index('<select id="compare">')
    select = grid_text[start:grid_text.index("</select>", start)]
    assert select.count("<option") == 3 and "seit 01.03.2025 (5 mit gleicher Kennung)" in select
    alone = _grid_atlas(grid, history=None)
    assert '<select id="compare">' not in alone and "nichts zu vergleichen" in alone
    assert pub.regions["sr_id"].iloc[5] == "SR-05399-006"


def test_facilities_per_space_against_a_direct_count(grid, grid_text):
    pub, _, _, inputs = grid
    data = _data(grid_text)
    facilities, cells = inputs["facilities"], inputs["cells"]
    kinds = {k["key"]: k for k in data["facilities"]["kinds"]}
    assert list(kinds) == ["kita", "schule", "jugend"]
    polygons = pub.regions.geometry.values
    for key, kind in kinds.items():
        points = facilities.geometry.values[facilities["art"].to_numpy() == key]
        direct = [int(shapely.contains(poly, points).sum()) for poly in polygons]
        assert kind["count"] == direct
    assert kinds["kita"]["count"] == [3, 0, 1, 2, 0, 1]
    # per 1,000 children under 6: the stabilised numerator of anteil_unter6 of its cells;
    # youth centres per 1,000 of 12-20 (five-year groups) scaled by stabilised/published
    # under-18s of the space
    label = pub.layers["zellen"]["sr_id"].to_numpy()
    table = inputs["cell_indicators"]
    youth = 0.6 * cells["a10bis14"] + cells["a15bis19"] + 0.2 * cells["a20bis24"]
    shown = cells["unter5"] + cells["a5bis9"] + cells["a10bis14"] + 0.6 * cells["a15bis19"]
    for i, sr in enumerate(pub.regions["sr_id"]):
        mine = label == sr
        under6 = table.loc[mine, "anteil_unter6_num"].sum()
        assert kinds["kita"]["rate"][i] == pytest.approx(1000 * direct_kita(i) / under6,
                                                         abs=0.01)
        group = youth[mine].sum() * table.loc[mine, "anteil_unter18_num"].sum() / shown[mine].sum()
        assert kinds["jugend"]["rate"][i] == pytest.approx(
            1000 * kinds["jugend"]["count"][i] / group, abs=0.01)
    assert sum(kinds["jugend"]["count"]) == 1
    assert grid_text.count("<circle data-f=") == len(facilities)
    assert "je 1.000 Kinder unter 6 Jahren" in grid_text


def direct_kita(i: int) -> int:
    return {0: 3, 2: 1, 3: 2, 5: 1}.get(i, 0)


def test_public_edition_leaves_out_what_the_county_marks_internal(grid, grid_text):
    label = _catalog()["anteil_65plus"].label_de
    internal = ("anteil_65plus", "einrichtungen", "gemeinden")
    full = _grid_atlas(grid, internal=internal)
    public = _grid_atlas(grid, internal=internal, public=True)
    assert full == grid_text  # internal only matters for the public edition
    assert "anteil_65plus" in full and label in full and "<circle" in full
    page = public[:public.index('<script type="application/json"')]  # before data, script
    assert "anteil_65plus" not in public and label not in public
    assert "<circle" not in page and "Einrichtungen" not in page and "je1000_" not in page
    data = _data(public)
    assert "facilities" not in data and [lv["key"] for lv in data["levels"]] == ["sr", "cell"]


@pytest.fixture(scope="module")
def grid_atlas(grid, tmp_path_factory):
    pub, munis, county, inputs = grid
    path = tmp_path_factory.mktemp("grid") / "sozialraumatlas.html"
    return write_atlas(path, pub, _catalog(), munis, county, county_name="Kreis Rurtal",
                       **inputs)


def _class_color(layer_cell: dict, value: float) -> str:
    k = sum(value >= b for b in layer_cell["breaks"])
    return layer_cell["colors"][k]


def test_levels_comparison_and_facilities_in_the_page(chromium, grid, grid_atlas, tmp_path):
    result = _selftest(chromium, tmp_path, grid_atlas.as_uri())
    assert "exception" not in result, result["exception"]
    assert result["errors"] == []
    levels = result["levels"]
    assert list(levels) == ["sr", "gem", "cell"]
    assert levels["sr"]["spaces_shown"] and not levels["sr"]["canvas_shown"]
    gem = levels["gem"]
    assert not gem["spaces_shown"] and not gem["canvas_shown"]
    assert all(len(d["fills"]) == 2 for d in gem["draws"])
    assert gem["draws"][0]["fills"] != gem["draws"][1]["fills"]  # indicator switch
    assert gem["profile"]["level"] == "gem" and gem["profile"]["title"] in ("Rurstadt", "Nideck")
    assert "Gemeinden" in gem["draws"][0]["legend"]
    cell = levels["cell"]
    assert cell["canvas_shown"] and not cell["spaces_shown"]
    data = _data(grid_atlas.read_text(encoding="utf-8"))
    by_key = {lr["key"]: lr for lr in data["layers"]}
    seen = []
    for draw in cell["draws"]:
        layer = by_key[draw["key"]]["cell"]
        codes = _u16(layer["q"])
        for i, color in draw["pixels"]:
            value = None if codes[i] == BLANK else layer["offset"] + codes[i] * layer["step"]
            assert color == (data["missing"] if value is None
                             else _class_color(layer, value)), (draw["key"], i)
        seen.append([c for _, c in draw["pixels"]])
    assert len(seen) == 2 and seen[0] != seen[1]  # the indicator changes the cells' colours
    assert set(seen[0]) <= set(CLASS_COLORS) | {data["missing"]}
    sr_of_cell = grid[0].layers["zellen"]["sr_id"].iloc[cell["cell"]]
    assert cell["profile"]["sr"] == sr_of_cell and cell["tooltip"].startswith("Zelle in ")
    compare = result["compare"][0]
    assert compare["fills"] != compare["now"] and "Veränderung seit 15.01.2026" in compare["legend"]
    assert result["facilities"]["dots"] == len(grid[3]["facilities"])
    assert "Kitas (7)" in result["facilities"]["legend"] and result["facilities"]["hidden"]
    first = grid[3]["facilities"].iloc[0]  # a kita in the first space
    assert result["facilities"]["tooltip"] == f"Kita: {first['name']}"
    assert result["facilities"]["profile"]["sr"] == "SR-05399-001"


def test_no_external_request(chromium, grid_atlas, tmp_path):
    text = grid_atlas.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I)
    assert "https://" not in text and "http://" not in text.replace(SVG_NS, "")
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    rules = "--host-resolver-rules=MAP * ~NOTFOUND"
    result = _selftest(chromium, tmp_path, grid_atlas.as_uri(), rules)
    assert result["resources"] == [] and result["errors"] == []
    # a reference slipped into the page is blocked by its policy, and reported
    broken = text.replace('<pre id="selftest-result"',
                          '<img src="https://example.invalid/logo.png" alt="">'
                          '<pre id="selftest-result"')
    path = tmp_path / "external.html"
    path.write_text(broken, encoding="utf-8")
    result = _selftest(chromium, tmp_path, path.as_uri(), rules)
    assert any("content security policy: https://example.invalid/logo.png" in e
               for e in result["errors"]), result["errors"]


def test_two_publications_on_one_day_are_told_apart_by_german_time():
    """A refresh the same day must not offer two identical "seit" choices; times are local."""
    regions = pd.DataFrame({"sr_id": ["SR-1", "SR-2"], "anteil_unter18": [0.2, 0.3]})
    history = pd.DataFrame({
        "run_id": ["a", "b", "c", "d"],
        "published_at": pd.to_datetime(["2026-12-02T07:05:00Z", "2026-12-02T15:40:10Z",
                                        "2026-11-30T23:30:00Z", "2026-12-02T15:40:50Z"]),
        "sr_id": ["SR-1", "SR-1", "SR-2", "SR-2"], "indicator": "anteil_unter18",
        "value": [0.1, 0.2, 0.3, 0.4]})
    runs = comparisons(history, regions, [{"key": "anteil_unter18", "factor": 100.0}])
    assert [(r["run"], r["date"]) for r in runs] == [
        ("d", "02.12.2026, 16:40:50 Uhr"), ("b", "02.12.2026, 16:40:10 Uhr"),
        ("a", "02.12.2026, 08:05 Uhr"),
        ("c", "01.12.2026")]  # 23:30 UTC is already the next day in Germany


def test_history_from_duckdb_feeds_the_comparison(grid, tmp_path):
    from datetime import datetime

    from assets.publish import _history
    from pipeline.layout import CountyLayout
    from pipeline.operations import append_run

    pub = grid[0]
    layout = CountyLayout(tmp_path, "sample")
    assert _history(layout, "jetzt") is None  # no database yet: nothing to compare
    profiles = pub.regions[["sr_id", "anteil_unter18", "durchschnittsalter"]].copy()
    for run, when, shift in (("r1", datetime(2025, 6, 1), 0.05), ("jetzt", None, 0.0)):
        earlier = profiles.assign(anteil_unter18=profiles["anteil_unter18"] - shift)
        append_run(layout.history, run_id=run, county="sample", parameters={}, quality={},
                   stability={}, profiles=earlier, published_at=when)
    history = _history(layout, "jetzt")  # the run being published is left out
    assert set(history["run_id"]) == {"r1"}
    runs = _data(_grid_atlas(grid, history=history))["compare"]
    assert [(r["run"], r["date"], r["matched"]) for r in runs] == [("r1", "01.06.2025", 6)]
    assert runs[0]["changes"]["anteil_unter18"]["delta"] == pytest.approx([5.0] * 6)


def test_blocks_level_on_polygon_units(chromium, grid, tmp_path):
    """A county on polygon units: the cell level is its units (blocks), drawn as paths."""
    pub, munis, county, inputs = grid
    units = pub.layers["zellen"].to_crs("EPSG:25832")
    shifted = dataclasses.replace(pub, layers={"zellen": units},
                                  metadata={"einheiten": "polygone"})
    text = build_atlas(shifted, _catalog(), munis, county, county_name="Kreis Rurtal",
                       **inputs)
    data = _data(text)
    assert data["cells"]["kind"] == "units" and len(data["cells"]["paths"]) == len(units)
    assert data["levels"][-1]["label"] == "Baublöcke"
    path = tmp_path / "bloecke.html"
    path.write_text(text, encoding="utf-8")
    result = _selftest(chromium, tmp_path, path.as_uri())
    assert "exception" not in result, result["exception"]
    assert result["errors"] == []
    cell = result["levels"]["cell"]
    assert cell["canvas_shown"] and not cell["spaces_shown"]
    assert cell["tooltip"].startswith("Baublock in ")
    assert cell["profile"]["sr"] == units["sr_id"].iloc[cell["cell"]]
