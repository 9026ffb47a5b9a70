"""The :class:`Graph`: undirected contiguity of areal units as frozen, symmetric CSR arrays."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = ["CONTIGUITY_KINDS", "Graph"]

#: Contiguity rules the builders accept.
CONTIGUITY_KINDS = ("rook", "queen")


@dataclass(frozen=True, eq=False)
class Graph:
    """Undirected graph over ``n`` units, stored as symmetric CSR arrays.

    Attributes
    ----------
    indptr : ndarray of int64, shape (n + 1,)
    indices : ndarray of int64, shape (2 * n_edges,)
        Neighbours of unit ``i`` are ``indices[indptr[i]:indptr[i + 1]]``, sorted.
    cost : ndarray of float64, shape (2 * n_edges,)
        Cost factor of each directed entry (1 ordinary, > 1 across a barrier); symmetric.
    bridge : ndarray of bool, shape (2 * n_edges,)
        True for edges added by :func:`bridge_components`; symmetric.
    """

    indptr: np.ndarray
    indices: np.ndarray
    cost: np.ndarray
    bridge: np.ndarray

    def __post_init__(self) -> None:
        for name in ("indptr", "indices", "cost", "bridge"):
            getattr(self, name).setflags(write=False)

    @classmethod
    def from_edges(
        cls,
        n: int,
        heads: np.ndarray,
        tails: np.ndarray,
        cost: np.ndarray | None = None,
        bridge: np.ndarray | None = None,
    ) -> Graph:
        """Build the canonical graph from undirected edges ``(heads[k], tails[k])``.

        Self-loops are dropped; duplicate edges keep the largest cost and are bridges only
        if every copy is. Both directions are stored, neighbours sorted.
        """
        heads = np.asarray(heads, dtype=np.int64)
        tails = np.asarray(tails, dtype=np.int64)
        if heads.shape != tails.shape:
            raise ValueError(f"heads and tails differ in length: {heads.size} != {tails.size}")
        if heads.size and (min(heads.min(), tails.min()) < 0 or max(heads.max(), tails.max()) >= n):
            raise ValueError(f"edge endpoints must lie in [0, {n}); n={n}")
        cost = np.ones(heads.size) if cost is None else np.asarray(cost, dtype=np.float64)
        bridge = np.zeros(heads.size, bool) if bridge is None else np.asarray(bridge, bool)
        keep = heads != tails
        h = np.concatenate([heads[keep], tails[keep]])
        t = np.concatenate([tails[keep], heads[keep]])
        c = np.concatenate([cost[keep], cost[keep]])
        b = np.concatenate([bridge[keep], bridge[keep]])
        order = np.lexsort((-c, t, h))
        h, t, c, b = h[order], t[order], c[order], b[order]
        if h.size:
            first = np.ones(h.size, bool)
            first[1:] = (h[1:] != h[:-1]) | (t[1:] != t[:-1])
            group = np.cumsum(first) - 1
            all_bridge = np.ones(int(first.sum()), bool)
            np.logical_and.at(all_bridge, group, b)
            h, t, c, b = h[first], t[first], c[first], all_bridge
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(h, minlength=n), out=indptr[1:])
        return cls(indptr, t.astype(np.int64), c, b)

    @property
    def n(self) -> int:
        """Number of units."""
        return self.indptr.size - 1

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return self.indices.size // 2

    @cached_property
    def heads(self) -> np.ndarray:
        """Source unit of every directed entry (same length as ``indices``)."""
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.indptr))

    @cached_property
    def degree(self) -> np.ndarray:
        """Number of neighbours of every unit."""
        return np.diff(self.indptr)

    @cached_property
    def sparse(self) -> sp.csr_array:
        """The graph as a scipy CSR adjacency array holding the edge costs."""
        return sp.csr_array((self.cost, self.indices, self.indptr), shape=(self.n, self.n))

    @cached_property
    def components(self) -> np.ndarray:
        """Connected-component label of every unit (labels 0..k-1, by first unit)."""
        if self.n == 0:
            return np.zeros(0, np.int64)
        _, labels = connected_components(self.sparse, directed=False)
        return labels.astype(np.int64)

    @property
    def n_components(self) -> int:
        """Number of connected components (isolated units count as one each)."""
        return int(self.components.max()) + 1 if self.n else 0

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Undirected edges as ``(heads, tails)`` with ``heads < tails``."""
        mask = self.heads < self.indices
        return self.heads[mask], self.indices[mask]

    def edge_mask(self) -> np.ndarray:
        """Boolean mask of the directed entries with ``head < tail`` (one per edge)."""
        return self.heads < self.indices

    def subgraph_edges(self, keep: np.ndarray) -> Graph:
        """A graph on the same units keeping only the undirected edges where ``keep``.

        ``keep`` is a mask over the directed entries; an edge stays if either direction
        is kept, so the result stays symmetric.
        """
        mask = np.asarray(keep, bool)
        heads, tails = self.heads[mask], self.indices[mask]
        return Graph.from_edges(self.n, heads, tails, self.cost[mask], self.bridge[mask])

    def subgraph(self, units: np.ndarray) -> Graph:
        """The graph induced by ``units`` (a bool mask or sorted positions), renumbered.

        Unit ``i`` of the result is ``np.flatnonzero(mask)[i]`` of this graph; edges
        keep their cost and bridge flags.
        """
        mask = np.zeros(self.n, bool)
        mask[units] = True
        new = np.full(self.n, -1, np.int64)
        new[mask] = np.arange(int(mask.sum()))
        keep = mask[self.heads] & mask[self.indices] & self.edge_mask()
        return Graph.from_edges(int(mask.sum()), new[self.heads[keep]],
                                new[self.indices[keep]], self.cost[keep], self.bridge[keep])

    def __repr__(self) -> str:
        isolates = int((self.degree == 0).sum())
        bridges = int(self.bridge.sum() // 2)
        crossing = int((self.cost > 1).sum() // 2)
        return (
            f"<Graph of {self.n} units, {self.n_edges} edges, {self.n_components} components, "
            f"{isolates} isolates, {bridges} bridges, {crossing} barrier edges>"
        )

