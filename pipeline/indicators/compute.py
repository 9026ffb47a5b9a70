"""Indicators per cell: numerators and denominators from the catalog, en-dash rules, shrinkage."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.graph.base import Graph
from pipeline.indicators.catalog import (
    EXPRESSION_FIELDS,
    SHARE_UNIT,
    Catalog,
    Indicator,
    load_catalog,
)
from pipeline.indicators.expressions import Expression, resolve_column
from pipeline.indicators.shrinkage import (
    StabilizeParams,
    grid_ring,
    ring_matrix,
    stabilize_rate,
)
from pipeline.indicators.spreading import spread_municipal, sum_by_municipality

__all__ = [
    "ID_COLUMNS",
    "CellIndicators",
    "compute_cell_indicators",
    "missing_indicators",
    "compute_components",
    "indicator_violations",
    "prepare_cells",
    "stabilize_indicators",
    "summarize_indicators",
]

#: Columns of the cell table carried into the indicator table.
ID_COLUMNS = ("cell_id", "x", "y", "ags", "Einwohner")
#: Sampling-variance model used to stabilise each kind (see :mod:`pipeline.indicators.shrinkage`).
_VARIANCE = {"share": "binomial", "rate_published": "binomial", "ratio": "poisson",
             "mean": "estimated"}

@dataclass(frozen=True)
class CellIndicators:
    """Indicators of every populated cell.

    Attributes
    ----------
    table : DataFrame
        ``cell_id``, ``x``, ``y``, ``ags``, ``Einwohner`` and per indicator ``<key>``,
        ``<key>_raw``, ``<key>_num``, ``<key>_den`` (see the module docstring).
    summary : DataFrame
        One row per indicator: level, kind, unit, n, missing, zero_base, clipped,
        unweighted, filled, min, median, max of the raw values, and the stabilisation's
        ``tau2`` and ``mean_shrinkage``.
    skipped : dict of str to str
        Catalog indicators that could not be computed, with the reason.
    prepared : dict
        What :func:`prepare_cells` changed, per rule.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    skipped: Mapping[str, str]
    prepared: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


def compute_cell_indicators(
    cells: pd.DataFrame,
    catalog: Catalog | None = None,
    municipal: pd.DataFrame | None = None,
    params: StabilizeParams | None = None,
    *,
    resolution: float = 100.0,
    on_missing: str = "skip",
    neighbours: Graph | None = None,
) -> CellIndicators:
    """Compute, stabilise and summarise every catalog indicator per cell.

    Parameters
    ----------
    cells : DataFrame
        The joined cell table (:func:`pipeline.readers.cell_table.join_topics`) with ``ags``.
    catalog : Catalog, optional
        Default :func:`load_catalog`.
    municipal : DataFrame, optional
        Municipal statistics by ``ags`` (:func:`pipeline.indicators.spreading.merge_municipal` of
        ``read_income`` and ``read_sgb2``); needed for municipality-level indicators.
    params : StabilizeParams, optional
        Small-number stabilisation; default ``StabilizeParams()``.
    resolution : float, default 100
        Cell size in metres (for densities and the neighbourhood rings).
    on_missing : {"skip", "raise"}, default "skip"
        What to do with an indicator whose input columns are absent (a topic not
        configured, no municipal file): skip it with a warning, or raise.
    neighbours : Graph, optional
        Contiguity of polygon units (census blocks) for the neighbourhood rings, instead of
        the grid; their areas come from an ``area_km2`` column of ``cells``.

    Returns
    -------
    CellIndicators
    """
    catalog = load_catalog() if catalog is None else catalog
    params = StabilizeParams() if params is None else params
    components, skipped = compute_components(cells, catalog, municipal, resolution=resolution,
                                             on_missing=on_missing)
    present = catalog.only([k for k in catalog.keys if k not in skipped])
    table, info = stabilize_indicators(components, present, params, resolution=resolution,
                                       neighbours=neighbours)
    summary = summarize_indicators(table, present, stabilization=info)
    table.attrs["skipped"] = dict(skipped)  # kept by Parquet: the publication cites it
    return CellIndicators(table, summary, skipped, components.attrs.get("prepared", {}))


def missing_indicators(table: pd.DataFrame, catalog: Catalog) -> dict[str, str]:
    """Catalog indicators a run could not compute, or computed without any value, and why.

    The reasons of skipped ones come with the indicator table (``attrs["skipped"]``, set by
    :func:`compute_cell_indicators`); one absent without a reason is "not computed".
    """
    reasons = dict(table.attrs.get("skipped", {}))
    missing = {}
    for indicator in catalog:
        key = indicator.key
        if key not in table.columns:
            missing[key] = str(reasons.get(key, "not computed"))
        elif not np.isfinite(table[key].to_numpy(np.float64)).any():
            missing[key] = "no value in any unit (every input value missing)"
    return missing


def compute_components(
    cells: pd.DataFrame,
    catalog: Catalog,
    municipal: pd.DataFrame | None = None,
    *,
    resolution: float = 100.0,
    on_missing: str = "skip",
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Raw values, numerators and denominators of every indicator per cell.

    Parameters
    ----------
    cells, catalog, municipal, resolution, on_missing
        As in :func:`compute_cell_indicators`.

    Returns
    -------
    (DataFrame, dict)
        The table with ``<key>_raw``, ``<key>_num``, ``<key>_den`` (``attrs['counts']``
        holds per key the counts ``missing``, ``zero_base``, ``clipped``, ``unweighted``;
        ``attrs['prepared']`` the report of :func:`prepare_cells`) and the skipped
        indicators with their reasons.
    """
    _check_cells(cells)
    if on_missing not in ("skip", "raise"):
        raise ValueError(f"on_missing must be 'skip' or 'raise', got {on_missing!r}")
    if not isinstance(catalog, Catalog):
        raise TypeError(f"catalog must be a Catalog, got {type(catalog).__name__}")
    municipal = _municipal_table(municipal)
    cells, prepared = prepare_cells(cells, catalog)
    ids = [c for c in ID_COLUMNS if c in cells.columns]
    out: dict[str, np.ndarray] = {}
    counts: dict[str, dict[str, int]] = {}
    skipped: dict[str, str] = {}
    area = (cells["area_km2"].to_numpy(np.float64) if "area_km2" in cells.columns
            else np.full(len(cells), (resolution / 1000.0) ** 2))
    for indicator in catalog:
        reason = _unavailable(indicator, cells, municipal)
        if reason:
            if on_missing == "raise":
                raise KeyError(f"indicator {indicator.key!r}: {reason}")
            warnings.warn(f"indicator {indicator.key!r} skipped: {reason}", stacklevel=2)
            skipped[indicator.key] = reason
            continue
        if indicator.is_municipal:
            raw, num, den, count = _municipal_components(indicator, cells, municipal)
        else:
            raw, num, den, count = _cell_components(indicator, cells, area)
        out[f"{indicator.key}_raw"], out[f"{indicator.key}_num"] = raw, num
        out[f"{indicator.key}_den"] = den
        counts[indicator.key] = count
    table = pd.concat([cells[ids].reset_index(drop=True),
                       pd.DataFrame(out, index=pd.RangeIndex(len(cells)))], axis=1)
    table.attrs["counts"] = counts
    table.attrs["prepared"] = prepared
    return table, skipped


def prepare_cells(cells: pd.DataFrame, catalog: Catalog
                  ) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """Apply the catalog's en-dash rules to the cell table (a new table is returned).

    - ``dash_bands``: in band topics whose en dash hides 0 to ``max_hidden`` persons, each
      cell's remainder ``max(total - sum(published bands), 0)`` is spread over its dashed
      bands in proportion to the county's published band structure, capped at
      ``max_hidden`` per band.
    - ``dash_zero``: published percentages that are NaN in a cell whose ``where``
      expression is positive become 0 (the en dash "exactly zero").

    Rules whose columns the table lacks are skipped.

    Parameters
    ----------
    cells : DataFrame
        The joined cell table.
    catalog : Catalog
        Holds the rules (``Catalog.dash_bands``, ``Catalog.dash_zero``).

    Returns
    -------
    (DataFrame, dict)
        The prepared table and per rule what changed: ``bands_filled`` and
        ``persons_imputed`` per band topic, ``dash_as_zero`` per column.

    Examples
    --------
    >>> rule = DashBands("T", "total", ("young", "old"), 2.0)
    >>> cells = pd.DataFrame({"total": [100.0, 4.0], "young": [40.0, 0.0],
    ...                       "old": [60.0, 3.0]})
    >>> out, report = prepare_cells(cells, Catalog((), (rule,)))
    >>> out["young"].tolist(), report
    ([40.0, 1.0], {'T': {'bands_filled': 1, 'persons_imputed': 1.0}})
    """
    _check_cells_frame(cells)
    out = cells.copy()
    report: dict[str, dict[str, float]] = {}
    for rule in catalog.dash_bands:
        columns = [resolve_column(c, out, rule.topic) for c in (rule.total, *rule.bands)]
        if any(c is None for c in columns):
            continue
        filled, persons, values = _impute_bands(out[columns[0]].to_numpy(np.float64),
                                                out[columns[1:]].to_numpy(np.float64),
                                                rule.max_hidden)
        out[columns[1:]] = values
        report[rule.topic] = {"bands_filled": filled, "persons_imputed": round(persons, 3)}
    for rule in catalog.dash_zero:
        column = resolve_column(rule.column, out, None)
        if column is None or any(c is None for c in rule.where.columns(out).values()):
            continue
        value = out[column].to_numpy(np.float64)
        zero = np.isnan(value) & (np.nan_to_num(rule.where.evaluate(out)) > 0)
        out[column] = np.where(zero, 0.0, value)
        report[column] = {"dash_as_zero": int(zero.sum())}
    return out, report


def _impute_bands(total: np.ndarray, bands: np.ndarray, cap: float):
    """Spread each row's unexplained remainder over its zero bands (see prepare_cells)."""
    listed = np.isfinite(total) & np.isfinite(bands).all(axis=1)
    published = np.where(listed[:, None], bands, 0.0)
    structure = published.sum(axis=0)
    if structure.sum() <= 0:
        return 0, 0.0, bands
    structure = structure / structure.sum()
    dashed = listed[:, None] & (bands == 0)
    remainder = np.where(listed, np.maximum(total - published.sum(axis=1), 0.0), 0.0)
    share = np.where(dashed, structure, 0.0)
    norm = share.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        hidden = np.where(norm > 0, remainder[:, None] * share / norm, 0.0)
    hidden = np.minimum(hidden, cap)
    return int((hidden > 0).sum()), float(hidden.sum()), np.where(dashed, hidden, bands)


def _check_cells_frame(cells: pd.DataFrame) -> None:
    if not isinstance(cells, pd.DataFrame):
        raise TypeError(f"cells must be a DataFrame, got {type(cells).__name__}")


def _check_cells(cells: pd.DataFrame) -> None:
    if not isinstance(cells, pd.DataFrame):
        raise TypeError(f"cells must be a DataFrame, got {type(cells).__name__}")
    missing = [c for c in ("cell_id", "x", "y", "Einwohner") if c not in cells.columns]
    if missing:
        raise ValueError(f"cells lacks the columns {missing}; is it the join_topics output?")
    if not cells["cell_id"].is_unique:
        raise ValueError("cells lists a cell_id more than once")


def _municipal_table(municipal: pd.DataFrame | None) -> pd.DataFrame:
    if municipal is None:
        return pd.DataFrame({"ags": pd.Series(dtype=str)})
    if not isinstance(municipal, pd.DataFrame) or "ags" not in municipal.columns:
        raise ValueError("municipal must be a DataFrame with a column 'ags'")
    return municipal


def _unavailable(indicator: Indicator, cells: pd.DataFrame, municipal: pd.DataFrame) -> str:
    """Why an indicator cannot be computed from these tables ('' if it can)."""
    muni_fields = ("numerator", "denominator", "value", "base") if indicator.is_municipal else ()
    for name in EXPRESSION_FIELDS:
        expr = getattr(indicator, name)
        if expr is None:
            continue
        frame, what = (municipal, "municipal table") if name in muni_fields else (cells, "cells")
        topic = None if name in muni_fields else indicator.topic
        if indicator.is_municipal and name in muni_fields and municipal.empty:
            return "no municipal statistics"
        lacking = [r for r, c in expr.columns(frame, topic).items() if c is None]
        if lacking:
            return f"{what} lack {lacking} (for {name} {expr.text!r})"
    if indicator.is_municipal and "ags" not in cells.columns:
        return "cells lack 'ags' (the municipality of every cell)"
    return ""


def _cell_components(indicator: Indicator, cells: pd.DataFrame, area: float):
    kind, topic = indicator.kind, indicator.topic
    if kind in ("share", "ratio", "density"):
        num = indicator.numerator.evaluate(cells, topic) * indicator.scale
        den = (area if kind == "density"
               else indicator.denominator.evaluate(cells, topic))
        return _ratio(num, den, clip=kind == "share")
    value = indicator.value.evaluate(cells, topic)
    base = indicator.base.evaluate(cells, topic)
    if kind == "rate_published":
        clipped = int(((value < 0) | (value > 100)).sum())
        value = np.clip(value, 0.0, 100.0) / 100.0
    else:
        clipped = 0
        value = value * indicator.scale
    weighted = np.isfinite(value) & np.isfinite(base) & (base > 0)
    count = {"missing": int((~np.isfinite(value)).sum()), "zero_base": 0, "clipped": clipped,
             "unweighted": int((np.isfinite(value) & ~weighted).sum())}
    return (value, np.where(weighted, value * base, np.nan), np.where(weighted, base, np.nan),
            count)


def _ratio(num: np.ndarray, den: np.ndarray, *, clip: bool):
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(ok, num / den, np.nan)
    clipped = int(((raw < 0) | (raw > 1)).sum()) if clip else 0
    if clip:
        # the counts stay as published: perturbation noise cancels in sums of many cells,
        # so only the ratio is clipped, here and again after aggregation
        raw = np.clip(raw, 0.0, 1.0)
    count = {"missing": int((~ok).sum()), "zero_base": int((np.isfinite(den) & (den <= 0)).sum()),
             "clipped": clipped, "unweighted": 0}
    return raw, np.where(ok, num, np.nan), np.where(ok, den, np.nan), count


def _municipal_components(indicator: Indicator, cells: pd.DataFrame, municipal: pd.DataFrame):
    ags = cells["ags"].astype(str).to_numpy(dtype=object)
    muni_ags = municipal["ags"].astype(str).to_numpy(dtype=object)
    key_expr = indicator.cell_base or Expression.parse("{Bevoelkerungszahl:Einwohner}")
    key = key_expr.evaluate(cells)
    if indicator.kind == "mean":
        value = indicator.value.evaluate(municipal) * indicator.scale
        base = (indicator.base.evaluate(municipal) if indicator.base is not None
                else sum_by_municipality(ags, key).reindex(muni_ags).to_numpy())
        num, den = value * base, base
    else:
        num = indicator.numerator.evaluate(municipal) * indicator.scale
        den = (indicator.denominator.evaluate(municipal) if indicator.denominator is not None
               else sum_by_municipality(ags, key).reindex(muni_ags).to_numpy())
    spread = spread_municipal(ags, key, muni_ags, num, den)
    raw = spread.value
    clipped = 0
    if indicator.kind == "share":
        clipped = int(((raw < 0) | (raw > 1)).sum())
        raw = np.clip(raw, 0.0, 1.0)
    count = {"missing": int((~np.isfinite(raw)).sum()), "zero_base": 0, "clipped": clipped,
             "unweighted": spread.keys_missing}
    return raw, spread.numerator, spread.denominator, count


def stabilize_indicators(
    components: pd.DataFrame,
    catalog: Catalog,
    params: StabilizeParams | None = None,
    *,
    resolution: float = 100.0,
    neighbours: Graph | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Add the stabilised value ``<key>`` beside ``<key>_raw`` for every indicator.

    Cell-level rates and means marked ``stabilize`` in the catalog go through
    :func:`pipeline.indicators.shrinkage.stabilize_rate` on the k-ring of their grid neighbours;
    municipal values and densities are copied unchanged.

    Parameters
    ----------
    components : DataFrame
        Output of :func:`compute_components` (with ``x`` and ``y``).
    catalog : Catalog
        The indicators present in ``components``.
    params : StabilizeParams, optional
    resolution : float, default 100
    neighbours : Graph, optional
        Contiguity of polygon units; the rings are its k-rings instead of the grid's.

    Returns
    -------
    (DataFrame, dict)
        A new table with the ``<key>`` columns placed before ``<key>_raw``, and per key
        ``filled`` (cells without a usable raw value that took their neighbourhood's
        value), ``tau2`` (prior variance, NaN if local or not stabilised) and
        ``mean_shrinkage`` (mean share of the way from the raw value to the prior over the
        cells with a usable raw value: 0 = unchanged, 1 = every cell took its prior).
    """
    params = StabilizeParams() if params is None else params
    if not isinstance(params, StabilizeParams):
        raise TypeError(f"params must be StabilizeParams, got {type(params).__name__}")
    lacking = [f"{k}_raw" for k in catalog.keys if f"{k}_raw" not in components.columns]
    if lacking:
        raise ValueError(f"components lack {lacking}; compute them with compute_components")
    needs_ring = params.method != "none" and any(i.stabilize for i in catalog)
    ring = None
    if needs_ring:
        ring = (ring_matrix(neighbours, params.k) if neighbours is not None
                else grid_ring(components["x"], components["y"], params, resolution))
    ids = [c for c in ID_COLUMNS if c in components.columns]
    parts: list[pd.DataFrame] = [components[ids]]
    info: dict[str, dict[str, float]] = {}
    for indicator in catalog:
        key = indicator.key
        raw = components[f"{key}_raw"].to_numpy(np.float64)
        value = raw
        info[key] = {"filled": 0, "tau2": np.nan, "mean_shrinkage": 0.0}
        if indicator.stabilize and ring is not None:
            base = _stabilize_base(indicator, components)
            result = stabilize_rate(raw, base, ring, params,
                                    variance=_VARIANCE[indicator.kind], scale=indicator.scale)
            value = result.values
            shrink = result.shrinkage[np.isfinite(result.shrinkage)]
            info[key] = {"filled": result.filled,
                         "tau2": np.nan if result.tau2 is None else result.tau2,
                         "mean_shrinkage": float(shrink.mean()) if shrink.size else np.nan}
            if indicator.kind == "share":
                value = np.clip(value, 0.0, 1.0)
        parts.append(pd.DataFrame({key: value}, index=components.index))
        parts.append(components[[f"{key}_raw", f"{key}_num", f"{key}_den"]])
    table = pd.concat(parts, axis=1)
    table.attrs = dict(components.attrs)
    return table, info


def _stabilize_base(indicator: Indicator, components: pd.DataFrame) -> np.ndarray:
    """The base a raw value rests on: its denominator (NaN where the value is missing)."""
    den = components[f"{indicator.key}_den"].to_numpy(np.float64)
    return np.where(np.isfinite(den), den, 0.0)


def summarize_indicators(table: pd.DataFrame, catalog: Catalog,
                         stabilization: Mapping[str, Mapping[str, float]] | None = None
                         ) -> pd.DataFrame:
    """Per indicator: level, kind, unit, counts of problems and min / median / max.

    Parameters
    ----------
    table : DataFrame
        Indicator table with ``<key>_raw`` columns (``attrs['counts']`` if available).
    catalog : Catalog
    stabilization : mapping, optional
        Per key ``filled``, ``tau2``, ``mean_shrinkage`` (from :func:`stabilize_indicators`).

    Returns
    -------
    DataFrame
        Indexed by key: ``label_de``, ``level``, ``kind``, ``unit``, ``n``, ``missing``,
        ``zero_base``, ``clipped``, ``unweighted``, ``filled``, ``tau2``,
        ``mean_shrinkage``, ``min``, ``median``,
        ``max``, ``weight``, ``direction``.
    """
    counts = table.attrs.get("counts", {})
    rows = []
    for indicator in catalog:
        raw = table[f"{indicator.key}_raw"].to_numpy(np.float64)
        ok = raw[np.isfinite(raw)]
        count = counts.get(indicator.key, {})
        stab = (stabilization or {}).get(indicator.key, {})
        rows.append({
            "key": indicator.key, "label_de": indicator.label_de, "level": indicator.level,
            "kind": indicator.kind, "unit": indicator.unit, "n": int(ok.size),
            "missing": int(raw.size - ok.size), "zero_base": count.get("zero_base", 0),
            "clipped": count.get("clipped", 0), "unweighted": count.get("unweighted", 0),
            "filled": int(stab.get("filled", 0)),
            "tau2": float(stab.get("tau2", np.nan)),
            "mean_shrinkage": float(stab.get("mean_shrinkage", 0.0)),
            "min": float(ok.min()) if ok.size else np.nan,
            "median": float(np.median(ok)) if ok.size else np.nan,
            "max": float(ok.max()) if ok.size else np.nan,
            "weight": indicator.weight, "direction": indicator.direction,
        })
    return pd.DataFrame(rows).set_index("key") if rows else pd.DataFrame()


def indicator_violations(
    table: pd.DataFrame, catalog: Catalog
) -> tuple[dict[str, int], dict[str, int]]:
    """Values an indicator table must not hold, counted per indicator.

    Returns
    -------
    (dict, dict)
        Shares (unit :data:`~pipeline.indicators.catalog.SHARE_UNIT`) outside [0, 1], and
        missing stabilised values of cell-level indicators (raw values may be missing where
        Zensus suppressed a cell, municipal values where a municipality has no data).
    """
    out_of_range, missing = {}, {}
    for indicator in catalog:
        if indicator.key not in table.columns:
            continue
        values = table[indicator.key].to_numpy(np.float64)
        if indicator.unit == SHARE_UNIT:
            bad = int(((values < 0) | (values > 1)).sum())
            if bad:
                out_of_range[indicator.key] = bad
        if indicator.level == "cell" and np.isnan(values).any():
            missing[indicator.key] = int(np.isnan(values).sum())
    return out_of_range, missing
