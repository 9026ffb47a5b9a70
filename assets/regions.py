"""Regions: contiguous, population-bounded social spaces drawn across municipal borders."""

import geopandas as gpd
import numpy as np
import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetIn,
    AssetExecutionContext,
    Config,
    MetadataValue,
    Output,
    asset,
    asset_check,
)

from assets._meta import frame_metadata
from assets.partitions import county_partitions
from assets.resources import CountiesResource
from pipeline.config import RegionParameters
from pipeline.maps import regions_preview_markdown
from pipeline.quality import partition_report
from pipeline.regions import build_cell_graph, draw_regions

GROUP = "regions"


class RegionConfig(Config):
    """Run parameters an analyst can change in the launchpad.

    Values left unset come from the county configuration.
    """

    min_population: int | None = None
    max_population: int | None = None
    nested: bool | None = None
    bridge_distance: float | None = None
    barrier_weight: float | None = None
    seed: int | None = None

    def apply(self, base: RegionParameters) -> RegionParameters:
        """The county's parameters with the values set here replacing them."""
        changes = {k: v for k, v in self.model_dump().items() if v is not None}
        return base.replace(**changes)


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"numpy"})
def cell_regions(
    context: AssetExecutionContext,
    config: RegionConfig,
    counties: CountiesResource,
    zensus_cells: pd.DataFrame,
    clustering_matrix: pd.DataFrame,
    barriers: gpd.GeoDataFrame,
) -> Output[pd.DataFrame]:
    """The social space of every populated cell."""
    params = config.apply(counties.county(context.partition_key).parameters)
    features = (
        clustering_matrix.set_index("cell_id").loc[zensus_cells["cell_id"]].to_numpy(np.float64)
    )
    result = draw_regions(zensus_cells, features, params, barriers)
    frame = pd.DataFrame(
        {"cell_id": zensus_cells["cell_id"], "region": result.labels.astype(np.int64)}
    )
    report = result.report.as_dict()
    meta = frame_metadata(frame) | {
        k: (float(v) if isinstance(v, float) else v) for k, v in report.items()
    }
    meta["parameters"] = {k: str(v) for k, v in params.__dict__.items()}
    meta["map"] = MetadataValue.md(regions_preview_markdown(zensus_cells, result.labels))
    return Output(frame, metadata=meta)


@asset_check(
    asset=cell_regions, blocking=True, additional_ins={"zensus_cells": AssetIn("zensus_cells")}
)
def regions_are_a_valid_partition(
    context, counties: CountiesResource, zensus_cells: pd.DataFrame, cell_regions: pd.DataFrame
) -> AssetCheckResult:
    """Every populated cell in exactly one region; every region contiguous and >= the floor."""
    key = context.partition_key if context.has_partition_key else next(iter(counties_keys()))
    params = counties.county(key).parameters
    merged = zensus_cells[["cell_id"]].merge(cell_regions, on="cell_id", how="left")
    labels = merged["region"].fillna(-1).to_numpy(np.int64)
    graph = build_cell_graph(zensus_cells, params)
    report = partition_report(
        graph, labels, zensus_cells["Einwohner"].to_numpy(float), params.min_population
    )
    once = len(cell_regions) == len(zensus_cells) and cell_regions["cell_id"].is_unique
    passed = once and report.unassigned_units == 0 and report.contiguous and report.below_min == 0
    return AssetCheckResult(
        passed=bool(passed),
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "cells_once": bool(once),
            "unassigned_units": report.unassigned_units,
            "noncontiguous_regions": report.noncontiguous_regions,
            "below_min": report.below_min,
            "regions": report.n_regions,
        },
    )


def counties_keys() -> list[str]:
    """Partition keys, for checks run outside a partitioned context."""
    return county_partitions.get_partition_keys()
