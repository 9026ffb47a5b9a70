"""Helpers shared by the readers of statistical tables (GENESIS, Bundesagentur, Zensus).

The statistics offices of the Federation and the Länder and the Bundesagentur für Arbeit
write their tables the same way: ``;``-separated text in UTF-8 or a Windows code page,
German numbers (``1.234,5``), and signs instead of numbers where a value is zero, secret,
not yet known or not meaningful. One table of those signs (:data:`MARKERS`) and one number
parser serve every reader, so a sign means the same wherever it is read.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from pipeline.errors import InputError

__all__ = [
    "EXPECTED_VALUE",
    "MARKERS",
    "SUFFIXES",
    "ZIP_MAGIC",
    "check_file",
    "check_text",
    "check_column_map",
    "check_unique",
    "fold_heading",
    "in_county",
    "normalise",
    "parse_number",
    "parse_value",
    "read_lines",
    "read_sheets",
    "Sheet",
]

#: Whole-field signs of the statistics offices and the BA: value and note.
MARKERS: Mapping[str, tuple[float, str]] = MappingProxyType(
    {
        "-": (0.0, "zero"),
        "–": (0.0, "zero"),
        ".": (math.nan, "secret"),
        "·": (math.nan, "secret"),
        "...": (math.nan, "later"),
        "…": (math.nan, "later"),
        "/": (math.nan, "uncertain"),
        "x": (math.nan, "not_meaningful"),
        "X": (math.nan, "not_meaningful"),
        "*": (math.nan, "anonymised"),
    }
)
#: Letters after a number and their note.
SUFFIXES: Mapping[str, str] = MappingProxyType(
    {"p": "provisional", "r": "revised", "s": "estimated", "e": "estimated"}
)
#: What a value field may hold, for error messages.
EXPECTED_VALUE = (
    "a number or a sign of the statistics offices "
    "(-, 0, ., ..., /, x, * or (n), n with p/r/s/e)"
)

_NUMBER = re.compile(r"[+-]?\d+(?:,\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_BRACKETED = re.compile(r"\((.+)\)")
_SUFFIXED = re.compile(rf"(.+?)\s*([{''.join(SUFFIXES)}])")


def check_file(
    path: str | os.PathLike, what: str, *, argument: str = "path", expected: str = "a file path"
) -> Path:
    """``path`` as a :class:`~pathlib.Path` of an existing file.

    Raises
    ------
    TypeError
        ``path`` is not a path (the message names ``argument`` and ``expected``).
    FileNotFoundError
        No such file (the message names ``what`` was looked for).
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"{argument} must be {expected}, got {type(path).__name__}")
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"{what} not found: {source}")
    return source


#: How a ZIP archive begins (a local file header).
ZIP_MAGIC = b"PK\x03\x04"


def check_text(head: bytes, display: str | os.PathLike) -> None:
    """Refuse a "text" file that is not 8-bit text: UTF-16, or binary, by its first bytes.

    Excel's "Unicode text" is UTF-16, whose every other byte is NUL; the readers take UTF-8
    or a Windows code page, so the message says how to save the file instead.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:200].count(b"\0") > 10:
        raise InputError(display, "the file is UTF-16 (Excel's \"Unicode text\"), not a "
                                  "CSV in UTF-8 or Windows-1252: save it as \"CSV UTF-8\"")
    if head.startswith(ZIP_MAGIC):
        raise InputError(display, "the file is a ZIP archive, not a CSV table (or a damaged "
                                  "archive): download it again or extract the table")
    if b"\0" in head:
        raise InputError(display, "the file holds NUL bytes: it is not a text table")


def read_lines(source: Path, fallback: str) -> tuple[list[str], str]:
    """Lines of a text file and the encoding used: UTF-8 (BOM or not), else ``fallback``.

    Bytes the fallback cannot decode are replaced. Lines are split on line feeds only:
    :meth:`str.splitlines` would also split on U+0085 and friends, which a Windows code
    page can produce. Files that are not 8-bit text are refused (:func:`check_text`).
    """
    data = source.read_bytes()
    check_text(data[:4096], source)
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = data.decode(fallback, errors="replace"), fallback
    return [line.rstrip("\r") for line in text.split("\n")], encoding


def normalise(text: str) -> str:
    """A heading as compared: runs of white space as one blank, trimmed, case folded.

    Examples
    --------
    >>> normalise("  Gesamtbetrag der   Einkünfte ")
    'gesamtbetrag der einkünfte'
    """
    return re.sub(r"\s+", " ", text).strip().casefold()


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_SUPERSCRIPTS = re.compile(r"[¹²³⁰⁴-⁹]+")
_FOOTNOTE = re.compile(r"(?<![\d(])\d{1,2}\)|\*\)|\*+$")
_PUNCTUATION = re.compile(r"[\s:;,.()\[\]/\\\-–—_'\"„“”]+")


def fold_heading(text: str) -> str:
    """A heading as the readers match it: case, spacing, punctuation, footnotes, umlauts.

    The statistics offices and the BA spell the same heading in several ways
    (``Einkünfte``/``Einkuenfte``, ``darunter: unter 15 Jahre``/``darunter unter 15
    Jahre``, ``Erwerbsfähige Leistungsberechtigte 1)``); every table reader compares
    headings folded by this one function. Footnote marks (``1)``, ``*)``, superscripts) are
    dropped, a number closing a parenthesis opened before it (``(unter 15)``) is kept.

    Examples
    --------
    >>> fold_heading("Erwerbsfähige  Leistungs-berechtigte 1)")
    'erwerbsfaehige leistungs berechtigte'
    >>> fold_heading("Darunter: unter 15 Jahre"), fold_heading("Gesamtbetrag_der_Einkünfte")
    ('darunter unter 15 jahre', 'gesamtbetrag der einkuenfte')
    """
    text = unicodedata.normalize("NFC", text)
    text = _SUPERSCRIPTS.sub(" ", text.casefold().translate(_UMLAUTS))
    text = _FOOTNOTE.sub(lambda m: m.group(0) if _inside(text, m.start()) else " ", text)
    return _PUNCTUATION.sub(" ", text).strip()


def _inside(text: str, at: int) -> bool:
    """True if position ``at`` lies inside parentheses opened before it."""
    return text.count("(", 0, at) > text.count(")", 0, at)


def parse_number(text: str) -> float | None:
    """A German number (``1234``, ``1.234``, ``-12,5``, ``1.234,5``), or None.

    Examples
    --------
    >>> parse_number("1.234,5"), parse_number("12,5"), parse_number("abc")
    (1234.5, 12.5, None)
    """
    if _GROUPED.fullmatch(text):
        text = text.replace(".", "")
    if _NUMBER.fullmatch(text):
        return float(text.replace(",", "."))
    return None


def parse_value(text: str) -> tuple[float, str | None] | None:
    """Value and note of one field, or None if it is neither a number nor a sign.

    An empty field is missing; a sign gives its value and note (:data:`MARKERS`); a number
    in brackets is of limited reliability; a number with a letter after it carries the
    letter's note (:data:`SUFFIXES`).

    Examples
    --------
    >>> parse_value("1.234"), parse_value("-"), parse_value("(12)"), parse_value("7 p")
    ((1234.0, None), (0.0, 'zero'), (12.0, 'limited_reliability'), (7.0, 'provisional'))
    """
    if text == "":
        return math.nan, "missing"
    if text in MARKERS:
        return MARKERS[text]
    number = parse_number(text)
    if number is not None:
        return number, None
    bracketed = _BRACKETED.fullmatch(text)
    if bracketed and (number := parse_number(bracketed.group(1).strip())) is not None:
        return number, "limited_reliability"
    suffixed = _SUFFIXED.fullmatch(text)
    if suffixed and (number := parse_number(suffixed.group(1))) is not None:
        return number, SUFFIXES[suffixed.group(2)]
    return None


def check_column_map(
    columns: Mapping[str, str | None] | None, allowed: Sequence[str], required: Sequence[str]
) -> dict[str, str | None]:
    """A reader's ``columns=`` override, validated: our name -> heading (None: not published).

    Keys must be among ``allowed``; those in ``required`` need a heading, not None.
    """
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        raise TypeError(f"columns must map our names to headings, got {type(columns).__name__}")
    unknown = sorted(set(columns) - set(allowed))
    if unknown:
        raise ValueError(f"columns keys must be among {tuple(allowed)}, got {unknown}")
    for name, heading in columns.items():
        if heading is None and name in required:
            raise ValueError(f"columns[{name!r}] must be a heading, not None (it is required)")
        if heading is not None and (not isinstance(heading, str) or not heading.strip()):
            raise TypeError(f"columns[{name!r}] must be a heading text or None, got {heading!r}")
    return dict(columns)


def check_unique(
    source: Path,
    rows: pd.DataFrame,
    lines: np.ndarray,
    keys: Sequence[str],
    column: str | None = None,
) -> None:
    """Raise naming the lines where a municipality appears twice (by ``keys``).

    ``keys[0]`` is the municipality key; further keys (e.g. the year) must also agree.
    """
    keys = list(keys)
    repeated = rows.duplicated(keys, keep=False).to_numpy()
    if not repeated.any():
        return
    first = rows.iloc[int(np.flatnonzero(repeated)[0])]
    same = np.logical_and.reduce([(rows[k] == first[k]).to_numpy() for k in keys])
    qualifiers = "".join(f" for {first[k]}" for k in keys[1:])
    raise InputError(
        source,
        f"municipality {first[keys[0]]} appears more than once{qualifiers}, on lines "
        f"{', '.join(str(n) for n in lines[same])}",
        line=int(lines[same][0]),
        column=column,
    )


def in_county(frame: pd.DataFrame | None, county_ags: str) -> pd.DataFrame:
    """The rows of a municipal table whose ``ags`` lies in the county (by its key prefix).

    ``None`` (a county without that table) gives an empty table with an ``ags`` column.
    """
    if frame is None:
        return pd.DataFrame({"ags": pd.Series(dtype=str)})
    return frame.loc[frame["ags"].str.startswith(county_ags)].reset_index(drop=True)


# --- tables as rows of text: CSV or xlsx ------------------------------------------------

#: How an Excel 97-2003 workbook (OLE compound file) begins.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Sheet:
    """A table as rows of text fields, whatever file it came from.

    ``rows[i]`` is physical line ``i + 1`` of a CSV or row ``i + 1`` of a worksheet (the
    number Excel shows), so messages can name it as ``line``. ``text[i]`` is the line as
    written (worksheet rows joined by ``;``). ``encoding`` is the text encoding, or
    ``"xlsx"``; ``name`` the worksheet's name (None for CSV).
    """

    rows: list[list[str]]
    text: list[str]
    encoding: str
    name: str | None = None

    def where(self, source: str | os.PathLike) -> str:
        """The file as messages name it: with ``!sheet`` for a worksheet."""
        return f"{source}!{self.name}" if self.name is not None else str(source)


def read_sheets(source: Path, fallback: str, *, sheet: str | None = None) -> list[Sheet]:
    """The tables of a CSV (one) or an xlsx workbook (each worksheet, or the one named).

    A CSV is ``;``-separated text in UTF-8 or ``fallback`` (:func:`read_lines`). A workbook
    is read with openpyxl, values as shown: numbers in German notation (``1234,5``) so the
    one number parser (:func:`parse_value`) reads both, dates as ``dd.mm.yyyy``. A legacy
    ``.xls`` workbook and other binary files are refused with what to do instead.
    """
    with open(source, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(_OLE_MAGIC):
        raise InputError(source, "the file is an Excel 97-2003 workbook (.xls): open it in "
                                 "Excel or LibreOffice and save it as .xlsx or CSV")
    if head.startswith(ZIP_MAGIC) and _is_workbook(source):
        return _workbook_sheets(source, sheet)
    if sheet is not None:
        raise InputError(source, f"sheet {sheet!r} given, but the file is not an xlsx workbook")
    lines, encoding = read_lines(source, fallback)
    rows = [next(csv.reader([line], delimiter=";"), []) for line in lines]
    return [Sheet(rows, lines, encoding)]


def _is_workbook(source: Path) -> bool:
    try:
        with zipfile.ZipFile(source) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _workbook_sheets(source: Path, sheet: str | None) -> list[Sheet]:
    import openpyxl  # only workbooks need it

    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise InputError(source, f"the xlsx workbook cannot be opened ({err}): download it "
                                 "again or save it anew from Excel") from None
    try:
        names = list(book.sheetnames)
        if sheet is not None and sheet not in names:
            raise InputError(source, f"no sheet {sheet!r}; sheets: {', '.join(names)}")
        sheets = []
        for name in [sheet] if sheet is not None else names:
            rows = [[_cell_text(v) for v in row] for row in book[name].iter_rows(values_only=True)]
            for row in rows:  # trailing empty cells, as a CSV export would drop them
                while row and row[-1] == "":
                    row.pop()
            sheets.append(Sheet(rows, [";".join(row) for row in rows], "xlsx", name))
        return sheets
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """A worksheet value as the text a German CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).replace(".", ",")
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value).replace("\xa0", " ")
