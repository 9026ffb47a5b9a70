"""Regionalization engine: invariants on lattices and random graphs, feasibility errors.

Matrix:

- random lattices and Delaunay graphs (hypothesis) x floors x caps -> every region connected,
  within the floor (and the cap where a cut allows it), the same seed the same labels;
- separate graph parts (max-p and target counts) -> no region spans two parts;
- target counts -> exactly the count when merges can reach it, never below the floor, a
  warning when the floor allows no such count;
- local search and merge-split never raise the sum of squares at a fixed count (max-p may
  add regions);
- warm start: same data -> same labels; a few perturbed units -> few changed labels;
  foreign labels and new units (-1), broken regions, a target count -> a valid partition;
- barriers and compactness: boundaries settle on a barrier line, boundaries get shorter;
- a two-cluster lattice where the right answer is known; SSW/R2 by hand;
- infeasible inputs -> InfeasibleError naming units (and columns); bad arguments named.
"""

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InfeasibleError
from pipeline.graph.contiguity import bridge_components, build_grid_contiguity, weight_barrier_edges
from pipeline.regionalization.quality import barrier_cuts, partition_report, ssw_sst
from pipeline.regionalization.solver import Regionalization, check_feasible, regionalize
from pipeline.testing import (
    assert_valid_partition,
    autocorrelated_lattice,
    delaunay_graph,
    lattice,
)


def _sparse_lattice(nx, ny, density, seed):
    rng = np.random.default_rng(seed)
    x, y, _ = lattice(nx, ny)
    keep = rng.random(x.size) < density
    keep[0] = True
    x, y = x[keep], y[keep]
    g = bridge_components(build_grid_contiguity(x, y), np.c_[x, y] + 50.0, 10_000)
    pop = rng.integers(0, 30, size=x.size).astype(float)
    features = rng.normal(size=(x.size, 3))
    return np.c_[x, y], g, pop, features


@settings(max_examples=25, deadline=None)
@given(
    nx=st.integers(3, 25),
    ny=st.integers(3, 25),
    density=st.floats(0.3, 1.0),
    floor_cells=st.integers(2, 40),
    seed=st.integers(0, 10_000),
)
def test_partition_invariants_on_random_lattices(nx, ny, density, floor_cells, seed):
    cells, g, pop, features = _sparse_lattice(nx, ny, density, seed)
    floor = min(pop.sum(), floor_cells * 15.0)
    if floor <= 0:
        return
    result = regionalize(g, features, pop, min_population=floor, seed=seed, coords=cells,
                         compactness_weight=0.5)
    assert_valid_partition(g, result.labels, pop, floor)
    again = regionalize(g, features, pop, min_population=floor, seed=seed, coords=cells,
                        compactness_weight=0.5)
    assert result.labels.tobytes() == again.labels.tobytes()


@settings(max_examples=20, deadline=None)
@given(n=st.integers(5, 400), floor_share=st.floats(0.02, 0.6), seed=st.integers(0, 10_000))
def test_partition_invariants_on_delaunay_graphs(n, floor_share, seed):
    points, g = delaunay_graph(n, seed)
    rng = np.random.default_rng(seed)
    pop = rng.gamma(2.0, 10.0, size=n)
    floor = floor_share * pop.sum()
    features = np.c_[points, rng.normal(size=n)]
    result = regionalize(g, features, pop, min_population=floor, seed=seed)
    assert_valid_partition(g, result.labels, pop, floor)


@settings(max_examples=15, deadline=None)
@given(side=st.integers(8, 30), cap_factor=st.floats(2.0, 4.0), seed=st.integers(0, 1000))
def test_cap_is_respected_on_full_lattices(side, cap_factor, seed):
    # on a full lattice of small cells a feasible cut always exists for caps >= 2 x floor
    cells, features, pop, g = autocorrelated_lattice(side, side, seed=seed)
    floor = 20 * pop.mean()
    cap = cap_factor * floor
    result = regionalize(g, features, pop, min_population=floor, max_population=cap, seed=seed)
    assert_valid_partition(g, result.labels, pop, floor, cap)


@pytest.mark.parametrize("n_regions", [None, 2, 5], ids=["max-p", "two", "five"])
def test_separate_parts_each_get_their_own_regions(n_regions):
    # two 6 x 6 blocks 5 km apart, not bridged: no region may span both
    x, y, _ = lattice(6, 6)
    x = np.concatenate([x, x + 5000])
    y = np.concatenate([y, y])
    g = build_grid_contiguity(x, y)
    assert g.n_components == 2
    rng = np.random.default_rng(11)
    pop = rng.integers(5, 15, size=g.n).astype(float)
    features = rng.normal(size=(g.n, 2))
    floor = 100.0
    result = regionalize(g, features, pop, min_population=floor, n_regions=n_regions)
    assert_valid_partition(g, result.labels, pop, floor)
    left, right = set(result.labels[:36]), set(result.labels[36:])
    assert not left & right
    if n_regions is not None:
        assert result.n_regions == n_regions


def test_cap_is_respected_where_possible():
    x, y, g = lattice(20, 20)
    rng = np.random.default_rng(3)
    pop = rng.integers(5, 15, size=x.size).astype(float)
    features = rng.normal(size=(x.size, 2))
    result = regionalize(g, features, pop, min_population=300, max_population=900)
    assert_valid_partition(g, result.labels, pop, 300, 900)


@pytest.mark.parametrize("side", [30, 60], ids=["restarts", "one-try"])
def test_labels_are_the_same_on_one_thread_or_two(side, monkeypatch):
    """Restarts and construction candidates run in threads; the result must not show it."""
    from pipeline.regionalization import _steps

    cells, features, pop, g = autocorrelated_lattice(side, side, seed=6)
    monkeypatch.setattr(_steps, "PARALLEL_UNITS", 0)  # the candidates in threads as well
    labels = {}
    for threads in (1, 2):
        monkeypatch.setattr(_steps, "MAX_THREADS", threads)
        labels[threads] = regionalize(g, features, pop, min_population=25 * pop.mean(),
                                      seed=3).labels
    assert np.array_equal(labels[1], labels[2])


@pytest.mark.parametrize("target", [1, 3, 7, 12], ids=lambda t: f"target-{t}")
def test_target_count_is_reached_by_merging(target):
    cells, features, pop, g = autocorrelated_lattice(30, 30, seed=2)
    floor = 20 * pop.mean()
    maxp = regionalize(g, features, pop, min_population=floor)
    assert maxp.n_regions > 12
    result = regionalize(g, features, pop, min_population=floor, n_regions=target)
    assert result.n_regions == target
    assert_valid_partition(g, result.labels, pop, floor)


def test_target_count_above_what_the_floor_allows_stays_feasible():
    cells, features, pop, g = autocorrelated_lattice(20, 20, seed=4)
    floor = 40 * pop.mean()
    with pytest.warns(UserWarning, match="not the n_regions=300"):
        result = regionalize(g, features, pop, min_population=floor, n_regions=300)
    assert result.n_regions <= pop.sum() // floor
    assert_valid_partition(g, result.labels, pop, floor)


@settings(max_examples=15, deadline=None)
@given(side=st.integers(6, 30), floor_cells=st.integers(3, 60), seed=st.integers(0, 1000))
def test_search_never_raises_the_sum_of_squares_at_a_fixed_count(side, floor_cells, seed):
    cells, features, pop, g = autocorrelated_lattice(side, side, seed=seed)
    floor = min(pop.sum(), floor_cells * pop.mean())
    built = regionalize(g, features, pop, min_population=floor, max_iterations=0, seed=seed)
    # same count (and seed: the same constructions to start from): local search and merge-split may only lower the sum of squares
    fixed = regionalize(g, features, pop, min_population=floor, n_regions=built.n_regions,
                        seed=seed)
    assert fixed.n_regions == built.n_regions
    assert fixed.ssw <= built.ssw + 1e-9 * built.sst
    # max-p: the search may add regions (the first aim), never break the floor
    maxp = regionalize(g, features, pop, min_population=floor, seed=seed)
    assert maxp.n_regions >= built.n_regions
    assert_valid_partition(g, maxp.labels, pop, floor)


def test_warm_start_with_the_same_data_keeps_every_label():
    cells, features, pop, g = autocorrelated_lattice(40, 40, seed=1)
    floor = 100 * pop.mean()
    first = regionalize(g, features, pop, min_population=floor)
    again = regionalize(g, features, pop, min_population=floor, warm_start=first.labels)
    assert again.labels.tobytes() == first.labels.tobytes()
    assert again.moves == 0


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 1000), n_changed=st.integers(1, 10))
def test_warm_start_moves_few_units_when_few_change(seed, n_changed):
    cells, features, pop, g = autocorrelated_lattice(40, 40, seed=seed)
    floor = 100 * pop.mean()
    first = regionalize(g, features, pop, min_population=floor)
    rng = np.random.default_rng(seed)
    changed = rng.choice(g.n, n_changed, replace=False)
    perturbed = features.copy()
    perturbed[changed] += rng.normal(size=(n_changed, features.shape[1]))
    warm = regionalize(g, perturbed, pop, min_population=floor, warm_start=first.labels)
    assert_valid_partition(g, warm.labels, pop, floor)
    assert (warm.labels != first.labels).sum() <= 0.05 * g.n


def test_warm_start_accepts_foreign_labels_and_new_units():
    cells, features, pop, g = autocorrelated_lattice(30, 30, seed=3)
    floor = 50 * pop.mean()
    first = regionalize(g, features, pop, min_population=floor)
    previous = first.labels * 7 + 100
    previous[::37] = -1  # new units
    warm = regionalize(g, features, pop, min_population=floor, warm_start=previous)
    assert_valid_partition(g, warm.labels, pop, floor)
    kept = previous >= 0
    assert (warm.labels[kept] == first.labels[kept]).mean() > 0.9


def test_warm_start_with_a_target_count_keeps_it():
    cells, features, pop, g = autocorrelated_lattice(30, 30, seed=12)
    floor = 30 * pop.mean()
    first = regionalize(g, features, pop, min_population=floor, n_regions=8)
    more_people = pop * 1.05
    warm = regionalize(g, features, more_people, min_population=floor, n_regions=8,
                       warm_start=first.labels)
    assert warm.n_regions == 8
    assert_valid_partition(g, warm.labels, more_people, floor)
    assert (warm.labels == first.labels).mean() > 0.95


def test_warm_start_repairs_regions_broken_apart():
    cells, features, pop, g = autocorrelated_lattice(30, 30, seed=5)
    floor = 50 * pop.mean()
    stripes = (cells[:, 0] // 300).astype(int) % 2  # two labels, each in many pieces
    warm = regionalize(g, features, pop, min_population=floor, warm_start=stripes)
    assert_valid_partition(g, warm.labels, pop, floor)


def test_boundaries_settle_on_a_barrier():
    x, y, g = lattice(10, 6)
    line = shapely.LineString([(500, -100), (500, 700)])  # between columns 4 and 5
    g = weight_barrier_edges(g, np.c_[x, y] + 50.0, [line], factor=2.0)
    features = np.random.default_rng(0).normal(size=(60, 2)) * 0.01
    pop = np.full(60, 10.0)
    result = regionalize(g, features, pop, min_population=250, compactness_weight=3.0,
                         coords=np.c_[x, y])
    assert result.n_regions == 2
    cut, barrier, barrier_cut = barrier_cuts(g, result.labels)
    assert (cut, barrier, barrier_cut) == (6, 6, 6)


def test_compactness_weight_shortens_boundaries():
    cells, features, pop, g = autocorrelated_lattice(40, 40, seed=8)
    floor = 60 * pop.mean()
    loose = regionalize(g, features, pop, min_population=floor)
    tight = regionalize(g, features, pop, min_population=floor, coords=cells,
                        compactness_weight=2.0)
    assert barrier_cuts(g, tight.labels)[0] < barrier_cuts(g, loose.labels)[0]
    assert_valid_partition(g, tight.labels, pop, floor)


def test_two_clusters_are_separated():
    # left half feature 0, right half feature 10: a floor of half the residents gives 2 regions
    x, y, g = lattice(10, 6)
    features = np.where(x < 500, 0.0, 10.0)[:, None]
    pop = np.full(x.size, 10.0)
    result = regionalize(g, features, pop, min_population=pop.sum() / 2)
    assert result.n_regions == 2
    assert np.array_equal(result.labels, (x >= 500).astype(int))
    report = partition_report(g, result.labels, pop, pop.sum() / 2, None, features)
    assert report.r2 == pytest.approx(1.0)
    assert result.r2 == pytest.approx(1.0)


def test_result_figures_match_the_quality_report():
    cells, features, pop, g = autocorrelated_lattice(25, 25, seed=9)
    result = regionalize(g, features, pop, min_population=30 * pop.mean())
    ssw, sst = ssw_sst(features, pop, result.labels)
    assert result.ssw == pytest.approx(ssw, rel=1e-9)
    assert result.sst == pytest.approx(sst, rel=1e-9)
    assert np.allclose(result.population, np.bincount(result.labels, weights=pop))
    assert isinstance(result, Regionalization) and "regions" in repr(result)
    assert set(result.timings) == {
        "prepare", "construct", "local_search", "merge_split", "anneal"
    }


def test_construction_only_builds_a_valid_partition():
    cells, features, pop, g = autocorrelated_lattice(20, 20, seed=6)
    result = regionalize(g, features, pop, min_population=25 * pop.mean(), max_iterations=0)
    assert_valid_partition(g, result.labels, pop, 25 * pop.mean())
    assert result.moves == 0 and result.passes == 0


def test_inputs_are_not_mutated():
    cells, features, pop, g = autocorrelated_lattice(15, 15, seed=7)
    f0, p0 = features.copy(), pop.copy()
    warm = np.zeros(g.n, np.int64)
    regionalize(g, features, pop, min_population=10 * pop.mean(), warm_start=warm)
    assert np.array_equal(features, f0) and np.array_equal(pop, p0)
    assert not warm.any()


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


def test_nan_features_name_units_and_columns():
    _, _, g = lattice(3, 3)
    features = np.zeros((9, 3))
    features[4, 2] = np.nan
    features[7, 0] = np.inf
    with pytest.raises(InfeasibleError, match=r"2 units \(first: \[4, 7\]\), columns \[0, 2\]") as err:
        regionalize(g, features, np.full(9, 10.0), min_population=20)
    assert err.value.units == [4, 7]


def test_unjoinable_small_part_is_named():
    x = np.array([0, 100, 0, 100, 9000])
    y = np.array([0, 0, 100, 100, 0])
    g = bridge_components(build_grid_contiguity(x, y), np.c_[x, y] + 50.0, 1000)
    pop = np.array([50.0, 50, 50, 50, 20])
    with pytest.raises(InfeasibleError, match=r"units \[4\] \(20 residents\)") as err:
        regionalize(g, np.zeros((5, 1)), pop, min_population=100)
    assert err.value.units == [4]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_regions": 0}, ValueError, "n_regions must be"),
        ({"coords": np.zeros((3, 2))}, ValueError, "coords must have shape"),
        ({"warm_start": np.zeros(2)}, ValueError, "warm_start must have shape"),
        ({"compactness_weight": -1.0}, ValueError, "compactness_weight"),
        ({"max_iterations": -1}, ValueError, "max_iterations"),
    ],
    ids=["n-regions", "coords", "warm-start", "compactness", "iterations"],
)
def test_bad_arguments_are_named(kwargs, error, match):
    _, _, g = lattice(3, 3)
    with pytest.raises(error, match=match):
        regionalize(g, np.zeros((9, 1)), np.full(9, 10.0), min_population=20, **kwargs)


def test_a_unit_above_the_cap_is_reported():
    _, _, g = lattice(4, 4)
    pop = np.full(16, 10.0)
    pop[5] = 500.0
    with pytest.warns(UserWarning, match=r"units \[5\]"):
        result = regionalize(g, np.zeros((16, 1)), pop, min_population=30, max_population=100)
    assert_valid_partition(g, result.labels, pop, 30)


def test_graph_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="graph must be"):
        regionalize(object(), np.zeros((9, 1)), np.full(9, 10.0), min_population=20)
