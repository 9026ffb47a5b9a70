"""The planners' round trip on the sample county: draw a lock in QGIS, save, refresh.

The sample county (a temporary copy) is published once. Then a lock is drawn into the
layer ``fixierungen`` of the published GeoPackage, as a planner does in QGIS: a small
polygon over one boundary cell of a social space, with the ``sr_id`` of its neighbour. The
refresh (maintenance mode, the default) moves that cell and changes only the two social
spaces the lock touches (asserted by members); the change log in the GeoPackage says so
and names the lock; the lock layer is published again and the cell is marked ``fixiert``.
A lock that cannot be honoured (cells that do not touch the space named) fails the run
naming the lock, and the publication stays byte for byte as it was. A frozen social space
keeps its cells and its polygon byte for byte through a full redraw with another floor
that changes its neighbours.
"""

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import yaml

from pipeline.crs import GRID_CRS
from pipeline.layout import LOCK_LAYER
from pipeline.regionalization import graph_from_table
from tests.helpers import copy_county, materialize_county

pytestmark = pytest.mark.xdist_group("locks")


def _shapes(gpkg) -> dict[str, bytes]:
    spaces = gpd.read_file(gpkg, layer="sozialraeume", columns=["sr_id"])
    return dict(zip(spaces["sr_id"], shapely.to_wkb(spaces.geometry.values), strict=True))


def _members(gpkg) -> dict[str, frozenset]:
    cells = gpd.read_file(gpkg, layer="zellen", columns=["cell_id", "sr_id"],
                          ignore_geometry=True)
    return {sr: frozenset(g["cell_id"]) for sr, g in cells.groupby("sr_id")}


def _movable(out):
    """A boundary cell whose move to its neighbour keeps both spaces within the bounds."""
    steps = out / "sample" / "steps"
    cells = pd.read_parquet(steps / "zensus_cells.parquet")
    regions = pd.read_parquet(steps / "cell_regions.parquet").set_index("cell_id")
    graph = graph_from_table(pd.read_parquet(steps / "cell_graph.parquet"))
    sr = regions.loc[cells["cell_id"], "sr_id"].to_numpy()
    pop = cells["Einwohner"].to_numpy(float)
    totals = pd.Series(pop).groupby(sr).sum()
    heads, tails = graph.edges()
    for h, t in zip(heads, tails, strict=True):
        a, b = sr[h], sr[t]
        if a == b or totals[a] - pop[h] < 2600 or totals[b] + pop[h] > 14000:
            continue
        rest = np.flatnonzero((sr == a) & (np.arange(len(sr)) != h))
        if graph.subgraph(rest).n_components == 1:
            return cells.iloc[h], a, b, sr
    raise AssertionError("no movable cell")


def _draw_lock(gpkg, x, y, sr_id, name):
    """Append a lock polygon over the cell at (x, y) (EPSG:3035), as QGIS saves it."""
    box = gpd.GeoSeries([shapely.box(x + 30, y + 30, x + 70, y + 70)], crs=GRID_CRS)
    frame = gpd.GeoDataFrame({"sr_id": [sr_id], "gruppe": [None], "name": [name],
                              "bemerkung": ["Test"]},
                             geometry=box.to_crs(pyogrio.read_info(gpkg, layer=LOCK_LAYER)["crs"]))
    pyogrio.write_dataframe(frame, gpkg, layer=LOCK_LAYER, append=True,
                            promote_to_multi=True)


def _digest(folder) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def test_a_lock_drawn_in_the_geopackage_is_honoured_and_logged(sample_dir, tmp_path):
    config, _ = copy_county(sample_dir, tmp_path)
    out = tmp_path / "processed"
    assert materialize_county(config, out).success
    gpkg = out / "sample" / "sozialraeume.gpkg"
    assert pyogrio.read_info(gpkg, layer=LOCK_LAYER)["features"] == 0  # there to draw in
    before, shapes = _members(gpkg), _shapes(gpkg)
    cell, a, b, _ = _movable(out)
    _draw_lock(gpkg, cell["x"], cell["y"], b, "Am Bahnhof")
    assert materialize_county(config, out).success
    after = _members(gpkg)
    assert cell["cell_id"] in after[b]
    assert {s for s in before if before[s] != after.get(s)} == {a, b}
    now = _shapes(gpkg)  # the other spaces keep their polygons byte for byte
    assert {s for s in shapes if shapes[s] != now.get(s)} <= {a, b}
    log = gpd.read_file(gpkg, layer="aenderungen").set_index("sr_id")
    assert set(log.index[log["aenderung"] != "unverändert"]) == {a, b}
    assert "Am Bahnhof" in log.loc[a, "grund"] and "Am Bahnhof" in log.loc[b, "grund"]
    assert pyogrio.read_info(gpkg, layer=LOCK_LAYER)["features"] == 1
    fixed = gpd.read_file(gpkg, layer="zellen", columns=["cell_id", "fixiert"],
                          ignore_geometry=True)
    assert fixed.loc[fixed["fixiert"] == 1, "cell_id"].tolist() == [cell["cell_id"]]

    # a lock far from the space it names cannot be honoured: the run fails, nothing changes
    far = _movable(out)[3]
    cells = pd.read_parquet(out / "sample" / "steps" / "zensus_cells.parquet")
    distant = cells.iloc[int(np.flatnonzero(far != b)[-1])]
    _draw_lock(gpkg, distant["x"], distant["y"], b, "Fernlage")
    published = _digest(out / "sample")
    result = materialize_county(config, out, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.cause.message
    assert failure.step_key == "cell_regions" and "Fernlage" in message and b in message
    assert _digest(out / "sample") == published


def test_a_frozen_space_keeps_cells_and_polygon_through_a_redraw(sample_dir, tmp_path):
    config, _ = copy_county(sample_dir, tmp_path)
    out = tmp_path / "processed"
    assert materialize_county(config, out).success
    gpkg = out / "sample" / "sozialraeume.gpkg"
    before, shapes = _members(gpkg), _shapes(gpkg)
    frozen = sorted(before)[len(before) // 2]
    entry = yaml.safe_load(config.read_text(encoding="utf-8"))
    entry["counties"]["sample"]["freeze"] = [frozen]
    config.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    redraw = {"ops": {"cell_regions": {"config": {"redraw": True, "min_population": 3500}}}}
    assert materialize_county(config, out, run_config=redraw).success
    after, now = _members(gpkg), _shapes(gpkg)
    assert after[frozen] == before[frozen] and now[frozen] == shapes[frozen]
    assert sum(before[s] != after.get(s) for s in before if s != frozen) > 10
    log = gpd.read_file(gpkg, layer="aenderungen").set_index("sr_id")
    assert log.loc[frozen, "aenderung"] == "eingefroren"
    assert (log["grund"] == "Neuzeichnung").any()
