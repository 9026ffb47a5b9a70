"""Tests for :mod:`pipeline.readers.barriers`.

Test matrix
-----------
- LineString and MultiLineString features with ``typ`` and ``name``, kinds normalised to
  lower case, a layer without ``name``, the field spelled ``kind``, another CRS kept;
- an unknown kind warns;
- errors (file, layer, feature, field): a polygon or point feature, a null geometry, an empty
  kind, no ``typ`` field, a missing layer (layers listed), no CRS.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from pipeline.errors import InputError
from pipeline.readers.barriers import read_barriers


def barrier_frame(crs="EPSG:25832"):
    return gpd.GeoDataFrame(
        {
            "typ": ["hauptstrasse", "Bahn", "fluss"],
            "name": ["B 56", "Bahnstrecke Köln–Aachen", "Rur"],
        },
        geometry=[
            shapely.LineString([(0, 0), (1000, 0)]),
            shapely.LineString([(0, 500), (1000, 600)]),
            shapely.MultiLineString([[(500, -100), (500, 400)], [(500, 400), (520, 900)]]),
        ],
        crs=crs,
    )


def write(tmp_path, frame, layer="barrieren"):
    path = tmp_path / "barrieren.gpkg"
    frame.to_file(path, layer=layer)
    return path


def test_read_barriers(tmp_path):
    barriers = read_barriers(write(tmp_path, barrier_frame()))
    assert barriers.columns.tolist() == ["kind", "name", "geometry"]
    assert barriers["kind"].tolist() == ["hauptstrasse", "bahn", "fluss"]
    assert barriers["name"].tolist() == ["B 56", "Bahnstrecke Köln–Aachen", "Rur"]
    # geopandas writes a mixed layer as MultiLineString
    assert barriers.geom_type.tolist() == ["MultiLineString"] * 3
    assert barriers.crs.to_epsg() == 25832
    assert barriers.length.iloc[0] == 1000.0


def test_without_name_and_kind_field_and_other_crs(tmp_path):
    frame = barrier_frame("EPSG:3035").rename(columns={"typ": "kind"}).drop(columns="name")
    barriers = read_barriers(write(tmp_path, frame))
    assert barriers["kind"].tolist() == ["hauptstrasse", "bahn", "fluss"]
    assert barriers["name"].isna().all()
    assert barriers.geom_type.tolist() == ["MultiLineString"] * 3
    assert barriers.crs.to_epsg() == 3035


def test_plain_linestrings(tmp_path):
    frame = barrier_frame().iloc[:2]
    barriers = read_barriers(write(tmp_path, frame))
    assert barriers.geom_type.tolist() == ["LineString", "LineString"]


def test_unknown_kind_warns(tmp_path):
    frame = barrier_frame().assign(typ=["hauptstrasse", "autobahn", "fluss"])
    with pytest.warns(UserWarning, match=r"unknown barrier kinds \['autobahn'\]"):
        barriers = read_barriers(write(tmp_path, frame))
    assert barriers["kind"].tolist() == ["hauptstrasse", "autobahn", "fluss"]


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        pytest.param(shapely.box(0, 0, 10, 10), "Polygon geometry", id="polygon"),
        pytest.param(shapely.Point(0, 0), "Point geometry", id="point"),
        pytest.param(None, "no geometry", id="null"),
    ],
)
def test_error_not_a_line_names_feature(tmp_path, geometry, reason):
    frame = barrier_frame()
    frame.loc[1, "geometry"] = geometry
    with pytest.raises(
        InputError,
        match=rf"barrieren.gpkg \(layer 'barrieren'\), feature 2: "
        rf"{reason} \(typ bahn\)",
    ):
        read_barriers(write(tmp_path, frame))


def test_error_empty_kind(tmp_path):
    frame = barrier_frame().assign(typ=["hauptstrasse", " ", "fluss"])
    with pytest.raises(
        InputError,
        match=r"barrieren\.gpkg \(layer 'barrieren'\), feature 2, column 'typ': empty kind",
    ):
        read_barriers(write(tmp_path, frame))


def test_error_no_typ_field(tmp_path):
    path = write(tmp_path, barrier_frame().rename(columns={"typ": "art"}))
    with pytest.raises(
        InputError,
        match=r"barrieren\.gpkg \(layer 'barrieren'\), column 'typ': missing field "
        r"'typ'; fields: art, name",
    ):
        read_barriers(path)


def test_error_missing_layer(tmp_path):
    path = write(tmp_path, barrier_frame(), layer="linien")
    with pytest.raises(
        InputError,
        match=r"barrieren.gpkg: has no layer 'barrieren'; layers: "
        r"linien",
    ):
        read_barriers(path)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_error_no_crs(tmp_path):
    path = write(tmp_path, barrier_frame().set_crs(None, allow_override=True))
    with pytest.raises(InputError, match=r"barrieren\.gpkg \(layer 'barrieren'\): declares no CRS"):
        read_barriers(path)
