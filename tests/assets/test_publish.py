"""The publish asset end to end on a temporary copy of the sample county.

Runs every asset once (module fixture) with inputs copied to a temporary folder, then
reopens what was written:

- the GeoPackage with pyogrio: every layer, its CRS and row count; polygons valid and
  tiling the county (union equals the VG250 boundary, total overlap ~0); ``layer_styles``
  rows as QGIS looks for them; cells under 3 residents without indicator values; catalog
  and run metadata tables (input hashes);
- the QML files, the CSV (BOM, semicolon, decimal comma), the GeoJSON (EPSG:4326), the
  report (no external resources);
- the asset's metadata in the Dagster UI (map preview size, paths, numeric figures);
- a failed run (a corrupted input line) leaves the previous files intact, and restoring
  the input reproduces the GeoPackage byte for byte.
"""

import hashlib
import json
import re
import shutil
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from assets import publish
from pipeline.indicators.catalog import load_catalog
from pipeline.operations.counties import load_counties
from pipeline.publish.geopackage import read_layer_styles
from tests.helpers import copy_county, editor, materialize_county

SPATIAL = ("sozialraeume", "sozialraeume_status", "sozialraeume_typen", "zellen", "gemeinden",
           "kreis", "barrieren", "fixierungen", "einrichtungen")


def _run(config_path, out, selection=None, checks=True):
    """Materialize the sample partition (``selection``: only these assets) into ``out``."""
    return materialize_county(config_path, out, selection=selection, checks=checks,
                              raise_on_error=False)


@pytest.fixture(scope="module")
def published(sample_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("publish")
    config_path, raw = copy_county(sample_dir, tmp)
    result = _run(config_path, tmp / "processed")
    assert result.success
    return result, tmp / "processed" / "sample", config_path, raw


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_layer_with_crs_and_rows(published):
    _, folder, _, _ = published
    gpkg = folder / "sozialraeume.gpkg"
    layers = dict(pyogrio.list_layers(gpkg))
    assert set(SPATIAL) | {"indikatoren", "metadaten", "layer_styles"} <= set(layers)
    cells = pd.read_parquet(folder / "steps" / "zensus_cells.parquet")
    labels = pd.read_parquet(folder / "steps" / "cell_regions.parquet")
    barriers = gpd.read_parquet(folder / "steps" / "barriers.parquet")
    n = labels["region"].nunique()
    expected = {"sozialraeume": n, "sozialraeume_status": n, "sozialraeume_typen": n,
                "zellen": len(cells),
                "gemeinden": 15, "kreis": 1, "barrieren": len(barriers),
                "indikatoren": len(load_catalog()), "metadaten": 9}
    for layer, rows in expected.items():
        info = pyogrio.read_info(gpkg, layer=layer)
        assert info["features"] == rows, layer
        if layer in SPATIAL:
            assert info["crs"] == "EPSG:25832", layer
            assert info["geometry_name"] == "geom"
            assert info["layer_metadata"]["DESCRIPTION"], layer


def test_polygons_tile_the_county(published):
    _, folder, _, _ = published
    gpkg = folder / "sozialraeume.gpkg"
    polys = pyogrio.read_dataframe(gpkg, layer="sozialraeume").geometry.values
    county = shapely.union_all(pyogrio.read_dataframe(gpkg, layer="kreis").geometry.values)
    assert shapely.is_valid(polys).all()
    assert shapely.coverage_is_valid(polys)
    union = shapely.union_all(polys)
    assert shapely.area(shapely.symmetric_difference(union, county)) < 1.0  # m2
    assert shapely.area(polys).sum() - union.area < 1.0  # total overlap, m2
    assert union.area == pytest.approx(county.area, rel=1e-9)


def test_layer_styles_as_qgis_reads_them(published):
    _, folder, _, _ = published
    gpkg = folder / "sozialraeume.gpkg"
    styles = read_layer_styles(gpkg)
    assert sorted(styles["f_table_name"]) == sorted(SPATIAL)
    assert (styles["f_table_schema"] == "").all()  # empty string, not NULL
    assert (styles["useAsDefault"] == 1).all()
    for _, row in styles.iterrows():
        info = pyogrio.read_info(gpkg, layer=row["f_table_name"])
        assert row["f_geometry_column"] == info["geometry_name"]
        root = ET.fromstring(row["styleQML"].split("\n", 1)[1])
        attr = root.find("renderer-v2").get("attr")
        assert attr is None or attr in info["fields"], (row["f_table_name"], attr)
        qml_file = folder / f"{row['f_table_name']}.qml"
        assert qml_file.read_text(encoding="utf-8") == row["styleQML"]
    regions = styles.set_index("f_table_name").loc["sozialraeume", "styleQML"]
    root = ET.fromstring(regions.split("\n", 1)[1])
    assert root.find("renderer-v2").get("type") == "categorizedSymbol"
    assert root.find("labeling/settings/text-style").get("fieldName") == "name"
    status = styles.set_index("f_table_name").loc["sozialraeume_status", "styleQML"]
    assert 'type="graduatedSymbol"' in status and 'attr="social_index"' in status
    types = ET.fromstring(styles.set_index("f_table_name").loc[
        "sozialraeume_typen", "styleQML"].split("\n", 1)[1]).find("renderer-v2")
    assert types.get("type") == "categorizedSymbol" and types.get("attr") == "typ"
    layer = pyogrio.read_dataframe(gpkg, layer="sozialraeume", read_geometry=False)
    named = layer[["typ", "typ_name"]].drop_duplicates().sort_values("typ")
    got = [(c.get("value"), c.get("label")) for c in types.find("categories")]
    assert got == [(str(t), f"{t}: {name}") for t, name in zip(named["typ"], named["typ_name"],
                                                                 strict=True)]


def test_region_attributes(published):
    _, folder, _, _ = published
    frame = pyogrio.read_dataframe(folder / "sozialraeume.gpkg", layer="sozialraeume")
    cells = pd.read_parquet(folder / "steps" / "zensus_cells.parquet")
    assert frame["sr_id"].str.fullmatch(r"SR-05399-\d{3}").all() and frame["sr_id"].is_unique
    assert frame["sr_id"].is_monotonic_increasing
    stored = pd.read_parquet(folder / "steps" / "cell_regions.parquet")
    if "sr_id" in stored.columns:  # the stable IDs of the regions asset are the ones published
        assert set(frame["sr_id"]) == set(stored["sr_id"])
        cells_layer = pyogrio.read_dataframe(folder / "sozialraeume.gpkg", layer="zellen",
                                             columns=["cell_id", "sr_id"], read_geometry=False)
        pairs = cells_layer.merge(stored, on="cell_id", suffixes=("", "_stored"))
        assert (pairs["sr_id"] == pairs["sr_id_stored"]).all()
    assert frame["name"].is_unique and frame["name"].str.len().gt(0).all()
    assert frame["einwohner"].sum() == pytest.approx(cells["Einwohner"].sum())
    assert frame["flaeche_km2"].sum() == pytest.approx(938.3, abs=1.0)
    for key in load_catalog().keys:
        assert key in frame.columns, key
    for column in ("social_index", "status", "status_class", "typ", "typ_name", "gemeinden",
                   "kompaktheit", "n_gemeinden"):
        assert column in frame.columns
    assert "social_index_z" not in frame.columns  # one index, one name
    assert set(frame["status"].dropna()) <= {"gering", "mittel", "hoch", "sehr hoch"}
    # the classes follow the index (higher = more need)
    by_index = frame.sort_values("social_index")
    assert by_index["status_class"].is_monotonic_increasing
    assert frame["social_index"].mean() == pytest.approx(0.0, abs=1e-9)
    # the typology: 4 to 7 types, each with one unique name
    assert str(frame["typ"].dtype).startswith("int")
    assert 4 <= frame["typ"].nunique() <= 7
    assert sorted(frame["typ"].unique()) == list(range(1, frame["typ"].nunique() + 1))
    names = frame.groupby("typ")["typ_name"].agg(set)
    assert (names.map(len) == 1).all() and names.map(min).is_unique
    assert frame["typ_name"].str.len().gt(0).all()


def test_names_come_from_the_place_layer(published):
    _, folder, _, raw = published
    frame = pyogrio.read_dataframe(folder / "sozialraeume.gpkg", layer="sozialraeume",
                                   read_geometry=False)
    layer = pyogrio.read_dataframe(raw / "ortsteile.gpkg", read_geometry=False)["Ortsteil"]
    assert set(gpd.read_parquet(folder / "steps" / "places.parquet")["name"]) == set(layer)
    for name in frame["name"]:  # "A", "A / B", "A (Nord)", "A (Aldenrath)", "A 2"
        stem = re.sub(r"( \([^)]*\))?( \d+)?$", "", name)
        assert set(stem.split(" / ")) <= set(layer), name
    assert frame["name"].is_unique
    assert frame["name"].str.contains(" / ").any()  # a second place holding a third


def test_cells_under_three_residents_carry_no_values(published):
    _, folder, _, _ = published
    cells = pyogrio.read_dataframe(folder / "sozialraeume.gpkg", layer="zellen",
                                   read_geometry=False)
    keys = [k for k in load_catalog().keys if k in cells.columns]
    assert keys and not any(k.endswith("_gem") for k in cells.columns)
    small = cells["einwohner"] < 3
    assert small.any()
    assert cells.loc[small, keys].isna().all().all()
    assert cells.loc[~small, keys].notna().any().all()
    assert cells["sr_id"].notna().all()


def test_metadata_table_has_input_hashes(published):
    _, folder, config_path, raw = published
    meta = pyogrio.read_dataframe(folder / "sozialraeume.gpkg", layer="metadaten")
    meta = dict(zip(meta["schluessel"], meta["wert"], strict=True))
    files = json.loads(meta["eingangsdateien"])
    assert files["vg250"]["sha256"] == _sha(raw / "DE_VG250.gpkg")
    assert set(files) == set(load_counties(config_path)["sample"].input_files())
    assert json.loads(meta["parameter"])["min_population"] == 2500
    assert json.loads(meta["kachelung"])["coverage_valid"] is True
    assert "numpy" in json.loads(meta["versionen"])
    catalog = pyogrio.read_dataframe(folder / "sozialraeume.gpkg", layer="indikatoren")
    assert {"key", "label_de", "label_en", "source", "quelle", "note"} <= set(catalog.columns)
    assert catalog["quelle"].str.contains("Zensus 2022").any()


def test_csv_for_german_excel(published):
    _, folder, _, _ = published
    raw = (folder / "profile.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].split(b"\r\n", 1)[0].decode("utf-8")
    assert header.startswith("sr_id;name;")
    table = pd.read_csv(folder / "profile.csv", sep=";", decimal=",", encoding="utf-8-sig")
    regions = pyogrio.read_dataframe(folder / "sozialraeume.gpkg", layer="sozialraeume")
    assert len(table) == len(regions) and "geometry" not in table.columns
    assert np.allclose(table["flaeche_km2"], regions["flaeche_km2"], rtol=1e-5)
    assert re.search(r";\d+,\d+;", raw.decode("utf-8-sig"))


def test_geojson_in_wgs84(published):
    _, folder, _, _ = published
    data = json.loads((folder / "sozialraeume.geojson").read_text(encoding="utf-8"))
    frame = gpd.read_file(folder / "sozialraeume.geojson")
    assert frame.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = frame.total_bounds
    assert 5 < minx < maxx < 16 and 47 < miny < maxy < 56
    assert len(data["features"]) == len(frame)
    assert {"sr_id", "name", "einwohner"} <= set(data["features"][0]["properties"])


def test_report_is_self_contained(published):
    _, folder, _, _ = published
    text = (folder / "sozialraumbericht.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    regions = pyogrio.read_dataframe(folder / "sozialraeume.gpkg", layer="sozialraeume",
                                     read_geometry=False)
    for sr_id in regions["sr_id"]:
        assert f'id="{sr_id}"' in text
    assert "Statistisches Bundesamt (Destatis), Zensus 2022, Gitterzellen" in text
    assert "GeoBasis-DE / BKG" in text
    assert 'id="index-map"' in text and "data:image/png" not in text  # vector maps (SVG)


def test_polygon_check_passed_with_figures(published):
    result, *_ = published
    check = next(e for e in result.get_asset_check_evaluations()
                 if e.check_name == "polygons_tile_county")
    assert check.passed
    meta = check.metadata
    assert meta["problems"].value == [] and meta["one_per_social_space"].value is True
    assert meta["invalid"].value == 0 and meta["coverage_valid"].value == 1.0
    assert meta["tiling_error"].value < meta["tolerance"].value
    assert meta["simplify_tolerance"].value == 100.0


def test_polygons_not_tiling_stop_the_publish(published, monkeypatch):
    """A polygon shrunk by 30 m leaves a gap: the blocking check fails, nothing is written."""
    _, folder, config_path, _ = published
    before = _sha(folder / "sozialraeume.gpkg")
    real = publish.social_space_polygons

    def shrunk(*args, **kwargs):
        polygons, report = real(*args, **kwargs)
        polygons.geometry.values[0] = shapely.buffer(polygons.geometry.values[0], -30.0)
        return polygons, report

    monkeypatch.setattr(publish, "social_space_polygons", shrunk)
    result = _run(config_path, folder.parent,
                  selection=[publish.sozialraum_polygons, publish.sozialraeume_gpkg])
    check = next(e for e in result.get_asset_check_evaluations()
                 if e.check_name == "polygons_tile_county")
    assert not check.passed
    assert any(p.startswith("gap_area") for p in check.metadata["problems"].value)
    written = {m.asset_key.path[-1] for m in result.get_asset_materialization_events()}
    assert "sozialraeume_gpkg" not in written
    assert _sha(folder / "sozialraeume.gpkg") == before


def test_asset_metadata_for_the_ui(published):
    result, folder, _, _ = published
    mats = [m for m in result.get_asset_materialization_events()
            if m.asset_key.path == ["sozialraeume_gpkg"]]
    meta = mats[0].materialization.metadata
    preview = meta["map"].value
    assert preview.startswith("![") and "data:image/png;base64," in preview
    assert len(preview) < 400_000
    assert "sr_id" in meta["profiles"].value
    assert "social_index" in meta["profiles"].value and "typ_name" in meta["profiles"].value
    assert "social_index_z" not in meta["profiles"].value
    profiles = result.asset_materializations_for_node("region_profiles")[0].metadata
    assert 4 <= profiles["typology/k"].value <= 7
    silhouettes = profiles["typology/silhouettes"].value
    assert profiles["typology/silhouette"].value == pytest.approx(
        max(silhouettes.values()), abs=1e-4)
    assert silhouettes[str(profiles["typology/k"].value)] == max(silhouettes.values())
    assert "typ_name" in profiles["preview"].value and "merkmale" in profiles["types"].value
    assert meta["path/gpkg"].value == str(folder / "sozialraeume.gpkg")
    assert meta["tiling/tiling_error"].value < 1.0
    assert isinstance(meta["quality/r2"].value, float)


def test_failed_run_keeps_previous_outputs(published):
    _, folder, config_path, raw = published
    outputs = ["sozialraeume.gpkg", "profile.csv", "sozialraeume.geojson",
               "sozialraumbericht.html"]
    before = {name: _sha(folder / name) for name in outputs}
    csv = raw / "sgb2_gemeinden.csv"
    backup = raw.parent / "sgb2_backup.csv"
    shutil.copy2(csv, backup)
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    lines[7] = lines[7].split(";")[0] + ";0539900X;abc;;;;"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    result = _run(config_path, folder.parent)
    assert not result.success
    assert {name: _sha(folder / name) for name in outputs} == before
    assert not [p.name for p in folder.iterdir() if ".tmp" in p.name]
    # restoring the input (same bytes, same time stamp) publishes the same file again
    shutil.copy2(backup, csv)
    result = _run(config_path, folder.parent)
    assert result.success
    assert _sha(folder / "sozialraeume.gpkg") == before["sozialraeume.gpkg"]


def test_refuses_while_someone_edits(published):
    """Someone edits the GeoPackage in WAL mode: publishing fails, nothing is replaced."""
    _, folder, config_path, _ = published
    gpkg = folder / "sozialraeume.gpkg"
    with editor(gpkg, "wal", "writing"):
        before = _sha(gpkg)  # the editor's change is still in its -wal file
        result = _run(config_path, folder.parent, selection=[publish.sozialraeume_gpkg],
                      checks=False)
        assert _sha(gpkg) == before
    assert not result.success
    failure = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failure and "open for editing" in str(failure[0].event_specific_data.error)
