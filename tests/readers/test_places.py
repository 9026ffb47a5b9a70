"""Tests for :mod:`pipeline.readers.places`.

Test matrix
-----------
- points and polygons mixed in one GeoPackage layer, the name field found by its spelling
  (``Ortsteil``, ``NAME``, ``GEN``), names stripped, order and EPSG:25832 kept;
- another CRS (GeoJSON in EPSG:4326, a GeoPackage in EPSG:3035) read into EPSG:25832;
- a shapefile inside a ZIP archive; a layer picked by name; the name field given (any case);
- empty names left out with a warning naming the features;
- errors (file, layer, feature, field): no name field (the fields listed), a given field
  missing, only empty names, a line geometry, a null geometry, no CRS, several layers.
"""

from __future__ import annotations

import re
import zipfile

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from pipeline.errors import InputError
from pipeline.readers import no_places, read_places

X0, Y0 = 320_000.0, 5_630_000.0  # EPSG:25832, in the sample county


def mixed(crs="EPSG:25832", field="Ortsteil"):
    """Two points and a polygon with names, as a county's Ortsteil layer holds them."""
    return gpd.GeoDataFrame(
        {field: [" Birkesdorf ", "Am  Bahnhof", "Innenstadt"], "Gemeinde": ["Düren"] * 3},
        geometry=[shapely.Point(X0, Y0), shapely.Point(X0 + 500, Y0),
                  shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
        crs=crs,
    )


def test_points_and_polygons_in_one_layer(tmp_path):
    path = tmp_path / "ortsteile.gpkg"
    mixed().to_file(path, layer="ortsteile")
    places = read_places(path)
    assert places.columns.tolist() == ["name", "geometry"]
    assert places["name"].tolist() == ["Birkesdorf", "Am Bahnhof", "Innenstadt"]
    assert places.geom_type.tolist() == ["Point", "Point", "Polygon"]
    assert places.crs.to_epsg() == 25832
    assert places.geometry.iloc[0].equals(shapely.Point(X0, Y0))
    assert places.attrs == {"source": str(path), "layer": "ortsteile", "name_field": "Ortsteil"}


@pytest.mark.parametrize("field", ["NAME", "name", "Name", "GEN", "bezeichnung", "OT_NAME"])
def test_name_field_found_in_any_spelling(tmp_path, field):
    path = tmp_path / "orte.gpkg"
    mixed(field=field).to_file(path, layer="orte")
    places = read_places(path)
    assert places["name"].tolist() == ["Birkesdorf", "Am Bahnhof", "Innenstadt"]
    assert places.attrs["name_field"] == field


def test_name_field_given_in_another_case(tmp_path):
    path = tmp_path / "orte.gpkg"
    frame = mixed().assign(Ortslage=["Nord", "Mitte", "Süd"])
    frame.to_file(path, layer="orte")
    assert read_places(path, name="ORTSLAGE")["name"].tolist() == ["Nord", "Mitte", "Süd"]


def test_geojson_in_wgs84_read_into_the_county_crs(tmp_path):
    path = tmp_path / "orte.geojson"
    mixed().to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    places = read_places(path)
    assert places.crs.to_epsg() == 25832
    assert places.geometry.iloc[0].distance(shapely.Point(X0, Y0)) < 0.01
    assert places.geometry.iloc[2].area == pytest.approx(1e6, rel=1e-6)


def test_other_projected_crs_read_into_the_county_crs(tmp_path):
    path = tmp_path / "orte.gpkg"
    mixed().to_crs("EPSG:3035").to_file(path, layer="orte")
    places = read_places(path)
    assert places.crs.to_epsg() == 25832
    back = Transformer.from_crs("EPSG:25832", "EPSG:3035", always_xy=True)
    stored = pyogrio.read_dataframe(path).geometry.iloc[1]
    assert np.allclose(back.transform(*places.geometry.iloc[1].coords[0]),
                       stored.coords[0], atol=0.01)


def test_shapefile_in_a_zip_archive(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    mixed().iloc[:2].to_file(folder / "Ortsteile.shp")
    archive = tmp_path / "ortsteile.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for part in sorted(folder.iterdir()):
            handle.write(part, f"daten/{part.name}")
    places = read_places(archive)
    assert places["name"].tolist() == ["Birkesdorf", "Am Bahnhof"]
    assert places.crs.to_epsg() == 25832


def test_layer_by_name_and_several_layers_refused_without_it(tmp_path):
    path = tmp_path / "orte.gpkg"
    mixed().to_file(path, layer="ortsteile")
    mixed(field="name").iloc[:1].to_file(path, layer="ortslagen")
    assert read_places(path, layer="ortslagen")["name"].tolist() == ["Birkesdorf"]
    with pytest.raises(InputError, match=r"holds 2 layers, pass layer=: .*ortsteile"):
        read_places(path)


def test_empty_names_are_left_out_with_a_warning(tmp_path):
    path = tmp_path / "orte.gpkg"
    frame = mixed()
    frame.loc[1, "Ortsteil"] = "   "
    frame.loc[2, "Ortsteil"] = None
    frame.to_file(path, layer="orte")
    with pytest.warns(UserWarning, match=r"orte.gpkg \(layer 'orte'\), column 'Ortsteil': "
                                         r"2 features without a name are left out "
                                         r"\(features 2, 3\)"):
        places = read_places(path)
    assert places["name"].tolist() == ["Birkesdorf"]


def test_no_name_field_lists_the_fields(tmp_path):
    path = tmp_path / "orte.gpkg"
    mixed(field="Bez_Kurz").to_file(path, layer="orte")
    with pytest.raises(InputError, match=re.escape(
            f"{path} (layer 'orte'): no name field: none of name, ortsteil")) as err:
        read_places(path)
    assert "fields: Bez_Kurz, Gemeinde" in str(err.value)
    assert "places: {path: ..., name: <field>}" in str(err.value)


def test_given_name_field_missing(tmp_path):
    path = tmp_path / "orte.gpkg"
    mixed().to_file(path, layer="orte")
    with pytest.raises(InputError, match=r"orte.gpkg \(layer 'orte'\), column 'Stadtteil': "
                                         r"missing field 'Stadtteil'; fields: Ortsteil, Gemeinde"):
        read_places(path, name="Stadtteil")


def test_only_empty_names_is_an_error(tmp_path):
    path = tmp_path / "orte.gpkg"
    mixed().assign(Ortsteil=["", " ", None]).to_file(path, layer="orte")
    with pytest.raises(InputError, match=r"column 'Ortsteil': no feature has a name "
                                         r"\(3 features read\)"):
        read_places(path)


@pytest.mark.parametrize("geometry, match", [
    (shapely.LineString([(X0, Y0), (X0 + 10, Y0)]),
     r"feature 2: LineString geometry \(place Am Bahnhof\); expected Point or MultiPoint"),
    (None, r"feature 2: no geometry \(place Am Bahnhof\)"),
], ids=["line", "null"])
def test_a_feature_without_point_or_polygon(tmp_path, geometry, match):
    path = tmp_path / "orte.gpkg"
    frame = mixed()
    frame.loc[1, "geometry"] = geometry
    frame.to_file(path, layer="orte")
    with pytest.raises(InputError, match=r"orte.gpkg \(layer 'orte'\), " + match):
        read_places(path)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_no_crs(tmp_path):
    path = tmp_path / "orte.gpkg"
    mixed().set_crs(None, allow_override=True).to_file(path, layer="orte")
    with pytest.raises(InputError, match=r"orte.gpkg \(layer 'orte'\): declares no CRS"):
        read_places(path)


def test_no_places_has_the_columns_of_a_layer():
    empty = no_places()
    assert empty.columns.tolist() == ["name", "geometry"] and len(empty) == 0
    assert empty.crs.to_epsg() == 25832
