"""Local search moving boundary units between regions (compiled kernel).

A greedy descent in the spirit of AZP (Openshaw 1977) and the max-p local search of Duque,
Anselin and Rey (2012) and Wei, Rey and Knaap (2021): a unit on a region boundary moves to
the neighbouring region where the objective drops most, if the move keeps the donor region
connected and both regions within the population bounds. The objective is::

    SSW + lam_perimeter * sum over cut edges of 1 / cost(edge)
        + lam_inertia * sum over units of ||c_i - centroid of its region||^2
        + penalty * residents missing to the floor or above the cap
        + stick * units away from their warm-start region

The first term is the population-weighted within-region sum of squares; the second a
boundary length in which barrier edges (cost > 1) count less, so boundaries settle on
barriers; the third the moment of inertia of the regions (unit areas), a compactness
measure; the last repairs regions of a warm start that lost residents, by taking units
from neighbours with residents to spare; the stickiness keeps a warm start from drifting
through long chains of tiny gains. With running sums per region, a move is
evaluated in ``O(d + degree)``:
removing unit ``i`` (weight ``w``, features ``x``) from region ``A`` lowers its sum of
squares by ``w * W_A / (W_A - w) * ||x - m_A||^2``, adding it to ``B`` raises that of ``B``
by ``w * W_B / (W_B + w) * ||x - m_B||^2``.

The donor stays connected if the neighbours of ``i`` in ``A`` are connected within ``A``
without ``i``. This is checked first within the ball of radius 2 around ``i`` (enough on
grids, where it is the simple-point test), then, for regions of at most ``bfs_limit`` units,
by a breadth-first search through the whole region; a move that neither check proves safe
is not made, so contiguity never breaks.

Units are visited from a queue seeded with the caller's units in memory order (all units,
or after a merge-split round only the regions it changed and their neighbours); a move
puts the moved unit and its neighbours back on the queue. When the queue runs dry, the
caller's units are visited again, until a full sweep of them moves nothing: the result is
a local optimum for single moves of those units. Every move lowers the objective by more
than a tolerance, so the search ends.
"""

from __future__ import annotations

import numpy as np

from pipeline._compat import njit

__all__ = ["anneal_kernel", "enqueue_with_neighbours", "fill_queue", "local_search_kernel",
           "objective_terms"]


@njit
def _connected_without(i, a, indptr, indices, labels, mark, seen, stamp, queue, ball, limit,
                       size_a):
    """True if the neighbours of ``i`` in region ``a`` stay connected without ``i``.

    ``mark`` and ``seen`` are stamp arrays of length n; ``queue`` scratch of length n.
    Returns the next free stamp in position 1 of the tuple.
    """
    # neighbours of i in a
    first = -1
    n_targets = 0
    for e in range(indptr[i], indptr[i + 1]):
        v = indices[e]
        if labels[v] == a:
            n_targets += 1
            if first == -1:
                first = v
    if n_targets <= 1:
        return True, stamp
    for radius_pass in range(2):
        if radius_pass == 1 and size_a > limit:
            return False, stamp
        stamp += 1
        # allowed set: the ball of radius `ball` around i within a (pass 0), all of a (pass 1)
        if radius_pass == 0:
            for e in range(indptr[i], indptr[i + 1]):
                v = indices[e]
                if labels[v] == a:
                    mark[v] = stamp
                    if ball >= 2:
                        for f in range(indptr[v], indptr[v + 1]):
                            x = indices[f]
                            if labels[x] == a and x != i:
                                mark[x] = stamp
        seen[first] = stamp
        queue[0] = first
        qh = 0
        qt = 1
        found = 1
        while qh < qt and found < n_targets:
            u = queue[qh]
            qh += 1
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                if v == i or seen[v] == stamp or labels[v] != a:
                    continue
                if radius_pass == 0 and mark[v] != stamp:
                    continue
                seen[v] = stamp
                queue[qt] = v
                qt += 1
                # is v a neighbour of i?
                for f in range(indptr[i], indptr[i + 1]):
                    if indices[f] == v:
                        found += 1
                        break
        if found >= n_targets:
            return True, stamp
    return False, stamp


@njit
def _ward_delta(w, x, wr, sr, r, sign):
    """Change of region r's sum of squares when unit (w, x) is added (+1) or removed (-1)."""
    d2 = 0.0
    for j in range(x.size):
        diff = x[j] - sr[r, j] / wr[r]
        d2 += diff * diff
    if sign > 0:
        return w * wr[r] / (wr[r] + w) * d2
    rest = wr[r] - w
    if rest <= 0:
        return -0.0
    return -w * wr[r] / rest * d2


@njit
def _inertia_delta(cx, cy, ar, sxr, syr, r, sign):
    """Change of region r's moment of inertia when a unit of area 1 is added or removed."""
    dx = cx - sxr[r] / ar[r]
    dy = cy - syr[r] / ar[r]
    d2 = dx * dx + dy * dy
    if sign > 0:
        return ar[r] / (ar[r] + 1.0) * d2
    rest = ar[r] - 1.0
    if rest <= 0:
        return -0.0
    return -ar[r] / rest * d2


@njit
def _region_sums(labels, k, features, weight, population, coords):
    """Running sums per region: Ward weight, residents, weighted features, units, x, y."""
    d = features.shape[1]
    wr = np.zeros(k)
    pr = np.zeros(k)
    sr = np.zeros((k, d))
    ar = np.zeros(k)
    sxr = np.zeros(k)
    syr = np.zeros(k)
    for u in range(labels.size):
        r = labels[u]
        wr[r] += weight[u]
        pr[r] += population[u]
        ar[r] += 1.0
        sxr[r] += coords[u, 0]
        syr[r] += coords[u, 1]
        for j in range(d):
            sr[r, j] += weight[u] * features[u, j]
    return wr, pr, sr, ar, sxr, syr


@njit
def _move(i, a, b, labels, features, weight, population, coords, wr, pr, sr, ar, sxr, syr):
    """Move unit ``i`` from region ``a`` to ``b``, updating the running sums in O(d)."""
    labels[i] = b
    w = weight[i]
    wr[a] -= w
    wr[b] += w
    pr[a] -= population[i]
    pr[b] += population[i]
    ar[a] -= 1.0
    ar[b] += 1.0
    sxr[a] -= coords[i, 0]
    sxr[b] += coords[i, 0]
    syr[a] -= coords[i, 1]
    syr[b] += coords[i, 1]
    for j in range(features.shape[1]):
        sr[a, j] -= w * features[i, j]
        sr[b, j] += w * features[i, j]


@njit
def fill_queue(visit_order, current, queued):
    """Queue every unit of ``visit_order`` for a new sweep; the queue's length."""
    for t in range(visit_order.size):
        current[t] = visit_order[t]
        queued[visit_order[t]] = True
    return visit_order.size


@njit
def enqueue_with_neighbours(u, indptr, indices, queued, nxt, n_nxt):
    """Queue ``u`` and its neighbours for the next pass, each unit once; the new length."""
    if not queued[u]:
        queued[u] = True
        nxt[n_nxt] = u
        n_nxt += 1
    for e in range(indptr[u], indptr[u + 1]):
        v = indices[e]
        if not queued[v]:
            queued[v] = True
            nxt[n_nxt] = v
            n_nxt += 1
    return n_nxt


@njit
def local_search_kernel(
    indptr, indices, cost, features, weight, population, coords, labels, k, floor, cap,
    lam_perimeter, lam_inertia, penalty, anchor, stick, visit_order, max_passes, bfs_limit, tol,
    fixed,
):
    """Move boundary units while the objective drops; ``labels`` is changed in place.

    Parameters
    ----------
    indptr, indices, cost : ndarray
        CSR contiguity graph and edge cost factors.
    features, weight, population : ndarray
        As in :func:`pipeline.regionalization._ward.agglomerate_kernel`.
    coords : ndarray of float64, shape (n, 2)
        Unit centres, scaled (only used when ``lam_inertia > 0``).
    labels : ndarray of int64, shape (n,)
        Contiguous regions ``0 .. k - 1`` within the bounds (or as close as repair got).
    k : int
    floor, cap : float
    lam_perimeter, lam_inertia : float
        Weights of the boundary-length and inertia terms.
    penalty : float
        Cost per resident a region lacks to the floor or has above the cap, so that moves
        which repair a violation come before any gain in homogeneity (warm starts).
    anchor : ndarray of int64, shape (n,)
        Region each unit had at the start (warm start), ``-1`` for none.
    stick : float
        Cost of a unit leaving its anchor region (0 for a fresh run), so that a warm start
        moves a unit only for a clear gain.
    visit_order : ndarray of int64, shape (m,)
        Distinct units to visit, in this order (memory order: neighbours sit close in
        memory): the first pass, and every sweep after the queue runs dry. Units outside
        it are visited only when a move next to them queues them (a frontier search after
        a change of a few regions).
    max_passes : int
        Most passes over the queue (a pass handles the units queued by the previous one).
    bfs_limit : int
        Largest region size for the exact connectivity check.
    tol : float
        Smallest objective drop that counts as an improvement.
    fixed : ndarray of bool, shape (n,)
        Units that never move (planners' locks, frozen regions).

    Returns
    -------
    passes : int
    moves : int
    """
    n = labels.size
    wr, pr, sr, ar, sxr, syr = _region_sums(labels, k, features, weight, population, coords)
    mark = np.zeros(n, np.int64)
    seen = np.zeros(n, np.int64)
    scratch = np.empty(n, np.int64)
    stamp = 0
    queued = np.zeros(n, np.bool_)
    current = np.empty(n, np.int64)
    nxt = np.empty(n, np.int64)
    n_cur = fill_queue(visit_order, current, queued)
    cand = np.empty(64, np.int64)
    cand_w = np.empty(64)
    passes = 0
    moves = 0
    moves_at_sweep = 0
    while passes < max_passes:
        if n_cur == 0:
            # the queue ran dry: sweep every unit again (region means have moved), unless
            # nothing moved since the last full sweep, which makes this a local optimum
            if moves == moves_at_sweep:
                break
            moves_at_sweep = moves
            n_cur = fill_queue(visit_order, current, queued)
        passes += 1
        n_nxt = 0
        for t in range(n_cur):
            i = current[t]
            queued[i] = False
            if fixed[i]:
                continue
            a = labels[i]
            # candidate regions among the neighbours, with the boundary weight towards each
            nc = 0
            own_w = 0.0
            for e in range(indptr[i], indptr[i + 1]):
                b = labels[indices[e]]
                pe = 1.0 / cost[e]
                if b == a:
                    own_w += pe
                    continue
                found = -1
                for q in range(nc):
                    if cand[q] == b:
                        found = q
                        break
                if found == -1 and nc < cand.size:
                    cand[nc] = b
                    cand_w[nc] = pe
                    nc += 1
                elif found != -1:
                    cand_w[found] += pe
            if nc == 0:
                continue
            if pr[a] - population[i] < floor or ar[a] <= 1.0:
                continue
            x = features[i]
            w = weight[i]
            base = _ward_delta(w, x, wr, sr, a, -1)
            if pr[a] > cap:
                base -= penalty * min(population[i], pr[a] - cap)
            if lam_inertia > 0:
                base += lam_inertia * _inertia_delta(coords[i, 0], coords[i, 1], ar, sxr, syr,
                                                     a, -1)
            best = -1
            best_delta = -tol
            for q in range(nc):
                b = cand[q]
                if pr[b] + population[i] > cap:
                    continue
                delta = base + _ward_delta(w, x, wr, sr, b, 1)
                if lam_inertia > 0:
                    delta += lam_inertia * _inertia_delta(coords[i, 0], coords[i, 1], ar, sxr,
                                                          syr, b, 1)
                # cut edges: towards a become cut, towards b become uncut
                delta += lam_perimeter * (own_w - cand_w[q])
                if pr[b] < floor:
                    delta -= penalty * min(population[i], floor - pr[b])
                if stick > 0 and anchor[i] >= 0:
                    delta += stick * ((b != anchor[i]) - (a != anchor[i]))
                if delta < best_delta:
                    best_delta = delta
                    best = b
            if best == -1:
                continue
            ok, stamp = _connected_without(i, a, indptr, indices, labels, mark, seen, stamp,
                                           scratch, 2, bfs_limit, np.int64(ar[a]))
            if not ok:
                continue
            _move(i, a, best, labels, features, weight, population, coords, wr, pr, sr, ar,
                  sxr, syr)
            moves += 1
            n_nxt = enqueue_with_neighbours(i, indptr, indices, queued, nxt, n_nxt)
        tmp = current
        current = nxt
        nxt = tmp
        n_cur = n_nxt
    return passes, moves


@njit
def _xorshift(state):
    """Next state and a uniform number in [0, 1) (xorshift64*)."""
    x = state
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    return x, ((x * np.uint64(2685821657736338717)) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit
def anneal_kernel(
    indptr, indices, cost, features, weight, population, coords, labels, k, floor, cap,
    lam_perimeter, lam_inertia, steps, t_start, t_end, bfs_limit, seed,
):
    """Simulated annealing over boundary moves; ``labels`` ends at the best state seen.

    A step picks a random unit and a random neighbouring region and makes the move if it
    keeps the bounds and the donor connected, and if it lowers the objective or passes the
    Metropolis test ``u < exp(-delta / T)``; ``T`` falls geometrically from ``t_start`` to
    ``t_end`` over ``steps`` steps. Randomness is an xorshift generator seeded by ``seed``,
    so the same seed gives the same path.

    Returns
    -------
    float
        The drop of the objective from the start to the best state (>= 0).
    """
    n = labels.size
    wr, pr, sr, ar, sxr, syr = _region_sums(labels, k, features, weight, population, coords)
    mark = np.zeros(n, np.int64)
    seen = np.zeros(n, np.int64)
    scratch = np.empty(n, np.int64)
    stamp = 0
    # moves since the best state, undone at the end
    log_unit = np.empty(steps, np.int64)
    log_from = np.empty(steps, np.int64)
    n_log = 0
    current = 0.0
    best = 0.0
    state = np.uint64(seed) | np.uint64(1)
    if t_start <= 0 or t_end <= 0 or steps <= 0:
        return 0.0
    ratio = (t_end / t_start) ** (1.0 / steps)
    temperature = t_start
    for _step in range(steps):
        temperature *= ratio
        state, u1 = _xorshift(state)
        i = min(int(u1 * n), n - 1)
        deg = indptr[i + 1] - indptr[i]
        if deg == 0:
            continue
        state, u2 = _xorshift(state)
        b = labels[indices[indptr[i] + min(int(u2 * deg), deg - 1)]]
        a = labels[i]
        if b == a or pr[a] - population[i] < floor or ar[a] <= 1.0:
            continue
        if pr[b] + population[i] > cap:
            continue
        x = features[i]
        w = weight[i]
        delta = _ward_delta(w, x, wr, sr, a, -1) + _ward_delta(w, x, wr, sr, b, 1)
        if lam_inertia > 0:
            delta += lam_inertia * (
                _inertia_delta(coords[i, 0], coords[i, 1], ar, sxr, syr, a, -1)
                + _inertia_delta(coords[i, 0], coords[i, 1], ar, sxr, syr, b, 1)
            )
        if lam_perimeter > 0:
            for e in range(indptr[i], indptr[i + 1]):
                c = labels[indices[e]]
                delta += lam_perimeter / cost[e] * ((c != b) - (c != a))
        if delta > 0:
            state, u3 = _xorshift(state)
            if u3 >= np.exp(-delta / temperature):
                continue
        ok, stamp = _connected_without(i, a, indptr, indices, labels, mark, seen, stamp,
                                       scratch, 2, bfs_limit, np.int64(ar[a]))
        if not ok:
            continue
        _move(i, a, b, labels, features, weight, population, coords, wr, pr, sr, ar, sxr, syr)
        current += delta
        log_unit[n_log] = i
        log_from[n_log] = a
        n_log += 1
        if current < best:
            best = current
            n_log = 0
    for t in range(n_log - 1, -1, -1):
        labels[log_unit[t]] = log_from[t]
    return -best


@njit
def objective_terms(indptr, indices, cost, features, weight, coords, labels, k):
    """Sum of squares, barrier-weighted boundary length and inertia of a labelling."""
    n = labels.size
    d = features.shape[1]
    wr = np.zeros(k)
    sr = np.zeros((k, d))
    sq = np.zeros(k)
    ar = np.zeros(k)
    sxr = np.zeros(k)
    syr = np.zeros(k)
    sqc = np.zeros(k)
    perimeter = 0.0
    for u in range(n):
        r = labels[u]
        wr[r] += weight[u]
        ar[r] += 1.0
        sxr[r] += coords[u, 0]
        syr[r] += coords[u, 1]
        sqc[r] += coords[u, 0] ** 2 + coords[u, 1] ** 2
        for j in range(d):
            sr[r, j] += weight[u] * features[u, j]
            sq[r] += weight[u] * features[u, j] ** 2
        for e in range(indptr[u], indptr[u + 1]):
            if u < indices[e] and labels[indices[e]] != r:
                perimeter += 1.0 / cost[e]
    ssw = 0.0
    inertia = 0.0
    for r in range(k):
        if ar[r] == 0:
            continue
        if wr[r] > 0:
            s = sq[r]
            for j in range(d):
                s -= sr[r, j] ** 2 / wr[r]
            ssw += max(s, 0.0)
        inertia += sqc[r] - (sxr[r] ** 2 + syr[r] ** 2) / ar[r]
    return ssw, perimeter, inertia
