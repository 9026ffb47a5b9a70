"""Read barrier lines (main roads, railways, rivers) that social-space borders should follow.

The layer (``barrieren`` in ``barrieren.gpkg``) holds LineStrings or MultiLineStrings with a
field ``typ`` (``hauptstrasse``, ``bahn``, ``fluss``) and an optional ``name``, in a
declared CRS.
"""

from __future__ import annotations

import os
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.crs import COUNTY_CRS
from pipeline.readers.vector import (
    Layer,
    check_geometries,
    existing_path,
    layer_crs,
    layer_display,
    open_layer,
    read_layer,
    require_fields,
)

__all__ = ["KINDS", "LINE_TYPES", "no_barriers", "read_barriers"]

#: Kinds of barrier the pipeline knows; others are kept with a warning.
KINDS = ("hauptstrasse", "bahn", "fluss")
#: Geometry types accepted for barriers.
LINE_TYPES = ("LineString", "MultiLineString")
_KIND_FIELDS = ("typ", "kind")


def read_barriers(path: str | os.PathLike, layer: str = "barrieren") -> gpd.GeoDataFrame:
    """Read barrier lines.

    Parameters
    ----------
    path : str or PathLike
        A vector file GDAL reads, e.g. ``barrieren.gpkg``.
    layer : str, default "barrieren"
        The layer with the lines.

    Returns
    -------
    GeoDataFrame
        ``kind`` (from ``typ``, or ``kind``; lower case), ``name`` (NA if the layer has no
        ``name`` field) and ``geometry`` (LineString/MultiLineString) in the layer's CRS.

    Raises
    ------
    InputError
        Missing layer (layers listed), no ``typ`` field, no CRS, an empty kind, or a
        feature without a line geometry (feature named).

    Examples
    --------
    >>> read_barriers("barrieren.gpkg")["kind"].unique().tolist()  # doctest: +SKIP
    ['hauptstrasse', 'bahn', 'fluss']
    """
    source = existing_path(path)
    name, info = open_layer(source, str(path), layer)
    display = layer_display(str(path), name)
    present = {str(f).lower(): str(f) for f in info["fields"]}
    kind_field = next((present[f] for f in _KIND_FIELDS if f in present), None)
    if kind_field is None:
        require_fields(display, info, [_KIND_FIELDS[0]])  # raises, listing the fields
    name_field = present.get("name")
    crs = layer_crs(display, info["crs"], None)
    columns = [kind_field, *([name_field] if name_field else [])]
    lines = read_layer(source, display, name, columns)
    kinds = _kinds(lines, kind_field)
    labels = lines.fields[name_field] if name_field else pd.Series(pd.NA, index=lines.fields.index)
    geometry = check_geometries(lines, kinds, LINE_TYPES, id_label="typ")
    frame = gpd.GeoDataFrame({"kind": kinds, "name": labels.to_numpy()}, geometry=geometry, crs=crs)
    frame.attrs.update(source=str(path), layer=name)
    return frame


def no_barriers() -> gpd.GeoDataFrame:
    """The barriers of a county that names none: no lines, the columns of :func:`read_barriers`."""
    return gpd.GeoDataFrame({"kind": [], "name": []}, geometry=[], crs=COUNTY_CRS)


def _kinds(lines: Layer, field: str) -> np.ndarray:
    raw = lines.fields[field]
    kinds = raw.astype("string").str.strip().str.lower()
    empty = (kinds.isna() | kinds.eq("")).to_numpy(dtype=bool)
    if empty.any():
        row = int(np.flatnonzero(empty)[0])
        raise lines.error(
            f"empty kind; expected one of {KINDS}", feature=int(lines.fids[row]), column=field
        )
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        warnings.warn(
            f"{lines.display}: unknown barrier kinds {unknown}; known are {KINDS}",
            stacklevel=3,
        )
    return kinds.to_numpy(dtype=object)
