"""Read GENESIS / Regionaldatenbank CSV tables, such as the income table 73111-01-01-5.

The CSV export of GENESIS-Online and the Regionaldatenbank Deutschland is ``;``-separated
Latin-1 / ISO-8859-15 text: a few title lines, a header line (``Jahr;Schlüssel;...``, or
headings without ``Jahr``), often a unit line (``;;;Anzahl;Tsd. EUR``), the data lines, and
footer lines after a ``__________`` rule. The number of title and footer lines varies, so
the data block is detected: its lines start with a year (or date) and a key of digits.

Values follow the statistical offices' sign convention (Zeichenerklärung); each sign
gives a value and a note:

- ``-`` nothing, exactly zero: 0, ``zero``;
- ``0`` less than half a unit but more than nothing: a number, no note;
- ``.`` unknown or secret: NaN, ``secret``;
- ``...`` data come later: NaN, ``later``;
- ``/`` too uncertain: NaN, ``uncertain``;
- ``x`` not meaningful: NaN, ``not_meaningful``;
- ``(123)`` limited reliability: 123, ``limited_reliability``;
- suffix ``p`` provisional, ``r`` revised, ``s`` estimated (``123p``): the number with
  ``provisional``, ``revised``, ``estimated``; ``e`` is read as estimated too (its meaning
  in GENESIS is unconfirmed).

The signs and the number format are shared with the other table readers
(:mod:`pipeline.readers.tables`). An empty field is NaN with the note ``missing``.
Anything else that is not a number
(decimal comma, optional ``.`` thousands separators) raises
:class:`~pipeline.errors.InputError` naming the line and column.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.readers.tables import (
    EXPECTED_VALUE,
    check_file,
    check_unique,
    normalise,
    parse_value,
    read_lines,
)

__all__ = ["INCOME_COLUMNS", "read_genesis_table", "read_income"]

#: Our names for the value columns of table 73111-01-01-5 and their headings in the file.
INCOME_COLUMNS: Mapping[str, str] = {
    "taxpayers": "Lohn- und Einkommensteuerpflichtige",
    "income_total_keur": "Gesamtbetrag der Einkünfte",
    "income_tax_keur": "Lohn- und Einkommensteuer",
}
_INCOME_UNITS = {"income_total_keur": "Tsd. EUR", "income_tax_keur": "Tsd. EUR"}

_TIME = re.compile(r"\d{4}|\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{2}-\d{2}")
_KEY = re.compile(r"\d+|DG")
_FOOTER = "___"


@dataclass(frozen=True)
class _Table:
    """A parsed GENESIS table with the file line of each row."""

    frame: pd.DataFrame
    lines: np.ndarray
    text_columns: list[str]
    value_columns: list[str]
    named: bool


def read_genesis_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read the data block of a GENESIS / Regionaldatenbank CSV table.

    Parameters
    ----------
    path : str or PathLike
        The CSV as exported (``;``, Latin-1 / ISO-8859-15 or UTF-8).

    Returns
    -------
    DataFrame
        One row per data line. The leading text columns (time, key, name, ...) as str, the
        key with its leading zeros; each value column as float64, followed by a
        ``<column>_note`` column per value column (str, NA for a plain number) holding the
        sign's meaning (see the module docstring). Column names come from the line starting
        with ``Jahr;`` if there is one, else they are ``col1``, ``col2``, ... ``attrs``
        holds ``source``, ``encoding``, ``title`` (lines above the header), ``units``
        (per value column, from a unit line such as ``;;;Anzahl;Tsd. EUR``) and ``footer``.

    Raises
    ------
    InputError
        No data lines, a line inside the data block that is not a data line, or a value
        that is neither a number nor a sign; the message names line and column.

    Examples
    --------
    >>> table = read_genesis_table("73111-01-01-5.csv")  # doctest: +SKIP
    >>> table.columns[:4].tolist()  # doctest: +SKIP
    ['Jahr', 'Schlüssel', 'Gebietsname', 'Lohn- und Einkommensteuerpflichtige']
    """
    return _parse(check_file(path, "GENESIS table")).frame


def read_income(path: str | os.PathLike) -> pd.DataFrame:
    """Read the income tax table 73111-01-01-5 per municipality.

    Parameters
    ----------
    path : str or PathLike
        The table as CSV export of the Regionaldatenbank (``73111-01-01-5.csv``).

    Returns
    -------
    DataFrame
        ``ags`` (8-digit str), ``name``, ``year`` (int), ``taxpayers``,
        ``income_total_keur``, ``income_tax_keur`` (float64; thousand EUR) and a ``_note``
        column for each of the three. Rows with other keys (county, state, association of
        municipalities) are left out and kept as records in ``attrs['totals']``.

    Raises
    ------
    InputError
        As :func:`read_genesis_table`; also a heading of :data:`INCOME_COLUMNS` that is not
        in the header (the headings found are listed), a unit other than ``Tsd. EUR`` for
        the amounts, or the same municipality and year on two lines.

    Examples
    --------
    >>> income = read_income("73111-01-01-5.csv")  # doctest: +SKIP
    >>> income.columns[:6].tolist()  # doctest: +SKIP
    ['ags', 'name', 'year', 'taxpayers', 'income_total_keur', 'income_tax_keur']
    """
    source = check_file(path, "GENESIS table")
    table = _parse(source)
    if len(table.text_columns) < 3:
        raise InputError(
            source,
            "expected the text columns year, key and name before the values, found "
            f"{table.text_columns}",
        )
    year_col, key_col, name_col = table.text_columns[:3]
    mapping = _income_columns(source, table)
    _check_units(source, table.frame.attrs.get("units", {}), mapping)
    frame = table.frame
    result = pd.DataFrame(
        {
            "ags": frame[key_col].astype(str),
            "name": frame[name_col].astype(str),
            "year": frame[year_col].str.extract(r"(\d{4})", expand=False).astype("int64"),
        }
    )
    for ours, theirs in mapping.items():
        result[ours] = frame[theirs]
    for ours, theirs in mapping.items():
        result[f"{ours}_note"] = frame[f"{theirs}_note"]
    municipal = result["ags"].str.fullmatch(r"\d{8}").to_numpy(dtype=bool)
    check_unique(source, result.loc[municipal], table.lines[municipal], ("ags", "year"), key_col)
    income = result.loc[municipal].reset_index(drop=True)
    income.attrs.update(frame.attrs)
    income.attrs["totals"] = result.loc[~municipal].to_dict("records")
    return income


# --- parsing ------------------------------------------------------------------------------


def _is_data(fields: list[str]) -> bool:
    return (
        len(fields) >= 3
        and _TIME.fullmatch(fields[0].strip()) is not None
        and _KEY.fullmatch(fields[1].strip()) is not None
    )


def _parse(source: Path) -> _Table:
    lines, encoding = read_lines(source, "iso-8859-15")
    rows = [next(csv.reader([line], delimiter=";"), []) for line in lines]
    start, end = _data_block(source, rows, lines)
    names, named, header_at = _names(rows[:start], len(rows[start]))
    raw, line_numbers = _data_lines(source, rows, lines, (start, end), names)
    text_columns = _text_columns(raw)
    value_columns = [c for c in names if c not in text_columns]
    frame = _convert(source, raw, line_numbers, text_columns, value_columns)
    frame.attrs.update(
        source=str(source),
        encoding=encoding,
        title=[
            line for line in lines[: start if header_at is None else header_at] if line.strip(" ;")
        ],
        units=_units(rows[:start], names, value_columns),
        footer=[line for line in lines[end:] if line.strip(" ;_")],
    )
    return _Table(frame, line_numbers, text_columns, value_columns, named)


def _data_block(source: Path, rows: list[list[str]], lines: list[str]) -> tuple[int, int]:
    """First line of the data and the line after it (the footer rule or the last data)."""
    start = next((i for i, fields in enumerate(rows) if _is_data(fields)), None)
    if start is None:
        raise InputError(
            source,
            "no data lines found (lines starting with a year or date and a key of digits, "
            "separated by ';')",
        )
    footer = next((i for i in range(start, len(rows)) if lines[i].startswith(_FOOTER)), None)
    return start, footer if footer is not None else _last_data(rows) + 1


def _data_lines(
    source: Path,
    rows: list[list[str]],
    lines: list[str],
    block: tuple[int, int],
    names: list[str],
) -> tuple[pd.DataFrame, np.ndarray]:
    """The fields of the data block as text, and the line number of each row."""
    start, end = block
    data, numbers = [], []
    for index in range(start, end):
        fields = rows[index]
        if not any(field.strip() for field in fields):
            continue
        if not _is_data(fields):
            column = names[0] if not _TIME.fullmatch(fields[0].strip()) else names[1]
            raise InputError(
                source,
                f"expected a data line (a year or date, then a key of digits), found "
                f"{lines[index]!r}",
                line=index + 1,
                column=column,
            )
        if len(fields) != len(names):
            raise InputError(
                source,
                f"expected {len(names)} fields separated by ';' as on line {start + 1}, "
                f"found {len(fields)}",
                line=index + 1,
            )
        data.append([field.strip() for field in fields])
        numbers.append(index + 1)
    return pd.DataFrame(data, columns=names, dtype=object), np.asarray(numbers, dtype=np.int64)


def _last_data(rows: list[list[str]]) -> int:
    return max(i for i, fields in enumerate(rows) if _is_data(fields))


def _names(head: list[list[str]], width: int) -> tuple[list[str], bool, int | None]:
    """Column names from the ``Jahr;`` line above the data, else positional."""
    at = next(
        (i for i in range(len(head) - 1, -1, -1) if head[i] and head[i][0].strip() == "Jahr"),
        None,
    )
    if at is None:
        return [f"col{i + 1}" for i in range(width)], False, None
    given = [name.strip() for name in head[at]][:width]
    given += [""] * (width - len(given))
    names: list[str] = []
    for i, name in enumerate(given):
        name = name or f"col{i + 1}"
        names.append(name if name not in names else f"{name}_{i + 1}")
    return names, True, at


def _units(head: list[list[str]], names: list[str], values: list[str]) -> dict[str, str]:
    """Units from the last non-blank line above the data if its first field is empty."""
    filled = [fields for fields in head if any(f.strip() for f in fields)]
    if not filled or filled[-1][0].strip():
        return {}
    line = [f.strip() for f in filled[-1]] + [""] * len(names)
    return {name: line[i] for i, name in enumerate(names) if name in values and line[i]}


def _text_columns(raw: pd.DataFrame) -> list[str]:
    """Time and key, then the leading columns that mostly hold text (names, classes)."""
    names = list(raw.columns)
    text = names[:2]
    for name in names[2:]:
        entries = [v for v in raw[name] if v]
        numeric = sum(parse_value(v) is not None for v in entries)
        if entries and numeric * 2 >= len(entries):
            break
        text.append(name)
    return text


def _convert(
    source: Path,
    raw: pd.DataFrame,
    lines: np.ndarray,
    text_columns: list[str],
    value_columns: list[str],
) -> pd.DataFrame:
    frame = pd.DataFrame({name: raw[name].astype(str) for name in text_columns})
    notes = {}
    for name in value_columns:
        values = np.full(len(raw), np.nan)
        note: list[str | None] = [None] * len(raw)
        for row, text in enumerate(raw[name]):
            parsed = parse_value(text)
            if parsed is None:
                raise InputError(
                    source, f"value {text!r} is not {EXPECTED_VALUE}", line=int(lines[row]),
                    column=name,
                )
            values[row], note[row] = parsed
        frame[name] = values
        notes[f"{name}_note"] = pd.array(note, dtype="string")
    for name, column in notes.items():
        frame[name] = column
    return frame


# --- income -------------------------------------------------------------------------------


def _income_columns(source: Path, table: _Table) -> dict[str, str]:
    """Our column name -> the table's value column."""
    values = table.value_columns
    if not table.named:
        if len(values) < len(INCOME_COLUMNS):
            raise InputError(
                source,
                f"expected {len(INCOME_COLUMNS)} value columns "
                f"({', '.join(INCOME_COLUMNS.values())}), found {len(values)}",
            )
        return dict(zip(INCOME_COLUMNS, values, strict=False))
    by_heading = {normalise(name): name for name in values}
    mapping = {}
    for ours, heading in INCOME_COLUMNS.items():
        if normalise(heading) not in by_heading:
            raise InputError(
                source,
                f"no column '{heading}' in the header; value columns found: "
                f"{', '.join(values) or 'none'}",
                column=heading,
            )
        mapping[ours] = by_heading[normalise(heading)]
    return mapping


def _check_units(source: Path, units: Mapping[str, str], mapping: Mapping[str, str]) -> None:
    for ours, expected in _INCOME_UNITS.items():
        found = units.get(mapping[ours])
        if found is not None and normalise(found) != normalise(expected):
            raise InputError(
                source,
                f"unit {found!r}, expected {expected!r} (the output is in thousand EUR)",
                column=mapping[ours],
            )
