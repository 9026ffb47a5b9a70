"""Contiguity graphs of areal units as symmetric CSR arrays.

A :class:`Graph` is the one array contract the regionalization engine works on: frozen
CSR arrays (``indptr``, ``indices``), a cost factor per edge (1 for an ordinary edge,
more for an edge that crosses a barrier), and a flag per edge that marks bridges added
between separated settlements. Builders compute graphs (``build_*``); transforms return
new graphs and never change their input, like libpysal's ``Graph``.

- :func:`build_grid_contiguity`: grid cells straight from their integer positions (rook or
  queen), in ``O(n log n)`` with no geometry.
- :func:`build_polygon_contiguity`: any polygons, via libpysal's ``Graph.build_contiguity``.
- :func:`bridge_components`: joins separated parts by nearest-neighbour edges up to a
  distance (Borůvka rounds on a k-d tree), so a village is attached to its nearest
  neighbour rather than left alone.
- :func:`weight_barrier_edges`: edges whose centre-to-centre segment crosses a barrier line
  (road, railway, river) cost more, so region boundaries prefer to follow barriers.
- :func:`cut_edges_between`: drops edges between different parent units (nesting in
  municipalities).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from pipeline.graph.base import CONTIGUITY_KINDS, Graph

__all__ = [
    "bridge_components",
    "build_grid_contiguity",
    "build_polygon_contiguity",
    "cut_edges_between",
    "weight_barrier_edges",
]


def build_grid_contiguity(
    x: np.ndarray, y: np.ndarray, resolution: float = 100.0, kind: str = "rook"
) -> Graph:
    """Contiguity of square grid cells from their lower-left corners, without geometry.

    Parameters
    ----------
    x, y : array-like of int or float
        Lower-left corners (or any fixed point) of the cells, in the grid's CRS units.
    resolution : float, default 100
        Cell size, e.g. 100 m for the Zensus 100 m grid.
    kind : {"rook", "queen"}, default "rook"
        Rook links cells sharing an edge, queen also those sharing a corner.

    Returns
    -------
    Graph

    Examples
    --------
    >>> g = build_grid_contiguity([0, 100, 0, 100], [0, 0, 100, 100])
    >>> g.n_edges
    4
    """
    if kind not in CONTIGUITY_KINDS:
        raise ValueError(f"kind must be one of {CONTIGUITY_KINDS}, got {kind!r}")
    ix = np.rint(np.asarray(x, dtype=np.float64) / resolution).astype(np.int64)
    iy = np.rint(np.asarray(y, dtype=np.float64) / resolution).astype(np.int64)
    n = ix.size
    if n == 0:
        return Graph.from_edges(0, np.zeros(0, np.int64), np.zeros(0, np.int64))
    ix0, iy0 = ix - ix.min() + 1, iy - iy.min() + 1
    width = int(iy0.max()) + 2
    keys = ix0 * width + iy0
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    if np.any(sorted_keys[1:] == sorted_keys[:-1]):
        dup = order[1:][sorted_keys[1:] == sorted_keys[:-1]][0]
        raise ValueError(f"two cells share the grid position of cell {int(dup)}")
    offsets = [(1, 0), (0, 1)] + ([(1, 1), (1, -1)] if kind == "queen" else [])
    heads, tails = [], []
    for dx, dy in offsets:
        target = keys + dx * width + dy
        pos = np.searchsorted(sorted_keys, target)
        pos = np.minimum(pos, n - 1)
        found = sorted_keys[pos] == target
        heads.append(np.flatnonzero(found))
        tails.append(order[pos[found]])
    return Graph.from_edges(n, np.concatenate(heads), np.concatenate(tails))


def build_polygon_contiguity(geometries, kind: str = "rook") -> Graph:
    """Contiguity of polygons (census blocks, districts) via libpysal's ``Graph``.

    Parameters
    ----------
    geometries : GeoSeries or GeoDataFrame
        Polygons, one per unit, in row order.
    kind : {"rook", "queen"}, default "rook"
        Rook needs a shared edge, queen a shared vertex.

    Returns
    -------
    Graph
    """
    if kind not in CONTIGUITY_KINDS:
        raise ValueError(f"kind must be one of {CONTIGUITY_KINDS}, got {kind!r}")
    from libpysal.graph import Graph as PysalGraph

    geoms = geometries.geometry if hasattr(geometries, "geometry") else geometries
    geoms = geoms.reset_index(drop=True)
    g = PysalGraph.build_contiguity(geoms, rook=kind == "rook")
    adj = g.adjacency.reset_index()
    focal = adj["focal"].to_numpy(np.int64)
    neighbor = adj["neighbor"].to_numpy(np.int64)
    real = (adj["weight"].to_numpy() > 0) & (focal != neighbor)
    return Graph.from_edges(len(geoms), focal[real], neighbor[real])


def bridge_components(graph: Graph, coords: np.ndarray, max_distance: float, k: int = 16,
                      within: np.ndarray | None = None) -> Graph:
    """Join separated components by nearest-neighbour edges no longer than ``max_distance``.

    Borůvka rounds: in each round every component is linked to its nearest unit in another
    component (searched among each unit's ``k`` nearest neighbours, then exactly for the
    components still without a link), which at least halves the number of components that
    can be joined. Added edges are marked as bridges. Components farther than
    ``max_distance`` from everything stay separate; the solver decides whether they can
    stand alone.

    Parameters
    ----------
    graph : Graph
    coords : ndarray, shape (n, 2)
        Unit positions (cell centres or polygon representative points), metres.
    max_distance : float
        Longest bridge allowed, in the units of ``coords``.
    k : int, default 16
        Neighbours searched per unit before falling back to an exact search.
    within : ndarray, shape (n,), optional
        A group per unit (e.g. the municipality, for nesting): bridges join only units of
        the same group, so a hamlet whose nearest neighbours lie across a municipal border
        is joined to its own municipality.

    Returns
    -------
    Graph
        A new graph with the bridge edges added.
    """
    coords = np.asarray(coords, dtype=np.float64)
    if coords.shape != (graph.n, 2):
        raise ValueError(f"coords must have shape ({graph.n}, 2), got {coords.shape}")
    if within is not None and np.shape(within) != (graph.n,):
        raise ValueError(f"within must have shape ({graph.n},), got {np.shape(within)}")
    if graph.n_components <= 1 or max_distance <= 0:
        return graph
    if within is not None:
        # units of other groups pushed out of reach: one search, bridges only within groups
        groups = np.unique(np.asarray(within), return_inverse=True)[1].astype(np.float64)
        coords = coords + np.stack([groups * (np.ptp(coords[:, 0]) + 2 * max_distance + 1),
                                    np.zeros(graph.n)], axis=1)
    tree = cKDTree(coords)
    labels = graph.components.copy()
    new_h: list[np.ndarray] = []
    new_t: list[np.ndarray] = []
    kk = min(k + 1, graph.n)
    dist, nbr = tree.query(coords, k=kk, distance_upper_bound=max_distance)
    while True:
        n_comp = int(labels.max()) + 1
        if n_comp <= 1:
            break
        heads, tails = _nearest_foreign(coords, labels, tree, dist, nbr, max_distance)
        if heads.size == 0:
            break
        new_h.append(heads)
        new_t.append(tails)
        merged = Graph.from_edges(
            graph.n,
            np.concatenate([graph.edges()[0], *new_h]),
            np.concatenate([graph.edges()[1], *new_t]),
        )
        new_labels = merged.components
        if int(new_labels.max()) + 1 == n_comp:
            break
        labels = new_labels
    if not new_h:
        return graph
    bh, bt = np.concatenate(new_h), np.concatenate(new_t)
    eh, et = graph.edges()
    emask = graph.edge_mask()
    return Graph.from_edges(
        graph.n,
        np.concatenate([eh, bh]),
        np.concatenate([et, bt]),
        np.concatenate([graph.cost[emask], np.ones(bh.size)]),
        np.concatenate([graph.bridge[emask], np.ones(bh.size, bool)]),
    )


def _nearest_foreign(coords, labels, tree, dist, nbr, max_distance):
    """For every component, the shortest link to a unit of another component."""
    n = coords.shape[0]
    valid = np.isfinite(dist) & (nbr < n)
    safe_nbr = np.where(valid, nbr, 0)
    foreign = valid & (labels[safe_nbr] != labels[:, None])
    d = np.where(foreign, dist, np.inf)
    best_col = np.argmin(d, axis=1)
    best_d = d[np.arange(n), best_col]
    best_t = safe_nbr[np.arange(n), best_col]
    n_comp = int(labels.max()) + 1
    comp_best = np.full(n_comp, np.inf)
    np.minimum.at(comp_best, labels, best_d)
    heads, tails = [], []
    found = np.isfinite(comp_best)
    # components with a link among the k nearest: pick the unit achieving the minimum
    winner = np.isfinite(best_d) & (best_d == comp_best[labels])
    units = np.flatnonzero(winner)
    _, first = np.unique(labels[units], return_index=True)
    units = units[first]
    heads.append(units)
    tails.append(best_t[units])
    # exact search for the rest (large components whose k nearest are all their own)
    for c in np.flatnonzero(~found):
        members = np.flatnonzero(labels == c)
        others = np.flatnonzero(labels != c)
        if others.size == 0:
            continue
        d_c, j = cKDTree(coords[others]).query(coords[members], k=1)
        i = int(np.argmin(d_c))
        if d_c[i] <= max_distance:
            heads.append(np.array([members[i]]))
            tails.append(np.array([others[j[i]]]))
    return np.concatenate(heads), np.concatenate(tails)


def weight_barrier_edges(graph: Graph, coords: np.ndarray, barriers, factor: float) -> Graph:
    """Raise the cost of edges whose centre-to-centre segment crosses a barrier line.

    Parameters
    ----------
    graph : Graph
    coords : ndarray, shape (n, 2)
        Unit positions in the CRS of ``barriers``.
    barriers : array-like of shapely geometries
        Barrier lines (major roads, railways, rivers).
    factor : float
        Added cost: a crossing edge costs ``1 + factor``. 0 leaves the graph unchanged.

    Returns
    -------
    Graph
    """
    import shapely

    if factor <= 0 or graph.n_edges == 0:
        return graph
    lines = np.asarray(barriers, dtype=object)
    lines = lines[~shapely.is_empty(lines)] if lines.size else lines
    if lines.size == 0:
        return graph
    eh, et = graph.edges()
    segs = shapely.linestrings(
        np.stack([coords[eh], coords[et]], axis=1).reshape(-1, 2),
        indices=np.repeat(np.arange(eh.size), 2),
    )
    hit = shapely.STRtree(lines).query(segs, predicate="intersects")[0]
    crossing = np.zeros(eh.size, bool)
    crossing[hit] = True
    emask = graph.edge_mask()
    cost = graph.cost[emask] + factor * crossing
    return Graph.from_edges(graph.n, eh, et, cost, graph.bridge[emask])


def cut_edges_between(graph: Graph, parent: np.ndarray) -> Graph:
    """Drop edges between units of different parents (e.g. municipalities) for nesting."""
    parent = np.asarray(parent)
    if parent.shape != (graph.n,):
        raise ValueError(f"parent must have shape ({graph.n},), got {parent.shape}")
    return graph.subgraph_edges(parent[graph.heads] == parent[graph.indices])
