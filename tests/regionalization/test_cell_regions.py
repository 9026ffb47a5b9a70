"""The glue from cell tables to regions: graph options, errors that name cells, the edge table."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from pipeline.crs import GRID_CRS
from pipeline.errors import InfeasibleError
from pipeline.regionalization.cell_regions import (
    build_cell_graph,
    draw_regions,
    graph_from_table,
    graph_table,
)
from pipeline.regionalization.parameters import RegionParameters
from pipeline.testing import assert_valid_partition


def _cells(nx=12, ny=10, far=None):
    xs, ys = np.meshgrid(np.arange(nx) * 100, np.arange(ny) * 100, indexing="ij")
    x, y = xs.ravel(), ys.ravel()
    ags = np.where(x < nx * 50, "05399001", "05399002")
    if far is not None:
        x, y, ags = np.append(x, far[0]), np.append(y, far[1]), np.append(ags, "05399002")
    return pd.DataFrame(
        {
            "cell_id": [f"CRS3035RES100mN{b}E{a}" for a, b in zip(x, y, strict=True)],
            "x": x,
            "y": y,
            "ags": ags,
            "Einwohner": np.full(x.size, 10.0),
        }
    )


def test_regions_are_valid_and_nesting_respects_municipalities():
    cells = _cells()
    rng = np.random.default_rng(0)
    features = rng.normal(size=(len(cells), 2))
    params = RegionParameters(min_population=200, max_population=600, nested=True)
    result = draw_regions(cells, features, params)
    pop = cells["Einwohner"].to_numpy()
    assert_valid_partition(result.graph, result.labels, pop, 200, 600)
    # nested: no region spans both municipalities
    spans = pd.Series(cells["ags"].to_numpy()).groupby(result.labels).nunique()
    assert (spans == 1).all()
    assert result.report.regions_crossing_parents == 0


def test_village_beyond_the_bridge_distance_is_named_by_cell_id():
    cells = _cells(far=(50_000, 0))
    params = RegionParameters(min_population=200, max_population=None, bridge_distance=2000)
    graph = build_cell_graph(cells, params)
    assert graph.n_components == 2
    with pytest.raises(InfeasibleError, match="CRS3035RES100mN0E50000"):
        draw_regions(cells, np.zeros((len(cells), 1)), params)


def test_graph_table_round_trip_through_parquet_gives_the_same_graph(tmp_path):
    """The cell graph handed from one step to the next is the graph it was built as."""
    cells = _cells(far=(3_000, 0))
    barriers = gpd.GeoDataFrame(geometry=[shapely.LineString([(550, -50), (550, 1_050)])],
                                crs=GRID_CRS)
    params = RegionParameters(min_population=200, bridge_distance=5000, barrier_weight=2.0)
    graph = build_cell_graph(cells, params, barriers)
    assert graph.bridge.any() and (graph.cost > 1).any()
    graph_table(graph).to_parquet(tmp_path / "cell_graph.parquet")
    back = graph_from_table(pd.read_parquet(tmp_path / "cell_graph.parquet"))
    for name in ("indptr", "indices", "cost", "bridge"):
        np.testing.assert_array_equal(getattr(back, name), getattr(graph, name), err_msg=name)


def test_graph_from_a_table_without_its_unit_count_is_refused():
    table = graph_table(build_cell_graph(_cells(), RegionParameters()))
    table.attrs.clear()
    with pytest.raises(ValueError, match=r"attrs\['units'\]"):
        graph_from_table(table)
