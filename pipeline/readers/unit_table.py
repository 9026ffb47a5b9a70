"""Polygon units as a county source: the layer, its attribute table, and the unit table.

A county without the Zensus grid brings a polygon layer of small units (census blocks,
Baublöcke, statistical districts) and often a separate table keyed by unit ID, e.g. a
register extract of residents by age group per block, as CSV or xlsx. The county file maps
the names the indicator catalog uses (``Einwohner``, ``unter5``, ``a65undaelter``, ...) to
the fields of either; :func:`read_unit_layer` reads and joins them, and :func:`unit_cells`
turns the populated units into the same table the grid path builds from Zensus cells, so
indicators, regionalization and publishing run unchanged on blocks.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.crs import COUNTY_CRS, GRID_CRS
from pipeline.errors import InputError
from pipeline.readers.cell_table import municipality_at
from pipeline.readers.tables import EXPECTED_VALUE, check_file, normalise, parse_value, read_sheets
from pipeline.readers.units import read_units
from pipeline.readers.vector import existing_path, layer_display, open_layer

__all__ = ["POPULATION", "no_units", "read_unit_layer", "read_unit_table", "unit_cells",
           "unit_shapes"]

#: The catalog's name of the residents column, which every unit source must map.
POPULATION = "Einwohner"


def read_unit_layer(
    path: str | os.PathLike,
    id_column: str,
    columns: Mapping[str, str],
    *,
    layer: str | None = None,
    crs: str | None = None,
    table: str | os.PathLike | None = None,
    table_key: str | None = None,
    table_sheet: str | None = None,
    municipality: str | None = None,
) -> gpd.GeoDataFrame:
    """Every unit of the layer with the mapped columns, from the layer or the table.

    Parameters
    ----------
    path : str or PathLike
        The polygon layer (any format GDAL reads).
    id_column : str
        Its unique unit ID field.
    columns : mapping of str to str
        Catalog column name -> field name in the layer or the table; must map
        ``Einwohner``. A catalog name may be topic-qualified (``Alter_5er-Jahresgruppen:
        unter5``); the output column is the name after the colon.
    layer, crs : str, optional
        As :func:`~pipeline.readers.units.read_units`.
    table : path, optional
        Attribute table keyed by unit ID (CSV or xlsx, :func:`read_unit_table`). Units
        without a row have no residents (0); rows without a unit are reported in a warning.
    table_key, table_sheet : str, optional
        The table's key heading (default ``id_column``) and worksheet.
    municipality : str, optional
        Field (layer or table) with the 8-digit AGS of each unit, output as ``ags``.

    Returns
    -------
    GeoDataFrame
        ``cell_id`` (the unit ID as text, sorted), the catalog columns (float64), ``ags`` if
        ``municipality`` is given, and the geometry in EPSG:25832.

    Raises
    ------
    InputError
        A field neither in the layer nor in the table (the fields found are listed), an
        unusable ID, value or geometry, naming file, feature or line, and column.
    """
    residents = next((name for name in columns if _plain(name) == POPULATION), None)
    if residents is None:
        raise ValueError(f"columns must map {POPULATION!r} (the residents), got {dict(columns)}")
    source = existing_path(path)
    name, info = open_layer(source, str(path), layer)
    in_layer = {f.casefold() for f in info["fields"]}
    wanted = dict(columns) | ({"ags": municipality} if municipality else {})
    from_layer = {ours: field for ours, field in wanted.items() if field.casefold() in in_layer}
    from_table = {ours: field for ours, field in wanted.items() if ours not in from_layer}
    if from_table and table is None:
        raise InputError(
            layer_display(str(path), name),
            f"no field{'s' if len(from_table) > 1 else ''} "
            f"{', '.join(repr(f) for f in dict.fromkeys(from_table.values()))} in the layer; "
            f"fields found: {', '.join(info['fields'])} (map another field in units: columns:, or "
            "give the attribute table as units: table:)",
            column=next(iter(from_table.values())),
        )
    numeric = [f for ours, f in from_layer.items() if ours != "ags"]
    units = read_units(source, id_column, None, numeric, layer=name, crs=crs,
                       parent_column=from_layer.get("ags"))
    frame = pd.DataFrame({"cell_id": units["unit_id"].astype(str).to_numpy()})
    for ours, field in from_layer.items():
        frame[_plain(ours)] = units["parent" if ours == "ags" else field].to_numpy()
    if from_table:
        rows = read_unit_table(table, table_key or id_column,
                               list(dict.fromkeys(from_table.values())), sheet=table_sheet)
        frame = _join_table(frame, rows, from_table, table)
    if "ags" in frame.columns:
        frame["ags"] = frame["ags"].astype(str).str.zfill(8)
    _check_population(frame, table if residents in from_table else path, columns[residents])
    geometry = units.geometry.to_crs(COUNTY_CRS).to_numpy()
    result = gpd.GeoDataFrame(frame, geometry=geometry, crs=COUNTY_CRS)
    result = result.sort_values("cell_id", kind="stable").reset_index(drop=True)
    result.attrs.update(source=str(path), layer=name)
    return result


def read_unit_table(
    path: str | os.PathLike, key: str, columns: list[str], *, sheet: str | None = None
) -> pd.DataFrame:
    """An attribute table keyed by unit ID: the key as text, the columns as numbers.

    The header is the first line (or worksheet row) that holds the ``key`` heading; data
    follow until the first empty line. Values are German or plain numbers or the signs of
    the statistics offices (``-`` zero, ``.`` secret, ...: :func:`parse_value`).

    Returns
    -------
    DataFrame
        ``key`` (str) and the columns (float64); ``attrs["lines"]`` the line of each row.
    """
    source = check_file(path, "unit attribute table")
    for table in read_sheets(source, "cp1252", sheet=sheet):
        at = next((i for i, row in enumerate(table.rows)
                   if normalise(key) in [normalise(f) for f in row]), None)
        if at is not None:
            return _table_rows(table, source, at, key, columns)
    raise InputError(source, f"no header line holds the key heading {key!r} (set units: table: "
                             "key: to the heading of the unit ID column)", column=key)


def unit_cells(units: gpd.GeoDataFrame, municipalities: gpd.GeoDataFrame) -> pd.DataFrame:
    """The populated units as the cell table of the grid path.

    ``x``, ``y`` are the units' representative points in EPSG:3035 (for grid cells they are
    the lower-left corners), ``area_km2`` their area; ``ags`` is the given municipality or
    the VG250 municipality holding the point (nearest for points outside every one).
    """
    populated = units.loc[units[POPULATION].to_numpy(np.float64) > 0]
    if populated.empty:
        raise InputError(units.attrs.get("source", "units"),
                         f"no unit with residents ({len(units)} units read)", column=POPULATION)
    points = populated.geometry.representative_point().to_crs(GRID_CRS)
    cells = pd.DataFrame({
        "cell_id": populated["cell_id"].to_numpy(),
        "x": shapely.get_x(points.to_numpy()),
        "y": shapely.get_y(points.to_numpy()),
    })
    if "ags" in populated.columns:
        cells["ags"] = populated["ags"].to_numpy()
    else:
        cells["ags"] = municipality_at(points.to_numpy(), municipalities)
    values = populated.drop(columns=["cell_id", "geometry", "ags"], errors="ignore")
    cells = pd.concat([cells, values.reset_index(drop=True)], axis=1)
    cells["area_km2"] = populated.geometry.area.to_numpy() / 1e6
    return cells


def no_units() -> gpd.GeoDataFrame:
    """The unit layer of a county drawn on the grid: empty, with the columns of one."""
    return gpd.GeoDataFrame({"cell_id": pd.Series(dtype=str),
                             POPULATION: pd.Series(dtype=np.float64)},
                            geometry=gpd.GeoSeries([], crs=COUNTY_CRS), crs=COUNTY_CRS)


def unit_shapes(units: gpd.GeoDataFrame | None, cells: pd.DataFrame) -> gpd.GeoSeries | None:
    """The polygons of the units in ``cells`` (row order), or None for a grid county."""
    if units is None or len(units) == 0:
        return None
    shapes = units.geometry.set_axis(units["cell_id"].astype(str).to_numpy())
    found = shapes.reindex(cells["cell_id"].astype(str).to_numpy())
    if found.isna().any():
        missing = cells["cell_id"].astype(str).to_numpy()[found.isna().to_numpy()][:3].tolist()
        raise ValueError(f"cells {missing} are not among the units")
    return gpd.GeoSeries(found.to_numpy(), crs=units.crs)


# --- helpers ------------------------------------------------------------------------------


def _plain(name: str) -> str:
    """The column a catalog name gives: ``Topic:column`` -> ``column``."""
    return name.split(":", 1)[1].strip() if ":" in name else name.strip()


def _table_rows(table, source: Path, at: int, key: str, columns: list[str]) -> pd.DataFrame:
    where = table.where(source)
    heads = [normalise(f) for f in table.rows[at]]
    positions = {}
    for heading in [key, *columns]:
        if normalise(heading) not in heads:
            found = ", ".join(f.strip() for f in table.rows[at] if f.strip())
            raise InputError(where, f"no column {heading!r} in the header; headings found: "
                                    f"{found} (map another heading in units: columns:)",
                             line=at + 1, column=heading)
        positions[heading] = heads.index(normalise(heading))
    keys, values, lines = [], {c: [] for c in columns}, []
    for index in range(at + 1, len(table.rows)):
        row = [f.strip() for f in table.rows[index]]
        if not any(row):
            break
        ident = row[positions[key]] if positions[key] < len(row) else ""
        if not ident:
            raise InputError(where, "the unit ID is empty", line=index + 1, column=key)
        keys.append(ident)
        lines.append(index + 1)
        for column in columns:
            text = row[positions[column]] if positions[column] < len(row) else ""
            parsed = parse_value(text)
            if parsed is None:
                raise InputError(where, f"value {text!r} is not {EXPECTED_VALUE}",
                                 line=index + 1, column=column)
            values[column].append(parsed[0])
    frame = pd.DataFrame({"key": pd.Series(keys, dtype=str),
                          **{c: np.asarray(v, dtype=np.float64) for c, v in values.items()}})
    repeated = frame["key"].duplicated(keep=False).to_numpy()
    if repeated.any():
        first = frame["key"].iloc[int(np.flatnonzero(repeated)[0])]
        twice = [lines[i] for i in np.flatnonzero((frame["key"] == first).to_numpy())]
        raise InputError(where, f"unit {first!r} appears more than once, on lines "
                                f"{', '.join(map(str, twice))}", line=twice[0], column=key)
    frame.attrs.update(source=where, lines=lines)
    return frame


def _join_table(frame: pd.DataFrame, rows: pd.DataFrame, mapping: Mapping[str, str],
                table: str | os.PathLike) -> pd.DataFrame:
    known = set(frame["cell_id"])
    orphans = rows.loc[~rows["key"].isin(known), "key"]
    if len(orphans):
        warnings.warn(f"{rows.attrs['source']}: {len(orphans)} rows name units the layer does "
                      f"not hold, e.g. {', '.join(orphans.head(3))}; they are left out",
                      stacklevel=3)
    listed = frame["cell_id"].isin(set(rows["key"])).to_numpy()
    joined = frame.merge(rows, left_on="cell_id", right_on="key", how="left").drop(columns="key")
    fields = joined[list(dict.fromkeys(mapping.values()))].copy()
    joined = joined.drop(columns=list(fields.columns))
    for ours, field in mapping.items():
        column = fields[field]
        if ours == "ags":
            joined["ags"] = column.map(lambda v: "" if pd.isna(v) else str(int(v)))
        elif _plain(ours) == POPULATION:
            # units without a row have nobody; an empty field in a row stays missing
            joined[POPULATION] = np.where(listed, column.to_numpy(np.float64), 0.0)
        else:
            joined[_plain(ours)] = column.to_numpy()
    return joined


def _check_population(frame: pd.DataFrame, source, column: str) -> None:
    values = frame[POPULATION].to_numpy(np.float64)
    for bad, what in ((~np.isfinite(values), "no number of residents"),
                      (values < 0, "a negative number of residents")):
        if bad.any():
            unit = frame["cell_id"].iloc[int(np.flatnonzero(bad)[0])]
            raise InputError(source, f"unit {unit!r} has {what}", column=column)
