"""Splitting regions by cutting an edge of their minimum spanning tree (compiled kernel).

A region is split the way SKATER prunes a tree (Assunção, Neves, Câmara and da Costa Freitas
2006): build the minimum spanning tree of the region's units over graph edges weighted by
feature dissimilarity, then cut the tree edge whose two sides have the smallest summed
within-region sum of squares, among the cuts that leave both sides at or above the floor.
Both sides of a tree cut are connected, so contiguity holds by construction. Subtree sums are
accumulated in one post-order pass, so one split costs ``O(m log m + m d)`` for a region of
``m`` units.

Regions above the cap are split first (balanced cuts within the cap preferred); in max-p mode
every region with at least twice the floor is then split while a feasible cut exists, since a
split never raises the sum of squares and adds a region.
"""

from __future__ import annotations

import numpy as np

from pipeline._compat import njit

__all__ = ["best_cut", "split_kernel"]


@njit
def best_cut(units, indptr, indices, features, weight, population, labels, loc, floor, cap,
             parts):
    """Best spanning-tree cut of one region; returns (gain, mask of the cut-off side, ssw).

    ``units`` all carry the same label; ``loc`` is scratch of length n filled with -1.
    ``gain`` is the drop of the region's sum of squares ``ssw``, ``-1`` when no cut leaves
    both sides at or above the floor with room for ``parts`` regions between them (each
    side ``s`` holds ``floor(pop_s / floor)``). When the region is above the cap, cuts with
    both sides within the cap win; if none exists, the most balanced feasible cut wins
    (gain 0).
    """
    m = units.size
    d = features.shape[1]
    r = labels[units[0]]
    for t in range(m):
        loc[units[t]] = t
    # edges inside the region
    n_e = 0
    for t in range(m):
        u = units[t]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if labels[v] == r and u < v:
                n_e += 1
    eu = np.empty(n_e, np.int64)
    ev = np.empty(n_e, np.int64)
    ew = np.empty(n_e)
    k = 0
    for t in range(m):
        u = units[t]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if labels[v] == r and u < v:
                eu[k] = loc[u]
                ev[k] = loc[v]
                s = 0.0
                for j in range(d):
                    diff = features[u, j] - features[v, j]
                    s += diff * diff
                ew[k] = s
                k += 1
    # Kruskal
    order = np.argsort(ew, kind="mergesort")
    uf = np.arange(m)
    tree_u = np.empty(m - 1, np.int64)
    tree_v = np.empty(m - 1, np.int64)
    nt = 0
    for q in range(n_e):
        a = eu[order[q]]
        b = ev[order[q]]
        ra = a
        while uf[ra] != ra:
            ra = uf[ra]
        rb = b
        while uf[rb] != rb:
            rb = uf[rb]
        while uf[a] != ra:
            nx = uf[a]
            uf[a] = ra
            a = nx
        while uf[b] != rb:
            nx = uf[b]
            uf[b] = rb
            b = nx
        if ra != rb:
            uf[rb] = ra
            tree_u[nt] = eu[order[q]]
            tree_v[nt] = ev[order[q]]
            nt += 1
    mask = np.zeros(m, np.bool_)
    for t in range(m):
        loc[units[t]] = -1
    if nt != m - 1:
        return -1.0, mask, 0.0
    # tree adjacency (CSR) and BFS order from the first unit
    deg = np.zeros(m + 1, np.int64)
    for q in range(nt):
        deg[tree_u[q] + 1] += 1
        deg[tree_v[q] + 1] += 1
    ptr = np.cumsum(deg)
    fill = ptr[:-1].copy()
    adj = np.empty(2 * nt, np.int64)
    for q in range(nt):
        adj[fill[tree_u[q]]] = tree_v[q]
        fill[tree_u[q]] += 1
        adj[fill[tree_v[q]]] = tree_u[q]
        fill[tree_v[q]] += 1
    parent = np.full(m, -1, np.int64)
    bfs = np.empty(m, np.int64)
    bfs[0] = 0
    parent[0] = 0
    qh = 0
    qt = 1
    while qh < qt:
        a = bfs[qh]
        qh += 1
        for p in range(ptr[a], ptr[a + 1]):
            b = adj[p]
            if parent[b] == -1:
                parent[b] = a
                bfs[qt] = b
                qt += 1
    # subtree sums in reverse BFS order
    sw = np.zeros(m)
    sp = np.zeros(m)
    ssq = np.zeros(m)
    ss = np.zeros((m, d))
    for t in range(m):
        u = units[t]
        sw[t] = weight[u]
        sp[t] = population[u]
        for j in range(d):
            x = features[u, j]
            ss[t, j] = weight[u] * x
            ssq[t] += weight[u] * x * x
    for q in range(m - 1, 0, -1):
        a = bfs[q]
        p = parent[a]
        sw[p] += sw[a]
        sp[p] += sp[a]
        ssq[p] += ssq[a]
        for j in range(d):
            ss[p, j] += ss[a, j]
    tw, tp, tsq = sw[0], sp[0], ssq[0]
    total_ssw = tsq
    for j in range(d):
        total_ssw -= ss[0, j] * ss[0, j] / tw
    over = tp > cap
    best = -1
    best_key = np.inf
    best_rank = 3
    for q in range(1, m):
        a = bfs[q]
        p1 = sp[a]
        p2 = tp - p1
        if p1 < floor or p2 < floor:
            continue
        if parts > 2 and floor > 0 and np.floor(p1 / floor) + np.floor(p2 / floor) < parts:
            continue
        s1 = ssq[a]
        s2 = tsq - ssq[a]
        for j in range(d):
            x1 = ss[a, j]
            x2 = ss[0, j] - x1
            s1 -= x1 * x1 / sw[a]
            s2 -= x2 * x2 / (tw - sw[a])
        if over:
            rank = (p1 > cap) + (p2 > cap)
            key = s1 + s2 if rank == 0 else max(p1, p2)
        else:
            rank = 0
            key = s1 + s2
        if rank < best_rank or (rank == best_rank and key < best_key):
            best_rank = rank
            best_key = key
            best = a
    if best == -1:
        return -1.0, mask, total_ssw
    # mark the subtree of `best`
    mask[best] = True
    for q in range(m):
        a = bfs[q]
        if a != best and parent[a] != a and mask[parent[a]]:
            mask[a] = True
    gain = total_ssw - best_key if best_rank == 0 else 0.0
    return max(gain, 0.0), mask, total_ssw


@njit
def _apply_cut(r, k, mask, order, starts, ends, labels, population):
    """Give the masked units of region ``r`` to new region ``k``; returns their population.

    The members of every region are the slice ``order[starts[r]:ends[r]]``; the cut-off
    units move to the end of ``r``'s slice, which becomes ``k``'s slice.
    """
    lo = starts[r]
    hi = ends[r]
    units = order[lo:hi].copy()
    keep = lo
    moved = hi
    p_new = 0.0
    for t in range(units.size):
        if mask[t]:
            moved -= 1
            order[moved] = units[t]
            labels[units[t]] = k
            p_new += population[units[t]]
        else:
            order[keep] = units[t]
            keep += 1
    ends[r] = keep
    starts[k] = keep
    ends[k] = hi
    return p_new


@njit
def split_kernel(
    indptr, indices, features, weight, population, labels, k, floor, cap, split_double, target,
    nosplit,
):
    """Split regions above the cap, then (optionally) regions of twice the floor.

    Parameters
    ----------
    indptr, indices : ndarray
        CSR contiguity graph.
    features, weight, population : ndarray
        As in :func:`pipeline.regionalization._ward.agglomerate_kernel`.
    labels : ndarray of int64, shape (n,)
        Regions ``0 .. k - 1``; changed in place, new regions numbered ``k, k + 1, ...``.
    k : int
    floor, cap : float
    split_double : bool
        Also split regions of at least twice the floor while a feasible cut exists.
    target : int
        With ``split_double``: stop once there are this many regions (0: no limit); the
        split with the largest gain is taken first.

    Returns
    -------
    int
        The new number of regions.
    """
    n = labels.size
    loc = np.full(n, -1, np.int64)
    order = np.argsort(labels, kind="mergesort")
    starts = np.zeros(n + 1, np.int64)
    ends = np.zeros(n + 1, np.int64)
    popr = np.zeros(n + 1)
    for u in range(n):
        popr[labels[u]] += population[u]
    pos = 0
    for r in range(k):
        starts[r] = pos
        while pos < n and labels[order[pos]] == r:
            pos += 1
        ends[r] = pos
    # mandatory: regions above the cap
    stack = [r for r in range(k) if popr[r] > cap and not nosplit[r]]
    while len(stack) > 0:
        r = stack.pop()
        gain, mask, _ = best_cut(order[starts[r] : ends[r]], indptr, indices, features, weight,
                               population, labels, loc, floor, cap, 2)
        if gain < 0:
            continue
        p_new = _apply_cut(r, k, mask, order, starts, ends, labels, population)
        popr[r] -= p_new
        popr[k] = p_new
        if popr[r] > cap:
            stack.append(r)
        if p_new > cap:
            stack.append(k)
        k += 1
    if not split_double:
        return k
    # optional: regions of twice the floor, largest gain first when a target limits them
    gains = np.full(n + 1, -1.0)
    masks = [np.zeros(0, np.bool_) for _ in range(n + 1 if target > 0 else 0)]
    cands = [r for r in range(k) if popr[r] >= 2 * floor and not nosplit[r]]
    while len(cands) > 0 and (target <= 0 or k < target):
        if target <= 0:
            r = cands.pop()
            gain, mask, _ = best_cut(order[starts[r] : ends[r]], indptr, indices, features,
                                   weight, population, labels, loc, floor, cap, 2)
        else:
            best_i = -1
            for i in range(len(cands)):
                c = cands[i]
                if gains[c] < 0 and masks[c].size == 0:
                    g, msk, _ = best_cut(order[starts[c] : ends[c]], indptr, indices, features,
                                       weight, population, labels, loc, floor, cap, 2)
                    gains[c] = g
                    masks[c] = msk if g >= 0 else np.zeros(1, np.bool_)
                if gains[c] >= 0 and (best_i == -1 or gains[c] > gains[cands[best_i]]):
                    best_i = i
            if best_i == -1:
                break
            r = cands.pop(best_i)
            gain = gains[r]
            mask = masks[r]
        if gain < 0:
            continue
        p_new = _apply_cut(r, k, mask, order, starts, ends, labels, population)
        popr[r] -= p_new
        popr[k] = p_new
        if target > 0:
            gains[r] = -1.0
            masks[r] = np.zeros(0, np.bool_)
        for c in (r, k):
            if popr[c] >= 2 * floor:
                cands.append(c)
        k += 1
    return k
