"""Tests for :mod:`pipeline.indicators.shrinkage`.

Test matrix
-----------
- rings: sizes of k-rings on rook and queen lattices, k = 0 is the identity;
- stabilize_rate on small lattices with known answers: ``none`` and ``strength=0`` keep the
  raw values, a tiny cell moves to its neighbours while large cells stay, missing values
  take the prior (counted), ``pool`` switches at ``min_base``, shares stay in [0, 1],
  an estimated variance for means, local and global prior variance;
- the sample county: the share of one-person households and the owner-occupancy rate vary
  far less across tiny cells after stabilisation, while cells of 100+ residents keep their
  values (numbers asserted);
- the shrinkage is the share of the way to the prior (``1 - weight``): near 1 for a tiny
  cell, 0 without stabilisation; the summary's ``mean_shrinkage`` of the sample county is
  that of a direct computation (1 where tau2 = 0 pulls every cell to its prior, not 0) and
  the raw and stabilised means and quantiles are those of the table's columns;
- errors name the argument.
"""

import numpy as np
import pandas as pd
import pytest

from pipeline.crs import GRID_CRS
from pipeline.indicators.catalog import load_catalog
from pipeline.indicators.compute import compute_cell_indicators
from pipeline.indicators.shrinkage import (
    StabilizeParams,
    grid_ring,
    ring_matrix,
    stabilize_rate,
    value_summary,
)
from pipeline.readers.cell_table import join_topics
from pipeline.readers.vg250 import read_county
from pipeline.readers.zensus import read_zensus
from pipeline.testing import lattice


@pytest.mark.parametrize(
    "kind, k, centre",
    [
        pytest.param("rook", 1, 5, id="rook-1"),
        pytest.param("rook", 2, 13, id="rook-2"),
        pytest.param("queen", 1, 9, id="queen-1"),
        pytest.param("queen", 2, 25, id="queen-2"),
    ],
)
def test_ring_sizes(kind, k, centre):
    x, y, _ = lattice(7, 7)
    ring = grid_ring(x, y, StabilizeParams(k=k, contiguity=kind))
    sizes = np.asarray(ring.sum(axis=1)).ravel()
    assert sizes[3 * 7 + 3] == centre  # the middle cell
    assert (ring.diagonal() == 1).all()
    assert (ring != ring.T).nnz == 0


def test_ring_zero_is_identity_and_errors():
    _, _, g = lattice(3, 3)
    assert (ring_matrix(g, 0) != np.eye(9)).sum() == 0
    with pytest.raises(ValueError, match="k must be an integer >= 0"):
        ring_matrix(g, -1)
    with pytest.raises(TypeError, match="graph must be"):
        ring_matrix("graph", 1)


def line(n=11, k=2):
    _, _, g = lattice(n, 1)
    return ring_matrix(g, k)


def test_tiny_cell_moves_large_cells_stay():
    ring = line()
    rng = np.random.default_rng(0)
    base = np.full(11, 500.0)
    base[5] = 3.0
    # true share 0.3 everywhere; large cells carry binomial noise, the tiny cell says 1.0
    values = rng.binomial(500, 0.3, 11) / 500
    values[5] = 1.0
    out = stabilize_rate(values, base, ring)
    assert abs(out.values[5] - 0.3) < 0.05
    assert out.weight[5] < 0.05 and out.shrinkage[5] > 0.95
    big = np.arange(11) != 5
    # tau2 = 0 here (large cells differ by noise only): they move to their neighbourhood,
    # by less than one binomial standard error
    assert np.abs(out.values[big] - values[big]).max() < np.sqrt(0.3 * 0.7 / 500)


def test_real_differences_of_large_cells_survive():
    ring = line()
    base = np.full(11, 400.0)
    values = np.array([0.1, 0.5] * 5 + [0.1])  # alternating, far beyond noise
    values[5] = 0.9
    base[5] = 2.0
    out = stabilize_rate(values, base, ring)
    big = np.arange(11) != 5
    assert out.tau2 > 0.03
    assert np.abs(out.values[big] - values[big]).max() < 0.01
    assert abs(out.values[5] - 0.9) > 0.2  # the tiny cell is pulled in


def test_none_and_zero_strength_keep_raw_values():
    ring = line()
    values = np.linspace(0.1, 0.9, 11)
    base = np.linspace(1, 50, 11)
    for params in (StabilizeParams(method="none"), StabilizeParams(strength=0.0)):
        out = stabilize_rate(values, base, ring, params)
        np.testing.assert_array_equal(out.values, values)


def test_missing_values_take_the_prior_and_are_counted():
    ring = line(5, 1)
    values = np.array([0.2, np.nan, 0.4, 0.3, 0.3])
    base = np.array([100.0, 100.0, 100.0, 0.0, 100.0])  # cell 3 has a value but no base
    out = stabilize_rate(values, base, ring, StabilizeParams(prior_base=0.0))
    assert out.filled == 2
    assert out.values[1] == pytest.approx((0.2 * 100 + 0.4 * 100) / 200)
    assert np.isnan(out.shrinkage[1]) and np.isnan(out.shrinkage[3])


def test_pool_switches_at_min_base():
    ring = line(3, 1)
    values = np.array([0.2, 0.8, 0.5])
    base = np.array([100.0, 10.0, 50.0])
    out = stabilize_rate(values, base, ring,
                         StabilizeParams(method="pool", min_base=30, prior_base=0))
    assert out.values[0] == 0.2 and out.values[2] == 0.5
    assert out.values[1] == pytest.approx((20 + 8 + 25) / 160)


def test_estimated_variance_for_means_and_local_variance():
    rng = np.random.default_rng(5)
    x, y, g = lattice(30, 30)
    ring = ring_matrix(g, 2)
    base = rng.integers(1, 200, x.size).astype(float)
    truth = 40 + 5 * np.sin(x / 700)  # smooth mean, e.g. living space
    values = truth + rng.normal(size=x.size) * 10 / np.sqrt(base)  # sigma2 = 100
    out = stabilize_rate(values, base, ring, variance="estimated")
    assert 60 < out.sigma2 < 140
    assert np.mean((out.values - truth) ** 2) < 0.5 * np.mean((values - truth) ** 2)
    local = stabilize_rate(values, base, ring, StabilizeParams(prior_variance="local"),
                           variance="estimated")
    assert local.tau2 is None
    assert np.mean((local.values - truth) ** 2) < np.mean((values - truth) ** 2)


def test_shares_stay_in_unit_interval():
    rng = np.random.default_rng(2)
    _, _, g = lattice(20, 20)
    base = rng.integers(1, 30, 400).astype(float)
    values = rng.binomial(base.astype(int), 0.2) / base
    out = stabilize_rate(values, base, ring_matrix(g, 2))
    assert (out.values >= 0).all() and (out.values <= 1).all()


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        pytest.param({"values": np.zeros(3)}, ValueError, "one length", id="length"),
        pytest.param({"variance": "gamma"}, ValueError, "variance must be one of", id="var"),
        pytest.param({"scale": 0}, ValueError, "scale must be", id="scale"),
        pytest.param({"params": "eb"}, TypeError, "StabilizeParams", id="params"),
    ],
)
def test_errors(kwargs, error, message):
    args = {"values": np.zeros(5), "base": np.ones(5), "ring": line(5, 1)} | kwargs
    with pytest.raises(error, match=message):
        stabilize_rate(**args)


def test_shrinkage_is_the_way_to_the_prior():
    ring = line()
    values = np.full(11, 0.3)
    values[5] = 1.0
    base = np.full(11, 500.0)
    base[5] = 3.0
    out = stabilize_rate(values, base, ring)
    np.testing.assert_array_equal(out.shrinkage, 1.0 - out.weight)
    assert out.shrinkage[5] > 0.95
    kept = stabilize_rate(values, base, ring, StabilizeParams(method="none"))
    assert (kept.shrinkage == 0).all() and (kept.weight == 1).all()


def test_bad_params():
    with pytest.raises(ValueError, match="method must be one of"):
        StabilizeParams(method="kriging")
    with pytest.raises(ValueError, match="strength must be"):
        StabilizeParams(strength=-1)


# --- the sample county --------------------------------------------------------------------

TOPICS = ("Bevoelkerungszahl", "Alter_in_5_Altersklassen", "Groesse_des_privaten_Haushalts",
          "Eigentuemerquote")


@pytest.fixture(scope="module")
def sample_indicators(sample_dir):
    county = read_county(sample_dir / "DE_VG250.gpkg", "05399")
    area = county.to_crs(GRID_CRS).geometry.union_all()
    cells = join_topics({t: read_zensus(sample_dir / f"Zensus2022_{t}.zip", area=area)
                         for t in TOPICS})
    catalog = load_catalog().only(["anteil_einpersonenhh", "eigentuemerquote", "anteil_unter18"])
    return compute_cell_indicators(cells, catalog, on_missing="raise")


@pytest.mark.parametrize(
    "key, max_variance_ratio, max_large_change",
    [
        # measured: variance ratio 0.036, mean |change| of large cells 0.0135
        pytest.param("anteil_einpersonenhh", 0.1, 0.02, id="one-person-households"),
        # measured: 0.065 and 0.0193
        pytest.param("eigentuemerquote", 0.15, 0.03, id="owner-occupancy"),
    ],
)
def test_sample_county_tiny_cells_calm_down_large_cells_stay(
        sample_indicators, key, max_variance_ratio, max_large_change):
    t = sample_indicators.table
    raw, stable = t[f"{key}_raw"], t[key]
    tiny = (t["Einwohner"] <= 5) & raw.notna()
    large = (t["Einwohner"] >= 100) & raw.notna()
    assert tiny.sum() > 5000 and large.sum() > 50
    assert stable[tiny].var() < max_variance_ratio * raw[tiny].var()
    change = (stable - raw).abs()
    assert change[large].mean() < max_large_change
    assert change[large].mean() < 0.2 * raw[large].std()  # small against real differences
    assert np.corrcoef(stable[large], raw[large])[0, 1] > 0.98
    assert change[tiny].mean() > 5 * change[large].mean()


def test_sample_county_noise_only_rates_are_pooled(sample_indicators):
    """The sample's age shares vary between neighbouring cells by noise only: tau2 = 0."""
    t = sample_indicators.table
    raw, stable = t["anteil_unter18_raw"], t["anteil_unter18"]
    tiny = (t["Einwohner"] <= 5) & raw.notna()
    assert stable[tiny].var() < 0.1 * raw[tiny].var()
    large = (t["Einwohner"] >= 100) & raw.notna()
    p = stable[large]
    se = np.sqrt(p * (1 - p) / t.loc[large, "anteil_unter18_den"])
    # large cells move, but by less than one binomial standard error on average
    assert ((stable - raw).abs()[large] / se).mean() < 1.0
    pooled = pd.Series(stable.to_numpy()).describe()
    assert 0.1 < pooled["50%"] < 0.2


def test_sample_summary_reports_the_true_shrinkage(sample_indicators):
    """``mean_shrinkage`` is the mean of ``1 - weight`` of a direct computation."""
    t, summary = sample_indicators.table, sample_indicators.summary
    ring = grid_ring(t["x"], t["y"], StabilizeParams())
    for key in ("anteil_einpersonenhh", "eigentuemerquote", "anteil_unter18"):
        den = t[f"{key}_den"].to_numpy(float)
        direct = stabilize_rate(t[f"{key}_raw"].to_numpy(float),
                                np.where(np.isfinite(den), den, 0.0), ring)
        expected = np.nanmean(direct.shrinkage)
        assert summary.loc[key, "mean_shrinkage"] == pytest.approx(expected, rel=1e-12)
        assert summary.loc[key, "mean_shrinkage"] > 0.5  # most cells have under 10 residents
    # tau2 = 0 for the share under 18: every cell took its prior, shrinkage 1 (it read 0)
    assert summary.loc["anteil_unter18", "mean_shrinkage"] == pytest.approx(1.0)


def test_value_summary_matches_the_columns(sample_indicators):
    t = sample_indicators.table
    keys = ["anteil_einpersonenhh", "eigentuemerquote"]
    out = value_summary(t, keys)
    for key in keys:
        raw, stable = t[f"{key}_raw"].dropna().to_numpy(), t[key].dropna().to_numpy()
        assert out.loc[key, "raw_mean"] == pytest.approx(raw.mean())
        assert out.loc[key, "mean"] == pytest.approx(stable.mean())
        assert out.loc[key, "raw_q90"] == pytest.approx(np.quantile(raw, 0.9))
        assert out.loc[key, "q10"] == pytest.approx(np.quantile(stable, 0.1))
        has = t[f"{key}_raw"].notna()
        changed = (t.loc[has, key] != t.loc[has, f"{key}_raw"]).mean()
        assert out.loc[key, "changed"] == pytest.approx(changed) and changed > 0.5
    # stabilisation narrows the spread of the cells
    assert (out["q90"] - out["q10"] < out["raw_q90"] - out["raw_q10"]).all()
