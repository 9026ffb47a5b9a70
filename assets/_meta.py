"""Metadata helpers shared by the assets: row counts and column schemas for the UI."""


import dataclasses

import pandas as pd
from dagster import AssetKey, AssetRecordsFilter, MetadataValue, TableColumn, TableSchema

from pipeline.config import RegionParameters


def frame_metadata(frame: pd.DataFrame) -> dict:
    """``dagster/row_count`` and ``dagster/column_schema`` of a (Geo)DataFrame."""
    columns = [TableColumn(name=str(name), type=str(dtype)) for name, dtype in frame.dtypes.items()]
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": TableSchema(columns=columns),
    }


def table_preview(frame: pd.DataFrame, rows: int = 20) -> MetadataValue:
    """A small markdown preview of a table."""
    return MetadataValue.md(frame.head(rows).to_markdown(index=False, floatfmt=".3f"))


def latest_metadata(context, asset_key: AssetKey, partition: str) -> dict:
    """Metadata of the latest materialization of an asset partition (values unwrapped)."""
    result = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=asset_key, asset_partitions=[partition]), limit=1
    )
    if not result.records:
        return {}
    metadata = result.records[0].asset_materialization.metadata
    return {k: getattr(v, "value", v) for k, v in metadata.items()}


def run_parameters(context, base: RegionParameters, partition: str) -> RegionParameters:
    """The region parameters the latest ``cell_regions`` run used (launchpad values included).

    Checks run after the asset in the same run, so they judge the result by the parameters
    it was drawn with, not by the county defaults.
    """
    used = latest_metadata(context, AssetKey("cell_regions"), partition).get("parameters")
    if not isinstance(used, dict):
        return base
    known = {f.name for f in dataclasses.fields(RegionParameters)}
    return base.replace(**{k: v for k, v in used.items() if k in known})
