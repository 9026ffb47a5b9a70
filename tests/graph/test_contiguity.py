"""Contiguity graphs.

Matrix: grid rook/queen against hand-counted edges; polygons via libpysal equal the grid
builder on the same squares; bridging joins separated parts within the distance only;
barrier edges cost more; nesting cuts edges between parents; inputs never mutated.
"""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from pipeline.graph.base import Graph
from pipeline.graph.contiguity import (
    bridge_components,
    build_grid_contiguity,
    build_polygon_contiguity,
    cut_edges_between,
    weight_barrier_edges,
)
from pipeline.testing import lattice

parametrize_kind = pytest.mark.parametrize(
    "kind, edges_3x3", [("rook", 12), ("queen", 20)], ids=["rook", "queen"]
)


@parametrize_kind
def test_grid_edges_on_a_3x3_lattice(kind, edges_3x3):
    xs, ys = np.meshgrid(np.arange(3) * 100, np.arange(3) * 100)
    g = build_grid_contiguity(xs.ravel(), ys.ravel(), 100, kind)
    assert g.n == 9 and g.n_edges == edges_3x3
    centre = 4  # (1, 1)
    assert g.degree[centre] == (4 if kind == "rook" else 8)
    # symmetric
    dense = g.sparse.toarray()
    assert np.array_equal(dense, dense.T)


@parametrize_kind
def test_polygon_contiguity_matches_grid_builder(kind, edges_3x3):
    x, y, _ = lattice(4, 5)
    grid = build_grid_contiguity(x, y, 100, kind)
    polys = gpd.GeoSeries(shapely.box(x, y, x + 100, y + 100))
    poly = build_polygon_contiguity(polys, kind)
    assert poly.n_edges == grid.n_edges
    assert np.array_equal(poly.sparse.toarray() > 0, grid.sparse.toarray() > 0)


def test_grid_rejects_duplicate_positions_and_unknown_kind():
    with pytest.raises(ValueError, match="share the grid position"):
        build_grid_contiguity([0, 0], [0, 0])
    with pytest.raises(ValueError, match="kind must be one of"):
        build_grid_contiguity([0], [0], kind="bishop")


def test_bridges_join_parts_within_distance_only():
    # two 2x2 blocks 500 m apart and a single cell 5 km away
    x = np.array([0, 100, 0, 100, 600, 700, 600, 700, 5700])
    y = np.array([0, 0, 100, 100, 0, 0, 100, 100, 0])
    g = build_grid_contiguity(x, y)
    assert g.n_components == 3
    centres = np.c_[x, y] + 50.0
    bridged = bridge_components(g, centres, max_distance=1000)
    assert bridged.n_components == 2
    assert bridged.bridge.sum() // 2 == 1
    h, t = bridged.edges()
    bridge_edge = bridged.bridge[bridged.edge_mask()]
    assert {int(h[bridge_edge][0]), int(t[bridge_edge][0])} == {1, 4}  # nearest pair
    assert bridge_components(g, centres, max_distance=10_000).n_components == 1
    # the input graph is unchanged
    assert g.n_components == 3 and g.bridge.sum() == 0


def test_bridging_many_components_connects_them_all():
    rng = np.random.default_rng(1)
    keep = rng.random(60 * 60) < 0.3
    x, y, _ = lattice(60, 60)
    x, y = x[keep], y[keep]
    g = build_grid_contiguity(x, y)
    assert g.n_components > 100
    bridged = bridge_components(g, np.c_[x, y] + 50.0, max_distance=1000)
    assert bridged.n_components == 1
    assert bridged.n_edges >= g.n_edges + g.n_components - 1


def test_bridges_within_groups_join_a_hamlet_to_its_own_municipality():
    # a hamlet (cell 4) 300 m from municipality A's block, 900 m from its own B block
    x = np.array([0, 100, 0, 100, 400, 1400, 1500])
    y = np.array([0, 0, 100, 100, 0, 0, 0])
    group = np.array(["A", "A", "A", "A", "B", "B", "B"])
    g = cut_edges_between(build_grid_contiguity(x, y), group)
    centres = np.c_[x, y] + 50.0
    free = bridge_components(g, centres, max_distance=2000)
    h, t = free.edges()
    assert {int(h[free.bridge[free.edge_mask()]][0]), int(t[free.bridge[free.edge_mask()]][0])} \
        == {1, 4}  # without groups: to the nearest block, across the border
    nested = bridge_components(g, centres, max_distance=2000, within=group)
    h, t = nested.edges()
    assert (group[h] == group[t]).all()
    assert nested.n_components == 2  # one per group, nothing across
    assert bridge_components(g, centres, max_distance=500, within=group).n_components == 3
    with pytest.raises(ValueError, match=r"within must have shape \(7,\)"):
        bridge_components(g, centres, max_distance=500, within=group[:3])


def test_barrier_edges_cost_more():
    x, y, g = lattice(4, 1)
    line = shapely.LineString([(200, -100), (200, 200)])  # between cells 1 and 2
    w = weight_barrier_edges(g, np.c_[x, y] + 50.0, [line], factor=2.0)
    h, t = w.edges()
    cost = w.cost[w.edge_mask()]
    crossing = {(int(a), int(b)) for a, b, c in zip(h, t, cost, strict=True) if c > 1}
    assert crossing == {(1, 2)}
    assert cost.max() == pytest.approx(3.0)
    assert weight_barrier_edges(g, np.c_[x, y], [line], factor=0) is g


def test_nesting_cuts_edges_between_parents():
    x, y, g = lattice(4, 2)
    parent = np.where(x < 200, "A", "B")
    cut = cut_edges_between(g, parent)
    assert cut.n_components == 2
    assert np.all(parent[cut.heads] == parent[cut.indices])


def test_graph_is_frozen_and_repr_counts():
    _, _, g = lattice(3, 3)
    with pytest.raises(ValueError):
        g.indices[0] = 5
    assert "9 units, 12 edges, 1 components" in repr(g)
    assert isinstance(Graph.from_edges(3, [0, 0], [1, 1]), Graph)
    assert Graph.from_edges(3, [0, 0], [1, 1]).n_edges == 1
