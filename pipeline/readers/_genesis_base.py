"""What the GENESIS table and flat readers share: the parsed table and the value parser.

Both export layouts (:mod:`._genesis_table`, :mod:`._genesis_flat`) end in one
:class:`GenesisTable`: a wide frame (one row per time and key, one column per variable),
the line of each row, and each column's headings as written in the file, so messages
name what the analyst sees and headings can be matched against synonyms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.readers.tables import EXPECTED_VALUE, fold_heading, parse_value

_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


@dataclass(frozen=True)
class GenesisTable:
    """A GENESIS table read into the common wide frame.

    ``frame`` holds the text columns (``time``, ``key``, ``name``, ...), the float value
    columns and a ``<column>_note`` per value column; ``lines[i]`` is the file line (or
    worksheet row) of row ``i``; ``where`` the file as messages name it; ``headings`` the
    heading in the file of each frame column (for messages); ``labels`` every heading
    text of each value column (for matching synonyms).
    """

    frame: pd.DataFrame
    lines: np.ndarray
    where: str
    value_columns: list[str]
    headings: dict[str, str] = field(default_factory=dict)
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def heading(self, column: str) -> str:
        """The heading of ``column`` as written in the file (or our name if it has none)."""
        return self.headings.get(column) or column


def match_key(text: str) -> str:
    """A heading as matched: :func:`~pipeline.readers.tables.fold_heading`.

    Examples
    --------
    >>> match_key("Gesamtbetrag der  Einkünfte"), match_key("Gesamtbetrag_der_Einkuenfte")
    ('gesamtbetrag der einkuenfte', 'gesamtbetrag der einkuenfte')
    """
    return fold_heading(text)


def parse_column(
    where: str,
    texts: Sequence[str],
    lines: Sequence[int],
    heading: str,
    *,
    decimal_point: bool = False,
) -> tuple[np.ndarray, pd.arrays.StringArray]:
    """Values (float64) and notes of one column of value fields.

    ``decimal_point`` reads ``12.5`` as twelve and a half (the English flat download)
    instead of as a grouped thousand; signs mean the same either way. A field that is
    neither a number nor a sign raises :class:`InputError` naming line and column.
    """
    values = np.full(len(texts), np.nan)
    notes: list[str | None] = [None] * len(texts)
    seen: dict[str, tuple[float, str | None] | None] = {}
    for row, text in enumerate(texts):
        if text not in seen:
            given = _DECIMAL_POINT.sub(",", text) if decimal_point and "," not in text else text
            seen[text] = parse_value(given)
        parsed = seen[text]
        if parsed is None:
            raise InputError(
                where,
                f"value {text!r} is not {EXPECTED_VALUE}",
                line=int(lines[row]),
                column=heading,
            )
        values[row], notes[row] = parsed
    return values, pd.array(notes, dtype="string")
