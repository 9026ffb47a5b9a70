"""The Dagster UI previews (:mod:`pipeline.publish.previews`).

Matrix:
- label layout: a label goes where its box fits inside its polygon, never on a polygon too
  small for it, never over another label; larger polygons first;
- the rendered preview: 480 px wide, the legend band below the map holds the legend's
  colours and text, the labels change the map only where they are placed (a render without
  them as the reference), a small quantized PNG;
- the settled area of the regions of a cell county: every cell's centre in its region's
  area, no area overlapping another, each region labelled with its ID's number;
- the status and type previews: their colours and legend, the polygons' CRS followed by
  outlines given in another CRS.
"""

import base64
import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image

from pipeline.crs import COUNTY_CRS, GRID_CRS
from pipeline.publish.previews import (
    PREVIEW_WIDTH_PX,
    cell_territories,
    class_legend,
    german_number,
    layout_labels,
    regions_preview_markdown,
    render_preview,
    space_numbers,
    status_preview_markdown,
    types_preview_markdown,
)
from pipeline.publish.styles import STATUS_COLORS, TYPE_COLORS


def _image(png_or_markdown) -> np.ndarray:
    if isinstance(png_or_markdown, str):
        assert png_or_markdown.startswith("![") and "data:image/png;base64," in png_or_markdown
        png_or_markdown = base64.b64decode(png_or_markdown.split("base64,", 1)[1].rstrip(")"))
    return np.asarray(Image.open(io.BytesIO(png_or_markdown)).convert("RGB"))


def _has_colour(image: np.ndarray, hex_colour: str, tolerance: int = 6) -> int:
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(image.astype(int) - rgb).max(axis=2) <= tolerance).sum())


@pytest.fixture(scope="module")
def squares():
    """A row of squares shrinking from 20 km to 200 m (EPSG:25832), and a county outline."""
    sizes = [20000, 12000, 8000, 4000, 2000, 1000, 500, 200]
    x = np.concatenate([[0], np.cumsum(sizes)[:-1]]) + 300000.0
    geoms = [shapely.box(a, 5600000.0, a + s, 5600000.0 + s) for a, s in
             zip(x, sizes, strict=True)]
    frame = gpd.GeoDataFrame({"sr_id": [f"SR-05399-{i + 1:03d}" for i in range(len(sizes))],
                              "einwohner": np.linspace(2500, 9000, len(sizes))},
                             geometry=geoms, crs=COUNTY_CRS)
    return frame


def test_layout_places_labels_where_they_fit(squares):
    geoms = squares.geometry.values
    # 100 m per pixel: a label of two digits is about 18 x 16 px, i.e. 1.8 km x 1.6 km
    layout = layout_labels(geoms, [str(i + 10) for i in range(len(geoms))], units_per_px=100)
    assert layout.placed.tolist() == [True, True, True, True, True, False, False, False]
    boxes = shapely.box(*layout.boxes.T)
    assert shapely.within(boxes[layout.placed], geoms[layout.placed]).all()
    # the anchor is the centre of the largest inscribed circle: the squares' centres
    centre = shapely.centroid(geoms[0])
    assert (layout.x[0], layout.y[0]) == pytest.approx((centre.x, centre.y), abs=100)
    # at 20 m per pixel (a label of 350 m x 310 m) the 500 m square takes one, 200 m not
    finer = layout_labels(geoms, ["10"] * len(geoms), units_per_px=20)
    assert finer.placed.tolist() == [True] * 7 + [False]


def test_layout_never_overlaps_labels():
    """Overlapping polygons (the same square three times, one shifted): one label each spot."""
    base = shapely.box(0, 0, 1000, 1000)
    geoms = [base, base, shapely.box(600, 0, 1600, 1000)]
    layout = layout_labels(geoms, ["1", "2", "3"], units_per_px=10)
    assert layout.placed.sum() == 2 and not layout.placed[1]
    placed = shapely.box(*layout.boxes[layout.placed].T)
    assert not shapely.intersects(placed[0], placed[1])
    with pytest.raises(ValueError, match="2 labels for 3 polygons"):
        layout_labels(geoms, ["1", "2"], units_per_px=10)


def test_rendered_preview_has_legend_and_labels(squares):
    colors, legend = class_legend(squares["einwohner"].to_numpy())
    numbers = space_numbers(squares["sr_id"])
    assert numbers[:2] == ["1", "2"]
    bare = _image(render_preview(squares, colors, quantize=False))
    labelled = _image(render_preview(squares, colors, labels=numbers, quantize=False,
                                     inset=False))
    full_png = render_preview(squares, colors, labels=numbers, legend=legend,
                              legend_title="Einwohner je Sozialraum",
                              note="Zahl: {placed} von {total}", inset=False)
    full = _image(full_png)
    assert bare.shape[1] == labelled.shape[1] == full.shape[1] == PREVIEW_WIDTH_PX
    # the labels change the map only around the placed labels
    changed = np.argwhere((bare != labelled).any(axis=2))
    assert len(changed) > 50
    # legend: the band below the map holds every legend colour, the map's height is kept
    map_h = bare.shape[0]
    assert full.shape[0] > map_h + 5 * 15
    band = full[map_h:]
    for colour, _ in legend:
        assert _has_colour(band, colour) > 50, colour
    assert (band < 80).all(axis=2).sum() > 300  # dark pixels: the legend's text
    assert len(full_png) < 30_000


def test_legend_numbers_are_german():
    colors, legend = class_legend(np.array([2500.0, 3100.0, 4800.0, 12000.0, np.nan]), n=2)
    assert colors[-1] == "#dddddd" and legend[-1] == ("#dddddd", "keine Angabe")
    assert legend[0][1] == "2.500 – 3.950"
    assert german_number(-1.5, 1) == "−1,5"


@pytest.fixture(scope="module")
def cell_county():
    """Three villages of 100 m cells and a town, four social spaces (one per settlement)."""
    rng = np.random.default_rng(0)
    parts, labels = [], []
    for region, (cx, cy, r) in enumerate([(0, 0, 12), (4000, 0, 8), (0, 4000, 8),
                                          (4000, 4000, 5)]):
        gx, gy = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1))
        keep = gx**2 + gy**2 <= r**2
        keep &= rng.random(keep.shape) < 0.7
        parts.append(np.column_stack([cx + 100 * gx[keep], cy + 100 * gy[keep]]))
        labels.append(np.full(keep.sum(), region))
    xy = np.vstack(parts) + np.array([4_100_000.0, 3_100_000.0])
    cells = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "Einwohner": 10.0})
    return cells, np.concatenate(labels)


def test_cell_territories_hold_their_cells(cell_county):
    cells, labels = cell_county
    areas = cell_territories(cells, labels)
    assert areas["region"].tolist() == [0, 1, 2, 3] and areas.crs == COUNTY_CRS
    centres = gpd.GeoSeries(gpd.points_from_xy(cells["x"] + 50, cells["y"] + 50),
                            crs=GRID_CRS).to_crs(COUNTY_CRS)
    inside = shapely.covers(areas.geometry.values[labels], centres.values)
    assert inside.mean() > 0.99
    geoms = areas.geometry.values
    for i in range(4):
        for j in range(i + 1, 4):
            assert shapely.area(shapely.intersection(geoms[i], geoms[j])) < 1.0


def test_regions_preview_numbers_the_spaces(cell_county):
    cells, labels = cell_county
    ids = np.array([f"SR-05399-{n:03d}" for n in (7, 8, 9, 10)])
    markdown = regions_preview_markdown(cells, labels, sr_ids=ids)
    image = _image(markdown)
    assert image.shape[1] == PREVIEW_WIDTH_PX
    assert len(markdown) < 60_000  # some tens of KB in the metadata
    # the same map without IDs is numbered 1..4: the labels differ, the map is the same size
    other = _image(regions_preview_markdown(cells, labels))
    assert other.shape == image.shape and (other != image).any()


def test_status_and_type_previews(squares):
    regions = squares.assign(status_class=[1, 2, 2, 3, 4, 2, 1, 2], typ=[1, 2, 1, 3, 2, 1, 1, 3],
                             typ_name=["Neubau, junge Familien", "Altbau, verdichtet",
                                       "Neubau, junge Familien", "ältere Wohnlagen",
                                       "Altbau, verdichtet", "Neubau, junge Familien",
                                       "Neubau, junge Familien", "ältere Wohnlagen"])
    county = gpd.GeoDataFrame(geometry=[shapely.box(*regions.total_bounds).buffer(500)],
                              crs=COUNTY_CRS).to_crs(4326)  # another CRS: reprojected
    status = _image(status_preview_markdown(regions, outlines=[county]))
    for colour in STATUS_COLORS:
        assert _has_colour(status, colour) > 50, colour
    types = _image(types_preview_markdown(regions, outlines=[county]))
    for colour in TYPE_COLORS[:3]:
        assert _has_colour(types, colour) > 50, colour
    assert not _has_colour(types, TYPE_COLORS[3])


def test_inset_enlarges_where_labels_are_missing():
    """A county of large spaces around a town of small ones: the town gets an inset."""
    big = [shapely.box(x, y, x + 10000, y + 10000) for x in (0, 10000, 20000)
           for y in (0, 10000, 20000) if (x, y) != (10000, 10000)]
    town = [shapely.box(12000 + x, 12000 + y, 12000 + x + 600, 12000 + y + 600)
            for x in np.arange(8) * 600.0 for y in np.arange(8) * 600.0]
    frame = gpd.GeoDataFrame({"n": np.arange(len(big) + len(town))},
                             geometry=[*big, *town], crs=COUNTY_CRS)
    frame = frame.translate(300000, 5600000).to_frame("geometry").set_crs(COUNTY_CRS)
    colours = ["#cccccc"] * len(big) + ["#ffcc00", "#66aaff"] * (len(town) // 2)
    numbers = [str(i + 1) for i in range(len(frame))]
    layout = layout_labels(frame.geometry.values, numbers, units_per_px=31000 / 480)
    assert layout.placed[:len(big)].all() and not layout.placed[len(big):].any()
    plain = _image(render_preview(frame, colours, labels=numbers, inset=False, quantize=False))
    framed = _image(render_preview(frame, colours, labels=numbers, quantize=False))
    assert plain.shape[0] == pytest.approx(480, abs=2)
    # the inset below the map: as wide as the map, the town's colours fill much of it
    assert framed.shape[0] > plain.shape[0] + 240
    below = framed[plain.shape[0] + 20:]
    town_px = _has_colour(below, "#ffcc00") + _has_colour(below, "#66aaff")
    assert town_px > 0.3 * below[..., 0].size
    # with the town's labels (dark text) inside the squares; none without labels
    assert (below < 60).all(axis=2).sum() > 64 * 20
    bare = _image(render_preview(frame, colours, quantize=False))
    assert bare.shape[0] == plain.shape[0]
