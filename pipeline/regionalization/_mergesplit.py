"""Merge-split moves between adjacent regions (compiled kernel).

Single-unit moves (:mod:`pipeline.regionalization._localsearch`) stop at a local optimum; a larger
neighbourhood re-draws the boundary between two adjacent regions at once: merge them and split the
union again at the best cut of its minimum spanning tree (the SKATER cut of Assunção et al. 2006,
:func:`pipeline.regionalization._split.best_cut`). The new pair replaces the old one only if its
sum of squares is lower. In max-p mode a pair holding at least three floors of residents is split
into three regions instead (two nested cuts), which raises the number of regions, the first aim of
the max-p-regions problem (Duque, Anselin and Rey 2012).

Both parts of a tree cut are connected, so contiguity holds; parts stay at or above the
floor and within the cap. Rounds repeat over the pairs of which one region changed in the
previous round, until a round changes nothing.
"""

from __future__ import annotations

import numpy as np

from pipeline._compat import njit
from pipeline.regionalization._split import best_cut

__all__ = ["merge_split_kernel"]


@njit
def _region_stats(r, units, m, features, weight, population, wr, pr, sr, sq):
    """Recompute the running sums of region ``r`` from its ``m`` units."""
    wr[r] = 0.0
    pr[r] = 0.0
    sq[r] = 0.0
    for j in range(features.shape[1]):
        sr[r, j] = 0.0
    for t in range(m):
        u = units[t]
        w = weight[u]
        wr[r] += w
        pr[r] += population[u]
        for j in range(features.shape[1]):
            x = features[u, j]
            sr[r, j] += w * x
            sq[r] += w * x * x


@njit
def _ssw(r, wr, sr, sq):
    s = sq[r]
    for j in range(sr.shape[1]):
        s -= sr[r, j] * sr[r, j] / wr[r]
    return s


@njit
def _gather(a, b, head, nxt_unit, buf):
    """Write the units of regions ``a`` and ``b`` to ``buf``; return their number."""
    m = 0
    for r in (a, b):
        u = head[r]
        while u != -1:
            buf[m] = u
            m += 1
            u = nxt_unit[u]
    return m


@njit
def _relink(units, m, labels, head, nxt_unit, regions):
    """Rebuild the member lists of ``regions`` from the labels of ``units``."""
    for r in regions:
        head[r] = -1
    for t in range(m - 1, -1, -1):
        u = units[t]
        r = labels[u]
        nxt_unit[u] = head[r]
        head[r] = u


@njit
def _mark_touch(r, head, nxt_unit, indptr, indices, labels, dirty, touch):
    """Mark the regions next to ``r`` if ``r`` is dirty, and ``r`` if one of them is."""
    u = head[r]
    while u != -1:
        for e in range(indptr[u], indptr[u + 1]):
            z = labels[indices[e]]
            if z != r:
                if dirty[r]:
                    touch[z] = True
                if dirty[z]:
                    touch[r] = True
        u = nxt_unit[u]


@njit
def merge_split_kernel(
    indptr, indices, features, weight, population, labels, k, floor, cap, raise_p, target,
    max_rounds, tol, dirty,
):
    """Re-draw the boundaries of adjacent region pairs; ``labels`` is changed in place.

    Parameters
    ----------
    indptr, indices : ndarray
        CSR contiguity graph.
    features, weight, population : ndarray
        As in :func:`pipeline.regionalization._ward.agglomerate_kernel`.
    labels : ndarray of int64, shape (n,)
        Contiguous regions ``0 .. k - 1``; new regions get ids ``k, k + 1, ...``.
    k : int
    floor, cap : float
    raise_p : bool
        Split pairs of three floors into three regions (max-p mode, or below a target).
    target : int
        With ``raise_p``: stop adding regions at this count (0: no limit).
    max_rounds : int
        Most rounds over the pairs.
    tol : float
        Smallest drop of the sum of squares that counts.
    dirty : ndarray of bool, shape (n + 1,)
        Regions changed since their pairs were last tried; the first round tries only
        pairs with a dirty region. Changed in place.

    Returns
    -------
    k : int
        The new number of regions.
    changes : int
        Pairs re-drawn (including three-way splits).
    """
    n = labels.size
    d = features.shape[1]
    head = np.full(n + 1, -1, np.int64)
    nxt_unit = np.full(n, -1, np.int64)
    for u in range(n - 1, -1, -1):
        nxt_unit[u] = head[labels[u]]
        head[labels[u]] = u
    wr = np.zeros(n + 1)
    pr = np.zeros(n + 1)
    sq = np.zeros(n + 1)
    sr = np.zeros((n + 1, d))
    buf = np.empty(2 * n, np.int64)  # a pair's units, then one part of its split
    for r in range(k):
        m = 0
        u = head[r]
        while u != -1:
            buf[m] = u
            m += 1
            u = nxt_unit[u]
        _region_stats(r, buf, m, features, weight, population, wr, pr, sr, sq)
    loc = np.full(n, -1, np.int64)
    stamps = np.full(n + 1, -1, np.int64)
    visit = -1
    nbrs = np.empty(n + 1, np.int64)
    next_dirty = np.zeros(n + 1, np.bool_)
    changes = 0
    touch = np.zeros(n + 1, np.bool_)
    for _round in range(max_rounds):
        changed_this_round = 0
        # a region neither dirty nor next to a dirty one has no pair to try: skip it
        # without reading its edges (the same pairs in the same order as reading them all)
        clean = 0
        for r in range(k):
            touch[r] = False
            if not dirty[r]:
                clean += 1
        if clean:
            for r in range(k):
                if dirty[r]:
                    _mark_touch(r, head, nxt_unit, indptr, indices, labels, dirty, touch)
        for a in range(k):
            if clean and not (dirty[a] or touch[a]):
                continue
            # distinct neighbouring regions of a, in order of discovery (a stamp per visit:
            # one per region would hide a neighbour seen by a's visit of the last round)
            visit += 1
            nn = 0
            u = head[a]
            while u != -1:
                for e in range(indptr[u], indptr[u + 1]):
                    b = labels[indices[e]]
                    if b != a and stamps[b] != visit:
                        stamps[b] = visit
                        nbrs[nn] = b
                        nn += 1
                u = nxt_unit[u]
            for t in range(nn):
                b = nbrs[t]
                if b < a or not (dirty[a] or dirty[b]):
                    continue
                m = _gather(a, b, head, nxt_unit, buf)
                units = buf[:m]
                for q in range(m):
                    labels[units[q]] = a
                before = _ssw(a, wr, sr, sq) + _ssw(b, wr, sr, sq)
                pop_ab = pr[a] + pr[b]
                done = False
                new_r = -1
                if raise_p and floor > 0 and pop_ab >= 3 * floor and (target <= 0 or k < target):
                    done = _split_three(units, a, b, k, indptr, indices, features, weight,
                                        population, labels, loc, floor, cap)
                    if done:
                        _relink(units, m, labels, head, nxt_unit, (a, b, k))
                        for r in (a, b, k):
                            _region_stats(r, units[:0], 0, features, weight, population, wr,
                                          pr, sr, sq)
                        for q in range(m):
                            uu = units[q]
                            r = labels[uu]
                            w = weight[uu]
                            wr[r] += w
                            pr[r] += population[uu]
                            for j in range(d):
                                sr[r, j] += w * features[uu, j]
                                sq[r] += w * features[uu, j] * features[uu, j]
                        next_dirty[k] = True
                        new_r = k
                        k += 1
                if not done:
                    gain, mask, ssw_ab = best_cut(units, indptr, indices, features, weight,
                                                  population, labels, loc, floor, cap, 2)
                    if gain >= 0 and ssw_ab - gain < before - tol:
                        for q in range(m):
                            labels[units[q]] = b if mask[q] else a
                        _relink(units, m, labels, head, nxt_unit, (a, b))
                        pa = 0
                        pb = 0
                        for q in range(m):
                            if mask[q]:
                                buf[m + pb] = units[q]
                                pb += 1
                        for q in range(m):
                            if not mask[q]:
                                units[pa] = units[q]
                                pa += 1
                        _region_stats(a, units, pa, features, weight, population, wr, pr, sr,
                                      sq)
                        _region_stats(b, buf[m:], pb, features, weight, population, wr, pr,
                                      sr, sq)
                        done = True
                    else:
                        u = head[b]
                        while u != -1:
                            labels[u] = b
                            u = nxt_unit[u]
                if done:
                    next_dirty[a] = True
                    next_dirty[b] = True
                    if clean:  # the pair's new neighbours: regions to visit this round
                        _mark_touch(a, head, nxt_unit, indptr, indices, labels, dirty, touch)
                        _mark_touch(b, head, nxt_unit, indptr, indices, labels, dirty, touch)
                        if new_r >= 0:
                            _mark_touch(new_r, head, nxt_unit, indptr, indices, labels,
                                        dirty, touch)
                    changed_this_round += 1
                    break  # a's neighbours changed: go on with the next region
        changes += changed_this_round
        if changed_this_round == 0:
            break
        for r in range(k):
            dirty[r] = next_dirty[r]
            next_dirty[r] = False
    return k, changes


@njit
def _split_three(units, a, b, c, indptr, indices, features, weight, population, labels, loc,
                 floor, cap):
    """Split ``units`` (all labelled ``a``) into regions ``a``, ``b``, ``c`` of >= floor.

    Two nested spanning-tree cuts: the first leaves one side with room for two regions,
    the second splits that side. Returns False (labels back to ``a``) if no such cuts
    exist or a part would exceed the cap.
    """
    m = units.size
    gain, mask, _ = best_cut(units, indptr, indices, features, weight, population, labels,
                             loc, floor, cap, 3)
    if gain < 0:
        return False
    p1 = 0.0
    for q in range(m):
        if mask[q]:
            p1 += population[units[q]]
    p_all = 0.0
    for q in range(m):
        p_all += population[units[q]]
    p2 = p_all - p1
    # the side with room for two regions (the larger one if both have) is split again
    two_is_masked = np.floor(p1 / floor) >= 2 and (np.floor(p2 / floor) < 2 or p1 >= p2)
    n_two = 0
    for q in range(m):
        if mask[q] == two_is_masked:
            n_two += 1
    side = np.empty(n_two, np.int64)
    t = 0
    for q in range(m):
        if mask[q] == two_is_masked:
            side[t] = units[q]
            t += 1
            labels[units[q]] = b
    gain2, mask2, _ = best_cut(side, indptr, indices, features, weight, population, labels,
                               loc, floor, cap, 2)
    if gain2 < 0:
        for q in range(m):
            labels[units[q]] = a
        return False
    pb = 0.0
    pc = 0.0
    for q in range(n_two):
        if mask2[q]:
            labels[side[q]] = c
            pc += population[side[q]]
        else:
            pb += population[side[q]]
    pa = p_all - pb - pc
    if pa > cap or pb > cap or pc > cap:
        for q in range(m):
            labels[units[q]] = a
        return False
    return True
