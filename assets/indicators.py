"""Indicators: cell indicators from the catalog and their check, the clustering matrix.

The assets only read inputs, call :mod:`pipeline.indicators` and report summaries; the
county's indicator options (``options: indicators:`` in the county file) select, weight
and extend the catalog.
"""

import geopandas as gpd
import numpy as np
import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    MetadataValue,
    Output,
    asset,
    asset_check,
)

from assets.errors import reported
from assets.metadata import frame_metadata
from assets.partitions import county_partitions
from assets.resources import CountiesResource
from pipeline.graph import build_polygon_contiguity
from pipeline.indicators import (
    attach_extras,
    build_clustering_matrix,
    compute_cell_indicators,
    indicator_violations,
    merge_municipal,
    missing_indicators,
)
from pipeline.indicators.shrinkage import value_summary
from pipeline.readers import unit_shapes

GROUP = "indicators"


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"pandas"})
@reported
def cell_indicators(
    context: AssetExecutionContext,
    counties: CountiesResource,
    zensus_cells: pd.DataFrame,
    municipal_income: pd.DataFrame,
    municipal_sgb2: pd.DataFrame,
    unit_polygons: gpd.GeoDataFrame,
) -> Output[pd.DataFrame]:
    """Catalog indicators per populated cell: stabilised, raw, numerator and denominator.

    Municipal values (keys ending in ``_gem``) are spread to cells by residents and stay
    municipal values.
    """
    key = context.partition_key
    options, catalog = counties.indicator_options(key), counties.catalog(key)
    municipal = merge_municipal(municipal_income, municipal_sgb2)
    cells, municipal = attach_extras(options, zensus_cells, municipal)
    shapes = unit_shapes(unit_polygons, cells)
    neighbours = None if shapes is None else build_polygon_contiguity(
        shapes, options.stabilize.contiguity)
    result = compute_cell_indicators(cells, catalog, municipal, options.stabilize,
                                     neighbours=neighbours)
    summary = result.summary
    values = value_summary(result.table, list(summary.index))
    for problem in indicator_gaps(result.table, catalog):
        context.log.warning(f"cell_indicators: {problem}")
    meta = frame_metadata(result.table, catalog) | {
        "summary": MetadataValue.md(stabilized_markdown(summary, values)),
        "indicators": len(summary),
        "missing_values": int(summary["missing"].sum()),
        "clipped_values": int(summary["clipped"].sum()),
        "filled_from_neighbours": int(summary["filled"].sum()),
        "skipped": MetadataValue.json(dict(result.skipped)),
        "en_dash_rules": MetadataValue.json({k: dict(v) for k, v in result.prepared.items()}),
        "stabilize": MetadataValue.json(options.stabilize.__dict__),
    }
    meta |= {f"median/{key}": float(v) for key, v in summary["median"].items() if np.isfinite(v)}
    meta |= {f"missing/{key}": int(v) for key, v in summary["missing"].items()}
    meta |= {f"shrinkage/{key}": float(v) for key, v in summary["mean_shrinkage"].items()
             if np.isfinite(v)}
    return Output(result.table, metadata=meta)


@asset_check(
    asset=cell_indicators, blocking=True,
    description="Shares within [0, 1]; no missing values in stabilised cell indicators.",
)
def indicators_valid(
    context, counties: CountiesResource, cell_indicators: pd.DataFrame
) -> AssetCheckResult:
    """Shares (unit ``Anteil (0-1)``) within [0, 1]; cell-level indicators complete.

    Raw values may be missing (suppressed Zensus cells) and municipal values may be missing
    for municipalities without data; the stabilised cell-level values may not.
    """
    catalog = counties.catalog(context.partition_key)
    out_of_range, missing = indicator_violations(cell_indicators, catalog)
    return AssetCheckResult(
        passed=not out_of_range and not missing, severity=AssetCheckSeverity.ERROR,
        metadata={"out_of_range": MetadataValue.json(out_of_range),
                  "missing": MetadataValue.json(missing), "indicators": len(catalog)})


def indicator_gaps(table: pd.DataFrame, catalog) -> list[str]:
    """What the run could not compute, as messages for the run log and the check.

    Skipped indicators, indicators without any value, and a social index without an
    indicator that has a direction.
    """
    missing = missing_indicators(table, catalog)
    gaps = [f"indicator {k!r} skipped: {why}" for k, why in missing.items()]
    if not any(i.in_index for i in catalog if i.key not in missing):
        gaps.append("no computed indicator has a direction: the social index is empty")
    return gaps


@asset_check(
    asset=cell_indicators, blocking=False,
    description="Warns about indicators skipped for lack of inputs, indicators without any "
                "value and an empty social index.",
)
def indicators_complete(
    context, counties: CountiesResource, cell_indicators: pd.DataFrame
) -> AssetCheckResult:
    """Nothing empty passes silently: every gap of the indicator table is listed here."""
    gaps = indicator_gaps(cell_indicators, counties.catalog(context.partition_key))
    return AssetCheckResult(passed=not gaps, severity=AssetCheckSeverity.WARN,
                            metadata={"gaps": MetadataValue.json(gaps), "n_gaps": len(gaps)})


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"numpy", "pandas"})
@reported
def clustering_matrix(
    context: AssetExecutionContext, counties: CountiesResource, cell_indicators: pd.DataFrame
) -> Output[pd.DataFrame]:
    """Standardized, weighted, stabilised indicators per cell: the regionalization's input."""
    key = context.partition_key
    options, catalog = counties.indicator_options(key), counties.catalog(key)
    matrix = build_clustering_matrix(cell_indicators, catalog, params=options.clustering)
    frame = matrix.to_frame(cell_indicators["cell_id"])
    imputed = pd.Series(dict(matrix.imputed), name="imputed", dtype="int64")
    meta = frame_metadata(frame, catalog, plain="standardisiert und gewichtet") | {
        "columns": len(matrix.columns),
        "imputed_values": int(imputed.sum()),
        "imputed": MetadataValue.md(imputed.to_frame().to_markdown()),
        "correlated_pairs": MetadataValue.md(
            matrix.correlated.to_markdown(index=False, floatfmt=".3f")
            if len(matrix.correlated) else "no pair above the threshold"),
        "n_correlated_pairs": len(matrix.correlated),
        "dropped": MetadataValue.json(dict(matrix.dropped)),
        "weights": MetadataValue.json({k: float(v) for k, v in matrix.weights.items()}),
    }
    if matrix.explained is not None:
        meta["explained_variance"] = MetadataValue.json(matrix.explained.round(4).tolist())
    return Output(frame, metadata=meta)


def stabilized_markdown(summary: pd.DataFrame, values: pd.DataFrame) -> str:
    """The cell indicators in German: raw and stabilised values side by side, the shrinkage.

    One row per indicator (catalog label and unit): cells with a raw value, cells filled
    from their neighbourhood, the mean shrinkage (share of the way from the raw value to
    the neighbourhood prior: 0 = kept, 1 = prior), the share of cells changed, and mean,
    10th percentile, median and 90th percentile of the raw and the stabilised values.
    """
    table = pd.DataFrame({
        "Indikator": summary["label_de"], "Einheit": summary["unit"],
        "Zellen mit Wert": summary["n"].map(lambda v: _de(v, 0)),
        "ergänzt": summary["filled"].map(lambda v: _de(v, 0)),
        "Schrumpfung Ø": summary["mean_shrinkage"].map(lambda v: _de(v, 2)),
        "geändert": values["changed"].map(lambda v: _de(100 * v, 0) + " %"),
    }, index=summary.index)
    for prefix, word in (("raw_", "roh"), ("", "stabilisiert")):
        for column, name in (("mean", "Mittel"), ("q10", "P10"), ("q50", "Median"),
                             ("q90", "P90")):
            table[f"{name} {word}"] = values[f"{prefix}{column}"].map(_de)
    return table.rename_axis("Schlüssel").to_markdown(disable_numparse=True)


def _de(value: float, digits: int | None = None) -> str:
    """A number in German notation; digits by size unless given (``0,049``, ``44.321``)."""
    if value is None or not np.isfinite(value):
        return "–"
    if digits is None:
        digits = 0 if abs(value) >= 1000 else 1 if abs(value) >= 10 else 3
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def summary_markdown(summary: pd.DataFrame) -> str:
    """The indicator summary as a markdown table (the columns it has, in a fixed order)."""
    columns = [c for c in ("level", "unit", "n", "missing", "zero_base", "clipped", "filled",
                           "mean_shrinkage", "min", "median", "max") if c in summary.columns]
    return summary[columns].to_markdown(floatfmt=".3f")
