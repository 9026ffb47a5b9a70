"""The Zensus CSV itself: extraction from the ZIP, encoding, header, the DuckDB scan, parsing.

Private to :mod:`pipeline.readers.zensus`: every check names the file, the line (the header
is line 1) and the column of the first offending field.
"""

from __future__ import annotations

import codecs
import re
import shutil
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from duckdb import ColumnExpression, ConstantExpression, FunctionExpression
from shapely.geometry.base import BaseGeometry

from pipeline.errors import InputError
from pipeline.readers.tables import ZIP_MAGIC, check_text

#: Resolutions the files come in, with the cell size in metres.
RESOLUTIONS: Mapping[str, int] = {"100m": 100, "1km": 1000, "10km": 10000}

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
# a whole number with one kind of thousands separator: 1.097, 1,097, 1.234.567
_GROUPED = r"[+-]?\d{1,3}(?:(?:\.\d{3})+|(?:,\d{3})+)"
#: How a field is parsed: counts are whole numbers, rates keep the decimal comma.
NUMBER_KINDS = ("count", "rate", "coordinate")
#: Zensus 2011 markers in value fields, with the reason the value is missing.
MARKERS_2011: Mapping[int, str] = {
    -1: "secret or unknown (Zensus 2011 marker -1)",
    -9: "not meaningful or unknown (Zensus 2011 marker -9)",
}
_LONG_FORMAT = ("merkmal", "auspraegung_code", "anzahl")
_LONG_MEMBER = re.compile(r"[a-z]\d*(?:100m|1km)\.csv$", re.IGNORECASE)  # Bevoelkerung100M.csv
_SEPARATORS = (",", "\t", "|")


@dataclass(frozen=True)
class ZensusCsv:
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


# --- file ---------------------------------------------------------------------------------


def prepare_csv(path: Path, resolution: str, tmp: Path) -> ZensusCsv:
    """Extract the ZIP member if needed, transcode cp1252 to UTF-8, read the header."""
    csv_path, display, member = _extract(path, resolution, tmp)
    encoding = _detect_encoding(csv_path)
    if encoding != "utf-8":
        csv_path = _transcode(csv_path, tmp / "utf8.csv", encoding, display)
    header = _read_header(csv_path, display)
    return ZensusCsv(csv_path, display, member, encoding, header)


def _extract(path: Path, resolution: str, tmp: Path) -> tuple[Path, str, str]:
    if not zipfile.is_zipfile(path):
        with path.open("rb") as handle:
            head = handle.read(4096)
        if head.startswith(ZIP_MAGIC):
            raise InputError(path, "damaged or truncated ZIP archive (its table of contents "
                                   "is missing): download it again")
        check_text(head, path)
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
                long = [i.filename for i in members if _LONG_MEMBER.search(i.filename)]
                hint = (
                    f" ({long[0]} looks like a Zensus 2011 thematic file in long format, "
                    "which is not supported)"
                    if long and not hits
                    else ""
                )
                raise InputError(
                    path,
                    f"expected exactly one member ending in '{suffix}', found {len(hits)}; "
                    f"members: {names}{hint}",
                )
            target = tmp / "member.csv"
            with archive.open(hits[0]) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)
            with target.open("rb") as handle:
                check_text(handle.read(4096), f"{path}!{hits[0].filename}")
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


def header_columns(
    csv: ZensusCsv, resolution: str, wanted: list[str] | None
) -> tuple[str, str, str, list[str], str | None]:
    """Names of the ID, centre, value and flag columns, checked against the header."""
    by_lower = {name.lower(): name for name in csv.header}
    if all(name in by_lower for name in _LONG_FORMAT):
        raise csv.error(_long_format_reason(", ".join(csv.header), resolution), line=1)
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


def _long_format_reason(found: str, resolution: str) -> str:
    return (
        f"this is a Zensus 2011 thematic file in long format ({found}: one line per cell and "
        "characteristic), which is not supported; use a file in wide format, one line per "
        f"cell with the columns GITTER_ID_{resolution};x_mp_{resolution};y_mp_{resolution};"
        "<values> (the Zensus 2022 topics, or the Zensus 2011 population and 1 km "
        "demography files)"
    )


def scan_cells(
    csv: ZensusCsv,
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
            # rows whose centre is not a plain number stay, to be reported by read_centres
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


def _duckdb_error(csv: ZensusCsv, err: duckdb.Error) -> InputError:
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


@dataclass(frozen=True)
class Numbers:
    """Parsed fields of one column: values and the masks the checks need."""

    values: np.ndarray  # float64, NaN for empty, dash and unparseable fields
    dash: np.ndarray  # the en dash (or a hyphen)
    bad: np.ndarray  # neither a number, nor empty, nor the dash
    fraction: np.ndarray  # a number with a decimal part (an error in a count column)


def _numbers(raw: pa.ChunkedArray, *, kind: str) -> Numbers:
    """German-formatted numbers as float, read as ``kind`` (one of :data:`NUMBER_KINDS`).

    Empty fields become NaN. A ``count`` is a whole number: a ``.`` or ``,`` followed by
    groups of exactly three digits is a thousands separator (``1.097`` and ``1,097`` are
    1097), anything else with a decimal mark is flagged in ``fraction``. A ``rate`` keeps
    the decimal comma (``36,75``); a dot is a thousands separator only in front of a
    decimal comma (``1.234,5``). A ``coordinate`` reads ``1.234`` as 1234.
    """
    text = _text(raw)
    empty = pc.equal(text, "")
    dash = pc.is_in(text, value_set=pa.array(_DASHES))

    def mask(array) -> np.ndarray:
        return array.to_numpy(zero_copy_only=False).astype(bool)

    # most columns hold plain digits, dashes and empties: one cheap pass, no regex
    digits = pc.ascii_is_decimal(text)
    if pc.all(pc.or_(pc.or_(digits, empty), dash)).as_py() is not False:
        values = pc.cast(pc.if_else(digits, text, pa.scalar(None, pa.string())), pa.float64())
        none = np.zeros(len(text), dtype=bool)
        return Numbers(values.to_numpy(zero_copy_only=False).astype(float), mask(dash),
                       none, none.copy())
    dotted = _matches(text, _THOUSANDS)
    if kind == "rate":
        dotted = pc.and_(dotted, pc.match_substring(text, ","))
    body = pc.if_else(dotted, pc.replace_substring(text, ".", ""), text)
    grouped = _matches(text, _GROUPED) if kind == "count" else pa.scalar(False)
    whole = pc.replace_substring(pc.replace_substring(text, ".", ""), ",", "")
    body = pc.if_else(grouped, whole, pc.replace_substring(body, ",", "."))
    valid = _matches(body, _NUMBER)
    values = pc.cast(pc.if_else(valid, body, pa.scalar(None, pa.string())), pa.float64())
    fraction = pc.and_(valid, pc.match_substring(body, "."))
    return Numbers(
        values.to_numpy(zero_copy_only=False).astype(float),
        mask(dash),
        mask(pc.invert(pc.or_(pc.or_(valid, empty), dash))),
        mask(fraction),
    )


def _cell(raw: pa.Table, column: str, row: int) -> str | None:
    return raw[column][row].as_py()


def _bad_value(
    csv: ZensusCsv, raw: pa.Table, bad: np.ndarray, column: str, id_col: str, expected: str
) -> InputError:
    row = int(np.flatnonzero(bad)[0])
    return csv.error(
        f"value {_cell(raw, column, row)!r} is not {expected}",
        line=csv.line_of(_cell(raw, id_col, row) or ""),
        column=column,
    )


def read_centres(
    csv: ZensusCsv, raw: pa.Table, id_col: str, x_col: str, y_col: str
) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres as float, every field a plain number of metres."""
    centres = []
    for column in (x_col, y_col):
        parsed = _numbers(raw[column], kind="coordinate")
        bad = parsed.bad | np.isnan(parsed.values)
        if bad.any():
            raise _bad_value(csv, raw, bad, column, id_col, "a coordinate in metres")
        centres.append(parsed.values)
    return centres[0], centres[1]


def centres_in_area(
    x: np.ndarray, y: np.ndarray, bbox: tuple[float, ...] | None, geometry: BaseGeometry | None
) -> np.ndarray:
    """Mask of the centres in the geometry (exactly) or else the bbox (all if neither)."""
    if geometry is not None:
        return shapely.intersects_xy(geometry, x, y)
    if bbox is not None:
        minx, miny, maxx, maxy = bbox
        return (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    return np.ones(len(x), dtype=bool)


def parse_grid_ids(
    csv: ZensusCsv, ids: pa.ChunkedArray, size: int, id_col: str
) -> tuple[pd.DataFrame, bool]:
    """Lower-left corner and canonical ID from long (``CRS3035RES...``) or short IDs.

    Also returns whether every ID has the short form of Zensus 2011 (``100mN26680E43341``),
    which tells the 2011 files, with their ``-1``/``-9`` markers, from the 2022 ones.
    """
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
    frame = pd.DataFrame(
        {"cell_id": cell_id.to_pandas(), "x": east.astype("int64"), "y": north.astype("int64")}
    )
    all_short = len(text) > 0 and not pc.any(is_long).as_py()
    return frame, bool(all_short)


def _short_label(size: int) -> str:
    return f"{size // 1000}km" if size >= 1000 else f"{size}m"


def check_centres(
    csv: ZensusCsv,
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


def check_duplicates(
    csv: ZensusCsv, raw_ids: pa.ChunkedArray, cell_ids: pd.Series, id_col: str
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


def parse_values(
    csv: ZensusCsv,
    raw: pa.Table,
    values: list[str],
    kind_of: Mapping[str, str],
    id_col: str,
    *,
    markers: bool = False,
) -> tuple[pd.DataFrame, dict[str, int], dict[str, dict[str, int]]]:
    """Value columns as float64, with the en dashes and (2011) markers counted per column.

    A count is a whole number (thousands separators allowed, a fraction is an error), a
    rate keeps its decimal comma; the en dash is 0 in a count and NaN in a rate. With
    ``markers`` (a Zensus 2011 file) the values of :data:`MARKERS_2011` become NaN and are
    counted by marker; otherwise, as any negative value, they are an error.
    """
    parsed: dict[str, np.ndarray] = {}
    dashes: dict[str, int] = {}
    marked: dict[str, dict[str, int]] = {}
    for column in values:
        is_count = kind_of[column] == "count"
        numbers = _numbers(raw[column], kind=kind_of[column])
        if numbers.bad.any():
            raise _bad_value(
                csv, raw, numbers.bad, column, id_col, "a number (decimal comma) or the en dash '–'"
            )
        if is_count and numbers.fraction.any():
            raise _bad_value(
                csv, raw, numbers.fraction, column, id_col,
                "a whole number, but the column holds counts ('.' or ',' is read as a "
                "thousands separator only before groups of exactly three digits); if it is a "
                f"mean or rate, pass kinds={{{column!r}: 'rate'}}",
            )
        result = numbers.values
        if markers:
            found = {code: result == code for code in MARKERS_2011}
            marked[column] = {str(code): int(mask.sum()) for code, mask in found.items()}
            result = np.where(np.logical_or.reduce(list(found.values())), np.nan, result)
        result[numbers.dash] = 0.0 if is_count else np.nan
        if (result < 0).any():  # counts, means and shares of the Zensus are never negative
            expected = "a number of 0 or more (Zensus values are never negative)"
            if markers:
                expected += f"; the Zensus 2011 markers are {', '.join(map(str, MARKERS_2011))}"
            raise _bad_value(csv, raw, result < 0, column, id_col, expected)
        parsed[column] = result
        dashes[column] = int(numbers.dash.sum())
    frame = pd.DataFrame(parsed, index=pd.RangeIndex(raw.num_rows), dtype="float64")
    return frame, dashes, marked


def parse_flags(csv: ZensusCsv, raw: pa.ChunkedArray) -> np.ndarray:
    """``KLAMMERN`` in ``werterlaeuternde_Zeichen`` as a mask; other marks warn."""
    text = pc.utf8_upper(_text(raw))
    unknown = sorted(set(pc.unique(text).to_pylist()) - {"", _FLAG_LIMITED})
    if unknown:
        warnings.warn(
            f"{csv.display}: column '{_FLAG_COLUMN}' holds unknown marks {unknown[:5]}; "
            f"only {_FLAG_LIMITED} sets 'klammern'",
            stacklevel=3,
        )
    return pc.equal(text, _FLAG_LIMITED).to_numpy(zero_copy_only=False).astype(bool)
