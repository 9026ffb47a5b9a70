"""The lock layer as planners save it from QGIS: written here by hand, not by the pipeline.

A GeoPackage layer ``fixierungen`` (or a GeoJSON) with polygons and ``sr_id`` / ``gruppe``
/ ``name`` / ``bemerkung``, in any CRS: read into the county CRS with a name for messages;
a missing file or layer is no locks only when asked; a lock with neither or both targets,
an ID that is not an ID, a field set without ``sr_id`` and ``gruppe`` and a line geometry
are errors naming the file, the feature and the field.
"""

import geopandas as gpd
import pytest
import shapely

from pipeline.crs import COUNTY_CRS
from pipeline.errors import InputError
from pipeline.readers import read_locks


def _write(path, rows, crs="EPSG:25832", layer="fixierungen", driver="GPKG"):
    geoms = [r.pop("geometry", shapely.box(320_000, 5_630_000, 320_100, 5_630_100))
             for r in rows]
    gpd.GeoDataFrame(rows, geometry=geoms, crs=crs).to_file(path, layer=layer, driver=driver)
    return path


def test_locks_read_in_the_county_crs_with_names(tmp_path):
    path = _write(tmp_path / "fix.gpkg", [
        {"sr_id": "SR-05399-004", "gruppe": None, "name": "Am Bahnhof", "bemerkung": "AK 3",
         "geometry": shapely.box(4_100_000, 3_100_000, 4_100_100, 3_100_100)},
        {"sr_id": None, "gruppe": "Schulweg", "name": None, "bemerkung": None,
         "geometry": shapely.box(4_100_100, 3_100_000, 4_100_200, 3_100_100)},
    ], crs="EPSG:3035")  # drawn in the Zensus grid's CRS
    locks = read_locks(path)
    assert locks.crs == COUNTY_CRS
    assert locks["lock"].tolist() == ["Am Bahnhof", "Fixierung 2"]
    assert locks["sr_id"].tolist() == ["SR-05399-004", None]
    assert locks["gruppe"].tolist() == [None, "Schulweg"]
    assert locks.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert locks.geometry.iloc[0].area == pytest.approx(100 * 100, rel=0.01)


def test_a_geojson_with_only_sr_id_and_upper_case_fields(tmp_path):
    path = _write(tmp_path / "fix.geojson", [{"SR_ID": " SR-05399-011 "}], driver="GeoJSON",
                  layer="fix")
    locks = read_locks(path, layer=None)
    assert locks["sr_id"].tolist() == ["SR-05399-011"] and locks["gruppe"].tolist() == [None]


def test_missing_file_or_layer(tmp_path):
    assert len(read_locks(tmp_path / "none.gpkg", missing_ok=True)) == 0
    path = _write(tmp_path / "other.gpkg", [{"sr_id": "SR-05399-001"}], layer="anders")
    assert len(read_locks(path, missing_ok=True)) == 0
    with pytest.raises(InputError, match="fixierungen"):
        read_locks(path)


@pytest.mark.parametrize(("row", "match", "column"), [
    ({"sr_id": None, "gruppe": None, "name": "Leer"}, "names neither", "sr_id"),
    ({"sr_id": "SR-05399-001", "gruppe": "X", "name": "Beides"}, "both", "gruppe"),
    ({"sr_id": "Birkesdorf", "gruppe": None, "name": "Ort"}, "not a social-space ID", "sr_id"),
])
def test_bad_locks_name_feature_and_field(tmp_path, row, match, column):
    path = _write(tmp_path / "fix.gpkg", [{"sr_id": "SR-05399-002", "gruppe": None,
                                           "name": "gut"}, row])
    with pytest.raises(InputError, match=match) as info:
        read_locks(path)
    assert (info.value.feature, info.value.column) == (2, column)
    assert "fix.gpkg" in str(info.value)


def test_a_layer_without_target_fields_or_with_lines(tmp_path):
    path = _write(tmp_path / "fix.gpkg", [{"name": "nur Name"}])
    with pytest.raises(InputError, match="needs a field 'sr_id'"):
        read_locks(path)
    line = shapely.LineString([(320_000, 5_630_000), (320_100, 5_630_100)])
    path = _write(tmp_path / "lines.gpkg", [{"sr_id": "SR-05399-001", "geometry": line}])
    with pytest.raises(InputError, match="LineString") as info:
        read_locks(path)
    assert info.value.feature == 1
