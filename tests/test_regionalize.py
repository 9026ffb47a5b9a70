"""Regionalization engine: invariants on lattices and random graphs, feasibility errors.

Matrix: random lattices (hypothesis) x floors -> contiguity, floor, determinism; a
two-cluster lattice where the right answer is known; infeasible inputs -> clear errors.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.contiguity import bridge_components, build_grid_contiguity
from pipeline.errors import InfeasibleError
from pipeline.quality import partition_report, ssw_sst
from pipeline.regionalize import agglomerate, check_feasible
from pipeline.testing import assert_valid_partition, lattice


@settings(max_examples=25, deadline=None)
@given(
    nx=st.integers(3, 25),
    ny=st.integers(3, 25),
    density=st.floats(0.3, 1.0),
    floor_cells=st.integers(2, 40),
    seed=st.integers(0, 10_000),
)
def test_partition_invariants_on_random_lattices(nx, ny, density, floor_cells, seed):
    rng = np.random.default_rng(seed)
    x, y, _ = lattice(nx, ny)
    keep = rng.random(x.size) < density
    keep[0] = True
    x, y = x[keep], y[keep]
    g = bridge_components(build_grid_contiguity(x, y), np.c_[x, y] + 50.0, 10_000)
    pop = rng.integers(1, 30, size=x.size).astype(float)
    floor = min(pop.sum(), floor_cells * 15.0)
    features = rng.normal(size=(x.size, 3))
    result = agglomerate(g, features, pop, floor)
    assert_valid_partition(g, result.labels, pop, floor)
    again = agglomerate(g, features, pop, floor)
    assert np.array_equal(result.labels, again.labels)


def test_two_clusters_are_separated():
    # left half feature 0, right half feature 10: a floor of half the residents gives 2 regions
    x, y, g = lattice(10, 6)
    features = np.where(x < 500, 0.0, 10.0)[:, None]
    pop = np.full(x.size, 10.0)
    result = agglomerate(g, features, pop, min_population=pop.sum() / 2)
    assert result.n_regions == 2
    assert np.array_equal(result.labels, (x >= 500).astype(int))
    report = partition_report(g, result.labels, pop, pop.sum() / 2, None, features)
    assert report.r2 == pytest.approx(1.0)


def test_cap_is_respected_where_possible():
    x, y, g = lattice(20, 20)
    rng = np.random.default_rng(3)
    pop = rng.integers(5, 15, size=x.size).astype(float)
    features = rng.normal(size=(x.size, 2))
    result = agglomerate(g, features, pop, min_population=300, max_population=900)
    assert_valid_partition(g, result.labels, pop, 300, 900)


def test_ssw_and_r2_by_hand():
    # regions {0,1} and {2}: values 1, 3 (weights 1, 3) and 10 (weight 2)
    x = np.array([1.0, 3.0, 10.0])
    w = np.array([1.0, 3.0, 2.0])
    labels = np.array([0, 0, 1])
    ssw, sst = ssw_sst(x, w, labels)
    # region 0 mean = (1 + 9) / 4 = 2.5 -> 1 * 1.5^2 + 3 * 0.5^2 = 3.0; region 1: 0
    assert ssw == pytest.approx(3.0)
    # total mean = (1 + 9 + 20) / 6 = 5 -> 1 * 16 + 3 * 4 + 2 * 25 = 78
    assert sst == pytest.approx(78.0)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda g, p: (g, p, 10_000, None, None), "total population"),
        (lambda g, p: (g, p, 10, 5, None), "max_population .* below"),
        (lambda g, p: (g, p, 10, None, np.full((g.n, 1), np.nan)), "NaN"),
        (lambda g, p: (build_grid_contiguity([], []), np.zeros(0), 10, None, None), "no units"),
    ],
    ids=["total-below-floor", "max-below-min", "nan-features", "empty-graph"],
)
def test_infeasible_inputs_fail_clearly(make, match):
    _, _, g = lattice(3, 3)
    pop = np.full(9, 10.0)
    with pytest.raises(InfeasibleError, match=match):
        check_feasible(*make(g, pop))


def test_unjoinable_small_part_is_named():
    x = np.array([0, 100, 0, 100, 9000])
    y = np.array([0, 0, 100, 100, 0])
    g = bridge_components(build_grid_contiguity(x, y), np.c_[x, y] + 50.0, 1000)
    pop = np.array([50.0, 50, 50, 50, 20])
    with pytest.raises(InfeasibleError, match=r"units \[4\] \(20 residents\)"):
        agglomerate(g, np.zeros((5, 1)), pop, min_population=100)
