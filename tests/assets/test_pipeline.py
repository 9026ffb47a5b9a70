"""End to end in process: the sample county from raw files to the published GeoPackage.

Runs every asset and check of the code location for the ``sample`` partition on an
ephemeral Dagster instance with outputs in a temporary folder, then asserts the partition
properties on what was written: every populated cell in exactly one region, every region
contiguous and at or above the floor.
"""

import numpy as np
import pandas as pd
import pyogrio
import pytest

from pipeline.operations.counties import default_config_path, load_counties
from pipeline.regionalization.cell_regions import build_cell_graph
from pipeline.testing import assert_valid_partition
from tests.helpers import materialize_county


@pytest.fixture(scope="module")
def sample_run(sample_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    result = materialize_county(default_config_path(), out)
    return result, out / "sample"


def test_run_succeeds_and_checks_pass(sample_run):
    result, _ = sample_run
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert evaluations, "no asset check ran"
    assert all(e.passed for e in evaluations), [e.check_name for e in evaluations if not e.passed]


def test_regions_are_a_real_partition(sample_run):
    _, folder = sample_run
    cells = pd.read_parquet(folder / "steps" / "zensus_cells.parquet")
    regions = pd.read_parquet(folder / "steps" / "cell_regions.parquet")
    assert 270_000 <= cells["Einwohner"].sum() <= 280_000
    assert cells["cell_id"].is_unique and (cells["Einwohner"] > 0).all()
    merged = cells.merge(regions, on="cell_id", how="left", validate="one_to_one")
    assert merged["region"].notna().all()
    params = load_counties()["sample"].parameters
    graph = build_cell_graph(cells, params)
    assert_valid_partition(
        graph, merged["region"].to_numpy(np.int64), cells["Einwohner"].to_numpy(float),
        params.min_population,
    )
    n = merged["region"].nunique()
    assert 20 <= n <= 110, n


def test_geopackage_is_published(sample_run):
    _, folder = sample_run
    path = folder / "sozialraeume.gpkg"
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {"sozialraeume", "zellen", "gemeinden", "kreis"} <= layers
    info = pyogrio.read_info(path, layer="sozialraeume")
    assert info["crs"] == "EPSG:25832"
    regions = pd.read_parquet(folder / "steps" / "cell_regions.parquet")
    assert info["features"] == regions["region"].nunique()
    assert pyogrio.read_info(path, layer="gemeinden")["features"] == 15


def test_published_social_spaces_tile_the_county(sample_run):
    import shapely

    _, folder = sample_run
    path = folder / "sozialraeume.gpkg"
    polys = pyogrio.read_dataframe(path, layer="sozialraeume")
    county = pyogrio.read_dataframe(path, layer="kreis").geometry.union_all()
    assert shapely.is_valid(polys.geometry.values).all()
    assert shapely.area(shapely.symmetric_difference(polys.geometry.union_all(), county)) < 1.0
    assert polys["name"].is_unique
    assert (folder / "sozialraumbericht.html").stat().st_size > 0
