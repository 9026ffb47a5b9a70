"""Spatially constrained regionalization: contiguous regions above a population floor.

The construction is a population-weighted Ward agglomeration restricted to the edges of a
contiguity :class:`~pipeline.contiguity.Graph` (Assunção et al. 2006 for graph-constrained
clustering; Ward 1963 for the merge cost). Regions start as single units; the cheapest
merge of two adjacent regions is taken while at least one of them is still below the
population floor, so regions stop growing once they reach it and the number of regions
stays close to the most the floor allows (the max-p idea of Duque, Anselin and Rey 2012).
Merges that would exceed the cap are postponed and taken only when no other way remains.

The merge cost of regions ``a`` and ``b`` with populations ``w`` and weighted means ``m`` is
the increase of the within-region sum of squares::

    w_a * w_b / (w_a + w_b) * ||m_a - m_b||^2

multiplied by the mean cost factor of the edges between them (barrier edges cost more).
State per region is a running sum, so each merge costs O(degree).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from pipeline.contiguity import Graph
from pipeline.errors import InfeasibleError

__all__ = ["Regionalization", "agglomerate", "check_feasible"]


@dataclass(frozen=True)
class Regionalization:
    """Labels of a partition and the population of each region.

    Attributes
    ----------
    labels : ndarray of int64, shape (n,)
        Region of every unit, ``0 .. n_regions - 1``, numbered by the region's first unit.
    population : ndarray of float64, shape (n_regions,)
    """

    labels: np.ndarray
    population: np.ndarray

    @property
    def n_regions(self) -> int:
        """Number of regions."""
        return int(self.population.size)

    def __repr__(self) -> str:
        pop = self.population
        return (
            f"<Regionalization of {self.labels.size} units into {self.n_regions} regions, "
            f"population {pop.min():.0f}..{pop.max():.0f}>"
            if pop.size
            else "<Regionalization (empty)>"
        )


def check_feasible(
    graph: Graph,
    population: np.ndarray,
    min_population: float,
    max_population: float | None = None,
    features: np.ndarray | None = None,
) -> None:
    """Fail before any work when no partition can meet the constraints.

    Raises
    ------
    InfeasibleError
        Empty graph, NaN features, cap below floor, negative population, or a connected
        part (after bridging) with fewer residents than the floor, naming its units.
    """
    population = np.asarray(population, dtype=np.float64)
    if graph.n == 0:
        raise InfeasibleError("the graph has no units: nothing to regionalize")
    if population.shape != (graph.n,):
        raise InfeasibleError(
            f"population has shape {population.shape}, the graph has {graph.n} units"
        )
    if not np.all(np.isfinite(population)) or np.any(population < 0):
        bad = np.flatnonzero(~np.isfinite(population) | (population < 0))[:10]
        raise InfeasibleError(f"population must be finite and >= 0; units {bad.tolist()}")
    if max_population is not None and max_population < min_population:
        raise InfeasibleError(
            f"max_population ({max_population}) is below min_population ({min_population})"
        )
    if features is not None:
        features = np.asarray(features, dtype=np.float64)
        if features.shape[0] != graph.n:
            raise InfeasibleError(
                f"features have {features.shape[0]} rows, the graph has {graph.n} units"
            )
        nan_rows = np.flatnonzero(~np.all(np.isfinite(features), axis=1))
        if nan_rows.size:
            cols = np.flatnonzero(~np.all(np.isfinite(features[nan_rows]), axis=0))
            raise InfeasibleError(
                f"the feature matrix has NaN or infinite values in {nan_rows.size} units "
                f"(first: {nan_rows[:10].tolist()}), columns {cols.tolist()}"
            )
    total = population.sum()
    if total < min_population:
        raise InfeasibleError(
            f"total population {total:.0f} is below the floor of {min_population}"
        )
    comp = graph.components
    comp_pop = np.bincount(comp, weights=population)
    small = np.flatnonzero(comp_pop < min_population)
    if small.size:
        parts = [
            f"part {int(c)} with units {np.flatnonzero(comp == c)[:8].tolist()}"
            f"{'...' if (comp == c).sum() > 8 else ''} ({comp_pop[c]:.0f} residents)"
            for c in small[:5]
        ]
        raise InfeasibleError(
            f"{small.size} connected part(s) cannot reach the floor of {min_population} "
            f"residents and cannot be joined to anything within the bridge distance: "
            + "; ".join(parts)
        )


def agglomerate(
    graph: Graph,
    features: np.ndarray,
    population: np.ndarray,
    min_population: float,
    max_population: float | None = None,
) -> Regionalization:
    """Grow contiguous regions by Ward merges until every region reaches the floor.

    Parameters
    ----------
    graph : Graph
        Contiguity of the units (bridged where settlements are separated).
    features : ndarray, shape (n, d)
        Standardized, weighted indicators of every unit.
    population : ndarray, shape (n,)
        Residents of every unit: the Ward weights and the floor's measure.
    min_population : float
        Floor of residents per region.
    max_population : float, optional
        Cap of residents per region; merges beyond it are taken only as a last resort.

    Returns
    -------
    Regionalization
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim == 1:
        features = features[:, None]
    population = np.asarray(population, dtype=np.float64)
    check_feasible(graph, population, min_population, max_population, features)
    cap = np.inf if max_population is None else float(max_population)

    n = graph.n
    weight = np.maximum(population, 1e-6)
    wsum = weight.copy()
    pop = population.copy()
    sums = features * weight[:, None]
    parent = np.arange(n)
    version = np.zeros(n, np.int64)
    # adjacency between regions: neighbour -> [number of edges, summed edge cost]
    adj: list[dict[int, list[float]]] = [dict() for _ in range(n)]
    eh, et = graph.edges()
    ec = graph.cost[graph.edge_mask()]
    for a, b, c in zip(eh.tolist(), et.tolist(), ec.tolist(), strict=True):
        adj[a][b] = [1.0, c]
        adj[b][a] = [1.0, c]

    def cost(a: int, b: int) -> float:
        d = sums[a] / wsum[a] - sums[b] / wsum[b]
        count, csum = adj[a][b]
        return wsum[a] * wsum[b] / (wsum[a] + wsum[b]) * float(d @ d) * (csum / count)

    heap: list[tuple[float, int, int, int, int]] = []
    postponed: list[tuple[float, int, int, int, int]] = []
    for a, b in zip(eh.tolist(), et.tolist(), strict=True):
        if pop[a] < min_population or pop[b] < min_population:
            heap.append((cost(a, b), a, b, 0, 0))
    heapq.heapify(heap)

    def merge(a: int, b: int) -> None:
        if len(adj[a]) < len(adj[b]):
            a, b = b, a
        parent[b] = a
        wsum[a] += wsum[b]
        pop[a] += pop[b]
        sums[a] += sums[b]
        version[a] += 1
        version[b] += 1
        del adj[a][b]
        for c, (count, csum) in adj[b].items():
            if c == a:
                continue
            del adj[c][b]
            entry = adj[a].get(c)
            if entry is None:
                adj[a][c] = [count, csum]
                adj[c][a] = adj[a][c]
            else:
                entry[0] += count
                entry[1] += csum
        adj[b] = {}
        for c in adj[a]:
            if pop[a] < min_population or pop[c] < min_population:
                lo, hi = min(a, c), max(a, c)
                heapq.heappush(heap, (cost(a, c), lo, hi, int(version[lo]), int(version[hi])))

    for phase_cap in (cap, np.inf):
        while heap:
            c_ab, a, b, va, vb = heapq.heappop(heap)
            if parent[a] != a or parent[b] != b or version[a] != va or version[b] != vb:
                continue
            if pop[a] >= min_population and pop[b] >= min_population:
                continue
            if pop[a] + pop[b] > phase_cap:
                postponed.append((c_ab, a, b, va, vb))
                continue
            merge(a, b)
        heap, postponed = postponed, []
        heapq.heapify(heap)

    roots = _find_roots(parent)
    _, first, labels = np.unique(roots, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))
    labels = order[labels]
    region_pop = np.bincount(labels, weights=population)
    return Regionalization(labels.astype(np.int64), region_pop)


def _find_roots(parent: np.ndarray) -> np.ndarray:
    """Resolve union-find parents to roots, vectorized by pointer jumping."""
    roots = parent.copy()
    while True:
        nxt = roots[roots]
        if np.array_equal(nxt, roots):
            return roots
        roots = nxt
