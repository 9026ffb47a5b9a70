"""Operations: the nightly schedule, the input-change sensor, the run history and checks.

- :func:`build_nightly_schedule` refreshes every county at 02:00 Europe/Berlin with one run
  request per county partition (a plain cron schedule would launch one unpartitioned run).
- :func:`build_input_sensor` starts a county's refresh when the content (SHA-256) of one of
  its raw input files changes; modification time and size are only a pre-check.
- :func:`sozialraum_history` appends each publish to ``history.duckdb`` (one writer at a
  time: pool ``history``) and records the published social spaces for the next run's
  matching and warm start.
- Checks on the regions (cells assigned once, population bounds, stability warning), the
  cell indicators (shares within [0, 1], no unexpected missing values) and the CRS of the
  county geodata.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetIn,
    AssetKey,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    MaterializeResult,
    MetadataValue,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    asset,
    asset_check,
    schedule,
    sensor,
)

from assets._meta import latest_metadata, run_parameters
from assets.partitions import county_partitions
from assets.regions import cell_regions
from assets.resources import CountiesResource
from pipeline.config import load_counties
from pipeline.history import append_run
from pipeline.indicators import county_catalog, parse_options
from pipeline.inputs import FileState, changed_counties, input_states
from pipeline.stability import published_dir, save_published
from pipeline.vg250 import VG250_CRS

GROUP = "operations"

#: Share of residents changing social space above which the stability check warns;
#: ``$SOZIALRAUM_MAX_CHANGED_SHARE`` overrides it.
DEFAULT_MAX_CHANGED_SHARE = 0.2

#: Name of the history database under the processed root.
HISTORY_DB = "history.duckdb"

_SHARE_UNIT = "Anteil (0-1)"


# ---------------------------------------------------------------- schedule and sensor


def build_nightly_schedule(job, cron: str = "0 2 * * *", timezone: str = "Europe/Berlin"):
    """A schedule that requests one run per county partition of ``job``.

    Parameters
    ----------
    job : job definition
        A job over the county-partitioned assets.
    cron : str, default "0 2 * * *"
    timezone : str, default "Europe/Berlin"

    Returns
    -------
    ScheduleDefinition
        Named ``nightly_refresh``, running by default.
    """

    @schedule(
        name="nightly_refresh", cron_schedule=cron, execution_timezone=timezone, job=job,
        default_status=DefaultScheduleStatus.RUNNING,
        description="Refresh every county at 02:00 Europe/Berlin, one run per county.",
    )
    def nightly_refresh(context: ScheduleEvaluationContext) -> Iterator[RunRequest]:
        when = context.scheduled_execution_time
        stamp = when.strftime("%Y-%m-%d") if when is not None else "manual"
        for key in county_partitions.get_partition_keys():
            yield RunRequest(run_key=f"nightly:{key}:{stamp}", partition_key=key,
                             tags={"sozialraum/trigger": "nightly"})

    return nightly_refresh


def _decode_cursor(cursor: str | None) -> dict[str, dict[str, FileState]]:
    if not cursor:
        return {}
    raw = json.loads(cursor)
    return {county: {role: FileState.from_list(v) for role, v in roles.items()}
            for county, roles in raw.items()}


def _encode_cursor(states: dict[str, dict[str, FileState]]) -> str:
    return json.dumps({county: {role: s.to_list() for role, s in roles.items()}
                       for county, roles in states.items()}, sort_keys=True)


def input_change_requests(
    cursor: str | None, config_path: str | None = None
) -> tuple[list[RunRequest], str]:
    """Run requests for counties whose input content changed, and the new cursor.

    Counties seen for the first time only record their hashes (the nightly run covers them).

    Parameters
    ----------
    cursor : str or None
        JSON of ``{county: {role: [mtime_ns, size, sha256]}}`` from the last evaluation.
    config_path : str, optional
        County file; default ``$SOZIALRAUM_COUNTIES`` or ``counties.yaml``.

    Returns
    -------
    tuple of (list of RunRequest, str)
    """
    previous = _decode_cursor(cursor)
    counties = load_counties(config_path)
    keys = set(county_partitions.get_partition_keys())
    current = {key: input_states(county, previous.get(key))
               for key, county in counties.items() if key in keys}
    requests = [
        RunRequest(
            run_key=f"inputs:{key}:{_digest(previous[key])}->{_digest(current[key])}",
            partition_key=key,
            tags={"sozialraum/trigger": "input_change"},
        )
        for key in changed_counties(previous, current)
    ]
    return requests, _encode_cursor(current)


def _digest(states: dict[str, FileState]) -> str:
    import hashlib

    joined = "|".join(f"{role}={s.sha256}" for role, s in sorted(states.items()))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def build_input_sensor(job, interval_seconds: int = 300):
    """A sensor that refreshes a county when the content of its raw input files changes.

    Parameters
    ----------
    job : job definition
    interval_seconds : int, default 300

    Returns
    -------
    SensorDefinition
        Named ``input_change_sensor``, running by default.
    """

    @sensor(
        name="input_change_sensor", job=job, minimum_interval_seconds=interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description="Start a county's refresh when a raw input file changes (SHA-256).",
    )
    def input_change_sensor(context: SensorEvaluationContext):
        requests, cursor = input_change_requests(context.cursor)
        if not requests:
            context.update_cursor(cursor)
            return SkipReason("no input file changed")
        return SensorResult(run_requests=requests, cursor=cursor)

    return input_change_sensor


# ---------------------------------------------------------------- history


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
    """Append the publish to ``history.duckdb`` and record the published social spaces.

    Runs after the GeoPackage is published; one at a time (pool ``history``) because DuckDB
    allows a single writing process.
    """
    key = context.partition_key
    regions_meta = latest_metadata(context, AssetKey("cell_regions"), key)
    publish_meta = latest_metadata(context, AssetKey("sozialraeume_gpkg"), key)
    stability = {k.split("/", 1)[1]: v for k, v in regions_meta.items()
                 if k.startswith("stability/")}
    quality = {k.split("/", 1)[1]: v for k, v in publish_meta.items()
               if k.startswith("quality/") and isinstance(v, int | float)}
    sr_of_region = sozialraum_polygons.set_index("region")["sr_id"]
    profiles = region_profiles.assign(sr_id=sr_of_region.reindex(region_profiles["region"])
                                      .to_numpy())
    database = Path(counties.processed_root) / HISTORY_DB
    append_run(
        database, run_id=context.run.run_id, county=key,
        parameters=regions_meta.get("parameters", {}), quality=quality, stability=stability,
        profiles=profiles,
    )
    folder = save_published(
        published_dir(counties.processed_root, key), cell_regions,
        fingerprint=str(regions_meta.get("fingerprint", "")),
        max_issued=int(regions_meta.get("max_issued", 0)), run_id=context.run.run_id,
        names=dict(zip(sozialraum_polygons["sr_id"], sozialraum_polygons["name"], strict=True)),
    )
    return MaterializeResult(metadata={
        "history": MetadataValue.path(str(database)),
        "published_state": MetadataValue.path(str(folder)),
        "regions": len(profiles),
        "changed_share": float(stability.get("changed_share", 0.0)),
    })


# ---------------------------------------------------------------- checks


@asset_check(
    asset=cell_regions, blocking=True, additional_ins={"zensus_cells": AssetIn("zensus_cells")},
    description="Every populated cell in exactly one social space with one ID per region.",
)
def cells_assigned_once(zensus_cells: pd.DataFrame, cell_regions: pd.DataFrame) -> AssetCheckResult:
    """Every populated cell appears once, with a region and an ``sr_id``; IDs match regions."""
    populated = zensus_cells.loc[zensus_cells["Einwohner"] > 0, "cell_id"]
    counts = cell_regions["cell_id"].value_counts()
    missing = int((~populated.isin(counts.index)).sum())
    duplicated = int((counts > 1).sum())
    unlabelled = int(cell_regions[["region", "sr_id"]].isna().any(axis=1).sum())
    pairs = cell_regions[["region", "sr_id"]].drop_duplicates()
    consistent = pairs["region"].is_unique and pairs["sr_id"].is_unique
    passed = missing == 0 and duplicated == 0 and unlabelled == 0 and consistent
    return AssetCheckResult(passed=bool(passed), severity=AssetCheckSeverity.ERROR, metadata={
        "missing_cells": missing, "duplicated_cells": duplicated,
        "unlabelled_cells": unlabelled, "one_id_per_region": bool(consistent)})


@asset_check(
    asset=cell_regions, blocking=True, additional_ins={"zensus_cells": AssetIn("zensus_cells")},
    description="Every social space within the floor and cap of residents used for the run.",
)
def regions_within_bounds(
    context, counties: CountiesResource, zensus_cells: pd.DataFrame, cell_regions: pd.DataFrame
) -> AssetCheckResult:
    """Residents per region between the run's ``min_population`` and ``max_population``.

    A region of one cell above the cap cannot be split and is only reported.
    """
    key = context.partition_key
    params = run_parameters(context, counties.county(key).parameters, key)
    floor = float(params.min_population)
    cap = None if params.max_population is None else float(params.max_population)
    merged = cell_regions.merge(zensus_cells[["cell_id", "Einwohner"]], on="cell_id")
    grouped = merged.groupby("region")["Einwohner"]
    residents, cells = grouped.sum(), grouped.size()
    below = int((residents < floor).sum())
    over = residents > cap if cap is not None else residents < 0
    # a single cell above the cap cannot be split: reported, not failed
    above, single = int((over & (cells > 1)).sum()), int((over & (cells == 1)).sum())
    return AssetCheckResult(
        passed=below == 0 and above == 0, severity=AssetCheckSeverity.ERROR,
        metadata={"regions": len(residents), "below_floor": below, "above_cap": above,
                  "single_cells_above_cap": single,
                  "min_residents": float(residents.min()), "max_residents": float(residents.max()),
                  "floor": floor, "cap": cap if cap is not None else -1.0})


@asset_check(
    asset=cell_regions, blocking=False,
    description="Warns when more residents than a set share changed social space.",
)
def social_spaces_stable(context) -> AssetCheckResult:
    """Share of residents whose social-space ID changed since the last publish.

    The threshold is ``$SOZIALRAUM_MAX_CHANGED_SHARE`` (default 0.2).
    """
    limit = float(os.environ.get("SOZIALRAUM_MAX_CHANGED_SHARE", DEFAULT_MAX_CHANGED_SHARE))
    meta = latest_metadata(context, AssetKey("cell_regions"), context.partition_key)
    share = float(meta.get("stability/changed_share", 0.0))
    return AssetCheckResult(
        passed=share <= limit, severity=AssetCheckSeverity.WARN,
        metadata={"changed_share": share, "limit": limit,
                  "residents_changed": float(meta.get("stability/residents_changed", 0.0)),
                  "new_regions": int(meta.get("stability/new", 0)),
                  "retired_regions": int(meta.get("stability/retired", 0))})


@asset_check(
    asset="cell_indicators", blocking=True,
    description="Shares within [0, 1]; no missing values in stabilised cell indicators.",
)
def indicators_valid(
    context, counties: CountiesResource, cell_indicators: pd.DataFrame
) -> AssetCheckResult:
    """Shares (unit ``Anteil (0-1)``) within [0, 1]; cell-level indicators complete.

    Raw values may be missing (suppressed Zensus cells) and municipal values may be missing
    for municipalities without data; the stabilised cell-level values may not.
    """
    county = counties.county(context.partition_key)
    catalog = county_catalog(
        parse_options(county.options, base_dir=Path(counties.config_path).parent))
    out_of_range, missing = {}, {}
    for indicator in catalog:
        if indicator.key not in cell_indicators.columns:
            continue
        values = cell_indicators[indicator.key].to_numpy(np.float64)
        if indicator.unit == _SHARE_UNIT:
            bad = int(((values < 0) | (values > 1)).sum())
            if bad:
                out_of_range[indicator.key] = bad
        if indicator.level == "cell" and np.isnan(values).any():
            missing[indicator.key] = int(np.isnan(values).sum())
    return AssetCheckResult(
        passed=not out_of_range and not missing, severity=AssetCheckSeverity.ERROR,
        metadata={"out_of_range": MetadataValue.json(out_of_range),
                  "missing": MetadataValue.json(missing), "indicators": len(catalog)})


@asset_check(
    asset="county_boundary", blocking=True,
    additional_ins={"municipalities": AssetIn("municipalities"), "barriers": AssetIn("barriers")},
    description=f"County, municipalities and barriers in {VG250_CRS}.",
)
def crs_as_expected(
    county_boundary: gpd.GeoDataFrame, municipalities: gpd.GeoDataFrame,
    barriers: gpd.GeoDataFrame,
) -> AssetCheckResult:
    """The county geodata carry the expected CRS (EPSG:25832, as VG250)."""
    found = {name: (frame.crs.to_string() if frame.crs is not None else "none")
             for name, frame in (("county_boundary", county_boundary),
                                 ("municipalities", municipalities), ("barriers", barriers))}
    passed = all(crs == VG250_CRS for crs in found.values())
    return AssetCheckResult(passed=passed, severity=AssetCheckSeverity.ERROR,
                            metadata={"expected": VG250_CRS, **found})
