"""Errors raised on bad input, each naming where the problem is: one home for every stage.

Every reader raises :class:`InputError` (a ``ValueError``) for a file it cannot
accept. The message names the file, the line (CSV) or feature (vector layers)
and the column, so an analyst can open the file and find the problem at once.
:class:`ConfigError` and :class:`CatalogError` do the same for the county file and the
indicator catalog, :class:`InfeasibleError` for constraints no partition can meet.
"""

from __future__ import annotations

from os import PathLike

__all__ = ["CatalogError", "ConfigError", "InfeasibleError", "InputError"]


class ConfigError(ValueError):
    """The county configuration is not usable; the message names the file, county and key."""


class CatalogError(ValueError):
    """An indicator catalog or a county's indicator options that cannot be used."""


class InputError(ValueError):
    """A file or layer that does not hold what the reader expects.

    Parameters
    ----------
    path : str or PathLike
        The file that was read (for a ZIP member: ``archive.zip!member.csv``).
    reason : str
        What is wrong, in one sentence, saying what was expected and what was found.
    line : int, optional
        1-based physical line number in a text file.
    feature : int or str, optional
        Feature index (0-based) or ID in a vector layer.
    column : str, optional
        The column or field concerned.
    """

    def __init__(
        self,
        path: str | PathLike,
        reason: str,
        *,
        line: int | None = None,
        feature: int | str | None = None,
        column: str | None = None,
    ) -> None:
        self.path = str(path)
        self.reason = reason
        self.line = line
        self.feature = feature
        self.column = column
        where = [self.path]
        if line is not None:
            where.append(f"line {line}")
        if feature is not None:
            where.append(f"feature {feature}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {reason}")


class InfeasibleError(ValueError):
    """A regionalization problem that has no solution under the given constraints.

    The message says which units and why (e.g. a part with fewer residents than
    the floor that cannot be joined to anything within the bridge distance).

    Parameters
    ----------
    message : str
        What cannot be satisfied and why.
    units : array-like of int, optional
        Row positions of the units concerned, so callers that know the units' IDs (cell
        IDs, block IDs) can name them.
    """

    def __init__(self, message: str, *, units=None) -> None:
        super().__init__(message)
        self.units = None if units is None else [int(u) for u in units]
