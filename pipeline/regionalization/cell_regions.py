"""Drawing social spaces from a county's cell table: graph, constraints, engine, report.

The glue between the data (cells with positions, residents, municipality, features) and
the array-only engine in :mod:`pipeline.regionalization.solver`: it builds the contiguity
graph of the grid cells (bridged across empty land, barrier edges weighted, optionally
nested in municipalities), runs the engine, and measures the result. The graph is built
once per run and handed on as an edge table (:func:`graph_table`, :func:`graph_from_table`).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.crs import GRID_CRS
from pipeline.errors import InfeasibleError
from pipeline.graph.base import Graph
from pipeline.graph.contiguity import (
    bridge_components,
    build_grid_contiguity,
    build_polygon_contiguity,
    cut_edges_between,
    weight_barrier_edges,
)
from pipeline.regionalization.parameters import RegionParameters
from pipeline.regionalization.quality import PartitionReport, partition_report
from pipeline.regionalization.solver import regionalize

__all__ = [
    "CELL_SIZE",
    "CellRegions",
    "build_cell_graph",
    "draw_regions",
    "graph_from_table",
    "graph_table",
    "report_regions",
    "unit_centres",
]

#: Side of a Zensus grid cell in metres.
CELL_SIZE = 100.0
#: Columns of the edge table of a graph, one row per undirected edge.
_EDGE_COLUMNS = ("head", "tail", "cost", "bridge")


@dataclass(frozen=True)
class CellRegions:
    """Result of :func:`draw_regions`: a label per cell, the graph used and its report."""

    labels: np.ndarray
    graph: Graph
    report: PartitionReport


def unit_centres(cells: pd.DataFrame, polygons: gpd.GeoSeries | None = None) -> np.ndarray:
    """Centre of every unit in EPSG:3035, shape (n, 2).

    Grid cells carry their lower-left corners in ``x``, ``y``; polygon units (``polygons``
    given) their representative points.
    """
    xy = cells[["x", "y"]].to_numpy(np.float64)
    return xy if polygons is not None else xy + CELL_SIZE / 2


def build_cell_graph(
    cells: pd.DataFrame,
    params: RegionParameters,
    barriers: gpd.GeoDataFrame | None = None,
    polygons: gpd.GeoSeries | None = None,
) -> Graph:
    """Contiguity graph of the cells (or polygon units) under the given parameters.

    Parameters
    ----------
    cells : DataFrame
        With ``x``, ``y`` (lower-left corners of grid cells or representative points of
        polygon units, EPSG:3035) and, for nesting, ``ags``.
    params : RegionParameters
        ``contiguity``, ``bridge_distance``, ``barrier_weight`` and ``nested`` are used.
    barriers : GeoDataFrame, optional
        Barrier lines in any CRS.
    polygons : GeoSeries, optional
        The units' polygons in row order (census blocks): contiguity from shared edges
        (libpysal) instead of the grid.
    """
    centres = unit_centres(cells, polygons)
    if polygons is not None:
        if len(polygons) != len(cells):
            raise ValueError(f"polygons has {len(polygons)} rows, cells {len(cells)}")
        graph = build_polygon_contiguity(polygons, params.contiguity)
    else:
        graph = build_grid_contiguity(cells["x"].to_numpy(np.float64),
                                      cells["y"].to_numpy(np.float64), CELL_SIZE,
                                      params.contiguity)
    if params.nested:
        graph = cut_edges_between(graph, cells["ags"].to_numpy())
    if params.bridge_distance > 0:  # nested: bridges within a municipality only
        graph = bridge_components(graph, centres, params.bridge_distance,
                                  within=cells["ags"].to_numpy() if params.nested else None)
    if barriers is not None and len(barriers) and params.barrier_weight > 0:
        lines = barriers.to_crs(GRID_CRS).geometry.to_numpy()
        graph = weight_barrier_edges(graph, centres, lines, params.barrier_weight)
    return graph


def draw_regions(
    cells: pd.DataFrame,
    features: np.ndarray,
    params: RegionParameters,
    barriers: gpd.GeoDataFrame | None = None,
    population_column: str = "Einwohner",
    warm_start: np.ndarray | None = None,
    graph: Graph | None = None,
    polygons: gpd.GeoSeries | None = None,
) -> CellRegions:
    """Partition the cells into contiguous social spaces within the population bounds.

    Parameters
    ----------
    cells : DataFrame
        One row per populated cell, with ``x``, ``y``, the population column and ``ags``.
    features : ndarray, shape (n_cells, d)
        Standardized, weighted clustering features, rows aligned with ``cells``.
    params : RegionParameters
    barriers : GeoDataFrame, optional
    warm_start : ndarray of int, optional
        Last run's region per cell (-1 for new cells): small input changes then move few
        boundaries.
    graph : Graph, optional
        The cells' graph, built before with the same parameters and barriers; default
        :func:`build_cell_graph`.
    polygons : GeoSeries, optional
        Polygon units in row order instead of grid cells (:func:`build_cell_graph`).

    Returns
    -------
    CellRegions
    """
    population = cells[population_column].to_numpy(np.float64)
    if graph is None:
        graph = build_cell_graph(cells, params, barriers, polygons)
    centres = unit_centres(cells, polygons)
    try:
        result = _regionalize(graph, features, population, params, centres, warm_start)
    except InfeasibleError as err:
        if not err.units:
            raise
        ids = cells["cell_id"].to_numpy()[err.units[:10]].tolist()
        more = ", ..." if len(err.units) > 10 else ""
        raise InfeasibleError(f"{err} [cells: {', '.join(ids)}{more}]", units=err.units) from err
    report = report_regions(cells, result.labels, features, params, graph=graph,
                            population_column=population_column, polygons=polygons)
    return CellRegions(result.labels, graph, report)


def report_regions(
    cells: pd.DataFrame,
    labels: np.ndarray,
    features: np.ndarray,
    params: RegionParameters,
    *,
    graph: Graph | None = None,
    barriers: gpd.GeoDataFrame | None = None,
    population_column: str = "Einwohner",
    polygons: gpd.GeoSeries | None = None,
) -> PartitionReport:
    """The quality report of social spaces drawn on the cells (:func:`partition_report`).

    Compactness from the cell edges (or the unit polygons), border crossings from ``ags``,
    bounds from ``params``; the graph is built from ``params`` and ``barriers`` unless given.
    """
    if graph is None:
        graph = build_cell_graph(cells, params, barriers, polygons)
    return partition_report(
        graph,
        labels,
        cells[population_column].to_numpy(np.float64),
        params.min_population,
        params.max_population,
        features,
        cells=cells[["x", "y"]].to_numpy(np.float64) if polygons is None else None,
        cell_size=CELL_SIZE,
        geometries=polygons.reset_index(drop=True) if polygons is not None else None,
        parent=cells["ags"].to_numpy() if "ags" in cells.columns else None,
    )


def graph_table(graph: Graph) -> pd.DataFrame:
    """The graph as a table of undirected edges (``head < tail``), ``attrs["units"]`` = n.

    The inverse is :func:`graph_from_table`; the round trip gives the same CSR arrays, so a
    graph stored as Parquet by one step is the graph the next step checks against.
    """
    mask = graph.edge_mask()
    table = pd.DataFrame({
        "head": graph.heads[mask],
        "tail": graph.indices[mask],
        "cost": graph.cost[mask],
        "bridge": graph.bridge[mask],
    })
    table.attrs["units"] = int(graph.n)
    return table


def graph_from_table(table: pd.DataFrame) -> Graph:
    """The :class:`~pipeline.graph.Graph` of an edge table written by :func:`graph_table`."""
    missing = [c for c in _EDGE_COLUMNS if c not in table.columns]
    if missing or "units" not in table.attrs:
        raise ValueError(f"not an edge table of graph_table(): missing columns {missing} "
                         f"or attrs['units'] (attrs: {sorted(table.attrs)})")
    return Graph.from_edges(int(table.attrs["units"]), table["head"].to_numpy(np.int64),
                            table["tail"].to_numpy(np.int64),
                            table["cost"].to_numpy(np.float64), table["bridge"].to_numpy(bool))


def _regionalize(graph, features, population, params, centres, warm_start):
    return regionalize(
        graph,
        features,
        population,
        min_population=params.min_population,
        max_population=params.max_population,
        n_regions=params.n_regions,
        coords=centres,
        compactness_weight=params.compactness_weight,
        warm_start=warm_start,
        seed=params.seed,
    )
