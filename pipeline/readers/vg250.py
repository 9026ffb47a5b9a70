"""Read municipalities and counties from the BKG boundaries VG250.

VG250 comes as the GeoPackage ``DE_VG250.gpkg`` (layers ``vg250_gem``, ``vg250_krs``, ...),
inside a ZIP as downloaded, or as shapefiles (``VG250_GEM.shp``, ``VG250_KRS.shp``) in a
folder, in EPSG:25832. A municipality can have several rows: land (``GF`` = 4) and water
parts, and land split into several rows. The readers keep the land (``GF`` = 4; ``GF`` = 9,
one record per unit in other products, as a fallback), dissolve by ``AGS`` and return
MultiPolygons in EPSG:25832.

A county is selected by its 5-digit key (Kreisschlüssel, e.g. ``05358`` for Kreis Düren);
its municipalities are the 8-digit AGS starting with it.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from pipeline.crs import COUNTY_CRS
from pipeline.errors import InputError
from pipeline.readers.vector import (
    POLYGON_TYPES,
    Layer,
    as_multipolygons,
    check_geometries,
    existing_path,
    layer_crs,
    layer_display,
    open_layer,
    read_layer,
    require_fields,
)

__all__ = ["GERMANY_BOUNDS", "LAND", "LAND_FALLBACK", "read_county", "read_municipalities"]

#: Germany with a margin in ETRS89 / UTM 32N: (min x, min y), (max x, max y).
GERMANY_BOUNDS = ((150_000.0, 5_150_000.0), (1_000_000.0, 6_200_000.0))
#: Geofaktor of land with structure, kept by the readers.
LAND = 4
#: Geofaktor of the one-record-per-unit products, used if a unit has no GF=4 rows.
LAND_FALLBACK = 9

_KEY = re.compile(r"\d{5}")
_FIELDS = ("AGS", "GEN", "GF")
_OPTIONAL = ("BEZ", "EWZ")
_SHOWN_KEYS = 8


def read_municipalities(
    path: str | os.PathLike,
    county_key: str,
    *,
    layer: str = "vg250_gem",
    repair: bool = False,
) -> gpd.GeoDataFrame:
    """Read the municipalities of one county, dissolved by AGS.

    Parameters
    ----------
    path : str or PathLike
        ``DE_VG250.gpkg``, the ZIP holding it (or the shapefiles), a folder with the
        shapefiles, or one of the shapefiles.
    county_key : str
        5-digit county key, e.g. ``"05358"``.
    layer : str, default "vg250_gem"
        Layer (or shapefile name without ``.shp``) of the municipalities.
    repair : bool, default False
        Repair invalid geometries with ``shapely.make_valid`` instead of failing.

    Returns
    -------
    GeoDataFrame
        ``ags`` (8-digit str), ``name`` (``GEN``), ``bez`` (``BEZ``), ``ewz`` (Int64,
        ``EWZ`` of the -EW variant, else NA) and ``geometry`` (MultiPolygon, land only,
        EPSG:25832), one row per municipality sorted by ``ags``.

    Raises
    ------
    InputError
        Missing layer or field, no or unknown CRS, no feature for the county (the message
        lists keys that exist), no land rows, or an invalid geometry (feature and AGS).

    Examples
    --------
    >>> gem = read_municipalities("DE_VG250.gpkg", "05358")  # doctest: +SKIP
    >>> len(gem), gem.crs.to_epsg()  # doctest: +SKIP
    (15, 25832)
    """
    key = _check_key(county_key)
    frame = _read_units(path, key, layer, width=8, repair=repair)
    return frame[["ags", "name", "bez", "ewz", "geometry"]]


def read_county(
    path: str | os.PathLike,
    county_key: str,
    *,
    layer: str = "vg250_krs",
    repair: bool = False,
) -> gpd.GeoDataFrame:
    """Read the outline of one county.

    Parameters
    ----------
    path : str or PathLike
        ``DE_VG250.gpkg``, the ZIP holding it (or the shapefiles), a folder with the
        shapefiles, or one of the shapefiles.
    county_key : str
        5-digit county key, e.g. ``"05358"``.
    layer : str, default "vg250_krs"
        Layer (or shapefile name without ``.shp``) of the counties.
    repair : bool, default False
        Repair invalid geometries with ``shapely.make_valid`` instead of failing.

    Returns
    -------
    GeoDataFrame
        One row: ``ags`` (5-digit str), ``name`` (``GEN``) and ``geometry`` (MultiPolygon,
        land only, EPSG:25832).

    Raises
    ------
    InputError
        As :func:`read_municipalities`.

    Examples
    --------
    >>> read_county("DE_VG250.gpkg", "05358")["name"].item()  # doctest: +SKIP
    'Düren'
    """
    key = _check_key(county_key)
    frame = _read_units(path, key, layer, width=5, repair=repair)
    return frame[["ags", "name", "geometry"]]


def _check_key(county_key: str) -> str:
    if not isinstance(county_key, str):
        raise TypeError(f"county_key must be a 5-digit string such as '05358', got {county_key!r}")
    if not _KEY.fullmatch(county_key):
        raise ValueError(f"county_key must be 5 digits such as '05358', got {county_key!r}")
    return county_key


def _read_units(
    path: str | os.PathLike, key: str, layer: str, *, width: int, repair: bool
) -> gpd.GeoDataFrame:
    """Land features whose AGS is (width 5) or starts with (width 8) ``key``, dissolved."""
    source, display_path, wanted_layer = _locate(path, layer)
    name, info = open_layer(source, display_path, wanted_layer)
    display = layer_display(display_path, name)
    fields = require_fields(display, info, _FIELDS)
    present = {str(f).lower(): str(f) for f in info["fields"]}
    optional = {f: present[f.lower()] for f in _OPTIONAL if f.lower() in present}
    crs = layer_crs(display, info["crs"], None)
    ags_field = fields["AGS"]
    numeric = _is_numeric(info, ags_field)
    where = _key_filter(ags_field, key, width, numeric)
    columns = [*fields.values(), *optional.values()]
    features = read_layer(source, display, name, columns, where=where)
    if len(features.fids) == 0:
        raise _no_match(source, display, name, ags_field, key, width, numeric)
    ags = _ags(features, ags_field, width, numeric)
    if numeric:
        warnings.warn(
            f"{display}: field {ags_field} is numeric; keys were zero-padded to {width} digits",
            stacklevel=3,
        )
    land = _land(features, fields["GF"], key)
    features, ags = features.take(land), ags[land]
    geometry = check_geometries(features, ags, POLYGON_TYPES, id_label="AGS", repair=repair)
    table = pd.DataFrame(
        {
            "ags": ags,
            "name": features.fields[fields["GEN"]].to_numpy(),
            "bez": _optional(features, optional.get("BEZ")),
            "ewz": pd.to_numeric(_optional(features, optional.get("EWZ")), errors="coerce"),
        }
    )
    parts = gpd.GeoDataFrame(table, geometry=geometry, crs=crs)
    declared = parts.crs.to_string()
    if not parts.crs.equals(COUNTY_CRS):
        parts = _reproject(parts, display)
    _check_in_germany(parts, display, declared)
    return _dissolve(parts, display)


def _locate(path: str | os.PathLike, layer: str) -> tuple[str, str, str]:
    """GDAL source, name for messages and layer name for a file, folder or ZIP."""
    source = Path(existing_path(path))
    shapefile = f"{layer}.shp".lower()
    if source.is_dir():
        found = sorted(p for p in source.rglob("*") if p.suffix.lower() in (".shp", ".gpkg"))
        shp = [p for p in found if p.name.lower() == shapefile]
        gpkg = [p for p in found if p.suffix.lower() == ".gpkg"]
        chosen = shp or gpkg
        if not chosen:
            names = ", ".join(str(p.relative_to(source)) for p in found) or "none"
            raise InputError(
                source, f"has no shapefile '{layer}.shp' and no GeoPackage; found: {names}"
            )
        return str(chosen[0]), str(chosen[0]), chosen[0].stem if shp else layer
    if zipfile.is_zipfile(source):
        return _locate_in_zip(source, layer)
    if source.suffix.lower() == ".shp":
        siblings = [p for p in source.parent.glob("*") if p.name.lower() == shapefile]
        if not siblings:
            names = ", ".join(p.stem for p in sorted(source.parent.glob("*.[sS][hH][pP]")))
            raise InputError(source, f"has no sibling shapefile '{layer}.shp'; layers: {names}")
        return str(siblings[0]), str(siblings[0]), siblings[0].stem
    return str(source), str(source), layer


def _locate_in_zip(archive: Path, layer: str) -> tuple[str, str, str]:
    with zipfile.ZipFile(archive) as handle:
        members = [n for n in handle.namelist() if not n.startswith("__MACOSX/")]
    gpkg = [n for n in members if n.lower().endswith(".gpkg")]
    preferred = [n for n in gpkg if PurePosixPath(n).name.lower() == "de_vg250.gpkg"]
    shp = [n for n in members if PurePosixPath(n).name.lower() == f"{layer}.shp".lower()]
    chosen = (preferred or gpkg or shp)[:1]
    if not chosen:
        listed = ", ".join(n for n in members if n.lower().endswith((".gpkg", ".shp")))
        raise InputError(
            archive,
            f"holds no GeoPackage and no shapefile '{layer}.shp'; found: {listed or 'none'}",
        )
    member = chosen[0]
    source = f"/vsizip/{archive.resolve()}/{member}"
    name = PurePosixPath(member).stem if member in shp else layer
    return source, f"{archive}!{member}", name


def _is_numeric(info: dict, field: str) -> bool:
    names = [str(f) for f in info["fields"]]
    dtype = np.dtype(info["dtypes"][names.index(field)])
    return dtype.kind in "iuf"


def _key_filter(field: str, key: str, width: int, numeric: bool) -> str:
    """OGR SQL selecting the county (width 5) or its municipalities (width 8).

    ``key`` is validated as 5 digits and ``field`` is the layer's own spelling of ``AGS``,
    so the statement holds no user text.
    """
    if numeric:
        low = int(key) * 10 ** (width - 5)
        return f'"{field}" >= {low} AND "{field}" < {low + 10 ** (width - 5)}'
    if width == 5:
        return f"\"{field}\" = '{key}'"
    return f"\"{field}\" LIKE '{key}%'"


def _no_match(
    source: str, display: str, layer: str, field: str, key: str, width: int, numeric: bool
) -> InputError:
    keys = pyogrio.read_dataframe(source, layer=layer, columns=[field], read_geometry=False)
    values = keys[field].dropna()
    if numeric:
        values = values.astype("int64").astype(str).str.zfill(width)
    prefixes = sorted(values.astype(str).str.strip().str[:5].unique())
    shown = ", ".join(prefixes[:_SHOWN_KEYS]) + (" ..." if len(prefixes) > _SHOWN_KEYS else "")
    what = "AGS" if width == 5 else "AGS starting with"
    return InputError(
        display,
        f"no feature with {what} '{key}'; county keys in the layer: {shown or 'none'} "
        f"({len(prefixes)} in all)",
        column=field,
    )


def _ags(features: Layer, field: str, width: int, numeric: bool) -> np.ndarray:
    raw = features.fields[field]
    if numeric:
        return raw.astype("int64").astype(str).str.zfill(width).to_numpy()
    text = raw.astype(str).str.strip()
    bad = ~text.str.fullmatch(rf"\d{{{width}}}").to_numpy(dtype=bool)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise features.error(
            f"AGS {raw.iloc[row]!r} is not {width} digits",
            feature=int(features.fids[row]),
            column=field,
        )
    return text.to_numpy()


def _land(features: Layer, field: str, key: str) -> np.ndarray:
    """Mask of the GF=4 rows (GF=9 if the selection has none)."""
    gf = pd.to_numeric(features.fields[field], errors="coerce").to_numpy()
    for value in (LAND, LAND_FALLBACK):
        mask = gf == value
        if mask.any():
            return mask
    found = sorted({str(v) for v in features.fields[field].tolist()})
    raise features.error(
        f"no land features (GF={LAND}, or GF={LAND_FALLBACK}) for key '{key}'; "
        f"GF values found: {', '.join(found)}",
        column=field,
    )


def _optional(features: Layer, field: str | None) -> pd.Series:
    if field is None:
        return pd.Series(pd.NA, index=features.fields.index, dtype="object")
    return features.fields[field]


def _reproject(parts: gpd.GeoDataFrame, display: str) -> gpd.GeoDataFrame:
    try:
        result = parts.to_crs(COUNTY_CRS)
    except Exception as err:  # pyproj raises several kinds for CRSs it cannot transform
        raise InputError(
            display, f"cannot transform {parts.crs.to_string()} to {COUNTY_CRS}: {err}"
        ) from err
    if not np.isfinite(result.total_bounds).all():
        raise InputError(display, f"cannot transform {parts.crs.to_string()} to {COUNTY_CRS}")
    return result


def _check_in_germany(parts: gpd.GeoDataFrame, display: str, declared: str) -> None:
    """Refuse boundaries that land outside Germany: the declared CRS is then wrong."""
    minx, miny, maxx, maxy = parts.total_bounds
    (x0, y0), (x1, y1) = GERMANY_BOUNDS
    if minx < x0 or miny < y0 or maxx > x1 or maxy > y1:
        raise InputError(
            display,
            f"the boundaries lie at x {minx:,.0f}..{maxx:,.0f}, y {miny:,.0f}..{maxy:,.0f} in "
            f"{COUNTY_CRS}, outside Germany: is the declared CRS ({declared}) the one the "
            "coordinates are in?")


def _dissolve(parts: gpd.GeoDataFrame, display: str) -> gpd.GeoDataFrame:
    """One row per AGS: union of the parts; EWZ repeated on parts is taken once."""
    groups = parts.groupby("ags", sort=True)
    ewz = groups["ewz"].agg(["nunique", "first", "sum", "count"])
    split = ewz["nunique"] > 1
    if split.any():
        warnings.warn(
            f"{display}: EWZ differs between the parts of AGS {', '.join(ewz.index[split])}; "
            "the parts are summed",
            stacklevel=4,
        )
    residents = ewz["first"].where(~split, ewz["sum"]).where(ewz["count"] > 0)
    geometry = groups["geometry"].agg(lambda g: shapely.union_all(g.to_numpy()))
    first = groups[["name", "bez"]].first()
    result = gpd.GeoDataFrame(
        {
            "ags": first.index.to_numpy(),
            "name": first["name"].to_numpy(),
            "bez": first["bez"].to_numpy(),
            "ewz": pd.array(residents.round().to_numpy(), dtype="Int64"),
        },
        geometry=as_multipolygons(geometry.to_numpy()),
        crs=COUNTY_CRS,
    )
    return result
