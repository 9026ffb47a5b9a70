"""Helpers for tests: small lattices with known answers and partition invariants."""

from __future__ import annotations

import numpy as np

from pipeline.contiguity import Graph, build_grid_contiguity
from pipeline.quality import region_parts

__all__ = ["assert_valid_partition", "lattice"]


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
