"""Indicators: cell indicators from the catalog, the clustering matrix, social-space profiles.

The assets only read inputs, call :mod:`pipeline.indicators` and :mod:`pipeline.profiles`
and report summaries; the county's indicator options (``options: indicators:`` in the
county file) select, weight and extend the catalog.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, MetadataValue, Output, asset

from assets._meta import frame_metadata, table_preview
from assets.partitions import county_partitions
from assets.resources import CountiesResource
from pipeline.indicators import (
    Catalog,
    IndicatorOptions,
    attach_extras,
    build_clustering_matrix,
    compute_cell_indicators,
    county_catalog,
    parse_options,
)
from pipeline.municipal import merge_municipal
from pipeline.profiles import STATUS_CLASSES, build_profiles
from pipeline.sozialraeume import region_ids

GROUP = "indicators"


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"pandas"})
def cell_indicators(
    context: AssetExecutionContext,
    counties: CountiesResource,
    zensus_cells: pd.DataFrame,
    municipal_income: pd.DataFrame,
    municipal_sgb2: pd.DataFrame,
) -> Output[pd.DataFrame]:
    """Catalog indicators per populated cell: stabilised, raw, numerator and denominator.

    Municipal values (keys ending in ``_gem``) are spread to cells by residents and stay
    municipal values.
    """
    options, catalog = _county_indicators(counties, context.partition_key)
    municipal = merge_municipal(municipal_income, municipal_sgb2)
    cells, municipal = attach_extras(options, zensus_cells, municipal)
    result = compute_cell_indicators(cells, catalog, municipal, options.stabilize)
    summary = result.summary
    meta = frame_metadata(result.table) | {
        "summary": MetadataValue.md(_summary_md(summary)),
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
    return Output(result.table, metadata=meta)


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"numpy", "pandas"})
def clustering_matrix(
    context: AssetExecutionContext, counties: CountiesResource, cell_indicators: pd.DataFrame
) -> Output[pd.DataFrame]:
    """Standardized, weighted, stabilised indicators per cell: the regionalization's input."""
    options, catalog = _county_indicators(counties, context.partition_key)
    matrix = build_clustering_matrix(cell_indicators, catalog, params=options.clustering)
    frame = matrix.to_frame(cell_indicators["cell_id"])
    imputed = pd.Series(dict(matrix.imputed), name="imputed", dtype="int64")
    meta = frame_metadata(frame) | {
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


@asset(group_name="regions", partitions_def=county_partitions, kinds={"pandas"})
def region_profiles(
    context: AssetExecutionContext,
    counties: CountiesResource,
    cell_indicators: pd.DataFrame,
    cell_regions: pd.DataFrame,
) -> Output[pd.DataFrame]:
    """Profile of every social space: indicators from summed counts, ranks, z, social index."""
    county = counties.county(context.partition_key)
    _, catalog = _county_indicators(counties, context.partition_key)
    merged = cell_indicators[["cell_id"]].merge(
        cell_regions[["cell_id", "region"]], on="cell_id", how="left", validate="one_to_one"
    )
    profiles = build_profiles(cell_indicators, merged["region"].to_numpy(), catalog)
    profiles.insert(0, "sr_id", region_ids(profiles["region"].to_numpy(), county.ags))
    keys = [k for k in catalog.keys if k in profiles.columns]
    summary = _profile_summary(profiles, keys, catalog)
    status = profiles["status"].value_counts().reindex(list(STATUS_CLASSES), fill_value=0)
    meta = frame_metadata(profiles) | {
        "summary": MetadataValue.md(_summary_md(summary)),
        "status_classes": MetadataValue.json({k: int(v) for k, v in status.items()}),
        "regions": len(profiles),
        "preview": table_preview(
            profiles[["sr_id", "residents", "social_index", "status", *keys[:4]]]),
    }
    meta |= {f"median/{key}": float(v) for key, v in summary["median"].items() if np.isfinite(v)}
    return Output(profiles, metadata=meta)


def _county_indicators(counties: CountiesResource, key: str) -> tuple[IndicatorOptions, Catalog]:
    county = counties.county(key)
    options = parse_options(county.options, base_dir=Path(counties.config_path).parent)
    return options, county_catalog(options)


def _summary_md(summary: pd.DataFrame) -> str:
    columns = [c for c in ("level", "unit", "n", "missing", "zero_base", "clipped", "filled",
                           "mean_shrinkage", "min", "median", "max") if c in summary.columns]
    return summary[columns].to_markdown(floatfmt=".3f")


def _profile_summary(profiles: pd.DataFrame, keys: list[str], catalog: Catalog) -> pd.DataFrame:
    values = profiles[keys]
    return pd.DataFrame({
        "level": [catalog[k].level for k in keys],
        "unit": [catalog[k].unit for k in keys],
        "n": values.notna().sum().to_numpy(),
        "missing": values.isna().sum().to_numpy(),
        "min": values.min().to_numpy(),
        "median": values.median().to_numpy(),
        "max": values.max().to_numpy(),
    }, index=pd.Index(keys, name="key"))


__all__ = ["cell_indicators", "clustering_matrix", "region_profiles"]
