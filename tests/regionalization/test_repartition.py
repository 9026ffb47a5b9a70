"""Exact pair re-partition: the enumeration finds what a brute force over all subsets finds.

Matrix:

- a 4 x 4 lattice (16 units, every subset tried by brute force) with clustered residents,
  floors from loose to tight, with and without a cap -> :func:`best_bipartition` returns
  the least sum of squares over all splits into two connected parts within the bounds,
  and the part it names has that sum; a floor no split meets -> ``inf``;
- a budget of a few steps -> a split within the bounds (or none), never a better one
  than the exhaustive search;
- the kernel on two regions of that lattice -> the brute-force optimum, a valid partition;
  on a 7 x 7 lattice with five regions -> a valid partition whose sum of squares is not
  higher, and every adjacent pair is then optimal by brute force over its union.
"""

from collections import deque
from itertools import combinations

import numpy as np
import pytest

from pipeline.regionalization._repartition import best_bipartition, repartition_kernel
from pipeline.testing import assert_valid_partition, autocorrelated_lattice


def _masks(g, units):
    """Local adjacency bit masks of ``units`` (ascending global ids)."""
    loc = {int(u): i for i, u in enumerate(units)}
    nbm = np.zeros(len(units), np.int64)
    for i, u in enumerate(units):
        for v in g.indices[g.indptr[u]:g.indptr[u + 1]]:
            if int(v) in loc:
                nbm[i] |= np.int64(1) << loc[int(v)]
    return nbm


def _connected(members, nbm):
    members = set(members)
    if not members:
        return False
    start = min(members)
    seen, queue = {start}, deque([start])
    while queue:
        i = queue.popleft()
        for j in members:
            if j not in seen and (int(nbm[i]) >> j) & 1:
                seen.add(j)
                queue.append(j)
    return seen == members


def _ssw(members, x, w):
    idx = np.array(sorted(members))
    mean = w[idx] @ x[idx] / w[idx].sum()
    return float((w[idx, None] * (x[idx] - mean) ** 2).sum())


def _brute(nbm, pop, x, w, lo, hi):
    """Least sum of squares over all splits (part with unit 0 within [lo, hi])."""
    m = pop.size
    best = np.inf
    for size in range(1, m):
        for rest in combinations(range(1, m), size - 1):
            part = {0, *rest}
            other = set(range(m)) - part
            p = pop[sorted(part)].sum()
            if not lo <= p <= hi or not _connected(part, nbm) or not _connected(other, nbm):
                continue
            best = min(best, _ssw(part, x, w) + _ssw(other, x, w))
    return best


def _lattice(side, seed=3):
    _, x, pop, g = autocorrelated_lattice(side, side, n_features=3, seed=seed)
    return g, np.ascontiguousarray(x), pop.astype(np.float64)


@pytest.mark.parametrize("share", [0.2, 0.35, 0.45, 0.49])
@pytest.mark.parametrize("capped", [False, True])
def test_best_bipartition_matches_brute_force(share, capped):
    g, x, pop = _lattice(4)
    nbm = _masks(g, np.arange(g.n))
    total = pop.sum()
    floor = share * total
    cap = 0.7 * total if capped else np.inf
    lo, hi = max(floor, total - cap), min(cap, total - floor)
    best, mask, _ = best_bipartition(nbm, pop, x, pop, lo, hi, 10**9)
    expected = _brute(nbm, pop, x, pop, lo, hi)
    assert np.isfinite(expected)
    assert best == pytest.approx(expected, rel=1e-9)
    part = {i for i in range(g.n) if (int(mask) >> i) & 1}
    other = set(range(g.n)) - part
    assert 0 in part and _connected(part, nbm) and _connected(other, nbm)
    assert lo <= pop[sorted(part)].sum() <= hi
    assert _ssw(part, x, pop) + _ssw(other, x, pop) == pytest.approx(best, rel=1e-9)


def test_no_split_meets_the_floor():
    g, x, pop = _lattice(4)
    nbm = _masks(g, np.arange(g.n))
    total = pop.sum()
    best, mask, _ = best_bipartition(nbm, pop, x, pop, 0.6 * total, 0.4 * total, 10**9)
    assert best == np.inf and mask == 0


def test_small_budget_is_feasible_and_not_better():
    g, x, pop = _lattice(4)
    nbm = _masks(g, np.arange(g.n))
    total = pop.sum()
    lo, hi = 0.3 * total, 0.7 * total
    exact, _, steps = best_bipartition(nbm, pop, x, pop, lo, hi, 10**9)
    best, mask, used = best_bipartition(nbm, pop, x, pop, lo, hi, 20)
    assert used <= 20 < steps
    assert best >= exact
    if np.isfinite(best):
        part = {i for i in range(g.n) if (int(mask) >> i) & 1}
        assert _connected(part, nbm) and _connected(set(range(g.n)) - part, nbm)
        assert lo <= pop[sorted(part)].sum() <= hi


def _total(labels, x, w):
    return sum(_ssw(set(np.flatnonzero(labels == r)), x, w) for r in range(labels.max() + 1))


def _kernel(g, x, pop, labels, floor):
    sst = float((pop[:, None] * (x - pop @ x / pop.sum()) ** 2).sum())
    return repartition_kernel(g.indptr, g.indices, x, pop, pop, labels, int(labels.max()) + 1,
                              floor, np.inf, 10**9, 50, 1e-10 * sst / g.n,
                              np.zeros(g.n, np.bool_))


def test_kernel_finds_the_optimum_of_two_regions():
    g, x, pop = _lattice(4)
    floor = 0.4 * pop.sum()
    labels = (np.arange(16) % 4 >= 2).astype(np.int64)  # two columns each side
    assert_valid_partition(g, labels, pop, floor)
    _kernel(g, x, pop, labels, floor)
    assert_valid_partition(g, labels, pop, floor)
    nbm = _masks(g, np.arange(g.n))
    expected = _brute(nbm, pop, x, pop, floor, pop.sum() - floor)
    assert _total(labels, x, pop) == pytest.approx(expected, rel=1e-9)


def test_kernel_leaves_every_pair_optimal():
    g, x, pop = _lattice(7, seed=5)
    col = np.arange(g.n) % 7
    labels = np.minimum(col * 5 // 7, 4).astype(np.int64)  # five bands of columns
    floor = 0.8 * np.bincount(labels, weights=pop).min()
    before = _total(labels, x, pop)
    assert _kernel(g, x, pop, labels, floor) > 0
    assert_valid_partition(g, labels, pop, floor)
    assert _total(labels, x, pop) <= before
    for a in range(5):
        for b in range(a + 1, 5):
            units = np.flatnonzero((labels == a) | (labels == b))
            nbm = _masks(g, units)
            if not _connected(set(range(units.size)), nbm) or units.size > 20:
                continue
            p = pop[units]
            now = _ssw(set(np.flatnonzero(labels[units] == labels[units[0]])), x[units], p) \
                + _ssw(set(np.flatnonzero(labels[units] != labels[units[0]])), x[units], p)
            assert now <= _brute(nbm, p, x[units], p, floor, p.sum() - floor) * (1 + 1e-9)
