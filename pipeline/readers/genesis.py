"""Read GENESIS / Regionaldatenbank tables, such as the income table 73111-01-01-5.

GENESIS-Online and the Regionaldatenbank Deutschland offer every table in three exports,
and a county downloads whichever its office is used to; all three are read:

- the table CSV: ``;``-separated Latin-1 / ISO-8859-15 (or UTF-8) text with a title
  block, a column head of one or more lines (headings, units, the reference date, the key
  headings ``Jahr;Schlüssel;Gebietsname``, in varying arrangements), the data lines and
  a footer. Head and data block are found by their content, not by position
  (:mod:`._genesis_table`);
- the xlsx workbook of the same table: the same blocks in a worksheet;
- the flat CSV ("ffcsv"): one value per line with attribute columns, found by their names
  and pivoted to the same wide frame (:mod:`._genesis_flat`).

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
Anything else that is not a number (decimal comma, optional ``.`` thousands separators;
a decimal point in the English flat download) raises :class:`~pipeline.errors.InputError`
naming the file (``file.xlsx!Sheet`` for a worksheet), the line or row and the column.

Income columns are found by heading with the synonyms of :data:`INCOME_SYNONYMS`,
matched ignoring case, white space, punctuation and umlaut spelling (``ü`` / ``ue``); a
county whose table uses other headings sets them (``columns=`` of :func:`read_income`,
``income: columns:`` in its county file).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.readers._genesis_base import GenesisTable, match_key
from pipeline.readers._genesis_flat import is_flat, read_flat
from pipeline.readers._genesis_table import has_data, read_table
from pipeline.readers.tables import check_column_map, check_file, check_unique, read_sheets

__all__ = ["INCOME_COLUMNS", "INCOME_SYNONYMS", "read_genesis_table", "read_income"]

#: Our income columns and the headings they go by, the usual one first.
INCOME_SYNONYMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "taxpayers": (
            "Lohn- und Einkommensteuerpflichtige",
            "Steuerpflichtige",
            "Einkommensteuerpflichtige",
            "Lohn- und Einkommensteuerpflichtige insgesamt",
            "Steuerpflichtige insgesamt",
            "Anzahl der Steuerpflichtigen",
        ),
        "income_total_keur": (
            "Gesamtbetrag der Einkünfte",
            "Gesamtbetrag der Einkünfte insgesamt",
            "Gesamtbetrag der Einkünfte (GdE)",
        ),
        "income_tax_keur": (
            "Lohn- und Einkommensteuer",
            "festgesetzte Einkommensteuer",
            "Festzusetzende Einkommensteuer",
            "Lohn- und Einkommensteuer insgesamt",
            "Einkommensteuer",
        ),
    }
)
#: Our column -> its usual heading (the first synonym); kept for callers of the old name.
INCOME_COLUMNS: Mapping[str, str] = MappingProxyType(
    {ours: names[0] for ours, names in INCOME_SYNONYMS.items()}
)
#: Income columns a table may lack (NaN with the note ``not_published``).
_OPTIONAL = ("income_tax_keur",)
#: Amount columns: their units and the factor to thousand EUR.
_AMOUNTS = ("income_total_keur", "income_tax_keur")
_SCALES = MappingProxyType(
    {"tsd eur": 1.0, "tsd euro": 1.0, "1000 eur": 1.0, "eur": 1e-3, "euro": 1e-3}
)
_LEVELS = MappingProxyType(
    {2: "Land level", 3: "Regierungsbezirk level", 5: "county level", 8: "municipality",
     9: "association level"}
)


def read_genesis_table(path: str | os.PathLike, *, sheet: str | None = None) -> pd.DataFrame:
    """Read a GENESIS / Regionaldatenbank table: table CSV, xlsx or flat CSV.

    Parameters
    ----------
    path : str or PathLike
        The table as exported: table CSV (``;``, Latin-1 / ISO-8859-15 or UTF-8), flat CSV
        ("ffcsv", UTF-8) or xlsx workbook.
    sheet : str, optional
        The worksheet of an xlsx workbook; by default the first one holding data.

    Returns
    -------
    DataFrame
        One row per time and key. The text columns ``time`` (a year or date, as written;
        from the head when the table gives one reference date there), ``key`` (str, with
        its leading zeros: ``DG``, ``05``, ``053``, ``05358``, ``05358008``), ``name``
        (unindented) and any further leading text columns; each value column as float64
        named by its heading, followed by a ``<column>_note`` column per value column (str,
        NA for a plain number) holding the sign's meaning (see the module docstring).
        ``attrs`` holds ``source``, ``encoding`` (``"xlsx"`` for a workbook), ``format``
        (``"table"`` or ``"flat"``), ``title`` (lines above the head), ``units`` (per value
        column), ``footer``, ``headings`` (the file's headings of the text columns) and,
        where the head gives them, ``times`` (per value column) and ``date``.

    Raises
    ------
    InputError
        No data lines, a line inside the data block that is not a data line, a wrong
        number of fields, or a value that is neither a number nor a sign; for a flat CSV
        a missing time, key or value column (the headings found are listed). The message
        names file, line and column.

    Examples
    --------
    >>> table = read_genesis_table("12411-01-01-4.csv")  # doctest: +SKIP
    >>> table.columns[:5].tolist()  # doctest: +SKIP
    ['time', 'key', 'name', 'Insgesamt', 'männlich']
    """
    return _read(path, sheet).frame


def read_income(
    path: str | os.PathLike,
    *,
    columns: Mapping[str, str | None] | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read the income tax table 73111-01-01-5 per municipality, in any of its exports.

    Parameters
    ----------
    path : str or PathLike
        The table as table CSV, flat CSV or xlsx (see :func:`read_genesis_table`).
    columns : mapping of str to str or None, optional
        Headings in the file for our columns, overriding :data:`INCOME_SYNONYMS`:
        ``{"taxpayers": "Steuerpflichtige (Anzahl)"}``. Keys are ``taxpayers``,
        ``income_total_keur`` and ``income_tax_keur``; ``income_tax_keur`` may map to None
        (not published). A county sets this as ``income: columns:`` in its county file.
    sheet : str, optional
        The worksheet of an xlsx workbook (``income: sheet:``).

    Returns
    -------
    DataFrame
        ``ags`` (8-digit str), ``name``, ``year`` (int), ``taxpayers``,
        ``income_total_keur``, ``income_tax_keur`` (float64; amounts in thousand EUR,
        converted from EUR if the table gives EUR) and a ``_note`` column for each of the
        three; ``income_tax_keur`` is NaN with the note ``not_published`` if the table
        lacks it. Rows with other keys (county, state, association of municipalities) are
        left out and kept as records in ``attrs['totals']``; ``attrs['income_columns']``
        says which heading each column came from.

    Raises
    ------
    InputError
        As :func:`read_genesis_table`; also a required column not found (the headings
        found are listed, and the county-file key to set), a unit other than thousand EUR
        or EUR for the amounts, a row without a year, no municipality rows (a county-level
        table given by mistake), or the same municipality and year on two lines.
    TypeError, ValueError
        ``columns`` of the wrong kind or with unknown keys.

    Examples
    --------
    >>> income = read_income("73111-01-01-5.csv")  # doctest: +SKIP
    >>> income.columns[:6].tolist()  # doctest: +SKIP
    ['ags', 'name', 'year', 'taxpayers', 'income_total_keur', 'income_tax_keur']
    >>> read_income("73111.xlsx", columns={"taxpayers": "Steuerpfl."})  # doctest: +SKIP
    """
    overrides = _check_columns(columns)
    table = _read(path, sheet)
    mapping = _income_columns(table, overrides)
    scales = _scales(table, mapping)
    frame = table.frame
    result = pd.DataFrame(
        {
            "ags": frame["key"].astype(str),
            "name": frame["name"].astype(str) if "name" in frame else "",
            "year": _years(table),
        }
    )
    for ours, theirs in mapping.items():
        result[ours] = frame[theirs] * scales[ours] if theirs else np.nan
    for ours, theirs in mapping.items():
        result[f"{ours}_note"] = (
            frame[f"{theirs}_note"] if theirs
            else pd.array(["not_published"] * len(frame), dtype="string")
        )
    municipal = result["ags"].str.fullmatch(r"\d{8}").to_numpy(dtype=bool)
    if not municipal.any():
        raise InputError(table.where, _no_municipalities(result["ags"], frame.attrs),
                         column=table.heading("key"))
    check_unique(table.where, result.loc[municipal], table.lines[municipal], ("ags", "year"),
                 table.heading("key"))
    income = result.loc[municipal].reset_index(drop=True)
    income.attrs.update(frame.attrs)
    income.attrs["income_columns"] = {ours: theirs for ours, theirs in mapping.items()}
    income.attrs["totals"] = result.loc[~municipal].to_dict("records")
    return income


# --- reading ------------------------------------------------------------------------------


def _read(path: str | os.PathLike, sheet: str | None) -> GenesisTable:
    """The table of the file: the named worksheet, else the first one holding data."""
    source = check_file(path, "GENESIS table")
    sheets = read_sheets(source, "iso-8859-15", sheet=sheet)
    usable = [s for s in sheets if is_flat(s) or has_data(s)]
    if not usable and len(sheets) > 1:
        raise InputError(source, "no data lines found in any worksheet "
                                 f"({', '.join(str(s.name) for s in sheets)})")
    chosen = usable[0] if usable else sheets[0]
    where = chosen.where(source)
    table = read_flat(chosen, where) if is_flat(chosen) else read_table(chosen, where)
    if chosen.name is not None:
        table.frame.attrs["sheet"] = chosen.name
    return table


# --- income -------------------------------------------------------------------------------


def _check_columns(columns: Mapping[str, str | None] | None) -> dict[str, str | None]:
    """The overrides, validated: our name -> heading (or None for not published)."""
    required = [name for name in INCOME_SYNONYMS if name not in _OPTIONAL]
    return check_column_map(columns, tuple(INCOME_SYNONYMS), required)


def _income_columns(
    table: GenesisTable, overrides: Mapping[str, str | None]
) -> dict[str, str | None]:
    """Our column name -> the table's value column (None: not published)."""
    found = ", ".join(table.value_columns) or "none"
    mapping: dict[str, str | None] = {}
    for ours, synonyms in INCOME_SYNONYMS.items():
        if ours in overrides:
            heading = overrides[ours]
            mapping[ours] = None if heading is None else _override(table, ours, heading, found)
            continue
        wanted = {match_key(name) for name in synonyms}
        hits = [c for c in table.value_columns
                if any(match_key(text) in wanted for text in (c, *table.labels.get(c, ())))]
        if len(hits) > 1:
            raise InputError(table.where, f"several columns match {ours} ({', '.join(hits)}): "
                             f"set income: columns: {ours}: <heading> in the county file",
                             column=hits[0])
        if not hits and ours not in _OPTIONAL:
            raise InputError(
                table.where,
                f"no column '{synonyms[0]}' in the header; value columns found: {found} "
                f"(also looked for: {', '.join(synonyms[1:])}); if one of them is {ours}, "
                f"set income: columns: {ours}: <heading> in the county file",
                column=synonyms[0],
            )
        mapping[ours] = hits[0] if hits else None
    return mapping


def _override(table: GenesisTable, ours: str, heading: str, found: str) -> str:
    """The value column a configured heading names: by column name, else by any heading."""
    key = match_key(heading)
    for candidates in (
        [c for c in table.value_columns if match_key(c) == key],
        [c for c in table.value_columns
         if any(match_key(text) == key for text in table.labels.get(c, ()))],
    ):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise InputError(table.where, f"heading '{heading}' (income: columns: {ours}) "
                             f"matches several columns: {', '.join(candidates)}; give the "
                             "column name as listed", column=heading)
    raise InputError(
        table.where,
        f"no column '{heading}' in the header (set by income: columns: {ours} in the county "
        f"file); value columns found: {found}",
        column=heading,
    )


def _scales(table: GenesisTable, mapping: Mapping[str, str | None]) -> dict[str, float]:
    """Factor to thousand EUR per income column, from the units; other units refused."""
    units = table.frame.attrs.get("units", {})
    scales = {ours: 1.0 for ours in mapping}
    for ours in _AMOUNTS:
        theirs = mapping[ours]
        unit = units.get(theirs) if theirs else None
        if unit is None:
            continue
        scale = _SCALES.get(match_key(unit))
        if scale is None:
            raise InputError(
                table.where,
                f"unit {unit!r}, expected 'Tsd. EUR' (or 'EUR', converted; the output is in "
                f"thousand EUR)",
                column=table.heading(theirs),
            )
        scales[ours] = scale
    return scales


def _years(table: GenesisTable) -> np.ndarray:
    """The year of each row, from the time column (or the date in the head)."""
    frame = table.frame
    if "time" not in frame:
        raise InputError(table.where, "no year: the table has no time column and no single "
                                      "reference date in its head")
    years = frame["time"].astype(str).str.extract(r"((?:1[89]|20)\d{2})", expand=False)
    missing = years.isna().to_numpy()
    if missing.any():
        at = int(np.flatnonzero(missing)[0])
        raise InputError(table.where, f"no year in {frame['time'].iloc[at]!r}",
                         line=int(table.lines[at]), column=table.heading("time"))
    return years.astype("int64").to_numpy()


def _no_municipalities(keys: pd.Series, attrs: Mapping[str, object]) -> str:
    """Why a table without 8-digit keys is not the income table, and what to download."""
    shown = []
    for key in dict.fromkeys(keys.tolist()):
        level = "Germany" if key == "DG" else _LEVELS.get(len(key), f"{len(key)}-digit key")
        shown.append(f"{key} ({level})")
    title = next((str(t) for t in attrs.get("title", []) if "Tabelle" in str(t)), "")
    given = f" ({title.strip(' ;')})" if title else ""
    return (
        f"no municipality rows (8-digit keys){given}; keys found: "
        f"{', '.join(shown[:5]) or 'none'}{', ...' if len(shown) > 5 else ''}: download "
        "table 73111-01-01-5, the municipality level"
    )
