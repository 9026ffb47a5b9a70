"""Facilities (Kitas, schools, youth centres) per social space and per 1,000 of their group.

The target groups per social space, in the residents the atlas's own age shares stand
for (the stabilised indicators: Zensus shows age bands below 3 persons as ``–``, so the
published bands of small cells add up to far fewer children than live there):

- Kita: children under 6, the numerator of ``anteil_unter6`` (``{unter5} + {a5bis9} / 5``
  of the five-year groups, stabilised);
- Schule: 6 to 17 years, ``anteil_unter18`` minus ``anteil_unter6`` (numerators);
- Jugendeinrichtung: 12 to 20 years, no indicator has it: the five-year groups split
  evenly where a bound falls inside one (``3/5 a10bis14 + a15bis19 + 1/5 a20bis24``),
  scaled per space by its stabilised under-18s over its published ones
  (``unter5 + a5bis9 + a10bis14 + 3/5 a15bis19``).

Without the indicators (a county without the age topics' stabilised values) every group
comes from the five-year groups as published.

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

#: Per kind: label of the target group, weights of the five-year age groups, and the
#: indicators whose numerators (signed) count the group, if any.
TARGET_GROUPS: dict[str, tuple[str, dict[str, float], tuple[tuple[str, float], ...]]] = {
    "kita": ("Kinder unter 6 Jahren", {"unter5": 1.0, "a5bis9": 0.2},
             (("anteil_unter6", 1.0),)),
    "schule": ("Kinder und Jugendliche von 6 bis 17 Jahren",
               {"a5bis9": 0.8, "a10bis14": 1.0, "a15bis19": 0.6},
               (("anteil_unter18", 1.0), ("anteil_unter6", -1.0))),
    "jugend": ("Jugendliche von 12 bis 20 Jahren",
               {"a10bis14": 0.6, "a15bis19": 1.0, "a20bis24": 0.2}, ()),
}
#: The under-18s in five-year groups, to scale a group no indicator counts.
UNDER18 = {"unter5": 1.0, "a5bis9": 1.0, "a10bis14": 1.0, "a15bis19": 0.6}


def facility_qml() -> str:
    """The QGIS style of the layer ``einrichtungen``: a coloured circle per kind."""
    return point_categorized_qml("art", [(k, FACILITY_LABELS[k][1], c) for k, c in
                                         zip(FACILITY_KINDS, FACILITY_COLORS, strict=True)])


def _weighted(cells: pd.DataFrame, weights: dict[str, float]) -> np.ndarray | None:
    if not all(c in cells.columns for c in weights):
        return None
    total = np.zeros(len(cells))
    for column, w in weights.items():
        total += w * np.nan_to_num(cells[column].to_numpy(np.float64))
    return total


def target_residents(kind: str, cells: pd.DataFrame, cell_sr: np.ndarray, ids,
                     cell_indicators: pd.DataFrame | None = None) -> np.ndarray | None:
    """Residents of the target group of ``kind`` per social space (``ids`` order).

    None for a kind without a target group or when the cells lack its columns.
    """
    if kind not in TARGET_GROUPS:
        return None
    _, weights, numerators = TARGET_GROUPS[kind]
    ids = pd.Index(ids)
    cell_sr = np.asarray(cell_sr).astype(str)

    def per_space(values: np.ndarray) -> np.ndarray:
        return pd.Series(values).groupby(cell_sr).sum().reindex(ids).fillna(0.0).to_numpy()

    table = None
    if cell_indicators is not None and "cell_id" in cells and "cell_id" in cell_indicators:
        table = cells[["cell_id"]].merge(cell_indicators, on="cell_id", how="left",
                                         validate="one_to_one")
    def numerator(key: str) -> np.ndarray:
        return np.nan_to_num(table[f"{key}_num"].to_numpy(np.float64))

    if numerators and table is not None and all(f"{k}_num" in table for k, _ in numerators):
        return np.maximum(per_space(sum(w * numerator(k) for k, w in numerators)), 0.0)
    raw = _weighted(cells, weights)
    if raw is None:
        return None
    group = per_space(raw)
    published = _weighted(cells, UNDER18)
    if table is not None and "anteil_unter18_num" in table and published is not None:
        stable, shown = per_space(numerator("anteil_unter18")), per_space(published)
        with np.errstate(divide="ignore", invalid="ignore"):
            group = np.where(shown > 0, group * stable / shown, group)
    return group


def facility_counts(facilities: gpd.GeoDataFrame, regions: gpd.GeoDataFrame,
                    cells: pd.DataFrame, cell_sr: np.ndarray,
                    cell_indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """Facilities per social space and kind, and per 1,000 residents of the target group.

    Parameters
    ----------
    facilities : GeoDataFrame
        :func:`pipeline.readers.read_facilities` output (``art``, ``name``, points).
    regions : GeoDataFrame
        The social-space polygons with ``sr_id``.
    cells : DataFrame
        The populated cells (``cell_id``, the five-year age groups).
    cell_sr : ndarray of str
        The social space of every cell.
    cell_indicators : DataFrame, optional
        The cell indicator table (``cell_id``, ``<key>_num``): the stabilised numerators
        of the age shares, see the module description.

    Returns
    -------
    DataFrame
        One row per social space in the order of ``regions``: ``sr_id``, per kind present
        ``anzahl_<art>``, and for kinds with a target group ``zielgruppe_<art>`` (residents)
        and ``je1000_<art>`` (NaN where the group is empty). ``attrs['outside']`` counts
        the points in no social space, ``attrs['space_of_point']`` holds each point's
        space (its row, -1 outside).
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
    for kind in kinds:
        mine = where[(points["art"] == kind).to_numpy() & (where >= 0)]
        counts = np.bincount(mine, minlength=len(ids))
        out[f"anzahl_{kind}"] = counts
        target = target_residents(kind, cells, cell_sr, ids, cell_indicators)
        if target is not None:
            out[f"zielgruppe_{kind}"] = target
            with np.errstate(divide="ignore", invalid="ignore"):
                out[f"je1000_{kind}"] = np.where(target > 0, 1000.0 * counts / target, np.nan)
    out.attrs["outside"] = int((where < 0).sum())
    out.attrs["space_of_point"] = where
    return out
