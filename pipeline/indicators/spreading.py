"""Municipal statistics (income, SGB II, unemployment) on cells and social spaces.

Income tax statistics and the Bundesagentur's counts exist per municipality only. They
reach the cells by one documented method, **population-weighted spreading**:

1. For an indicator ``N_m / D_m`` of municipality ``m`` (e.g. SGB II recipients over
   residents under 65), every cell ``c`` of ``m`` gets the share
   ``p_c = S_c / S_m`` of a spreading key ``S`` (the residents the denominator counts,
   e.g. the cell's residents under 65; missing keys count as 0), with ``S_m`` the sum
   of ``S_c`` over the cells of ``m``.
2. The cell carries the allocated counts ``N_m * p_c`` and ``D_m * p_c``, and the
   municipal value ``N_m / D_m`` itself: every cell of a municipality shows the same
   value, which is a municipal value and never a measurement of the cell. The catalog
   marks these indicators with keys ending in ``_gem``.
3. A social space ``r`` sums the allocated counts of its cells:
   ``N_r = sum_m N_m * S_rm / S_m`` and ``D_r = sum_m D_m * S_rm / S_m``, where
   ``S_rm`` are the residents (spreading key) the social space takes from municipality
   ``m``. Its value ``N_r / D_r`` is thus recomputed from the municipal counts weighted
   by the residents it takes from each municipality, and the allocated counts of all
   social spaces add up to the municipal counts.

Municipalities without a count (anonymised ``*``, secret ``.``) leave their cells
missing; that is counted, not filled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "Spread",
    "merge_municipal",
    "municipal_mismatches",
    "spread_municipal",
    "sum_by_municipality",
]


@dataclass(frozen=True)
class Spread:
    """Municipal counts spread to cells (see the module docstring).

    Attributes
    ----------
    numerator, denominator : ndarray
        Allocated counts per cell; NaN where the municipality has no value.
    value : ndarray
        The municipal value ``N_m / D_m`` of every cell's municipality.
    cells_without_municipality : int
        Cells whose AGS is not in the municipal table.
    municipalities_missing : int
        Municipalities of the cells whose numerator or denominator is missing or whose
        denominator is not positive.
    keys_missing : int
        Cells whose spreading key was missing (they take no share).
    """

    numerator: np.ndarray
    denominator: np.ndarray
    value: np.ndarray
    cells_without_municipality: int
    municipalities_missing: int
    keys_missing: int


def sum_by_municipality(ags: Sequence[str], values: np.ndarray) -> pd.Series:
    """Sum a cell quantity per municipality, missing values counted as 0.

    Parameters
    ----------
    ags : sequence of str
        Municipality key of every cell.
    values : ndarray
        The quantity per cell.

    Returns
    -------
    Series
        Sums indexed by AGS (sorted).

    Examples
    --------
    >>> sum_by_municipality(["05399001", "05399002", "05399001"], np.array([2.0, 5.0, np.nan]))
    05399001    2.0
    05399002    5.0
    dtype: float64
    """
    codes, uniques = _codes(ags)
    values = np.asarray(values, dtype=np.float64)
    if values.shape != codes.shape:
        raise ValueError(f"values must have one entry per cell ({codes.size}), got {values.shape}")
    sums = np.bincount(codes, weights=np.nan_to_num(values), minlength=uniques.size)
    return pd.Series(sums, index=pd.Index(uniques, name=None))


def spread_municipal(
    ags: Sequence[str],
    key: np.ndarray,
    municipal_ags: Sequence[str],
    numerator: np.ndarray,
    denominator: np.ndarray,
) -> Spread:
    """Spread municipal counts to cells in proportion to a cell key (population-weighted).

    Parameters
    ----------
    ags : sequence of str
        Municipality key of every cell.
    key : ndarray
        Spreading key per cell (residents of the denominator's population); NaN counts 0.
    municipal_ags : sequence of str
        Municipality keys of the municipal table (unique).
    numerator, denominator : ndarray
        Municipal counts ``N_m`` and ``D_m``, aligned with ``municipal_ags``.

    Returns
    -------
    Spread

    Examples
    --------
    >>> s = spread_municipal(["a", "a", "b"], np.array([30.0, 10.0, 50.0]),
    ...                      ["a", "b"], np.array([8.0, 5.0]), np.array([40.0, 50.0]))
    >>> s.numerator.tolist(), s.value.tolist()
    ([6.0, 2.0, 5.0], [0.2, 0.2, 0.1])
    """
    cell_ags = np.asarray(ags, dtype=object)
    key = np.asarray(key, dtype=np.float64)
    muni = pd.Index(np.asarray(municipal_ags, dtype=object))
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    _check_spread(cell_ags, key, muni, num, den)
    pos = muni.get_indexer(cell_ags)
    found = pos >= 0
    usable = np.isfinite(num) & np.isfinite(den) & (den > 0)
    key_ok = np.isfinite(key)
    safe_key = np.where(key_ok & found, np.maximum(key, 0.0), 0.0)
    totals = np.bincount(np.where(found, pos, 0), weights=safe_key, minlength=len(muni))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(found, safe_key / totals[np.where(found, pos, 0)], np.nan)
        muni_value = np.where(usable, num / den, np.nan)
    cell_ok = found & usable[np.where(found, pos, 0)]
    index = np.where(found, pos, 0)
    value = np.where(cell_ok, muni_value[index], np.nan)
    share = np.where(cell_ok, share, np.nan)
    return Spread(
        numerator=num[index] * share,
        denominator=den[index] * share,
        value=value,
        cells_without_municipality=int((~found).sum()),
        municipalities_missing=int(np.unique(pos[found & ~cell_ok]).size),
        keys_missing=int((found & ~key_ok).sum()),
    )


def merge_municipal(*tables: pd.DataFrame) -> pd.DataFrame:
    """Join municipal tables (reader outputs) on ``ags`` into one row per municipality.

    Parameters
    ----------
    *tables : DataFrame
        Each with a string column ``ags``; other columns must not clash (``name`` and
        ``year`` are kept from the first table that has them).

    Returns
    -------
    DataFrame
        Outer join of all tables on ``ags``, sorted by ``ags``.
    """
    merged: pd.DataFrame | None = None
    for i, table in enumerate(tables):
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"table {i} must be a DataFrame, got {type(table).__name__}")
        if "ags" not in table.columns:
            raise ValueError(f"table {i} has no column 'ags'; columns: {list(table.columns)}")
        if table["ags"].duplicated().any():
            dup = table.loc[table["ags"].duplicated(), "ags"].iloc[0]
            raise ValueError(f"table {i} lists municipality {dup!r} more than once")
        frame = table.assign(ags=table["ags"].astype(str))
        if merged is None:
            merged = frame
            continue
        shared = (set(frame.columns) & set(merged.columns)) - {"ags"}
        soft = {c for c in shared if c in ("name", "year")}
        if shared - soft:
            raise ValueError(f"table {i} repeats columns {sorted(shared - soft)}")
        merged = merged.merge(frame.drop(columns=sorted(soft)), on="ags", how="outer")
    if merged is None:
        return pd.DataFrame({"ags": pd.Series(dtype=str)})
    return merged.sort_values("ags", kind="stable").reset_index(drop=True)


def _codes(ags: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(pd.Series(np.asarray(ags, dtype=object)), sort=True)
    if (codes < 0).any():
        raise ValueError("ags holds missing municipality keys")
    return codes, np.asarray(uniques, dtype=object)


def _check_spread(cell_ags, key, muni, num, den) -> None:
    if key.shape != cell_ags.shape:
        raise ValueError(f"key must have one entry per cell ({cell_ags.size}), got {key.shape}")
    if num.shape != (len(muni),) or den.shape != (len(muni),):
        raise ValueError(
            f"numerator and denominator must have one entry per municipality ({len(muni)}), "
            f"got {num.shape} and {den.shape}"
        )
    if not muni.is_unique:
        raise ValueError("municipal_ags must be unique")


def municipal_mismatches(
    table: pd.DataFrame, municipalities: Sequence[str], counts: Sequence[str] = ()
) -> dict[str, list[str]]:
    """What in a municipal table does not fit the county's municipalities (to warn about).

    Parameters
    ----------
    table : DataFrame
        A municipal table with ``ags`` (the county's rows).
    municipalities : sequence of str
        AGS of the county's municipalities (VG250).
    counts : sequence of str
        Count columns that should not be 0 for a municipality (taxpayers, residents).

    Returns
    -------
    dict of str to list of str
        ``unknown``: rows whose AGS is no municipality of the county (a merged or renamed
        municipality, a typo); ``missing``: municipalities without a row; ``zero:<column>``:
        municipalities with a count of 0. Empty lists are left out.
    """
    known = set(map(str, municipalities))
    present = table["ags"].astype(str)
    found = {
        "unknown": sorted(set(present) - known),
        "missing": sorted(known - set(present)),
    }
    for column in counts:
        if column in table.columns:
            zero = table.loc[table[column].to_numpy(np.float64) == 0, "ags"].astype(str)
            found[f"zero:{column}"] = sorted(zero)
    return {k: v for k, v in found.items() if v}
