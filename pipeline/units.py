"""Read any polygon layer of small areal units: the generic input path.

Besides the German 100 m grid, a user can bring any polygon layer of small units (census
blocks or block groups, statistical districts) with an ID, a population column and
indicator columns, in any CRS that pyproj knows, optionally with the parent unit
(municipality) of each. The German readers (:mod:`pipeline.vg250`,
:mod:`pipeline.barriers`) share the layer helpers of this module.

Every problem raises :class:`~pipeline.errors.InputError` naming the file and layer, the
feature (its FID in the layer, as QGIS shows it) and the field.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import pyproj
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj.exceptions import CRSError

from pipeline.errors import InputError

__all__ = ["POLYGON_TYPES", "read_units"]

#: Geometry types accepted for areal units.
POLYGON_TYPES = ("Polygon", "MultiPolygon")
_RESERVED = ("unit_id", "population", "parent", "geometry")


@dataclass(frozen=True)
class _Layer:
    """The features of one vector layer as arrays, with the names for messages."""

    display: str
    name: str
    fids: np.ndarray
    fields: pd.DataFrame
    geometry: np.ndarray
    crs: str | None

    def error(
        self, reason: str, *, feature: int | str | None = None, column: str | None = None
    ) -> InputError:
        """Build an :class:`InputError` about this layer."""
        return InputError(self.display, reason, feature=feature, column=column)

    def take(self, mask: np.ndarray) -> _Layer:
        """The features where ``mask`` is true."""
        return replace(
            self,
            fids=self.fids[mask],
            fields=self.fields.loc[mask].reset_index(drop=True),
            geometry=self.geometry[mask],
        )


def read_units(
    path: str | os.PathLike,
    id_column: str,
    population_column: str,
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
    population_column : str
        Field with the residents per unit; numeric, non-null and non-negative.
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
    source = _existing(path)
    name, info = _open_layer(source, str(path), layer)
    display = _layer_display(str(path), name)
    wanted = [
        id_column,
        population_column,
        *indicators,
        *([parent_column] if parent_column else []),
    ]
    fields = _require_fields(display, info, wanted)
    target = _layer_crs(display, info["crs"], crs)
    units = _read_layer(source, display, name, [fields[c] for c in dict.fromkeys(wanted)])
    ids = _unit_ids(units, fields[id_column])
    table = {"unit_id": ids}
    table["population"] = _numeric(units, fields[population_column], ids, required=True)
    for column in indicators:
        table[column] = _numeric(units, fields[column], ids, required=False)
    if parent_column:
        table["parent"] = units.fields[fields[parent_column]].to_numpy()
    geometry = _check_geometries(units, ids, POLYGON_TYPES, id_label=id_column)
    frame = gpd.GeoDataFrame(table, geometry=geometry, crs=target)
    frame.attrs.update(source=str(path), layer=name)
    return frame


# --- shared layer helpers (also used by vg250 and barriers) ------------------------------


def _existing(path: str | os.PathLike) -> str:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a file path, got {type(path).__name__}")
    if not Path(path).exists():
        raise FileNotFoundError(f"vector file not found: {path}")
    return str(path)


def _layer_display(path: str, layer: str) -> str:
    return f"{path} (layer '{layer}')"


def _list_layers(source: str, display: str) -> list[str]:
    try:
        return [str(name) for name in pyogrio.list_layers(source)[:, 0]]
    except (DataSourceError, DataLayerError) as err:
        raise InputError(display, f"cannot be opened as a vector data source: {err}") from err


def _open_layer(source: str, display: str, layer: str | None) -> tuple[str, dict]:
    """Name and pyogrio info of the requested layer (or the only one)."""
    names = _list_layers(source, display)
    if layer is None:
        if len(names) != 1:
            raise InputError(
                display, f"holds {len(names)} layers, pass layer=: {', '.join(names) or 'none'}"
            )
        chosen = names[0]
    else:
        matches = [n for n in names if n == layer] or [
            n for n in names if n.lower() == layer.lower()
        ]
        if not matches:
            raise InputError(
                display, f"has no layer '{layer}'; layers: {', '.join(names) or 'none'}"
            )
        chosen = matches[0]
    return chosen, pyogrio.read_info(source, layer=chosen)


def _require_fields(display: str, info: dict, required: Sequence[str]) -> dict[str, str]:
    """Map each required field to its spelling in the layer (case-insensitive match)."""
    present = [str(name) for name in info["fields"]]
    by_lower = {name.lower(): name for name in present}
    mapping = {}
    for name in required:
        actual = name if name in present else by_lower.get(name.lower())
        if actual is None:
            raise InputError(
                display,
                f"missing field '{name}'; fields: {', '.join(present) or 'none'}",
                column=name,
            )
        mapping[name] = actual
    return mapping


def _layer_crs(display: str, declared: str | None, override: str | pyproj.CRS | None) -> pyproj.CRS:
    """The CRS to use: the declared one, or ``override`` where the file has none or a bad one."""
    parsed = None
    problem = "declares no CRS"
    if declared:
        try:
            parsed = pyproj.CRS.from_user_input(declared)
        except CRSError:
            problem = f"declares a CRS pyproj does not know: {declared[:80]!r}"
    if override is not None:
        try:
            chosen = pyproj.CRS.from_user_input(override)
        except CRSError as err:
            raise ValueError(f"crs must be a CRS pyproj knows, got {override!r}") from err
        if parsed is not None and parsed != chosen:
            warnings.warn(
                f"{display}: the file declares {parsed.to_string()}, "
                f"using crs={chosen.to_string()}",
                stacklevel=3,
            )
        return chosen
    if parsed is None:
        raise InputError(display, f"{problem}; pass crs= with the CRS of the coordinates")
    return parsed


def _read_layer(
    source: str, display: str, layer: str, columns: Sequence[str], where: str | None = None
) -> _Layer:
    """Read fields, FIDs and geometries of a layer without interpreting its CRS."""
    try:
        meta, fids, wkb, data = pyogrio.raw.read(
            source, layer=layer, columns=list(columns), where=where, return_fids=True
        )
    except (DataSourceError, DataLayerError) as err:
        raise InputError(display, f"cannot be read: {err}") from err
    fields = pd.DataFrame(
        {str(name): values for name, values in zip(meta["fields"], data, strict=True)}
    )
    geometry = shapely.from_wkb(wkb) if wkb is not None else np.full(len(fields), None)
    fids = np.asarray(fids if fids is not None else np.arange(len(fields)), dtype=np.int64)
    return _Layer(display, layer, fids, fields, np.asarray(geometry, dtype=object), meta["crs"])


def _check_geometries(
    layer: _Layer,
    ids: np.ndarray,
    allowed: Sequence[str],
    *,
    id_label: str,
    repair: bool = False,
) -> np.ndarray:
    """Geometries of the features, checked for presence, type and validity."""
    geometry = layer.geometry
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise layer.error(f"no geometry ({id_label} {ids[row]})", feature=int(layer.fids[row]))
    kinds = shapely.get_type_id(geometry)
    allowed_ids = [_TYPE_IDS[name] for name in allowed]
    wrong = ~np.isin(kinds, allowed_ids)
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        raise layer.error(
            f"{geometry[row].geom_type} geometry ({id_label} {ids[row]}); expected "
            f"{' or '.join(allowed)}",
            feature=int(layer.fids[row]),
        )
    invalid = ~shapely.is_valid(geometry)
    if invalid.any() and not repair:
        row = int(np.flatnonzero(invalid)[0])
        raise layer.error(
            f"invalid geometry ({id_label} {ids[row]}): {shapely.is_valid_reason(geometry[row])}",
            feature=int(layer.fids[row]),
        )
    if invalid.any():
        geometry = geometry.copy()
        geometry[invalid] = _as_multipolygons(shapely.make_valid(geometry[invalid]))
    return geometry


_TYPE_IDS = {"Polygon": 3, "MultiPolygon": 6, "LineString": 1, "MultiLineString": 5}


def _as_multipolygons(geometry: np.ndarray) -> np.ndarray:
    """The polygon parts of each geometry as one MultiPolygon (empty if it has none)."""
    parts, index = shapely.get_parts(geometry, return_index=True)
    keep = shapely.get_type_id(parts) == _TYPE_IDS["Polygon"]
    out = np.array([shapely.MultiPolygon()] * len(geometry), dtype=object)
    return shapely.multipolygons(parts[keep], indices=index[keep], out=out)


# --- checks of read_units ----------------------------------------------------------------


def _check_unit_arguments(
    id_column: str,
    population_column: str,
    indicator_columns: Sequence[str],
    parent_column: str | None,
) -> list[str]:
    for label, value in (("id_column", id_column), ("population_column", population_column)):
        if not isinstance(value, str):
            raise TypeError(f"{label} must be a field name, got {value!r}")
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


def _unit_ids(layer: _Layer, column: str) -> np.ndarray:
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


def _numeric(layer: _Layer, column: str, ids: np.ndarray, *, required: bool) -> np.ndarray:
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
