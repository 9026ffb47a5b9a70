"""Sparse Ward agglomeration on a contiguity graph with a population floor (compiled kernel).

Regions start from initial labels (single units for a fresh run, last run's regions for a
warm start). Adjacent regions merge in order of the increase of the weighted within-region
sum of squares (Ward 1963)::

    cost(a, b) = w_a * w_b / (w_a + w_b) * ||m_a - m_b||^2 * mean edge cost(a, b)

where the last factor is the mean cost of the graph edges between ``a`` and ``b`` (1 for
ordinary edges, more across barrier lines), so merges across barriers come last. Region
state is running sums (weight, population, weighted feature sums), so a merge costs the
number of the merged region's neighbours. Each region keeps a linked list of adjacency
entries (neighbour, number of edges, summed edge cost); when a list is walked, entries to
the same neighbour are folded into one and entries inside the region are dropped. Every
region knows its cheapest allowed merge; an 8-ary heap over regions (lazy deletion by
version stamps) yields the globally cheapest one, so the heap holds O(regions) entries.

Phases (see :func:`agglomerate_kernel`):

``PHASE_OPEN``
    Merge only two regions that are both below the floor ("open"): regions stop growing
    once they reach it, which keeps their number close to the most the floor allows
    (the max-p idea of Duque, Anselin and Rey 2012).
``PHASE_ABSORB``
    Merge each region still below the floor (enclaves, warm-start fragments) into its
    cheapest neighbour, first within the cap, then regardless of it.
``PHASE_COUNT``
    Merge the cheapest adjacent pairs of any size, within the cap, down to a target count.
``PHASE_FRAGMENT``
    Warm start: merge fragments (new units, pieces cut off a previous region) below the
    floor into their cheapest neighbour; previous regions below the floor are left to the
    local search, which can refill them unit by unit.
"""

from __future__ import annotations

import numpy as np

from pipeline._compat import njit

__all__ = [
    "PHASE_ABSORB",
    "PHASE_COUNT",
    "PHASE_FRAGMENT",
    "PHASE_OPEN",
    "agglomerate_kernel",
]

PHASE_OPEN = 0
PHASE_ABSORB = 1
PHASE_COUNT = 2
PHASE_FRAGMENT = 3


@njit
def _heap_before(keys, ids, i, key, r):
    """True if heap slot ``i`` comes before ``(key, r)``: by key, ties by region id."""
    return keys[i] < key or (keys[i] == key and ids[i] < r)


@njit
def _heap_push(keys, ids, vers, size, key, r, v):
    """Push ``(key, r, v)`` on the 8-ary heap; returns the (grown) arrays and new size.

    An 8-ary heap keeps the children of a slot in one cache line of keys, so a heap of
    millions of entries costs few cache misses per operation.
    """
    if size == keys.size:
        cap = 2 * keys.size + 16
        k2 = np.empty(cap)
        i2 = np.empty(cap, np.int64)
        v2 = np.empty(cap, np.int64)
        k2[:size] = keys[:size]
        i2[:size] = ids[:size]
        v2[:size] = vers[:size]
        keys, ids, vers = k2, i2, v2
    i = size
    while i > 0:
        p = (i - 1) >> 3
        if _heap_before(keys, ids, p, key, r):
            break
        keys[i] = keys[p]
        ids[i] = ids[p]
        vers[i] = vers[p]
        i = p
    keys[i] = key
    ids[i] = r
    vers[i] = v
    return keys, ids, vers, size + 1


@njit
def _heap_pop(keys, ids, vers, size):
    """Remove the smallest entry; returns its (id, version) and the new size."""
    top_id = ids[0]
    top_ver = vers[0]
    last = size - 1
    key = keys[last]
    r = ids[last]
    v = vers[last]
    i = 0
    while True:
        first = 8 * i + 1
        if first >= last:
            break
        c = first
        stop = min(first + 8, last)
        for q in range(first + 1, stop):
            if _heap_before(keys, ids, q, keys[c], ids[c]):
                c = q
        if _heap_before(keys, ids, c, key, r):
            keys[i] = keys[c]
            ids[i] = ids[c]
            vers[i] = vers[c]
            i = c
        else:
            break
    if last > 0:
        keys[i] = key
        ids[i] = r
        vers[i] = v
    return top_id, top_ver, last


@njit
def _find(parent, r):
    root = r
    while parent[root] != root:
        root = parent[root]
    while parent[r] != root:
        nxt = parent[r]
        parent[r] = root
        r = nxt
    return root


@njit
def _walk(a, head, tail, nxt, tgt, ecnt, ecost, parent, slot, stamp, stamps, nbrs):
    """Tidy ``a``'s adjacency list and gather its neighbours.

    Entries whose target now lies inside ``a`` are dropped; entries to the same neighbour
    are folded into one (edge count and summed cost). Returns the number of neighbours
    written to ``nbrs``; ``slot[r]`` is the entry holding neighbour ``r``.
    """
    e = head[a]
    prev = -1
    nn = 0
    while e != -1:
        ne = nxt[e]
        r = _find(parent, tgt[e])
        drop = r == a
        if not drop:
            if stamps[r] != stamp:
                stamps[r] = stamp
                slot[r] = e
                tgt[e] = r
                nbrs[nn] = r
                nn += 1
            else:
                s = slot[r]
                ecnt[s] += ecnt[e]
                ecost[s] += ecost[e]
                drop = True
        if drop:
            if prev == -1:
                head[a] = ne
            else:
                nxt[prev] = ne
        else:
            prev = e
        e = ne
    tail[a] = prev
    return nn


@njit
def _pair_noise(a, b, salt):
    """A number in [-1, 1) fixed by the pair and the salt (splitmix64 hash)."""
    z = np.uint64(min(a, b)) * np.uint64(0x9E3779B97F4A7C15)
    z ^= np.uint64(max(a, b)) + np.uint64(salt)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)) * (2.0 / 9007199254740992.0) - 1.0


@njit
def _merge_cost(a, b, wsum, sums, edge_cost, noise, salt):
    d2 = 0.0
    for j in range(sums.shape[1]):
        diff = sums[a, j] / wsum[a] - sums[b, j] / wsum[b]
        d2 += diff * diff
    cost = wsum[a] * wsum[b] / (wsum[a] + wsum[b]) * d2 * edge_cost
    if noise > 0:
        cost *= np.exp(noise * _pair_noise(a, b, salt))
    return cost


@njit
def _eligible(phase, a, b, popr, floor, cap, fragment, lock):
    if popr[a] + popr[b] > cap:
        return False
    if lock[a] >= 0 and lock[b] >= 0 and lock[a] != lock[b]:
        return False
    if phase == PHASE_OPEN:
        return popr[a] < floor and popr[b] < floor
    if phase == PHASE_ABSORB:
        return popr[a] < floor or popr[b] < floor
    if phase == PHASE_FRAGMENT:
        return (fragment[a] and popr[a] < floor) or (fragment[b] and popr[b] < floor)
    return True


@njit
def _better(key, r, best_key, best_r):
    return best_r == -1 or key < best_key or (key == best_key and r < best_r)


@njit
def agglomerate_kernel(
    indptr, indices, cost, features, weight, population, lab0, k0, fragment, floor, cap, phases,
    target, open_cap, noise, salt, lock,
):
    """Merge initial regions along graph edges; return the root region of every unit.

    Parameters
    ----------
    indptr, indices, cost : ndarray
        CSR contiguity graph (symmetric) and the cost factor of every directed entry.
    features : ndarray of float64, shape (n, d)
    weight : ndarray of float64, shape (n,)
        Positive Ward weights (population plus a tiny constant).
    population : ndarray of float64, shape (n,)
        Residents, the measure of the floor and the cap.
    lab0 : ndarray of int64, shape (n,)
        Initial region of every unit, ``0 .. k0 - 1``; every initial region connected.
    k0 : int
    fragment : ndarray of bool, shape (k0,)
        Initial regions that are warm-start fragments (used by ``PHASE_FRAGMENT``); a merged
        region is a fragment if both parts were.
        Population bounds (``cap`` may be ``inf``).
    phases : ndarray of int64
        Phases to run in order (``PHASE_*``); ``PHASE_ABSORB`` runs within the cap, then
        without it.
    target : int
        Region count at which ``PHASE_COUNT`` stops (ignored by the other phases).
    open_cap : float
        Largest population a merge of two open regions may reach in ``PHASE_OPEN``; a
        little above the floor keeps regions from overshooting it (more regions fit).
    noise : float
        Spread of a random factor ``exp(noise * u)``, ``u`` in [-1, 1), on every merge cost
        (0: plain Ward); restarts use it to try other, nearly as good merge orders.
    salt : int
        Seed of that factor (a hash of the pair and the salt, so the same salt gives the
        same result).
    lock : ndarray of int64, shape (k0,)
        Lock of every initial region (``-1`` for none): two regions with different locks
        never merge, and a merged region takes the lock of either part. Fixed units of a
        warm start carry their region as lock, so they stay apart from other fixed units.

    Returns
    -------
    roots : ndarray of int64, shape (n,)
        The final region (an initial region id) of every unit.
    merges : int
        Number of merges made.
    """
    n = indptr.size - 1
    d = features.shape[1]
    wsum = np.zeros(k0)
    popr = np.zeros(k0)
    sums = np.zeros((k0, d))
    for u in range(n):
        r = lab0[u]
        wsum[r] += weight[u]
        popr[r] += population[u]
        for j in range(d):
            sums[r, j] += weight[u] * features[u, j]
    parent = np.arange(k0)
    version = np.zeros(k0, np.int64)
    # adjacency lists of the regions: one entry per graph entry leaving a region at first,
    # folded to one entry per neighbour (edge count, summed cost) as the lists are walked
    nnz = indices.size
    nxt = np.full(nnz, -1, np.int64)
    tgt = np.empty(nnz, np.int64)
    ecnt = np.ones(nnz)
    ecost = cost.copy()
    head = np.full(k0, -1, np.int64)
    tail = np.full(k0, -1, np.int64)
    for u in range(n):
        r = lab0[u]
        for e in range(indptr[u], indptr[u + 1]):
            tgt[e] = lab0[indices[e]]
            if tgt[e] != r:
                if head[r] == -1:
                    head[r] = e
                else:
                    nxt[tail[r]] = e
                tail[r] = e
    slot = np.zeros(k0, np.int64)
    stamps = np.full(k0, -1, np.int64)
    nbrs = np.empty(k0, np.int64)
    nbrs2 = np.empty(k0, np.int64)
    keyc = np.empty(k0)
    best_key = np.full(k0, np.inf)
    best_nb = np.full(k0, -1, np.int64)
    stamp = 0
    alive = k0
    merges = 0
    hk = np.empty(max(16, k0))
    hi = np.empty(max(16, k0), np.int64)
    hv = np.empty(max(16, k0), np.int64)
    for phase_index in range(phases.size):
        phase = phases[phase_index]
        for round_ in range(2):
            if round_ == 1 and (phase != PHASE_ABSORB or cap == np.inf):
                break
            this_cap = cap if round_ == 0 else np.inf
            if phase == PHASE_OPEN:
                this_cap = min(cap, open_cap)
            if phase == PHASE_COUNT and alive <= target:
                break
            # every region's cheapest allowed merge, then the heap over regions
            size = 0
            for a in range(k0):
                if parent[a] != a:
                    continue
                stamp += 1
                nn = _walk(a, head, tail, nxt, tgt, ecnt, ecost, parent, slot, stamp, stamps,
                           nbrs)
                best_nb[a] = -1
                best_key[a] = np.inf
                for t in range(nn):
                    b = nbrs[t]
                    if _eligible(phase, a, b, popr, floor, this_cap, fragment, lock):
                        s = slot[b]
                        key = _merge_cost(a, b, wsum, sums, ecost[s] / ecnt[s], noise, salt)
                        if _better(key, b, best_key[a], best_nb[a]):
                            best_key[a] = key
                            best_nb[a] = b
                version[a] += 1
                if best_nb[a] != -1:
                    hk, hi, hv, size = _heap_push(hk, hi, hv, size, best_key[a], a, version[a])
            while size > 0:
                if phase == PHASE_COUNT and alive <= target:
                    break
                a, va, size = _heap_pop(hk, hi, hv, size)
                if parent[a] != a or version[a] != va or best_nb[a] == -1:
                    continue
                b = best_nb[a]
                # merge b into a
                parent[b] = a
                fragment[a] = fragment[a] and fragment[b]
                if lock[a] < 0:
                    lock[a] = lock[b]
                wsum[a] += wsum[b]
                popr[a] += popr[b]
                for j in range(d):
                    sums[a, j] += sums[b, j]
                version[b] += 1
                alive -= 1
                merges += 1
                if head[b] != -1:
                    if head[a] == -1:
                        head[a] = head[b]
                    else:
                        nxt[tail[a]] = head[b]
                    tail[a] = tail[b]
                    head[b] = -1
                    tail[b] = -1
                # the merged region: its neighbours, the costs to them, its best merge
                stamp += 1
                nn = _walk(a, head, tail, nxt, tgt, ecnt, ecost, parent, slot, stamp, stamps,
                           nbrs)
                best_nb[a] = -1
                best_key[a] = np.inf
                for t in range(nn):
                    c = nbrs[t]
                    keyc[t] = np.inf
                    if _eligible(phase, a, c, popr, floor, this_cap, fragment, lock):
                        s = slot[c]
                        keyc[t] = _merge_cost(a, c, wsum, sums, ecost[s] / ecnt[s], noise,
                                                  salt)
                        if _better(keyc[t], c, best_key[a], best_nb[a]):
                            best_key[a] = keyc[t]
                            best_nb[a] = c
                version[a] += 1
                if best_nb[a] != -1:
                    hk, hi, hv, size = _heap_push(hk, hi, hv, size, best_key[a], a, version[a])
                # neighbours: recompute those whose best was a or b, offer a to the others
                for t in range(nn):
                    c = nbrs[t]
                    if best_nb[c] == a or best_nb[c] == b:
                        stamp += 1
                        nc = _walk(c, head, tail, nxt, tgt, ecnt, ecost, parent, slot, stamp,
                                   stamps, nbrs2)
                        best_nb[c] = -1
                        best_key[c] = np.inf
                        for q in range(nc):
                            x = nbrs2[q]
                            if _eligible(phase, c, x, popr, floor, this_cap, fragment, lock):
                                s = slot[x]
                                key = _merge_cost(c, x, wsum, sums, ecost[s] / ecnt[s], noise,
                                                   salt)
                                if _better(key, x, best_key[c], best_nb[c]):
                                    best_key[c] = key
                                    best_nb[c] = x
                    elif keyc[t] < np.inf and _better(keyc[t], a, best_key[c], best_nb[c]):
                        best_key[c] = keyc[t]
                        best_nb[c] = a
                    else:
                        continue
                    version[c] += 1
                    if best_nb[c] != -1:
                        hk, hi, hv, size = _heap_push(hk, hi, hv, size, best_key[c], c,
                                                      version[c])
    roots = np.empty(n, np.int64)
    for u in range(n):
        roots[u] = _find(parent, lab0[u])
    return roots, merges
