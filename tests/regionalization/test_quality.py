"""Quality report: figures worked out by hand on tiny lattices.

Matrix: SSW/R2 by hand; isoperimetric quotient of grid blocks (3 x 3 square, 1 x 4 bar,
cells with missing neighbours) and of the same blocks as polygons; barrier edges cut on a
hand-made line; regions crossing municipal borders; the full report on a labelling with
known violations (floor, cap, a region in two pieces, unassigned units).
"""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from pipeline.graph.contiguity import weight_barrier_edges
from pipeline.regionalization.quality import (
    barrier_cuts,
    grid_compactness,
    partition_report,
    polygon_compactness,
    regions_crossing,
    ssw_sst,
)
from pipeline.testing import lattice


def test_ssw_and_r2_by_hand_with_two_features():
    # one region {0, 1}: feature a = 0, 2; feature b = 1, 1; weights 1, 1
    x = np.array([[0.0, 1.0], [2.0, 1.0], [5.0, 5.0]])
    ssw, sst = ssw_sst(x, np.ones(3), np.array([0, 0, 1]))
    assert ssw == pytest.approx(2.0)  # 1 + 1 on feature a, 0 on b
    # means (7/3, 7/3): a -> 49/9 + 1/9 + 64/9 = 114/9; b -> 16/9 * 2 + 64/9 = 96/9
    assert sst == pytest.approx(210 / 9)


def test_iq_of_a_3x3_block_by_hand():
    x, y, _ = lattice(3, 3)
    iq = grid_compactness(np.zeros(9, int), x, y, 100.0)
    # area 9 cells * 100^2, perimeter 12 sides * 100
    assert iq[0] == pytest.approx(4 * np.pi * 9 / 144)


def test_iq_counts_sides_to_other_regions_and_missing_cells():
    x, y, _ = lattice(4, 1)
    labels = np.array([0, 0, 1, 1])
    iq = grid_compactness(labels, x, y, 100.0)
    # each 1 x 2 bar: area 2, perimeter 6
    assert iq == pytest.approx([4 * np.pi * 2 / 36] * 2)
    # a ring of 8 cells around a missing centre: area 8, perimeter 12 outer + 4 inner
    x, y, _ = lattice(3, 3)
    ring = np.arange(9) != 4
    assert grid_compactness(np.zeros(8, int), x[ring], y[ring])[0] == pytest.approx(
        4 * np.pi * 8 / 16**2
    )


def test_polygon_iq_matches_the_grid_iq():
    x, y, _ = lattice(3, 3)
    boxes = gpd.GeoSeries(shapely.box(x, y, x + 100, y + 100))
    labels = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1])
    assert polygon_compactness(labels, boxes) == pytest.approx(grid_compactness(labels, x, y))


def test_barrier_crossings_by_hand():
    x, y, g = lattice(4, 2)
    line = shapely.LineString([(200, -100), (200, 300)])  # between columns 1 and 2
    g = weight_barrier_edges(g, np.c_[x, y] + 50.0, [line], factor=1.0)
    column = (x // 100).astype(int)
    on_barrier = (column >= 2).astype(int)
    off_barrier = (column >= 1).astype(int)
    assert barrier_cuts(g, on_barrier) == (2, 2, 2)
    assert barrier_cuts(g, off_barrier) == (2, 2, 0)
    assert barrier_cuts(g, np.zeros(8, int)) == (0, 2, 0)


def test_regions_crossing_parents():
    labels = np.array([0, 0, 1, 1, 2, 2, -1])
    parent = np.array(["A", "A", "A", "B", "B", "B", "C"])
    assert regions_crossing(labels, parent) == 1


def test_report_counts_violations_pieces_and_shape():
    x, y, g = lattice(4, 3)  # unit = column * 3 + row
    column = (x // 100).astype(int)
    # region 0: columns 0-1 (50 residents without cell 0), region 1: column 2 (30),
    # region 2: column 3 without the unassigned cell 11, plus cell 0 (30, in two pieces)
    labels = np.array([0, 0, 1, 2])[column]
    labels[0] = 2
    labels[11] = -1
    pop = np.full(12, 10.0)
    report = partition_report(
        g, labels, pop, min_population=35, max_population=45, cells=np.c_[x, y],
        parent=(column >= 2),
    )
    assert report.n_regions == 3 and report.unassigned_units == 1
    assert report.population_min == 30 and report.population_max == 50
    assert report.below_min == 2 and report.above_max == 1
    assert report.noncontiguous_regions == 1 and not report.contiguous
    assert report.regions_crossing_parents == 1  # region 2 has a cell in column 0
    assert 0 < report.compactness_min < report.compactness_mean <= np.pi / 4
    assert report.as_dict()["contiguous"] is False
