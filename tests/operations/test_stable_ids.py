"""Stable social spaces and the analysts' run parameters.

Matrix:
- ``match_regions``: optimal (not greedy) assignment by residents, unmatched regions left out,
  shape errors named;
- ``assign_stable_ids``: first run numbers 1..k, a later run keeps matched IDs, issues new
  numbers above the highest ever issued (never reused), reports the changed share;
- published state round trip; the highest issued number never goes down;
- ``warm_start_labels`` / ``published_labels``: codes for known cells, -1 for new ones,
  ``None`` when the cells differ;
- ``RegionConfig`` in a ``materialize`` run with ``RunConfig``: floor, cap, seed, weights and
  compactness reach the regionalization; unknown indicator names are refused.
"""

import numpy as np
import pandas as pd
import pytest
from dagster import (
    RunConfig,
    load_asset_checks_from_modules,
    load_assets_from_modules,
    materialize,
)

from assets import indicators, ingest, regions
from assets.definitions import build_resources
from assets.regions import RegionConfig
from pipeline.indicators import weight_columns
from pipeline.operations import CountyRegions
from pipeline.operations.counties import default_config_path
from pipeline.operations.published import (
    PublishedState,
    load_published,
    published_labels,
    save_published,
    warm_start_labels,
)
from pipeline.operations.stable_ids import assign_stable_ids, match_regions
from pipeline.regionalization.parameters import RegionParameters

IDS = np.array([f"c{i}" for i in range(6)])
POP = np.array([10.0, 10.0, 10.0, 10.0, 10.0, 10.0])


def _published(labels, ids, max_issued=None, cells=IDS):
    frame = pd.DataFrame({"cell_id": cells, "region": labels,
                          "sr_id": np.asarray(ids, dtype=object)[labels]})
    return PublishedState(frame, "fp", max_issued or len(ids), "run-0")


def test_match_is_optimal_not_greedy():
    # greedy would pair new 0 with old 0 (30) and leave new 1 with old 1 (5): total 35;
    # the optimum pairs 0->1 (25) and 1->0 (20): total 45
    labels = np.array([0, 0, 0, 1, 1])
    previous = np.array([0, 1, 1, 0, 0])
    population = np.array([30.0, 20.0, 5.0, 10.0, 10.0])
    assert match_regions(labels, previous, population) == {0: 1, 1: 0}


def test_match_leaves_regions_without_common_residents_out():
    assert match_regions(np.array([0, 1]), np.array([0, -1]), np.ones(2)) == {0: 0}
    assert match_regions(np.array([0, 1]), np.array([-1, -1]), np.ones(2)) == {}


def test_match_names_shape_errors():
    with pytest.raises(ValueError, match="one shape"):
        match_regions(np.array([0, 1]), np.array([0]), np.ones(2))


def test_first_run_numbers_regions_in_label_order():
    stable = assign_stable_ids(IDS, np.array([1, 1, 0, 0, 2, 2]), POP, None, "05399")
    assert stable.sr_id.tolist()[:3] == ["SR-05399-002", "SR-05399-002", "SR-05399-001"]
    assert stable.max_issued == 3
    assert stable.report.changed_share == 0.0 and stable.report.new == 3


def test_matched_regions_keep_ids_and_new_ones_are_never_reused():
    old_ids = ["SR-05399-004", "SR-05399-007"]
    published = _published(np.array([0, 0, 0, 1, 1, 1]), old_ids, max_issued=9)
    # region 7 split in two; the larger half keeps 7, the other gets 10 (not 1..9)
    stable = assign_stable_ids(IDS, np.array([2, 2, 2, 0, 0, 1]), POP, published, "05399")
    assert stable.sr_id.tolist() == ["SR-05399-004"] * 3 + ["SR-05399-007"] * 2 + [
        "SR-05399-010"]
    assert stable.max_issued == 10
    report = stable.report
    assert (report.matched, report.new, report.retired) == (2, 1, 0)
    assert report.changed_share == pytest.approx(1 / 6)


def test_unchanged_labels_change_nothing():
    published = _published(np.array([0, 0, 1, 1, 2, 2]), ["SR-1-001", "SR-1-005", "SR-1-003"])
    stable = assign_stable_ids(IDS, np.array([2, 2, 0, 0, 1, 1]), POP, published, "1")
    assert stable.sr_id.tolist() == published.cells["sr_id"].tolist()
    assert stable.report.changed_share == 0.0 and stable.report.new == 0


def test_published_state_round_trip_keeps_the_highest_number(tmp_path):
    published = _published(np.array([0, 0, 1, 1, 2, 2]), ["a-1", "a-2", "a-3"])
    save_published(tmp_path, published.cells, "abc", 12, "run-1")
    assert load_published(tmp_path).names == {}
    save_published(tmp_path, published.cells, "abc", 3, "run-2",
                   names={"a-2": "Rurstadt-Süd", "a-1": "Nideck"})
    state = load_published(tmp_path)
    assert state.max_issued == 12 and state.run_id == "run-2" and state.fingerprint == "abc"
    assert state.names == {"a-1": "Nideck", "a-2": "Rurstadt-Süd"}
    pd.testing.assert_frame_equal(state.cells, published.cells)
    assert load_published(tmp_path / "nothing") is None


def test_warm_start_codes_and_exact_labels():
    published = _published(np.array([0, 0, 1, 1, 2, 2]), ["x-3", "x-1", "x-2"])
    cells = np.array(["c5", "c0", "new"])
    warm = warm_start_labels(cells, published)
    assert warm[2] == -1 and warm[0] != warm[1] and (warm[:2] >= 0).all()
    assert published_labels(cells, published) is None
    assert published_labels(IDS[::-1], published).tolist() == [2, 2, 1, 1, 0, 0]
    assert warm_start_labels(cells, None) is None


def test_region_config_defaults_come_from_the_county():
    base = RegionParameters(min_population=2500, n_regions=40)
    assert RegionConfig().apply(base) == base
    changed = RegionConfig(min_population=3000, compactness_weight=0.5, max_p=True).apply(base)
    assert (changed.min_population, changed.compactness_weight, changed.n_regions) == (
        3000, 0.5, None)
    frame = pd.DataFrame({"cell_id": ["a"], "x1": [1.0]})
    assert weight_columns(frame, {"x1": 2.0})["x1"].tolist() == [2.0]
    assert frame["x1"].tolist() == [1.0]  # the input is not changed
    with pytest.raises(ValueError, match="unknown columns"):
        weight_columns(frame, {"nope": 2.0})
    with pytest.raises(ValueError, match=r"must be >= 0"):
        weight_columns(frame, {"x1": -1.0})


def test_run_config_reaches_the_regions(sample_dir, tmp_path):
    config = {"min_population": 1500, "max_population": 20000, "seed": 3,
              "compactness_weight": 0.2, "indicator_weights": {"anteil_65plus": 2.0}}
    result = materialize(
        [*load_assets_from_modules([ingest, indicators, regions]),
         *load_asset_checks_from_modules([regions])],
        resources=build_resources(str(default_config_path()), str(tmp_path)),
        partition_key="sample",
        run_config=RunConfig({"cell_regions": RegionConfig(**config)}),
    )
    assert result.success
    meta = result.asset_materializations_for_node("cell_regions")[0].metadata
    used = meta["parameters"].value
    assert (used["min_population"], used["max_population"], used["seed"]) == (1500, 20000, 3)
    assert used["compactness_weight"] == 0.2
    # the checks judge the run by its own floor, not the county default of 2,500
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations)
    frame = pd.read_parquet(tmp_path / "sample" / "steps" / "cell_regions.parquet")
    cells = pd.read_parquet(tmp_path / "sample" / "steps" / "zensus_cells.parquet")
    residents = frame.merge(cells[["cell_id", "Einwohner"]]).groupby("region")["Einwohner"].sum()
    assert residents.min() >= 1500
    assert residents.min() < 2500
    assert frame["sr_id"].str.match(r"SR-05399-\d{3}$").all()
    # the parameters travel with the table, for the checks, the publish and the history
    stored = CountyRegions.from_frame(frame)
    assert (stored.parameters.min_population, stored.parameters.seed) == (1500, 3)
    assert stored.parameters.compactness_weight == 0.2
