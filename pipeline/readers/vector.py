"""Vector layers as arrays: open, check and read a layer with errors that name the feature.

The readers of polygon and line layers (:mod:`pipeline.readers.units`,
:mod:`pipeline.readers.vg250`, :mod:`pipeline.readers.barriers`) share these helpers: the layer and
field lookups are case-insensitive, CRS problems are explained, and every problem raises
:class:`~pipeline.errors.InputError` naming the file and layer, the feature (its FID, as QGIS shows
it) and the field.

ZIP archives are read in place, as downloaded: BKG nests its files in folders
(``vg250_01-01.utm32s.shape.ebenen/vg250_ebenen_0101/VG250_GEM.shp``), so
:func:`locate_source` picks the member by layer name (``vg250_gem`` <-> ``VG250_GEM.shp``,
case-insensitively) or the GeoPackage, and GDAL reads it through ``/vsizip/``. Messages
then name ``archive.zip!member``. :func:`open_layer`, :func:`read_layer` and
:func:`layer_display` accept the archive path directly, so every reader opens ZIPs.
"""

from __future__ import annotations

import os
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import pyproj
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj.exceptions import CRSError

from pipeline.errors import InputError

__all__ = [
    "POLYGON_TYPES",
    "VECTOR_SUFFIXES",
    "Layer",
    "Source",
    "as_multipolygons",
    "check_geometries",
    "existing_path",
    "layer_crs",
    "layer_display",
    "list_layers",
    "locate_source",
    "open_layer",
    "read_layer",
    "require_fields",
]

#: Geometry types accepted for areal units.
POLYGON_TYPES = ("Polygon", "MultiPolygon")
#: Vector files looked for in folders and ZIP archives; the first two hold several layers.
VECTOR_SUFFIXES = (".gpkg", ".sqlite", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml")
_CONTAINERS = (".gpkg", ".sqlite")
_SHOWN_MEMBERS = 20


@dataclass(frozen=True)
class Source:
    """A vector file GDAL can open: its GDAL name and the name messages use."""

    gdal: str
    display: str
    member: str | None = None  # the member of a ZIP archive


@dataclass(frozen=True)
class Layer:
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

    def take(self, mask: np.ndarray) -> Layer:
        """The features where ``mask`` is true."""
        return replace(
            self,
            fids=self.fids[mask],
            fields=self.fields.loc[mask].reset_index(drop=True),
            geometry=self.geometry[mask],
        )


def existing_path(path: str | os.PathLike) -> str:
    """The path as a string, after checking that it is a path and exists."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a file path, got {type(path).__name__}")
    if not Path(path).exists():
        raise FileNotFoundError(f"vector file not found: {path}")
    return str(path)


def layer_display(path: str, layer: str) -> str:
    """How messages name a layer: ``<path> (layer '<name>')``, ``<zip>!<member> (...)``."""
    if _is_zip(path):
        path = locate_source(path, fallback=layer).display
    return f"{path} (layer '{layer}')"


def locate_source(
    path: str | os.PathLike, layer: str | None = None, *, fallback: str | None = None
) -> Source:
    """The vector file to open for ``layer`` in a file, a folder or a ZIP archive.

    Parameters
    ----------
    path : str or PathLike
        A vector file, a folder holding vector files (searched recursively), or a ZIP
        archive holding them in any folder.
    layer : str, optional
        The layer wanted. In a folder or archive it selects the file of that name
        (``vg250_gem`` -> ``VG250_GEM.shp``, any case), else the one GeoPackage, in which
        :func:`open_layer` then finds the layer; next to a shapefile path it selects the
        sibling shapefile of that name. The file must exist.
    fallback : str, optional
        A layer name tried like ``layer`` when ``layer`` is None, but not required: without
        a match the GeoPackage, or the only vector file, is used.

    Returns
    -------
    Source
        ``gdal`` (a path, or ``/vsizip/<archive>/<member>``) and ``display`` (the path, or
        ``<archive>!<member>``) for messages.

    Raises
    ------
    InputError
        A folder or archive without a matching file; the message lists the files found.
    """
    source = Path(existing_path(path))
    wanted = layer if layer is not None else fallback
    if source.is_dir():
        files = sorted(
            str(p.relative_to(source).as_posix()) for p in source.rglob("*") if p.is_file()
        )
        chosen = _pick(source, files, wanted, strict=layer is not None)
        return Source(str(source / chosen), str(source / chosen))
    if _is_zip(source):
        members = _zip_members(str(source.resolve()), source.stat().st_mtime_ns)
        chosen = _pick(source, list(members), wanted, strict=layer is not None)
        return Source(f"/vsizip/{source.resolve().as_posix()}/{chosen}", f"{path}!{chosen}", chosen)
    if source.suffix.lower() == ".shp" and wanted and source.stem.lower() != wanted.lower():
        siblings = sorted(
            p for p in source.parent.glob("*") if p.name.lower() == f"{wanted}.shp".lower()
        )
        if siblings:
            return Source(str(siblings[0]), str(siblings[0]))
        if layer is not None:
            names = ", ".join(p.stem for p in sorted(source.parent.glob("*.[sS][hH][pP]")))
            raise InputError(source, f"has no sibling shapefile '{layer}.shp'; layers: {names}")
    return Source(str(path), str(path))


def _is_zip(path: str | os.PathLike) -> bool:
    candidate = Path(path)
    return (
        candidate.suffix.lower() == ".zip" and candidate.is_file() and zipfile.is_zipfile(candidate)
    )


@lru_cache(maxsize=32)
def _zip_members(archive: str, mtime_ns: int) -> tuple[str, ...]:
    """Files in an archive, without folders and macOS metadata (cached per version)."""
    del mtime_ns  # part of the cache key only
    try:
        with zipfile.ZipFile(archive) as handle:
            names = handle.namelist()
    except zipfile.BadZipFile as err:
        raise InputError(archive, f"damaged ZIP archive: {err}") from err
    return tuple(
        name
        for name in names
        if not name.endswith("/")
        and not name.startswith("__MACOSX/")
        and not PurePosixPath(name).name.startswith("._")
    )


def _pick(where: Path, files: list[str], wanted: str | None, *, strict: bool) -> str:
    """The file for ``wanted``: one so named, the GeoPackage, or (not strict) the only one."""
    vector = [f for f in files if PurePosixPath(f).suffix.lower() in VECTOR_SUFFIXES]
    if wanted:
        named = [f for f in vector if PurePosixPath(f).stem.lower() == wanted.lower()]
        named.sort(key=lambda f: PurePosixPath(f).suffix.lower() != ".shp")
        if named:
            return named[0]
    containers = [f for f in vector if PurePosixPath(f).suffix.lower() in _CONTAINERS]
    if len(containers) == 1:
        return containers[0]
    if not strict and len(vector) == 1:
        return vector[0]
    shown = vector or files
    listed = ", ".join(shown[:_SHOWN_MEMBERS]) + (" ..." if len(shown) > _SHOWN_MEMBERS else "")
    if len(containers) > 1:
        reason = f"holds {len(containers)} GeoPackages; pick one: {', '.join(containers)}"
    elif wanted:
        reason = (
            f"has no shapefile '{wanted}.shp' (nor another vector file named '{wanted}') and "
            f"no GeoPackage; found: {listed or 'none'}"
        )
    else:
        reason = (
            f"holds {len(vector)} vector files, name the layer to read; found: {listed or 'none'}"
        )
    raise InputError(where, reason)


def list_layers(source: str, display: str) -> list[str]:
    """Names of the layers in a data source."""
    try:
        return [str(name) for name in pyogrio.list_layers(source)[:, 0]]
    except (DataSourceError, DataLayerError) as err:
        raise InputError(display, f"cannot be opened as a vector data source: {err}") from err


def open_layer(source: str, display: str, layer: str | None) -> tuple[str, dict]:
    """Name and pyogrio info of the requested layer (or the only one).

    ``source`` may be a ZIP archive: the member is chosen by :func:`locate_source`.
    """
    if _is_zip(source):
        located = locate_source(source, layer)
        source, display = located.gdal, f"{display}!{located.member}"
    names = list_layers(source, display)
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


def require_fields(display: str, info: dict, required: Sequence[str]) -> dict[str, str]:
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


def layer_crs(display: str, declared: str | None, override: str | pyproj.CRS | None) -> pyproj.CRS:
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


def read_layer(
    source: str, display: str, layer: str, columns: Sequence[str], where: str | None = None
) -> Layer:
    """Read fields, FIDs and geometries of a layer without interpreting its CRS.

    ``source`` may be a ZIP archive, as for :func:`open_layer`.
    """
    if _is_zip(source):
        source = locate_source(source, fallback=layer).gdal
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
    return Layer(display, layer, fids, fields, np.asarray(geometry, dtype=object), meta["crs"])


def check_geometries(
    layer: Layer,
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
        geometry[invalid] = as_multipolygons(shapely.make_valid(geometry[invalid]))
    return geometry


_TYPE_IDS = {"Point": 0, "LineString": 1, "Polygon": 3, "MultiPoint": 4,
             "MultiLineString": 5, "MultiPolygon": 6}


def as_multipolygons(geometry: np.ndarray) -> np.ndarray:
    """The polygon parts of each geometry as one MultiPolygon (empty if it has none)."""
    parts, index = shapely.get_parts(geometry, return_index=True)
    keep = shapely.get_type_id(parts) == _TYPE_IDS["Polygon"]
    out = np.array([shapely.MultiPolygon()] * len(geometry), dtype=object)
    return shapely.multipolygons(parts[keep], indices=index[keep], out=out)
