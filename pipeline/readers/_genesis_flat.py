"""The flat CSV export ("ffcsv") of GENESIS: one value per line, pivoted to the wide frame.

The first line names the columns; they are found by name (matched after
:func:`~._genesis_base.match_key`: case, punctuation and ``ü``/``ue`` spellings do not
matter), not by position. Accepted names, in :data:`FLAT_NAMES`:

- time: ``time`` (GENESIS-Online since 2024), ``Zeit`` (older), ``Jahr``, ``year``,
  ``Stichtag``, ``date``, ``Datum``;
- region key and name: a dimension ``<n>_variable_attribute_code`` / ``_label`` (or the
  older ``<n>_Auspraegung_Code`` / ``_Label``) whose codes are all keys (``05358``,
  ``DG``), or an explicit ``Schlüssel``, ``Regionalschlüssel``, ``AGS``, ``key`` ... and
  ``Gebietsname``, ``name`` ... column;
- the variable: ``value_variable_label`` (or ``variable_label``, ``Merkmal_Label``),
  else its code (``value_variable_code``, ...);
- the value: ``value``, ``Wert`` or a name ending in ``_wert``; its unit ``value_unit``
  (``Einheit``, ``unit``) and quality flag ``value_q`` (``Wert_q``, ``q``), both optional;
- or, in the older export, one column per variable named ``CODE__Label__Unit`` with an
  optional ``CODE__Label__q`` flag column (``STEU01__Gesamtbetrag_der_Einkuenfte__Tsd._EUR``).

Further dimensions (e.g. sex) whose labels vary are appended to the column name in
brackets. The decimal separator is a comma in the German download and a point in the
English one: a comma between digits anywhere in the values means comma, else a point
between digits means point. A quality flag ``p``, ``r``, ``s`` or ``e`` becomes the
value's note, as the suffix would in the table export; a sign in the flag column of an
empty value gives that sign's value and note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.readers._genesis_base import GenesisTable, match_key, parse_column
from pipeline.readers._genesis_table import KEY
from pipeline.readers.tables import MARKERS, SUFFIXES, Sheet

#: Column roles of the flat export and the names accepted for each (as by ``match_key``).
FLAT_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "time": ("time", "zeit", "jahr", "year", "stichtag", "date", "datum"),
        "key": ("schluessel", "regionalschluessel", "gebietsschluessel", "gemeindeschluessel",
                "amtlicher gemeindeschluessel", "ags", "ars", "key", "region code",
                "region key"),
        "name": ("gebietsname", "name", "region label", "region name", "gemeinde",
                 "gemeindename", "region"),
        "variable_label": ("value variable label", "variable label", "merkmal label",
                           "merkmal", "variable"),
        "variable_code": ("value variable code", "variable code", "merkmal code"),
        "value": ("value", "wert"),
        "unit": ("value unit", "unit", "einheit", "wert einheit"),
        "quality": ("value q", "wert q", "q", "qualitaet", "qualitaetskennzeichen"),
        "statistic": ("statistics code", "statistik code"),
        "statistic_label": ("statistics label", "statistik label"),
    }
)
_DIMENSION = re.compile(r"(\d+) (variable attribute|auspraegung|variable|merkmal) (code|label)")
_WIDE = re.compile(r"(?P<code>[^_].*?)__(?P<label>.+)__(?P<unit>[^_].*)")
_COMMA = re.compile(r"\d,\d")
_POINT = re.compile(r"\d\.\d")


def is_flat(sheet: Sheet) -> bool:
    """Whether the sheet's first line names flat-export columns (a time and a value)."""
    header = next((row for row in sheet.rows if "".join(row).strip()), [])
    keys = [match_key(name) for name in header]
    return any(key in FLAT_NAMES["time"] for key in keys) and any(
        _role(key) == "value" or _WIDE.fullmatch(name.strip())
        for key, name in zip(keys, header, strict=True)
    )


def read_flat(sheet: Sheet, where: str) -> GenesisTable:
    """Read a flat export (see the module docstring) into the common wide frame."""
    at = next(i for i, row in enumerate(sheet.rows) if "".join(row).strip())
    header = [name.strip() for name in sheet.rows[at]]
    body = [
        (i + 1, [field.strip() for field in row])
        for i, row in enumerate(sheet.rows[at + 1:], start=at + 1)
        if "".join(row).strip()
    ]
    for line, fields in body:
        if len(fields) != len(header):
            raise InputError(where, f"expected {len(header)} fields separated by ';' as in "
                                    f"the header on line {at + 1}, found {len(fields)}",
                             line=line)
    columns = _columns(where, header, body, at + 1)
    records = _records(header, body, columns)
    return _pivot(where, sheet, records, header, columns)


def _role(key: str) -> str | None:
    for role, names in FLAT_NAMES.items():
        if key in names:
            return role
    return "value" if key.endswith(" wert") else None


def _columns(
    where: str, header: list[str], body: list[tuple[int, list[str]]], line: int
) -> dict[str, int]:
    """Position of each role's column; the key dimension found by its codes."""
    found: dict[str, int] = {}
    dimensions: dict[tuple[str, str], int] = {}
    for index, name in enumerate(header):
        key = match_key(name)
        dimension = _DIMENSION.fullmatch(key)
        if dimension:
            kind = "attribute" if dimension.group(2) in ("variable attribute", "auspraegung") \
                else "variable"
            dimensions[(dimension.group(1), f"{kind}_{dimension.group(3)}")] = index
        elif (role := _role(key)) is not None and role not in found:
            found[role] = index
    numbers = sorted({number for number, _ in dimensions}, key=int)
    for number in numbers:
        code = dimensions.get((number, "attribute_code"))
        if code is None:
            continue
        codes = [fields[code] for _, fields in body]
        if "key" not in found and codes and all(KEY.fullmatch(c) for c in codes):
            found["key"] = code
            if (label := dimensions.get((number, "attribute_label"))) is not None:
                found.setdefault("name", label)
        elif code != found.get("key"):
            found[f"dimension {number}"] = dimensions.get((number, "attribute_label"), code)
    wide = any(_WIDE.fullmatch(name) for name in header)
    missing = [role for role in ("time", "key") if role not in found]
    if "value" not in found and not wide:
        missing.append("value")
    if missing:
        accepted = "; ".join(
            f"{role}: {', '.join(FLAT_NAMES[role])}" for role in missing
        )
        raise InputError(
            where,
            f"flat table without a {' / '.join(missing)} column; headings found: "
            f"{', '.join(header)}; accepted (ignoring case, '_' and umlaut spelling): "
            f"{accepted}" + ("; a key is also found as <n>_variable_attribute_code holding "
                             "keys" if "key" in missing else ""),
            line=line,
        )
    return found


def _records(
    header: list[str], body: list[tuple[int, list[str]]], columns: dict[str, int]
) -> pd.DataFrame:
    """One record per value: time, key, name, column name, unit, text, flag, line."""
    def get(fields: list[str], role: str) -> str:
        return fields[columns[role]] if role in columns else ""

    extra = [role for role in columns if role.startswith("dimension ")]
    varying = [role for role in extra if len({fields[columns[role]] for _, fields in body}) > 1]
    wide = {}
    for index, name in enumerate(header):
        match = _WIDE.fullmatch(name)
        if match and match.group("unit") != "q":
            flag = f"{match.group('code')}__{match.group('label')}__q"
            wide[index] = (match.group("label").replace("_", " "),
                           match.group("unit").replace("_", " "),
                           header.index(flag) if flag in header else None)
    rows = []
    for line, fields in body:
        dims = ", ".join(fields[columns[role]] for role in varying)
        base = (get(fields, "time"), get(fields, "key"), get(fields, "name"))
        if "value" in columns:
            label = get(fields, "variable_label") or get(fields, "variable_code") or "value"
            rows.append((*base, label, dims, get(fields, "unit"), get(fields, "value"),
                         get(fields, "quality"), line))
        for index, (label, unit, flag) in wide.items():
            rows.append((*base, label, dims, unit, fields[index],
                         fields[flag] if flag is not None else "", line))
    records = pd.DataFrame(
        rows, columns=["time", "key", "name", "label", "dims", "unit", "text", "q", "line"]
    )
    records["column"] = records["label"].where(
        records["dims"] == "", records["label"] + " (" + records["dims"] + ")"
    )
    units = records.groupby("column")["unit"].nunique()
    several = records["column"].isin(units.index[units > 1])
    records.loc[several, "column"] += " [" + records.loc[several, "unit"] + "]"
    return records


def _pivot(
    where: str, sheet: Sheet, records: pd.DataFrame, header: list[str], columns: dict[str, int]
) -> GenesisTable:
    texts = records["text"].tolist()
    lines = records["line"].to_numpy(np.int64)
    comma = any(_COMMA.search(text) for text in texts)
    point = not comma and any(_POINT.search(text) for text in texts)
    values, notes = parse_column(where, texts, lines, header[columns.get("value", 0)],
                                 decimal_point=point)
    notes = notes.to_numpy(dtype=object, na_value=None)
    flags = records["q"].to_numpy(dtype=object)
    for i in np.flatnonzero(flags != ""):
        if notes[i] is None and flags[i] in SUFFIXES:
            notes[i] = SUFFIXES[flags[i]]
        elif texts[i] == "" and flags[i] in MARKERS:
            values[i], notes[i] = MARKERS[flags[i]]
    twice = records.duplicated(["time", "key", "column"], keep=False).to_numpy()
    if twice.any():
        first = records.loc[twice].iloc[0]
        same = twice & (records[["time", "key", "column"]] == first[["time", "key", "column"]]
                        ).all(axis=1).to_numpy()
        raise InputError(where, f"{first['column']!r} for {first['key']} and {first['time']} "
                                f"appears more than once, on lines "
                                f"{', '.join(str(n) for n in lines[same])}",
                         line=int(lines[same][0]), column=header[columns["key"]])
    row, row_keys = pd.factorize(pd.MultiIndex.from_frame(records[["time", "key"]]))
    col, names = pd.factorize(records["column"])
    grid = np.full((len(row_keys), len(names)), np.nan)
    grid_notes = np.full(grid.shape, "missing", dtype=object)
    grid[row, col] = values
    grid_notes[row, col] = notes
    first = records.groupby(row, sort=True).first()
    frame = pd.DataFrame({"time": first["time"].to_numpy(dtype=str),
                          "key": first["key"].to_numpy(dtype=str),
                          "name": first["name"].to_numpy(dtype=str)})
    names = [str(name) for name in names]
    for j, name in enumerate(names):
        frame[name] = grid[:, j]
    for j, name in enumerate(names):
        frame[f"{name}_note"] = pd.array(grid_notes[:, j].tolist(), dtype="string")
    units = records.drop_duplicates("column").set_index("column")["unit"]
    headings = {role: header[columns[role]] for role in ("time", "key", "name") if role in columns}
    title = [" ".join(records_title) for records_title in _title(sheet, header, columns)]
    frame.attrs.update(
        source=where, encoding=sheet.encoding, format="flat", title=title,
        units={name: unit for name, unit in units.items() if unit}, footer=[],
        headings=headings, decimal="." if point else ",",
    )
    labels = {name: (name, *records.loc[records["column"] == name, "label"].iloc[:1])
              for name in names}
    headings.update({name: name for name in names})
    lines_per_row = records.groupby(row, sort=True)["line"].min().to_numpy(np.int64)
    return GenesisTable(frame, lines_per_row, where, names, headings, labels)


def _title(sheet: Sheet, header: list[str], columns: dict[str, int]) -> list[list[str]]:
    """The statistic's code and label from the first data line, if the file has them."""
    parts = [columns[role] for role in ("statistic", "statistic_label") if role in columns]
    if not parts:
        return []
    at = next(i for i, row in enumerate(sheet.rows) if "".join(row).strip())
    first = next((row for row in sheet.rows[at + 1:] if "".join(row).strip()), None)
    return [[first[i].strip() for i in parts]] if first else []
