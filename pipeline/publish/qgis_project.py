"""A QGIS project beside the GeoPackage: every layer grouped, styled, in the county's CRS.

``sozialraeume.qgz`` is a ZIP holding one ``.qgs`` XML document. Its layers point at the
GeoPackage by a relative path (``./sozialraeume.gpkg|layername=...``), so the release
folder can be copied or moved as a whole. A project stores its own style per layer (QGIS
does not look into ``layer_styles`` when it opens a project, only when a layer is added),
so each layer's renderer and labeling are embedded from the publication's QML.

Equal input gives equal bytes: fixed ZIP timestamps, layer ids derived from layer names,
no save date.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
from pyproj import CRS

from pipeline.crs import COUNTY_CRS
from pipeline.files import atomic_path
from pipeline.layout import FACILITY_LAYER, GEOPACKAGE, LOCK_LAYER
from pipeline.publish.styles import line_qml, outline_qml

__all__ = ["GROUPS", "QGIS_VERSION", "build_project", "layer_id", "write_project"]

#: The QGIS version written into the project: the oldest the project is made for.
QGIS_VERSION = "3.22.0-Białowieża"
#: Layer tree groups and their layers, top (drawn last) to bottom; missing layers skipped,
#: spatial layers not named here go into the last group.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Sozialräume", ("sozialraeume", "sozialraeume_status", "sozialraeume_typen",
                     LOCK_LAYER)),
    ("Grundlagen", (FACILITY_LAYER, "zellen", "gemeinden", "kreis", "barrieren")),
)
#: Layers shown when the project opens (the others are in the tree, switched off).
VISIBLE = ("sozialraeume", LOCK_LAYER, "gemeinden", "kreis")
#: Timestamp of every ZIP entry (the earliest a ZIP can hold).
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_GEOMETRY = {"Polygon": "Polygon", "MultiPolygon": "Polygon", "LineString": "Line",
             "MultiLineString": "Line", "Point": "Point", "MultiPoint": "Point"}


def layer_id(name: str) -> str:
    """The project's id of a layer: its name and a short hash of it (no random part)."""
    return f"{name}_{hashlib.sha256(name.encode()).hexdigest()[:12]}"


def build_project(publication, *, geopackage: str = GEOPACKAGE, title: str = "Sozialräume",
                  crs: str = COUNTY_CRS, layers: Mapping[str, object] | None = None,
                  qml: Mapping[str, str] | None = None) -> bytes:
    """The ``.qgz`` bytes of a project opening every spatial layer of ``publication``.

    Parameters
    ----------
    publication : Publication
        Its ``layers`` (spatial ones are added), ``qml`` (style per layer) and the
        ``kreis`` layer (the extent; else the union of all layers).
    geopackage : str, default ``sozialraeume.gpkg``
        File name of the GeoPackage, beside the project.
    title : str
        Project title.
    crs : str
        Project CRS (the layers are written in it).
    layers, qml : mapping, optional
        The layers and styles written to the GeoPackage when they are more than the
        publication's own (the county's facilities); default the publication's.
    """
    layers = {name: frame for name, frame in (layers or publication.layers).items()
              if isinstance(frame, gpd.GeoDataFrame)}
    qgs = _document(layers, qml or publication.qml, geopackage=geopackage, title=title,
                    crs=crs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(f"{Path(geopackage).stem}.qgs", date_time=_ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        info.create_system = 3
        archive.writestr(info, qgs)
    return buffer.getvalue()


def write_project(path: str | os.PathLike, publication, **kwargs) -> Path:
    """Write :func:`build_project` to ``path`` (temporary file, then replace)."""
    path = Path(path)
    data = build_project(publication, **kwargs)
    with atomic_path(path, suffix=".tmp.qgz") as tmp:
        tmp.write_bytes(data)
    return path


def _document(layers: Mapping[str, gpd.GeoDataFrame], qml: Mapping[str, str], *,
              geopackage: str, title: str, crs: str) -> bytes:
    srs = CRS.from_user_input(crs)
    root = ET.Element("qgis", {"projectname": title, "version": QGIS_VERSION})
    ET.SubElement(root, "homePath", {"path": ""})
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "projectCrs").append(_spatialrefsys(srs))
    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    for group, members in _groups(layers):
        node = ET.SubElement(tree, "layer-tree-group", {
            "name": group, "checked": "Qt::Checked", "expanded": "1"})
        ET.SubElement(node, "customproperties")
        for name in members:
            leaf = ET.SubElement(node, "layer-tree-layer", {
                "id": layer_id(name), "name": name, "source": _source(geopackage, name),
                "providerKey": "ogr",
                "checked": "Qt::Checked" if name in VISIBLE else "Qt::Unchecked",
                "expanded": "0"})
            ET.SubElement(leaf, "customproperties")
    ordered = [name for _, members in _groups(layers) for name in members]
    custom = ET.SubElement(tree, "custom-order", {"enabled": "0"})
    for name in ordered:
        ET.SubElement(custom, "item").text = layer_id(name)
    canvas = ET.SubElement(root, "mapcanvas", {"name": "theMapCanvas",
                                               "annotationsVisible": "1"})
    ET.SubElement(canvas, "units").text = "meters"
    canvas.append(_extent(_county_bounds(layers)))
    ET.SubElement(canvas, "rotation").text = "0"
    ET.SubElement(canvas, "destinationsrs").append(_spatialrefsys(srs))
    ET.SubElement(canvas, "rendermaptile").text = "0"
    project_layers = ET.SubElement(root, "projectlayers")
    for name in ordered:
        project_layers.append(_maplayer(name, layers[name], qml.get(name), geopackage, srs))
    order = ET.SubElement(root, "layerorder")
    for name in ordered:
        ET.SubElement(order, "layer", {"id": layer_id(name)})
    properties = ET.SubElement(root, "properties")
    paths = ET.SubElement(properties, "Paths")
    ET.SubElement(paths, "Absolute", {"type": "bool"}).text = "false"
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f"{body}\n").encode()


def _groups(layers: Mapping[str, gpd.GeoDataFrame]) -> list[tuple[str, list[str]]]:
    named = {name for _, members in GROUPS for name in members}
    groups = [(group, [n for n in members if n in layers]) for group, members in GROUPS]
    rest = [n for n in layers if n not in named]
    if rest:
        groups[-1] = (groups[-1][0], [*groups[-1][1], *rest])
    return [(group, members) for group, members in groups if members]


def _source(geopackage: str, name: str) -> str:
    return f"./{geopackage}|layername={name}"


def _county_bounds(layers: Mapping[str, gpd.GeoDataFrame]) -> Sequence[float]:
    frames = [layers["kreis"]] if "kreis" in layers else list(layers.values())
    bounds = [f.total_bounds for f in frames if len(f)]
    if not bounds:
        return (0.0, 0.0, 0.0, 0.0)
    return (min(b[0] for b in bounds), min(b[1] for b in bounds),
            max(b[2] for b in bounds), max(b[3] for b in bounds))


def _extent(bounds: Sequence[float]) -> ET.Element:
    extent = ET.Element("extent")
    for key, value in zip(("xmin", "ymin", "xmax", "ymax"), bounds, strict=True):
        ET.SubElement(extent, key).text = repr(float(value))
    return extent


def _spatialrefsys(srs: CRS) -> ET.Element:
    element = ET.Element("spatialrefsys", {"nativeFormat": "Wkt"})
    authority = srs.to_authority()
    authid = f"{authority[0]}:{authority[1]}" if authority else ""
    with warnings.catch_warnings():  # a PROJ string loses detail; QGIS reads the WKT first
        warnings.simplefilter("ignore", UserWarning)
        proj4 = srs.to_proj4()
        acronym = srs.to_dict().get("proj") or ""
    ellipsoid = (srs.ellipsoid.to_json_dict().get("id") or {}) if srs.ellipsoid else {}
    for key, value in (
        ("wkt", srs.to_wkt("WKT2_2019")),
        ("proj4", proj4),
        ("srid", authority[1] if authority else ""),
        ("authid", authid),
        ("description", srs.name),
        ("projectionacronym", acronym),
        ("ellipsoidacronym", f"{ellipsoid['authority']}:{ellipsoid['code']}" if ellipsoid
         else ""),
        ("geographicflag", "true" if srs.is_geographic else "false"),
    ):
        ET.SubElement(element, key).text = str(value)
    return element


def _maplayer(name: str, frame: gpd.GeoDataFrame, qml: str | None, geopackage: str,
              srs: CRS) -> ET.Element:
    types = sorted({t for t in frame.geom_type.dropna().unique()}) or \
        [frame.attrs.get("geometry_type", "MultiPolygon")]
    kind = _GEOMETRY.get(types[0], "Polygon")
    wkb = {"Polygon": "MultiPolygon", "Line": "MultiLineString", "Point": "MultiPoint"}[kind] \
        if "geometry_type" not in frame.attrs else frame.attrs["geometry_type"]
    style = ET.fromstring(qml) if qml else None
    labels = style is not None and style.find("labeling") is not None \
        and style.get("labelsEnabled", "0") == "1"
    layer = ET.Element("maplayer", {
        "type": "vector", "geometry": kind, "wkbType": wkb, "hasScaleBasedVisibilityFlag": "0",
        "autoRefreshEnabled": "0", "refreshOnNotifyEnabled": "0",
        "labelsEnabled": "1" if labels else "0", "readOnly": "0",
        "simplifyDrawingHints": "1" if kind != "Point" else "0"})
    if len(frame):
        layer.append(_extent(frame.total_bounds))
    ET.SubElement(layer, "id").text = layer_id(name)
    ET.SubElement(layer, "datasource").text = _source(geopackage, name)
    ET.SubElement(layer, "layername").text = name
    ET.SubElement(layer, "srs").append(_spatialrefsys(srs))
    ET.SubElement(layer, "provider", {"encoding": "UTF-8"}).text = "ogr"
    renderer = style.find("renderer-v2") if style is not None else None
    if renderer is None:  # no style given: a plain outline or line
        fallback = line_qml() if kind == "Line" else outline_qml()
        renderer = ET.fromstring(fallback).find("renderer-v2")
    layer.append(renderer)
    if labels:
        layer.append(style.find("labeling"))
    return layer
