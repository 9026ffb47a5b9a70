"""Read SGB II (Bürgergeld) and unemployment counts per municipality from BA tables.

The Statistik der Bundesagentur für Arbeit publishes these counts down to municipalities,
mostly as xlsx workbooks, for some products as ``;``-separated CSV (UTF-8 with or without
BOM; older exports cp1252): title rows, a head of one to three rows (a group heading such
as ``Regelleistungsberechtigte (RLB)`` above ``insgesamt`` and ``darunter unter 15
Jahre``), the data rows, and notes below (``Hinweise``, footnotes, ``© Statistik der
Bundesagentur für Arbeit``). The key and the name of a municipality stand in two columns
or in one cell (``05358004 Aldenhoven``). Layout and wording vary by product and year, so
the reader finds the head block and maps its columns by their headings: the rows of the
head are combined column-wise, folded (case, spacing, punctuation, footnote marks, ä/ae,
ö/oe, ü/ue, ß/ss) and looked up in :data:`SGB2_SYNONYMS`. A county whose product uses
other words sets ``sgb2: columns:`` in its county file (``columns=`` here).

``*`` marks anonymised values (1 or 2, and values from which they could be derived): NaN
with the note ``anonymised``. ``-`` is zero (note ``zero``), ``x`` not meaningful, an
empty field missing; the other signs of the statistics offices mean what they mean in
GENESIS tables (:data:`pipeline.readers.tables.MARKERS`). A count the product does not
publish is NaN with the note ``not_published``.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.readers._ba_headings import (
    LABELS,
    SYNONYMS,
    VALUES,
    Heading,
    classify,
    combine_head,
    is_term,
)
from pipeline.readers.tables import (
    EXPECTED_VALUE,
    Sheet,
    check_column_map,
    check_file,
    check_unique,
    parse_value,
    read_sheets,
)

__all__ = ["DEFAULT_SGB2_COLUMNS", "SGB2_SYNONYMS", "SGB2_VALUES", "read_sgb2"]

#: The value columns of :func:`read_sgb2`, in output order: Bedarfsgemeinschaften (BG),
#: Regelleistungsberechtigte (RLB), Personen in Bedarfsgemeinschaften (PersBG), RLB (else
#: PersBG) under 15, erwerbsfähige (ELB) and nicht erwerbsfähige (NEF) Leistungsberechtigte,
#: Arbeitslose, Bevölkerung unter der (Regel-)Altersgrenze.
SGB2_VALUES = VALUES
#: Our column name -> the BA headings read as it (see :mod:`pipeline.readers._ba_headings`).
SGB2_SYNONYMS = SYNONYMS
#: Our column name -> its canonical BA heading (the first of :data:`SGB2_SYNONYMS`).
DEFAULT_SGB2_COLUMNS: Mapping[str, str] = MappingProxyType(
    {name: headings[0] for name, headings in SYNONYMS.items()}
)
_HINT = "set sgb2: columns: {name}: <heading> in the county file"
_KEY = re.compile(r"(\d{2,12})(?:\s+(\S.*))?")
_FOOTER = re.compile(
    r"(©|\(c\)|hinweis|quelle|fu(ß|ss)note|anmerkung|erl(ä|ae)uterung|erstellungsdatum|"
    r"datenstand|stand\b|\d{1,2}\)|\*\)|\*\s*=|[¹²³])",
    re.IGNORECASE,
)
_PADDED = {7: 8, 4: 5, 11: 12}  # keys that lost their leading zero in a spreadsheet
_SCAN = 200  # rows searched for the head


@dataclass(frozen=True)
class _Place:
    """Where messages point: the file, and the worksheet for a workbook."""

    source: Path
    sheet: str | None

    def error(self, reason: str, row: int | None = None, column: str | None = None):
        """An :class:`InputError` naming the line (CSV) or ``file!Sheet, row`` (xlsx)."""
        if self.sheet is None:
            return InputError(self.source, reason, line=row, column=column)
        where = f"{self.source}!{self.sheet}" + (f", row {row}" if row is not None else "")
        return InputError(where, reason, column=column)

    def at(self, row: int) -> str:
        """``file, line n`` or ``file!Sheet, row n`` for warnings."""
        if self.sheet is None:
            return f"{self.source}, line {row}"
        return f"{self.source}!{self.sheet}, row {row}"


@dataclass(frozen=True)
class _Layout:
    """Where the table of one sheet is: head rows, value columns, key and name columns."""

    sheet: Sheet
    place: _Place
    head: int  # first row of the head block (0-based)
    leaf: int  # last row of the head block
    end: int  # first row of the notes below
    values: dict[str, Heading]
    key: Heading
    name: Heading | None


def read_sgb2(
    path: str | os.PathLike,
    columns: Mapping[str, str | None] | None = None,
    *,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read SGB II and unemployment counts per municipality from a BA CSV or xlsx table.

    Parameters
    ----------
    path : str or PathLike
        The BA table: CSV, or an xlsx workbook.
    columns : mapping of str to str or None, optional
        Our column name (``ags``, ``name`` or one of :data:`SGB2_VALUES`) -> the heading
        in the file, where :data:`SGB2_SYNONYMS` does not find it (the county file's
        ``sgb2: columns:``). A heading of several rows is written with its parts in order
        (``Regelleistungsberechtigte (RLB) insgesamt``) or its lowest parts only; a value
        column mapped to None is not read (NaN, note ``not_published``).
    sheet : str, optional
        The worksheet of a workbook (``sgb2: sheet:``); default the first whose head holds
        a key column and a BA count.

    Returns
    -------
    DataFrame
        ``ags`` (8-digit str), ``name`` (str, empty if the table has none), the
        :data:`SGB2_VALUES` (float64) and a ``<value>_note`` column for each (str, NA for a
        plain number). Rows with other keys (county, state, or a label without a key such
        as ``Deutschland``) are left out and kept as records in ``attrs['totals']``;
        ``attrs`` also holds ``source``, ``sheet``, ``encoding``, ``title``, ``footer`` and
        ``columns`` (our name -> the heading read; None: not in the table).

    Raises
    ------
    InputError
        No head with a key column and at least one BA count (the headings found are
        listed, with the ``sgb2: columns:`` key to set), a configured heading not found
        or found twice, two columns for one count, no municipality rows, a key that is not
        digits, a value that is neither a number nor a sign; the message names the file
        (``file.xlsx!Sheet``), line or row and column.
    TypeError, ValueError
        ``columns`` or ``sheet`` of the wrong kind or with unknown names.

    Examples
    --------
    >>> sgb2 = read_sgb2("sgb2_gemeinden.csv")  # doctest: +SKIP
    >>> read_sgb2("ba.xlsx", {"sgb2_persons": "Leistungsberechtigte"}, sheet="Gemeinden")
    ... # doctest: +SKIP
    """
    source = check_file(path, "BA table")
    overrides = _check_columns(columns)
    if sheet is not None and not isinstance(sheet, str):
        raise TypeError(f"sheet must be a worksheet name, got {type(sheet).__name__}")
    layout = _find_table(source, read_sheets(source, "cp1252", sheet=sheet), overrides)
    table, rows, padded = _data(layout)
    for row, text, key in padded:
        warnings.warn(f"{layout.place.at(row)}: key {text!r} has lost its leading zero; "
                      f"read as {key!r}", stacklevel=2)
    municipal = table["ags"].str.len().eq(8).to_numpy()
    if not municipal.any():
        keys = ", ".join(k for k in table["ags"].head(5) if k) or "none"
        raise layout.place.error(
            f"no municipality rows (8-digit keys) below the header; keys found: {keys}",
            column=layout.key.text,
        )
    result = table.loc[municipal].reset_index(drop=True)
    try:
        check_unique(source, result, rows[municipal], ("ags",), layout.key.text)
    except InputError as err:
        raise layout.place.error(err.reason, row=err.line, column=err.column) from None
    text = layout.sheet.text
    result.attrs.update(
        source=str(source),
        sheet=layout.sheet.name,
        encoding=layout.sheet.encoding,
        title=[line for line in text[: layout.head] if line.strip(" ;")],
        footer=[line for line in text[layout.end:] if line.strip(" ;")],
        totals=table.loc[~municipal].to_dict("records"),
        columns={"ags": layout.key.text, "name": layout.name.text if layout.name else None,
                 **{name: (layout.values[name].text if name in layout.values else None)
                    for name in VALUES}},
    )
    return result


def _check_columns(columns: Mapping[str, str | None] | None) -> dict[str, str | None]:
    return check_column_map(columns, (*LABELS, *VALUES), LABELS)


# --- the head ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    """What one candidate head block maps; ``problem`` is the first reason it cannot serve."""

    head: int
    leaf: int
    headings: list[Heading]
    values: dict[str, Heading]
    labels: list[Heading]
    keys: dict[str, Heading]  # configured ags / name
    problem: tuple[str, str | None] | None  # (reason, column)

    @property
    def score(self) -> int:
        """How much of a BA head this is: counts mapped, plus one for a label column."""
        return len(self.values) + bool(self.labels or self.keys)

    @property
    def found(self) -> str:
        """The headings found, for messages."""
        return ", ".join(h.text for h in self.headings if h.parts) or "none"


def _find_table(source: Path, sheets: list[Sheet], overrides: dict[str, str | None]) -> _Layout:
    """The layout of the first sheet whose head holds a key column and a BA count."""
    best: tuple[_Match | None, _Place] | None = None
    for sheet in sheets:
        place = _Place(source, sheet.name)
        match = _find_head(sheet.rows, overrides)
        if match is not None and match.values and (match.labels or match.keys):
            return _layout(sheet, place, match, overrides)
        if best is None or (match is not None and (best[0] is None
                                                   or match.score > best[0].score)):
            best = (match, place)
    match, place = best
    tried = (f" (worksheets: {', '.join(s.name for s in sheets)}; set sgb2: sheet: <name> "
             "in the county file)" if len(sheets) > 1 else "")
    wanted = ", ".join(f"'{DEFAULT_SGB2_COLUMNS[v]}'" for v in VALUES)
    if match is None or not match.values:
        found = f"; headings found: {match.found}" if match is not None else ""
        raise place.error(
            f"no header line holds any of the headings {wanted} (or their synonyms){found}; "
            f"{_HINT.format(name='sgb2_persons')}{tried}"
        )
    raise place.error(
        f"no heading names the municipality key; headings found: {match.found}; "
        f"{_HINT.format(name='ags')}{tried}",
        row=match.leaf + 1,
    )


def _find_head(rows: list[list[str]], overrides: dict[str, str | None]) -> _Match | None:
    """The best head block: the leaf row whose block maps most columns (earliest wins)."""
    best: _Match | None = None
    for leaf in range(min(len(rows), _SCAN)):
        if not any(field.strip() for field in rows[leaf]):
            continue
        if best is not None and best.values and _looks_like_data(rows[leaf]):
            break  # the data have begun
        head = leaf
        while head > max(0, leaf - 2) and any(is_term(f) for f in rows[head - 1]):
            head -= 1
        match = _match(head, leaf, combine_head(rows[head: leaf + 1]), overrides)
        if best is None or _rank(match) > _rank(best):
            best = match
    return best


def _rank(match: _Match) -> tuple[int, int]:
    """How good a head is: most columns mapped.

    Among heads that map none, the row with most text wins, for the message that lists
    the headings found.
    """
    texts = sum(any(ch.isalpha() for ch in h.text) for h in match.headings)
    return match.score, 0 if match.score else texts


def _looks_like_data(fields: list[str]) -> bool:
    first = [f.strip() for f in fields if f.strip()][:3]
    return any(_KEY.fullmatch(f) for f in first) and len(first) > 1


def _match(head: int, leaf: int, headings: list[Heading],
           overrides: dict[str, str | None]) -> _Match:
    """Map the headings: configured ones first, then by the synonym table."""
    problem = None
    taken: dict[str, Heading] = {}
    for name, wanted in overrides.items():
        if wanted is None:
            continue
        hits = [h for h in headings if h.matches(wanted)]
        if len(hits) > 1:
            hits = [h for h in hits if h.matches_whole(wanted)] or hits
        if len(hits) == 1:
            taken[name] = hits[0]
        elif problem is None:
            problem = ((f"heading '{wanted}' appears {len(hits)} times ("
                        f"{', '.join(repr(h.text) for h in hits)}); configure a heading that "
                        "is unique") if hits else
                       (f"heading '{wanted}' (columns: {name}) not found; headings found: "
                        "{found}; " + _HINT.format(name=name)), wanted)
    used = {h.column for h in taken.values()}
    by_name: dict[str, list[tuple[int, Heading]]] = {}
    for column, (name, priority) in classify(headings).items():
        if name not in overrides and column not in used:
            by_name.setdefault(name, []).append((priority, headings[column]))
    values = {n: h for n, h in taken.items() if n in VALUES}
    for name in VALUES:
        if name not in by_name:
            continue
        top = min(p for p, _ in by_name[name])
        hits = [h for p, h in by_name[name] if p == top]
        values[name] = hits[0]
        if len(hits) > 1 and problem is None:
            problem = (f"headings {' and '.join(repr(h.text) for h in hits)} both read as "
                       f"{name}; {_HINT.format(name=name)}", hits[1].text)
    labels = [h for n in LABELS for _, h in by_name.get(n, [])]
    keys = {n: h for n, h in taken.items() if n in LABELS}
    return _Match(head, leaf, headings, values, labels, keys, problem)


# --- key and name columns -----------------------------------------------------------------


def _layout(sheet: Sheet, place: _Place, match: _Match,
            overrides: dict[str, str | None]) -> _Layout:
    """Check the chosen head and find the key and name columns by their contents."""
    if match.problem is not None:
        reason, column = match.problem
        raise place.error(reason.replace("{found}", match.found), row=match.leaf + 1,
                          column=column)
    rows = sheet.rows
    end = next((i for i in range(match.leaf + 1, len(rows)) if _is_note(rows[i])), len(rows))
    sample = [rows[i] for i in range(match.leaf + 1, min(end, match.leaf + 1 + _SCAN))]
    if "ags" in match.keys:
        key = match.keys["ags"]
    else:
        first_value = min(h.column for h in match.values.values())
        unnamed = [h for h in match.headings if not h.parts and h.column < first_value]
        candidates = [h for h in match.labels + unnamed if h != match.keys.get("name")]
        counts = [sum(bool(_KEY.fullmatch(_field(r, h.column))) for r in sample)
                  for h in candidates]
        if not candidates or max(counts) == 0:
            raise place.error(
                "no column holds municipality keys (digits, alone or before the name, e.g. "
                f"'05358004 Aldenhoven'); headings found: {match.found}; "
                + _HINT.format(name="ags"), row=match.leaf + 1)
        key = candidates[counts.index(max(counts))]
    name = match.keys.get("name")
    if name is None:
        name = next((h for h in match.labels if h != key
                     and sum(_has_letters(_field(r, h.column)) for r in sample) > 0), None)
    return _Layout(sheet, place, match.head, match.leaf, end, match.values, key, name)


def _is_note(fields: list[str]) -> bool:
    """True for the first row of the notes below a table (``©``, ``Hinweise``, ``1)``)."""
    filled = [f.strip() for f in fields if f.strip()]
    return 0 < len(filled) <= 2 and bool(_FOOTER.match(filled[0]))


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text) and not _KEY.fullmatch(text)


def _field(fields: list[str], at: int) -> str:
    return fields[at].strip() if at < len(fields) else ""


def _is_numbering(fields: list[str]) -> bool:
    """True for a row that numbers the columns (``1;2;3`` or ``(1);(2);(3)``)."""
    numbers = [f.strip().strip("()") for f in fields if f.strip()]
    if len(numbers) < 2 or not all(n.isdigit() for n in numbers):
        return False
    values = [int(n) for n in numbers]
    return values == list(range(values[0], values[0] + len(values)))


# --- the data -----------------------------------------------------------------------------


def _data(layout: _Layout) -> tuple[pd.DataFrame, np.ndarray, list[tuple[int, str, str]]]:
    """The rows of the table: keys, names, values and notes; line numbers; padded keys."""
    place, key_at = layout.place, layout.key.column
    records: dict[str, list] = {"ags": [], "name": []}
    for name in VALUES:
        records[name], records[f"{name}_note"] = [], []
    rows, padded = [], []
    value_at = [layout.values[n].column for n in layout.values]
    for index in range(layout.leaf + 1, layout.end):
        fields = layout.sheet.rows[index]
        if _is_numbering(fields):
            continue
        parsed = _key(place, fields, key_at, value_at, index + 1, layout.key.text)
        if parsed is None:
            continue
        key, name_in_cell, digits = parsed
        if digits and key != digits:
            padded.append((index + 1, digits, key))
        records["ags"].append(_ars_to_ags(key))
        records["name"].append(_field(fields, layout.name.column) if layout.name is not None
                               else name_in_cell)
        for name in VALUES:
            value, note = _value(place, fields, layout.values.get(name), index + 1)
            records[name].append(value)
            records[f"{name}_note"].append(note)
        rows.append(index + 1)
    frame = pd.DataFrame(
        {
            "ags": pd.Series(records["ags"], dtype=str),
            "name": pd.Series(records["name"], dtype=str),
            **{name: np.asarray(records[name], dtype=float) for name in VALUES},
            **{f"{name}_note": pd.array(records[f"{name}_note"], dtype="string")
               for name in VALUES},
        }
    )
    return frame, np.asarray(rows, dtype=np.int64), padded


def _key(place: _Place, fields: list[str], at: int, value_at: list[int], row: int,
         column: str) -> tuple[str, str, str] | None:
    """Key, name in the key cell and the digits as written; None to skip the row.

    Rows without a key are skipped unless they hold values: a label without digits
    (``Deutschland``) is then a total with the key ``""``; digits that are no key raise.
    """
    text = _field(fields, at)
    if not text:
        return None
    found = _KEY.fullmatch(text)
    if found is None:
        if not any(_field(fields, i) for i in value_at):
            return None  # a sub-heading or a note in the key column
        if not any(ch.isdigit() for ch in text):
            return "", text, ""
        raise place.error(f"key {text!r} is not a key of digits", row=row, column=column)
    digits = found.group(1)
    key = digits.zfill(_PADDED[len(digits)]) if len(digits) in _PADDED else digits
    return key, found.group(2) or "", digits


def _ars_to_ags(key: str) -> str:
    """A 12-digit Regionalschlüssel as the 8-digit Gemeindeschlüssel (others unchanged)."""
    return key[:5] + key[9:] if len(key) == 12 else key


def _value(place: _Place, fields: list[str], heading: Heading | None,
           row: int) -> tuple[float, str | None]:
    if heading is None:
        return np.nan, "not_published"
    text = _field(fields, heading.column)
    parsed = parse_value(text)
    if parsed is None:
        raise place.error(f"value {text!r} is not {EXPECTED_VALUE}", row=row,
                          column=heading.text)
    return parsed
