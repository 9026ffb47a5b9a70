"""Quality figures of a partition: sizes, bounds, contiguity, homogeneity, shape, borders.

Works on any labelling of the units of a :class:`~pipeline.graph.Graph`, whatever
method made it, so the engine, a warm start and a peer tool are judged alike.

- :func:`partition_report`: one :class:`PartitionReport` of plain numbers (regions,
  residents per region, bound violations, contiguity, SSW and R2, compactness, barrier
  edges cut, regions crossing municipal borders).
- :func:`ssw_sst`: weighted within-region and total sums of squares.
- :func:`grid_compactness`, :func:`polygon_compactness`: isoperimetric quotient
  ``4 pi A / P^2`` per region (1 for a disc, ``pi / 4`` for a square).
- :func:`barrier_cuts`, :func:`regions_crossing`: boundaries on barriers, nesting.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.sparse.csgraph import connected_components

from pipeline.graph.base import Graph

__all__ = [
    "PartitionReport",
    "barrier_cuts",
    "grid_compactness",
    "partition_report",
    "polygon_compactness",
    "region_parts",
    "regions_crossing",
    "ssw_sst",
]


@dataclass(frozen=True)
class PartitionReport:
    """Figures of one partition; ``as_dict`` gives plain numbers for metadata and tables."""

    n_units: int
    n_regions: int
    unassigned_units: int
    population_min: float
    population_max: float
    population_cv: float
    below_min: int
    above_max: int
    noncontiguous_regions: int
    ssw: float
    sst: float
    r2: float
    compactness_mean: float = float("nan")
    compactness_min: float = float("nan")
    cut_edges: int = 0
    barrier_edges: int = 0
    barrier_edges_cut: int = 0
    regions_crossing_parents: int = 0

    @property
    def contiguous(self) -> bool:
        """Every region is one connected piece of the graph."""
        return self.noncontiguous_regions == 0

    def as_dict(self) -> dict[str, float | int | bool]:
        """The figures as a flat dict, plus ``contiguous``."""
        return asdict(self) | {"contiguous": self.contiguous}


def region_parts(graph: Graph, labels: np.ndarray) -> np.ndarray:
    """Number of connected pieces of every region within the graph (1 = contiguous)."""
    labels = np.asarray(labels)
    same = labels[graph.heads] == labels[graph.indices]
    sub = graph.subgraph_edges(same)
    _, comp = connected_components(sub.sparse, directed=False)
    pairs = np.unique(np.stack([labels, comp], axis=1), axis=0)
    return np.bincount(pairs[:, 0], minlength=int(labels.max()) + 1)


def ssw_sst(features: np.ndarray, weights: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Weighted within-region and total sum of squared deviations of the features.

    ``SSW = sum_i w_i ||x_i - mean_{r(i)}||^2`` with weighted region means, and ``SST`` the
    same with one region; ``R2 = 1 - SSW / SST``.
    """
    x = np.asarray(features, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    w = np.asarray(weights, dtype=np.float64)
    labels = np.asarray(labels)
    k = int(labels.max()) + 1
    wr = np.bincount(labels, weights=w, minlength=k)
    sums = np.stack(
        [np.bincount(labels, weights=w * x[:, j], minlength=k) for j in range(x.shape[1])], 1
    )
    means = np.divide(sums, wr[:, None], out=np.zeros_like(sums), where=wr[:, None] > 0)
    ssw = float(np.sum(w[:, None] * (x - means[labels]) ** 2))
    total_mean = (w @ x) / w.sum() if w.sum() > 0 else np.zeros(x.shape[1])
    sst = float(np.sum(w[:, None] * (x - total_mean) ** 2))
    return ssw, sst


def partition_report(
    graph: Graph,
    labels: np.ndarray,
    population: np.ndarray,
    min_population: float,
    max_population: float | None = None,
    features: np.ndarray | None = None,
    *,
    cells: np.ndarray | None = None,
    cell_size: float = 100.0,
    geometries=None,
    parent: np.ndarray | None = None,
) -> PartitionReport:
    """Check a labelling against the constraints and measure its quality.

    Parameters
    ----------
    graph : Graph
    labels : ndarray of int, shape (n,)
        Region of every unit; negative means unassigned.
    population : ndarray, shape (n,)
    min_population, max_population : float
        Bounds to count violations against (``None`` cap: none counted).
    features : ndarray, shape (n, d), optional
        Standardized features for SSW and R2 (NaN figures without them).
    cells : ndarray, shape (n, 2), optional
        Grid positions (lower-left corners) of grid cells, for compactness from cell edges.
    cell_size : float, default 100
        Side of a grid cell.
    geometries : GeoSeries, optional
        Unit polygons, for compactness from geometry when the units are not grid cells.
    parent : ndarray, shape (n,), optional
        Parent unit (e.g. municipality key) of every unit, to count regions crossing them.

    Returns
    -------
    PartitionReport
    """
    labels = np.asarray(labels, dtype=np.int64)
    population = np.asarray(population, dtype=np.float64)
    unassigned = int((labels < 0).sum())
    assigned = labels >= 0
    lab = np.where(assigned, labels, 0)
    k = int(lab.max()) + 1 if lab.size else 0
    pop = np.bincount(lab[assigned], weights=population[assigned], minlength=k)
    present = np.bincount(lab[assigned], minlength=k) > 0
    pop = pop[present]
    parts = region_parts(graph, np.where(assigned, labels, k)) if graph.n else np.zeros(0)
    parts = parts[:k][present]
    if features is not None and k:
        features = np.asarray(features, dtype=np.float64)
        ssw, sst = ssw_sst(features[assigned], population[assigned], lab[assigned])
    else:
        ssw = sst = float("nan")
    iq = _compactness(labels, assigned, cells, cell_size, geometries)
    iq = iq[present[: iq.size]] if iq.size else iq
    cut, barrier, barrier_cut = barrier_cuts(graph, labels) if graph.n else (0, 0, 0)
    crossing = regions_crossing(labels, parent) if parent is not None else 0
    return PartitionReport(
        n_units=int(labels.size),
        n_regions=int(present.sum()),
        unassigned_units=unassigned,
        population_min=float(pop.min()) if pop.size else 0.0,
        population_max=float(pop.max()) if pop.size else 0.0,
        population_cv=float(pop.std() / pop.mean()) if pop.size and pop.mean() > 0 else 0.0,
        below_min=int((pop < min_population).sum()),
        above_max=int((pop > max_population).sum()) if max_population is not None else 0,
        noncontiguous_regions=int((parts > 1).sum()),
        ssw=ssw,
        sst=sst,
        r2=1.0 - ssw / sst if sst > 0 else float("nan"),
        compactness_mean=float(np.mean(iq)) if iq.size else float("nan"),
        compactness_min=float(np.min(iq)) if iq.size else float("nan"),
        cut_edges=cut,
        barrier_edges=barrier,
        barrier_edges_cut=barrier_cut,
        regions_crossing_parents=crossing,
    )


def _compactness(labels, assigned, cells, cell_size, geometries) -> np.ndarray:
    """Isoperimetric quotient per label from grid cells or polygons (empty without either)."""
    if not assigned.any():
        return np.zeros(0)
    k = int(labels[assigned].max()) + 1
    if cells is not None:
        cells = np.asarray(cells, dtype=np.float64)
        iq = grid_compactness(labels[assigned], cells[assigned, 0], cells[assigned, 1], cell_size)
    elif geometries is not None:
        geoms = geometries.geometry if hasattr(geometries, "geometry") else geometries
        iq = polygon_compactness(labels[assigned], geoms[assigned])
    else:
        return np.zeros(0)
    return np.concatenate([iq, np.full(k - iq.size, np.nan)]) if iq.size < k else iq


def grid_compactness(
    labels: np.ndarray, x: np.ndarray, y: np.ndarray, cell_size: float = 100.0
) -> np.ndarray:
    """Isoperimetric quotient ``4 pi A / P^2`` of every region of grid cells.

    The area is the number of cells times ``cell_size ** 2``; the perimeter counts every
    cell side whose neighbour across it is missing or in another region, times
    ``cell_size``. A 3 x 3 block has ``4 pi 9 / 12^2 = pi / 4``.

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
        Region ``0 .. k - 1`` of every cell.
    x, y : ndarray, shape (n,)
        Lower-left corners (or centres) of the cells.
    cell_size : float, default 100

    Returns
    -------
    ndarray of float64, shape (k,)

    Examples
    --------
    >>> xs, ys = np.meshgrid(np.arange(3) * 100.0, np.arange(3) * 100.0)
    >>> float(grid_compactness(np.zeros(9, int), xs.ravel(), ys.ravel())[0]) == np.pi / 4
    True
    """
    labels = np.asarray(labels, dtype=np.int64)
    ix = np.rint(np.asarray(x, dtype=np.float64) / cell_size).astype(np.int64)
    iy = np.rint(np.asarray(y, dtype=np.float64) / cell_size).astype(np.int64)
    k = int(labels.max()) + 1 if labels.size else 0
    if not labels.size:
        return np.zeros(0)
    ix, iy = ix - ix.min() + 1, iy - iy.min() + 1
    width = int(iy.max()) + 2
    keys = ix * width + iy
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    sides = np.zeros(labels.size, np.int64)
    for step in (width, -width, 1, -1):
        target = keys + step
        pos = np.minimum(np.searchsorted(sorted_keys, target), labels.size - 1)
        found = sorted_keys[pos] == target
        same = found & (labels[order[pos]] == labels)
        sides += ~same
    area = np.bincount(labels, minlength=k) * cell_size**2
    perimeter = np.bincount(labels, weights=sides, minlength=k) * cell_size
    with np.errstate(invalid="ignore", divide="ignore"):
        return 4 * np.pi * area / perimeter**2


def polygon_compactness(labels: np.ndarray, geometries) -> np.ndarray:
    """Isoperimetric quotient ``4 pi A / P^2`` of every region from unit polygons.

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
        Region ``0 .. k - 1`` of every unit.
    geometries : GeoSeries or array of shapely polygons, length n

    Returns
    -------
    ndarray of float64, shape (k,)
    """
    import shapely

    labels = np.asarray(labels, dtype=np.int64)
    geoms = np.asarray(getattr(geometries, "values", geometries), dtype=object)
    k = int(labels.max()) + 1 if labels.size else 0
    out = np.full(k, np.nan)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(k + 1))
    for r in range(k):
        members = geoms[order[bounds[r] : bounds[r + 1]]]
        if members.size == 0:
            continue
        region = shapely.union_all(shapely.make_valid(members))
        perimeter = shapely.length(region)
        if perimeter > 0:
            out[r] = 4 * np.pi * shapely.area(region) / perimeter**2
    return out


def barrier_cuts(graph: Graph, labels: np.ndarray) -> tuple[int, int, int]:
    """Edges cut by region boundaries, barrier edges (``cost > 1``) and those of them cut.

    Parameters
    ----------
    graph : Graph
    labels : ndarray of int, shape (n,)

    Returns
    -------
    cut_edges, barrier_edges, barrier_edges_cut : int
        Undirected edge counts.
    """
    labels = np.asarray(labels)
    mask = graph.edge_mask()
    cut = labels[graph.heads[mask]] != labels[graph.indices[mask]]
    barrier = graph.cost[mask] > 1
    return int(cut.sum()), int(barrier.sum()), int((cut & barrier).sum())


def regions_crossing(labels: np.ndarray, parent: np.ndarray) -> int:
    """Number of regions whose units belong to more than one parent (e.g. municipality).

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
        Region of every unit (negative: unassigned, ignored).
    parent : array-like, shape (n,)
        Parent key of every unit, any hashable values.

    Returns
    -------
    int
    """
    labels = np.asarray(labels, dtype=np.int64)
    _, parent_codes = np.unique(np.asarray(parent), return_inverse=True)
    keep = labels >= 0
    pairs = np.unique(np.stack([labels[keep], parent_codes.ravel()[keep]], axis=1), axis=0)
    per_region = np.bincount(pairs[:, 0]) if pairs.size else np.zeros(0, np.int64)
    return int((per_region > 1).sum())
