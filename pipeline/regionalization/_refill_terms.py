"""Objective change and bounds of one refill move (:mod:`pipeline.regionalization._swap`).

Unit ``a`` leaves region ``A`` for ``B`` while unit ``c`` enters ``A`` from ``X``: the
exact change of the sum of squares, the inertia and the boundary length, and the test
that every region keeps the floor, the cap and (in a swap) ``B`` its contact with ``a``.
Shared by the refill search and the refill annealing; the search inlines the parts that
depend on ``a`` alone with the same arithmetic, so both give the same values.
"""

from __future__ import annotations

from pipeline._compat import njit
from pipeline.regionalization._localsearch import _inertia_delta, _ward_delta


@njit
def _replace_delta(w_out, x_out, w_in, x_in, wr, sr, r):
    """Change of region r's sum of squares when unit (w_out, x_out) is replaced by (w_in, x_in).

    Exact: the removal from the full region, then the addition to what is left.
    """
    total = wr[r]
    rest = total - w_out
    if rest <= 0:
        return -0.0
    d_out = 0.0
    d_in = 0.0
    for j in range(x_out.size):
        m = sr[r, j] / total
        diff = x_out[j] - m
        d_out += diff * diff
        m1 = (sr[r, j] - w_out * x_out[j]) / rest
        diff = x_in[j] - m1
        d_in += diff * diff
    return -w_out * total / rest * d_out + w_in * rest / (rest + w_in) * d_in


@njit
def _replace_inertia(a, c, coords, ar, sxr, syr, r):
    """Change of region r's moment of inertia when unit ``a`` is replaced by unit ``c``."""
    total = ar[r]
    rest = total - 1.0
    if rest <= 0:
        return -0.0
    mx = sxr[r] / total
    my = syr[r] / total
    d_out = (coords[a, 0] - mx) ** 2 + (coords[a, 1] - my) ** 2
    mx1 = (sxr[r] - coords[a, 0]) / rest
    my1 = (syr[r] - coords[a, 1]) / rest
    d_in = (coords[c, 0] - mx1) ** 2 + (coords[c, 1] - my1) ** 2
    return -total / rest * d_out + rest / (rest + 1.0) * d_in


@njit
def _cut_weight(a, c, indptr, indices, cost, labels):
    """Barrier-weighted cut edges incident to ``a`` or ``c`` (the edge a-c counted once)."""
    s = 0.0
    for e in range(indptr[a], indptr[a + 1]):
        if labels[indices[e]] != labels[a]:
            s += 1.0 / cost[e]
    for e in range(indptr[c], indptr[c + 1]):
        v = indices[e]
        if v != a and labels[v] != labels[c]:
            s += 1.0 / cost[e]
    return s


@njit
def _perimeter_delta(a, b_region, c, a_region, indptr, indices, cost, labels):
    """Change of the cut weight when ``a`` joins ``b_region`` and ``c`` joins ``a_region``."""
    old = _cut_weight(a, c, indptr, indices, cost, labels)
    la = labels[a]
    lc = labels[c]
    labels[a] = b_region
    labels[c] = a_region
    new = _cut_weight(a, c, indptr, indices, cost, labels)
    labels[a] = la
    labels[c] = lc
    return new - old


@njit
def _single_delta(a, ra, rb, indptr, indices, cost, features, weight, coords, labels, wr, sr,
                  ar, sxr, syr, lam_perimeter, lam_inertia):
    """Objective change when ``a`` alone moves from ``ra`` to ``rb`` (as the local search)."""
    delta = _ward_delta(weight[a], features[a], wr, sr, ra, -1) + _ward_delta(
        weight[a], features[a], wr, sr, rb, 1)
    if lam_inertia > 0:
        delta += lam_inertia * (
            _inertia_delta(coords[a, 0], coords[a, 1], ar, sxr, syr, ra, -1)
            + _inertia_delta(coords[a, 0], coords[a, 1], ar, sxr, syr, rb, 1))
    if lam_perimeter > 0:
        for e in range(indptr[a], indptr[a + 1]):
            r = labels[indices[e]]
            delta += lam_perimeter / cost[e] * ((r != rb) - (r != ra))
    return delta


@njit
def _refill_ok(a, ra, rb, c, rc, indptr, indices, population, labels, pr, floor, cap):
    """True if ``a`` (of ``ra``) to ``rb`` with ``c`` (of ``rc``) to ``ra`` keeps the bounds.

    Every region ends within the floor and the cap, and in a swap (``rc == rb``) ``a``
    touches ``rb`` away from ``c``, so that ``rb`` stays connected.
    """
    p_a = pr[ra] - population[a] + population[c]
    if p_a < floor or p_a > cap:
        return False
    if rc != rb:
        return pr[rc] - population[c] >= floor and pr[rb] + population[a] <= cap
    p_b = pr[rb] + population[a] - population[c]
    if p_b < floor or p_b > cap:
        return False
    for f in range(indptr[a], indptr[a + 1]):
        v = indices[f]
        if labels[v] == rb and v != c:
            return True
    return False


@njit
def _pair_delta(a, ra, rb, c, rc, indptr, indices, cost, features, weight, coords, labels, wr,
                sr, ar, sxr, syr, lam_perimeter, lam_inertia):
    """Objective change when ``a`` moves from ``ra`` to ``rb`` and ``c`` from ``rc`` to ``ra``."""
    wa = weight[a]
    wc = weight[c]
    xa = features[a]
    xc = features[c]
    delta = _replace_delta(wa, xa, wc, xc, wr, sr, ra)
    if lam_inertia > 0:
        delta += lam_inertia * _replace_inertia(a, c, coords, ar, sxr, syr, ra)
    if rc == rb:
        delta += _replace_delta(wc, xc, wa, xa, wr, sr, rb)
        if lam_inertia > 0:
            delta += lam_inertia * _replace_inertia(c, a, coords, ar, sxr, syr, rb)
    else:
        delta += _ward_delta(wa, xa, wr, sr, rb, 1) + _ward_delta(wc, xc, wr, sr, rc, -1)
        if lam_inertia > 0:
            delta += lam_inertia * (
                _inertia_delta(coords[a, 0], coords[a, 1], ar, sxr, syr, rb, 1)
                + _inertia_delta(coords[c, 0], coords[c, 1], ar, sxr, syr, rc, -1))
    if lam_perimeter > 0:
        delta += lam_perimeter * _perimeter_delta(a, rb, c, ra, indptr, indices, cost, labels)
    return delta
