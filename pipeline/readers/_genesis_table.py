"""The table export of GENESIS (CSV or xlsx): find the head and the data block by content.

A table export is a title block, a column head, the data lines and a footer, none of
fixed length. The data block is found first: its lines begin either with a time (a year
``2017``, a date ``31.12.2018``) and a key (``05358``, ``DG``), or with a key and a name
(``DG;Deutschland;...``). The fields after the leading text columns are values. The head
is the run of lines right above the data that hold something beyond their first field
(title lines hold only their first field). Each head line is classified by what its value
fields hold:

- all units (``Anzahl``, ``Tsd. EUR``, ...): the units line;
- all times (``31.12.2018``, ``2019``): the reference date of each column;
- anything else: a headings line (several stack from general to specific, e.g.
  ``Stichtag`` above ``Insgesamt``; a heading ending in ``-`` continues below it).

Its leading fields may hold the key headings (``Jahr;Schlüssel;Gebietsname``), on any
head line. The footer starts at a ``___`` rule, a ``©`` / ``(C)opyright`` or ``Stand:``
line, or a quoted text, and otherwise after the last data line.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.readers._genesis_base import GenesisTable, parse_column
from pipeline.readers.tables import Sheet, normalise, parse_value

TIME = re.compile(r"(?:1[89]|20)\d{2}|\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{2}-\d{2}")
KEY = re.compile(r"DG|\d{1,12}")
_FOOTER = ("___", "©", "(C)", "(c)", "Stand:")
_UNITS = frozenset(
    normalise(unit)
    for unit in (
        "Anzahl", "EUR", "Euro", "Tsd. EUR", "Tsd. Euro", "1000 EUR", "Mill. EUR", "Mio. EUR",
        "Mrd. EUR", "%", "Prozent", "‰", "Promille", "ha", "qkm", "km²", "m²", "m³", "t", "kg",
        "Personen", "Jahre", "Tage", "Stunden", "kWh", "MWh", "GWh", "Tsd.", "1000", "Anteil",
        "Index",
    )
)
_SCALED_UNIT = re.compile(
    r"(?:tsd|mill|mio|mrd)\.?\s*(?:eur|euro|personen|t|m³|kwh|mwh|anzahl)"
    r"|(?:eur|euro|anzahl|personen|%)\s+je\s+.+|\d{4}\s*=\s*100"
)
#: Padding of keys that lost leading zeros in a workbook (stored as numbers).
_XLSX_PADDED = {1: 2, 4: 5, 7: 8}


def is_unit(text: str) -> bool:
    """Whether a head field is a unit rather than a heading."""
    text = normalise(text)
    return text in _UNITS or _SCALED_UNIT.fullmatch(text) is not None


def line_kind(fields: list[str]) -> str | None:
    """``"time"`` for a data line starting with time and key, ``"key"`` for key and name."""
    if len(fields) < 3:
        return None
    first, second = fields[0].strip(), fields[1].strip()
    if TIME.fullmatch(first) and KEY.fullmatch(second):
        return "time"
    if KEY.fullmatch(first) and second and parse_value(second) is None:
        return "key"
    return None


def has_data(sheet: Sheet) -> bool:
    """Whether the sheet holds at least one data line."""
    return any(line_kind(row) for row in sheet.rows)


def read_table(sheet: Sheet, where: str) -> GenesisTable:
    """Read a table export (see the module docstring) into the common wide frame."""
    rows = [[field.strip() for field in row] for row in sheet.rows]
    kinds = [line_kind(row) for row in rows]
    start = next((i for i, kind in enumerate(kinds) if kind), None)
    if start is None:
        raise InputError(
            where,
            "no data lines found (lines starting with a year or date and a key, or with a key "
            "such as 05358 or DG and a name, separated by ';')",
        )
    kind = kinds[start]
    end = _block_end(sheet, kinds, start)
    width = _width(sheet, rows, kinds, start, end)
    n_text = _text_count(rows, kinds, start, end, width, kind)
    top = _head_top(rows, start)
    head = _Head.parse(rows[top:start], n_text, width)
    text_columns, headings = _text_names(kind, n_text, head)
    value_columns = head.value_names()
    headings.update({name: name for name in value_columns})
    raw, lines = _data_lines(where, sheet, rows, kinds, (start, end), width, headings,
                             text_columns)
    frame = pd.DataFrame({name: raw[i] for i, name in enumerate(text_columns)}, dtype=str)
    if sheet.encoding == "xlsx":
        frame["key"] = frame["key"].map(_pad_key)
    attrs: dict[str, object] = {}
    dates = {name: date for name, date in zip(value_columns, head.dates, strict=True) if date}
    if kind == "key" and len(set(dates.values())) == 1 and len(dates) == len(value_columns):
        attrs["date"] = next(iter(dates.values()))
        frame.insert(0, "time", attrs["date"])
        headings["time"] = "(head)"
    if dates:
        attrs["times"] = dates
    notes = {}
    for offset, name in enumerate(value_columns):
        frame[name], notes[f"{name}_note"] = parse_column(
            where, raw[n_text + offset], lines, name
        )
    for name, note in notes.items():
        frame[name] = note
    frame.attrs.update(
        source=where,
        encoding=sheet.encoding,
        format="table",
        title=[sheet.text[i] for i in range(top) if "".join(rows[i])],
        units={name: unit for name, unit in zip(value_columns, head.units, strict=True) if unit},
        footer=[sheet.text[i] for i in range(end, len(rows)) if "".join(rows[i]).strip("_")],
        headings={k: v for k, v in headings.items() if k not in value_columns},
        **attrs,
    )
    labels = {name: tuple(texts) for name, texts in zip(value_columns, head.paths, strict=True)}
    return GenesisTable(frame, lines, where, value_columns, headings, labels)


# --- the data block -----------------------------------------------------------------------


def _block_end(sheet: Sheet, kinds: list[str | None], start: int) -> int:
    """The line after the data block: after its last data line, before any footer."""
    kind = kinds[start]
    footer = next(
        (
            i
            for i in range(start + 1, len(kinds))
            if kinds[i] is None
            and (sheet.text[i].lstrip().startswith(_FOOTER) or sheet.text[i].startswith('"'))
        ),
        len(kinds),
    )
    return max(i for i in range(start, footer) if kinds[i] == kind) + 1


def _width(
    sheet: Sheet, rows: list[list[str]], kinds: list[str | None], start: int, end: int
) -> int:
    """Fields per data line: as on the first (CSV), the widest (a worksheet drops blanks)."""
    if sheet.encoding != "xlsx":
        return len(rows[start])
    return max(len(rows[i]) for i in range(start, end) if kinds[i])


def _text_count(
    rows: list[list[str]], kinds: list[str | None], start: int, end: int, width: int,
    kind: str | None,
) -> int:
    """Time and key (or the key), then the leading columns that mostly hold text."""
    data = [rows[i] for i in range(start, end) if kinds[i] == kind]
    count = 2 if kind == "time" else 1
    while count < width - 1:
        entries = [row[count] for row in data if len(row) > count and row[count]]
        numeric = sum(parse_value(entry) is not None for entry in entries)
        if entries and numeric * 2 >= len(entries):
            break
        count += 1
    return count


def _data_lines(
    where: str,
    sheet: Sheet,
    rows: list[list[str]],
    kinds: list[str | None],
    block: tuple[int, int],
    width: int,
    headings: dict[str, str],
    text_columns: list[str],
) -> tuple[list[list[str]], np.ndarray]:
    """The fields of the data block by column, and the line number of each row."""
    start, end = block
    kind = kinds[start]
    columns: list[list[str]] = [[] for _ in range(width)]
    numbers = []
    for index in range(start, end):
        fields = rows[index]
        if not "".join(fields):
            continue
        if kinds[index] != kind:
            first = (TIME if kind == "time" else KEY).fullmatch(fields[0]) is not None
            expected = ("a year or date, then a key" if kind == "time"
                        else "a key, then a name")
            raise InputError(
                where,
                f"expected a data line ({expected} as on line {start + 1}), found "
                f"{sheet.text[index]!r}",
                line=index + 1,
                column=headings.get(name := text_columns[1 if first else 0], name),
            )
        if len(fields) > width and not "".join(fields[width:]):
            fields = fields[:width]
        if len(fields) < width and sheet.encoding == "xlsx":
            fields = fields + [""] * (width - len(fields))
        if len(fields) != width:
            raise InputError(
                where,
                f"expected {width} fields separated by ';' as on line {start + 1}, "
                f"found {len(fields)}",
                line=index + 1,
            )
        for column, value in zip(columns, fields, strict=True):
            column.append(value)
        numbers.append(index + 1)
    return columns, np.asarray(numbers, dtype=np.int64)


def _pad_key(key: str) -> str:
    """A key stored as a number in a workbook, with its leading zero back."""
    if key.isdigit() and len(key) in _XLSX_PADDED:
        return key.zfill(_XLSX_PADDED[len(key)])
    return key


# --- the head -----------------------------------------------------------------------------


def _head_top(rows: list[list[str]], start: int) -> int:
    """First line of the head: the run of lines above the data with more than one field."""
    i = start - 1
    while i >= 0 and not "".join(rows[i]):
        i -= 1
    top = start
    while i >= 0 and any(rows[i][1:]):
        top = i
        i -= 1
    return top


class _Head:
    """The column head, split into key headings, headings, units and dates per column."""

    def __init__(self, n_text: int, width: int) -> None:
        n_values = width - n_text
        self.keys: list[str] = [""] * n_text
        self.headings: list[list[str]] = [[] for _ in range(n_values)]
        self.units: list[str] = [""] * n_values
        self.dates: list[str] = [""] * n_values

    @classmethod
    def parse(cls, lines: list[list[str]], n_text: int, width: int) -> _Head:
        head = cls(n_text, width)
        for fields in lines:
            fields = (fields + [""] * width)[:width]
            for i, text in enumerate(fields[:n_text]):
                head.keys[i] = text or head.keys[i]
            values = fields[n_text:]
            filled = [text for text in values if text]
            if not filled:
                continue
            if all(is_unit(text) for text in filled):
                target = head.units
            elif all(TIME.fullmatch(text) for text in filled):
                target = head.dates
            else:
                for column, text in zip(head.headings, values, strict=True):
                    if text:
                        column.append(text)
                continue
            for i, text in enumerate(values):
                target[i] = text or target[i]
        head.headings = [_joined(texts) for texts in head.headings]
        return head

    @property
    def paths(self) -> list[list[str]]:
        """Every heading text of each value column, for matching."""
        return [[*texts, " ".join(texts)] if texts else [] for texts in self.headings]

    def value_names(self) -> list[str]:
        """A unique name per value column: its most specific heading, else ``col<n>``."""
        offset = len(self.keys)
        plain = [texts[-1] if texts else f"col{offset + i + 1}"
                 for i, texts in enumerate(self.headings)]
        names: list[str] = []
        for i, name in enumerate(plain):
            if plain.count(name) > 1:
                longer = " ".join([*self.headings[i], self.dates[i]]).strip()
                if longer and sum(
                    " ".join([*t, d]).strip() == longer
                    for t, d in zip(self.headings, self.dates, strict=True)
                ) == 1:
                    name = longer
            names.append(name if name not in names else f"{name}_{offset + i + 1}")
        return names


def _joined(texts: list[str]) -> list[str]:
    """Headings from top to bottom, a heading cut with ``-`` joined to the part below it."""
    out: list[str] = []
    for text in texts:
        if out and out[-1].endswith("-") and text[:1].islower():
            cut = text.split(" ", 1)[0] not in ("und", "oder")  # "Lohn-" "und ..." stays
            out[-1] = f"{out[-1][:-1]}{text}" if cut else f"{out[-1]} {text}"
        elif not out or out[-1] != text:
            out.append(text)
    return out


def _text_names(kind: str | None, n_text: int, head: _Head) -> tuple[list[str], dict[str, str]]:
    """Our names of the leading text columns and their headings in the file."""
    ours = ["time", "key", "name"] if kind == "time" else ["key", "name"]
    names = []
    for i in range(n_text):
        name = ours[i] if i < len(ours) else (head.keys[i] or f"col{i + 1}")
        names.append(name if name not in names else f"{name}_{i + 1}")
    return names, {name: head.keys[i] for i, name in enumerate(names) if head.keys[i]}
