"""Profiles of social spaces: every indicator recomputed from summed counts, ranked, indexed.

For any partition of the cells (social spaces, municipalities, a planner's own areas) a
profile gives per area its residents, cells, area, number of municipalities it draws
residents from and, for every catalog indicator,

- the value **recomputed from the summed counts** of its cells, ``sum(num) / sum(den)``
  over the cells with a value (a ratio of sums, never a mean of cell ratios; means weighted
  by their base; shares clipped to [0, 1] after summing). Municipal indicators (keys
  ending in ``_gem``) thereby come from the municipal counts weighted by the residents the
  area takes from each municipality (see :mod:`pipeline.indicators.spreading`);
- its rank (1 = highest value; ties share the lowest rank);
- its z-score across the areas (each area counts once, as in Berlin's and Hamburg's
  monitoring).

The **social index** (``social_index``, "Sozialindex") measures social need: **higher =
more need**. It is built in two steps, as Berlin's Monitoring Soziale Stadtentwicklung
builds its status index:

1. the mean of the direction-signed z-scores of the index indicators (catalog
   ``direction`` +1: higher value = more need, -1: higher value = less need), over the
   index indicators an area has;
2. that mean standardized again across the areas (mean 0, standard deviation 1).

Only the standardized value is kept and published, under the one name ``social_index``:
it is the value the class thresholds refer to, and it reads the same whatever the number
of index indicators (a mean of z-scores has a smaller spread the more indicators go in).
It is classified into four classes of social need (``status``, ``status_class`` 1-4),
least need first: ``gering``, ``mittel``, ``hoch``, ``sehr hoch``:

- ``"thresholds"`` (default), in the style of Berlin's Monitoring Soziale Stadtentwicklung:
  ``gering`` for ``social_index <= -1``, ``mittel`` up to ``+1``, ``hoch`` up to
  ``+1.5``, ``sehr hoch`` above. The thresholds are a parameter.
- ``"quartiles"``: the quarter of areas with the lowest index ``gering`` ... the highest
  quarter ``sehr hoch``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.indicators.catalog import Catalog

__all__ = ["CLASSIFY_METHODS", "STATUS_CLASSES", "ProfileParams", "build_profiles",
           "classify_status"]

#: Classes of social need by the social index (``status``), from least to most need.
STATUS_CLASSES = ("gering", "mittel", "hoch", "sehr hoch")
#: How the social index is classified.
CLASSIFY_METHODS = ("thresholds", "quartiles")


@dataclass(frozen=True)
class ProfileParams:
    """How profiles are classified.

    Attributes
    ----------
    classify : {"thresholds", "quartiles"}, default "thresholds"
    thresholds : tuple of 3 floats, default (-1.0, 1.0, 1.5)
        Upper bounds of ``gering``, ``mittel``, ``hoch`` on the social index.
    cell_area_km2 : float, default 0.01
        Area of one cell (100 m x 100 m).
    """

    classify: str = "thresholds"
    thresholds: tuple[float, float, float] = (-1.0, 1.0, 1.5)
    cell_area_km2: float = 0.01

    def __post_init__(self) -> None:
        if self.classify not in CLASSIFY_METHODS:
            raise ValueError(f"classify must be one of {CLASSIFY_METHODS}, got {self.classify!r}")
        t = tuple(self.thresholds)
        if len(t) != 3 or not all(np.isfinite(t)) or not t[0] < t[1] < t[2]:
            raise ValueError(f"thresholds must be 3 increasing numbers, got {self.thresholds!r}")
        if not self.cell_area_km2 > 0:
            raise ValueError(f"cell_area_km2 must be positive, got {self.cell_area_km2!r}")


def build_profiles(
    table: pd.DataFrame,
    labels: Sequence[int] | np.ndarray,
    catalog: Catalog,
    params: ProfileParams | None = None,
    *,
    area_km2: pd.Series | None = None,
) -> pd.DataFrame:
    """Profile every area of a partition of the cells.

    Parameters
    ----------
    table : DataFrame
        The cell indicator table (``Einwohner``, ``ags`` optional, ``<key>_num`` and
        ``<key>_den`` per indicator).
    labels : array-like of int, shape (n_cells,)
        Area of every row of ``table``.
    catalog : Catalog
        Indicators to profile (those without columns in ``table`` are left out).
    params : ProfileParams, optional
    area_km2 : Series, optional
        Area per label (e.g. of the area polygons covering the whole territory); default
        the populated cells' area. Densities always use the populated cells' area.

    Returns
    -------
    DataFrame
        One row per area, sorted by ``region``: ``region``, ``cells``, ``residents``,
        ``area_km2``, ``municipalities``, per indicator ``<key>``, ``<key>_rank``,
        ``<key>_z``, then ``social_index`` (standardized, higher = more need),
        ``status``, ``status_class`` (1 = gering ... 4 = sehr hoch). ``attrs['levels']`` maps every
        indicator key to its level.

    Examples
    --------
    >>> from pipeline.indicators import load_catalog
    >>> cat = Catalog(tuple(i for i in load_catalog() if i.key == "anteil_unter18"))
    >>> cells = pd.DataFrame({"Einwohner": [10.0, 90.0],
    ...                       "anteil_unter18_num": [5.0, 9.0],
    ...                       "anteil_unter18_den": [10.0, 90.0]})
    >>> build_profiles(cells, [0, 0], cat)["anteil_unter18"].tolist()
    [0.14]
    """
    params = ProfileParams() if params is None else params
    labels = _check(table, labels, catalog, params)
    keys = [i.key for i in catalog if f"{i.key}_num" in table.columns]
    base = _base_columns(table, labels, params, area_km2)
    values = _recompute(table, labels, base.index, catalog, keys)
    ranked = _rank_and_z(values, keys)
    index = _social_index(ranked, catalog, keys)
    status = classify_status(index["social_index"].to_numpy(), params)
    profiles = pd.concat([base, ranked, index], axis=1)
    profiles["status"] = pd.Categorical(
        np.where(status > 0, np.asarray(STATUS_CLASSES, dtype=object)[status - 1], None),
        categories=list(STATUS_CLASSES), ordered=True)
    profiles["status_class"] = pd.array(np.where(status > 0, status, pd.NA), dtype="Int64")
    profiles = profiles.reset_index()
    profiles.attrs["levels"] = {k: catalog[k].level for k in keys}
    return profiles


def classify_status(index_z: np.ndarray, params: ProfileParams | None = None) -> np.ndarray:
    """Need class 1 (gering) ... 4 (sehr hoch) of social index values; 0 for NaN.

    Parameters
    ----------
    index_z : ndarray
        The (standardized) social index, higher = more need.
    params : ProfileParams, optional

    Returns
    -------
    ndarray of int

    Examples
    --------
    >>> classify_status(np.array([-1.2, 0.0, 1.2, 2.0, np.nan])).tolist()
    [1, 2, 3, 4, 0]
    """
    params = ProfileParams() if params is None else params
    z = np.asarray(index_z, dtype=np.float64)
    ok = np.isfinite(z)
    out = np.zeros(z.shape, np.int64)
    if params.classify == "thresholds":
        out[ok] = np.searchsorted(np.asarray(params.thresholds), z[ok], side="left") + 1
    elif ok.any():
        ranks = pd.Series(z[ok]).rank(method="first").to_numpy()
        out[ok] = np.minimum(np.ceil(4 * ranks / ok.sum()).astype(np.int64), 4)
    return out


# --- steps --------------------------------------------------------------------------------


def _check(table, labels, catalog, params) -> np.ndarray:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a DataFrame, got {type(table).__name__}")
    if not isinstance(catalog, Catalog):
        raise TypeError(f"catalog must be a Catalog, got {type(catalog).__name__}")
    if not isinstance(params, ProfileParams):
        raise TypeError(f"params must be ProfileParams, got {type(params).__name__}")
    if "Einwohner" not in table.columns:
        raise ValueError("table has no column 'Einwohner'")
    labels = np.asarray(labels)
    if labels.shape != (len(table),):
        raise ValueError(f"labels must have one entry per row ({len(table)}), got {labels.shape}")
    if pd.isna(labels).any():
        raise ValueError("labels hold missing values: every cell needs an area")
    return labels


def _base_columns(table, labels, params, area_km2) -> pd.DataFrame:
    groups = pd.Series(labels, name="region")
    frame = pd.DataFrame({
        "cells": groups.value_counts().sort_index(),
        "residents": table["Einwohner"].groupby(labels).sum(),
    })
    frame.index.name = "region"
    frame["area_km2"] = frame["cells"] * params.cell_area_km2
    if area_km2 is not None:
        frame["area_km2"] = pd.Series(area_km2).reindex(frame.index).astype(float).to_numpy()
    if "ags" in table.columns:
        frame["municipalities"] = table["ags"].groupby(labels).nunique()
    return frame


def _recompute(table, labels, regions, catalog, keys) -> pd.DataFrame:
    """``sum(num) / sum(den)`` per area over the cells where both are present."""
    out = {}
    for key in keys:
        num = table[f"{key}_num"].to_numpy(np.float64)
        den = table[f"{key}_den"].to_numpy(np.float64)
        ok = np.isfinite(num) & np.isfinite(den)
        sums = pd.DataFrame({"num": np.where(ok, num, 0.0), "den": np.where(ok, den, 0.0)})
        sums = sums.groupby(labels).sum().reindex(regions)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(sums["den"] > 0, sums["num"] / sums["den"], np.nan)
        if catalog[key].kind == "share":
            value = np.clip(value, 0.0, 1.0)
        out[key] = value
    return pd.DataFrame(out, index=regions)


def _rank_and_z(values: pd.DataFrame, keys) -> pd.DataFrame:
    parts = {}
    for key in keys:
        v = values[key]
        sd = v.std(ddof=0)
        parts[key] = v
        parts[f"{key}_rank"] = v.rank(ascending=False, method="min").astype("Int64")
        parts[f"{key}_z"] = (v - v.mean()) / sd if sd > 0 else v * 0.0
    return pd.DataFrame(parts, index=values.index)


def _social_index(ranked: pd.DataFrame, catalog: Catalog, keys) -> pd.DataFrame:
    members = [k for k in keys if catalog[k].in_index]
    if members:
        signed = np.column_stack([catalog[k].direction * ranked[f"{k}_z"].to_numpy(np.float64)
                                  for k in members])
        have = np.isfinite(signed).sum(axis=1)
        total = np.nansum(signed, axis=1)
        index = np.where(have > 0, total / np.maximum(have, 1), np.nan)
    else:
        index = np.full(len(ranked), np.nan)
    # standardized again: the published index (the mean of signed z-scores is not kept)
    sd = np.nanstd(index) if np.isfinite(index).any() else 0.0
    z = (index - np.nanmean(index)) / sd if sd > 0 else np.where(np.isfinite(index), 0.0, np.nan)
    return pd.DataFrame({"social_index": z}, index=ranked.index)
