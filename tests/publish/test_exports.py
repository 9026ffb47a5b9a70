"""Exports: CSV for German Excel and GeoJSON in EPSG:4326, written atomically.

Test matrix
-----------
- CSV: byte order mark, semicolons, decimal comma, CRLF, geometry dropped, umlauts kept,
  missing values empty; round trip with pandas.
- GeoJSON: EPSG:4326 coordinates, properties kept; a frame without CRS is rejected.
- Both: no temporary file left; wrong types rejected; a write failing halfway keeps the
  old file and removes the temporary one.
"""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from pipeline.publish.exports import write_geojson, write_profiles_csv


def _frame():
    return gpd.GeoDataFrame(
        {"sr_id": ["SR-05399-001", "SR-05399-002"], "name": ["Jülfeld-Süd", "Nideck"],
         "einwohner": [4210, 3890], "anteil": [0.1534, np.nan]},
        geometry=[shapely.box(320_000, 5_620_000, 321_000, 5_621_000),
                  shapely.box(321_000, 5_620_000, 322_000, 5_621_000)],
        crs="EPSG:25832")


def test_csv_for_german_excel(tmp_path):
    path = write_profiles_csv(_frame(), tmp_path / "profile.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.split("\r\n")[:3] == ["sr_id;name;einwohner;anteil",
                                      "SR-05399-001;Jülfeld-Süd;4210;0,1534",
                                      "SR-05399-002;Nideck;3890;"]
    back = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    assert back["anteil"].iloc[0] == pytest.approx(0.1534)
    assert [p.name for p in tmp_path.iterdir()] == ["profile.csv"]


def test_geojson_in_wgs84(tmp_path):
    path = write_geojson(_frame(), tmp_path / "sozialraeume.geojson")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["features"]) == 2
    assert data["features"][0]["properties"]["name"] == "Jülfeld-Süd"
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0]
    assert 5 < lon < 7 and 50 < lat < 51
    assert [p.name for p in tmp_path.iterdir()] == ["sozialraeume.geojson"]


def test_rejects_bad_input(tmp_path):
    with pytest.raises(TypeError, match="GeoDataFrame"):
        write_geojson(pd.DataFrame({"a": [1]}), tmp_path / "x.geojson")
    with pytest.raises(ValueError, match="no CRS"):
        write_geojson(gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)]), tmp_path / "x.geojson")
    with pytest.raises(TypeError, match="DataFrame"):
        write_profiles_csv([1, 2], tmp_path / "x.csv")
    assert not list(tmp_path.iterdir())


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "sozialraeume.geojson"
    write_geojson(_frame(), target)
    before = target.read_bytes()

    def half_written(frame, path, **kwargs):
        with open(path, "w") as handle:
            handle.write('{"type": "FeatureCollection", "features": [')
        raise OSError("disk full")

    monkeypatch.setattr(pyogrio, "write_dataframe", half_written)
    with pytest.raises(OSError, match="disk full"):
        write_geojson(_frame(), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["sozialraeume.geojson"]
