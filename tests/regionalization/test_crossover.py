"""Crossover of the final partition with the best restarts (small problems).

Matrix:

- two restarts of an 8 x 8 lattice with a floor of 15 % -> their child is a valid
  partition (every unit labelled, regions connected, at or above the floor);
- a partition crossed with itself -> the child is that partition improved: never fewer
  regions, at the same count never a higher objective;
- ``regionalize`` with and without the crossover, seeds 0-5 -> never fewer regions, at
  the same count never a lower R2, better at one seed at least, and the same seed gives
  the same labels.
"""

import numpy as np
import pytest

from pipeline.regionalization import _restarts
from pipeline.regionalization._steps import Settings, count_score, objective, prepare
from pipeline.regionalization.solver import regionalize
from pipeline.testing import assert_valid_partition, autocorrelated_lattice


@pytest.fixture(scope="module")
def lattice():
    _, x, pop, g = autocorrelated_lattice(8, 8, seed=1)
    return g, x, pop, 0.15 * float(pop.sum())


def _problem(lattice):
    g, x, pop, floor = lattice
    settings = Settings(floor=floor, cap=np.inf, n_regions=0, compactness_weight=0.0, seed=0,
                        max_passes=1000)
    return prepare(g, x, pop, None, settings), settings


def test_child_of_two_restarts_is_valid(lattice):
    problem, settings = _problem(lattice)
    a, _, _ = _restarts._solve_cold(problem, settings, {}, 0.0, 1)
    b, _, _ = _restarts._solve_cold(problem, settings, {}, 0.5, 2)
    assert not np.array_equal(a, b)
    child, k, _, _ = _restarts._child(problem, settings, a, b, 3)
    assert k == int(child.max()) + 1
    assert_valid_partition(lattice[0], child, lattice[2], lattice[3])


def test_child_of_a_partition_with_itself_is_not_worse(lattice):
    problem, settings = _problem(lattice)
    for salt in range(3):
        a, _, _ = _restarts._solve_cold(problem, settings, {}, 0.5, salt)
        child, k, _, _ = _restarts._child(problem, settings, a, a, salt)
        assert_valid_partition(lattice[0], child, lattice[2], lattice[3])
        ka = int(a.max()) + 1
        assert count_score(settings, k) >= count_score(settings, ka)
        if k == ka:
            assert objective(problem, child) <= objective(problem, a) * (1 + 1e-12)


def test_crossover_never_worse_and_sometimes_better(lattice, monkeypatch):
    g, x, pop, floor = lattice
    better = 0
    for seed in range(6):
        with monkeypatch.context() as m:
            m.setattr(_restarts, "_CROSSOVER_UNITS", 0)
            without = regionalize(g, x, pop, min_population=floor, seed=seed)
        with_ = regionalize(g, x, pop, min_population=floor, seed=seed)
        assert with_.n_regions >= without.n_regions
        if with_.n_regions == without.n_regions:
            assert with_.r2 >= without.r2 - 1e-12
        better += (with_.n_regions, with_.r2) > (without.n_regions, without.r2 + 1e-9)
        again = regionalize(g, x, pop, min_population=floor, seed=seed)
        assert np.array_equal(again.labels, with_.labels)
        assert "crossover" in with_.timings
    assert better >= 1
