"""Social spaces of polygon units: unions of whole units, no grid tiling.

When a county is drawn on census blocks (or any polygon units), a social space is the union
of its blocks, so every boundary is a block boundary the planners know. Units without
residents are not in the regionalization; they join the neighbouring social space they
touch (the lowest label among their labelled neighbours, step by step outwards; the nearest
one when they touch none), so the spaces tile the area the units cover. The tiling is
measured against that area, not the county outline.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.crs import COUNTY_CRS
from pipeline.graph.contiguity import build_polygon_contiguity
from pipeline.publish.tiling import TilingReport, check_tiling

__all__ = ["fill_units", "measure_unit_tiling", "tile_units", "units_outline"]


def units_outline(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The area the units cover, as a one-row GeoDataFrame in EPSG:25832."""
    area = shapely.union_all(units.to_crs(COUNTY_CRS).geometry.values)
    return gpd.GeoDataFrame(geometry=[area], crs=COUNTY_CRS)


def measure_unit_tiling(polygons, units: gpd.GeoDataFrame, *,
                        enforce: bool = True) -> TilingReport:
    """How social-space polygons tile the area the units cover (:func:`check_tiling`).

    Polygons of units are never smoothed, so the simplification tolerance is 0.
    """
    outline = units_outline(units).geometry.iloc[0]
    return check_tiling(np.asarray(polygons, dtype=object), outline, 0.0, enforce=enforce)


def fill_units(units: gpd.GeoDataFrame, cell_ids: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Region of every unit: that of its row in ``cell_ids``, unpopulated ones filled.

    Parameters
    ----------
    units : GeoDataFrame
        Every unit (``cell_id``, geometry), populated or not.
    cell_ids, labels : ndarray
        The populated units and their regions (``0..k-1``).

    Returns
    -------
    ndarray of int, shape (len(units),)
    """
    index = pd.Index(units["cell_id"].astype(str))
    where = index.get_indexer(pd.Index(np.asarray(cell_ids).astype(str)))
    if (where < 0).any():
        missing = np.asarray(cell_ids)[where < 0][:3].tolist()
        raise ValueError(f"cells {missing} are not among the units")
    result = np.full(len(units), -1, dtype=np.int64)
    result[where] = np.asarray(labels, dtype=np.int64)
    if (result >= 0).all():
        return result
    graph = build_polygon_contiguity(units.geometry, "queen")
    heads, tails = graph.heads, graph.indices
    while True:  # one step outwards per pass: passes, not units
        open_edge = (result[heads] < 0) & (result[tails] >= 0)
        if not open_edge.any():
            break
        frontier = pd.Series(result[tails[open_edge]]).groupby(heads[open_edge]).min()
        result[frontier.index.to_numpy()] = frontier.to_numpy()
    lonely = np.flatnonzero(result < 0)
    if lonely.size:
        points = units.geometry.representative_point().to_numpy()
        labelled = np.flatnonzero(result >= 0)
        tree = shapely.STRtree(points[labelled])
        near = tree.query_nearest(points[lonely], all_matches=False)
        result[lonely[near[0]]] = result[labelled[near[1]]]
    return result


def tile_units(
    units: gpd.GeoDataFrame,
    cells: pd.DataFrame,
    labels: np.ndarray,
    *,
    population_column: str = "Einwohner",
    enforce: bool = True,
) -> tuple[gpd.GeoDataFrame, TilingReport]:
    """Polygons of the social spaces as unions of whole units, and how they tile.

    Parameters
    ----------
    units : GeoDataFrame
        Every unit (``cell_id``, geometry), populated or not.
    cells : DataFrame
        The populated units (``cell_id`` and the population column) in label order.
    labels : ndarray of int
    enforce : bool, default True
        Raise :class:`~pipeline.publish.tiling.TilingError` on a bad tiling.

    Returns
    -------
    polygons : GeoDataFrame
        Columns as :func:`~pipeline.publish.tiling.tile_county`: ``region``, ``einwohner``,
        ``zellen`` (populated units), ``rasterzellen`` (all units), ``flaeche_km2``.
    report : TilingReport
        Measured against the area the units cover (:func:`units_outline`).
    """
    labels = np.asarray(labels, dtype=np.int64)
    k = int(labels.max()) + 1
    units = units.to_crs(COUNTY_CRS)
    every = fill_units(units, cells["cell_id"].to_numpy(), labels)
    geoms = units.geometry.to_numpy()
    order = np.argsort(every, kind="stable")
    bounds = np.searchsorted(every[order], np.arange(k + 1))
    merged = [shapely.union_all(geoms[order[bounds[i]:bounds[i + 1]]]) for i in range(k)]
    population = cells[population_column].to_numpy(np.float64)
    frame = gpd.GeoDataFrame(
        {
            "region": np.arange(k),
            "einwohner": np.bincount(labels, weights=population, minlength=k),
            "zellen": np.bincount(labels, minlength=k),
            "rasterzellen": np.bincount(every, minlength=k),
        },
        geometry=shapely.make_valid(np.asarray(merged, dtype=object)),
        crs=COUNTY_CRS,
    )
    frame["flaeche_km2"] = frame.geometry.area / 1e6
    populated = units.set_index(units["cell_id"].astype(str)).geometry.area
    area = populated.loc[cells["cell_id"].astype(str)].to_numpy() / 1e6
    frame["besiedelt_km2"] = np.bincount(labels, weights=area, minlength=k)
    return frame, measure_unit_tiling(frame.geometry.values, units, enforce=enforce)
