"""Regions: contiguous, population-bounded social spaces drawn across municipal borders."""

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetIn,
    Config,
    MetadataValue,
    Output,
    asset,
    asset_check,
)
from pydantic import Field

from assets._meta import frame_metadata, run_parameters
from assets.partitions import county_partitions
from assets.resources import CountiesResource
from pipeline.config import RegionParameters
from pipeline.maps import regions_preview_markdown
from pipeline.quality import partition_report
from pipeline.regions import build_cell_graph, draw_regions, report_regions
from pipeline.stability import (
    assign_stable_ids,
    fingerprint,
    load_published,
    published_dir,
    published_labels,
    warm_start_labels,
)

GROUP = "regions"


class RegionConfig(Config):
    """Run parameters an analyst can change in the launchpad.

    Values left unset (``null``) come from the county configuration (``parameters:`` of the
    county in ``counties.yaml``); an empty ``indicator_weights`` keeps the catalog weights.
    """

    min_population: int | None = Field(
        default=None, description="Floor of residents per social space (county default 2500).")
    max_population: int | None = Field(
        default=None, description="Cap of residents per social space (county default 15000).")
    n_regions: int | None = Field(
        default=None, description="Target number of social spaces; null = max-p (as many as "
        "the floor allows) unless the county sets one.")
    max_p: bool = Field(
        default=False, description="Ignore the county's target count and draw as many social "
        "spaces as the floor allows.")
    indicator_weights: dict[str, float] = Field(
        default={}, description="Multiplier per clustering column, e.g. {'anteil_65plus': 2.0}; "
        "0 leaves an indicator out.")
    nested: bool | None = Field(
        default=None, description="Keep social spaces within municipal borders.")
    bridge_distance: float | None = Field(
        default=None, description="Metres up to which separated settlements are joined.")
    barrier_weight: float | None = Field(
        default=None, description="Extra cost factor of a grid edge crossing a barrier line.")
    compactness_weight: float | None = Field(
        default=None, description="Weight of compactness in the local search (0 = off).")
    seed: int | None = Field(default=None, description="Seed of every random choice.")
    warm_start: bool = Field(
        default=True, description="Start from the last published social spaces and reuse them "
        "unchanged when the inputs are unchanged.")

    def apply(self, base: RegionParameters) -> RegionParameters:
        """The county's parameters with the values set here replacing them."""
        known = set(base.__dataclass_fields__)
        changes = {k: v for k, v in self.model_dump().items() if v is not None and k in known}
        if self.max_p:
            changes["n_regions"] = None
        return base.replace(**changes)

    def weigh(self, matrix: pd.DataFrame) -> pd.DataFrame:
        """The clustering matrix with columns multiplied by ``indicator_weights``."""
        unknown = sorted(set(self.indicator_weights) - set(matrix.columns) - {"cell_id"})
        if unknown:
            raise ValueError(
                f"indicator_weights: unknown columns {unknown}; allowed: "
                f"{[c for c in matrix.columns if c != 'cell_id']}")
        if not self.indicator_weights:
            return matrix
        weighted = matrix.copy()
        for column, factor in self.indicator_weights.items():
            if factor < 0:
                raise ValueError(f"indicator_weights[{column!r}] must be >= 0, got {factor}")
            weighted[column] = weighted[column] * factor
        return weighted


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"numpy"})
def cell_regions(
    context: AssetExecutionContext,
    config: RegionConfig,
    counties: CountiesResource,
    zensus_cells: pd.DataFrame,
    clustering_matrix: pd.DataFrame,
    barriers: gpd.GeoDataFrame,
) -> Output[pd.DataFrame]:
    """The social space of every populated cell: ``region`` (0..k-1) and stable ``sr_id``.

    Starts from the last published social spaces (warm start) and reuses them unchanged
    when cells, features and parameters are the published ones; ``sr_id`` keeps the
    published ID of every region matched by residents in common.
    """
    key = context.partition_key
    county = counties.county(key)
    params = config.apply(county.parameters)
    features = (
        config.weigh(clustering_matrix)
        .set_index("cell_id").loc[zensus_cells["cell_id"]].to_numpy(np.float64)
    )
    cell_ids = zensus_cells["cell_id"].to_numpy()
    population = zensus_cells["Einwohner"].to_numpy(np.float64)
    published = load_published(published_dir(counties.processed_root, key))
    stamp = fingerprint(cell_ids, population, features, params.__dict__)
    reused = published_labels(cell_ids, published) if config.warm_start and (
        published is not None and published.fingerprint == stamp) else None
    if reused is not None:
        labels = reused
        report = report_regions(zensus_cells, labels, features, params,
                                barriers=barriers).as_dict()
    else:
        warm = warm_start_labels(cell_ids, published) if config.warm_start else None
        result = draw_regions(zensus_cells, features, params, barriers, warm_start=warm)
        labels, report = result.labels.astype(np.int64), result.report.as_dict()
    stable = assign_stable_ids(cell_ids, labels, population, published, county.ags)
    frame = pd.DataFrame({"cell_id": cell_ids, "region": labels, "sr_id": stable.sr_id})
    meta = frame_metadata(frame) | {
        k: (float(v) if isinstance(v, float) else v) for k, v in report.items()
    }
    meta["parameters"] = MetadataValue.json(dataclasses.asdict(params))
    meta["fingerprint"] = stamp
    meta["reused_published"] = reused is not None
    meta["warm_start"] = bool(config.warm_start and published is not None)
    meta["max_issued"] = stable.max_issued
    meta |= {f"stability/{k}": v for k, v in stable.report.as_dict().items()}
    meta["map"] = MetadataValue.md(regions_preview_markdown(zensus_cells, labels))
    return Output(frame, metadata=meta)


@asset_check(
    asset=cell_regions, blocking=True, additional_ins={"zensus_cells": AssetIn("zensus_cells")}
)
def regions_are_a_valid_partition(
    context, counties: CountiesResource, zensus_cells: pd.DataFrame, cell_regions: pd.DataFrame
) -> AssetCheckResult:
    """Every populated cell in exactly one region; every region one connected piece.

    The contiguity graph is built with the parameters the run used (bridge distance,
    nesting), read from the materialization; the population bounds are checked by
    ``regions_within_bounds``.
    """
    key = context.partition_key if context.has_partition_key else next(iter(counties_keys()))
    params = run_parameters(context, counties.county(key).parameters, key)
    merged = zensus_cells[["cell_id"]].merge(cell_regions, on="cell_id", how="left")
    labels = merged["region"].fillna(-1).to_numpy(np.int64)
    graph = build_cell_graph(zensus_cells, params)
    report = partition_report(
        graph, labels, zensus_cells["Einwohner"].to_numpy(float), params.min_population
    )
    once = len(cell_regions) == len(zensus_cells) and cell_regions["cell_id"].is_unique
    passed = once and report.unassigned_units == 0 and report.contiguous
    return AssetCheckResult(
        passed=bool(passed),
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "cells_once": bool(once),
            "unassigned_units": report.unassigned_units,
            "noncontiguous_regions": report.noncontiguous_regions,
            "regions": report.n_regions,
        },
    )


def counties_keys() -> list[str]:
    """Partition keys, for checks run outside a partitioned context."""
    return county_partitions.get_partition_keys()
