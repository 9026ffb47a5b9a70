"""The clustering matrix: stabilised indicators standardized, weighted, checked for redundancy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.indicators.catalog import Catalog
from pipeline.indicators.options import ClusteringParams

__all__ = ["ClusteringMatrix", "build_clustering_matrix", "weight_columns"]


@dataclass(frozen=True)
class ClusteringMatrix:
    """Standardized, weighted indicators for the regionalization, rows aligned with cells.

    Attributes
    ----------
    values : ndarray, shape (n_cells, d)
        No NaN.
    columns : tuple of str
        Indicator keys (or ``pc1``, ``pc2``, ... after whitening).
    weights : dict of str to float
        Clustering weight of each indicator used.
    center, spread : dict of str to float
        Location and scale used to standardize each indicator.
    imputed : dict of str to int
        Cells whose value was missing and set to the county value (0 after
        standardizing), per indicator.
    dropped : dict of str to str
        Indicators not used, with the reason (weight 0, constant, missing).
    correlated : DataFrame
        Pairs ``a``, ``b`` with ``|r| > correlation_threshold`` (population-weighted
        correlation of the stabilised values), strongest first.
    explained : ndarray or None
        Share of variance of each kept principal component (whitening only).
    """

    values: np.ndarray
    columns: tuple[str, ...]
    weights: Mapping[str, float]
    center: Mapping[str, float]
    spread: Mapping[str, float]
    imputed: Mapping[str, int]
    dropped: Mapping[str, str]
    correlated: pd.DataFrame
    explained: np.ndarray | None = None

    def __repr__(self) -> str:
        return (f"<ClusteringMatrix {self.values.shape[0]} cells x {len(self.columns)} "
                f"columns, {sum(self.imputed.values())} imputed values, "
                f"{len(self.correlated)} correlated pairs, {len(self.dropped)} dropped>")

    def to_frame(self, cell_ids: Sequence[str]) -> pd.DataFrame:
        """The matrix as a table with a leading ``cell_id`` column."""
        frame = pd.DataFrame(self.values, columns=list(self.columns))
        frame.insert(0, "cell_id", np.asarray(cell_ids))
        return frame


def build_clustering_matrix(
    table: pd.DataFrame,
    catalog: Catalog,
    population: np.ndarray | None = None,
    params: ClusteringParams | None = None,
) -> ClusteringMatrix:
    """Stabilised indicators, standardized and weighted, ready for the regionalization.

    Steps: take ``<key>`` of every catalog indicator with weight > 0; fill missing values
    with the population-weighted county value (counted); standardize with population
    weights (z-score or robust); report pairs with ``|r| >`` the threshold; multiply each
    column by ``sqrt(weight)`` so that a weight is the column's share in the squared
    distance; optionally whiten by weighted PCA (which makes the distance Mahalanobis and
    so neutralises the weights within the kept components).

    Parameters
    ----------
    table : DataFrame
        The indicator table (:attr:`CellIndicators.table`).
    catalog : Catalog
    population : ndarray, optional
        Weights of the cells; default ``table['Einwohner']``.
    params : ClusteringParams, optional

    Returns
    -------
    ClusteringMatrix
    """
    params = ClusteringParams() if params is None else params
    if not isinstance(params, ClusteringParams):
        raise TypeError(f"params must be ClusteringParams, got {type(params).__name__}")
    w = _population(table, population)
    keys, dropped = _clustered_keys(table, catalog)
    x = table[list(keys)].to_numpy(np.float64) if keys else np.zeros((len(table), 0))
    x, imputed, center = _impute(x, w, keys)
    z, center, spread, constant = _standardize(x, w, params.standardize, center)
    for j in np.flatnonzero(constant):
        dropped[keys[j]] = "constant"
    keys = tuple(k for k, c in zip(keys, constant, strict=True) if not c)
    z = z[:, ~constant]
    correlated = _correlated_pairs(z, w, keys, params.correlation_threshold)
    weights = {k: catalog[k].weight for k in keys}
    z = z * np.sqrt(np.array([weights[k] for k in keys]))
    explained = None
    columns = keys
    if params.whiten is not False and z.shape[1]:
        z, explained = _whiten(z, w, params.whiten)
        columns = tuple(f"pc{i + 1}" for i in range(z.shape[1]))
    return ClusteringMatrix(
        values=z, columns=columns, weights=weights,
        center={k: center[k] for k in keys}, spread={k: spread[k] for k in keys},
        imputed={k: imputed[k] for k in keys}, dropped=dropped, correlated=correlated,
        explained=explained,
    )


def _population(table: pd.DataFrame, population: np.ndarray | None) -> np.ndarray:
    if population is None:
        if "Einwohner" not in table.columns:
            raise ValueError("table has no 'Einwohner'; pass population")
        population = table["Einwohner"].to_numpy()
    w = np.asarray(population, dtype=np.float64)
    if w.shape != (len(table),):
        raise ValueError(f"population must have one entry per row ({len(table)}), got {w.shape}")
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise ValueError("population must be finite, >= 0 and not all 0")
    return w


def _clustered_keys(table: pd.DataFrame, catalog: Catalog) -> tuple[tuple[str, ...], dict]:
    keys, dropped = [], {}
    for indicator in catalog:
        if indicator.weight <= 0:
            dropped[indicator.key] = "weight 0"
        elif indicator.key not in table.columns:
            dropped[indicator.key] = "not in the indicator table"
        elif not np.isfinite(table[indicator.key].to_numpy(np.float64)).any():
            dropped[indicator.key] = "no value in any cell"
        else:
            keys.append(indicator.key)
    return tuple(keys), dropped


def _impute(x: np.ndarray, w: np.ndarray, keys: tuple[str, ...]):
    ok = np.isfinite(x)
    wsum = (w[:, None] * ok).sum(axis=0)
    mean = np.nansum(np.where(ok, x * w[:, None], 0.0), axis=0) / np.where(wsum > 0, wsum, 1)
    filled = np.where(ok, x, mean)
    imputed = dict(zip(keys, (~ok).sum(axis=0).astype(int).tolist(), strict=True))
    return filled, imputed, dict(zip(keys, mean.tolist(), strict=True))


def _standardize(x, w, method, mean):
    keys = list(mean)
    if method == "zscore":
        center = np.array([mean[k] for k in keys])
        spread = np.sqrt((w[:, None] * (x - center) ** 2).sum(axis=0) / w.sum())
    else:
        q = _weighted_quantiles(x, w, (0.25, 0.5, 0.75))
        center, spread = q[1], (q[2] - q[0]) / 1.349
        std = np.sqrt((w[:, None] * (x - center) ** 2).sum(axis=0) / w.sum())
        spread = np.where(spread > 0, spread, std)  # IQR 0 (mostly one value): fall back
    constant = ~(spread > 1e-12 * np.maximum(1.0, np.abs(center)))
    safe = np.where(constant, 1.0, spread)
    z = (x - center) / safe
    return (z, dict(zip(keys, center.tolist(), strict=True)),
            dict(zip(keys, spread.tolist(), strict=True)), constant)


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Weighted quantiles of every column (lower value at ties), shape (len(qs), d)."""
    order = np.argsort(x, axis=0, kind="stable")
    xs = np.take_along_axis(x, order, axis=0)
    cw = np.cumsum(w[order], axis=0)
    cw = cw / cw[-1]
    idx = np.stack([(cw < q).sum(axis=0) for q in qs])
    idx = np.minimum(idx, x.shape[0] - 1)
    return np.take_along_axis(xs, idx, axis=0)


def _correlated_pairs(z, w, keys, threshold) -> pd.DataFrame:
    columns = ["a", "b", "r"]
    if z.shape[1] < 2:
        return pd.DataFrame(columns=columns)
    mean = (w[:, None] * z).sum(axis=0) / w.sum()
    c = z - mean
    cov = (c * w[:, None]).T @ c / w.sum()
    sd = np.sqrt(np.diag(cov))
    r = cov / np.outer(sd, sd)
    i, j = np.triu_indices(len(keys), k=1)
    hit = np.abs(r[i, j]) > threshold
    pairs = pd.DataFrame({"a": np.asarray(keys)[i[hit]], "b": np.asarray(keys)[j[hit]],
                          "r": r[i, j][hit]})
    return pairs.reindex(pairs["r"].abs().sort_values(ascending=False).index).reset_index(
        drop=True)


def _whiten(z, w, whiten):
    mean = (w[:, None] * z).sum(axis=0) / w.sum()
    c = z - mean
    cov = (c * w[:, None]).T @ c / w.sum()
    eigval, eigvec = np.linalg.eigh(cov)
    order = np.argsort(eigval)[::-1]
    eigval, eigvec = eigval[order], eigvec[:, order]
    keep = eigval > 1e-10 * eigval[0]
    share = eigval / eigval[keep].sum()
    if whiten is not True:
        keep &= np.concatenate([[True], np.cumsum(share)[:-1] < float(whiten)])
    scores = c @ eigvec[:, keep] / np.sqrt(eigval[keep])
    return scores, share[keep]


def weight_columns(matrix: pd.DataFrame, factors: Mapping[str, float]) -> pd.DataFrame:
    """The clustering matrix with some columns multiplied by a factor (0 leaves one out).

    Parameters
    ----------
    matrix : DataFrame
        :meth:`ClusteringMatrix.to_frame` output (``cell_id`` and one column per feature).
    factors : mapping of str to float
        Factor per column, each ``>= 0``.

    Returns
    -------
    DataFrame
        A new frame (``matrix`` itself when there is nothing to weigh).

    Raises
    ------
    ValueError
        A column that is not in the matrix (the allowed ones are listed) or a negative factor.
    """
    unknown = sorted(set(factors) - set(matrix.columns) - {"cell_id"})
    if unknown:
        raise ValueError(
            f"indicator_weights: unknown columns {unknown}; allowed: "
            f"{[c for c in matrix.columns if c != 'cell_id']}")
    if not factors:
        return matrix
    weighted = matrix.copy()
    for column, factor in factors.items():
        if factor < 0:
            raise ValueError(f"indicator_weights[{column!r}] must be >= 0, got {factor}")
        weighted[column] = weighted[column] * factor
    return weighted
