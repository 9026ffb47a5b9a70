"""Read the planners' locks: polygons drawn in QGIS that tie cells to a social space.

The lock layer (``fixierungen`` in the published GeoPackage, or the layer ``locks:`` of the
county file names) holds polygons with

``sr_id``
    The social space (``SR-05399-004``) that every populated cell (or unit) whose centre
    lies in the polygon belongs to, in every run;
``gruppe``
    Instead of ``sr_id``: a name for cells that must stay together in one social space,
    whichever it is;
``name``, ``bemerkung`` (optional)
    What the lock is and why, for the messages and the change log.

The published GeoPackage always carries the layer (empty at first), so planners draw into
it, save, and the next refresh honours it.
"""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from pipeline.crs import COUNTY_CRS
from pipeline.errors import InputError
from pipeline.layout import ID_PATTERN, LOCK_LAYER
from pipeline.readers.vector import (
    POLYGON_TYPES,
    check_geometries,
    existing_path,
    layer_crs,
    layer_display,
    open_layer,
    read_layer,
)

__all__ = ["LOCK_COLUMNS", "no_locks", "read_locks"]

#: Columns of the lock table, in order (the published layer has the same fields).
LOCK_COLUMNS = ("lock", "sr_id", "gruppe", "name", "bemerkung")
_TEXT_FIELDS = ("sr_id", "gruppe", "name", "bemerkung")


def read_locks(
    path: str | os.PathLike, layer: str | None = LOCK_LAYER, *, missing_ok: bool = False,
) -> gpd.GeoDataFrame:
    """Read a lock layer.

    Parameters
    ----------
    path : str or PathLike
        A vector file (GeoPackage, GeoJSON, shapefile, ZIP).
    layer : str or None, default "fixierungen"
        The layer; ``None`` for the only layer of the file.
    missing_ok : bool, default False
        No locks (an empty table) when the file or the layer does not exist (the published
        GeoPackage before anyone drew a lock), instead of an error.

    Returns
    -------
    GeoDataFrame
        ``lock`` (the name for messages: ``name``, else ``Fixierung <fid>``), ``sr_id``,
        ``gruppe``, ``name``, ``bemerkung`` (text or None) and the polygon, in the county
        CRS; ``attrs["source"]`` names the layer.

    Raises
    ------
    InputError
        No CRS, no ``sr_id`` nor ``gruppe`` field, a feature with neither or both, an
        ``sr_id`` that is not a social-space ID, a geometry that is not a polygon; each
        naming the file, the feature and the field.
    """
    if missing_ok and (not os.path.exists(path) or (
            layer is not None and layer not in (_layers(path) or [layer]))):
        return no_locks()
    source = existing_path(path)
    name, info = open_layer(source, str(path), layer)
    display = layer_display(str(path), name)
    present = {str(f).lower(): str(f) for f in info["fields"]}
    if "sr_id" not in present and "gruppe" not in present:
        raise InputError(display, "a lock layer needs a field 'sr_id' (the social space the "
                         "cells belong to) or 'gruppe' (cells kept together); fields: "
                         f"{', '.join(map(str, info['fields'])) or 'none'}", column="sr_id")
    crs = layer_crs(display, info["crs"], None)
    fields = [present[f] for f in _TEXT_FIELDS if f in present]
    raw = read_layer(source, display, name, fields)
    text = {f: _text(raw.fields[present[f]]) if f in present else
            np.full(len(raw.fids), None, dtype=object) for f in _TEXT_FIELDS}
    fids = raw.fids.astype(np.int64)
    labels = np.array([n if n else f"Fixierung {fid}" for n, fid in
                       zip(text["name"], fids, strict=True)], dtype=object)
    _check_targets(raw, text, labels, present)
    geometry = check_geometries(raw, labels, POLYGON_TYPES, id_label="lock", repair=True)
    frame = gpd.GeoDataFrame(
        # object columns: an empty field stays None (pandas would make it a NaN string)
        {"lock": pd.Series(labels, dtype=object),
         **{f: pd.Series(text[f], dtype=object) for f in _TEXT_FIELDS}, "fid": fids},
        geometry=geometry, crs=crs).to_crs(COUNTY_CRS)
    frame.attrs.update(source=display)
    return frame


def no_locks() -> gpd.GeoDataFrame:
    """A county without locks: the columns of :func:`read_locks`, no rows."""
    columns = {c: pd.Series([], dtype=object) for c in LOCK_COLUMNS}
    return gpd.GeoDataFrame(columns | {"fid": pd.Series([], dtype=np.int64)}, geometry=[],
                            crs=COUNTY_CRS)


def _layers(path: str | os.PathLike) -> list[str] | None:
    """The layers of a file; None when GDAL cannot open it (``open_layer`` then says why)."""
    try:
        return [str(name) for name, _ in pyogrio.list_layers(str(path))]
    except Exception:  # noqa: BLE001
        return None


def _text(values: pd.Series) -> np.ndarray:
    """Stripped text, None for empty cells."""
    out = values.astype("string").str.strip()
    return np.array([None if pd.isna(v) or v == "" else str(v) for v in out], dtype=object)


def _check_targets(raw, text: dict, labels: np.ndarray, present: dict) -> None:
    """Every lock names one social space or one group; IDs look like IDs."""
    sr_ids, groups = text["sr_id"], text["gruppe"]
    has_id = np.array([v is not None for v in sr_ids], dtype=bool)
    has_group = np.array([v is not None for v in groups], dtype=bool)
    for row in np.flatnonzero(~has_id & ~has_group)[:1]:
        raise raw.error(f"lock '{labels[row]}' names neither a social space (sr_id) nor a "
                        "group (gruppe)", feature=int(raw.fids[row]),
                        column=present.get("sr_id", "gruppe"))
    for row in np.flatnonzero(has_id & has_group)[:1]:
        raise raw.error(f"lock '{labels[row]}' names both a social space ({sr_ids[row]}) and "
                        f"a group ({groups[row]}); give one of them",
                        feature=int(raw.fids[row]), column=present["gruppe"])
    for row in np.flatnonzero(has_id):
        if not ID_PATTERN.fullmatch(sr_ids[row]):
            raise raw.error(f"lock '{labels[row]}': {sr_ids[row]!r} is not a social-space ID "
                            "like SR-05399-004", feature=int(raw.fids[row]),
                            column=present["sr_id"])
