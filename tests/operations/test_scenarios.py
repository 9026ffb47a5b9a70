"""Scenarios in the domain library: keys, a cold draw with IDs of its own, and the comparison.

Matrix of :func:`compare_scenarios` on small hand-made partitions:

- identical partitions, also under other label numbers: ARI 1, residents in the same
  space 1;
- a coarser partition made by merging pairs of spaces: ARI 0.48 (worked by hand from the
  pair counts), half the residents keep their space;
- the ARI counts residents, not cells: equal to sklearn's on the labels repeated per
  resident, and different from the cells' ARI when the cells' residents differ;
- figures: number of spaces, residents min / median / max, R2 (1 for one cell per space, 0
  for one space), compactness passed through, spaces crossing a municipal border;
- bad input named (shapes, negative labels, no scenario).

The cold draw (:func:`draw_scenario`): IDs ``<name>-<nnn>``, nothing issued, nothing warm-
started; a nested floor above a municipality's residents is refused naming it.
"""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from pipeline.errors import InfeasibleError
from pipeline.operations.scenarios import (
    check_nesting,
    compare_scenarios,
    comparison_markdown,
    draw_scenario,
    parameter_changes,
    scenario_key,
    scenario_keys,
    split_scenario_key,
)
from pipeline.regionalization import RegionParameters
from pipeline.testing import assert_valid_partition, grid_county

#: Four spaces of ten residents (two cells of five each); ``coarse`` merges them in pairs.
FINE = np.array([0, 0, 1, 1, 2, 2, 3, 3])
COARSE = np.array([0, 0, 0, 0, 1, 1, 1, 1])
FIVE = np.full(8, 5.0)


def test_identical_partitions_agree_fully_whatever_their_numbers():
    renumbered = np.array([3, 3, 0, 0, 2, 2, 1, 1])
    table = compare_scenarios({"a": FINE, "b": renumbered}, FIVE)
    assert table.loc["a", "ari_b"] == pytest.approx(1.0)
    assert table.loc["a", "gleich_b"] == pytest.approx(1.0)
    assert table.loc["b", "ari_a"] == pytest.approx(1.0)
    assert (table["ari_a"] <= 1).all() and table.loc["a", "ari_a"] == pytest.approx(1.0)


def test_merging_pairs_of_spaces_halves_the_residents_in_the_same_space():
    table = compare_scenarios({"fein": FINE, "grob": COARSE}, FIVE)
    # pairs of residents: together in both 4 * C(10, 2) = 180, in fein 180, in grob
    # 2 * C(20, 2) = 380, of C(40, 2) = 780: ARI = (180 - 180*380/780) / (280 - 180*380/780)
    assert table.loc["fein", "ari_grob"] == pytest.approx(0.48)
    assert table.loc["grob", "ari_fein"] == pytest.approx(0.48)  # symmetric
    assert table.loc["fein", "gleich_grob"] == pytest.approx(0.5)
    assert table.loc["grob", "gleich_fein"] == pytest.approx(0.5)
    assert table.loc["fein", "ari_grob"] < table.loc["fein", "ari_fein"]


def test_the_ari_counts_residents_not_cells():
    a = np.array([0, 0, 0, 1, 1, 1])
    b = np.array([0, 0, 1, 1, 1, 1])
    residents = np.array([100.0, 100.0, 1.0, 100.0, 100.0, 100.0])  # cell 2 a farm
    ari = compare_scenarios({"a": a, "b": b}, residents).loc["a", "ari_b"]
    persons = residents.astype(int)
    assert ari == pytest.approx(adjusted_rand_score(np.repeat(a, persons),
                                                    np.repeat(b, persons)))
    assert ari > 0.99 > adjusted_rand_score(a, b)  # the farm hardly matters, the cell would
    assert compare_scenarios({"a": a, "b": b}, residents).loc["a", "gleich_b"] == \
        pytest.approx(500 / 501)


def test_figures_per_scenario():
    population = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    municipality = np.array(["A", "A", "A", "B", "B", "B"])
    features = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    labels = {"einzeln": np.arange(6), "alle": np.zeros(6, np.int64),
              "quer": np.array([0, 0, 1, 1, 2, 2])}
    table = compare_scenarios(
        labels, population, municipality=municipality, features=features,
        compactness={"quer": np.array([0.5, 0.7, np.nan])},
        parameters={"quer": "min_population=50"})
    assert table.index.tolist() == ["einzeln", "alle", "quer"]
    assert table.index.name == "szenario"
    assert table["sozialraeume"].tolist() == [6, 1, 3]
    quer = table.loc["quer"]
    assert (quer["einwohner_min"], quer["einwohner_median"], quer["einwohner_max"]) == \
        (30.0, 70.0, 110.0)
    assert table.loc["einzeln", "r2"] == pytest.approx(1.0)
    assert table.loc["alle", "r2"] == pytest.approx(0.0)
    assert 0 < quer["r2"] < 1
    assert (quer["kompaktheit_mittel"], quer["kompaktheit_min"]) == pytest.approx((0.6, 0.5))
    assert np.isnan(table.loc["alle", "kompaktheit_mittel"])
    assert table["ueber_gemeindegrenzen"].tolist() == [0, 1, 1]  # quer: cells 2 and 3
    assert quer["parameter"] == "min_population=50" and table.loc["alle", "parameter"] == ""
    assert list(table.columns[-6:]) == ["ari_einzeln", "gleich_einzeln", "ari_alle",
                                        "gleich_alle", "ari_quer", "gleich_quer"]
    markdown = comparison_markdown(table)
    assert "| Kennzahl" in markdown and "| einzeln" in markdown
    assert "über Gemeindegrenzen" in markdown and "ARI (Einwohner) mit quer" in markdown


def test_without_municipalities_features_or_compactness_the_figures_are_missing():
    table = compare_scenarios({"a": FINE}, FIVE)
    assert pd.isna(table.loc["a", "ueber_gemeindegrenzen"])
    assert np.isnan(table.loc["a", "r2"]) and np.isnan(table.loc["a", "kompaktheit_min"])


@pytest.mark.parametrize("labels, population, match", [
    ({"a": FINE[:5]}, FIVE, r"labels of 'a' must be 8 region numbers"),
    ({"a": FINE - 1}, FIVE, r"labels of 'a' must be 8 region numbers >= 0"),
    ({"a": FINE.astype(float)}, FIVE, r"dtype float64"),
    ({"a": FINE}, -FIVE, r"population must be .* residents >= 0"),
], ids=["short", "negative", "float-labels", "negative-residents"])
def test_bad_partitions_are_named(labels, population, match):
    with pytest.raises(ValueError, match=match):
        compare_scenarios(labels, population)


def test_no_scenario_is_a_type_error():
    with pytest.raises(TypeError, match="at least one scenario"):
        compare_scenarios({}, FIVE)
    with pytest.raises(ValueError, match=r"municipality must have shape \(8,\)"):
        compare_scenarios({"a": FINE}, FIVE, municipality=np.array(["A"]))


def test_keys_join_county_and_scenario():
    assert scenario_key("sample", "gross") == "sample.gross"
    assert split_scenario_key("sample.gross") == ("sample", "gross")
    assert split_scenario_key("sample") == ("sample", None)
    counties = {"a": SimpleNamespace(scenarios={"x": None, "y": None}),
                "b": SimpleNamespace(scenarios={})}
    assert scenario_keys(counties) == {"a": ["a.x", "a.y"]}


def test_parameter_changes_against_the_county():
    base = RegionParameters(min_population=2500)
    assert parameter_changes(base.replace(min_population=4500, nested=True), base) == \
        {"min_population": 4500, "nested": True}
    assert parameter_changes(base, base) == {}




def test_a_scenario_is_drawn_cold_with_ids_of_its_own():
    cells, features = grid_county()
    params = RegionParameters(min_population=200, max_population=600, nested=True, seed=2)
    regions, graph = draw_scenario("gross", cells, features, params, county_ags="05399")
    assert_valid_partition(graph, regions.labels, cells["Einwohner"].to_numpy(), 200, 600)
    assert regions.sr_ids().tolist() == [f"gross-{i:03d}" for i in range(1, regions.n_regions + 1)]
    assert regions.max_issued == 0 and not regions.warm_started and not regions.reused_published
    assert regions.quality["regions_crossing_parents"] == 0
    again, _ = draw_scenario("gross", cells, features, params, county_ags="05399")
    np.testing.assert_array_equal(again.labels, regions.labels)


def test_a_nested_floor_above_a_municipality_is_refused_naming_it():
    cells, features = grid_county()
    params = RegionParameters(min_population=700, max_population=None, nested=True)
    with pytest.raises(InfeasibleError, match=r"05399001 Nordheim \(600\).*"
                                              r"at most 600 or drop nested"):
        check_nesting(cells, params, names={"05399001": "Nordheim"})
    with pytest.raises(InfeasibleError, match=r"05399001 Nordheim \(600\)"):
        draw_scenario("x", cells, features, params, county_ags="05399",
                      municipality_names={"05399001": "Nordheim"})
    check_nesting(cells, params.replace(nested=False))  # not nested: nothing to refuse
