"""Helpers for tests: small lattices with known answers and partition invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.graph.base import Graph
from pipeline.graph.contiguity import build_grid_contiguity
from pipeline.regionalization.quality import region_parts

__all__ = [
    "assert_valid_partition", "autocorrelated_lattice", "delaunay_graph", "grid_county",
    "lattice",
]


def lattice(nx: int, ny: int, resolution: float = 100.0) -> tuple[np.ndarray, np.ndarray, Graph]:
    """Lower-left corners of an ``nx`` by ``ny`` grid and its rook graph."""
    xs, ys = np.meshgrid(np.arange(nx) * resolution, np.arange(ny) * resolution, indexing="ij")
    x, y = xs.ravel(), ys.ravel()
    return x, y, build_grid_contiguity(x, y, resolution)


def assert_valid_partition(
    graph: Graph,
    labels: np.ndarray,
    population: np.ndarray,
    min_population: float,
    max_population: float | None = None,
) -> None:
    """Assert every unit is labelled, every region connected and within the bounds."""
    labels = np.asarray(labels)
    assert labels.shape == (graph.n,), f"labels shape {labels.shape} != ({graph.n},)"
    assert labels.min() >= 0, "some units are unassigned"
    k = int(labels.max()) + 1
    assert np.array_equal(np.unique(labels), np.arange(k)), "labels are not 0..k-1"
    parts = region_parts(graph, labels)
    assert np.all(parts == 1), f"regions in several pieces: {np.flatnonzero(parts > 1).tolist()}"
    pop = np.bincount(labels, weights=population, minlength=k)
    assert pop.min() >= min_population, f"region below the floor: {pop.min()} < {min_population}"
    if max_population is not None:
        assert pop.max() <= max_population, f"region above the cap: {pop.max()}"


def autocorrelated_lattice(
    nx: int,
    ny: int,
    n_features: int = 4,
    seed: int = 0,
    density: float = 1.0,
    resolution: float = 100.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Graph]:
    """A lattice with spatially autocorrelated indicators and clustered population.

    Indicators are Gaussian-filtered white noise at several scales (standardized);
    residents per cell are Poisson with a log-intensity from a smooth field, at least 1, so
    towns and villages alternate with sparse land. With ``density < 1`` only the most
    densely populated share of cells is kept (settlements separated by empty land), and
    the graph is bridged across the gaps.

    Returns
    -------
    cells : ndarray, shape (n, 2)
        Lower-left corners of the kept cells.
    features : ndarray, shape (n, n_features)
    population : ndarray, shape (n,)
    graph : Graph
        Rook contiguity of the kept cells (bridged when ``density < 1``).
    """
    from scipy.ndimage import gaussian_filter

    from pipeline.graph.contiguity import bridge_components

    rng = np.random.default_rng(seed)
    scales = np.geomspace(2.0, max(2.0, min(nx, ny) / 8), n_features)
    fields = [gaussian_filter(rng.standard_normal((nx, ny)), s, mode="wrap") for s in scales]
    features = np.stack([f.ravel() for f in fields], axis=1)
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    sigma = min(6.0, max(1.0, min(nx, ny) / 4))
    smooth = gaussian_filter(rng.standard_normal((nx, ny)), sigma, mode="wrap").ravel()
    smooth = np.clip(smooth / max(float(smooth.std()), 1e-12), -3.0, 3.0)
    population = 1.0 + rng.poisson(4.0 * np.exp(1.5 * smooth)).astype(np.float64)
    xs, ys = np.meshgrid(np.arange(nx) * resolution, np.arange(ny) * resolution, indexing="ij")
    cells = np.column_stack([xs.ravel(), ys.ravel()])
    if density < 1.0:
        keep = smooth >= np.quantile(smooth, 1.0 - density)
        cells, features, population = cells[keep], features[keep], population[keep]
    graph = build_grid_contiguity(cells[:, 0], cells[:, 1], resolution)
    if density < 1.0:
        graph = bridge_components(graph, cells + resolution / 2, 50 * resolution)
    return cells, np.ascontiguousarray(features), population, graph


def delaunay_graph(n: int, seed: int = 0) -> tuple[np.ndarray, Graph]:
    """Random points in the unit square and their Delaunay graph (irregular, planar)."""
    from scipy.spatial import Delaunay

    rng = np.random.default_rng(seed)
    points = rng.random((n, 2))
    tri = Delaunay(points).simplices
    heads = np.concatenate([tri[:, 0], tri[:, 1], tri[:, 2]])
    tails = np.concatenate([tri[:, 1], tri[:, 2], tri[:, 0]])
    return points, Graph.from_edges(n, heads, tails)


def grid_county(nx: int = 12, ny: int = 10, seed: int = 0,
                residents: float = 10.0) -> tuple[pd.DataFrame, np.ndarray]:
    """A small county of 100 m cells as the regions step sees it, and random features.

    ``nx`` x ``ny`` cells (``cell_id``, lower-left ``x``, ``y`` in EPSG:3035 from 0, ``ags``:
    the western half ``05399001``, the eastern ``05399002``, ``residents`` each) and three
    standard-normal features per cell from ``seed``.
    """
    xs, ys = np.meshgrid(np.arange(nx) * 100, np.arange(ny) * 100, indexing="ij")
    x, y = xs.ravel(), ys.ravel()
    cells = pd.DataFrame({
        "cell_id": [f"CRS3035RES100mN{b}E{a}" for a, b in zip(x, y, strict=True)],
        "x": x, "y": y, "ags": np.where(x < nx * 50, "05399001", "05399002"),
        "Einwohner": np.full(x.size, float(residents))})
    return cells, np.random.default_rng(seed).normal(size=(len(cells), 3))
