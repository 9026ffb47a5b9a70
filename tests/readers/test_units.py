"""Tests for :mod:`pipeline.readers.units`.

Test matrix
-----------
- a GeoPackage of census blocks in EPSG:26918 (IDs with leading zeros, integer population,
  indicators with a missing value, a parent field); a GeoJSON in EPSG:4326 with one layer;
  numbers stored as text;
- CRS: kept as declared; ``crs=`` for a file without CRS; ``crs=`` against a different
  declared CRS warns;
- errors (file, layer, feature, field): missing field (fields listed), several layers and no
  ``layer=`` (layers listed), no CRS, null / duplicate ID (both features), missing, negative
  or non-numeric population, non-numeric indicator, a line feature, an invalid bowtie
  (feature and ID), bad arguments.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from pipeline.errors import InputError
from pipeline.readers.units import read_units

X0, Y0 = 580_000.0, 4_500_000.0


def blocks(crs="EPSG:26918"):
    return gpd.GeoDataFrame(
        {
            "GEOID20": ["360610001001000", "360610001001001", "360610001001002"],
            "POP20": [120, 0, 37],
            "HOUSING20": [50, 0, 20],
            "MEDINC": [51000.0, np.nan, 38000.0],
            "TRACT": ["36061000100", "36061000100", "36061000200"],
        },
        geometry=[shapely.box(X0 + i * 100, Y0, X0 + (i + 1) * 100, Y0 + 100) for i in range(3)],
        crs=crs,
    )


def write(tmp_path, frame, name="blocks.gpkg", layer="blocks"):
    path = tmp_path / name
    frame.to_file(path, layer=layer)
    return path


def test_read_units(tmp_path):
    units = read_units(
        write(tmp_path, blocks()),
        "GEOID20",
        "POP20",
        ["HOUSING20", "MEDINC"],
        parent_column="TRACT",
    )
    assert units.columns.tolist() == [
        "unit_id",
        "population",
        "HOUSING20",
        "MEDINC",
        "parent",
        "geometry",
    ]
    assert units["unit_id"].tolist() == ["360610001001000", "360610001001001", "360610001001002"]
    assert units["population"].tolist() == [120.0, 0.0, 37.0]
    assert units["HOUSING20"].tolist() == [50.0, 0.0, 20.0]
    assert np.isnan(units["MEDINC"].iloc[1])
    assert units["parent"].tolist() == ["36061000100", "36061000100", "36061000200"]
    assert units.crs.to_epsg() == 26918
    assert units.area.tolist() == [10_000.0] * 3
    assert units.attrs["layer"] == "blocks"


def test_geojson_single_layer_and_text_numbers(tmp_path):
    frame = blocks().to_crs("EPSG:4326").assign(POP20=["120", "0", "37"])
    path = tmp_path / "blocks.geojson"
    frame.to_file(path, driver="GeoJSON")
    units = read_units(path, "GEOID20", "POP20")
    assert units.columns.tolist() == ["unit_id", "population", "geometry"]
    assert units["population"].tolist() == [120.0, 0.0, 37.0]
    assert units.crs.to_epsg() == 4326


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_crs_argument_for_file_without_crs(tmp_path):
    path = write(tmp_path, blocks().set_crs(None, allow_override=True))
    with pytest.raises(
        InputError,
        match=r"blocks.gpkg \(layer 'blocks'\): declares no CRS; "
        r"pass crs=",
    ):
        read_units(path, "GEOID20", "POP20")
    units = read_units(path, "GEOID20", "POP20", crs="EPSG:26918")
    assert units.crs.to_epsg() == 26918


def test_crs_argument_against_declared_crs_warns(tmp_path):
    path = write(tmp_path, blocks())
    with pytest.warns(UserWarning, match=r"declares EPSG:26918, using crs=EPSG:32618"):
        units = read_units(path, "GEOID20", "POP20", crs="EPSG:32618")
    assert units.crs.to_epsg() == 32618


# --- errors -------------------------------------------------------------------------------


def test_error_missing_field_lists_fields(tmp_path):
    path = write(tmp_path, blocks())
    with pytest.raises(
        InputError,
        match=r"blocks\.gpkg \(layer 'blocks'\), column 'POP2020': missing field "
        r"'POP2020'; fields: GEOID20, POP20, HOUSING20, "
        r"MEDINC, TRACT",
    ):
        read_units(path, "GEOID20", "POP2020")


def test_error_several_layers(tmp_path):
    path = write(tmp_path, blocks())
    blocks().to_file(path, layer="tracts")
    with pytest.raises(
        InputError,
        match=r"blocks.gpkg: holds 2 layers, pass layer=: blocks, "
        r"tracts",
    ):
        read_units(path, "GEOID20", "POP20")
    assert len(read_units(path, "GEOID20", "POP20", layer="tracts")) == 3


def test_error_null_id(tmp_path):
    frame = blocks()
    frame.loc[2, "GEOID20"] = None
    with pytest.raises(
        InputError,
        match=r"blocks\.gpkg \(layer 'blocks'\), feature 3, column 'GEOID20': the unit ID is empty",
    ):
        read_units(write(tmp_path, frame), "GEOID20", "POP20")


def test_error_duplicate_id_names_both_features(tmp_path):
    frame = blocks()
    frame.loc[2, "GEOID20"] = "360610001001000"
    with pytest.raises(
        InputError,
        match=r"blocks\.gpkg \(layer 'blocks'\), feature 1, column 'GEOID20': unit ID "
        r"'360610001001000' is not unique: features 1, 3",
    ):
        read_units(write(tmp_path, frame), "GEOID20", "POP20")


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        pytest.param([120, -4, 37], r"of unit '360610001001001' is negative: -4", id="negative"),
        pytest.param([120.0, np.nan, 37.0], r"of unit '360610001001001' is missing", id="null"),
        pytest.param(
            ["120", "viele", "37"], r"of unit '360610001001001' is not a number: 'viele'", id="text"
        ),
    ],
)
def test_error_bad_population(tmp_path, values, reason):
    frame = blocks().assign(POP20=values)
    with pytest.raises(
        InputError,
        match=rf"blocks\.gpkg \(layer 'blocks'\), feature 2, column 'POP20': POP20 {reason}",
    ):
        read_units(write(tmp_path, frame), "GEOID20", "POP20")


def test_error_non_numeric_indicator(tmp_path):
    frame = blocks().assign(MEDINC=["51000", "n/a", "38000"])
    with pytest.raises(
        InputError,
        match=r"blocks\.gpkg \(layer 'blocks'\), feature 2, column 'MEDINC': MEDINC of unit "
        r"'360610001001001' is not a number: 'n/a'",
    ):
        read_units(write(tmp_path, frame), "GEOID20", "POP20", ["MEDINC"])


def test_error_line_geometry(tmp_path):
    frame = blocks()
    frame.loc[0, "geometry"] = shapely.LineString([(X0, Y0), (X0 + 100, Y0)])
    with pytest.raises(
        InputError,
        match=r"blocks\.gpkg \(layer 'blocks'\), feature 1: LineString geometry \(GEOID20 "
        r"360610001001000\); expected Polygon or MultiPolygon",
    ):
        read_units(write(tmp_path, frame), "GEOID20", "POP20")


def test_error_invalid_bowtie(tmp_path):
    frame = blocks()
    frame.loc[1, "geometry"] = shapely.Polygon(
        [(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)]
    )
    with pytest.raises(
        InputError,
        match=r"blocks\.gpkg \(layer 'blocks'\), feature 2: invalid geometry \(GEOID20 "
        r"360610001001001\): Self-intersection",
    ):
        read_units(write(tmp_path, frame), "GEOID20", "POP20")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param(
            {"indicator_columns": "MEDINC"}, TypeError, "indicator_columns", id="indicators-as-str"
        ),
        pytest.param(
            {"indicator_columns": ["population"]},
            ValueError,
            "indicator_columns",
            id="reserved-name",
        ),
        pytest.param({"id_column": 1}, TypeError, "id_column", id="id-not-str"),
        pytest.param({"crs": "EPSG:999999"}, ValueError, "crs must be", id="unknown-crs"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, error, match):
    arguments = {"id_column": "GEOID20", "population_column": "POP20"} | kwargs
    with pytest.raises(error, match=match):
        read_units(write(tmp_path, blocks()), **arguments)


def test_error_blank_id(tmp_path):
    frame = blocks()
    frame.loc[1, "GEOID20"] = "  "
    with pytest.raises(
        InputError,
        match=r"blocks\.gpkg \(layer 'blocks'\), feature 2, column 'GEOID20': the unit ID is empty",
    ):
        read_units(write(tmp_path, frame), "GEOID20", "POP20")
