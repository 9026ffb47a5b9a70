"""Exact re-partition of two adjacent regions on small problems (compiled kernel).

Merge-split (:mod:`pipeline.regionalization._mergesplit`) re-draws the boundary of a pair
of regions at a cut of the union's minimum spanning tree: one tree, ``m - 1`` cuts. Where
the floor is tight (every region a little above it) the best boundary is often not a tree
cut at all, and the single-unit and refill moves cannot reach it either, since every step
on the way breaks the floor. On small problems the union of two regions holds a few dozen
units at most, and the connected bipartitions that meet the floor are few enough to try
them all: this module enumerates every connected part ``S`` holding the union's first unit
(each connected set exactly once: a depth-first search that decides the units on the part's
frontier one by one, in or out, and never reconsiders a unit left out), keeps those whose
residents and whose complement's residents are within the floor and the cap and whose
complement is connected, and takes the one of least sum of squares. The search stops
early where no extension can work: populations are not negative, so a part above the
largest admissible population is never extended, and the units left out end in the
complement, so they must stay connected to one another in the rest of the union, their
component must hold enough residents, and the rest's other components must fit into the
part. On a union of 32 units of ``stl`` this cut the search from 28 million steps to
51,000.

On libpysal's ``stl`` map (78 counties, 8 regions, the floor a tenth of the residents) the
engine's final partitions of 200 seeds (local optima of its own moves) were improved by
repeated exact pair re-partitions in 55 cases, the best to R2 0.8717 (the best of the 200
was 0.8708; pygeoda's maxp_greedy finds 7 regions at 0.8712).

Like merge-split it minimises the weighted sum of squares only (no compactness term) and
leaves pairs alone that hold a fixed unit. The sets are bit masks of at most
``MAX_UNION`` units, and a pair whose enumeration takes more than ``budget`` steps keeps
the best part found by then (the same for the same input), so the cost per pair is
bounded. Pairs are visited in order of their regions; a pair is tried again only after
one of its regions changed.
"""

from __future__ import annotations

import numpy as np

from pipeline._compat import njit

__all__ = ["MAX_UNION", "best_bipartition", "repartition_kernel"]

#: Most units of a union (bit masks of 64 bits, the sign bit unused).
MAX_UNION = 62


#: De Bruijn sequence and table: the index of a single set bit by one multiplication.
_DE_BRUIJN = 0x03F79D71B4CB0A89
_BIT_INDEX = np.zeros(64, np.int64)
for _i in range(64):
    _BIT_INDEX[((_DE_BRUIJN << _i) & (2**64 - 1)) >> 58] = _i


@njit
def _bit(b):
    """Index of the single set bit of ``b`` (an int64 power of two)."""
    return _BIT_INDEX[((b * _DE_BRUIJN) >> 58) & 63]


@njit
def _reach(start, mask, nbm):
    """The units of ``mask`` connected to those of ``start``."""
    seen = start
    front = start
    while front != 0:
        b = front & (-front)
        front ^= b
        new = nbm[_bit(b)] & mask & ~seen
        seen |= new
        front |= new
    return seen


@njit
def _mass(mask, population):
    """Residents of the units of ``mask``."""
    total = 0.0
    while mask != 0:
        b = mask & (-mask)
        mask ^= b
        total += population[_bit(b)]
    return total


@njit
def best_bipartition(nbm, population, features, weight, lo, hi, budget):
    """Best split of ``m`` local units into two connected parts (exhaustive enumeration).

    Parameters
    ----------
    nbm : ndarray of int64, shape (m,)
        Bit ``j`` of ``nbm[i]`` is set when local units ``i`` and ``j`` are adjacent;
        ``m <= MAX_UNION`` and the union is connected.
    population, weight : ndarray of float64, shape (m,)
        Residents (for the bounds) and weights of the sum of squares.
    features : ndarray of float64, shape (m, d)
    lo, hi : float
        Admissible residents of the part holding unit 0: at least ``lo`` (the floor, or
        the total minus the cap) and at most ``hi`` (the total minus the floor, or the cap).
    budget : int
        Most enumeration steps; the best part found by then is returned.

    Returns
    -------
    (ssw, mask, steps) : (float, int, int)
        The least summed sum of squares of the two parts (``inf`` when no split meets the
        bounds), the bit mask of the part holding unit 0, and the steps taken.
    """
    m, d = features.shape
    full = (np.int64(1) << m) - 1
    # union sums: the complement's sums are these minus the part's
    total = 0.0
    tw = 0.0
    tq = 0.0
    ts = np.zeros(d)
    for i in range(m):
        total += population[i]
        tw += weight[i]
        for j in range(d):
            ts[j] += weight[i] * features[i, j]
            tq += weight[i] * features[i, j] * features[i, j]
    depth = m + 2
    st_s = np.zeros(depth, np.int64)  # the part
    st_c = np.zeros(depth, np.int64)  # its frontier still to decide
    st_f = np.zeros(depth, np.int64)  # decided units (in the part or excluded)
    st_p = np.zeros(depth)
    st_w = np.zeros(depth)
    st_x = np.zeros((depth, d))
    best = np.inf
    best_mask = np.int64(0)
    steps = 0
    if population[0] > hi:
        return best, best_mask, steps
    st_s[0] = 1
    st_c[0] = nbm[0] & ~np.int64(1)
    st_f[0] = 1
    st_p[0] = population[0]
    st_w[0] = weight[0]
    for j in range(d):
        st_x[0, j] = weight[0] * features[0, j]
    top = 1
    fresh = True  # the root is a part to evaluate
    while top > 0 and steps < budget:
        steps += 1
        top -= 1
        s = st_s[top]
        p = st_p[top]
        f = st_f[top]
        evaluate = fresh
        fresh = False
        # the units left out end in the complement: they must stay connected to one
        # another, the rest of their component cannot hold enough residents, and the
        # other components must join the part
        rest = full & ~s
        out = f & ~s
        comp = _reach(out & (-out) if out != 0 else rest & (-rest), rest, nbm)
        if out != 0 and ((out & ~comp) != 0 or p + _mass(rest & ~comp, population) > hi
                         or _mass(comp, population) < total - hi):
            continue
        if evaluate and lo <= p and rest != 0 and comp == rest:
            sw = st_w[top]
            v = tq
            for j in range(d):
                a = st_x[top, j]
                v -= a * a / sw + (ts[j] - a) * (ts[j] - a) / (tw - sw)
            if v < best:
                best = v
                best_mask = s
        c = st_c[top]
        if c == 0:
            continue
        u = c & (-c)
        i = _bit(u)
        # the branch without unit i stays on the stack (its sums unchanged)
        st_c[top] = c & ~u
        st_f[top] = f | u
        top += 1
        p2 = p + population[i]
        if p2 > hi:
            continue  # no superset fits either
        s2 = s | u
        st_s[top] = s2
        st_c[top] = (c & ~u) | (nbm[i] & ~s2 & ~f & ~c)
        st_f[top] = f | u
        st_p[top] = p2
        st_w[top] = st_w[top - 1] + weight[i]
        for j in range(d):
            st_x[top, j] = st_x[top - 1, j] + weight[i] * features[i, j]
        top += 1
        fresh = True
    return best, best_mask, steps


@njit
def _region_ssw(units, m, features, weight):
    """Weighted sum of squares of the ``m`` units in ``units``."""
    d = features.shape[1]
    w = 0.0
    q = 0.0
    s = np.zeros(d)
    for t in range(m):
        u = units[t]
        w += weight[u]
        for j in range(d):
            s[j] += weight[u] * features[u, j]
            q += weight[u] * features[u, j] * features[u, j]
    for j in range(d):
        q -= s[j] * s[j] / w
    return q


@njit
def _members(labels, size, start, members, fill):
    """Units of every region in memory order: ``members[start[r]:start[r + 1]]``."""
    k = size.size
    start[0] = 0
    for r in range(k):
        start[r + 1] = start[r] + size[r]
        fill[r] = start[r]
    for u in range(labels.size):
        r = labels[u]
        members[fill[r]] = u
        fill[r] += 1


@njit
def _union(a, b, start, members, union):
    """Write the units of regions ``a`` and ``b`` to ``union`` in memory order; their number."""
    m = 0
    ia = start[a]
    ib = start[b]
    while ia < start[a + 1] or ib < start[b + 1]:
        if ib >= start[b + 1] or (ia < start[a + 1] and members[ia] < members[ib]):
            union[m] = members[ia]
            ia += 1
        else:
            union[m] = members[ib]
            ib += 1
        m += 1
    return m


@njit
def _try_pair(a, b, m, union, loc, indptr, indices, features, weight, population, labels,
              pop, floor, cap, budget, limit):
    """Re-partition the union of ``a`` and ``b`` if its best split is below ``limit``."""
    d = features.shape[1]
    for t in range(m):
        loc[union[t]] = t
    nbm = np.zeros(m, np.int64)
    xs = np.empty((m, d))
    ps = np.empty(m)
    ws = np.empty(m)
    for t in range(m):
        u = union[t]
        ps[t] = population[u]
        ws[t] = weight[u]
        for j in range(d):
            xs[t, j] = features[u, j]
        for e in range(indptr[u], indptr[u + 1]):
            v = loc[indices[e]]
            if v >= 0 and v != t:
                nbm[t] |= np.int64(1) << v
    for t in range(m):
        loc[union[t]] = -1
    both = pop[a] + pop[b]
    best, mask, _ = best_bipartition(nbm, ps, xs, ws, max(floor, both - cap),
                                     min(cap, both - floor), budget)
    if not best < limit:
        return False
    first = labels[union[0]]
    same = True  # the split found may be the current one (the sums round differently)
    for t in range(m):
        if ((mask >> t) & 1 == 1) != (labels[union[t]] == first):
            same = False
            break
    if same:
        return False
    for t in range(m):
        labels[union[t]] = a if (mask >> t) & 1 else b
    return True


@njit
def repartition_kernel(indptr, indices, features, weight, population, labels, k, floor, cap,
                       budget, rounds, tol, fixed):
    """Replace adjacent pairs by their best connected bipartition while that gains.

    ``labels`` (regions ``0..k-1``, each connected and within the bounds) change in place;
    each pair of adjacent regions of at most ``MAX_UNION`` units without fixed units is
    re-partitioned exactly (:func:`best_bipartition`, at most ``budget`` steps) and
    replaced when its sum of squares falls by more than ``tol``. At most ``rounds``
    sweeps over the pairs, each trying only the pairs with a region changed since the
    pair was last tried. Returns the number of pairs replaced.
    """
    n = labels.size
    size = np.zeros(k, np.int64)
    pop = np.zeros(k)
    has_fixed = np.zeros(k, np.bool_)
    for u in range(n):
        size[labels[u]] += 1
        pop[labels[u]] += population[u]
        if fixed[u]:
            has_fixed[labels[u]] = True
    start = np.zeros(k + 1, np.int64)
    members = np.empty(n, np.int64)
    fill = np.zeros(k, np.int64)
    _members(labels, size, start, members, fill)
    ssw = np.zeros(k)
    for r in range(k):
        ssw[r] = _region_ssw(members[start[r]:], size[r], features, weight)
    # event counters: when a region last changed, when a pair was last tried
    changed = np.ones(k, np.int64)
    tried = np.zeros((k, k), np.int64)
    event = 1
    loc = np.full(n, -1, np.int64)
    union = np.empty(MAX_UNION, np.int64)
    near = np.zeros(k, np.bool_)
    total = 0
    for _ in range(rounds):
        replaced = 0
        a = 0
        while a < k:
            again = False
            if not has_fixed[a]:
                for t in range(start[a], start[a + 1]):  # the regions next to a
                    u = members[t]
                    for e in range(indptr[u], indptr[u + 1]):
                        near[labels[indices[e]]] = True
                for b in range(a + 1, k):
                    if not near[b] or has_fixed[b] or size[a] + size[b] > MAX_UNION:
                        continue
                    if tried[a, b] > changed[a] and tried[a, b] > changed[b]:
                        continue
                    event += 1
                    tried[a, b] = event
                    m = _union(a, b, start, members, union)
                    if not _try_pair(a, b, m, union, loc, indptr, indices, features, weight,
                                     population, labels, pop, floor, cap, budget,
                                     ssw[a] + ssw[b] - tol):
                        continue
                    # a and b changed: their sizes, residents, sums and member lists
                    both = pop[a] + pop[b]
                    size[a] = 0
                    pop[a] = 0.0
                    for t in range(m):
                        if labels[union[t]] == a:
                            size[a] += 1
                            pop[a] += population[union[t]]
                    size[b] = m - size[a]
                    pop[b] = both - pop[a]
                    _members(labels, size, start, members, fill)
                    ssw[a] = _region_ssw(members[start[a]:], size[a], features, weight)
                    ssw[b] = _region_ssw(members[start[b]:], size[b], features, weight)
                    event += 1
                    changed[a] = event
                    changed[b] = event
                    replaced += 1
                    again = True  # a's neighbours may have changed
                    break
                near[:] = False
            if not again:
                a += 1
        total += replaced
        if replaced == 0:
            break
    return total
