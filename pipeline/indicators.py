"""Cell indicators and the clustering matrix.

A first set of indicators computed from the joined cell table (see :mod:`pipeline.cells`):
shares as counts over their base, clipped to [0, 1] where Cell-Key perturbation pushed
them out; published rates converted from percent. The clustering matrix fills missing
values with the population-weighted county value and standardizes each column with
population weights.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["BASIC_INDICATORS", "basic_indicators", "clustering_matrix"]

#: Indicator key -> (numerator column, denominator column or None for a published rate,
#: scale applied to the value).
BASIC_INDICATORS: dict[str, tuple[str, str | None, float]] = {
    "anteil_unter18": ("Unter18", "Insgesamt_Bevoelkerung", 1.0),
    "anteil_65plus": ("a65undaelter", "Insgesamt_Bevoelkerung", 1.0),
    "anteil_auslaender": ("AnteilAuslaender", None, 0.01),
    "haushaltsgroesse": ("DurchschnHHGroesse", None, 1.0),
    "eigentuemerquote": ("Eigentuemerquote", None, 0.01),
}


def basic_indicators(
    cells: pd.DataFrame, spec: Mapping[str, tuple[str, str | None, float]] = BASIC_INDICATORS
) -> pd.DataFrame:
    """Compute indicators per cell, NaN where the inputs are missing.

    Parameters
    ----------
    cells : DataFrame
        The joined cell table.
    spec : mapping, default BASIC_INDICATORS
        Indicator key -> (numerator, denominator or None, scale).

    Returns
    -------
    DataFrame
        One column per indicator, index aligned with ``cells``.
    """
    out = {}
    for key, (num, den, scale) in spec.items():
        if num not in cells.columns or (den is not None and den not in cells.columns):
            continue
        value = cells[num].to_numpy(np.float64) * scale
        if den is not None:
            base = cells[den].to_numpy(np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(base > 0, value / base, np.nan)
            value = np.clip(value, 0.0, 1.0)
        out[key] = value
    return pd.DataFrame(out, index=cells.index)


def clustering_matrix(indicators: pd.DataFrame, population: np.ndarray) -> np.ndarray:
    """Population-weighted z-scores of the indicators, missing values set to the mean (0).

    Columns without variance are dropped, since they cannot separate anything.
    """
    w = np.asarray(population, dtype=np.float64)
    x = indicators.to_numpy(np.float64)
    ok = np.isfinite(x)
    wsum = (w[:, None] * ok).sum(axis=0)
    mean = np.where(wsum > 0, np.nansum(w[:, None] * x, axis=0) / np.maximum(wsum, 1e-12), 0.0)
    centred = np.where(ok, x - mean, 0.0)
    var = (w[:, None] * centred**2).sum(axis=0) / np.maximum(wsum, 1e-12)
    std = np.sqrt(var)
    keep = std > 0
    return centred[:, keep] / std[keep]
