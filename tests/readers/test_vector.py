"""Tests for the ZIP and folder handling of :mod:`pipeline.readers.vector`.

Test matrix
-----------
- :func:`locate_source`: a plain file; a folder searched recursively (shapefile by layer name,
  any case); a ZIP with the GeoPackage nested in folders; a ZIP of shapefiles picked by layer
  name, skipping ``__MACOSX``; the only vector file when no name matches; a sibling shapefile;
- the readers built on the helpers open ZIPs as well: :func:`read_units` on a zipped GeoJSON,
  :func:`read_barriers` on a zipped GeoPackage in a folder; their messages name
  ``archive!member``;
- errors: a ZIP with no vector file, two GeoPackages, several files and no layer named, a
  missing sibling shapefile.
"""

from __future__ import annotations

import re
import zipfile

import geopandas as gpd
import pytest
import shapely

from pipeline.errors import InputError
from pipeline.readers.barriers import read_barriers
from pipeline.readers.units import read_units
from pipeline.readers.vector import layer_display, locate_source

X0, Y0 = 300_000.0, 5_600_000.0


def polygons():
    return gpd.GeoDataFrame(
        {"ID": ["a", "b"], "POP": [10, 20]},
        geometry=[shapely.box(X0, Y0, X0 + 100, Y0 + 100), shapely.box(X0 + 100, Y0, X0 + 200, Y0 + 100)],
        crs="EPSG:25832",
    )


def lines():
    return gpd.GeoDataFrame(
        {"typ": ["bahn", "fluss"], "name": ["Strecke", "Rur"]},
        geometry=[shapely.LineString([(X0, Y0), (X0 + 500, Y0)]),
                  shapely.LineString([(X0, Y0 + 50), (X0 + 500, Y0 + 60)])],
        crs="EPSG:25832",
    )


def zip_folder(archive, folder, prefix, extra=()):
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                handle.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")
        for member in extra:
            handle.writestr(member, b"x")
    return archive


def test_plain_file_is_itself(tmp_path):
    path = tmp_path / "units.gpkg"
    polygons().to_file(path, layer="units")
    source = locate_source(path, "units")
    assert (source.gdal, source.display, source.member) == (str(path), str(path), None)


def test_folder_is_searched_for_the_layer(tmp_path):
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    polygons().to_file(folder / "Units_One.shp")
    polygons().to_file(folder / "Other.shp")
    source = locate_source(tmp_path / "a", "units_one")
    assert source.gdal == str(tmp_path / "a" / "b" / "Units_One.shp")


def test_zip_with_nested_geopackage(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    polygons().to_file(folder / "units.gpkg", layer="units")
    archive = zip_folder(tmp_path / "units.zip", folder, "x/y", extra=["x/readme.txt"])
    source = locate_source(archive, "units")
    assert source.member == "x/y/units.gpkg"
    assert source.display == f"{archive}!x/y/units.gpkg"
    assert source.gdal == f"/vsizip/{archive.resolve().as_posix()}/x/y/units.gpkg"
    assert layer_display(str(archive), "units") == f"{archive}!x/y/units.gpkg (layer 'units')"


def test_zip_of_shapefiles_picked_by_layer_name(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    polygons().to_file(folder / "VG250_GEM.shp")
    polygons().to_file(folder / "VG250_KRS.shp")
    archive = zip_folder(tmp_path / "s.zip", folder, "a/b", extra=["__MACOSX/a/b/._VG250_GEM.shp"])
    assert locate_source(archive, "vg250_gem").member == "a/b/VG250_GEM.shp"
    assert locate_source(archive, fallback="vg250_krs").member == "a/b/VG250_KRS.shp"


def test_only_vector_file_when_no_name_matches(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    polygons().to_file(folder / "blocks.geojson", driver="GeoJSON")
    archive = zip_folder(tmp_path / "b.zip", folder, "data")
    assert locate_source(archive, fallback="vg250_gem").member == "data/blocks.geojson"
    with pytest.raises(InputError, match=r"b\.zip: has no shapefile 'vg250_gem\.shp'"):
        locate_source(archive, "vg250_gem")


def test_sibling_shapefile(tmp_path):
    polygons().to_file(tmp_path / "VG250_GEM.shp")
    polygons().to_file(tmp_path / "VG250_KRS.shp")
    assert locate_source(tmp_path / "VG250_GEM.shp", "vg250_krs").gdal == str(
        tmp_path / "VG250_KRS.shp"
    )
    assert locate_source(tmp_path / "VG250_GEM.shp", fallback="nothing").gdal == str(
        tmp_path / "VG250_GEM.shp"
    )
    with pytest.raises(InputError, match=r"has no sibling shapefile 'vg250_lan\.shp'; layers: "
                       r"VG250_GEM, VG250_KRS"):
        locate_source(tmp_path / "VG250_GEM.shp", "vg250_lan")


def test_read_units_from_a_zipped_geojson(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    polygons().to_crs("EPSG:4326").to_file(folder / "blocks.geojson", driver="GeoJSON")
    archive = zip_folder(tmp_path / "blocks.zip", folder, "export")
    units = read_units(archive, "ID", "POP")
    assert units["unit_id"].tolist() == ["a", "b"]
    assert units["population"].tolist() == [10.0, 20.0]
    assert units.crs.to_epsg() == 4326
    with pytest.raises(
        InputError,
        match=rf"{re.escape(str(archive))}!export/blocks\.geojson \(layer 'blocks'\), column "
        r"'EW': missing field 'EW'",
    ):
        read_units(archive, "ID", "EW")


def test_read_barriers_from_a_zipped_geopackage(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    lines().to_file(folder / "barrieren.gpkg", layer="barrieren")
    archive = zip_folder(tmp_path / "barrieren.zip", folder, "kreis/daten")
    barriers = read_barriers(archive)
    assert barriers["kind"].tolist() == ["bahn", "fluss"]
    assert barriers.length.round().tolist() == [500.0, 500.0]
    with pytest.raises(
        InputError,
        match=rf"{re.escape(str(archive))}!kreis/daten/barrieren\.gpkg: has no layer 'linien'; "
        r"layers: barrieren",
    ):
        read_barriers(archive, layer="linien")


def test_error_zip_without_vector_files(tmp_path):
    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("docs/readme.txt", "nothing")
    with pytest.raises(InputError, match=r"empty\.zip: holds 0 vector files, name the layer to "
                       r"read; found: docs/readme\.txt"):
        locate_source(archive)


def test_error_zip_with_two_geopackages(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    polygons().to_file(folder / "a.gpkg", layer="a")
    polygons().to_file(folder / "b.gpkg", layer="b")
    archive = zip_folder(tmp_path / "two.zip", folder, "d")
    with pytest.raises(InputError, match=r"two\.zip: holds 2 GeoPackages; pick one: d/a\.gpkg, "
                       r"d/b\.gpkg"):
        locate_source(archive, "c")
    assert locate_source(archive, "b").member == "d/b.gpkg"  # a GeoPackage named as the layer


def test_error_several_files_and_no_layer(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    polygons().to_file(folder / "a.shp")
    polygons().to_file(folder / "b.shp")
    archive = zip_folder(tmp_path / "ab.zip", folder, "d")
    with pytest.raises(InputError, match=r"ab\.zip: holds 2 vector files, name the layer to "
                       r"read; found: d/a\.shp, d/b\.shp"):
        read_units(archive, "ID", "POP")
