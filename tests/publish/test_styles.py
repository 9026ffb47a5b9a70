"""QML styles: well-formed documents QGIS reads, categories, ranges, labels, colours.

Test matrix
-----------
- ``categorized_qml`` with and without labels; ``graduated_qml``; ``outline_qml``;
  ``line_qml``: parse as XML, renderer type and attribute, one symbol per class.
- ``region_colors``: touching polygons differ.
- ``write_qml``: file written, no temporary left.
"""

import xml.etree.ElementTree as ET

import pytest
import shapely

from pipeline.publish.styles import (
    categorized_qml,
    graduated_qml,
    line_qml,
    outline_qml,
    region_colors,
    write_qml,
)


def _parse(qml: str) -> ET.Element:
    root = ET.fromstring(qml.split("\n", 1)[1])  # skip the DOCTYPE line
    assert root.tag == "qgis"
    return root


def test_categorized_with_labels():
    qml = categorized_qml("sr_id", [("SR-1", "Rurstadt-Nord", "#8dd3c7"),
                                    ("SR-2", "Jülfeld & Süd", "#fb8072")], label_field="name")
    root = _parse(qml)
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "sr_id"
    cats = renderer.findall("categories/category")
    assert [c.get("value") for c in cats] == ["SR-1", "SR-2"]
    assert cats[1].get("label") == "Jülfeld & Süd"
    assert len(renderer.findall("symbols/symbol")) == 2
    color = renderer.find("symbols/symbol/layer/Option/Option[@name='color']").get("value")
    assert color == "141,211,199,255"
    assert root.get("labelsEnabled") == "1"
    assert root.find("labeling/settings/text-style").get("fieldName") == "name"
    assert "Labeling" in root.get("styleCategories")


def test_categorized_without_labels():
    root = _parse(categorized_qml("sr_id", [("a", "a", "#fff")]))
    assert root.get("labelsEnabled") == "0" and root.find("labeling") is None


def test_graduated_ranges():
    ranges = [(-1e9, -1.0, "hoch", "#1a9641"), (-1.0, 1.0, "mittel", "#a6d96a")]
    renderer = _parse(graduated_qml("social_index_z", ranges)).find("renderer-v2")
    assert renderer.get("type") == "graduatedSymbol"
    got = [(float(r.get("lower")), float(r.get("upper")), r.get("label"))
           for r in renderer.findall("ranges/range")]
    assert got == [(-1e9, -1.0, "hoch"), (-1.0, 1.0, "mittel")]


def test_outline_and_line():
    fill = _parse(outline_qml("#000", 0.8)).find(".//Option[@name='style']")
    assert fill.get("value") == "no"
    line = _parse(line_qml()).find("renderer-v2/symbols/symbol")
    assert line.get("type") == "line"


def test_bad_colour():
    with pytest.raises(ValueError, match="colour"):
        categorized_qml("a", [("a", "a", "red")])


def test_region_colors_neighbours_differ():
    boxes = [shapely.box(i, j, i + 1, j + 1) for i in range(4) for j in range(4)]
    colors = region_colors(boxes)
    tree = shapely.STRtree(boxes)
    a, b = tree.query(boxes, predicate="intersects")
    assert all(colors[i] != colors[j] for i, j in zip(a, b, strict=True) if i != j)


def test_write_qml(tmp_path):
    path = write_qml(outline_qml(), tmp_path / "kreis.qml")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE qgis")
    assert [p.name for p in tmp_path.iterdir()] == ["kreis.qml"]
