"""Read municipalities and counties from the BKG boundaries VG250 and re-published copies.

VG250 comes as the GeoPackage ``DE_VG250.gpkg`` (layers ``vg250_gem``, ``vg250_krs``, ...)
or as shapefiles (``VG250_GEM.shp``, ``VG250_KRS.shp``), in EPSG:25832, both downloaded
as ZIP archives with the files in nested folders
(``vg250_01-01.utm32s.gpkg.ebenen/vg250_ebenen_0101/DE_VG250.gpkg``); the archives are
read in place through :mod:`pipeline.readers.vector`. A municipality can have several
rows: land (``GF`` = 4) and water parts, and land split into several rows. The readers
keep the land (``GF`` = 4; ``GF`` = 9, one record per unit in other products, as a
fallback), dissolve by ``AGS`` and return MultiPolygons in EPSG:25832.

Re-published copies differ in layer and field names, CRS and attributes, so both are
configurable (``layer=``, ``fields=``; in ``counties.yaml`` the ``layers`` and ``fields``
of a county's ``vg250`` entry): a single-layer file (a GeoJSON in EPSG:4326, a
simplified shapefile) is used whatever its layer is called; a layer without ``AGS`` but
with the 12-digit ``ARS`` gets AGS = ARS[:5] + ARS[9:12] (county key ARS[:5]); a layer
without ``GF`` is taken whole and dissolved by AGS.

A county is selected by its 5-digit key (Kreisschlüssel, e.g. ``05358`` for Kreis Düren);
its municipalities are the 8-digit AGS starting with it.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

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
    Source,
    as_multipolygons,
    check_geometries,
    layer_crs,
    layer_display,
    list_layers,
    locate_source,
    open_layer,
    read_layer,
)

__all__ = [
    "FIELDS",
    "GERMANY_BOUNDS",
    "LAND",
    "LAND_FALLBACK",
    "LAYERS",
    "read_county",
    "read_municipalities",
]

#: Germany with a margin in ETRS89 / UTM 32N: (min x, min y), (max x, max y).
GERMANY_BOUNDS = ((150_000.0, 5_150_000.0), (1_000_000.0, 6_200_000.0))
#: Geofaktor of land with structure, kept by the readers.
LAND = 4
#: Geofaktor of the one-record-per-unit products, used if a unit has no GF=4 rows.
LAND_FALLBACK = 9
#: Our names for the fields read (keys of ``fields=``) and their VG250 spelling.
FIELDS: Mapping[str, str] = {
    "ags": "AGS",
    "ars": "ARS",
    "name": "GEN",
    "bez": "BEZ",
    "gf": "GF",
    "ewz": "EWZ",
}
#: Default layer per level (keys of ``layers`` in a county's ``vg250`` entry).
LAYERS: Mapping[str, str] = {"county": "vg250_krs", "municipalities": "vg250_gem"}

_KEY = re.compile(r"\d{5}")
_ARS_WIDTH = 12
_SHOWN_KEYS = 8


@dataclass(frozen=True)
class _Level:
    """What one reader selects: its ``layers`` key and the width of its keys."""

    role: str
    width: int

    @property
    def default_layer(self) -> str:
        return LAYERS[self.role]


_MUNICIPALITIES = _Level("municipalities", 8)
_COUNTY = _Level("county", 5)


def read_municipalities(
    path: str | os.PathLike,
    ags: str,
    *,
    layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    repair: bool = False,
) -> gpd.GeoDataFrame:
    """Read the municipalities of one county, dissolved by AGS.

    Parameters
    ----------
    path : str or PathLike
        ``DE_VG250.gpkg``, BKG's ZIP holding it or the shapefiles (in any folder), a folder
        with the shapefiles, one of the shapefiles, or any vector file GDAL reads (e.g. a
        re-published GeoJSON).
    ags : str
        5-digit county key, e.g. ``"05358"``.
    layer : str, optional
        Layer (or shapefile name without ``.shp``) of the municipalities. Default
        ``vg250_gem`` where it exists, else the only layer of the file.
    fields : mapping of str to str, optional
        The file's field for each of our names in :data:`FIELDS` (``ags``, ``ars``,
        ``name``, ``bez``, ``gf``, ``ewz``), where it differs from VG250's, e.g.
        ``{"ags": "gemeindeschluessel", "name": "gemeinde"}``. A field named here must exist.
    repair : bool, default False
        Repair invalid geometries with ``shapely.make_valid`` instead of failing.

    Returns
    -------
    GeoDataFrame
        ``ags`` (8-digit str; from ``ARS`` if the layer has no ``AGS``), ``name`` (``GEN``;
        NA with a warning if the layer has none), ``bez`` (``BEZ``), ``ewz`` (Int64, ``EWZ``
        of the -EW variant, else NA) and ``geometry`` (MultiPolygon, land only if the layer
        has ``GF``, EPSG:25832), one row per municipality sorted by ``ags``.

    Raises
    ------
    InputError
        Missing layer or field (the message names the ``layers``/``fields`` key to set), no
        or unknown CRS, no feature for the county (the message lists keys that exist), no
        land rows, boundaries outside Germany, or an invalid geometry (feature and AGS).
        Messages name the file (``archive.zip!member`` in a ZIP), the layer, the feature
        and the field.

    Examples
    --------
    >>> gem = read_municipalities("vg250_01-01.utm32s.gpkg.ebenen.zip", "05358")  # doctest: +SKIP
    >>> len(gem), gem.crs.to_epsg()  # doctest: +SKIP
    (15, 25832)
    >>> read_municipalities("gemeinden.shp", "05358", fields={"ars": "ARS"})  # doctest: +SKIP
    """
    key = _check_key(ags)
    frame = _read_units(path, key, _MUNICIPALITIES, layer, fields, repair=repair)
    return frame[["ags", "name", "bez", "ewz", "geometry"]]


def read_county(
    path: str | os.PathLike,
    ags: str,
    *,
    layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    repair: bool = False,
) -> gpd.GeoDataFrame:
    """Read the outline of one county.

    Parameters
    ----------
    path : str or PathLike
        As for :func:`read_municipalities`.
    ags : str
        5-digit county key, e.g. ``"05358"``.
    layer : str, optional
        Layer (or shapefile name without ``.shp``) of the counties. Default ``vg250_krs``
        where it exists, else the only layer of the file.
    fields : mapping of str to str, optional
        As for :func:`read_municipalities`.
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
    >>> read_county("kreise.geojson", "05358").crs.to_epsg()  # doctest: +SKIP
    25832
    """
    key = _check_key(ags)
    frame = _read_units(path, key, _COUNTY, layer, fields, repair=repair)
    return frame[["ags", "name", "geometry"]]


# --- arguments ----------------------------------------------------------------------------


def _check_key(ags: str) -> str:
    if not isinstance(ags, str):
        raise TypeError(f"ags must be a 5-digit county key such as '05358', got {ags!r}")
    if not _KEY.fullmatch(ags):
        raise ValueError(f"ags must be the 5-digit county key such as '05358', got {ags!r}")
    return ags


def _check_fields(fields: Mapping[str, str] | None) -> dict[str, str]:
    """The explicitly configured fields, checked against :data:`FIELDS`."""
    if fields is None:
        return {}
    if not isinstance(fields, Mapping):
        raise TypeError(f"fields must map {tuple(FIELDS)} to field names, got {fields!r}")
    unknown = [k for k in fields if k not in FIELDS]
    if unknown:
        raise ValueError(f"fields keys must be among {tuple(FIELDS)}, got {unknown}")
    bad = {k: v for k, v in fields.items() if not isinstance(v, str) or not v.strip()}
    if bad:
        raise TypeError(f"fields must map to field names (non-empty str), got {bad}")
    return dict(fields)


def _layer_hint(level: _Level) -> str:
    return (
        f"set layers: {{{level.role}: <layer>}} in the county's vg250 entry of counties.yaml "
        "(layer= in Python)"
    )


def _field_hint(key: str) -> str:
    return (
        f"set fields: {{{key}: <field>}} in the county's vg250 entry of counties.yaml "
        f"(fields={{'{key}': ...}} in Python)"
    )


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    """The field that selects the county and how its values become AGS."""

    field: str
    width: int  # digits of the field: 5 or 8 for AGS, 12 for ARS
    numeric: bool
    from_ars: bool


def _read_units(
    path: str | os.PathLike,
    key: str,
    level: _Level,
    layer: str | None,
    fields: Mapping[str, str] | None,
    *,
    repair: bool,
) -> gpd.GeoDataFrame:
    """Land features of the county (width 5) or its municipalities (width 8), dissolved."""
    explicit = _check_fields(fields)
    source = locate_source(path, layer, fallback=level.default_layer)
    name, info = _open(source, layer, level)
    display = layer_display(source.display, name)
    actual = _resolve_fields(display, info, explicit)
    selector = _selector(display, info, actual, explicit, level)
    crs = layer_crs(display, info["crs"], None)
    columns = [actual[k] for k in FIELDS if k in actual]
    where = _key_filter(selector, key)
    features = read_layer(source.gdal, display, name, columns, where=where)
    if len(features.fids) == 0:
        raise _no_match(source.gdal, display, name, selector, key, level)
    ags = _ags(features, selector, level)
    if selector.numeric:
        warnings.warn(
            f"{display}: field {selector.field} is numeric; keys were zero-padded to "
            f"{selector.width} digits",
            stacklevel=3,
        )
    if "gf" in actual:
        land = _land(features, actual["gf"], key)
        features, ags = features.take(land), ags[land]
    if "name" not in actual:
        warnings.warn(
            f"{display}: no field {FIELDS['name']} with the names; names are missing "
            f"({_field_hint('name')})",
            stacklevel=3,
        )
    geometry = check_geometries(features, ags, POLYGON_TYPES, id_label="AGS", repair=repair)
    table = pd.DataFrame(
        {
            "ags": ags,
            "name": _optional(features, actual.get("name")).to_numpy(),
            "bez": _optional(features, actual.get("bez")).to_numpy(),
            "ewz": pd.to_numeric(_optional(features, actual.get("ewz")), errors="coerce"),
        }
    )
    parts = gpd.GeoDataFrame(table, geometry=geometry, crs=crs)
    declared = parts.crs.to_string()
    if not parts.crs.equals(COUNTY_CRS):
        parts = _reproject(parts, display)
    _check_in_germany(parts, display, declared)
    return _dissolve(parts, display)


def _open(source: Source, layer: str | None, level: _Level) -> tuple[str, dict]:
    """The layer asked for, else the default one, else the only one of the file."""
    names = list_layers(source.gdal, source.display)
    listed = ", ".join(names) or "none"
    wanted = layer if layer is not None else level.default_layer
    matches = [n for n in names if n == wanted] or [n for n in names if n.lower() == wanted.lower()]
    if matches:
        chosen = matches[0]
    elif layer is None and len(names) == 1:
        chosen = names[0]
    elif layer is not None:
        raise InputError(
            source.display, f"has no layer '{layer}'; layers: {listed}; {_layer_hint(level)}"
        )
    else:
        raise InputError(
            source.display,
            f"holds {len(names)} layers and none is called '{wanted}'; layers: {listed}; "
            f"{_layer_hint(level)}",
        )
    return open_layer(source.gdal, source.display, chosen)


def _resolve_fields(display: str, info: dict, explicit: Mapping[str, str]) -> dict[str, str]:
    """Our name -> the layer's spelling, for the fields present (configured ones required)."""
    present = [str(f) for f in info["fields"]]
    by_lower = {f.lower(): f for f in present}
    actual = {}
    for key, default in FIELDS.items():
        name = explicit.get(key, default)
        found = name if name in present else by_lower.get(name.lower())
        if found is not None:
            actual[key] = found
        elif key in explicit:
            raise InputError(
                display,
                f"missing field '{name}' (configured as fields.{key}); fields: "
                f"{', '.join(present) or 'none'}",
                column=name,
            )
    return actual


def _selector(
    display: str,
    info: dict,
    actual: Mapping[str, str],
    explicit: Mapping[str, str],
    level: _Level,
) -> _Key:
    """AGS if the layer has it (unless only ARS is configured), else ARS."""
    only_ars = "ars" in explicit and "ags" not in explicit
    use_ars = "ars" in actual and ("ags" not in actual or only_ars)
    if not use_ars and "ags" not in actual:
        present = ", ".join(str(f) for f in info["fields"]) or "none"
        raise InputError(
            display,
            f"missing field '{FIELDS['ags']}' (and '{FIELDS['ars']}' to derive it from); "
            f"fields: {present}; {_field_hint('ags')}",
            column=FIELDS["ags"],
        )
    field = actual["ars"] if use_ars else actual["ags"]
    width = _ARS_WIDTH if use_ars else level.width
    return _Key(field, width, _is_numeric(info, field), use_ars)


def _is_numeric(info: dict, field: str) -> bool:
    names = [str(f) for f in info["fields"]]
    dtype = np.dtype(info["dtypes"][names.index(field)])
    return dtype.kind in "iuf"


def _key_filter(selector: _Key, key: str) -> str:
    """OGR SQL selecting the features whose key starts with the county key.

    ``key`` is validated as 5 digits and the field is the layer's own spelling, so the
    statement holds no user text.
    """
    field, width = selector.field, selector.width
    if selector.numeric:
        low = int(key) * 10 ** (width - 5)
        return f'"{field}" >= {low} AND "{field}" < {low + 10 ** (width - 5)}'
    if width == 5:
        return f"\"{field}\" = '{key}'"
    return f"\"{field}\" LIKE '{key}%'"


def _no_match(
    source: str, display: str, layer: str, selector: _Key, key: str, level: _Level
) -> InputError:
    field = selector.field
    keys = pyogrio.read_dataframe(source, layer=layer, columns=[field], read_geometry=False)
    values = keys[field].dropna()
    if selector.numeric:
        values = values.astype("int64").astype(str).str.zfill(selector.width)
    prefixes = sorted(values.astype(str).str.strip().str[:5].unique())
    shown = ", ".join(prefixes[:_SHOWN_KEYS]) + (" ..." if len(prefixes) > _SHOWN_KEYS else "")
    what = "AGS" if level.width == 5 and not selector.from_ars else "AGS starting with"
    if selector.from_ars:
        what = "ARS starting with"
    return InputError(
        display,
        f"no feature with {what} '{key}'; county keys in the layer: {shown or 'none'} "
        f"({len(prefixes)} in all)",
        column=field,
    )


def _ags(features: Layer, selector: _Key, level: _Level) -> np.ndarray:
    """The AGS of each feature (``level.width`` digits), from AGS or ARS."""
    raw = features.fields[selector.field]
    if selector.numeric:
        text = raw.astype("int64").astype(str).str.zfill(selector.width)
    else:
        text = raw.astype(str).str.strip()
    bad = ~text.str.fullmatch(rf"\d{{{selector.width}}}").to_numpy(dtype=bool)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        label = "ARS" if selector.from_ars else "AGS"
        raise features.error(
            f"{label} {raw.iloc[row]!r} is not {selector.width} digits",
            feature=int(features.fids[row]),
            column=selector.field,
        )
    if selector.from_ars:  # ARS = Land, RB, Kreis (5) + Verband (4) + Gemeinde (3)
        text = text.str[:5] + text.str[9:12] if level.width == 8 else text.str[:5]
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
