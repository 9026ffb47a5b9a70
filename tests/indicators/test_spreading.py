"""Tests for :mod:`pipeline.indicators.spreading`.

Test matrix
-----------
- spread_municipal: the documented example, allocated counts add up to the municipal
  counts, every cell carries its municipality's value, anonymised municipalities, cells
  outside the table and missing keys are counted, a municipality whose key sums to 0;
- the region identity: summing allocated counts over any partition equals
  ``sum_m N_m * S_rm / S_m`` (random partitions);
- sum_by_municipality and merge_municipal (reader outputs; clashes and duplicates raise).
"""

import numpy as np
import pandas as pd
import pytest

from pipeline.indicators.spreading import merge_municipal, spread_municipal, sum_by_municipality


def test_spread_example_and_conservation():
    s = spread_municipal(["a", "a", "b"], np.array([30.0, 10.0, 50.0]), ["a", "b"],
                         np.array([8.0, 5.0]), np.array([40.0, 50.0]))
    assert s.numerator.tolist() == [6.0, 2.0, 5.0]
    assert s.denominator.tolist() == [30.0, 10.0, 50.0]
    assert s.value.tolist() == [0.2, 0.2, 0.1]
    assert (s.cells_without_municipality, s.municipalities_missing, s.keys_missing) == (0, 0, 0)


def test_denominator_from_the_municipal_table_is_spread_by_the_key():
    # income per taxpayer: taxpayers are not known per cell, residents spread them
    s = spread_municipal(["a", "a"], np.array([1.0, 3.0]), ["a"], np.array([4e6]),
                         np.array([100.0]))
    assert s.numerator.tolist() == [1e6, 3e6] and s.denominator.tolist() == [25.0, 75.0]
    assert s.value.tolist() == [40_000.0, 40_000.0]


def test_missing_values_are_counted_not_filled():
    s = spread_municipal(
        ["a", "b", "b", "c", "a"], np.array([10.0, 5.0, np.nan, 4.0, 10.0]),
        ["a", "b"], np.array([np.nan, 3.0]), np.array([20.0, 6.0]))
    assert np.isnan(s.value[[0, 3, 4]]).all() and s.value[1] == 0.5 and s.value[2] == 0.5
    assert s.numerator[1] == 3.0 and s.numerator[2] == 0.0  # a missing key takes no share
    assert (s.cells_without_municipality, s.municipalities_missing, s.keys_missing) == (1, 1, 1)


def test_zero_key_total_keeps_the_value_but_allocates_nothing():
    s = spread_municipal(["a", "a"], np.array([0.0, 0.0]), ["a"], np.array([1.0]),
                         np.array([10.0]))
    assert s.value.tolist() == [0.1, 0.1]
    assert np.isnan(s.numerator).all()


def test_region_sums_are_municipal_counts_weighted_by_residents_taken():
    rng = np.random.default_rng(4)
    n, m, k = 500, 6, 9
    ags = rng.integers(0, m, n).astype(str)
    key = rng.integers(0, 80, n).astype(float)
    muni = np.arange(m).astype(str)
    num, den = rng.uniform(10, 100, m), rng.uniform(500, 900, m)
    s = spread_municipal(ags, key, muni, num, den)
    labels = rng.integers(0, k, n)
    s_m = pd.Series(key).groupby(ags).sum()
    s_rm = pd.Series(key).groupby([labels, ags]).sum()
    for region in range(k):
        part = s_rm.loc[region]
        expected = sum(num[int(a)] * part[a] / s_m[a] for a in part.index)
        assert np.nansum(s.numerator[labels == region]) == pytest.approx(expected)
    assert np.nansum(s.numerator) == pytest.approx(num.sum())
    assert np.nansum(s.denominator) == pytest.approx(den.sum())


def test_sum_by_municipality():
    sums = sum_by_municipality(["2", "1", "2"], np.array([1.0, np.nan, 3.0]))
    assert sums.to_dict() == {"1": 0.0, "2": 4.0}
    with pytest.raises(ValueError, match="one entry per cell"):
        sum_by_municipality(["1"], np.array([1.0, 2.0]))


def test_merge_reader_outputs():
    income = pd.DataFrame({"ags": ["05399002", "05399001"], "name": ["B", "A"],
                           "year": [2020, 2020], "taxpayers": [10.0, 20.0]})
    sgb2 = pd.DataFrame({"ags": ["05399001", "05399003"], "name": ["A", "C"],
                         "sgb2_persons": [5.0, np.nan]})
    merged = merge_municipal(income, sgb2)
    assert merged["ags"].tolist() == ["05399001", "05399002", "05399003"]
    assert merged["name"].tolist()[:2] == ["A", "B"]
    assert merged["sgb2_persons"].iloc[0] == 5.0 and np.isnan(merged["taxpayers"].iloc[2])
    with pytest.raises(ValueError, match="repeats columns \\['taxpayers'\\]"):
        merge_municipal(income, income.iloc[:1].assign(ags="x"))
    with pytest.raises(ValueError, match="more than once"):
        merge_municipal(pd.concat([income, income]))
    with pytest.raises(ValueError, match="no column 'ags'"):
        merge_municipal(pd.DataFrame({"x": [1]}))
    assert list(merge_municipal().columns) == ["ags"]
