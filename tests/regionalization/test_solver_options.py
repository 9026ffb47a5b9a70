"""Engine options: the objective's weights, the floor as a share, unreachable parts, fixed units.

- ``weights=np.ones(n)`` optimises the unweighted SSW the peers optimise: the reported SSW
  is the unweighted one of the labels, while the floor is still measured in residents;
- ``min_share`` gives the floor as a share of the total; a ``min_population`` below 1 is
  refused as a likely share, naming ``min_share``;
- ``unreachable="unassigned"`` leaves parts that cannot reach the floor out (label -1)
  instead of failing, and partitions the rest;
- ``fixed`` units stay in their warm-start region: moved units keep the region they were
  given, two fixed regions never merge even when one is below the floor and only they
  border each other (that fails, naming the units), and fixed units that are not connected
  within their region are refused.
"""

import numpy as np
import pytest

from pipeline.errors import InfeasibleError
from pipeline.graph import Graph
from pipeline.regionalization import regionalize
from pipeline.testing import assert_valid_partition, lattice


def _problem(nx=14, ny=12, seed=0):
    _, _, g = lattice(nx, ny)
    rng = np.random.default_rng(seed)
    return g, rng.normal(size=(g.n, 2)), rng.integers(1, 40, g.n).astype(float)


def _ssw(features, labels, weights):
    total = 0.0
    for r in np.unique(labels):
        m = labels == r
        mean = weights[m] @ features[m] / weights[m].sum()
        total += float(weights[m] @ ((features[m] - mean) ** 2).sum(axis=1))
    return total


def test_unweighted_objective_reports_the_unweighted_ssw_and_keeps_the_floor():
    g, x, pop = _problem()
    ones = np.ones(g.n)
    flat = regionalize(g, x, pop, min_population=400, weights=ones, seed=1)
    weighted = regionalize(g, x, pop, min_population=400, seed=1)
    assert_valid_partition(g, flat.labels, pop, 400)
    assert flat.ssw == pytest.approx(_ssw(x, flat.labels, ones))
    assert weighted.ssw == pytest.approx(_ssw(x, weighted.labels, pop))
    assert flat.population.min() >= 400  # the floor is still in residents
    assert not np.array_equal(flat.labels, weighted.labels)  # another objective


def test_floor_as_a_share_and_a_share_given_as_residents_refused():
    g, x, pop = _problem()
    share = regionalize(g, x, pop, min_share=0.05, seed=0)
    direct = regionalize(g, x, pop, min_population=0.05 * pop.sum(), seed=0)
    assert share.labels.tobytes() == direct.labels.tobytes()
    with pytest.raises(ValueError, match="min_share=0.05"):
        regionalize(g, x, pop, min_population=0.05)
    with pytest.raises(ValueError, match="exactly one"):
        regionalize(g, x, pop)


def test_unreachable_parts_fail_or_are_left_out():
    g, x, pop = _problem(8, 8)
    h, t = g.edges()
    island = 60  # cut off two units as their own part
    keep = ~np.isin(h, [island, island + 1]) & ~np.isin(t, [island, island + 1]) | \
        (np.isin(h, [island, island + 1]) & np.isin(t, [island, island + 1]))
    cut = Graph.from_edges(g.n, h[keep], t[keep])
    with pytest.raises(InfeasibleError, match="cannot reach the floor"):
        regionalize(cut, x, pop, min_population=300)
    result = regionalize(cut, x, pop, min_population=300, unreachable="unassigned")
    assert result.unassigned == 2
    assert (result.labels[[island, island + 1]] == -1).all()
    rest = result.labels >= 0
    assert rest.sum() == g.n - 2
    sub = cut.subgraph(np.flatnonzero(rest))
    assert_valid_partition(sub, result.labels[rest], pop[rest], 300)


def test_fixed_units_stay_in_their_region():
    g, x, pop = _problem()
    cold = regionalize(g, x, pop, min_population=400, seed=0)
    labels = cold.labels
    h, t = g.edges()
    edge = np.flatnonzero(labels[h] != labels[t])[0]
    a, b = labels[h[edge]], labels[t[edge]]
    warm = labels.copy()
    moved = np.unique(h[(labels[h] == a) & (labels[t] == b)])[:2]
    warm[moved] = b
    fixed = np.zeros(g.n, bool)
    fixed[moved] = True
    fixed[labels == b] = True
    again = regionalize(g, x, pop, min_population=400, warm_start=warm, fixed=fixed, seed=0)
    assert_valid_partition(g, again.labels, pop, 400)
    assert len(np.unique(again.labels[fixed])) == 1


def test_two_fixed_regions_never_merge():
    """A fixed region below the floor bordering only another fixed region cannot be repaired."""
    _, _, g = lattice(6, 1)  # a path of six units
    pop = np.full(6, 100.0)
    x = np.arange(6.0)
    warm = np.array([0, 0, 0, 0, 1, 1])
    fixed = np.ones(6, bool)
    with pytest.raises(InfeasibleError, match="below the floor"):
        regionalize(g, x, pop, min_population=300, warm_start=warm, fixed=fixed)
    fixed[:4] = False  # the big one free: it gives a unit to the small one
    result = regionalize(g, x, pop, min_population=300, warm_start=warm, fixed=fixed)
    assert result.population.min() >= 300 and result.labels[4] == result.labels[5]


def test_fixed_units_apart_within_their_region_are_refused():
    _, _, g = lattice(6, 1)
    warm = np.array([0, 0, 0, 1, 1, 0])  # label 0 in two pieces
    fixed = np.array([True, False, False, False, False, True])
    with pytest.raises(InfeasibleError, match="split it in two"):
        regionalize(g, np.arange(6.0), np.full(6, 100.0), min_population=200,
                    warm_start=warm, fixed=fixed)
    with pytest.raises(ValueError, match="need warm_start"):
        regionalize(g, np.arange(6.0), np.full(6, 100.0), min_population=200, fixed=fixed)
