"""The cell table of a county: every Zensus topic joined per 100 m cell, with its municipality.

Zensus publishes one file per topic, each listing only the cells where the topic has
something to count (residents, dwellings, buildings). This module joins the topics of a
county into one table keyed by cell, keeps the populated cells, and assigns each cell to
the municipality that holds its centre.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.crs import GRID_CRS
from pipeline.errors import InputError

__all__ = ["assign_municipality", "join_topics", "municipality_at"]

#: Columns every reader output has besides the value columns.
_KEY_COLUMNS = ("cell_id", "x", "y")


def join_topics(
    topics: Mapping[str, pd.DataFrame], population_topic: str = "Bevoelkerungszahl"
) -> pd.DataFrame:
    """Join per-topic cell tables into one row per populated cell.

    Parameters
    ----------
    topics : mapping of str to DataFrame
        Reader outputs (``cell_id``, ``x``, ``y``, value columns, ``klammern``) by topic.
    population_topic : str, default "Bevoelkerungszahl"
        Topic holding ``Einwohner``; its cells with residents define the rows.

    Returns
    -------
    DataFrame
        ``cell_id``, ``x``, ``y``, ``Einwohner``, the value columns of every topic (NaN where
        a topic does not list the cell), and ``klammern_<topic>`` flags; sorted by cell id
        so that the same inputs give the same row order.
    """
    if population_topic not in topics:
        raise KeyError(f"topic {population_topic!r} is required, got {sorted(topics)}")
    base = topics[population_topic]
    source = base.attrs.get("source", population_topic)
    if "Einwohner" not in base.columns:
        found = [c for c in base.columns if c not in (*_KEY_COLUMNS, "klammern")]
        raise InputError(source, "no column 'Einwohner' (the residents per cell); value "
                                 f"columns found: {', '.join(found) or 'none'}",
                         column="Einwohner")
    table = base.loc[base["Einwohner"] > 0].rename(
        columns={"klammern": f"klammern_{population_topic}"}
    )
    if table.empty:
        raise InputError(source, f"no cell with residents in the area ({len(base)} cells "
                                 "read there): the file holds only its header, or the county "
                                 "boundary lies elsewhere than the grid (is the CRS of the "
                                 "boundaries right?)")
    for topic, frame in topics.items():
        if topic == population_topic:
            continue
        values = frame.drop(columns=["x", "y"]).rename(columns={"klammern": f"klammern_{topic}"})
        clash = (set(values.columns) - {"cell_id"}) & set(table.columns)
        if clash:
            values = values.rename(columns={c: f"{c}_{topic}" for c in clash})
        table = table.merge(values, on="cell_id", how="left", validate="one_to_one")
    flags = [c for c in table.columns if c.startswith("klammern_")]
    table[flags] = table[flags].fillna(False).astype(bool)
    return table.sort_values("cell_id", kind="stable").reset_index(drop=True)


def assign_municipality(
    x: np.ndarray, y: np.ndarray, municipalities: gpd.GeoDataFrame, resolution: float = 100.0
) -> np.ndarray:
    """AGS of the municipality holding each cell's centre (nearest one for edge cells).

    Parameters
    ----------
    x, y : array-like
        Lower-left corners of the cells in EPSG:3035.
    municipalities : GeoDataFrame
        With columns ``ags`` and ``geometry`` in any CRS.
    resolution : float, default 100
        Cell size in metres.

    Returns
    -------
    ndarray of object
        AGS per cell.
    """
    centres = shapely.points(
        np.asarray(x, dtype=float) + resolution / 2, np.asarray(y, dtype=float) + resolution / 2
    )
    return municipality_at(centres, municipalities)


def municipality_at(points: np.ndarray, municipalities: gpd.GeoDataFrame) -> np.ndarray:
    """AGS of the municipality holding each point (EPSG:3035), the nearest one outside all.

    A point on a shared border goes to the lowest-indexed municipality, deterministically.
    """
    munis = municipalities.to_crs(GRID_CRS)
    tree = shapely.STRtree(munis.geometry.values)
    cell_idx, muni_idx = tree.query(points, predicate="within")
    result = np.full(len(points), -1, dtype=np.int64)
    order = np.lexsort((muni_idx, cell_idx))
    cell_idx, muni_idx = cell_idx[order], muni_idx[order]
    first = np.ones(cell_idx.size, bool)
    first[1:] = cell_idx[1:] != cell_idx[:-1]
    result[cell_idx[first]] = muni_idx[first]
    missing = np.flatnonzero(result < 0)
    if missing.size:
        near_cells, near_munis = tree.query_nearest(points[missing], all_matches=False)
        result[missing[near_cells]] = near_munis
    return munis["ags"].to_numpy()[result]
