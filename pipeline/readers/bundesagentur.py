"""Read SGB II (Bürgergeld) and unemployment counts per municipality from BA tables.

The Statistik der Bundesagentur für Arbeit publishes these counts down to municipalities
as ``;``-separated tables (UTF-8 with or without BOM; older exports cp1252) with title
lines, one header line, the data lines and a footer (``© Statistik der Bundesagentur für
Arbeit``). The column layout varies between products, so columns are found by their
heading text, configured in :data:`DEFAULT_SGB2_COLUMNS`; a county whose product uses
other headings passes ``columns=`` (or edits its configuration) instead of changing code.

``*`` marks anonymised values (1 or 2, and values from which they could be derived): NaN
with the note ``anonymised``. ``-`` is zero (note ``zero``), ``x`` not meaningful, an
empty field missing; the other signs of the statistics offices mean what they mean in
GENESIS tables (:data:`pipeline.readers.tables.MARKERS`). Numbers may carry ``.`` as
thousands separator.
"""

from __future__ import annotations

import csv
import math
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

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

__all__ = ["DEFAULT_SGB2_COLUMNS", "SGB2_VALUES", "read_sgb2"]

#: Our column name -> heading text in the BA table (matched ignoring case and spacing).
DEFAULT_SGB2_COLUMNS: Mapping[str, str | None] = MappingProxyType(
    {
        "ags": "Gemeindeschlüssel",
        "name": "Gemeinde",
        "sgb2_households": "Bedarfsgemeinschaften",
        "sgb2_persons": "Regelleistungsberechtigte",
        "sgb2_under15": "darunter: unter 15 Jahre",
        "sgb2_employable": "Erwerbsfähige Leistungsberechtigte",
        "unemployed": "Arbeitslose",
    }
)
#: The value columns of :func:`read_sgb2`, in output order.
SGB2_VALUES = ("sgb2_households", "sgb2_persons", "sgb2_under15", "sgb2_employable", "unemployed")
_FOOTER = ("©", "(c)", "(C)")
_PADDED = {7: 8, 4: 5}  # keys that lost their leading zero in a spreadsheet


def read_sgb2(
    path: str | os.PathLike, columns: Mapping[str, str | None] | None = None
) -> pd.DataFrame:
    """Read SGB II and unemployment counts per municipality.

    Parameters
    ----------
    path : str or PathLike
        The BA table as CSV.
    columns : mapping of str to str or None, optional
        Overrides of :data:`DEFAULT_SGB2_COLUMNS`: our column name -> heading in the file.
        Map a value column to None if the product does not publish it (it becomes NaN with
        the note ``not_published``).

    Returns
    -------
    DataFrame
        ``ags`` (8-digit str), ``name``, ``sgb2_households``, ``sgb2_persons``,
        ``sgb2_under15``, ``sgb2_employable``, ``unemployed`` (float64) and a ``_note``
        column for each value column (str, NA for a plain number). Rows with shorter keys
        (county, state) are left out and kept as records in ``attrs['totals']``; ``attrs``
        also holds ``source``, ``encoding``, ``title`` and ``footer``.

    Raises
    ------
    InputError
        A heading that is not in the file (the headings found are listed), no municipality
        rows, a key that is not digits, or a value that is neither a number nor a sign;
        the message names line and column.

    Examples
    --------
    >>> sgb2 = read_sgb2("sgb2_gemeinden.csv")  # doctest: +SKIP
    >>> read_sgb2("ba.csv", columns={"sgb2_persons": "Leistungsberechtigte"})  # doctest: +SKIP
    """
    source = check_file(path, "BA table")
    mapping = _check_columns(columns)
    lines, encoding = read_lines(source, "cp1252")
    rows = [next(csv.reader([line], delimiter=";"), []) for line in lines]
    header_at, positions = _find_header(source, rows, mapping)
    end = next(
        (i for i in range(header_at + 1, len(rows)) if lines[i].lstrip().startswith(_FOOTER)),
        len(rows),
    )
    table, line_numbers = _data(source, rows, header_at + 1, end, mapping, positions)
    municipal = table["ags"].str.len().eq(8).to_numpy()
    if not municipal.any():
        keys = ", ".join(table["ags"].head(5)) or "none"
        raise InputError(
            source,
            f"no municipality rows (8-digit keys) below the header; keys found: {keys}",
            column=mapping["ags"],
        )
    result = table.loc[municipal].reset_index(drop=True)
    check_unique(source, result, line_numbers[municipal], ("ags",), mapping["ags"])
    result.attrs.update(
        source=str(source),
        encoding=encoding,
        title=[line for line in lines[:header_at] if line.strip(" ;")],
        footer=[line for line in lines[end:] if line.strip(" ;")],
        totals=table.loc[~municipal].to_dict("records"),
    )
    return result


def _check_columns(columns: Mapping[str, str | None] | None) -> dict[str, str | None]:
    mapping = dict(DEFAULT_SGB2_COLUMNS)
    if columns is None:
        return mapping
    if not isinstance(columns, Mapping):
        raise TypeError(f"columns must map our names to headings, got {type(columns).__name__}")
    unknown = sorted(set(columns) - set(mapping))
    if unknown:
        raise ValueError(f"columns keys must be among {tuple(mapping)}, got {unknown}")
    for name, heading in columns.items():
        if heading is None and name in ("ags", "name"):
            raise ValueError(f"columns[{name!r}] must be a heading, not None")
        if heading is not None and not isinstance(heading, str):
            raise TypeError(f"columns[{name!r}] must be a heading text or None, got {heading!r}")
    mapping.update(columns)
    return mapping


def _find_header(
    source: Path, rows: list[list[str]], mapping: Mapping[str, str | None]
) -> tuple[int, dict[str, int]]:
    """Index of the header line and the field position of each mapped heading."""
    wanted = {name: normalise(heading) for name, heading in mapping.items() if heading}
    best, best_hits = None, 0
    for index, fields in enumerate(rows):
        found = [normalise(field) for field in fields]
        hits = sum(heading in found for heading in wanted.values())
        if hits == len(wanted):
            positions = {}
            for name, heading in wanted.items():
                if found.count(heading) > 1:
                    raise InputError(
                        source,
                        f"heading '{mapping[name]}' appears {found.count(heading)} times; "
                        "configure a heading that is unique",
                        line=index + 1,
                        column=mapping[name],
                    )
                positions[name] = found.index(heading)
            return index, positions
        if hits > best_hits:
            best, best_hits = index, hits
    if best is None:
        headings = ", ".join(f"'{h}'" for h in mapping.values() if h)
        raise InputError(source, f"no header line holds any of the headings {headings}")
    present = [field.strip() for field in rows[best] if field.strip()]
    missing = next(
        name
        for name, heading in wanted.items()
        if heading not in [normalise(f) for f in rows[best]]
    )
    raise InputError(
        source,
        f"heading '{mapping[missing]}' not found; headings found: {', '.join(present)}",
        line=best + 1,
        column=mapping[missing],
    )


def _key(source: Path, fields: list[str], at: int, line: int, column: str) -> str | None:
    """The key of a data line; None for lines without one (sub-headings, notes)."""
    text = fields[at] if at < len(fields) else ""
    if not text:
        return None
    if not text.isdigit():
        if not any(field for i, field in enumerate(fields) if i != at):
            return None  # a note in the key column
        raise InputError(source, f"key {text!r} is not a key of digits", line=line, column=column)
    if len(text) in _PADDED:
        padded = text.zfill(_PADDED[len(text)])
        warnings.warn(
            f"{source}, line {line}: key {text!r} has lost its leading zero; read as {padded!r}",
            stacklevel=4,
        )
        return padded
    return text


def _data(
    source: Path,
    rows: list[list[str]],
    start: int,
    end: int,
    mapping: Mapping[str, str | None],
    positions: Mapping[str, int],
) -> tuple[pd.DataFrame, np.ndarray]:
    records: dict[str, list] = {"ags": [], "name": []}
    for name in SGB2_VALUES:
        records[name], records[f"{name}_note"] = [], []
    lines = []
    for index in range(start, end):
        fields = [field.strip() for field in rows[index]]
        key = _key(source, fields, positions["ags"], index + 1, mapping["ags"])
        if key is None:
            continue
        records["ags"].append(key)
        records["name"].append(_field(fields, positions["name"]))
        for name in SGB2_VALUES:
            if name not in positions:
                value, note = math.nan, "not_published"
            else:
                text = _field(fields, positions[name])
                parsed = parse_value(text)
                if parsed is None:
                    raise InputError(
                        source,
                        f"value {text!r} is not {EXPECTED_VALUE}",
                        line=index + 1,
                        column=mapping[name],
                    )
                value, note = parsed
            records[name].append(value)
            records[f"{name}_note"].append(note)
        lines.append(index + 1)
    frame = pd.DataFrame(
        {
            "ags": pd.Series(records["ags"], dtype=str),
            "name": pd.Series(records["name"], dtype=str),
            **{name: np.asarray(records[name], dtype=float) for name in SGB2_VALUES},
            **{
                f"{name}_note": pd.array(records[f"{name}_note"], dtype="string")
                for name in SGB2_VALUES
            },
        }
    )
    return frame, np.asarray(lines, dtype=np.int64)


def _field(fields: list[str], at: int) -> str:
    return fields[at] if at < len(fields) else ""
