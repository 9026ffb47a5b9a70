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
  * a screenshot shows the map in colour.
"""

import dataclasses
import json
import re
from html import unescape

import geopandas as gpd
import numpy as np
import pytest
import shapely

from pipeline.errors import CatalogError
from pipeline.indicators.catalog import load_catalog
from pipeline.publish.atlas import build_atlas, write_atlas
from pipeline.publish.publication import Publication
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


def _selftest(binary, tmp_path, uri: str) -> dict:
    dom = _chromium(binary, tmp_path, "--dump-dom", uri + "?selftest")
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
