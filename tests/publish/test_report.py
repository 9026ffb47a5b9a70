"""The HTML report: built from a small synthetic publication and rendered in Chromium.

Test matrix
-----------
- German and English texts; unknown language rejected; no external resources.
- Maps are inline SVG with a legend (no raster image); numbered labels never overlap;
  values carry units; the method section shows no raw keys; the cells the smoothing puts
  into a neighbour's polygon are a map with their count.
- Headless Chromium (Debian package ``chromium``, installed by ``make test`` if missing;
  skipped with a reason where it is not available): no console errors, a screenshot shows
  the index map (enough coloured pixels where it is drawn), and
  ``?sort=einwohner&dir=desc`` sorts the key table on load (row order in the dumped DOM).
"""

import re
import subprocess

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from pipeline.indicators.catalog import load_catalog
from pipeline.publish.publication import Publication
from pipeline.publish.report import build_report, write_report
from pipeline.publish.styles import region_colors
from pipeline.publish.tiling import TilingReport
from tests.helpers import CHROMIUM_FLAGS, run_chromium

KEYS = ["anteil_unter18", "durchschnittsalter"]
RESIDENTS = [4200.0, 8100.0, 2600.0, 5300.0, 3900.0, 7000.0]


def _publication() -> tuple[Publication, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    boxes = [shapely.box(320_000 + i * 2000, 5_620_000 + j * 3000,
                         322_000 + i * 2000, 5_623_000 + j * 3000)
             for j in range(2) for i in range(3)]
    n = len(boxes)
    regions = gpd.GeoDataFrame({
        "sr_id": [f"SR-05399-{i + 1:03d}" for i in range(n)],
        "name": ["Rurstadt-Nord", "Rurstadt-Mitte", "Jülfeld", "Nideck", "Tiltzdorf",
                 "Aldenrath"],
        "einwohner": RESIDENTS,
        "flaeche_km2": [6.0] * n,
        "gemeinden": ["Rurstadt", "Rurstadt; Jülfeld", "Jülfeld", "Nideck", "Tiltzdorf",
                      "Aldenrath"],
        "anteil_unter18": np.linspace(0.12, 0.2, n),
        "anteil_unter18_rank": np.arange(n, 0, -1).astype(float),
        "durchschnittsalter": np.linspace(40, 46, n),
        "durchschnittsalter_rank": np.arange(n, 0, -1).astype(float),
        "social_index": [-1.2, 0.0, 0.3, 1.2, 2.0, np.nan],
        "status_class": [1.0, 2.0, 2.0, 3.0, 4.0, np.nan],
    }, geometry=boxes, crs="EPSG:25832")
    regions["anteil_unter18_z"] = np.linspace(-1.4, 1.4, n)
    regions["durchschnittsalter_z"] = np.linspace(-1.4, 1.4, n)
    regions["farbe"] = region_colors(regions.geometry.values)
    county = gpd.GeoDataFrame(geometry=[shapely.union_all(boxes)], crs="EPSG:25832")
    munis = gpd.GeoDataFrame({"name": ["A", "B"]},
                             geometry=[shapely.box(320_000, 5_620_000, 324_000, 5_626_000),
                                       shapely.box(324_000, 5_620_000, 326_000, 5_626_000)],
                             crs="EPSG:25832")
    tiling = TilingReport(n, 36e6, 36e6, 0.0, 0.0, 0.0, 0, True, 50.0, 0,
                          cells_displaced=1, residents_displaced=12.0)
    # two cells of the first space: one inside it, one whose centre lies in the second's box
    cells = gpd.GeoDataFrame(
        {"cell_id": ["a", "b"], "sr_id": ["SR-05399-001", "SR-05399-001"],
         "einwohner": [30.0, 12.0]},
        geometry=[shapely.box(320_500, 5_620_500, 320_600, 5_620_600),
                  shapely.box(322_050, 5_621_000, 322_150, 5_621_100)], crs="EPSG:25832")
    metadata = {"parameter": {"min_population": 2500, "n_regions": None, "nested": False},
                "qualitaet": {"r2": 0.61, "ssw": 1.387e6, "compactness_mean": 0.069,
                              "population_min": 2600.0, "population_max": 8100.0},
                "kachelung": tiling.as_dict(), "versionen": {"numpy": "2"},
                "eingangsdateien": {"vg250": {"path": "DE_VG250.gpkg", "sha256": "ab" * 32}},
                "eingangsdaten_sha256": "0123456789abcdef0123"}
    pub = Publication(regions, {"zellen": cells}, {}, {}, metadata, tiling,
                      {"anteil_unter18": 0.16, "durchschnittsalter": 43.2})
    return pub, munis, county


def _catalog():
    return load_catalog().only(KEYS)


def test_report_cites_only_what_was_used_and_says_what_is_missing():
    """Sources from the indicators computed; skipped ones and an empty index are named."""
    pub, munis, county = _publication()
    catalog = load_catalog().only([*KEYS, "sgb2_quote_gem"])
    pub.regions["social_index"] = np.nan
    pub.metadata["nicht_berechnet"] = {"sgb2_quote_gem": "no municipal statistics"}
    text = build_report(pub, catalog, munis, county, county_name="Kreis Rurtal")
    assert "Zensus 2022, Gitterzellen" in text and "VG250" in text
    assert "Bundesagentur" not in text  # the only BA indicator was skipped
    assert "<code>sgb2_quote_gem</code>: no municipal statistics" in text
    assert "der Sozialindex ist leer" in text
    pub.metadata["einheiten"] = "polygone"
    pub.metadata["nicht_berechnet"] = {}
    text = build_report(pub, catalog, munis, county, county_name="Kreis Rurtal")
    assert "Baublöcke" in text and "Gitterzellen" not in text and "Bundesagentur" in text
    assert "Einheiten mit weniger als 3 Einwohnern" in text


def test_german_report_sections():
    pub, munis, county = _publication()
    text = build_report(pub, _catalog(), munis, county, county_name="Kreis Rurtal")
    assert text.startswith("<!DOCTYPE html>") and '<html lang="de">' in text
    for anchor in ("summary", "index", "themes", "spaces", "changes", "method"):
        assert f'id="{anchor}"' in text
    assert "Sozialraumbericht Kreis Rurtal" in text and "Anteil unter 18 Jahren" in text
    assert text.count("<section class=\"sr\"") == 6
    assert "data:image/png" not in text and "<img" not in text  # vector maps only
    index_map = re.search(r'<svg[^>]*id="index-map".*?</svg>', text, re.S).group(0)
    legend = re.search(r'<g class="legend">(.*?)</g>', index_map).group(1)
    assert "Sozialindex (höher = mehr Bedarf)" in legend
    assert "sehr hoch: über 1,5 (1)" in legend and "gering: bis −1,0 (1)" in legend
    assert "Rang 1 = höchster Sozialindex" in text
    assert "Statistisches Bundesamt (Destatis), Zensus 2022, Gitterzellen" in text
    assert "16,0 %" in text  # the county value of the share, German decimal comma
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)


def test_method_explains_the_social_index():
    """Which indicators, their directions, standardisation, combination, class thresholds."""
    pub, munis, county = _publication()
    catalog = load_catalog().only([*KEYS, "eigentuemerquote", "anteil_alleinerziehende"])
    pub.regions["eigentuemerquote_z"] = np.linspace(-1, 1, 6)
    pub.regions["anteil_alleinerziehende_z"] = np.linspace(1, -1, 6)
    text = build_report(pub, catalog, munis, county, county_name="Kreis Rurtal")
    section = text[text.index('id="index"'):text.index('id="themes"')]
    prose = section[section.index('id="index-method"'):]
    prose = prose[:prose.index("</p>")]
    members = section[section.index('id="index-members"'):]
    members = members[:members.index("</table>")]
    assert "<td>Eigentümerquote</td><td>höherer Wert = weniger Bedarf</td>" in members
    assert "<td>Alleinerziehende unter den Familien mit Kindern unter 18</td><td>höherer " \
        "Wert = mehr Bedarf</td>" in members
    assert "Anteil unter 18 Jahren" not in members  # not in the index
    assert "Jeder der 2 Indikatoren" in prose
    assert "über die 6 Sozialräume" in prose and "standardisiert" in prose
    assert "Je höher der Sozialindex, desto höher der soziale Handlungsbedarf" in prose
    assert "gering bis −1,0; mittel über −1,0 bis 1,0; hoch über 1,0 bis 1,5; sehr hoch über " \
        "1,5" in prose
    # one index under one name: the value shown is the published social_index
    steckbrief = text[text.index('<section class="sr" id="SR-05399-005"'):]
    steckbrief = steckbrief[:steckbrief.index("</section>")]
    assert "<td>Sozialindex</td><td>+2,00</td>" in steckbrief
    assert "<td>Rang beim Sozialindex</td><td>1 von 6 (Rang 1 = höchster Bedarf)</td>" \
        in steckbrief
    assert "<td>Handlungsbedarf</td><td>sehr hoch</td>" in steckbrief
    assert 'data-col="social_index"' in text and "social_index_z" not in text
    assert 'id="types"' not in text  # no typology without typ columns


def test_typology_section():
    pub, munis, county = _publication()
    pub.regions["typ"] = [1, 1, 2, 2, 3, 3]
    pub.regions["typ_name"] = ["Anteil unter 18 Jahren niedrig", "Anteil unter 18 Jahren niedrig",
                               "durchschnittlich", "durchschnittlich",
                               "Anteil unter 18 Jahren hoch", "Anteil unter 18 Jahren hoch"]
    pub.regions["anteil_unter18_z"] = [-1.4, -1.0, -0.1, 0.1, 1.0, 1.4]
    pub.regions["durchschnittsalter_z"] = [0.0] * 6
    text = build_report(pub, _catalog(), munis, county, county_name="Kreis Rurtal")
    assert '<a href="#types">Typologie</a>' in text
    assert re.search(r'<svg[^>]*id="type-map"', text)
    section = text[text.index('<h2 id="types"'):text.index('id="themes"')]
    rows = re.findall(r'<tr id="typ-(\d)">(.*?)</tr>', section)
    assert [r[0] for r in rows] == ["1", "2", "3"]
    first = rows[0][1]
    assert "Anteil unter 18 Jahren niedrig" in first and ">2<" in first
    assert "12\u202f300" in first  # residents of the type's two spaces
    assert "niedrig: Anteil unter 18 Jahren (−1,2)" in first
    assert "keine ausgeprägten Merkmale" in rows[1][1]
    assert "<td>Typ</td><td>3: Anteil unter 18 Jahren hoch</td>" in text  # Steckbrief
    method = text[text.index('id="types-method"'):]
    assert "hier 3 Typen" in method and "Ward" in method


def test_report_lists_what_changed_and_why():
    pub, munis, county = _publication()
    pub.layers["aenderungen"] = pd.DataFrame({
        "sr_id": ["SR-05399-001", "SR-05399-002", "SR-05399-003"],
        "aenderung": ["Grenze verschoben", "Grenze verschoben", "unverändert"],
        "einwohner_abgegeben": [1250.0, 0.0, 0.0], "einwohner_aufgenommen": [0.0, 1250.0, 0.0],
        "an": ["SR-05399-002", "", ""], "von": ["", "SR-05399-001", ""],
        "grund": ["Fixierung 'Am Bahnhof'", "Fixierung 'Am Bahnhof'", ""]})
    text = build_report(pub, _catalog(), munis, county, county_name="Kreis Rurtal")
    section = text[text.index('id="changes"'):text.index('id="method"')]
    assert "Grenze verschoben: 2; unverändert: 1" in section
    assert section.count("<tr>") == 3  # the head and the two changed spaces
    assert "Fixierung &#x27;Am Bahnhof&#x27;" in section or "Fixierung 'Am Bahnhof'" in section
    assert "1\u202f250" in section  # residents in German notation (narrow no-break space)


def test_english_report_and_bad_language():
    pub, munis, county = _publication()
    text = build_report(pub, _catalog(), munis, county, county_name="Rurtal", language="en")
    assert "Social space report Rurtal" in text and "Share under 18" in text
    assert '<html lang="en">' in text and "very high" in text
    assert "Sozialraum" not in text.replace("Sozialraeume", "")  # no German headings left
    with pytest.raises(ValueError, match="language must be one of"):
        build_report(pub, _catalog(), munis, county, county_name="x", language="fr")


# --- Chromium ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def report(tmp_path_factory):
    pub, munis, county = _publication()
    path = tmp_path_factory.mktemp("report") / "sozialraumbericht.html"
    return write_report(path, pub, _catalog(), munis, county, county_name="Kreis Rurtal")


def _chromium(binary, tmp_path, *args):
    return run_chromium(binary, tmp_path, *args)


def test_screenshot_shows_the_map(chromium, report, tmp_path):
    from PIL import Image

    shot = tmp_path / "shot.png"
    _chromium(chromium, tmp_path, "--window-size=1200,1400", "--hide-scrollbars",
              f"--screenshot={shot}", report.as_uri())
    image = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert image.shape[:2] == (1400, 1200)
    # the overview map sits below the header and intro: count coloured (not grey) pixels
    area = image[300:1100, 40:1100]
    coloured = (area.max(axis=2) - area.min(axis=2)) > 40
    assert coloured.mean() > 0.10, coloured.mean()


def test_table_sorts_from_the_address(chromium, report, tmp_path):
    dom = _chromium(chromium, tmp_path, "--dump-dom",
                    report.as_uri() + "?sort=einwohner&dir=desc")
    assert 'data-sorted="einwohner:desc"' in dom
    body = dom.split('id="profiles"', 1)[1].split("</tbody>", 1)[0]
    order = re.findall(r'<tr id="row-(SR-05399-\d{3})"', body)
    expected = [f"SR-05399-{i + 1:03d}" for i in np.argsort(RESIDENTS)[::-1]]
    assert order == expected
    dom = _chromium(chromium, tmp_path, "--dump-dom", report.as_uri() + "?sort=name")
    body = dom.split('id="profiles"', 1)[1].split("</tbody>", 1)[0]
    names = re.findall(r'<td data-v="([^"]*)"><a href="#SR-', body)
    assert len(names) == 6
    assert names == sorted(names, key=lambda s: s.replace("ü", "u"))


def _console(binary, tmp_path, page) -> list[str]:
    """The console messages (errors, uncaught exceptions) Chromium logs loading ``page``."""
    run = subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                          "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()],
                         capture_output=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    return [line for line in run.stderr.decode(errors="replace").splitlines()
            if ":CONSOLE" in line]


def test_report_loads_without_console_errors(chromium, report, tmp_path):
    """No message on the console; a page with an error shows that the check sees one."""
    broken = tmp_path / "broken.html"
    broken.write_text(report.read_text(encoding="utf-8").replace(
        "</body>", "<script>undefinedFunction();</script></body>"), encoding="utf-8")
    assert any("undefinedFunction" in m for m in _console(chromium, tmp_path, broken))
    assert _console(chromium, tmp_path, report) == []


def test_map_labels_do_not_overlap():
    """Numbered discs keep two radii apart; on the index map every space has its number."""
    from pipeline.publish.svg import LABEL_RADIUS, place_labels

    rng = np.random.default_rng(0)
    points = rng.uniform(0, 200, size=(300, 2))  # far too many for the frame: some left out
    placed = place_labels(points, LABEL_RADIUS, 200, 200)
    ok = np.isfinite(placed[:, 0])
    assert 10 < ok.sum() < 300
    d = np.linalg.norm(placed[ok][:, None] - placed[ok][None], axis=2)
    assert d[np.triu_indices(ok.sum(), 1)].min() >= 2 * LABEL_RADIUS
    pub, munis, county = _publication()
    text = build_report(pub, _catalog(), munis, county, county_name="Kreis Rurtal")
    index_map = re.search(r'<svg[^>]*id="index-map".*?</svg>', text, re.S).group(0)
    discs = np.array(re.findall(r'<g class="label"><circle cx="([\d.]+)" cy="([\d.]+)"',
                                index_map), float)
    numbers = re.findall(r'<g class="label">.*?>(\d+)</text></g>', index_map)
    assert sorted(numbers, key=int) == [str(i) for i in range(1, 7)]
    d = np.linalg.norm(discs[:, None] - discs[None], axis=2)
    assert d[np.triu_indices(len(discs), 1)].min() >= 2 * LABEL_RADIUS - 0.2


def test_values_have_units_and_the_method_no_raw_keys():
    pub, munis, county = _publication()
    text = build_report(pub, _catalog(), munis, county, county_name="Kreis Rurtal")
    steckbrief = text[text.index('<section class="sr" id="SR-05399-001"'):]
    steckbrief = steckbrief[:steckbrief.index("</section>")]
    assert "<td>Durchschnittsalter</td><td class='n'>40,0 Jahre</td>" \
        "<td class='n'>43,2 Jahre</td><td class='n'>6 von 6</td>" in steckbrief
    assert "Rang 1 = höchster Wert des Indikators unter den 6 Sozialräumen" in steckbrief
    assert 'class="chart"' in steckbrief and steckbrief.count('class="bar"') == 3
    method = text[text.index('<h2 id="method"'):]
    for raw in ("ssw", "tiling_", "n_regions", "None", "nested", "compactness_mean",
                "1.387e+06", "min_population"):
        assert raw not in method, raw
    assert "Innere Ähnlichkeit (R²)" in method and "0,61" in method
    assert "nicht vorgegeben" in method and "dürfen überschritten werden" in method
    assert "Kompaktheit der bewohnten Zellen" in method and "0,07" in method
    assert "Kompaktheit der Kartenfläche" not in method  # no kompaktheit column here


def test_smoothing_moves_are_a_map_with_their_count():
    """The cell whose centre lies in the neighbour's box is drawn, the count is said."""
    from pipeline.publish.report import displaced_cells

    pub, munis, county = _publication()
    moved = displaced_cells(pub)
    assert moved["sr_id"].tolist() == ["SR-05399-001"]
    assert moved["in_sr_id"].tolist() == ["SR-05399-002"]
    text = build_report(pub, _catalog(), munis, county, county_name="Kreis Rurtal")
    assert "Dabei gerät 1 bewohnte Zelle mit 12 Einwohnern" in text
    figure = re.search(r'<svg[^>]*id="smoothing-map".*?</svg>', text, re.S).group(0)
    assert figure.count("<circle cx=") - figure.count('class="label"') == 1
    assert "Zelle im Polygon eines Nachbarraums (1)" in figure


@pytest.mark.parametrize("values", [
    [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],   # breaks collapse: 4 classes
    [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 4.0, 4.0, 4.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0],
    [5.0] * 6 + [np.nan],
    list(np.arange(20.0)),
])
def test_theme_classes_with_few_distinct_values_get_a_colour_each(values):
    """Quantile breaks collapse where many spaces share a value (a floor of 4,000 gave four
    classes): every class still gets its own colour from the scale and a legend row."""
    from pipeline.publish.report import THEME_COLORS, _classes
    from pipeline.publish.report_text import TEXT

    values = np.asarray(values, dtype=float)
    fills, legend = _classes(values, "%", TEXT["de"])
    assert len(fills) == len(values)
    shown = [c for c, _ in legend if c != "#cccccc"]
    assert len(set(shown)) == len(shown) and set(shown) <= set(THEME_COLORS)
    assert {f for f, v in zip(fills, values, strict=True) if np.isfinite(v)} <= set(shown)
