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
def _drain(units, m, indptr, indices, population, labels, popr, size, dist, floor, cap, fixed,
           mark, seen, queue, stamp, bfs_limit, max_passes, sink, stop_at):
    """Move units of the ball towards the sink while donors keep the floor.

    Each pass visits the ball's units from the farthest regions in, the fullest units first;
    a unit joins the neighbouring region nearest the sink that has room under the cap.
    Stops once the sink holds ``stop_at`` residents, or when a pass moves nothing; returns
    the next stamp and the units moved.
    """
    key = np.empty(m)
    top = 1.0 + population.max()
    total = 0
    for _pass in range(max_passes):
        for t in range(m):
            u = units[t]
            key[t] = -(dist[labels[u]] * top + population[u])
        order = np.argsort(key, kind="mergesort")
        moved = 0
        for t in range(m):
            u = units[order[t]]
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
            if popr[sink] >= stop_at:
                return stamp, total + moved
        total += moved
        if moved == 0:
            break
    return stamp, total


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
    mark = np.zeros(n, np.int64)
    seen = np.zeros(n, np.int64)
    queue = np.empty(n, np.int64)
    loc = np.full(n, -1, np.int64)
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
                m += 1
                u = nxt_unit[u]
        done = False
        stop_at = 2 * floor + margin * floor
        # drain to two floors and a margin, try the cut; if no cut exists, drain a margin
        # more (a few times at most) and try again
        for _try in range(8):
            stamp, moved = _drain(units, m, indptr, indices, population, labels, popr, size,
                                  dist, floor, cap, fixed, mark, seen, queue, stamp, bfs_limit,
                                  max_passes, sink, stop_at)
            if popr[sink] < 2 * floor:
                break
            n_sink = 0
            for t in range(m):
                if labels[units[t]] == sink:
                    n_sink += 1
            sink_units = np.empty(n_sink, np.int64)
            n_sink = 0
            for t in range(m):
                if labels[units[t]] == sink:
                    sink_units[n_sink] = units[t]
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
        if not done:
            for t in range(m):
                u = units[t]
                if labels[u] != saved[t]:
                    _shift(u, labels[u], saved[t], labels, population, popr, size)
        # member lists of the ball's regions (and the new one) from their labels
        for q in range(nb):
            head[ball[q]] = -1
            dist[ball[q]] = -1
        for t in range(m - 1, -1, -1):
            u = units[t]
            r = labels[u]
            nxt_unit[u] = head[r]
            head[r] = u
    return k, attempts
