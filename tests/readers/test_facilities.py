"""Tests for :mod:`pipeline.readers.facilities` on hand-written layers and tables.

Test matrix
-----------
- a GeoPackage in EPSG:4326 with German fields (``Typ``, ``Bezeichnung``) read into
  EPSG:25832 (checked against pyproj), kinds mapped (Kita, Grundschule, Gymnasium,
  Jugendzentrum, Kindergarten, Bücherei), empty names replaced by the kind's text;
- a GeoJSON with English fields (``kind``, ``name``), a MultiPoint taken as its centre;
- CSV tables: ``;`` with lon/lat and decimal commas; ``,`` with x/y in EPSG:25832; the
  kind field given by name;
- the county file's ``facilities:`` and ``internal:`` keys;
- errors naming file, feature or line and column: no kind field (fields listed), a feature
  without a kind, a line geometry, a coordinate that is not a number, no coordinate columns,
  degrees out of range.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from pipeline.errors import ConfigError, InputError
from pipeline.operations import load_counties
from pipeline.readers import no_facilities, read_facilities
from pipeline.readers.facilities import kind_of

LON, LAT = 6.48, 50.80


def _gpkg(path, rows, crs="EPSG:4326"):
    frame = gpd.GeoDataFrame(
        {"Typ": [r[0] for r in rows], "Bezeichnung": [r[1] for r in rows]},
        geometry=[r[2] for r in rows], crs=crs)
    frame.to_file(path, layer="einrichtungen", driver="GPKG")
    return path


def test_geopackage_in_wgs84_is_read_into_the_county_crs(tmp_path):
    rows = [("Kita", "Kita Sonnenschein", shapely.Point(LON, LAT)),
            ("Grundschule", " Grundschule  Nord ", shapely.Point(LON + 0.01, LAT)),
            ("Gymnasium", "Stiftisches Gymnasium", shapely.Point(LON, LAT + 0.01)),
            ("Jugendzentrum", "Komm", shapely.Point(LON + 0.02, LAT)),
            ("Kindergarten", None, shapely.Point(LON, LAT + 0.02)),
            ("Bücherei", "Stadtbücherei", shapely.Point(LON + 0.03, LAT))]
    frame = read_facilities(_gpkg(tmp_path / "e.gpkg", rows))
    assert frame.crs == "EPSG:25832"
    assert frame["art"].tolist() == ["kita", "schule", "schule", "jugend", "kita", "sonstige"]
    assert frame["name"].tolist() == ["Kita Sonnenschein", "Grundschule Nord",
                                      "Stiftisches Gymnasium", "Komm", "Kindergarten",
                                      "Stadtbücherei"]
    assert frame["art_text"].tolist()[-1] == "Bücherei"
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(LON, LAT)
    assert frame.geometry.iloc[0].distance(shapely.Point(x, y)) < 0.01


def test_geojson_with_english_fields_and_a_multipoint(tmp_path):
    path = tmp_path / "f.geojson"
    gpd.GeoDataFrame({"kind": ["youth centre", "school", "day care"],
                      "name": ["Youth Club", "School A", "Nursery B"]},
                     geometry=[shapely.Point(320_000, 5_630_000),
                               shapely.MultiPoint([(321_000, 5_630_000), (321_200, 5_630_200)]),
                               shapely.Point(322_000, 5_630_000)],
                     crs="EPSG:25832").to_file(path, driver="GeoJSON")
    frame = read_facilities(path)
    assert frame["art"].tolist() == ["jugend", "schule", "kita"]
    assert frame.geometry.iloc[1].equals(shapely.Point(321_100, 5_630_100))
    assert (frame.geom_type == "Point").all()


def test_csv_with_lon_lat_and_decimal_commas(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("Kategorie;Name;Lon;Lat\nKita;Kita Mitte;6,48;50,8\n"
                    "Jugendtreff;Treff;6,49;50,81\n", encoding="utf-8")
    frame = read_facilities(path)
    assert frame["art"].tolist() == ["kita", "jugend"]
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(6.49, 50.81)
    assert frame.geometry.iloc[1].distance(shapely.Point(x, y)) < 0.01


def test_csv_with_projected_xy_and_a_named_kind_field(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("id,Einrichtungstyp,bezeichnung,x,y\n1,Realschule,RS Süd,320500.5,5630100\n",
                    encoding="utf-8")
    frame = read_facilities(path, kind="einrichtungstyp")
    assert frame["art"].tolist() == ["schule"] and frame["name"].tolist() == ["RS Süd"]
    assert np.allclose(shapely.get_coordinates(frame.geometry.values), [[320500.5, 5630100]])


def test_kinds_in_german_and_english():
    assert [kind_of(t) for t in ("KiTa", "Kindertagesstätte", "Krippe", "Förderschule",
                                 "Berufskolleg", "Jugendkunstschule", "Youth Centre",
                                 "primary school")] == [
        "kita", "kita", "kita", "schule", "sonstige", "jugend", "jugend", "schule"]
    assert len(no_facilities()) == 0 and list(no_facilities().columns) == [
        "art", "art_text", "name", "geometry"]


def test_errors_name_file_feature_line_and_column(tmp_path):
    bad = _gpkg(tmp_path / "bad.gpkg", [("Kita", "A", shapely.Point(LON, LAT)),
                                        (None, "B", shapely.Point(LON, LAT))])
    with pytest.raises(InputError, match=r"bad\.gpkg.*feature 2.*column 'Typ'.*no kind"):
        read_facilities(bad)
    other = tmp_path / "other.gpkg"
    gpd.GeoDataFrame({"Sorte": ["Kita"], "name": ["A"]}, geometry=[shapely.Point(LON, LAT)],
                     crs="EPSG:4326").to_file(other, driver="GPKG")
    with pytest.raises(InputError, match=r"no kind field.*fields: Sorte, name"):
        read_facilities(other)
    line = _gpkg(tmp_path / "line.gpkg", [("Kita", "A", shapely.LineString([(6, 50), (7, 51)]))])
    with pytest.raises(InputError, match=r"line\.gpkg.*feature 1.*LineString geometry"):
        read_facilities(line)
    csv = tmp_path / "e.csv"
    csv.write_text("art;name;lon;lat\nKita;A;6,4;50,8\nKita;B;sechs;50,8\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"e\.csv.*line 3.*column 'lon'.*'sechs'"):
        read_facilities(csv)
    csv.write_text("art;name;ost;nord\nKita;A;6,4;50,8\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no coordinate columns.*ost, nord"):
        read_facilities(csv)
    csv.write_text("art;name;lon;lat\nKita;A;320000;5630000\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2.*no longitude/latitude"):
        read_facilities(csv)


def test_county_file_keys(tmp_path):
    (tmp_path / "e.gpkg").write_bytes(b"")
    text = ("counties:\n  k:\n    name: K\n    ags: \"05399\"\n    vg250: vg.gpkg\n"
            "    zensus: {Bevoelkerungszahl: z.csv}\n"
            "    facilities: {path: e.gpkg, kind: Typ}\n%s")
    path = tmp_path / "counties.yaml"
    path.write_text(text % "    internal: [sgb2_quote_gem, einrichtungen]\n", encoding="utf-8")
    county = load_counties(path)["k"]
    assert county.facilities == (tmp_path / "e.gpkg").resolve()
    assert county.read_options("facilities") == {"kind": "Typ"}
    assert county.internal == ("sgb2_quote_gem", "einrichtungen")
    assert county.input_files()["facilities"] == county.facilities
    path.write_text(text % "    internal: {sgb2_quote_gem: true}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="county 'k'.*'internal' must list"):
        load_counties(path)
