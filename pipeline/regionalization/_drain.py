"""One more region from the residents to spare: drain a ball of regions into a sink, split it.

The count of a max-p partition (Duque, Anselin and Rey 2012) is limited by the residents
its regions hold above the floor: ``k`` regions with ``S`` residents to spare in all leave
room for one more wherever ``S`` reaches the floor, but spread over many regions (a few
dozen residents each on a uniform lattice) no single region, nor a pair (the 2 -> 3 split
of :mod:`pipeline.regionalization._mergesplit`), ever holds two floors. This kernel moves
the spare residents to one place and makes a region of them:

1. the *sink* is the region with the most residents to spare (not tried before);
2. the *ball* is the set of regions around it, in breadth-first order over the region
   graph, until the residents they hold to spare reach ``ball_floors`` floors;
3. *draining*: units move from a region to a neighbouring region of the ball nearer to the
   sink (fewer region steps), while the donor stays at or above the floor, connected and
   the receiver within the cap; units of the farthest regions go first and the fullest
   units first, so each donor keeps less than one unit's worth to spare, and what every
   region passes on flows, region by region, into the sink;
4. a sink that now holds two floors is split at the best cut of its spanning tree
   (:func:`pipeline.regionalization._split.best_cut`): one more region. Otherwise the
   ball's labels are restored.

Every move keeps the regions connected and at or above the floor, so the partition stays
valid; the sum of squares rises (the ball's boundaries move for the count's sake) and is
for the local search to lower again. A ball holds the few dozen regions whose spare
residents make one floor, and attempts are bounded, so the cost stays linear in the units.
Deterministic: sinks by spare residents then region number, units in a fixed order.
"""

from __future__ import annotations

import numpy as np

from pipeline._compat import njit
from pipeline.regionalization._localsearch import _connected_without
from pipeline.regionalization._mergesplit import _relink
from pipeline.regionalization._split import best_cut

__all__ = ["drain_kernel"]


@njit
def _ball(sink, head, nxt_unit, indptr, indices, labels, popr, floor, want, dist, ball):
    """Regions around ``sink`` in breadth-first order until ``want`` residents to spare.

    Sets ``dist`` (region steps from the sink) of the regions taken; returns their number
    and the residents they hold above the floor.
    """
    nb = 1
    ball[0] = sink
    dist[sink] = 0
    spare = popr[sink] - floor
    qh = 0
    while qh < nb and spare < want:
        r = ball[qh]
        qh += 1
        u = head[r]
        while u != -1:
            for e in range(indptr[u], indptr[u + 1]):
                b = labels[indices[e]]
                if dist[b] == -1:
                    dist[b] = dist[r] + 1
                    ball[nb] = b
                    nb += 1
                    spare += popr[b] - floor
            u = nxt_unit[u]
    return nb, spare


@njit
def _drain(units, byp, m, indptr, indices, population, labels, popr, size, dist, dmax, floor,
           cap, fixed, mark, seen, queue, order, count, lay, stamp, bfs_limit, max_passes, sink,
           stop_at, pos, touched_at, touched, n_touched, attempt):
    """Move units of the ball towards the sink while donors keep the floor.

    Each pass visits the ball's units from the farthest regions in, the fullest units first
    (``byp``: positions in ``units`` by falling population, computed once; a counting sort
    by the region's distance per pass keeps that order within each distance, no sort per
    pass); a unit joins the neighbouring region nearest the sink that has room under the
    cap. Stops once the sink holds ``stop_at`` residents, or when a pass moves nothing;
    the units moved first in this ``attempt`` are appended to ``touched`` (positions
    in ``units``). Returns the next stamp, the units moved and the new ``n_touched``.
    """
    total = 0
    for _pass in range(max_passes):
        # counting sort by distance (farthest first), ``byp`` order within each distance
        for d in range(dmax + 2):
            count[d] = 0
        for t in range(m):
            lay[t] = dmax - dist[labels[units[t]]]
            count[lay[t]] += 1
        acc = 0
        for d in range(dmax + 2):
            c = count[d]
            count[d] = acc
            acc += c
        for q in range(m):
            t = byp[q]
            d = lay[t]
            order[count[d]] = t
            count[d] += 1
        moved = 0
        for q in range(m):
            u = units[order[q]]
            a = labels[u]
            da = dist[a]
            if da <= 0 or fixed[u] or size[a] <= 1 or popr[a] - population[u] < floor:
                continue
            best = -1
            for e in range(indptr[u], indptr[u + 1]):
                b = labels[indices[e]]
                db = dist[b]
                if 0 <= db < da and popr[b] + population[u] <= cap:
                    if best == -1 or db < dist[best]:
                        best = b
            if best == -1:
                continue
            ok, stamp = _connected_without(u, a, indptr, indices, labels, mark, seen, stamp,
                                           queue, 2, bfs_limit, size[a])
            if not ok:
                continue
            _shift(u, a, best, labels, population, popr, size)
            moved += 1
            if touched_at[u] != attempt:
                touched_at[u] = attempt
                touched[n_touched] = pos[u]
                n_touched += 1
            if popr[sink] >= stop_at:
                return stamp, total + moved, n_touched
        total += moved
        if moved == 0:
            break
    return stamp, total, n_touched


@njit
def _by_population(units, m, population, ipop, out, tmp, count):
    """Positions ``0 .. m - 1`` of ``units`` by falling population, ties in position order.

    A stable sort (as ``argsort(-population, kind="mergesort")``); for whole residents
    below 2**16 (``ipop``, else ``ipop[0] == -2``) two counting passes of 8 bits each
    replace the comparison sort, which cost a third of the drain at 1,000,000 cells.
    """
    if ipop[0] == -2:
        key = np.empty(m)
        for t in range(m):
            key[t] = -population[units[t]]
        return np.argsort(key, kind="mergesort")
    src = tmp
    for t in range(m):
        src[t] = t
    dst = out
    for shift in (0, 8):
        for d in range(256):
            count[d] = 0
        for q in range(m):
            count[255 - ((ipop[units[src[q]]] >> shift) & 255)] += 1
        acc = 0
        for d in range(256):
            c = count[d]
            count[d] = acc
            acc += c
        for q in range(m):
            t = src[q]
            d = 255 - ((ipop[units[t]] >> shift) & 255)
            dst[count[d]] = t
            count[d] += 1
        src, dst = dst, src
    return src[:m]


@njit
def _shift(u, a, b, labels, population, popr, size):
    """Unit ``u`` from region ``a`` to ``b``, with the regions' residents and sizes."""
    labels[u] = b
    popr[a] -= population[u]
    popr[b] += population[u]
    size[a] -= 1
    size[b] += 1


@njit
def drain_kernel(indptr, indices, features, weight, population, labels, k, floor, cap, fixed,
                 nosplit, ball_floors, margin, max_attempts, max_passes, bfs_limit, target):
    """Add regions by draining balls of regions into a sink; ``labels`` changed in place.

    Parameters
    ----------
    indptr, indices : ndarray
        CSR contiguity graph.
    features, weight, population : ndarray
        As in :func:`pipeline.regionalization._ward.agglomerate_kernel`.
    labels : ndarray of int64, shape (n,)
        Contiguous regions ``0 .. k - 1`` at or above the floor; new regions get ids
        ``k, k + 1, ...``.
    k : int
    floor, cap : float
    fixed : ndarray of bool, shape (n,)
        Units that never move.
    nosplit : ndarray of bool, shape (k,)
        Regions that are never a sink (they hold fixed units).
    ball_floors : float
        Residents to spare a ball gathers, in floors (at least 1).
    max_attempts : int
        Most sinks tried.
    max_passes : int
        Most draining passes over a ball's units.
    bfs_limit : int
        Largest region size for the exact connectivity check.
    target : int
        Stop at this many regions (0: no limit).

    Returns
    -------
    k : int
        The new number of regions.
    attempts : int
        Sinks tried.
    """
    n = labels.size
    popr = np.zeros(n + 1)
    size = np.zeros(n + 1, np.int64)
    head = np.full(n + 1, -1, np.int64)
    nxt_unit = np.full(n, -1, np.int64)
    for u in range(n - 1, -1, -1):
        r = labels[u]
        popr[r] += population[u]
        size[r] += 1
        nxt_unit[u] = head[r]
        head[r] = u
    spare_all = 0.0
    for r in range(k):
        spare_all += popr[r] - floor
    tried = np.zeros(n + 1, np.bool_)
    for r in range(k):
        tried[r] = nosplit[r]
    dist = np.full(n + 1, -1, np.int64)
    ball = np.empty(n + 1, np.int64)
    units = np.empty(n, np.int64)
    saved = np.empty(n, np.int64)
    pos = np.empty(n, np.int64)
    mark = np.zeros(n, np.int64)
    seen = np.zeros(n, np.int64)
    queue = np.empty(n, np.int64)
    loc = np.full(n, -1, np.int64)
    touched_at = np.zeros(n, np.int64)
    touched = np.empty(n, np.int64)
    order = np.empty(n, np.int64)
    count = np.zeros(max(n + 2, 1 << 16), np.int64)
    lay = np.empty(n, np.int64)
    byp_buf = np.empty(n, np.int64)
    byp_tmp = np.empty(n, np.int64)
    # whole residents below 2**16: the units sorted by population without comparisons
    ipop = np.empty(n, np.int64)
    for u in range(n):
        ipop[u] = -1
        v = population[u]
        if v < 0 or v >= 1 << 16 or v != np.floor(v):
            ipop[0] = -2
            break
        ipop[u] = int(v)
    stamp = 0
    attempts = 0
    want = max(ball_floors, 1.0) * floor
    while attempts < max_attempts and spare_all >= floor and (target <= 0 or k < target):
        sink = -1
        for r in range(k):
            if not tried[r] and (sink == -1 or popr[r] > popr[sink]):
                sink = r
        if sink == -1:
            break
        attempts += 1
        tried[sink] = True
        nb, spare = _ball(sink, head, nxt_unit, indptr, indices, labels, popr, floor, want,
                          dist, ball)
        if spare < floor:
            for q in range(nb):
                dist[ball[q]] = -1
            continue
        m = 0
        for q in range(nb):
            u = head[ball[q]]
            while u != -1:
                units[m] = u
                saved[m] = labels[u]
                pos[u] = m
                m += 1
                u = nxt_unit[u]
        dmax = dist[ball[nb - 1]]
        byp = _by_population(units, m, population, ipop, byp_buf, byp_tmp, count)
        n_first = size[sink]
        n_touched = 0
        done = False
        stop_at = 2 * floor + margin * floor
        # drain to two floors and a margin, try the cut; if no cut exists, drain a margin
        # more (a few times at most) and try again
        for _try in range(8):
            stamp, moved, n_touched = _drain(
                units, byp, m, indptr, indices, population, labels, popr, size, dist, dmax,
                floor, cap, fixed, mark, seen, queue, order, count, lay, stamp, bfs_limit,
                max_passes, sink, stop_at, pos, touched_at, touched, n_touched, attempts)
            if popr[sink] < 2 * floor:
                break
            # the sink's units in list order: its own first, then those moved in
            ts = np.sort(touched[:n_touched])
            n_sink = n_first
            for q in range(n_touched):
                if labels[units[ts[q]]] == sink:
                    n_sink += 1
            sink_units = np.empty(n_sink, np.int64)
            for t in range(n_first):
                sink_units[t] = units[t]
            n_sink = n_first
            for q in range(n_touched):
                if labels[units[ts[q]]] == sink:
                    sink_units[n_sink] = units[ts[q]]
                    n_sink += 1
            gain, mask, _ = best_cut(sink_units, indptr, indices, features, weight,
                                     population, labels, loc, floor, cap, 2)
            if gain >= 0:
                for t in range(n_sink):
                    if mask[t]:
                        _shift(sink_units[t], sink, k, labels, population, popr, size)
                k += 1
                spare_all -= floor
                done = True
                break
            if moved == 0:
                break
            stop_at = popr[sink] + margin * floor
        for q in range(nb):
            dist[ball[q]] = -1
        if not done:
            # undo the moves in list order (the same sums as before, bit for bit); the
            # member lists are unchanged
            ts = np.sort(touched[:n_touched])
            for q in range(n_touched):
                t = ts[q]
                u = units[t]
                if labels[u] != saved[t]:
                    _shift(u, labels[u], saved[t], labels, population, popr, size)
            continue
        # member lists of the ball's regions (and the new one) from their labels
        _relink(units, m, labels, head, nxt_unit, ball[:nb])
    return k, attempts
