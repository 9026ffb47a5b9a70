"""Tight region growing: regions that stop as soon as they reach the floor (compiled kernel).

The number of regions is the first aim of the max-p-regions problem (Duque, Anselin and
Rey 2012): the total population divided by the mean region's. Regions that overshoot the
floor, and pockets of units left between regions that cannot reach it (enclaves), are what
lowers the count. The greedy construction of max-p (as in GeoDa's ``maxp_greedy`` and
Wei, Rey and Knaap 2021) grows one region at a time from a seed unit until it reaches the
floor; this kernel grows them so that both losses stay small:

- the next unit joining a region is the free neighbour with the most edges into the region
  (the region stays compact and fills its own concavities, so it leaves no pockets behind),
  ties by the feature distance to the region's mean (a homogeneous start for the local
  search), then by unit number;
- when the next unit would carry the region past the floor, the free neighbour that reaches
  it with the fewest residents is taken instead (least overshoot);
- the next seed is a free unit on the boundary of the regions grown so far (first found,
  first used), so regions are packed against each other and the free area stays in one
  piece; only when none is left does the seed come from the caller's order.

A region that runs out of free neighbours below the floor is an enclave: its units are
handed back as single units, for the Ward kernel's absorb phase to join to their cheapest
neighbour. Everything is deterministic for a given seed order.
"""

from __future__ import annotations

import numpy as np

from pipeline._compat import njit
from pipeline.regionalization._ward import _heap_pop, _heap_push

__all__ = ["FEATURE_WEIGHT", "bfs_kernel", "grow_kernel"]

#: Weight of the feature distance against one edge into the region in the growth order
#: (below 1: compactness decides, similarity breaks ties). Measured on lattices of 2,500 to
#: 40,000 cells: 3 or 8 cost 1-6 % of the regions for 0.005-0.025 more R2.
FEATURE_WEIGHT = 1.0


@njit
def _key(links, d2):
    """Heap key of a candidate: more edges into the region first, then feature distance."""
    return -float(links) + FEATURE_WEIGHT * d2 / (1.0 + d2)


@njit
def grow_kernel(indptr, indices, features, weight, population, seed_order, floor, cap):
    """Grow regions one at a time from seeds until each reaches the floor.

    Parameters
    ----------
    indptr, indices : ndarray
        CSR contiguity graph (symmetric).
    features, weight, population : ndarray
        As in :func:`pipeline.regionalization._ward.agglomerate_kernel`.
    seed_order : ndarray of int64, shape (n,)
        A permutation of the units: where seeds come from when no free unit borders the
        regions grown so far.
    floor, cap : float
        Population bounds (``cap`` may be ``inf``); a unit that would carry a region above
        the cap does not join it.

    Returns
    -------
    labels : ndarray of int64, shape (n,)
        Regions ``0 .. k - 1`` (each connected, at or above the floor); enclave units get
        ids ``k, k + 1, ...``, one per unit.
    k : int
        Number of grown regions.
    """
    n = indptr.size - 1
    d = features.shape[1]
    labels = np.full(n, -1, np.int64)
    links = np.zeros(n, np.int64)
    member = np.empty(n, np.int64)
    touched = np.empty(n, np.int64)
    # every unit in it was touched by a region: at most one entry per graph entry
    boundary = np.empty(indices.size + 1, np.int64)
    n_boundary = 0
    head_boundary = 0
    enclave = np.zeros(n, np.bool_)
    hk = np.empty(64)
    hi = np.empty(64, np.int64)
    hv = np.empty(64, np.int64)
    mean = np.zeros(d)
    sums = np.zeros(d)
    k = 0
    next_in_order = 0
    while True:
        # the next seed: a free unit on the regions' boundary, else the caller's order
        s = -1
        while head_boundary < n_boundary:
            u = boundary[head_boundary]
            head_boundary += 1
            if labels[u] == -1 and not enclave[u]:
                s = u
                break
        if s == -1:
            while next_in_order < n:
                u = seed_order[next_in_order]
                next_in_order += 1
                if labels[u] == -1 and not enclave[u]:
                    s = u
                    break
        if s == -1:
            break
        # grow region k from s
        m = 0
        n_touched = 0
        size = 0
        wsum = 0.0
        pop = 0.0
        for j in range(d):
            sums[j] = 0.0
        u = s
        while True:
            labels[u] = k
            member[m] = u
            m += 1
            wsum += weight[u]
            pop += population[u]
            for j in range(d):
                sums[j] += weight[u] * features[u, j]
            if pop >= floor:
                break
            for j in range(d):
                mean[j] = sums[j] / wsum
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                if labels[v] != -1 or enclave[v]:
                    continue
                if links[v] == 0:
                    touched[n_touched] = v
                    n_touched += 1
                links[v] += 1
                d2 = 0.0
                for j in range(d):
                    diff = features[v, j] - mean[j]
                    d2 += diff * diff
                hk, hi, hv, size = _heap_push(hk, hi, hv, size, _key(links[v], d2), v,
                                              links[v])
            # the best candidate by the heap, unless some candidate reaches the floor
            # with fewer residents than the heap's choice would carry
            nxt = -1
            while size > 0:
                v, ver, size = _heap_pop(hk, hi, hv, size)
                if labels[v] != -1 or ver != links[v]:
                    continue
                if pop + population[v] > cap:
                    continue
                nxt = v
                break
            if nxt == -1:
                break
            need = floor - pop
            if population[nxt] >= need:
                best = nxt
                for t in range(n_touched):
                    v = touched[t]
                    if labels[v] != -1 or pop + population[v] > cap:
                        continue
                    if need <= population[v] < population[best]:
                        best = v
                nxt = best
            u = nxt
        # the region's free neighbours are the next seeds; reset the candidate counts
        for t in range(n_touched):
            v = touched[t]
            links[v] = 0
            if labels[v] == -1:
                boundary[n_boundary] = v
                n_boundary += 1
        size = 0
        k = _close_region(labels, enclave, member, m, pop, floor, k)
    return _number_enclaves(labels, k), k


@njit
def bfs_kernel(indptr, indices, population, floor, cap):
    """The plain greedy construction: from the first free unit, breadth-first until the floor.

    One more candidate beside the tight growths: on some lattices its simple order packs a
    region more (the tight growth's compactness is not always the most regions). Regions
    left below the floor are enclaves, handed back as single units like
    :func:`grow_kernel`'s.
    """
    n = len(population)
    labels = np.full(n, -1, dtype=np.int64)
    enclave = np.zeros(n, dtype=np.bool_)
    queue = np.empty(n, dtype=np.int64)
    member = np.empty(n, dtype=np.int64)
    k = 0
    for s in range(n):
        if labels[s] != -1 or enclave[s]:
            continue
        head, tail, m = 0, 1, 1
        queue[0], member[0] = s, s
        labels[s] = k
        pop = population[s]
        while head < tail and pop < floor:
            u = queue[head]
            head += 1
            for j in range(indptr[u], indptr[u + 1]):
                v = indices[j]
                if pop >= floor:
                    break
                if labels[v] != -1 or enclave[v] or pop + population[v] > cap:
                    continue
                labels[v] = k
                member[m] = v
                m += 1
                pop += population[v]
                queue[tail] = v
                tail += 1
        k = _close_region(labels, enclave, member, m, pop, floor, k)
    return _number_enclaves(labels, k), k


@njit
def _close_region(labels, enclave, member, m, pop, floor, k):
    """A grown region that reached the floor counts; one that did not is an enclave."""
    if pop >= floor:
        return k + 1
    for t in range(m):
        labels[member[t]] = -1
        enclave[member[t]] = True
    return k


@njit
def _number_enclaves(labels, k):
    """Enclave units get one id each after the ``k`` grown regions."""
    nxt_id = k
    for u in range(len(labels)):
        if labels[u] == -1:
            labels[u] = nxt_id
            nxt_id += 1
    return labels
