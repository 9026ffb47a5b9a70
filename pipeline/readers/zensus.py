"""Read Zensus 2022 grid-cell CSVs (Statistisches Bundesamt) for one area.

Destatis publishes one ZIP per topic holding ``Zensus2022_<Thema>_<100m|1km|10km>-Gitter.csv``
files: ``;``-separated, decimal comma, UTF-8 for most topics and cp1252 for a few (where the
en dash is byte 0x96). Each row is one populated cell: a grid ID, the cell centre
(``x_mp``/``y_mp``), the value columns and ``werterlaeuternde_Zeichen`` (empty or
``KLAMMERN``). The en dash ``–`` means "nothing": a count becomes 0, a mean or rate NaN.

The national 100 m file has about 3.1 million rows (0.5 GB), so :func:`read_zensus` streams
it through DuckDB's CSV reader, reading every field as text, keeps only the cells whose
centre lies in the bounding box of ``area`` and then tests the centres exactly against the
area with vectorized shapely. Fields are validated and converted afterwards, so every
problem is reported with the file, the line (the header is line 1) and the column.

Validation happens on the cells of ``area`` only: a malformed row outside the area of a
national file is never looked at.

Values are parsed by the kind of their column (:data:`VALUE_KINDS`). A count is a whole
number: ``.`` or ``,`` before groups of exactly three digits is a thousands separator
(``1.097`` and ``1,097`` are 1097) and a fraction (``12,5``) is an error, since a count with
a decimal part means the column was misread or mislabelled. Means and rates keep the
decimal comma (``36,75`` is 36.75).

Zensus 2011 files in wide format (short grid IDs such as ``100mN26680E43341``, e.g.
``Zensus_Bevoelkerung_100m-Gitter.csv``, Latin-1) are read too: their markers ``-1``
(secret or unknown) and ``-9`` (not meaningful) become missing values, counted per column
and marker in ``attrs["marker_counts"]`` with the reasons in ``attrs["marker_reasons"]``.
A file is taken to be from 2011 when every grid ID read has the short form. The 2011
thematic files in long format (``Gitter_ID_100m;Merkmal;Auspraegung_Code;...;Anzahl``)
are refused with a message saying so.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from shapely.geometry.base import BaseGeometry

from pipeline.crs import GRID_CRS
from pipeline.readers._zensus_csv import (
    MARKERS_2011,
    RESOLUTIONS,
    centres_in_area,
    check_centres,
    check_duplicates,
    header_columns,
    parse_flags,
    parse_grid_ids,
    parse_values,
    prepare_csv,
    read_centres,
    scan_cells,
)
from pipeline.readers.tables import check_file

__all__ = [
    "MARKERS_2011",
    "RATE_COLUMNS",
    "RESOLUTIONS",
    "SOURCE",
    "SOURCE_2011",
    "VALUE_KINDS",
    "cell_polygons",
    "read_zensus",
    "zensus_topic",
]

#: How a value column is parsed: a ``count`` is a whole number and its en dash 0; a ``rate``
#: (means, shares) keeps the decimal comma and its en dash is NaN.
VALUE_KINDS = ("count", "rate")
#: Known value columns that hold means or rates.
RATE_COLUMNS = frozenset(
    {
        "Durchschnittsalter",
        "AnteilUnter18",
        "AnteilUeber65",
        "AnteilAuslaender",
        "DurchschnHHGroesse",
        "durchschnMieteQM",
        "durchschnFlaechejeBew",
        "Eigentuemerquote",
        "Leerstandsquote",
    }
)
#: Citation for outputs.
SOURCE = "Statistisches Bundesamt (Destatis), Zensus 2022, Gitterzellen"
#: Citation for outputs read from Zensus 2011 files.
SOURCE_2011 = "Statistisches Bundesamt (Destatis), Zensus 2011, Gitterzellen"

_RATE_HINTS = ("anteil", "durchschn", "quote")  # unknown columns whose name holds these are rates
_RATE_SUFFIX = re.compile(r"_[AD]$")  # Zensus 2011: Alter_D (mean), unter18_A (share)
Area = BaseGeometry | tuple[float, float, float, float] | gpd.GeoSeries | gpd.GeoDataFrame

#: Topics read at once: DuckDB and Arrow release the GIL, so two threads use both cores.
TOPIC_THREADS = 2


def read_zensus_topics(
    sources: Mapping[str, str | os.PathLike],
    *,
    area: Area | None = None,
    threads: int = TOPIC_THREADS,
) -> dict[str, pd.DataFrame]:
    """Read several topics (:func:`read_zensus` each) in threads, as a dict in the given order.

    The first topic in order whose file is bad raises its error, as a loop would.
    """
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        futures = {topic: pool.submit(read_zensus, path, area=area)
                   for topic, path in sources.items()}
        return {topic: future.result() for topic, future in futures.items()}


def read_zensus(
    source: str | os.PathLike,
    columns: Sequence[str] | None = None,
    *,
    area: Area | None = None,
    resolution: str = "100m",
    kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read the cells of one Zensus 2022 topic, optionally only those in an area.

    Parameters
    ----------
    source : str or PathLike
        The topic's ZIP as downloaded (the member ending in ``_<resolution>-Gitter.csv`` is
        read, also inside a folder) or the extracted CSV.
    columns : sequence of str, optional
        Value columns to keep; default all (every column but the grid ID, the centre and
        ``werterlaeuternde_Zeichen``).
    area : shapely geometry, bbox tuple, GeoSeries or GeoDataFrame, optional
        Keep only cells whose centre lies in it (boundary included). A shapely geometry or a
        ``(minx, miny, maxx, maxy)`` tuple is taken to be in EPSG:3035; a GeoSeries or
        GeoDataFrame is reprojected from its own CRS. Default: all cells.
    resolution : {"100m", "1km", "10km"}, default "100m"
        Grid resolution of the file.
    kinds : mapping of str to {"count", "rate"}, optional
        Overrides how a value column is parsed: a count is a whole number (thousands
        separators allowed, the en dash is 0), a rate keeps the decimal comma (the en dash
        is NaN). Columns not named here use :data:`RATE_COLUMNS`, then the rule that names
        containing ``Anteil``, ``Durchschn`` or ``quote`` (any case) or ending in ``_A`` or
        ``_D`` (Zensus 2011) are rates, everything else counts.

    Returns
    -------
    DataFrame
        One row per cell in file order: ``cell_id`` (canonical ``CRS3035RES100mN<n>E<e>``),
        ``x``, ``y`` (int64, lower-left corner in EPSG:3035 metres), the value columns as
        float64 and ``klammern`` (bool, value of limited reliability). ``attrs`` holds
        ``source`` (the file, ``archive.zip!member`` for a ZIP), ``topic``, ``encoding``
        (of the original file), ``dash_counts`` (en dashes per value column),
        ``resolution`` (metres), ``edition`` (2022, or 2011 for short grid IDs) and
        ``citation``; a 2011 file adds ``marker_counts`` (per column, the number of
        values ``-1`` and ``-9`` made missing) and ``marker_reasons``.

    Raises
    ------
    InputError
        For a file that is not a Zensus grid CSV: wrong separator, missing column,
        malformed grid ID, centre that does not match the ID, non-numeric value, fraction
        in a count column, negative value (other than a 2011 marker), duplicate cell, or a
        Zensus 2011 file in long format; the message names the file, line and column.

    Examples
    --------
    >>> cells = read_zensus("Zensus2022_Bevoelkerungszahl.zip", area=county_3035)  # doctest: +SKIP
    >>> cells.columns.tolist()  # doctest: +SKIP
    ['cell_id', 'x', 'y', 'Einwohner', 'klammern']
    """
    path = check_file(source, "Zensus file", argument="source", expected="a path to a ZIP or CSV")
    size = _check_resolution(resolution)
    bbox, geometry = _check_area(area)
    wanted = _check_columns(columns)
    overrides = _check_kinds(kinds)
    with tempfile.TemporaryDirectory(prefix="zensus_") as tmp:
        csv = prepare_csv(path, resolution, Path(tmp))
        id_col, x_col, y_col, values, flag = header_columns(csv, resolution, wanted)
        raw = scan_cells(
            csv, [id_col, x_col, y_col, *values, *([flag] if flag else [])], x_col, y_col, bbox
        )
        centre_x, centre_y = read_centres(csv, raw, id_col, x_col, y_col)
        keep = centres_in_area(centre_x, centre_y, bbox, geometry)
        raw = raw.filter(pa.array(keep))
        cells, short_ids = parse_grid_ids(csv, raw[id_col], size, id_col)
        centres = (centre_x[keep], centre_y[keep])
        check_centres(csv, raw, cells, centres, size, (id_col, x_col, y_col))
        check_duplicates(csv, raw[id_col], cells["cell_id"], id_col)
        kind_of = {name: overrides.get(name, _default_kind(name)) for name in values}
        parsed, dashes, markers = parse_values(
            csv, raw, values, kind_of, id_col, markers=short_ids
        )
    frame = pd.concat([cells, parsed], axis=1)
    frame["klammern"] = parse_flags(csv, raw[flag]) if flag else np.zeros(len(frame), dtype=bool)
    frame.attrs.update(
        source=csv.display,
        topic=zensus_topic(csv.member),
        encoding=csv.encoding,
        dash_counts=dashes,
        resolution=size,
        edition=2011 if short_ids else 2022,
        citation=SOURCE_2011 if short_ids else SOURCE,
    )
    if short_ids:
        frame.attrs.update(
            marker_counts=markers, marker_reasons={str(k): v for k, v in MARKERS_2011.items()}
        )
    if area is not None and frame.empty:
        warnings.warn(
            f"{csv.display}: no cell centre lies in the area (bounds {_bounds(bbox, geometry)}); "
            "is the area in EPSG:3035?",
            stacklevel=2,
        )
    return frame


def zensus_topic(source: str | os.PathLike) -> str:
    """Topic (Thema) of a Zensus file, from its name.

    Parameters
    ----------
    source : str or PathLike
        A ZIP or CSV name such as ``Zensus2022_Bevoelkerungszahl_100m-Gitter.csv`` or
        ``Zensus2022_Alter_5er-Jahresgruppen.zip``.

    Returns
    -------
    str
        The topic, e.g. ``Bevoelkerungszahl`` (the name without ``Zensus2022_``, the
        resolution suffix and the extension).

    Examples
    --------
    >>> zensus_topic("data/Zensus2022_Alter_5er-Jahresgruppen_100m-Gitter.csv")
    'Alter_5er-Jahresgruppen'
    """
    name = PurePosixPath(str(os.fspath(source)).replace("\\", "/")).name
    stem = re.sub(r"\.(zip|csv)$", "", name, flags=re.IGNORECASE)
    stem = re.sub(r"_(100m|1km|10km)-Gitter$", "", stem, flags=re.IGNORECASE)
    stem = re.sub(r"_Gitter$", "", stem, flags=re.IGNORECASE)
    stem = re.sub(r"^Zensus(?:\d{4})?_", "", stem, flags=re.IGNORECASE)
    if not stem:
        raise ValueError(f"cannot derive a Zensus topic from the file name {name!r}")
    return stem


def cell_polygons(df: pd.DataFrame, resolution: int | None = None) -> gpd.GeoDataFrame:
    """Square cell polygons for a table of grid cells.

    Parameters
    ----------
    df : DataFrame
        With ``x`` and ``y`` (lower-left corners in EPSG:3035), e.g. from
        :func:`read_zensus`. Other columns are kept.
    resolution : int, optional
        Cell size in metres; default ``df.attrs['resolution']``, else read from ``cell_id``.

    Returns
    -------
    GeoDataFrame
        A copy of ``df`` with the cell squares as ``geometry`` in EPSG:3035.

    Examples
    --------
    >>> cells = pd.DataFrame({"x": [4337000], "y": [2689100]})
    >>> cell_polygons(cells, 100).geometry.iloc[0].bounds
    (4337000.0, 2689100.0, 4337100.0, 2689200.0)
    """
    missing = [c for c in ("x", "y") if c not in df.columns]
    if missing:
        raise ValueError(f"df needs the columns 'x' and 'y', missing {missing}")
    size = _cell_size(df, resolution)
    x = df["x"].to_numpy(dtype=float)
    y = df["y"].to_numpy(dtype=float)
    squares = shapely.box(x, y, x + size, y + size)
    return gpd.GeoDataFrame(df.copy(), geometry=squares, crs=GRID_CRS)


# --- arguments ----------------------------------------------------------------------------


def _check_resolution(resolution: str) -> int:
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {tuple(RESOLUTIONS)}, got {resolution!r}")
    return RESOLUTIONS[resolution]


def _check_columns(columns: Sequence[str] | None) -> list[str] | None:
    if columns is None:
        return None
    if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
        raise TypeError(f"columns must be a sequence of column names, got {columns!r}")
    return list(dict.fromkeys(columns))


def _check_kinds(kinds: Mapping[str, str] | None) -> dict[str, str]:
    overrides = dict(kinds or {})
    bad = {name: kind for name, kind in overrides.items() if kind not in VALUE_KINDS}
    if bad:
        raise ValueError(f"kinds must map column names to one of {VALUE_KINDS}, got {bad}")
    return overrides


def _check_area(area: Area | None) -> tuple[tuple[float, ...] | None, BaseGeometry | None]:
    """Return the bbox to prefilter with and the geometry to test exactly (or None)."""
    if area is None:
        return None, None
    if isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        if area.crs is None:
            raise ValueError("area has no CRS; set it or pass a shapely geometry in EPSG:3035")
        area = area.to_crs(GRID_CRS).geometry.union_all()
    if isinstance(area, BaseGeometry):
        if area.is_empty or area.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"area must be a non-empty (Multi)Polygon, got {area.geom_type}")
        geometry = shapely.from_wkb(shapely.to_wkb(area))  # a copy, prepared below
        shapely.prepare(geometry)
        return tuple(float(v) for v in geometry.bounds), geometry
    if isinstance(area, tuple | list | np.ndarray) and len(area) == 4:
        minx, miny, maxx, maxy = (float(v) for v in area)
        if not (minx <= maxx and miny <= maxy):
            raise ValueError(f"area bbox must be (minx, miny, maxx, maxy), got {tuple(area)}")
        return (minx, miny, maxx, maxy), None
    raise TypeError(
        "area must be a shapely geometry, a (minx, miny, maxx, maxy) tuple, a GeoSeries or a "
        f"GeoDataFrame, got {type(area).__name__}"
    )


def _default_kind(name: str) -> str:
    if name in RATE_COLUMNS or any(hint in name.lower() for hint in _RATE_HINTS):
        return "rate"
    if _RATE_SUFFIX.search(name):
        return "rate"
    return "count"


def _cell_size(df: pd.DataFrame, resolution: int | None) -> int:
    if resolution is not None:
        if resolution <= 0:
            raise ValueError(f"resolution must be a positive number of metres, got {resolution}")
        return resolution
    if "resolution" in df.attrs:
        return int(df.attrs["resolution"])
    if "cell_id" in df.columns and len(df):
        sizes = df["cell_id"].astype(str).str.extract(r"^CRS3035RES(\d+)m")[0].unique()
        if len(sizes) == 1 and isinstance(sizes[0], str):
            return int(sizes[0])
    raise ValueError("cannot tell the cell size from df; pass resolution (metres)")


def _bounds(bbox: tuple[float, ...] | None, geometry: BaseGeometry | None) -> tuple[float, ...]:
    return tuple(round(v) for v in (geometry.bounds if geometry is not None else bbox or ()))


