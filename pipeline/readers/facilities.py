"""Read a county's facilities (Kitas, schools, youth centres, ...) as points.

Any point layer GDAL reads (GeoPackage, GeoJSON, shapefile, also inside a ZIP archive, see
:mod:`pipeline.readers.vector`), or a CSV table with coordinates: ``lon``/``lat`` (also
``laenge``/``breite``, ``longitude``/``latitude``; WGS 84) or ``x``/``y`` (also
``rechtswert``/``hochwert``, ``easting``/``northing``; EPSG:25832 unless ``crs`` is given).
The CSV separator (``;`` or ``,``) is detected; a decimal comma is read.

The kind field is the one given, else the first of :data:`KIND_FIELDS` the layer has (any
case), the name field likewise from :data:`NAME_FIELDS`. Kinds are read in German or
English and mapped to :data:`FACILITY_KINDS`: ``kita`` (Kita, Kindertagesstätte,
Kindergarten, Krippe, day care), ``jugend`` (Jugendzentrum, Jugendtreff, youth centre),
``schule`` (any ...schule, Gymnasium, school); anything else is ``sonstige``, its text
kept in ``art_text``.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from pipeline.crs import COUNTY_CRS
from pipeline.errors import InputError
from pipeline.readers.vector import (
    existing_path,
    layer_crs,
    layer_display,
    open_layer,
    read_layer,
    require_fields,
)

__all__ = ["FACILITY_KINDS", "FACILITY_LABELS", "KIND_FIELDS", "NAME_FIELDS",
           "no_facilities", "read_facilities"]

#: The kinds of facility, in legend order.
FACILITY_KINDS = ("kita", "schule", "jugend", "sonstige")
#: German labels of the kinds (singular, plural).
FACILITY_LABELS = {"kita": ("Kita", "Kitas"), "schule": ("Schule", "Schulen"),
                   "jugend": ("Jugendeinrichtung", "Jugendeinrichtungen"),
                   "sonstige": ("Sonstige Einrichtung", "Sonstige Einrichtungen")}
#: Fields taken as the kind when none is given, in this order (any case).
KIND_FIELDS = ("art", "typ", "kategorie", "einrichtungsart", "kind", "type", "category")
#: Fields taken as the name when none is given, in this order (any case).
NAME_FIELDS = ("name", "bezeichnung", "einrichtung", "titel", "title")
#: Coordinate columns of a CSV table: (x, y, default CRS), tried in this order.
CSV_COORDINATES = (("lon", "lat", "EPSG:4326"), ("longitude", "latitude", "EPSG:4326"),
                   ("laenge", "breite", "EPSG:4326"), ("x", "y", COUNTY_CRS),
                   ("rechtswert", "hochwert", COUNTY_CRS), ("easting", "northing", COUNTY_CRS))
#: Patterns of the kinds' texts (lower case), checked in this order.
_PATTERNS = (("kita", r"kita|kinderta|kindergarten|krippe|day ?care|nursery|preschool"),
             ("jugend", r"jugend|youth"),
             ("schule", r"schule|gymnasium|school"))


def read_facilities(
    path: str | os.PathLike,
    *,
    layer: str | None = None,
    kind: str | None = None,
    name: str | None = None,
    crs: str | pyproj.CRS | None = None,
) -> gpd.GeoDataFrame:
    """Read facility points into the county CRS (EPSG:25832).

    Parameters
    ----------
    path : str or PathLike
        A point layer (GeoPackage, GeoJSON, shapefile, ZIP) or a CSV with coordinates.
    layer : str, optional
        The layer; required when the file holds several.
    kind, name : str, optional
        The fields with the kind and the name (any case); default the first of
        :data:`KIND_FIELDS` / :data:`NAME_FIELDS` present.
    crs : str or pyproj.CRS, optional
        CRS of the coordinates when the file declares none (a CSV's x/y: default
        EPSG:25832, lon/lat: WGS 84).

    Returns
    -------
    GeoDataFrame
        ``art`` (one of :data:`FACILITY_KINDS`), ``art_text`` (as in the file), ``name``
        and Point geometry, in the order of the file; ``attrs`` holds ``source``.

    Raises
    ------
    InputError
        No kind or name field (the fields found listed), a feature without a kind, without
        a point or with coordinates that are not numbers (file, feature or line and column
        named), no CRS.
    """
    source = existing_path(path)
    if Path(source).suffix.lower() in (".csv", ".txt"):
        frame = _read_csv(source, kind, name, crs)
    else:
        frame = _read_layer(source, str(path), layer, kind, name, crs)
    frame.attrs["source"] = str(path)
    return frame


def no_facilities() -> gpd.GeoDataFrame:
    """The facilities of a county without a layer: none, the columns of :func:`read_facilities`."""
    return gpd.GeoDataFrame({"art": pd.Series(dtype=object), "art_text": pd.Series(dtype=object),
                             "name": pd.Series(dtype=object)},
                            geometry=gpd.GeoSeries([], crs=COUNTY_CRS), crs=COUNTY_CRS)


def kind_of(text: str) -> str:
    """The kind (:data:`FACILITY_KINDS`) of a kind's text, e.g. ``'Grundschule'`` -> ``schule``."""
    low = str(text).strip().lower()
    for key, pattern in _PATTERNS:
        if re.search(pattern, low):
            return key
    return "sonstige"


def _field(display: str, present: list[str], given: str | None, known: tuple[str, ...],
           what: str, option: str) -> str:
    """The spelling of the kind or name field: the given one, else the first known one."""
    by_lower = {f.lower(): f for f in reversed(present)}
    if given is not None:
        if given.lower() not in by_lower:
            raise InputError(display, f"missing {what} field '{given}'; fields: "
                             f"{', '.join(present) or 'none'}", column=given)
        return by_lower[given.lower()]
    found = next((by_lower[f] for f in known if f in by_lower), None)
    if found is None:
        raise InputError(display, f"no {what} field: none of {', '.join(known)} (any case); "
                         f"fields: {', '.join(present) or 'none'}; name it in the county file, "
                         f"e.g. facilities: {{path: ..., {option}: <field>}}")
    return found


def _frame(display: str, where: str, rows: np.ndarray, kinds: pd.Series, names: pd.Series,
           kind_field: str, geometry, source_crs) -> gpd.GeoDataFrame:
    text = kinds.astype("string").str.strip()
    empty = (text.isna() | text.eq("")).to_numpy(bool)
    if empty.any():
        row = int(np.flatnonzero(empty)[0])
        raise InputError(display, f"no kind of facility ({int(empty.sum())} without)",
                         column=kind_field, **{where: int(rows[row])})
    label = names.astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    art = [kind_of(t) for t in text]
    label = label.where(label.notna() & label.ne(""), text)
    frame = gpd.GeoDataFrame({"art": art, "art_text": text.astype(object).to_numpy(),
                              "name": label.astype(object).to_numpy()},
                             geometry=geometry, crs=source_crs)
    return frame.to_crs(COUNTY_CRS)


def _read_layer(source, path, layer, kind, name, crs) -> gpd.GeoDataFrame:
    chosen, info = open_layer(source, path, layer)
    display = layer_display(path, chosen)
    present = [str(f) for f in info["fields"]]
    kind_field = _field(display, present, kind, KIND_FIELDS, "kind", "kind")
    name_field = _field(display, present, name, NAME_FIELDS, "name", "name")
    require_fields(display, info, [kind_field, name_field])
    target = layer_crs(display, info["crs"], crs)
    features = read_layer(source, display, chosen, list(dict.fromkeys([kind_field, name_field])))
    geometry = features.geometry
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    kinds = shapely.get_type_id(np.where(missing, None, geometry))
    bad = missing | ~np.isin(kinds, [0, 4])  # Point, MultiPoint
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        what = "no geometry" if missing[row] else f"{geometry[row].geom_type} geometry"
        raise InputError(display, f"{what}; expected a point per facility",
                         feature=int(features.fids[row]))
    multi = kinds == 4
    if multi.any():
        geometry = geometry.copy()
        geometry[multi] = shapely.centroid(geometry[multi])
    return _frame(display, "feature", features.fids, features.fields[kind_field],
                  features.fields[name_field], kind_field, geometry, target)


def _read_csv(source, kind, name, crs) -> gpd.GeoDataFrame:
    with open(source, encoding="utf-8-sig", newline="") as handle:
        head = handle.read(4096)
    try:
        sep = csv.Sniffer().sniff(head, delimiters=";,\t").delimiter
    except csv.Error:
        sep = ";" if head.count(";") > head.count(",") else ","
    table = pd.read_csv(source, sep=sep, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    present = [str(c).strip() for c in table.columns]
    table.columns = present
    kind_field = _field(source, present, kind, KIND_FIELDS, "kind", "kind")
    name_field = _field(source, present, name, NAME_FIELDS, "name", "name")
    by_lower = {c.lower(): c for c in reversed(present)}
    pair = next(((by_lower[x], by_lower[y], default) for x, y, default in CSV_COORDINATES
                 if x in by_lower and y in by_lower), None)
    if pair is None:
        raise InputError(source, "no coordinate columns: expected lon/lat, laenge/breite, "
                         f"x/y or rechtswert/hochwert; columns: {', '.join(present)}")
    x_col, y_col, default = pair
    coords = {}
    for column in (x_col, y_col):
        text = table[column].str.strip().str.replace(",", ".", regex=False)
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputError(source, f"coordinate {table[column].iloc[row]!r} is not a number",
                             line=row + 2, column=column)
        coords[column] = values.to_numpy(np.float64)
    target = pyproj.CRS.from_user_input(crs if crs is not None else default)
    if target.is_geographic:
        out = (np.abs(coords[x_col]) > 180) | (np.abs(coords[y_col]) > 90)
        if out.any():
            row = int(np.flatnonzero(out)[0])
            raise InputError(source, f"{coords[x_col][row]}, {coords[y_col][row]} are no "
                             "longitude/latitude; give crs for projected coordinates",
                             line=row + 2, column=x_col)
    geometry = shapely.points(coords[x_col], coords[y_col])
    lines = np.arange(len(table)) + 2
    return _frame(source, "line", lines, table[kind_field].replace("", pd.NA),
                  table[name_field], kind_field, geometry, target)
