"""Atomic GeoPackage publishing: layers, styles where QGIS looks, failure keeps the old file."""

import os

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from pipeline.publish.geopackage import (
    LayerStyle,
    PublishError,
    publish_geopackage,
    read_layer_styles,
)


def _layers(n=3):
    polys = gpd.GeoDataFrame(
        {"sr_id": [f"SR-{i}" for i in range(n)]},
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(n)],
        crs="EPSG:25832",
    )
    table = pd.DataFrame({"key": ["a", "b"], "value": [1.5, 2.5]})
    return {"sozialraeume": polys, "katalog": table}


def test_layers_and_styles_are_written(tmp_path):
    path = tmp_path / "out.gpkg"
    style = LayerStyle("default", "<qgis styleCategories=\"Symbology\"></qgis>", "d")
    publish_geopackage(
        path, _layers(), descriptions={"sozialraeume": "Sozialräume"}, styles={"sozialraeume": style}
    )
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) >= {"sozialraeume", "katalog", "layer_styles"}
    info = pyogrio.read_info(path, layer="sozialraeume")
    assert info["crs"] == "EPSG:25832" and info["features"] == 3
    assert info["geometry_name"] == "geom"
    assert info["layer_metadata"]["DESCRIPTION"] == "Sozialräume"
    styles = read_layer_styles(path)
    row = styles.iloc[0]
    assert row["f_table_schema"] == "" and row["f_table_name"] == "sozialraeume"
    assert row["f_geometry_column"] == "geom" and row["useAsDefault"] == 1
    assert not list(tmp_path.glob(".*tmp*"))


def test_same_input_gives_the_same_bytes(tmp_path):
    a, b = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    publish_geopackage(a, _layers())
    publish_geopackage(b, _layers())
    assert a.read_bytes() == b.read_bytes()


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "out.gpkg"
    publish_geopackage(path, _layers(3))
    before = path.read_bytes()
    bad = _layers(2)
    bad["sozialraeume"] = bad["sozialraeume"].set_crs(None, allow_override=True)
    with pytest.raises(PublishError, match="no CRS"):
        publish_geopackage(path, bad)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".*tmp*"))


def test_refuses_while_someone_edits(tmp_path):
    path = tmp_path / "out.gpkg"
    publish_geopackage(path, _layers())
    (tmp_path / "out.gpkg-wal").write_bytes(b"")
    with pytest.raises(PublishError, match="open for editing"):
        publish_geopackage(path, _layers(1))
    assert pyogrio.read_info(path, layer="sozialraeume")["features"] == 3
    os.remove(tmp_path / "out.gpkg-wal")
