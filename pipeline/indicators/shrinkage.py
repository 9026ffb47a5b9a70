"""Small-number stabilisation of cell rates before they drive a clustering.

A share computed on a 100 m cell of three residents says little: Cell-Key perturbation
alone moves it by a third. This module pulls such rates towards their neighbourhood while
leaving well-founded cells alone:

- ``"eb"`` (default): empirical-Bayes shrinkage towards a local prior (Marshall 1991).
  The prior mean ``m`` of a cell is the pooled rate of its k-ring of grid neighbours
  (itself included), mixed with ``prior_base`` pseudo-units of the county rate so that
  lone cells lean on the county. The prior variance ``tau2`` is the true variation of
  cells around their neighbourhood:

  - ``prior_variance="global"`` (default): one ``tau2`` for the county, by the method of
    moments from every cell's deviation from its leave-one-out neighbourhood rate:
    ``tau2 = (sum w (x - m_loo)^2 - sum sigma2) / sum w``, clipped at 0. Estimated from
    all cells, it is stable, and a cell's shrinkage depends only on its base.
  - ``prior_variance="local"``: Marshall's local estimate per ring (the base-weighted
    variance of the ring around ``m`` minus ``sigma2`` over the ring's mean base),
    which adapts to local heterogeneity but is noisy on small rings.

  A cell's estimate is ``s * raw + (1 - s) * m`` with
  ``s = tau2 / (tau2 + strength * sigma2 / base)``: cells with a large base keep most of
  their own deviation, tiny cells move to the prior. A ``tau2`` of 0 says the cells
  differ from their neighbourhood no more than sampling noise explains; then every cell
  takes its prior.
- ``"pool"``: cells whose base is below ``min_base`` take the pooled k-ring rate, the others
  keep their value.
- ``"none"``: values unchanged.

The sampling variance ``sigma2 / base`` follows the kind of rate: binomial (``m (1 - m)``)
for shares, Poisson (``scale * m``) for ratios of counts, and for published means (whose
spread within a cell is unknown) it is estimated from the data: the squared deviation of
each cell from its leave-one-out neighbourhood mean is regressed on ``1 / base`` by
iteratively reweighted least squares; slope and intercept estimate ``sigma2`` and ``tau2``
(Bühlmann-Straub style, both clipped at 0).
``strength`` scales the sampling variance: 0 switches shrinkage off, values above 1 shrink
harder (Cell-Key noise comes on top of sampling noise).

Cells without a usable value (missing or zero base) get the prior: the explicit,
neighbourhood-based imputation that callers count and report.

Everything is sparse matrix products over the contiguity graph; there is no loop over
cells.

References
----------
Marshall, R. J. (1991). Mapping disease and mortality rates using empirical Bayes
estimators. Journal of the Royal Statistical Society C, 40(2), 283-294.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipeline.graph.base import CONTIGUITY_KINDS, Graph
from pipeline.graph.contiguity import build_grid_contiguity

__all__ = [
    "PRIOR_VARIANCES",
    "STABILIZE_METHODS",
    "VARIANCE_MODELS",
    "StabilizeParams",
    "Stabilized",
    "grid_ring",
    "ring_matrix",
    "stabilize_rate",
    "value_summary",
]

#: Stabilisation methods.
STABILIZE_METHODS = ("none", "pool", "eb")
#: Sampling-variance models of :func:`stabilize_rate`.
VARIANCE_MODELS = ("binomial", "poisson", "estimated")
#: Estimates of the prior variance in ``"eb"``.
PRIOR_VARIANCES = ("global", "local")


@dataclass(frozen=True)
class StabilizeParams:
    """Parameters of the stabilisation.

    Attributes
    ----------
    method : {"eb", "pool", "none"}, default "eb"
    k : int, default 2
        Ring order: neighbours up to ``k`` steps away on the grid graph pool with a cell
        (``k=2`` on the queen graph is the 5 x 5 window around a cell).
    strength : float, default 1.0
        Multiplies the sampling variance in ``"eb"``: 0 no shrinkage, 1 standard
        empirical Bayes, more shrinks harder.
    prior_base : float, default 20.0
        Pseudo-base (e.g. residents) of county rate mixed into every neighbourhood rate.
    min_base : float, default 30.0
        ``"pool"`` only: cells with a smaller base take the pooled rate.
    contiguity : {"queen", "rook"}, default "queen"
        Grid neighbourhood the rings are built on.
    prior_variance : {"global", "local"}, default "global"
        How ``"eb"`` estimates the prior variance (see the module docstring).
    """

    method: str = "eb"
    k: int = 2
    strength: float = 1.0
    prior_base: float = 20.0
    min_base: float = 30.0
    contiguity: str = "queen"
    prior_variance: str = "global"

    def __post_init__(self) -> None:
        if self.method not in STABILIZE_METHODS:
            raise ValueError(f"method must be one of {STABILIZE_METHODS}, got {self.method!r}")
        if not isinstance(self.k, int | np.integer) or isinstance(self.k, bool) or self.k < 0:
            raise ValueError(f"k must be an integer >= 0, got {self.k!r}")
        for name in ("strength", "prior_base", "min_base"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if self.prior_variance not in PRIOR_VARIANCES:
            raise ValueError(f"prior_variance must be one of {PRIOR_VARIANCES}, "
                             f"got {self.prior_variance!r}")
        if self.contiguity not in CONTIGUITY_KINDS:
            raise ValueError(
                f"contiguity must be one of {CONTIGUITY_KINDS}, got {self.contiguity!r}"
            )


@dataclass(frozen=True)
class Stabilized:
    """Result of :func:`stabilize_rate`.

    Attributes
    ----------
    values : ndarray
        Stabilised values (the prior where the raw value was unusable; NaN only where no
        neighbour has data either).
    prior : ndarray
        The neighbourhood prior of every cell.
    weight : ndarray
        Weight ``s`` of the raw value in the estimate (1 = unchanged, 0 = the prior), NaN
        where the raw value was unusable. The shrinkage is its complement
        (:attr:`shrinkage`).
    filled : int
        Cells without a usable raw value that received a value from their neighbourhood.
    tau2 : float or None
        The global prior variance (``"eb"`` with ``prior_variance="global"``).
    sigma2 : float or None
        The estimated sampling variance per unit of base (``variance="estimated"``).
    """

    values: np.ndarray
    prior: np.ndarray
    weight: np.ndarray
    filled: int
    tau2: float | None = None
    sigma2: float | None = None

    @property
    def shrinkage(self) -> np.ndarray:
        """Share of the way from the raw value to the prior, ``1 - weight``.

        0 = the raw value kept, 1 = the prior taken; NaN where the raw value was unusable.
        (Reporting the weight of the raw value as "shrinkage" read 0 where every cell had
        been pulled all the way to its neighbourhood.)
        """
        return 1.0 - self.weight


def ring_matrix(graph: Graph, k: int) -> sp.csr_array:
    """Binary matrix of k-ring neighbourhoods (each unit included in its own ring).

    Parameters
    ----------
    graph : Graph
        Contiguity of the units.
    k : int
        Number of steps; 0 gives the identity.

    Returns
    -------
    scipy.sparse.csr_array, shape (n, n)
        ``R[i, j] = 1`` if ``j`` is at most ``k`` steps from ``i``.

    Examples
    --------
    >>> from pipeline.testing import lattice
    >>> _, _, g = lattice(5, 1)
    >>> ring_matrix(g, 2).sum(axis=1).tolist()
    [3.0, 4.0, 5.0, 4.0, 3.0]
    """
    if not isinstance(graph, Graph):
        raise TypeError(f"graph must be a pipeline.graph.Graph, got {type(graph).__name__}")
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 0:
        raise ValueError(f"k must be an integer >= 0, got {k!r}")
    step = graph.sparse.copy()
    step.data = np.ones_like(step.data)
    step = (step + sp.eye_array(graph.n, format="csr")).tocsr()
    ring = sp.eye_array(graph.n, format="csr")
    for _ in range(int(k)):  # loop over ring orders, not cells
        ring = (ring @ step).tocsr()
        ring.data = np.ones_like(ring.data)
    return sp.csr_array(ring)


def grid_ring(x: np.ndarray, y: np.ndarray, params: StabilizeParams,
              resolution: float = 100.0) -> sp.csr_array:
    """The k-ring matrix of grid cells given by their lower-left corners.

    Parameters
    ----------
    x, y : array-like
        Lower-left corners in the grid CRS.
    params : StabilizeParams
        ``k`` and ``contiguity`` are used.
    resolution : float, default 100
        Cell size in metres.

    Returns
    -------
    scipy.sparse.csr_array
    """
    graph = build_grid_contiguity(x, y, resolution, kind=params.contiguity)
    return ring_matrix(graph, params.k)


def stabilize_rate(
    values: np.ndarray,
    base: np.ndarray,
    ring: sp.csr_array,
    params: StabilizeParams | None = None,
    *,
    variance: str = "binomial",
    scale: float = 1.0,
) -> Stabilized:
    """Stabilise a rate or mean on small bases by its k-ring neighbourhood.

    Parameters
    ----------
    values : ndarray, shape (n,)
        Raw values per unit (a share, a ratio, a mean); NaN where missing.
    base : ndarray, shape (n,)
        The base of every value: the denominator of a share, the weight of a mean. Units
        with a missing or non-positive base count as unusable.
    ring : scipy sparse array, shape (n, n)
        Neighbourhood matrix from :func:`ring_matrix` (1 where pooled, diagonal included).
    params : StabilizeParams, optional
        Default ``StabilizeParams()``.
    variance : {"binomial", "poisson", "estimated"}, default "binomial"
        Sampling-variance model (see the module docstring).
    scale : float, default 1.0
        Factor the values carry over a plain ratio of counts (``"poisson"`` only, e.g. 100
        for a ratio per 100).

    Returns
    -------
    Stabilized

    Examples
    --------
    >>> from pipeline.testing import lattice
    >>> _, _, g = lattice(3, 1)
    >>> out = stabilize_rate(np.array([0.5, 1.0, 0.5]), np.array([400.0, 3.0, 400.0]),
    ...                      ring_matrix(g, 1))
    >>> np.round(out.values, 2).tolist()  # the cell of 3 moves from 1.0 to its neighbours
    [0.5, 0.53, 0.5]
    """
    params = StabilizeParams() if params is None else params
    x, w = _check_inputs(values, base, ring, params, variance, scale)
    valid = np.isfinite(x) & np.isfinite(w) & (w > 0)
    wv = np.where(valid, w, 0.0)
    xv = np.where(valid, x, 0.0)
    pooled_w = ring @ wv
    pooled_s = ring @ (wv * xv)
    county = (wv * xv).sum() / wv.sum() if valid.any() else np.nan
    prior = _prior(pooled_s, pooled_w, county, params.prior_base)
    if params.method == "none" or not valid.any():
        return Stabilized(np.where(valid, x, np.nan), prior, np.where(valid, 1.0, np.nan), 0)
    if params.method == "pool":
        weight = np.where(valid, (w >= params.min_base).astype(float), np.nan)
        return _combine(x, valid, weight, prior)
    loo = _prior(pooled_s - wv * xv, pooled_w - wv, county, params.prior_base)
    tau2_global = sigma2_fit = None
    if variance == "estimated":
        tau2_global, sigma2_fit = _fit_mean_variances(xv, wv, valid, loo)
    sigma2 = _sigma2(prior, variance, scale, sigma2_fit)
    if params.prior_variance == "local":
        counts = ring @ valid.astype(np.float64)
        tau2 = _local_prior_variance(ring, xv, wv, prior, pooled_s, pooled_w, counts, sigma2)
        tau2_global = None
    else:
        if tau2_global is None:
            tau2_global = _global_prior_variance(xv, wv, valid, loo, sigma2)
        tau2 = np.full(x.shape, tau2_global)
    sampling = params.strength * sigma2 / np.where(valid, w, np.inf)
    total = tau2 + sampling
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(total > 0, tau2 / total, 1.0)
    return _combine(x, valid, np.where(valid, weight, np.nan), prior, tau2_global, sigma2_fit)


def value_summary(table: pd.DataFrame, keys: Sequence[str],
                  quantiles: Sequence[float] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
    """Raw and stabilised values side by side: mean and quantiles per indicator.

    Parameters
    ----------
    table : DataFrame
        With ``<key>`` (stabilised) and ``<key>_raw`` per key (the cell indicator table).
    keys : sequence of str
    quantiles : sequence of float, default (0.1, 0.5, 0.9)

    Returns
    -------
    DataFrame
        Indexed by key: ``raw_mean``, ``raw_q10``, ``raw_q50``, ``raw_q90``, then ``mean``,
        ``q10``, ``q50``, ``q90`` of the stabilised values (missing values left out), and
        ``changed``: the share of cells with a raw value whose stabilised value differs
        from it.

    Examples
    --------
    >>> t = pd.DataFrame({"a": [0.2, 0.3, 0.4], "a_raw": [0.0, 0.3, 0.9]})
    >>> value_summary(t, ["a"])[["raw_mean", "mean", "changed"]].round(3).to_dict("records")
    [{'raw_mean': 0.4, 'mean': 0.3, 'changed': 0.667}]
    """
    keys = list(keys)
    stabilised = table[keys].astype(np.float64)
    raw = table[[f"{k}_raw" for k in keys]].astype(np.float64).set_axis(keys, axis=1)
    q = list(quantiles)
    names = [f"q{round(100 * x):02d}" for x in q]
    out = {}
    for prefix, frame in (("raw_", raw), ("", stabilised)):
        out[f"{prefix}mean"] = frame.mean()
        quant = frame.quantile(q).set_axis(names)
        out |= {f"{prefix}{n}": quant.loc[n] for n in names}
    has_raw = raw.notna()
    differs = (stabilised.to_numpy() != raw.to_numpy()) & has_raw.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["changed"] = pd.Series(differs.sum(axis=0) / has_raw.sum().to_numpy(), index=keys)
    return pd.DataFrame(out, index=pd.Index(keys, name="key"))


# --- steps --------------------------------------------------------------------------------


def _check_inputs(values, base, ring, params, variance, scale):
    x = np.asarray(values, dtype=np.float64)
    w = np.asarray(base, dtype=np.float64)
    if x.ndim != 1 or w.shape != x.shape:
        raise ValueError(
            f"values and base must be 1-d arrays of one length, got {x.shape} and {w.shape}"
        )
    if not sp.issparse(ring) or ring.shape != (x.size, x.size):
        raise ValueError(
            f"ring must be a sparse ({x.size}, {x.size}) matrix, got "
            f"{type(ring).__name__} of shape {getattr(ring, 'shape', None)}"
        )
    if not isinstance(params, StabilizeParams):
        raise TypeError(f"params must be StabilizeParams, got {type(params).__name__}")
    if variance not in VARIANCE_MODELS:
        raise ValueError(f"variance must be one of {VARIANCE_MODELS}, got {variance!r}")
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    return x, w


def _prior(pooled_s, pooled_w, county, prior_base):
    """Pooled ring rate, mixed with ``prior_base`` pseudo-units of the county rate."""
    denom = pooled_w + prior_base
    with np.errstate(divide="ignore", invalid="ignore"):
        prior = (pooled_s + prior_base * county) / denom
    return np.where(denom > 0, prior, np.nan)


def _combine(x, valid, weight, prior, tau2=None, sigma2=None) -> Stabilized:
    """``s * x + (1 - s) * prior`` with ``s = weight``; unusable cells take the prior."""
    s = np.nan_to_num(weight)
    out = np.where(valid, s * np.where(valid, x, 0.0) + (1.0 - s) * prior, prior)
    out = np.where(valid & (s == 1.0), x, out)
    filled = int((~valid & np.isfinite(out)).sum())
    return Stabilized(out, prior, weight, filled, tau2, sigma2)


def _sigma2(prior, variance, scale, sigma2_fit):
    if variance == "binomial":
        m = np.clip(prior, 0.0, 1.0)
        return m * (1.0 - m)
    if variance == "poisson":
        return scale * np.maximum(prior, 0.0)
    return np.full(prior.shape, sigma2_fit)


def _global_prior_variance(xv, wv, valid, loo, sigma2) -> float:
    """County-wide ``tau2`` from deviations of cells from their leave-one-out prior."""
    ok = valid & np.isfinite(loo)
    if not ok.any():
        return 0.0
    resid = (wv[ok] * (xv[ok] - loo[ok]) ** 2).sum()
    return max(float((resid - sigma2[ok].sum()) / wv[ok].sum()), 0.0)


def _local_prior_variance(ring, xv, wv, prior, pooled_s, pooled_w, counts, sigma2):
    """Marshall's local moment estimate of the prior variance, clipped at 0."""
    pooled_s2 = ring @ (wv * xv * xv)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = (pooled_s2 - 2.0 * prior * pooled_s + prior**2 * pooled_w) / pooled_w
        mean_base = pooled_w / counts
        tau2 = spread - sigma2 / mean_base
    return np.where(np.isfinite(tau2), np.maximum(tau2, 0.0), 0.0)


def _fit_mean_variances(xv, wv, valid, loo, iterations: int = 4) -> tuple[float, float]:
    """``tau2`` and ``sigma2`` of a published mean: fit ``(x - m_loo)^2 = tau2 + sigma2 / w``.

    Iteratively reweighted least squares with weights ``1 / fitted^2`` (the squared
    deviations are scaled chi-square values whose spread grows with their mean); plain
    least squares would be dominated by the few cells with the smallest bases.
    """
    ok = valid & np.isfinite(loo)
    if ok.sum() < 3:
        return 0.0, 0.0
    y = (xv[ok] - loo[ok]) ** 2
    design = np.column_stack([np.ones(y.size), 1.0 / wv[ok]])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    floor = 1e-9 * max(float(y.mean()), 1e-300)
    for _ in range(iterations):  # a few reweighting rounds, not a loop over cells
        coef = np.maximum(coef, 0.0)
        root = 1.0 / np.maximum(design @ coef, floor)
        coef = np.linalg.lstsq(design * root[:, None], y * root, rcond=None)[0]
    tau2, sigma2 = (max(float(c), 0.0) for c in coef)
    return tau2, sigma2
