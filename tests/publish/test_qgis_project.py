"""The QGIS project beside the GeoPackage, the GeoPackage version, the clipped barriers."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
import zipfile

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from pipeline.publish.geopackage import LayerStyle, publish_geopackage
from pipeline.publish.publication import Publication, clip_to_county, lock_layer
from pipeline.publish.qgis_project import build_project, layer_id, write_project
from pipeline.publish.styles import categorized_qml, line_qml, outline_qml
from pipeline.publish.tiling import TilingReport

CRS = "EPSG:25832"


def _publication() -> Publication:
    boxes = [shapely.box(320_000 + i * 2000, 5_620_000, 322_000 + i * 2000, 5_623_000)
             for i in range(3)]
    regions = gpd.GeoDataFrame({"sr_id": [f"SR-05399-{i + 1:03d}" for i in range(3)],
                                "name": ["Nord", "Mitte", "Süd"], "status": ["a", "b", "a"]},
                               geometry=boxes, crs=CRS)
    county = gpd.GeoDataFrame({"name": ["Kreis"]}, geometry=[shapely.union_all(boxes)],
                              crs=CRS)
    barriers = gpd.GeoDataFrame(
        {"art": ["bahn", "fluss"]},
        geometry=[shapely.LineString([(319_000, 5_621_000), (327_000, 5_621_500)]),
                  shapely.LineString([(321_000, 5_619_000), (321_500, 5_624_000)])], crs=CRS)
    layers = {
        "sozialraeume": regions,
        "sozialraeume_status": regions[["sr_id", "status", "geometry"]].copy(),
        "gemeinden": county.copy(),
        "kreis": county,
        "barrieren": clip_to_county(barriers, county),
        "fixierungen": lock_layer(None),
        "aenderungen": pd.DataFrame({"sr_id": ["SR-05399-001"], "aenderung": ["neu"]}),
    }
    qml = {
        "sozialraeume": categorized_qml("sr_id", [(s, s, "#a6cee3") for s in regions["sr_id"]],
                                        label_field="name"),
        "sozialraeume_status": categorized_qml("status", [("a", "a", "#1a9641"),
                                                          ("b", "b", "#d7191c")]),
        "gemeinden": outline_qml("#555555", 0.4, label_field="name"),
        "kreis": outline_qml("#000000", 0.8),
        "barrieren": line_qml(),
    }
    tiling = TilingReport(3, 18e6, 18e6, 0.0, 0.0, 0.0, 0, True, 50.0, 0)
    return Publication(regions, layers, {}, qml, {}, tiling, {})


def _published(tmp_path):
    pub = _publication()
    gpkg = publish_geopackage(tmp_path / "sozialraeume.gpkg", pub.layers,
                              styles={k: LayerStyle(k, v) for k, v in pub.qml.items()})
    project = write_project(tmp_path / "sozialraeume.qgz", pub)
    return pub, gpkg, project


def _qgs(project) -> ET.Element:
    with zipfile.ZipFile(project) as archive:
        names = archive.namelist()
        assert len(names) == 1 and names[0].endswith(".qgs")
        return ET.fromstring(archive.read(names[0]))


def test_project_opens_every_spatial_layer_styled_with_relative_paths(tmp_path):
    _, gpkg, project = _published(tmp_path)
    root = _qgs(project)
    assert root.tag == "qgis" and root.get("version", "").startswith("3.")
    assert root.find("projectCrs/spatialrefsys/authid").text == "EPSG:25832"
    assert root.find("properties/Paths/Absolute").text == "false"
    spatial = {str(name) for name, geometry in pyogrio.list_layers(gpkg) if geometry}
    maplayers = root.findall("projectlayers/maplayer")
    by_name = {m.find("layername").text: m for m in maplayers}
    assert set(by_name) == spatial
    for name, layer in by_name.items():
        source = layer.find("datasource").text
        assert source == f"./sozialraeume.gpkg|layername={name}"
        path, _, layername = source.partition("|layername=")
        assert (project.parent / path).exists() and layername in spatial
        assert layer.find("id").text == layer_id(name)
        assert layer.find("provider").text == "ogr"
        assert layer.find("srs/spatialrefsys/authid").text == "EPSG:25832"
        assert layer.find("renderer-v2") is not None
    # styles embedded from the publication's QML; labels where the QML has them
    assert by_name["sozialraeume"].find("renderer-v2").get("type") == "categorizedSymbol"
    assert by_name["sozialraeume"].find("labeling") is not None
    assert by_name["barrieren"].get("geometry") == "Line"
    # grouped, every tree layer a project layer
    groups = {g.get("name"): [leaf.get("name") for leaf in g.findall("layer-tree-layer")]
              for g in root.findall("layer-tree-group/layer-tree-group")}
    assert groups == {"Sozialräume": ["sozialraeume", "sozialraeume_status", "fixierungen"],
                      "Grundlagen": ["gemeinden", "kreis", "barrieren"]}
    # the county's extent
    extent = [float(root.find(f"mapcanvas/extent/{k}").text)
              for k in ("xmin", "ymin", "xmax", "ymax")]
    assert extent == [320_000.0, 5_620_000.0, 326_000.0, 5_623_000.0]


def test_same_input_gives_the_same_bytes(tmp_path):
    assert build_project(_publication()) == build_project(_publication())
    _, _, first = _published(tmp_path / "a")
    _, _, second = _published(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert archive.infolist()[0].date_time == (1980, 1, 1, 0, 0, 0)


def test_geopackage_is_version_1_2(tmp_path):
    _, gpkg, _ = _published(tmp_path)
    con = sqlite3.connect(gpkg)
    try:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200
    finally:
        con.close()


def test_barriers_lie_within_the_county(tmp_path):
    pub, gpkg, _ = _published(tmp_path)
    county = shapely.union_all(pub.layers["kreis"].geometry.values)
    barriers = pyogrio.read_dataframe(gpkg, layer="barrieren")
    assert list(barriers["art"]) == ["bahn", "fluss"]
    assert all(county.buffer(1e-6).covers(g) for g in barriers.geometry)
    assert barriers.length.sum() < 8000 + 5100  # the parts outside are gone


def test_the_countys_facilities_are_in_the_project_styled(tmp_path):
    """Layers the GeoPackage gets beside the publication's (the facility points) are in the
    project too, as points with their style, in the group of the base layers."""
    from pipeline.publish.facilities import facility_qml

    pub = _publication()
    points = gpd.GeoDataFrame(
        {"art": ["kita", "schule"], "art_text": ["Kita", "Schule"], "name": ["A", "B"]},
        geometry=[shapely.Point(321_000, 5_621_000), shapely.Point(323_000, 5_622_000)],
        crs=CRS)
    layers, qml = pub.layers | {"einrichtungen": points}, pub.qml | {
        "einrichtungen": facility_qml()}
    project = write_project(tmp_path / "sozialraeume.qgz", pub, layers=layers, qml=qml)
    root = _qgs(project)
    by_name = {m.find("layername").text: m for m in root.findall("projectlayers/maplayer")}
    assert by_name["einrichtungen"].get("geometry") == "Point"
    assert by_name["einrichtungen"].find("renderer-v2") is not None
    groups = {g.get("name"): [leaf.get("name") for leaf in g.findall("layer-tree-layer")]
              for g in root.findall("layer-tree-group/layer-tree-group")}
    assert groups["Grundlagen"][0] == "einrichtungen"
