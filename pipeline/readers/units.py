"""Read any polygon layer of small areal units: the generic input path.

Besides the German 100 m grid, a user can bring any polygon layer of small units (census
blocks or block groups, statistical districts) with an ID, a population column and
indicator columns, in any CRS that pyproj knows, optionally with the parent unit
(municipality) of each. Layers are opened, checked and read by :mod:`pipeline.readers.vector`,
which the German readers (:mod:`pipeline.readers.vg250`, :mod:`pipeline.readers.barriers`) share.

Every problem raises :class:`~pipeline.errors.InputError` naming the file and layer, the
feature (its FID in the layer, as QGIS shows it) and the field.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from pipeline.readers.vector import (
    POLYGON_TYPES,
    Layer,
    check_geometries,
    existing_path,
    layer_crs,
    layer_display,
    open_layer,
    read_layer,
    require_fields,
)

__all__ = ["POLYGON_TYPES", "read_units"]

_RESERVED = ("unit_id", "population", "parent", "geometry")


def read_units(
    path: str | os.PathLike,
    id_column: str,
    population_column: str | None,
    indicator_columns: Sequence[str] = (),
    *,
    layer: str | None = None,
    crs: str | pyproj.CRS | None = None,
    parent_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a polygon layer of areal units with ID, population and indicators.

    Parameters
    ----------
    path : str or PathLike
        Any vector file GDAL reads (GeoPackage, shapefile, GeoJSON, ...).
    id_column : str
        Field with the unit ID; non-null and unique.
    population_column : str or None
        Field with the residents per unit; numeric, non-null and non-negative. None when the
        residents come from another table (the output then has no ``population``).
    indicator_columns : sequence of str, default ()
        Numeric fields to carry along (missing values allowed).
    layer : str, optional
        Layer to read; required if the file has several.
    crs : str or pyproj.CRS, optional
        CRS of the coordinates when the file declares none or one pyproj does not know.
        If the file declares a different valid CRS, ``crs`` wins with a warning.
    parent_column : str, optional
        Field with the parent unit (e.g. municipality key), output as ``parent``.

    Returns
    -------
    GeoDataFrame
        ``unit_id`` (as stored), ``population`` (float64), the indicator columns (float64),
        ``parent`` if requested, and ``geometry`` (Polygon/MultiPolygon) in the layer's CRS.
        ``attrs`` holds ``source`` and ``layer``.

    Raises
    ------
    InputError
        Missing layer, field or CRS; null or duplicate ID; non-numeric, missing or
        negative population; non-numeric indicator; null, non-polygon or invalid geometry.

    Examples
    --------
    >>> blocks = read_units("blocks.gpkg", "GEOID20", "POP20", ["HOUSING20"])  # doctest: +SKIP
    >>> blocks.columns.tolist()  # doctest: +SKIP
    ['unit_id', 'population', 'HOUSING20', 'geometry']
    """
    indicators = _check_unit_arguments(
        id_column, population_column, indicator_columns, parent_column
    )
    source = existing_path(path)
    name, info = open_layer(source, str(path), layer)
    display = layer_display(str(path), name)
    wanted = [
        id_column,
        *([population_column] if population_column else []),
        *indicators,
        *([parent_column] if parent_column else []),
    ]
    fields = require_fields(display, info, wanted)
    target = layer_crs(display, info["crs"], crs)
    units = read_layer(source, display, name, [fields[c] for c in dict.fromkeys(wanted)])
    ids = _unit_ids(units, fields[id_column])
    table = {"unit_id": ids}
    if population_column:
        table["population"] = _numeric(units, fields[population_column], ids, required=True)
    for column in indicators:
        table[column] = _numeric(units, fields[column], ids, required=False)
    if parent_column:
        table["parent"] = units.fields[fields[parent_column]].to_numpy()
    geometry = check_geometries(units, ids, POLYGON_TYPES, id_label=id_column)
    frame = gpd.GeoDataFrame(table, geometry=geometry, crs=target)
    frame.attrs.update(source=str(path), layer=name)
    return frame


# --- checks of read_units ----------------------------------------------------------------


def _check_unit_arguments(
    id_column: str,
    population_column: str,
    indicator_columns: Sequence[str],
    parent_column: str | None,
) -> list[str]:
    if not isinstance(id_column, str):
        raise TypeError(f"id_column must be a field name, got {id_column!r}")
    if population_column is not None and not isinstance(population_column, str):
        raise TypeError(f"population_column must be a field name or None, "
                        f"got {population_column!r}")
    if parent_column is not None and not isinstance(parent_column, str):
        raise TypeError(f"parent_column must be a field name or None, got {parent_column!r}")
    if isinstance(indicator_columns, str) or not all(isinstance(c, str) for c in indicator_columns):
        raise TypeError(
            f"indicator_columns must be a sequence of field names, got {indicator_columns!r}"
        )
    indicators = list(dict.fromkeys(indicator_columns))
    clash = [c for c in indicators if c in _RESERVED or c in (id_column, population_column)]
    if clash:
        raise ValueError(
            f"indicator_columns must not repeat the ID or population field or use {_RESERVED}, "
            f"got {clash}"
        )
    return indicators


def _blank(values: pd.Series) -> np.ndarray:
    """True where a text field holds only spaces (or nothing)."""
    if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
        return np.zeros(len(values), dtype=bool)
    text = values.astype("string").str.strip()
    return text.eq("").fillna(False).to_numpy(dtype=bool)


def _unit_ids(layer: Layer, column: str) -> np.ndarray:
    ids = layer.fields[column]
    null = ids.isna().to_numpy() | _blank(ids)
    if null.any():
        row = int(np.flatnonzero(null)[0])
        raise layer.error("the unit ID is empty", feature=int(layer.fids[row]), column=column)
    repeated = ids.duplicated(keep=False).to_numpy()
    if repeated.any():
        first = ids.iloc[int(np.flatnonzero(repeated)[0])]
        rows = np.flatnonzero((ids == first).to_numpy())
        features = ", ".join(str(int(fid)) for fid in layer.fids[rows])
        raise layer.error(
            f"unit ID {first!r} is not unique: features {features}",
            feature=int(layer.fids[rows[0]]),
            column=column,
        )
    return ids.to_numpy()


def _numeric(layer: Layer, column: str, ids: np.ndarray, *, required: bool) -> np.ndarray:
    """A numeric field as float64; for ``required`` also non-null and non-negative."""
    raw = layer.fields[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    present = raw.notna().to_numpy() & ~_blank(raw)
    problems = [(present & np.isnan(values), "is not a number: {value!r}")]
    if required:
        problems += [
            (~present, "is missing"),
            (present & (values < 0), "is negative: {value!r}"),
        ]
    for bad, template in problems:
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            value = raw.iloc[row]
            reason = template.format(value=value.item() if hasattr(value, "item") else value)
            raise layer.error(
                f"{column} of unit {ids[row]!r} {reason}",
                feature=int(layer.fids[row]),
                column=column,
            )
    return values
