"""History: each publish appended to ``history.duckdb`` and recorded for the next run.

``sozialraum_history`` runs after the GeoPackage is published, one at a time (pool
``history``: DuckDB allows a single writing process). It takes the run's parameters,
fingerprint, highest issued ID and stability from ``cell_regions`` itself, the profiles
(already with stable IDs) from ``region_profiles`` and the names from the polygons.
"""

import dataclasses

import geopandas as gpd
import pandas as pd
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from assets.partitions import county_partitions
from assets.resources import CountiesResource
from pipeline.operations import CountyRegions, append_run, save_published

GROUP = "operations"


@asset(
    group_name=GROUP, partitions_def=county_partitions, kinds={"duckdb"}, pool="history",
    deps=[AssetKey("sozialraeume_gpkg")],
)
def sozialraum_history(
    context: AssetExecutionContext,
    counties: CountiesResource,
    cell_regions: pd.DataFrame,
    region_profiles: pd.DataFrame,
    sozialraum_polygons: gpd.GeoDataFrame,
) -> MaterializeResult:
    """Append the publish to ``history.duckdb`` and record the published social spaces."""
    layout = counties.layout(context.partition_key)
    regions = CountyRegions.from_frame(cell_regions)
    stability = regions.stability.as_dict()
    append_run(
        layout.history, run_id=context.run.run_id, county=layout.county,
        parameters=dataclasses.asdict(regions.parameters),
        quality=history_quality(regions.quality), stability=stability,
        profiles=region_profiles,
    )
    folder = save_published(
        layout.published, regions.cells, fingerprint=regions.fingerprint,
        max_issued=regions.max_issued, run_id=context.run.run_id,
        names=dict(zip(sozialraum_polygons["sr_id"], sozialraum_polygons["name"], strict=True)),
    )
    return MaterializeResult(metadata={
        "history": MetadataValue.path(str(layout.history)),
        "published_state": MetadataValue.path(str(folder)),
        "regions": len(region_profiles),
        "changed_share": float(stability["changed_share"]),
    })


def history_quality(quality: dict) -> dict[str, float]:
    """The numeric quality figures of a run, as floats (booleans as 0/1)."""
    return {k: float(v) for k, v in quality.items()
            if isinstance(v, int | float | bool) and v is not None}
