"""Data of the atlas beyond the social spaces: other levels and the time comparison.

Built for :mod:`pipeline.publish.atlas`.

Levels
    *Gemeinden*: every indicator recomputed per municipality from the cells' counts with
    :func:`pipeline.indicators.profiles.build_profiles` (the cells labelled by their
    municipality instead of their social space: the same ratio of sums, the same z-scores),
    drawn as the municipal outlines filled. *Zellen*: the values of the published cell
    layer ``zellen`` (stabilised values, none below the disclosure floor
    :data:`~pipeline.publish.publication.MIN_CELL_RESIDENTS`), drawn on a canvas. Grid
    cells are encoded as grid indices (two little-endian int16 per cell, base64) with one
    affine map from grid indices to screen units fitted to the projected corners; their
    values as uint16 steps of the shown precision (65535 = blank). Units (census blocks)
    go as SVG path strings, drawn as ``Path2D`` on the canvas.

Time comparison
    The profiles of earlier published runs (long form, from
    :func:`pipeline.operations.history.read_profiles`, passed in by the caller) give per
    social space whose ID persists the change of an indicator since that run.
"""

from __future__ import annotations

import base64
import math

import numpy as np
import pandas as pd
import pyproj

from pipeline.crs import COUNTY_CRS, GRID_CRS
from pipeline.indicators.catalog import SHARE_UNIT
from pipeline.indicators.profiles import build_profiles

__all__ = ["BLANK", "cell_level", "comparisons", "municipal_values", "quantized"]

#: The uint16 code of a blank cell (no value or under the disclosure floor).
BLANK = 65535
#: At most this many earlier runs are offered for the time comparison (the latest ones).
MAX_COMPARISONS = 6
#: Time zone of the dates users read (publications are stamped in UTC).
DISPLAY_TZ = "Europe/Berlin"


def municipal_values(cell_indicators: pd.DataFrame, catalog, keys, munis) -> pd.DataFrame:
    """Profiles of the municipalities (rows in the order of ``munis['ags']``).

    The cells are labelled by their municipality (``ags``) and profiled like the social
    spaces; a municipality without cells gets an empty row.
    """
    ags = munis["ags"].astype(str).to_numpy()
    cell_ags = cell_indicators["ags"].astype(str).to_numpy()
    order = {a: i for i, a in enumerate(ags)}
    labels = np.array([order.get(a, -1) for a in cell_ags], dtype=np.int64)
    inside = labels >= 0
    table = cell_indicators.loc[inside].reset_index(drop=True)
    profiles = build_profiles(table, labels[inside], catalog.only(keys) if keys else catalog)
    return profiles.set_index("region").reindex(range(len(ags)))


def quantized(values: np.ndarray, digits: int) -> tuple[np.ndarray, float, float]:
    """Values as uint16 steps of ``10**-digits`` above their minimum (coarser if needed).

    Returns the codes (:data:`BLANK` where not finite), the offset and the step; the value
    of code ``q`` is ``offset + q * step``.
    """
    v = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(v)
    if not ok.any():
        return np.full(v.shape, BLANK, np.uint16), 0.0, 1.0
    step = 10.0 ** -digits
    lo = math.floor(v[ok].min() / step) * step
    span = (v[ok].max() - lo) / step
    if span > BLANK - 1:
        step *= math.ceil(span / (BLANK - 1))
    codes = np.full(v.shape, BLANK, np.uint16)
    codes[ok] = np.clip(np.round((v[ok] - lo) / step), 0, BLANK - 1).astype(np.uint16)
    return codes, round(lo, 10), step


def b64(array: np.ndarray, dtype: str) -> str:
    """An array as base64 of its little-endian bytes (``dtype`` e.g. ``'<u2'``)."""
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def cell_level(cells: pd.DataFrame, cell_layer, sr_index: np.ndarray, view,
               units: bool) -> dict:
    """The geometry of the cell level: grid indices and the affine map, or unit paths.

    Parameters
    ----------
    cells : DataFrame
        The populated cells (``x``, ``y``: lower-left corners in EPSG:3035), in the order
        of the cell layer.
    cell_layer : GeoDataFrame
        The published layer ``zellen`` (for units: their polygons).
    sr_index : ndarray of int
        Index of every cell's social space in the atlas.
    view : _View
        Metres of EPSG:25832 to screen units.
    units : bool
        The county is drawn on polygon units, not on grid cells.
    """
    out = {"n": len(cell_layer), "sr": b64(sr_index, "<u2")}
    if units:
        shapes = cell_layer.to_crs(COUNTY_CRS).geometry.values
        out |= {"kind": "units", "paths": [view.path(g) if g is not None else ""
                                           for g in shapes]}
        return out
    x = cells["x"].to_numpy(np.float64)
    y = cells["y"].to_numpy(np.float64)
    x0, y0 = x.min(), y.min()
    ix = np.round((x - x0) / 100.0).astype(np.int64)
    iy = np.round((y - y0) / 100.0).astype(np.int64)
    # the affine map grid index -> screen units, fitted on the four corners of the extent
    # and its centre (EPSG:3035 to 25832 is close to a similarity over a county)
    gx = np.array([0, ix.max() + 1, 0, ix.max() + 1, (ix.max() + 1) / 2])
    gy = np.array([0, 0, iy.max() + 1, iy.max() + 1, (iy.max() + 1) / 2])
    to_county = pyproj.Transformer.from_crs(GRID_CRS, COUNTY_CRS, always_xy=True)
    ex, ey = to_county.transform(x0 + gx * 100.0, y0 + gy * 100.0)
    screen = np.column_stack([(np.asarray(ex) - view.x0) * view.scale,
                              (view.y1 - np.asarray(ey)) * view.scale])
    design = np.column_stack([gx, gy, np.ones(len(gx))])
    coef, *_ = np.linalg.lstsq(design, screen, rcond=None)
    (a, b), (c, d), (e, f) = coef  # screen = [gx, gy, 1] @ coef
    out |= {"kind": "grid", "ix": b64(ix, "<i2"), "iy": b64(iy, "<i2"),
            "affine": [round(float(v), 7) for v in (a, b, c, d, e, f)]}
    return out


def comparisons(history: pd.DataFrame | None, regions: pd.DataFrame, layers) -> list[dict]:
    """Earlier published runs and, per number layer, the change of each social space.

    Parameters
    ----------
    history : DataFrame or None
        Profiles of earlier published runs in long form: ``run_id``, ``published_at``,
        ``sr_id``, ``indicator``, ``value`` (raw values as in the profiles, shares 0-1).
    regions : DataFrame
        The social spaces of the atlas, in its order (``sr_id`` and the indicators).
    layers : list of dict
        The atlas's indicator layers (``key``, ``factor``: shares in percent).

    Returns
    -------
    list of dict
        Newest run first: ``run``, ``date`` (``TT.MM.JJJJ`` in German time, with
        ``, HH:MM Uhr`` where two runs fall on the same day, the seconds where on the same
        minute, so the choices differ),
        ``matched`` (spaces whose ID persists) and ``changes`` (layer key to the list of
        changes, None where the space or the value is missing then).
    """
    if history is None or not len(history):
        return []
    need = {"run_id", "published_at", "sr_id", "indicator", "value"}
    missing = need - set(history.columns)
    if missing:
        raise ValueError(f"history lacks the columns {sorted(missing)}")
    runs = (history[["run_id", "published_at"]].drop_duplicates("run_id")
            .sort_values(["published_at", "run_id"], ascending=False)
            .head(MAX_COMPARISONS))
    ids = pd.Index(regions["sr_id"].astype(str))
    out = []
    for run_id, label in zip(runs["run_id"], _run_labels(runs["published_at"]), strict=True):
        rows = history.loc[history["run_id"] == run_id]
        wide = rows.pivot_table(index="sr_id", columns="indicator", values="value",
                                aggfunc="first").reindex(ids)
        matched = int(pd.Index(rows["sr_id"].astype(str).unique()).isin(ids).sum())
        changes = {}
        for layer in layers:
            key = layer["key"]
            if key not in wide.columns:
                continue
            before = wide[key].to_numpy(np.float64) * layer["factor"]
            delta = regions[key].to_numpy(np.float64) * layer["factor"] - before
            changes[key] = {"before": [_r(v) for v in before], "delta": [_r(v) for v in delta]}
        out.append({"run": str(run_id), "date": label, "matched": matched,
                    "changes": changes})
    return out


def _run_labels(published_at: pd.Series) -> list[str]:
    """``TT.MM.JJJJ`` per publication in German time, finer where labels would repeat.

    A day shared by two publications adds ``, HH:MM Uhr``, a minute shared adds the
    seconds, so the choices of the time comparison always differ.
    """
    stamps = pd.to_datetime(published_at.astype(str), utc=True, format="ISO8601")
    local = stamps.dt.tz_convert(DISPLAY_TZ)
    labels = local.dt.strftime("%d.%m.%Y")
    for finer in ("%d.%m.%Y, %H:%M Uhr", "%d.%m.%Y, %H:%M:%S Uhr"):
        again = labels.duplicated(keep=False)
        labels = labels.where(~again, local.dt.strftime(finer))
    return labels.tolist()


def factor(unit: str) -> float:
    """Shares are shown in percent."""
    return 100.0 if unit == SHARE_UNIT else 1.0


def _r(v: float):
    return None if not np.isfinite(v) else round(float(v), 6)
