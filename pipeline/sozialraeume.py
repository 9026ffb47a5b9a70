"""The published social spaces: polygons dissolved from cells, with residents and figures.

Cells are squares of the 100 m grid; a social space is the union of its cells, dissolved
with a coverage union (exact, since grid cells share edges exactly) and published in the
CRS of the county GIS.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.cells import GRID_CRS

__all__ = ["OUTPUT_CRS", "cell_squares", "region_ids", "region_polygons"]

#: CRS of county GIS in NRW, used for every published layer.
OUTPUT_CRS = "EPSG:25832"


def cell_squares(x: np.ndarray, y: np.ndarray, resolution: float = 100.0) -> np.ndarray:
    """Squares of grid cells from their lower-left corners (vectorized)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return shapely.box(x, y, x + resolution, y + resolution)


def region_ids(labels: np.ndarray, county_ags: str) -> np.ndarray:
    """Readable IDs ``SR-<Kreisschlüssel>-<nnn>`` for region labels 0..k-1."""
    labels = np.asarray(labels, dtype=np.int64)
    return np.array([f"SR-{county_ags}-{i + 1:03d}" for i in range(int(labels.max()) + 1)])[labels]


def region_polygons(
    cells: pd.DataFrame,
    labels: np.ndarray,
    population_column: str = "Einwohner",
    resolution: float = 100.0,
) -> gpd.GeoDataFrame:
    """Dissolve the cells of each region into one (multi)polygon.

    Parameters
    ----------
    cells : DataFrame
        With ``x``, ``y`` (lower-left corners in EPSG:3035) and the population column.
    labels : ndarray of int, shape (n,)
        Region of every cell, ``0..k-1``.

    Returns
    -------
    GeoDataFrame
        ``region``, ``einwohner``, ``zellen``, ``flaeche_km2``, geometry in EPSG:25832,
        one row per region in label order.
    """
    labels = np.asarray(labels, dtype=np.int64)
    squares = cell_squares(cells["x"].to_numpy(), cells["y"].to_numpy(), resolution)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(labels.max() + 2))
    geoms = [
        shapely.coverage_union_all(squares[order[bounds[k] : bounds[k + 1]]])
        for k in range(labels.max() + 1)
    ]
    frame = gpd.GeoDataFrame(
        {
            "region": np.arange(labels.max() + 1),
            "einwohner": np.bincount(labels, weights=cells[population_column].to_numpy(float)),
            "zellen": np.bincount(labels),
        },
        geometry=geoms,
        crs=GRID_CRS,
    ).to_crs(OUTPUT_CRS)
    frame["geometry"] = shapely.make_valid(frame.geometry.values)
    frame["flaeche_km2"] = frame.geometry.area / 1e6
    return frame
