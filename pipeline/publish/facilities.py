"""Facilities (Kitas, schools, youth centres) per social space and per 1,000 of their group.

Counted per social space and per 1,000 residents of their target age group.

The target groups come from the Zensus 2022 five-year age groups of the cells
(``Alter_5er-Jahresgruppen``: ``unter5``, ``a5bis9``, ``a10bis14``, ``a15bis19``,
``a20bis24``), split evenly within a group where a bound falls inside it, as the catalog
does for ``anteil_unter6`` (``{unter5} + {a5bis9} / 5``):

- Kita: children under 6 (``unter5 + a5bis9 / 5``);
- Schule: 6 to 17 years (``4/5 a5bis9 + a10bis14 + 3/5 a15bis19``);
- Jugendeinrichtung: 12 to 20 years (``3/5 a10bis14 + a15bis19 + 1/5 a20bis24``).

A facility lies in the social space whose polygon holds its point (the polygons tile the
county); points outside every polygon are counted nowhere and reported.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.crs import COUNTY_CRS
from pipeline.layout import FACILITY_LAYER
from pipeline.publish.styles import point_categorized_qml
from pipeline.readers.facilities import FACILITY_KINDS, FACILITY_LABELS

__all__ = ["FACILITY_COLORS", "FACILITY_LAYER", "TARGET_GROUPS", "facility_counts",
           "facility_qml", "target_residents"]

#: Point colours of the kinds, in the order of ``FACILITY_KINDS`` (ColorBrewer Paired/Set1).
FACILITY_COLORS = ("#1f78b4", "#33a02c", "#6a3d9a", "#636363")

#: Per kind: label of the target group and the weights of the age-group columns.
TARGET_GROUPS: dict[str, tuple[str, dict[str, float]]] = {
    "kita": ("Kinder unter 6 Jahren", {"unter5": 1.0, "a5bis9": 0.2}),
    "schule": ("Kinder und Jugendliche von 6 bis 17 Jahren",
               {"a5bis9": 0.8, "a10bis14": 1.0, "a15bis19": 0.6}),
    "jugend": ("Jugendliche von 12 bis 20 Jahren",
               {"a10bis14": 0.6, "a15bis19": 1.0, "a20bis24": 0.2}),
}


def facility_qml() -> str:
    """The QGIS style of the layer ``einrichtungen``: a coloured circle per kind."""
    return point_categorized_qml("art", [(k, FACILITY_LABELS[k][1], c) for k, c in
                                         zip(FACILITY_KINDS, FACILITY_COLORS, strict=True)])


def target_residents(cells: pd.DataFrame, kind: str) -> np.ndarray | None:
    """Residents of the target group of ``kind`` per cell; None without a group or columns."""
    if kind not in TARGET_GROUPS:
        return None
    weights = TARGET_GROUPS[kind][1]
    if not all(c in cells.columns for c in weights):
        return None
    total = np.zeros(len(cells))
    for column, w in weights.items():
        total += w * np.nan_to_num(cells[column].to_numpy(np.float64))
    return total


def facility_counts(facilities: gpd.GeoDataFrame, regions: gpd.GeoDataFrame,
                    cells: pd.DataFrame, cell_sr: np.ndarray) -> pd.DataFrame:
    """Facilities per social space and kind, and per 1,000 residents of the target group.

    Parameters
    ----------
    facilities : GeoDataFrame
        :func:`pipeline.readers.read_facilities` output (``art``, ``name``, points).
    regions : GeoDataFrame
        The social-space polygons with ``sr_id``.
    cells : DataFrame
        The populated cells with the five-year age groups.
    cell_sr : ndarray of str
        The social space of every cell.

    Returns
    -------
    DataFrame
        One row per social space in the order of ``regions``: ``sr_id``, per kind present
        ``anzahl_<art>``, and for kinds with a target group ``zielgruppe_<art>`` (residents)
        and ``je1000_<art>`` (NaN where the group is empty). ``attrs['outside']`` counts
        the points in no social space, ``attrs['sr_of_point']`` holds each point's space.
    """
    ids = regions["sr_id"].astype(str).to_numpy()
    out = pd.DataFrame({"sr_id": ids})
    points = facilities.to_crs(COUNTY_CRS) if len(facilities) else facilities
    where = np.full(len(points), -1, np.int64)
    if len(points):
        hits = gpd.sjoin(points[["geometry"]].reset_index(drop=True),
                         regions[["geometry"]].to_crs(COUNTY_CRS).reset_index(drop=True),
                         how="left", predicate="within")
        hits = hits[~hits.index.duplicated(keep="first")]
        where = hits["index_right"].fillna(-1).to_numpy(np.int64)
    kinds = [k for k in FACILITY_KINDS if len(points) and (points["art"] == k).any()]
    cell_sr = np.asarray(cell_sr).astype(str)
    for kind in kinds:
        mine = where[(points["art"] == kind).to_numpy() & (where >= 0)]
        counts = np.bincount(mine, minlength=len(ids))
        out[f"anzahl_{kind}"] = counts
        target = target_residents(cells, kind)
        if target is not None:
            per = pd.Series(target).groupby(cell_sr).sum().reindex(ids).fillna(0.0)
            out[f"zielgruppe_{kind}"] = per.to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                out[f"je1000_{kind}"] = np.where(per > 0, 1000.0 * counts / per, np.nan)
    out.attrs["outside"] = int((where < 0).sum())
    out.attrs["sr_of_point"] = np.where(where >= 0, ids[np.maximum(where, 0)], None)
    return out
