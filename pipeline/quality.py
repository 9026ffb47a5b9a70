"""Quality figures of a partition: sizes, bounds, contiguity, homogeneity.

Works on any labelling of the units of a :class:`~pipeline.contiguity.Graph`, whatever
method made it, so the engine, a warm start and a peer tool are judged alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.sparse.csgraph import connected_components

from pipeline.contiguity import Graph

__all__ = ["PartitionReport", "partition_report", "region_parts", "ssw_sst"]


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
) -> PartitionReport:
    """Check a labelling against the constraints and measure its homogeneity.

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
        ssw, sst = ssw_sst(features[assigned], population[assigned], lab[assigned])
    else:
        ssw = sst = float("nan")
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
    )
