"""Max-p: as many regions as the floor allows, from the construction, and honest warnings.

Matrix:

- random lattices and population patterns (hypothesis) -> never fewer regions than a plain
  greedy baseline (regions grown breadth-first from the first free unit until they reach
  the floor), every region at or above the floor, the same seed the same labels;
- the tight growth alone (no search) -> more regions than the Ward construction on
  clustered lattices, and within one region of the upper bound ``total // floor`` on a
  uniform one;
- a target count the max-p run reached -> reached with that target;
- a target the residents cannot fill -> the warning says the floor allows no such count;
  a target that is not proven impossible -> the warning says the engine did not find it.
"""

from collections import deque

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline.regionalization._grow import grow_kernel
from pipeline.regionalization._steps import PHASE_ABSORB, PHASE_OPEN, Settings, agglomerate, prepare
from pipeline.regionalization.solver import regionalize
from pipeline.testing import assert_valid_partition, autocorrelated_lattice


def _greedy_baseline(g, pop, floor) -> int:
    """Regions of a plain greedy construction: breadth-first growth until the floor."""
    label = np.full(g.n, -1)
    k = 0
    for s in range(g.n):
        if label[s] != -1:
            continue
        members, total, queue = [s], pop[s], deque([s])
        label[s] = k
        while queue and total < floor:
            u = queue.popleft()
            for v in g.indices[g.indptr[u]:g.indptr[u + 1]]:
                if label[v] == -1 and total < floor:
                    label[v] = k
                    members.append(v)
                    total += pop[v]
                    queue.append(v)
        if total >= floor:
            k += 1
        else:
            label[members] = -2  # an enclave, absorbed by a neighbour in a real run
    return max(k, 1)


def _population(pattern, side, rng, base):
    if pattern == "clustered":
        return base
    if pattern == "uniform":
        return rng.poisson(20, side * side).astype(float)
    return np.round(rng.lognormal(1.5, 1.2, side * side))  # heavy-tailed


# derandomized, so CI sees the same lattices every run; the example is the lattice CI's
# random draw once found (the tight growths gave 82 regions, the baseline 83): the plain
# breadth-first growth is now one of the construction's candidates
@settings(max_examples=20, deadline=None, derandomize=True)
@example(side=20, floor_cells=4, seed=0, pattern="clustered")
@given(side=st.integers(8, 30), floor_cells=st.integers(4, 60), seed=st.integers(0, 10_000),
       pattern=st.sampled_from(["clustered", "uniform", "heavy"]))
def test_never_fewer_regions_than_a_greedy_baseline(side, floor_cells, seed, pattern):
    _, features, base, g = autocorrelated_lattice(side, side, seed=seed)
    pop = _population(pattern, side, np.random.default_rng(seed), base)
    floor = min(pop.sum(), floor_cells * max(pop.mean(), 1.0))
    result = regionalize(g, features, pop, min_population=floor, seed=seed)
    assert result.n_regions >= _greedy_baseline(g, pop, floor)
    assert_valid_partition(g, result.labels, pop, floor)
    again = regionalize(g, features, pop, min_population=floor, seed=seed)
    assert again.labels.tobytes() == result.labels.tobytes()


def _construction_counts(side, seed, floor_cells, pop=None):
    _, features, base, g = autocorrelated_lattice(side, side, seed=seed)
    pop = base if pop is None else pop
    floor = floor_cells * pop.mean()
    s = Settings(floor=floor, cap=np.inf, n_regions=0, compactness_weight=0.0, seed=0,
                 max_passes=0)
    problem = prepare(g, features, pop, None, s)
    _, ward = agglomerate(problem, s, np.arange(g.n), g.n, [PHASE_OPEN, PHASE_ABSORB])
    lab0, _ = grow_kernel(g.indptr, g.indices, problem.features, problem.weight,
                          problem.population, np.arange(g.n), floor, np.inf)
    grown_labels, grown = agglomerate(problem, s, lab0, int(lab0.max()) + 1, [PHASE_ABSORB])
    assert_valid_partition(g, grown_labels, pop, floor)
    return ward, grown, int(pop.sum() // floor)


@pytest.mark.parametrize("seed", [3, 4])
def test_tight_growth_builds_more_regions_than_ward(seed):
    ward, grown, bound = _construction_counts(50, seed, 100)
    assert ward < grown <= bound


def test_tight_growth_nearly_reaches_the_bound_on_uniform_residents():
    pop = np.full(40 * 40, 7.0)
    _, grown, bound = _construction_counts(40, 2, 25, pop)
    assert grown >= bound - 1


def test_a_count_the_max_p_run_reached_is_reached_as_target():
    _, features, pop, g = autocorrelated_lattice(40, 40, seed=11)
    floor = 60 * pop.mean()
    maxp = regionalize(g, features, pop, min_population=floor, seed=2)
    target = regionalize(g, features, pop, min_population=floor, n_regions=maxp.n_regions,
                         seed=2)
    assert target.n_regions == maxp.n_regions
    assert_valid_partition(g, target.labels, pop, floor)


def test_the_warning_says_when_a_count_is_impossible():
    _, features, pop, g = autocorrelated_lattice(12, 12, seed=1)
    floor = pop.sum() / 4.5
    with pytest.warns(UserWarning, match="fill fewer than 5 floors.*allows no such count"):
        result = regionalize(g, features, pop, min_population=floor, n_regions=5)
    assert result.n_regions == 4


def test_the_warning_does_not_claim_a_proof_it_does_not_have():
    # a chain of three units with 3, 0 and 3 residents and a floor of 2: the residents
    # fill three floors, but the empty middle unit cannot be a region; the simple proofs
    # (residents, separate parts, cap) do not cover this, so the warning claims none
    from pipeline.testing import lattice

    _, _, g = lattice(3, 1)
    pop = np.array([3.0, 0.0, 3.0])
    with pytest.warns(UserWarning, match="did not find.*not proven impossible"):
        result = regionalize(g, np.array([0.0, 5.0, 10.0]), pop, min_population=2,
                             n_regions=3)
    assert result.n_regions == 2


def _row_bands(side, rows):
    """A lattice of one resident per cell cut into bands of ``rows`` rows (the last wider)."""
    from pipeline.testing import lattice

    _, _, g = lattice(side, side)
    band = np.minimum(np.arange(side * side) // (side * rows), side // rows - 1)
    return g, band.astype(np.int64)


def test_draining_turns_spare_residents_into_more_regions():
    # 30 x 30 cells of one resident, floor 100: seven bands of 120 and 180 residents leave
    # 200 to spare, scattered over every band (no pair holds three floors); draining
    # gathers them into more regions, every region still connected and at the floor
    from pipeline.regionalization._steps import drain

    g, band = _row_bands(30, 4)
    pop = np.ones(g.n)
    s = Settings(floor=100.0, cap=np.inf, n_regions=0, compactness_weight=0.0, seed=0,
                 max_passes=0)
    problem = prepare(g, np.arange(g.n, dtype=float) % 7, pop, None, s)
    labels, k = drain(problem, s, band, 7)
    assert k >= 8 and int(labels.max()) + 1 == k
    assert_valid_partition(g, labels, pop, 100.0)
    again, _ = drain(problem, s, band, 7)
    assert again.tobytes() == labels.tobytes()
    assert band.max() == 6  # the input is not changed


def test_draining_moves_no_fixed_unit_and_stops_at_a_target():
    from pipeline.regionalization._drain import drain_kernel

    g, band = _row_bands(30, 4)
    pop = np.ones(g.n)
    features = np.zeros((g.n, 1))
    args = (g.indptr, g.indices, features, pop, pop)
    labels = band.copy()
    k, _ = drain_kernel(*args, labels, 7, 100.0, np.inf, np.ones(g.n, bool),
                        np.zeros(7, bool), 1.5, 0.1, 32, 8, 4096, 0)
    assert k == 7 and np.array_equal(labels, band)
    k, _ = drain_kernel(*args, labels, 7, 100.0, np.inf, np.zeros(g.n, bool),
                        np.zeros(7, bool), 1.5, 0.1, 32, 8, 4096, 8)
    assert k == 8
    assert_valid_partition(g, labels, pop, 100.0)


@pytest.mark.parametrize(("pattern", "seed", "at_least"), [("uniform", 1001, 86),
                                                          ("towns", 1003, 83)])
def test_max_p_beats_the_greedy_peer_where_it_lost(pattern, seed, at_least):
    # benchmarks.compare_p's two 10,000-cell lattices where pygeoda's maxp_greedy found one
    # region more (86, the bound total // floor, and 83) before the drain phase
    from benchmarks.compare_p import case

    c = case(10_000, pattern, seed)
    result = regionalize(c.graph, c.features, c.population, min_population=c.floor)
    assert result.n_regions >= at_least
    assert result.n_regions <= c.population.sum() // c.floor
    assert_valid_partition(c.graph, result.labels, c.population, c.floor)
