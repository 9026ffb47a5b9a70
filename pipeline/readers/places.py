"""Read a layer of named places (Ortsteile, Ortslagen, quarters) that name the social spaces.

A county may bring the places its people know: its own Ortsteil layer, an extract of
OpenStreetMap places saved as GeoPackage, statistical districts. The layer holds points
(place nodes, settlement centres) or polygons (Ortsteil areas), or both, with a name
field, in any CRS pyproj knows; it may be a GeoPackage, GeoJSON or shapefile, also inside
a ZIP archive (:mod:`pipeline.readers.vector`). The places are read into the county CRS
(EPSG:25832).

The name field is the one given, else the first of :data:`NAME_FIELDS` the layer has
(any case). Features with an empty name are left out with a warning; a layer without any
named feature is an error.
"""

from __future__ import annotations

import os
import warnings

import geopandas as gpd
import pandas as pd
import pyproj

from pipeline.crs import COUNTY_CRS
from pipeline.errors import InputError
from pipeline.readers.vector import (
    check_geometries,
    existing_path,
    layer_crs,
    layer_display,
    open_layer,
    read_layer,
    require_fields,
)

__all__ = ["NAME_FIELDS", "PLACE_TYPES", "no_places", "read_places"]

#: Fields taken as the place name when none is given, in this order (matched in any case):
#: OSM and most layers (``name``), Ortsteil layers of German counties, VG250-like (``GEN``).
NAME_FIELDS = ("name", "ortsteil", "ortsteilname", "ot_name", "ortslage", "stadtteil",
               "bezeichnung", "bez_name", "gen")
#: Geometry types accepted for places: points and polygons, mixed in one layer if need be.
PLACE_TYPES = ("Point", "MultiPoint", "Polygon", "MultiPolygon")
_SHOWN_FEATURES = 10


def read_places(
    path: str | os.PathLike,
    *,
    layer: str | None = None,
    name: str | None = None,
    crs: str | pyproj.CRS | None = None,
) -> gpd.GeoDataFrame:
    """Read named places (points or polygons) into the county CRS.

    Parameters
    ----------
    path : str or PathLike
        A vector file GDAL reads (GeoPackage, GeoJSON, shapefile, ...), or a ZIP archive
        holding one.
    layer : str, optional
        The layer with the places; required when the file holds several.
    name : str, optional
        The field with the place name (any case); default the first of
        :data:`NAME_FIELDS` the layer has.
    crs : str or pyproj.CRS, optional
        CRS of the coordinates when the file declares none or one pyproj does not know;
        if the file declares another valid CRS, ``crs`` wins with a warning.

    Returns
    -------
    GeoDataFrame
        ``name`` (str, stripped, inner spaces collapsed) and ``geometry`` (Point,
        MultiPoint, Polygon or MultiPolygon; invalid polygons repaired) in EPSG:25832, in
        the order of the layer; ``attrs`` holds ``source``, ``layer`` and ``name_field``.

    Raises
    ------
    InputError
        Missing layer (layers listed), no name field (the fields found listed), no CRS,
        no feature with a name, or a feature without a point or polygon geometry (file,
        layer and feature named).

    Warns
    -----
    UserWarning
        Features with an empty name, which are left out (their FIDs named).

    Examples
    --------
    >>> places = read_places("ortsteile.gpkg")  # doctest: +SKIP
    >>> places["name"].head(2).tolist()  # doctest: +SKIP
    ['Innenstadt', 'Am Bahnhof']
    """
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a field name, got {name!r}")
    source = existing_path(path)
    chosen, info = open_layer(source, str(path), layer)
    display = layer_display(str(path), chosen)
    field = _name_field(display, info, name)
    target = layer_crs(display, info["crs"], crs)
    features = read_layer(source, display, chosen, [field])
    names = _names(features.fields[field])
    empty = names.isna().to_numpy()
    if empty.all():
        raise InputError(display, f"no feature has a name ({len(names)} features read)",
                         column=field)
    if empty.any():
        fids = features.fids[empty]
        shown = ", ".join(str(int(f)) for f in fids[:_SHOWN_FEATURES])
        more = f" and {fids.size - _SHOWN_FEATURES} more" if fids.size > _SHOWN_FEATURES else ""
        warnings.warn(f"{display}, column '{field}': {fids.size} features without a name "
                      f"are left out (features {shown}{more})", stacklevel=2)
        features = features.take(~empty)
        names = names.loc[~empty].reset_index(drop=True)
    geometry = check_geometries(features, names.to_numpy(), PLACE_TYPES, id_label="place",
                                repair=True)
    frame = gpd.GeoDataFrame({"name": names.astype(object).to_numpy()}, geometry=geometry,
                             crs=target).to_crs(COUNTY_CRS)
    frame.attrs.update(source=str(path), layer=chosen, name_field=field)
    return frame


def no_places() -> gpd.GeoDataFrame:
    """The places of a county without a place layer: none, the columns of :func:`read_places`."""
    return gpd.GeoDataFrame({"name": pd.Series(dtype=object)},
                            geometry=gpd.GeoSeries([], crs=COUNTY_CRS), crs=COUNTY_CRS)


def _name_field(display: str, info: dict, name: str | None) -> str:
    """The layer's spelling of the name field: the given one, else the first known one."""
    if name is not None:
        return require_fields(display, info, [name])[name]
    present = [str(f) for f in info["fields"]]
    by_lower = {f.lower(): f for f in reversed(present)}  # the first spelling wins
    found = next((by_lower[f] for f in NAME_FIELDS if f in by_lower), None)
    if found is None:
        raise InputError(
            display,
            f"no name field: none of {', '.join(NAME_FIELDS)} (any case); fields: "
            f"{', '.join(present) or 'none'}; name the field in the county file, e.g. "
            "places: {path: ..., name: <field>}",
        )
    return found


def _names(values: pd.Series) -> pd.Series:
    """Names as text without surrounding or repeated spaces; NA where empty."""
    text = values.astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    return text.where(text.ne("").fillna(False))
