"""Social spaces of polygon units: whole units, unpopulated ones joined, on a real data set.

A hand-made strip of five blocks checks the fill rule and the unions; the 159 counties of
Georgia (libpysal's bundled ``georgia`` example: polygons with population and
socio-economic shares, a real polygon data set already installed) run through the same
path a county on census blocks takes: read, graph, regionalize, publish as unions.
"""

from pathlib import Path

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
import shapely

from pipeline.publish import fill_units, tile_units
from pipeline.readers import read_unit_layer, unit_cells, unit_shapes
from pipeline.regionalization import RegionParameters, build_cell_graph, draw_regions
from pipeline.testing import assert_valid_partition

GEORGIA = Path(libpysal.__file__).parent / "examples" / "georgia" / "G_utm.shp"


def strip() -> gpd.GeoDataFrame:
    """Five 100 m blocks in a row; the middle one and the last one have nobody."""
    return gpd.GeoDataFrame(
        {"cell_id": list("abcde"), "Einwohner": [10.0, 20.0, 0.0, 30.0, 0.0]},
        geometry=[shapely.box(i * 100, 0, i * 100 + 100, 100) for i in range(5)],
        crs="EPSG:25832")


def test_unpopulated_units_join_their_neighbour():
    units = strip()
    # a|b are region 1, d is region 0: c touches both and takes the lower label, e only d
    assert fill_units(units, np.array(["a", "b", "d"]), np.array([1, 1, 0])).tolist() == \
        [1, 1, 0, 0, 0]
    far = pd.concat([units, gpd.GeoDataFrame({"cell_id": ["z"], "Einwohner": [0.0]},
                                             geometry=[shapely.box(900, 0, 950, 50)],
                                             crs=units.crs)], ignore_index=True)
    assert fill_units(far, np.array(["a", "b", "d"]), np.array([1, 1, 0]))[-1] == 0  # nearest


def test_tile_units_gives_unions_of_whole_units():
    units = strip()
    cells = pd.DataFrame({"cell_id": ["a", "b", "d"], "Einwohner": [10.0, 20.0, 30.0]})
    polygons, report = tile_units(units, cells, np.array([1, 1, 0]))
    assert polygons["einwohner"].tolist() == [30.0, 30.0]
    assert polygons["rasterzellen"].tolist() == [3, 2] and polygons["zellen"].tolist() == [1, 2]
    assert polygons.geometry.iloc[0].equals(shapely.box(200, 0, 500, 100))
    assert polygons["flaeche_km2"].tolist() == pytest.approx([0.03, 0.02])
    assert polygons["besiedelt_km2"].tolist() == pytest.approx([0.01, 0.02])
    assert report.problems() == [] and report.gap_area == 0.0


def test_a_real_polygon_data_set_runs_end_to_end():
    columns = {"Einwohner": "TotPop90", "PctPov": "PctPov", "PctBach": "PctBach",
               "PctEld": "PctEld"}
    units = read_unit_layer(GEORGIA, "AreaKey", columns, crs="EPSG:32617")
    assert len(units) == 159 and units["Einwohner"].sum() == pytest.approx(6_478_216)
    state = gpd.GeoDataFrame({"ags": ["13000000"]}, geometry=[units.union_all()],
                             crs=units.crs)
    cells = unit_cells(units, state)
    features = cells[["PctPov", "PctBach", "PctEld"]].to_numpy(np.float64)
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    params = RegionParameters(min_population=300_000, max_population=2_000_000,
                              bridge_distance=0.0)
    shapes = unit_shapes(units, cells)
    result = draw_regions(cells, features, params, polygons=shapes)
    graph = build_cell_graph(cells, params, polygons=shapes)
    population = cells["Einwohner"].to_numpy(np.float64)
    assert_valid_partition(graph, result.labels, population, params.min_population)
    assert result.report.below_min == 0 and result.report.r2 > 0.5
    assert 10 <= result.report.n_regions <= 21  # 6.48 M residents, floor 300,000
    polygons, report = tile_units(units, cells, result.labels)
    assert report.problems() == []
    assert polygons["einwohner"].sum() == pytest.approx(6_478_216)
    assert (polygons["einwohner"] >= 300_000).all()
