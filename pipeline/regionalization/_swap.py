"""Refill moves: a boundary unit leaves a region at the floor, which takes another unit back.

The single-unit descent (:mod:`pipeline.regionalization._localsearch`) cannot move a unit
out of a region that would fall below the floor, and after the drain phase
(:mod:`pipeline.regionalization._drain`) most regions sit right at it, so their boundaries
freeze. A refill move is the AZP swap neighbourhood (Openshaw 1977) extended to a short
chain: unit ``a`` moves from region ``A`` to a neighbouring region ``B`` and, at the same
time, a unit ``c`` next to ``A`` moves into ``A`` from its region ``X``, either ``B``
itself (a swap across the shared boundary) or a third region with residents to spare.
Every region involved stays within the floor and the cap and connected, and the move is
taken when the combined change of the objective (sum of squares, boundary length and
inertia, as in the local search) is below ``-tol``.

Contiguity is kept conservatively: ``A`` without ``a`` and ``X`` without ``c`` must each be
connected (the local search's test, ball of radius two then a full search for regions of
at most ``bfs_limit`` units), ``c`` touches ``A`` away from ``a`` and ``a`` touches ``B``
away from ``c``; the union of a connected set and a unit adjacent to it is connected.

The candidates ``c`` are the outside neighbours of the first ``walk`` units of ``A``
reached breadth-first from ``a``, so the work per unit is bounded whatever the region
size. Only units that the floor holds back (their region cannot lose them) and whose
single move would gain are tried (a free move is the local search's, and after it a
refill of a unit without gain of its own rarely pays), and a unit is not tried again
until its region or a neighbouring region changes. Units are visited from a queue as in
the local search: a move queues the two moved units and their neighbours, and the
caller's units are swept again until a sweep moves nothing (a local optimum for refill
moves) or ``max_passes`` passes are done.
"""

from __future__ import annotations

import numpy as np

from pipeline._compat import njit
from pipeline.regionalization._localsearch import (
    _connected_without,
    _inertia_delta,
    _move,
    _region_sums,
    _ward_delta,
    _xorshift,
    enqueue_with_neighbours,
    fill_queue,
)
from pipeline.regionalization._refill_terms import (
    _pair_delta,
    _perimeter_delta,
    _refill_ok,
    _replace_delta,
    _replace_inertia,
    _single_delta,
)
from pipeline.regionalization._steps import (
    BFS_LIMIT,
    Problem,
    Settings,
    _frontier,
    improve,
    local_search,
    sweep_order,
)

__all__ = ["refill_anneal_kernel", "refill_kernel", "refill_search"]

#: Candidate refill units kept per visited unit (the best by objective change).
_TOP = 4
#: Up to this many units :func:`refine` runs to convergence: refill searches walking
#: ``REFILL_WALK`` units for candidates (256 gained more than 64 on the sample county,
#: R2 +0.0006, for 0.2 CPU s more) without a pass limit, alternating with the local
#: search and merge-split for up to ``REFINE_ROUNDS`` rounds.
REFINE_FULL_UNITS = 50_000
REFILL_WALK = 256
REFINE_ROUNDS = 4
#: Above, one refill search of at most ``REFILL_PASSES_LARGE`` passes walking
#: ``REFILL_WALK_LARGE`` units: at 160,000 cells 0.3 CPU s for R2 0.866 -> 0.886; to
#: convergence it reached 0.896 for 2.4 s, and the local search and merge-split rounds
#: after it cost 1.3 s more.
REFILL_WALK_LARGE = 32
REFILL_PASSES_LARGE = 32
#: Above ``REFILL_HUGE_UNITS`` units a shorter one (walk, passes): at 1,000,000 cells
#: (16, 8) cost 1.4 CPU s for R2 +0.013, (32, 32) 3.8 s for +0.023.
REFILL_HUGE_UNITS = 400_000
REFILL_HUGE = (16, 8)


@njit
def refill_kernel(
    indptr, indices, cost, features, weight, population, coords, labels, k, floor, cap,
    lam_perimeter, lam_inertia, visit_order, max_passes, bfs_limit, tol, fixed, walk,
):
    """Make refill moves while they lower the objective; ``labels`` is changed in place.

    Parameters
    ----------
    indptr, indices, cost : ndarray
        CSR contiguity graph and edge cost factors.
    features, weight, population, coords : ndarray
        As in :func:`pipeline.regionalization._localsearch.local_search_kernel`.
    labels : ndarray of int64, shape (n,)
        Contiguous regions ``0 .. k - 1``, each within the floor and the cap.
    k : int
    floor, cap : float
    lam_perimeter, lam_inertia : float
        Weights of the boundary-length and inertia terms (as in the local search).
    visit_order : ndarray of int64
        Distinct units that may leave their region, swept in this order.
    max_passes : int
        Most passes over the queue.
    bfs_limit : int
        Largest region size for the exact connectivity check.
    tol : float
        Smallest objective drop that counts.
    fixed : ndarray of bool, shape (n,)
        Units that never move.
    walk : int
        Units of the losing region searched (breadth-first from the leaving unit) for
        refill candidates on their outside.

    Returns
    -------
    passes : int
    moves : int
        Refill moves made (each moves two units).
    """
    n = labels.size
    wr, pr, sr, ar, sxr, syr = _region_sums(labels, k, features, weight, population, coords)
    mark = np.zeros(n, np.int64)
    seen = np.zeros(n, np.int64)
    scratch = np.empty(n, np.int64)
    stamp = 0
    walked = np.full(n, -1, np.int64)  # stamp of the breadth-first walk through A
    offered = np.full(n, -1, np.int64)  # stamp of the candidates already evaluated
    wq = np.empty(max(walk, 1), np.int64)
    queued = np.zeros(n, np.bool_)
    current = np.empty(n, np.int64)
    nxt = np.empty(n, np.int64)
    n_cur = fill_queue(visit_order, current, queued)
    nbr_b = np.empty(64, np.int64)
    p_in = np.empty(64)  # per neighbouring region: its population with a
    add_a = np.empty(64)  # its change of the sum of squares when a joins
    touch = np.empty(64, np.int64)
    m1 = np.empty(features.shape[1])  # mean of A without a
    top_d = np.empty(_TOP)
    top_b = np.empty(_TOP, np.int64)
    top_c = np.empty(_TOP, np.int64)
    changed = np.zeros(k, np.int64)  # moves made when the region last changed
    evaluated = np.full(n, -1, np.int64)  # moves made when the unit was last evaluated
    walk_id = 0
    passes = 0
    moves = 0
    moves_at_sweep = 0
    while passes < max_passes:
        if n_cur == 0:
            if moves == moves_at_sweep:
                break
            moves_at_sweep = moves
            n_cur = fill_queue(visit_order, current, queued)
        passes += 1
        n_nxt = 0
        for t in range(n_cur):
            a = current[t]
            queued[a] = False
            if fixed[a]:
                continue
            ra = labels[a]
            # a free single move is the local search's (a refill must keep A - a connected
            # too, so it cannot help a unit the connectivity test holds back)
            if ar[ra] < 2.0 or pr[ra] - population[a] >= floor:
                continue
            # neighbouring regions of a
            nb = 0
            for e in range(indptr[a], indptr[a + 1]):
                r = labels[indices[e]]
                if r == ra:
                    continue
                dup = False
                for q in range(nb):
                    if nbr_b[q] == r:
                        dup = True
                        break
                if not dup and nb < nbr_b.size:
                    nbr_b[nb] = r
                    nb += 1
            if nb == 0:
                continue
            # skip a unit evaluated since its region and its neighbouring regions last changed
            last = changed[ra]
            for q in range(nb):
                last = max(last, changed[nbr_b[q]])
            if evaluated[a] >= last:
                continue
            evaluated[a] = moves
            # only a unit whose single move would gain is worth a refill (after a local
            # search the other pairs rarely gain: both halves cost without the interaction)
            gain = False
            for q in range(nb):
                if _single_delta(a, ra, nbr_b[q], indptr, indices, cost, features, weight,
                                 coords, labels, wr, sr, ar, sxr, syr, lam_perimeter,
                                 lam_inertia) < 0:
                    gain = True
                    break
            if not gain:
                continue
            n_top = 0
            # what the candidates share, computed once per unit with the arithmetic of
            # _refill_ok and _pair_delta (the same values, so the same comparisons)
            rest_a = pr[ra] - population[a]
            for q in range(nb):
                rb = nbr_b[q]
                p_in[q] = pr[rb] + population[a]
                add_a[q] = _ward_delta(weight[a], features[a], wr, sr, rb, 1)
                touch[q] = -1  # a's neighbour in rb, or -2 for two of them
                for e in range(indptr[a], indptr[a + 1]):
                    v = indices[e]
                    if labels[v] == rb and v != touch[q]:
                        touch[q] = v if touch[q] == -1 else -2
            wa = weight[a]
            total = wr[ra]
            rest_w = total - wa
            out_a = 0.0
            if rest_w > 0:
                d_out = 0.0
                for j in range(features.shape[1]):
                    diff = features[a, j] - sr[ra, j] / total
                    d_out += diff * diff
                    m1[j] = (sr[ra, j] - wa * features[a, j]) / rest_w
                out_a = -wa * total / rest_w * d_out
            # breadth-first walk through A from a's neighbours in A (a itself excluded)
            walk_id += 1
            walked[a] = walk_id
            qt = 0
            for e in range(indptr[a], indptr[a + 1]):
                v = indices[e]
                if labels[v] == ra and walked[v] != walk_id and qt < walk:
                    walked[v] = walk_id
                    wq[qt] = v
                    qt += 1
            qh = 0
            while qh < qt:
                u = wq[qh]
                qh += 1
                for e in range(indptr[u], indptr[u + 1]):
                    c = indices[e]
                    rc = labels[c]
                    if rc == ra:
                        if walked[c] != walk_id and qt < walk:
                            walked[c] = walk_id
                            wq[qt] = c
                            qt += 1
                        continue
                    if fixed[c] or offered[c] == walk_id or ar[rc] < 2.0:
                        continue
                    offered[c] = walk_id
                    # A's bound first (as _refill_ok), the same for every rb
                    p_a = rest_a + population[c]
                    if p_a < floor or p_a > cap:
                        continue
                    spare = pr[rc] - population[c] >= floor
                    base = np.nan  # the A half of _pair_delta, once a pair passes
                    for q in range(nb):
                        rb = nbr_b[q]
                        if rc != rb:
                            if not spare or p_in[q] > cap:
                                continue
                        else:
                            p_b = p_in[q] - population[c]
                            if p_b < floor or p_b > cap or touch[q] == c:
                                continue
                        wc = weight[c]
                        if base != base:
                            base = -0.0
                            if rest_w > 0:
                                d_in = 0.0
                                for j in range(features.shape[1]):
                                    diff = features[c, j] - m1[j]
                                    d_in += diff * diff
                                base = out_a + wc * rest_w / (rest_w + wc) * d_in
                            if lam_inertia > 0:
                                base += lam_inertia * _replace_inertia(a, c, coords, ar, sxr,
                                                                       syr, ra)
                        delta = base
                        if rc == rb:
                            delta += _replace_delta(wc, features[c], wa, features[a], wr, sr,
                                                    rb)
                            if lam_inertia > 0:
                                delta += lam_inertia * _replace_inertia(c, a, coords, ar, sxr,
                                                                        syr, rb)
                        else:
                            delta += add_a[q] + _ward_delta(wc, features[c], wr, sr, rc, -1)
                            if lam_inertia > 0:
                                delta += lam_inertia * (
                                    _inertia_delta(coords[a, 0], coords[a, 1], ar, sxr, syr,
                                                   rb, 1)
                                    + _inertia_delta(coords[c, 0], coords[c, 1], ar, sxr, syr,
                                                     rc, -1))
                        if lam_perimeter > 0:
                            delta += lam_perimeter * _perimeter_delta(a, rb, c, ra, indptr,
                                                                      indices, cost, labels)
                        if delta >= -tol:
                            continue
                        # keep the _TOP lowest, sorted
                        if n_top < _TOP:
                            n_top += 1
                        elif delta >= top_d[n_top - 1]:
                            continue
                        s = n_top - 1
                        while s > 0 and top_d[s - 1] > delta:
                            top_d[s] = top_d[s - 1]
                            top_b[s] = top_b[s - 1]
                            top_c[s] = top_c[s - 1]
                            s -= 1
                        top_d[s] = delta
                        top_b[s] = rb
                        top_c[s] = c
            if n_top == 0:
                continue
            ok, stamp = _connected_without(a, ra, indptr, indices, labels, mark, seen, stamp,
                                           scratch, 2, bfs_limit, np.int64(ar[ra]))
            if not ok:
                continue
            for s in range(n_top):
                c = top_c[s]
                rc = labels[c]
                ok, stamp = _connected_without(c, rc, indptr, indices, labels, mark, seen,
                                               stamp, scratch, 2, bfs_limit, np.int64(ar[rc]))
                if not ok:
                    continue
                rb = top_b[s]
                _move(a, ra, rb, labels, features, weight, population, coords, wr, pr, sr, ar,
                      sxr, syr)
                _move(c, rc, ra, labels, features, weight, population, coords, wr, pr, sr, ar,
                      sxr, syr)
                moves += 1
                changed[ra] = moves
                changed[rb] = moves
                changed[rc] = moves
                for u in (a, c):
                    n_nxt = enqueue_with_neighbours(u, indptr, indices, queued, nxt, n_nxt)
                break
        tmp = current
        current = nxt
        nxt = tmp
        n_cur = n_nxt
    return passes, moves


@njit
def refill_anneal_kernel(
    indptr, indices, cost, features, weight, population, coords, labels, k, floor, cap,
    lam_perimeter, lam_inertia, steps, t_start, t_end, bfs_limit, seed, fixed,
):
    """Simulated annealing over single and refill moves; ``labels`` ends at the best state.

    As :func:`pipeline.regionalization._localsearch.anneal_kernel` (a random unit, a random
    neighbouring region, the Metropolis test, a geometric cooling from ``t_start`` to
    ``t_end``), but where the single move would take the unit's region below the floor the
    step tries a refill move instead: a random neighbour ``u`` of the unit in its region and
    a random outside neighbour ``c`` of ``u`` that moves in (see the module docstring for
    the conditions), so regions at the floor keep reshaping. Fixed units never move; the
    xorshift generator seeded by ``seed`` makes the path reproducible.

    Returns
    -------
    float
        The drop of the objective from the start to the best state (>= 0).
    """
    n = labels.size
    if t_start <= 0 or t_end <= 0 or steps <= 0:
        return 0.0
    wr, pr, sr, ar, sxr, syr = _region_sums(labels, k, features, weight, population, coords)
    mark = np.zeros(n, np.int64)
    seen = np.zeros(n, np.int64)
    scratch = np.empty(n, np.int64)
    stamp = 0
    log_unit = np.empty(2 * steps, np.int64)
    log_from = np.empty(2 * steps, np.int64)
    n_log = 0
    current = 0.0
    best = 0.0
    state = np.uint64(seed) | np.uint64(1)
    ratio = (t_end / t_start) ** (1.0 / steps)
    temperature = t_start
    for _step in range(steps):
        temperature *= ratio
        state, u1 = _xorshift(state)
        a = min(int(u1 * n), n - 1)
        deg = indptr[a + 1] - indptr[a]
        if deg == 0 or fixed[a]:
            continue
        state, u2 = _xorshift(state)
        rb = labels[indices[indptr[a] + min(int(u2 * deg), deg - 1)]]
        ra = labels[a]
        if rb == ra or ar[ra] < 2.0 or pr[rb] + population[a] > cap:
            continue
        c = -1
        rc = -1
        if pr[ra] - population[a] >= floor:
            delta = _single_delta(a, ra, rb, indptr, indices, cost, features, weight, coords,
                                  labels, wr, sr, ar, sxr, syr, lam_perimeter, lam_inertia)
        else:
            # refill: u a random neighbour of a inside ra, c a random outside neighbour of u
            state, u3 = _xorshift(state)
            u = indices[indptr[a] + min(int(u3 * deg), deg - 1)]
            du = indptr[u + 1] - indptr[u]
            if labels[u] != ra or du == 0:
                continue
            state, u4 = _xorshift(state)
            c = indices[indptr[u] + min(int(u4 * du), du - 1)]
            rc = labels[c]
            if rc == ra or fixed[c] or ar[rc] < 2.0:
                continue
            if not _refill_ok(a, ra, rb, c, rc, indptr, indices, population, labels, pr,
                              floor, cap):
                continue
            delta = _pair_delta(a, ra, rb, c, rc, indptr, indices, cost, features, weight,
                                coords, labels, wr, sr, ar, sxr, syr, lam_perimeter,
                                lam_inertia)
        if delta > 0:
            state, u5 = _xorshift(state)
            if u5 >= np.exp(-delta / temperature):
                continue
        ok, stamp = _connected_without(a, ra, indptr, indices, labels, mark, seen, stamp,
                                       scratch, 2, bfs_limit, np.int64(ar[ra]))
        if not ok:
            continue
        if c >= 0:
            ok, stamp = _connected_without(c, rc, indptr, indices, labels, mark, seen, stamp,
                                           scratch, 2, bfs_limit, np.int64(ar[rc]))
            if not ok:
                continue
        _move(a, ra, rb, labels, features, weight, population, coords, wr, pr, sr, ar, sxr, syr)
        log_unit[n_log] = a
        log_from[n_log] = ra
        n_log += 1
        if c >= 0:
            _move(c, rc, ra, labels, features, weight, population, coords, wr, pr, sr, ar, sxr,
                  syr)
            log_unit[n_log] = c
            log_from[n_log] = rc
            n_log += 1
        current += delta
        if current < best:
            best = current
            n_log = 0
    for t in range(n_log - 1, -1, -1):
        labels[log_unit[t]] = log_from[t]
    return -best



def refill_search(problem: Problem, settings: Settings, labels: np.ndarray, k: int,
                  units: np.ndarray | None = None, seed: int = 0, walk: int = REFILL_WALK,
                  max_passes: int | None = None) -> tuple[int, int]:
    """Run :func:`refill_kernel` in place over ``units`` (default all); (passes, moves).

    Visiting order as the local search's (:func:`pipeline.regionalization._steps.sweep_order`);
    at most ``max_passes`` passes (default the settings').
    """
    if settings.max_passes == 0:
        return 0, 0
    g = problem.graph
    order = sweep_order(np.arange(g.n) if units is None else units, seed)
    tol = 1e-10 * problem.sst / g.n
    passes, moves = refill_kernel(
        g.indptr, g.indices, g.cost, problem.features, problem.weight, problem.population,
        problem.coords, labels, k, settings.floor, settings.cap, problem.lam_perimeter,
        problem.lam_inertia, order,
        settings.max_passes if max_passes is None else min(max_passes, settings.max_passes),
        BFS_LIMIT, tol, problem.fixed, walk,
    )
    return int(passes), int(moves)


def refine(problem: Problem, settings: Settings, labels: np.ndarray, k: int, seed: int = 0
           ) -> tuple[np.ndarray, int, int, int]:
    """Alternate refill moves with the local search and merge-split while they gain.

    Above ``REFINE_FULL_UNITS`` units only one refill search of few passes (fewer still
    above ``REFILL_HUGE_UNITS``). Else up to ``REFINE_ROUNDS`` rounds: refill moves over
    every unit (the first round) or over the regions the previous round changed and their
    neighbours, then the single-unit search there, then merge-split
    (:mod:`pipeline.regionalization._mergesplit`) of the pairs with a changed region only
    (a full merge-split costs as much as the refills at 160,000 cells). Returns (labels, k,
    passes, moves); the count never falls (merge-split keeps it or, with three floors in a
    pair, raises it).
    """
    g = problem.graph
    if g.n > REFINE_FULL_UNITS:
        walk, most = (REFILL_WALK_LARGE, REFILL_PASSES_LARGE) if g.n <= REFILL_HUGE_UNITS \
            else REFILL_HUGE
        p, m = refill_search(problem, settings, labels, k, seed=seed, walk=walk,
                             max_passes=most)
        return labels, k, p, m
    passes = moves = 0
    units = None
    for round_ in range(REFINE_ROUNDS):
        before = labels.copy()
        p, m = refill_search(problem, settings, labels, k, units, seed + 31 * round_)
        passes, moves = passes + p, moves + m
        if m == 0:
            break
        p, m = local_search(problem, settings, labels, k,
                            units=_frontier(g, labels, before != labels), seed=seed + round_)
        passes, moves = passes + p, moves + m
        # one merge-split round over the pairs with a changed region, and its local search
        changed = before != labels
        dirty = np.zeros(g.n + 1, np.bool_)
        dirty[before[changed]] = True
        dirty[labels[changed]] = True
        labels, k, p, m = improve(problem, settings, labels, k, seed + round_ + 6, rounds=1,
                                  dirty=dirty)
        passes, moves = passes + p, moves + m
        units = _frontier(g, labels, before != labels)
    return labels, k, passes, moves
