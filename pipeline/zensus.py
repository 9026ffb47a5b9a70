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
"""

from __future__ import annotations

import codecs
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from duckdb import ColumnExpression, ConstantExpression, FunctionExpression
from shapely.geometry.base import BaseGeometry

from pipeline.errors import InputError

__all__ = [
    "GRID_CRS",
    "RATE_COLUMNS",
    "RESOLUTIONS",
    "SOURCE",
    "VALUE_KINDS",
    "cell_polygons",
    "read_zensus",
    "zensus_topic",
]

#: CRS of the grid IDs and cell centres (ETRS89-LAEA).
GRID_CRS = "EPSG:3035"
#: Resolutions the files come in, with the cell size in metres.
RESOLUTIONS: Mapping[str, int] = {"100m": 100, "1km": 1000, "10km": 10000}
#: How a value column treats the en dash: ``count`` -> 0, ``rate`` (means, shares) -> NaN.
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

_RATE_HINTS = ("anteil", "durchschn", "quote")  # unknown columns whose name holds these are rates
_FLAG_COLUMN = "werterlaeuternde_Zeichen"
_FLAG_LIMITED = "KLAMMERN"
_UNNAMED = "_unnamed"  # header fields without a name (a trailing ';') are not read as values
_DASHES = ("–", "-")
_CHUNK = 1 << 24
_READ_SQL = (
    "SELECT * FROM read_csv($path, delim=';', header=true, auto_detect=false, "
    "columns=$columns, quote='', escape='', strict_mode=true, null_padding=false)"
)
_LONG_ID = r"^CRS3035RES(?P<res>\d+)(?P<unit>k?m)N(?P<n>\d+)E(?P<e>\d+)$"
_SHORT_ID = r"^(?P<res>\d+)(?P<unit>k?m)N(?P<n>\d+)E(?P<e>\d+)$"
_NUMBER = r"[+-]?\d+(?:\.\d+)?"
_THOUSANDS = r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?"
_SEPARATORS = (",", "\t", "|")

Area = BaseGeometry | tuple[float, float, float, float] | gpd.GeoSeries | gpd.GeoDataFrame


@dataclass(frozen=True)
class _Csv:
    """A Zensus CSV ready for DuckDB: UTF-8 file, name for messages, original encoding."""

    path: Path
    display: str
    member: str
    encoding: str
    header: tuple[str, ...]

    def error(
        self, reason: str, *, line: int | None = None, column: str | None = None
    ) -> InputError:
        """Build an :class:`InputError` about this file."""
        return InputError(self.display, reason, line=line, column=column)

    def lines_of(self, raw_ids: Iterable[str]) -> dict[str, list[int]]:
        """Physical line numbers (header = 1) of the rows with these grid IDs."""
        found: dict[str, list[int]] = {str(i).strip(): [] for i in raw_ids}
        with self.path.open("r", encoding="utf-8", newline="") as handle:
            next(handle, None)
            for number, line in enumerate(handle, start=2):
                key = line.split(";", 1)[0].strip()
                if key in found:
                    found[key].append(number)
        return found

    def line_of(self, raw_id: str) -> int | None:
        """Line of the first row with this grid ID, or None."""
        lines = self.lines_of([raw_id])[str(raw_id).strip()]
        return lines[0] if lines else None


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
        Overrides how a value column treats the en dash (count -> 0, rate -> NaN). Columns
        not named here use :data:`RATE_COLUMNS`, then the rule that names containing
        ``Anteil``, ``Durchschn`` or ``quote`` (any case) are rates, everything else counts.

    Returns
    -------
    DataFrame
        One row per cell in file order: ``cell_id`` (canonical ``CRS3035RES100mN<n>E<e>``),
        ``x``, ``y`` (int64, lower-left corner in EPSG:3035 metres), the value columns as
        float64 and ``klammern`` (bool, value of limited reliability). ``attrs`` holds
        ``source`` (the file, ``archive.zip!member`` for a ZIP), ``topic``, ``encoding``
        (of the original file), ``dash_counts`` (en dashes per value column),
        ``resolution`` (metres) and ``citation``.

    Raises
    ------
    InputError
        For a file that is not a Zensus grid CSV: wrong separator, missing column,
        malformed grid ID, centre that does not match the ID, non-numeric value or
        duplicate cell; the message names the file, line and column.

    Examples
    --------
    >>> cells = read_zensus("Zensus2022_Bevoelkerungszahl.zip", area=county_3035)  # doctest: +SKIP
    >>> cells.columns.tolist()  # doctest: +SKIP
    ['cell_id', 'x', 'y', 'Einwohner', 'klammern']
    """
    path = _check_path(source)
    size = _check_resolution(resolution)
    bbox, geometry = _check_area(area)
    wanted = _check_columns(columns)
    overrides = _check_kinds(kinds)
    with tempfile.TemporaryDirectory(prefix="zensus_") as tmp:
        csv = _prepare(path, resolution, Path(tmp))
        id_col, x_col, y_col, values, flag = _header_columns(csv, resolution, wanted)
        raw = _scan(
            csv, [id_col, x_col, y_col, *values, *([flag] if flag else [])], x_col, y_col, bbox
        )
        centre_x, centre_y = _centres(csv, raw, id_col, x_col, y_col)
        keep = _in_area(centre_x, centre_y, bbox, geometry)
        raw = raw.filter(pa.array(keep))
        cells = _grid_ids(csv, raw[id_col], size, id_col)
        centres = (centre_x[keep], centre_y[keep])
        _check_centres(csv, raw, cells, centres, size, (id_col, x_col, y_col))
        _check_duplicates(csv, raw[id_col], cells["cell_id"], id_col)
        kind_of = {name: overrides.get(name, _default_kind(name)) for name in values}
        parsed, dashes = _values(csv, raw, values, kind_of, id_col)
    frame = pd.concat([cells, parsed], axis=1)
    frame["klammern"] = _flags(csv, raw[flag]) if flag else np.zeros(len(frame), dtype=bool)
    frame.attrs.update(
        source=csv.display,
        topic=zensus_topic(csv.member),
        encoding=csv.encoding,
        dash_counts=dashes,
        resolution=size,
        citation=SOURCE,
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
    stem = re.sub(r"^Zensus\d{4}_", "", stem, flags=re.IGNORECASE)
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


def _check_path(source: str | os.PathLike) -> Path:
    if not isinstance(source, str | os.PathLike):
        raise TypeError(f"source must be a path to a ZIP or CSV, got {type(source).__name__}")
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"Zensus file not found: {path}")
    return path


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


# --- file ---------------------------------------------------------------------------------


def _prepare(path: Path, resolution: str, tmp: Path) -> _Csv:
    """Extract the ZIP member if needed, transcode cp1252 to UTF-8, read the header."""
    csv_path, display, member = _extract(path, resolution, tmp)
    encoding = _detect_encoding(csv_path)
    if encoding != "utf-8":
        csv_path = _transcode(csv_path, tmp / "utf8.csv", encoding, display)
    header = _read_header(csv_path, display)
    return _Csv(csv_path, display, member, encoding, header)


def _extract(path: Path, resolution: str, tmp: Path) -> tuple[Path, str, str]:
    if not zipfile.is_zipfile(path):
        return path, str(path), path.name
    suffix = f"_{resolution}-Gitter.csv".lower()
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                info
                for info in archive.infolist()
                if not info.is_dir()
                and not info.filename.startswith("__MACOSX/")
                and not PurePosixPath(info.filename).name.startswith("._")
            ]
            hits = [info for info in members if info.filename.lower().endswith(suffix)]
            if len(hits) != 1:
                names = ", ".join(info.filename for info in members) or "none"
                raise InputError(
                    path,
                    f"expected exactly one member ending in '{suffix}', found {len(hits)}; "
                    f"members: {names}",
                )
            target = tmp / "member.csv"
            with archive.open(hits[0]) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)
    except zipfile.BadZipFile as err:
        raise InputError(path, f"damaged ZIP archive: {err}") from err
    name = hits[0].filename
    return target, f"{path}!{name}", PurePosixPath(name).name


def _detect_encoding(path: Path) -> str:
    """``utf-8`` if the whole file decodes as UTF-8, else ``cp1252``."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _transcode(src: Path, dst: Path, encoding: str, display: str) -> Path:
    with src.open("rb") as fin, dst.open("wb") as fout:
        for chunk in iter(lambda: fin.read(_CHUNK), b""):
            try:
                fout.write(chunk.decode(encoding).encode("utf-8"))
            except UnicodeDecodeError as err:
                bad = chunk[err.start : err.start + 1].hex()
                raise InputError(
                    display, f"neither UTF-8 nor {encoding}: byte 0x{bad} cannot be decoded"
                ) from err
    return dst


def _read_header(path: Path, display: str) -> tuple[str, ...]:
    with path.open("r", encoding="utf-8", newline="") as handle:
        line = handle.readline().lstrip("\ufeff").rstrip("\r\n")
    if not line.strip():
        raise InputError(
            display,
            "the file is empty or its first line is blank; expected a "
            "header 'GITTER_ID_100m;x_mp_100m;y_mp_100m;...'",
            line=1,
        )
    fields = [field.strip() for field in line.split(";")]
    if len(fields) < 4:
        guess = max(_SEPARATORS, key=line.count)
        if line.count(guess) >= 2:
            raise InputError(
                display, f"the separator looks like {guess!r}, but ';' was expected", line=1
            )
        raise InputError(
            display,
            f"header has {len(fields)} field(s) separated by ';', expected at least 4: {line!r}",
            line=1,
        )
    fields = [name or f"{_UNNAMED}{i + 1}" for i, name in enumerate(fields)]
    duplicated = sorted({name for name in fields if fields.count(name) > 1})
    if duplicated:
        raise InputError(
            display, f"header names {duplicated} more than once", line=1, column=duplicated[0]
        )
    return tuple(fields)


def _header_columns(
    csv: _Csv, resolution: str, wanted: list[str] | None
) -> tuple[str, str, str, list[str], str | None]:
    """Names of the ID, centre, value and flag columns, checked against the header."""
    by_lower = {name.lower(): name for name in csv.header}
    key_names = []
    for expected in (f"GITTER_ID_{resolution}", f"x_mp_{resolution}", f"y_mp_{resolution}"):
        if expected.lower() not in by_lower:
            hint = ""
            other = [
                r for r in RESOLUTIONS if r != resolution and f"gitter_id_{r}".lower() in by_lower
            ]
            if other:
                hint = f" (this looks like a {other[0]} file: pass resolution={other[0]!r})"
            raise csv.error(
                f"missing column '{expected}'{hint}; found: {', '.join(csv.header)}",
                line=1,
                column=expected,
            )
        key_names.append(by_lower[expected.lower()])
    flag = by_lower.get(_FLAG_COLUMN.lower())
    available = [
        name
        for name in csv.header
        if name not in (*key_names, flag) and not name.startswith(_UNNAMED)
    ]
    if wanted is None:
        values = available
    else:
        missing = [name for name in wanted if name not in available]
        if missing:
            raise csv.error(
                f"missing value column '{missing[0]}'; found: {', '.join(available) or 'none'}",
                line=1,
                column=missing[0],
            )
        values = wanted
    return key_names[0], key_names[1], key_names[2], values, flag


def _scan(
    csv: _Csv,
    columns: list[str],
    x_col: str,
    y_col: str,
    bbox: tuple[float, ...] | None,
) -> pa.Table:
    """Stream the CSV through DuckDB as text; keep rows whose centre may lie in ``bbox``."""
    connection = duckdb.connect()
    try:
        relation = connection.sql(
            _READ_SQL,
            params={"path": str(csv.path), "columns": dict.fromkeys(csv.header, "VARCHAR")},
        )
        relation = relation.project(*(ColumnExpression(name) for name in columns))
        if bbox is not None:
            x, y = _as_double(x_col), _as_double(y_col)
            minx, miny, maxx, maxy = bbox
            inside = x.between(ConstantExpression(minx), ConstantExpression(maxx)) & y.between(
                ConstantExpression(miny), ConstantExpression(maxy)
            )
            # rows whose centre is not a plain number stay, to be reported by _centres
            relation = relation.filter(x.isnull() | y.isnull() | inside)
        return relation.to_arrow_table()
    except duckdb.Error as err:
        raise _duckdb_error(csv, err) from err
    finally:
        connection.close()


def _as_double(column: str):
    text = FunctionExpression(
        "replace", ColumnExpression(column), ConstantExpression(","), ConstantExpression(".")
    )
    return text.try_cast(duckdb.sqltype("DOUBLE"))


def _duckdb_error(csv: _Csv, err: duckdb.Error) -> InputError:
    message = str(err)
    line = re.search(r"CSV Error on Line: (\d+)", message)
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if counts:
        reason = (
            f"expected {counts.group(1)} fields separated by ';' as in the header, "
            f"found {counts.group(2)}"
        )
    else:
        reason = f"cannot be read as a ';'-separated CSV: {message.splitlines()[0]}"
    return csv.error(reason, line=int(line.group(1)) if line else None)


# --- parsing ------------------------------------------------------------------------------


def _text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trimmed text, empty for missing fields."""
    return pc.fill_null(pc.utf8_trim_whitespace(column), "")


def _matches(text: pa.ChunkedArray, pattern: str) -> pa.ChunkedArray:
    return pc.match_substring_regex(text, f"^(?:{pattern})$")


def _numbers(raw: pa.ChunkedArray, *, thousands: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """German-formatted numbers as float; also the dash and the not-a-number masks.

    Empty fields become NaN. With ``thousands``, ``1.234`` is 1234; otherwise a dot is only
    taken as a thousands separator in front of a decimal comma (``1.234,5``).
    """
    text = _text(raw)
    empty = pc.equal(text, "")
    dash = pc.is_in(text, value_set=pa.array(_DASHES))
    grouped = _matches(text, _THOUSANDS)
    if not thousands:
        grouped = pc.and_(grouped, pc.match_substring(text, ","))
    body = pc.if_else(grouped, pc.replace_substring(text, ".", ""), text)
    body = pc.replace_substring(body, ",", ".")
    valid = _matches(body, _NUMBER)
    values = pc.cast(pc.if_else(valid, body, pa.scalar(None, pa.string())), pa.float64())
    bad = pc.invert(pc.or_(pc.or_(valid, empty), dash))
    return (
        values.to_numpy(zero_copy_only=False).astype(float),
        dash.to_numpy(zero_copy_only=False).astype(bool),
        bad.to_numpy(zero_copy_only=False).astype(bool),
    )


def _cell(raw: pa.Table, column: str, row: int) -> str | None:
    return raw[column][row].as_py()


def _bad_value(
    csv: _Csv, raw: pa.Table, bad: np.ndarray, column: str, id_col: str, expected: str
) -> InputError:
    row = int(np.flatnonzero(bad)[0])
    return csv.error(
        f"value {_cell(raw, column, row)!r} is not {expected}",
        line=csv.line_of(_cell(raw, id_col, row) or ""),
        column=column,
    )


def _centres(
    csv: _Csv, raw: pa.Table, id_col: str, x_col: str, y_col: str
) -> tuple[np.ndarray, np.ndarray]:
    centres = []
    for column in (x_col, y_col):
        values, _, bad = _numbers(raw[column], thousands=True)
        bad |= np.isnan(values)
        if bad.any():
            raise _bad_value(csv, raw, bad, column, id_col, "a coordinate in metres")
        centres.append(values)
    return centres[0], centres[1]


def _in_area(
    x: np.ndarray, y: np.ndarray, bbox: tuple[float, ...] | None, geometry: BaseGeometry | None
) -> np.ndarray:
    if geometry is not None:
        return shapely.intersects_xy(geometry, x, y)
    if bbox is not None:
        minx, miny, maxx, maxy = bbox
        return (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    return np.ones(len(x), dtype=bool)


def _grid_ids(csv: _Csv, ids: pa.ChunkedArray, size: int, id_col: str) -> pd.DataFrame:
    """Lower-left corner and canonical ID from long (``CRS3035RES...``) or short IDs."""
    text = _text(ids)
    long, short = pc.extract_regex(text, _LONG_ID), pc.extract_regex(text, _SHORT_ID)
    is_long = long.is_valid()
    ok = pc.or_(is_long, short.is_valid()).to_numpy(zero_copy_only=False)
    if not ok.all():
        row = int(np.flatnonzero(~ok)[0])
        raise csv.error(
            f"grid ID {text[row].as_py()!r} is not of the form CRS3035RES{size}mN<north>E<east> "
            f"or {_short_label(size)}N<north/{size}>E<east/{size}>",
            line=csv.line_of(ids[row].as_py() or ""),
            column=id_col,
        )

    def part(name: str) -> np.ndarray:
        chosen = pc.if_else(is_long, pc.struct_field(long, name), pc.struct_field(short, name))
        if name == "unit":
            return pc.equal(chosen, "km").to_numpy(zero_copy_only=False).astype(bool)
        return pc.cast(chosen, pa.int64()).to_numpy(zero_copy_only=False)

    res = part("res") * np.where(part("unit"), 1000, 1)
    scale = np.where(is_long.to_numpy(zero_copy_only=False), 1, res)
    north, east = part("n") * scale, part("e") * scale
    problems = (
        (res != size, "has a cell size of {} m, expected " + f"{size} m", res),
        ((north % size != 0) | (east % size != 0), f"is not on the {size} m grid", None),
    )
    for bad, template, detail in problems:
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            reason = template.format(detail[row]) if detail is not None else template
            raise csv.error(
                f"grid ID {text[row].as_py()!r} {reason}",
                line=csv.line_of(ids[row].as_py()),
                column=id_col,
            )
    cell_id = pc.binary_join_element_wise(
        f"CRS3035RES{size}mN",
        pc.cast(pa.array(north), pa.string()),
        "E",
        pc.cast(pa.array(east), pa.string()),
        "",
    )
    return pd.DataFrame(
        {"cell_id": cell_id.to_pandas(), "x": east.astype("int64"), "y": north.astype("int64")}
    )


def _short_label(size: int) -> str:
    return f"{size // 1000}km" if size >= 1000 else f"{size}m"


def _check_centres(
    csv: _Csv,
    raw: pa.Table,
    cells: pd.DataFrame,
    centres: tuple[np.ndarray, np.ndarray],
    size: int,
    columns: tuple[str, str, str],
) -> None:
    id_col, x_col, y_col = columns
    half = size / 2
    for column, corner, centre in (
        (x_col, cells["x"], centres[0]),
        (y_col, cells["y"], centres[1]),
    ):
        expected = corner.to_numpy(dtype=float) + half
        bad = ~np.isclose(centre, expected, rtol=0, atol=1e-6)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise csv.error(
                f"cell centre {_cell(raw, column, row)!r} does not match the grid ID "
                f"{_cell(raw, id_col, row)!r}: expected {expected[row]:.0f} "
                f"(lower-left corner + {half:g} m)",
                line=csv.line_of(_cell(raw, id_col, row)),
                column=column,
            )


def _check_duplicates(
    csv: _Csv, raw_ids: pa.ChunkedArray, cell_ids: pd.Series, id_col: str
) -> None:
    repeated = cell_ids.duplicated(keep=False).to_numpy()
    if not repeated.any():
        return
    first = cell_ids.iloc[int(np.flatnonzero(repeated)[0])]
    rows = np.flatnonzero((cell_ids == first).to_numpy())
    spellings = {raw_ids[int(row)].as_py().strip() for row in rows}
    lines = sorted(n for found in csv.lines_of(spellings).values() for n in found)
    raise csv.error(
        f"cell {first} appears more than once, on lines {', '.join(map(str, lines))}",
        line=lines[0] if lines else None,
        column=id_col,
    )


def _values(
    csv: _Csv, raw: pa.Table, values: list[str], kind_of: Mapping[str, str], id_col: str
) -> tuple[pd.DataFrame, dict[str, int]]:
    parsed: dict[str, np.ndarray] = {}
    dashes: dict[str, int] = {}
    for column in values:
        is_count = kind_of[column] == "count"
        numbers, dash, bad = _numbers(raw[column], thousands=is_count)
        if bad.any():
            raise _bad_value(
                csv, raw, bad, column, id_col, "a number (decimal comma) or the en dash '–'"
            )
        numbers[dash] = 0.0 if is_count else np.nan
        parsed[column] = numbers
        dashes[column] = int(dash.sum())
    return pd.DataFrame(parsed, index=pd.RangeIndex(raw.num_rows), dtype="float64"), dashes


def _flags(csv: _Csv, raw: pa.ChunkedArray) -> np.ndarray:
    text = pc.utf8_upper(_text(raw))
    unknown = sorted(set(pc.unique(text).to_pylist()) - {"", _FLAG_LIMITED})
    if unknown:
        warnings.warn(
            f"{csv.display}: column '{_FLAG_COLUMN}' holds unknown marks {unknown[:5]}; "
            f"only {_FLAG_LIMITED} sets 'klammern'",
            stacklevel=3,
        )
    return pc.equal(text, _FLAG_LIMITED).to_numpy(zero_copy_only=False).astype(bool)
