"""Refill moves (``_swap``): homogeneity at a fixed count where regions sit at the floor.

Matrix:

- a drained max-p partition of a clustered lattice, at a local optimum of single moves
  (a further local search moves nothing) -> refill moves lower the sum of squares, the
  count stays, every region stays at or above the floor and connected;
- with compactness terms (boundary length, inertia) -> the full objective the kernel
  scores falls by what the moves claim (no drift between the delta and the objective);
- fixed units -> never move (refill search and refill annealing);
- the same seed -> the same labels (refill search, annealing, the whole solver);
- refill annealing -> ends at its best state, never above the start, bounds and
  contiguity kept.
"""

import numpy as np
import pytest

from pipeline.regionalization._steps import (
    BFS_LIMIT,
    Settings,
    construct,
    local_search,
    objective,
    prepare,
)
from pipeline.regionalization._swap import refill_anneal_kernel, refill_search, refine
from pipeline.regionalization.solver import regionalize
from pipeline.testing import assert_valid_partition, autocorrelated_lattice


def _at_floor(side=30, seed=0, compactness=0.0, fixed=None):
    """A drained construction on a clustered lattice, descended by single moves."""
    cells, x, pop, g = autocorrelated_lattice(side, side, seed=seed)
    floor = 40 * float(pop.mean())
    settings = Settings(floor=floor, cap=np.inf, n_regions=0,
                        compactness_weight=compactness, seed=seed, max_passes=1000)
    coords = cells + 50.0 if compactness > 0 else None
    warm = None if fixed is None else np.zeros(g.n, np.int64)
    problem = prepare(g, x, pop, coords, settings, fixed, warm)
    labels, k = construct(problem, settings, salt=seed)
    local_search(problem, settings, labels, k)
    return problem, settings, labels, k, g, pop, floor


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_refill_lowers_ssw_where_single_moves_are_stuck(seed):
    problem, settings, labels, k, g, pop, floor = _at_floor(seed=seed)
    assert local_search(problem, settings, labels.copy(), k)[1] == 0  # single moves stuck
    region_pop = np.bincount(labels, weights=pop)
    # the situation the move is for: regions without a resident to spare for a boundary unit
    assert (region_pop - floor < pop.max()).sum() >= k // 4
    before = objective(problem, labels)
    _, moves = refill_search(problem, settings, labels, k, seed=seed)
    assert moves > 0
    assert objective(problem, labels) < before
    assert int(labels.max()) + 1 == k
    assert_valid_partition(g, labels, pop, floor)


def test_refill_objective_matches_with_compactness():
    problem, settings, labels, k, g, pop, floor = _at_floor(compactness=1.0)
    assert problem.lam_perimeter > 0 and problem.lam_inertia > 0
    before = objective(problem, labels)
    start = labels.copy()
    _, moves = refill_search(problem, settings, labels, k)
    after = objective(problem, labels)
    # the kernel's deltas include the boundary and inertia terms: the recomputed objective
    # with them falls too
    assert moves > 0 and after < before
    assert not np.array_equal(start, labels)
    assert_valid_partition(g, labels, pop, floor)
    # the annealing sums its deltas: the sum is the recomputed change of the objective
    trial = start.copy()
    gain = _anneal(problem, settings, trial, k, seed=1)
    assert gain > 0
    assert objective(problem, trial) == pytest.approx(before - gain, rel=1e-6)


def test_fixed_units_never_move():
    cells, x, pop, g = autocorrelated_lattice(30, 30, seed=3)
    fixed = np.zeros(g.n, bool)
    fixed[::7] = True
    problem, settings, labels, k, g, pop, floor = _at_floor(seed=3, fixed=None)
    problem = prepare(g, x, pop, None, settings, fixed, labels)
    start = labels.copy()
    refill_search(problem, settings, labels, k)
    assert np.array_equal(labels[fixed], start[fixed])
    trial = start.copy()
    _anneal(problem, settings, trial, k, seed=5)
    assert np.array_equal(trial[fixed], start[fixed])
    assert_valid_partition(g, trial, pop, floor)


def _anneal(problem, settings, labels, k, seed):
    g = problem.graph
    per_unit = problem.sst / g.n
    return refill_anneal_kernel(
        g.indptr, g.indices, g.cost, problem.features, problem.weight, problem.population,
        problem.coords, labels, k, settings.floor, settings.cap, problem.lam_perimeter,
        problem.lam_inertia, 50 * g.n, 10 * per_unit, 0.001 * per_unit, BFS_LIMIT, seed,
        problem.fixed,
    )


def test_refill_anneal_ends_at_its_best_within_the_bounds():
    problem, settings, labels, k, g, pop, floor = _at_floor(seed=4)
    before = objective(problem, labels)
    trial = labels.copy()
    gain = _anneal(problem, settings, trial, k, seed=11)
    after = objective(problem, trial)
    assert gain >= 0
    assert after <= before + 1e-9 * problem.sst
    assert after == pytest.approx(before - gain, rel=1e-6, abs=1e-9 * problem.sst)
    assert_valid_partition(g, trial, pop, floor)
    again = labels.copy()
    _anneal(problem, settings, again, k, seed=11)
    assert np.array_equal(again, trial)


def test_refine_is_deterministic_and_keeps_the_count():
    problem, settings, labels, k, g, pop, floor = _at_floor(seed=5)
    a, ka, _, _ = refine(problem, settings, labels.copy(), k, seed=9)
    b, kb, _, _ = refine(problem, settings, labels.copy(), k, seed=9)
    assert np.array_equal(a, b) and ka == kb >= k
    assert objective(problem, a) <= objective(problem, labels)
    assert_valid_partition(g, a, pop, floor)


def test_solver_same_seed_same_labels_within_the_floor():
    cells, x, pop, g = autocorrelated_lattice(40, 40, seed=6)
    floor = 60 * float(pop.mean())
    first = regionalize(g, x, pop, min_population=floor, seed=2)
    second = regionalize(g, x, pop, min_population=floor, seed=2)
    assert np.array_equal(first.labels, second.labels)
    assert_valid_partition(g, first.labels, pop, floor)


@pytest.mark.parametrize("huge", [False, True])
def test_refine_on_large_problems_is_one_capped_search(monkeypatch, huge):
    # the path of problems above REFINE_FULL_UNITS (and REFILL_HUGE_UNITS), on a small one
    from pipeline.regionalization import _swap

    monkeypatch.setattr(_swap, "REFINE_FULL_UNITS", 0)
    if huge:
        monkeypatch.setattr(_swap, "REFILL_HUGE_UNITS", 0)
    problem, settings, labels, k, g, pop, floor = _at_floor(seed=7)
    before = objective(problem, labels)
    out, k2, passes, moves = refine(problem, settings, labels, k, seed=3)
    most = _swap.REFILL_HUGE[1] if huge else _swap.REFILL_PASSES_LARGE
    assert k2 == k and 0 < passes <= most and moves > 0
    assert objective(problem, out) < before
    assert_valid_partition(g, out, pop, floor)
