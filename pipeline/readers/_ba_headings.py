"""Headings of Bundesagentur tables: normalised, combined over multi-row heads, matched.

A BA table may split a heading over two or three rows: a group heading such as
``Regelleistungsberechtigte (RLB)`` spans the columns ``insgesamt`` and ``darunter unter 15
Jahre`` below it. :func:`combine_head` turns the rows of such a head block into one heading
per column (its *parts*, top to bottom); :func:`classify` says which of our columns a heading
is by the synonym table :data:`SYNONYMS`, after
:func:`~pipeline.readers.tables.fold_heading` has normalised case, white space, punctuation,
footnote marks and umlaut spellings (blanks are then ignored, so a hyphenated
``Leistungs-berechtigte`` is ``Leistungsberechtigte``). Private to
:mod:`pipeline.readers.bundesagentur`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from pipeline.readers.tables import fold_heading as fold

__all__ = [
    "LABELS",
    "SYNONYMS",
    "UNDER15_PARENTS",
    "VALUES",
    "Heading",
    "classify",
    "combine_head",
    "fold",
    "is_term",
]

#: Our value columns, in output order.
VALUES = (
    "sgb2_households",
    "sgb2_persons",
    "sgb2_persons_in_bg",
    "sgb2_under15",
    "sgb2_employable",
    "sgb2_non_employable",
    "unemployed",
    "population_below_limit",
)
#: Our label columns: the municipality key and its name.
LABELS = ("ags", "name")

#: Our column name -> the headings the BA uses for it (first: the canonical one). Matched
#: after :func:`fold`; ``insgesamt``, ``gesamt``, ``zusammen`` and ``Anzahl`` around a
#: heading are ignored, and a heading of only those words is the total of its group.
SYNONYMS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "ags": (
            "Gemeindeschlüssel", "Amtlicher Gemeindeschlüssel", "AGS", "Regionalschlüssel",
            "Amtlicher Regionalschlüssel", "ARS", "Schlüssel", "Schlüsselnummer",
            "Gemeindekennziffer", "Kennziffer", "Gemeinde (Schlüssel, Name)",
            "Gemeinde (Schlüssel und Name)", "Region (Schlüssel, Name)", "Schlüssel, Name",
            "Regionalschlüssel und Name", "Gemeindeschlüssel und Name",
        ),
        "name": (
            "Gemeinde", "Gemeindename", "Name der Gemeinde", "Name", "Gemeindebezeichnung",
            "Region", "Regionalname", "Gebiet", "Bezeichnung",
        ),
        "sgb2_households": (
            "Bedarfsgemeinschaften", "Bedarfsgemeinschaften (BG)", "BG",
            "Anzahl der Bedarfsgemeinschaften",
        ),
        "sgb2_persons": (
            "Regelleistungsberechtigte", "Regelleistungsberechtigte (RLB)", "RLB",
        ),
        "sgb2_persons_in_bg": (
            "Personen in Bedarfsgemeinschaften", "Personen in Bedarfsgemeinschaften (PersBG)",
            "PersBG", "Personen in BG",
        ),
        "sgb2_under15": (
            "darunter: unter 15 Jahre", "unter 15 Jahre", "unter 15 Jahren",
            "Kinder unter 15 Jahren", "Kinder unter 15 Jahre", "Personen unter 15 Jahren",
            "0 bis unter 15 Jahre",
        ),
        "sgb2_employable": (
            "Erwerbsfähige Leistungsberechtigte", "Erwerbsfähige Leistungsberechtigte (ELB)",
            "ELB", "eLb",
        ),
        "sgb2_non_employable": (
            "Nicht erwerbsfähige Leistungsberechtigte",
            "Nicht erwerbsfähige Leistungsberechtigte (NEF)", "Nichterwerbsfähige "
            "Leistungsberechtigte", "NEF",
        ),
        "unemployed": ("Arbeitslose", "Arbeitslose (AL)", "Anzahl der Arbeitslosen"),
        "population_below_limit": (
            "Bevölkerung unter Altersgrenze", "Bevölkerung bis unter Altersgrenze",
            "Bevölkerung unter Regelaltersgrenze", "Bevölkerung bis unter Regelaltersgrenze",
            "Bevölkerung unter der Regelaltersgrenze",
            "Bevölkerung bis unter der Regelaltersgrenze", "Bevölkerung bis zur Altersgrenze",
            "Bevölkerung bis zur Regelaltersgrenze", "Bevölkerung 0 bis unter Altersgrenze",
            "Bevölkerung 0 bis unter Regelaltersgrenze",
            "Bevölkerung von 0 bis unter der Regelaltersgrenze",
            "Einwohner unter Altersgrenze", "Einwohner bis unter Regelaltersgrenze",
        ),
    }
)
#: Groups whose ``darunter unter 15 Jahre`` is ``sgb2_under15``, best first; a sub-column
#: of another group (``Bevölkerung``, ``Arbeitslose``) is not. ``None``: no group known.
UNDER15_PARENTS = ("sgb2_persons", "sgb2_non_employable", "sgb2_persons_in_bg", None)

_FILLER = re.compile(r"^(?:anzahl(?: der)? )?(.*?)(?: (?:insgesamt|gesamt|zusammen|anzahl))?$")
_FILLER_ONLY = frozenset({"", "insgesamt", "gesamt", "zusammen", "anzahl", "summe"})
_SUB = re.compile(r"^(?:darunter|dar|davon) ")


def _core(folded: str) -> tuple[str, bool]:
    """A folded heading without filler words, and whether it is a ``darunter`` column."""
    sub = bool(_SUB.match(folded))
    if sub:
        folded = _SUB.sub("", folded)
    if folded in _FILLER_ONLY:
        return "", sub
    return _FILLER.fullmatch(folded).group(1), sub


def _compact(folded: str) -> str:
    """A folded heading without blanks, as terms are compared.

    ``Leistungs-berechtigte`` is then one word, and ``Nicht-erwerbsfähige``,
    ``Nichterwerbsfähige`` and ``Nicht erwerbsfähige`` are the same.
    """
    return folded.replace(" ", "")


_TERMS: dict[str, str] = {
    _compact(_core(fold(heading))[0]): name
    for name, headings in SYNONYMS.items()
    for heading in headings
}


def term(text: str) -> tuple[str | None, bool]:
    """Our column a single heading cell names (None: none) and whether it is ``darunter``."""
    core, sub = _core(fold(text))
    return (_TERMS.get(_compact(core)) if core else None), sub


def is_term(text: str) -> bool:
    """True if the cell is a heading of the synonym table (a head row holds one)."""
    return term(text)[0] is not None


@dataclass(frozen=True)
class Heading:
    """The heading of one column: its parts from the head block, top to bottom."""

    column: int
    parts: tuple[str, ...]

    @property
    def text(self) -> str:
        """The heading as shown in messages: its parts joined by `` / ``."""
        return " / ".join(self.parts)

    def matches(self, wanted: str) -> bool:
        """True if ``wanted`` is this heading or its lower parts (folded, filler kept)."""
        target = _compact(fold(wanted))
        return any(_compact(fold(" ".join(self.parts[k:]))) == target
                   for k in range(len(self.parts)))

    def matches_whole(self, wanted: str) -> bool:
        """True if ``wanted`` is the whole heading (all its parts)."""
        return _compact(fold(" ".join(self.parts))) == _compact(fold(wanted))


def combine_head(rows: Sequence[Sequence[str]]) -> list[Heading]:
    """One heading per column from the rows of a head block.

    An empty cell of an upper row continues the group heading to its left, as a merged
    cell spans its columns, if that group has sub-headings below it and no heading starts
    above the empty cell; a heading with nothing below (a cell merged downwards) does not
    continue. Repeated parts (a heading repeated in each cell of a merge) count once.
    """
    width = max((len(r) for r in rows), default=0)
    grid = [[(r[c].strip() if c < len(r) else "") for c in range(width)] for r in rows]
    filled = [row[:] for row in grid]
    depth = len(grid)
    for r in range(depth - 1):
        origin = None
        for c in range(width):
            if grid[r][c]:
                has_children = any(grid[q][c] for q in range(r + 1, depth))
                origin = c if has_children else None
            elif origin is not None and not any(grid[q][c] for q in range(r)):
                filled[r][c] = filled[r][origin]
            else:
                origin = None
    headings = []
    for c in range(width):
        parts: list[str] = []
        for r in range(depth):
            if filled[r][c] and (not parts or parts[-1] != filled[r][c]):
                parts.append(filled[r][c])
        headings.append(Heading(c, tuple(parts)))
    return headings


def classify(headings: Sequence[Heading]) -> dict[int, tuple[str, int]]:
    """Our column and priority (0 best) of each heading the synonym table knows.

    A heading is what its lowest part names that is not filler (``insgesamt`` below a group
    is the group). ``darunter unter 15 Jahre`` is ``sgb2_under15`` with the priority of its
    group (:data:`UNDER15_PARENTS`): the group above it, else the column to its left.
    Headings of unknown terms (``darunter SGB II``) are left out.
    """
    found: dict[int, tuple[str, int]] = {}
    last_main: str | None = None
    for heading in headings:
        names = [term(part) for part in heading.parts]
        lowest = next((i for i in range(len(names) - 1, -1, -1)
                       if _core(fold(heading.parts[i]))[0]), None)
        if lowest is None:
            continue
        name, sub = names[lowest]
        if name == "sgb2_under15":
            above = next((n for n, _ in reversed(names[:lowest]) if n is not None), None)
            parent = above if above is not None else last_main
            parent = None if parent in LABELS else parent
            if parent in UNDER15_PARENTS:
                found[heading.column] = (name, UNDER15_PARENTS.index(parent))
            continue
        if name is not None:
            found[heading.column] = (name, 0)
        if not sub:
            last_main = name
    return found
