"""Regions: contiguous, population-bounded social spaces drawn across municipal borders.

``cell_regions`` runs :func:`pipeline.operations.refresh.draw_county_regions` and hands on
two assets: the social space of every cell, with the run's parameters, fingerprint, IDs and
figures in the table itself (read back with :meth:`CountyRegions.from_frame`), and
``cell_graph``, the contiguity graph it was drawn on, so the checks judge the partition on
the same graph and nothing downstream asks for "the latest metadata". The checks sit here,
beside the asset they check; ``region_profiles`` profiles every social space.
"""

import dataclasses
import os

import geopandas as gpd
import numpy as np
import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetIn,
    AssetOut,
    Config,
    MetadataValue,
    Output,
    asset,
    asset_check,
    multi_asset,
)
from pydantic import Field

from assets.errors import reported
from assets.indicators import summary_markdown
from assets.metadata import frame_metadata, table_preview
from assets.partitions import county_partitions
from assets.resources import CountiesResource
from pipeline.indicators import (
    STATUS_CLASSES,
    Catalog,
    add_types,
    build_profiles,
    build_typology,
    weight_columns,
)
from pipeline.operations import CountyRegions, draw_county_regions, load_published
from pipeline.operations.changes import change_summary
from pipeline.publish.previews import regions_preview_markdown
from pipeline.readers import unit_shapes
from pipeline.regionalization import (
    RegionParameters,
    graph_from_table,
    graph_table,
    partition_report,
)

GROUP = "regions"

#: Share of residents changing social space above which the stability check warns;
#: ``$SOZIALRAUM_MAX_CHANGED_SHARE`` overrides it.
DEFAULT_MAX_CHANGED_SHARE = 0.2

_DEFAULTS = RegionParameters()


class RegionConfig(Config):
    """Run parameters an analyst can change in the launchpad.

    Values left unset (``null``) come from the county configuration (``parameters:`` of the
    county in ``counties.yaml``); an empty ``indicator_weights`` keeps the catalog weights.
    """

    min_population: int | None = Field(
        default=None, description="Floor of residents per social space (default "
        f"{_DEFAULTS.min_population} unless the county sets one).")
    max_population: int | None = Field(
        default=None, description="Cap of residents per social space (default "
        f"{_DEFAULTS.max_population} unless the county sets one).")
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
        default=None, description="Keep social spaces within municipal borders (default "
        f"{str(_DEFAULTS.nested).lower()}).")
    bridge_distance: float | None = Field(
        default=None, description="Metres up to which separated settlements are joined "
        f"(default {_DEFAULTS.bridge_distance:g}).")
    barrier_weight: float | None = Field(
        default=None, description="Extra cost factor of a grid edge crossing a barrier line "
        f"(default {_DEFAULTS.barrier_weight:g}).")
    compactness_weight: float | None = Field(
        default=None, description="Weight of compactness in the local search (0 = off; "
        f"default {_DEFAULTS.compactness_weight:g}).")
    seed: int | None = Field(
        default=None, description=f"Seed of every random choice (default {_DEFAULTS.seed}).")
    warm_start: bool = Field(
        default=True, description="Start from the last published social spaces (maintain "
        "them, or start the redraw from them); false draws everything cold.")
    redraw: bool = Field(
        default=False, description="Draw every social space again. By default (maintenance "
        "mode) every published social space that still fits is kept unchanged and only the "
        "others are repaired; frozen spaces and locks hold either way.")

    def apply(self, base: RegionParameters) -> RegionParameters:
        """The county's parameters with the values set here replacing them."""
        known = set(base.__dataclass_fields__)
        changes = {k: v for k, v in self.model_dump().items() if v is not None and k in known}
        if self.max_p:
            changes["n_regions"] = None
        return base.replace(**changes)


@multi_asset(
    name="cell_regions",
    group_name=GROUP,
    partitions_def=county_partitions,
    outs={
        "cell_regions": AssetOut(
            kinds={"numpy"},
            description="The social space of every populated cell: ``region`` (0..k-1) and "
                        "stable ``sr_id``, with the run's parameters and figures in the table."),
        "cell_graph": AssetOut(
            kinds={"numpy"},
            description="Contiguity graph of the populated cells the social spaces were "
                        "drawn on, one row per edge (cost, bridge)."),
    },
)
@reported
def cell_regions(
    context: AssetExecutionContext,
    config: RegionConfig,
    counties: CountiesResource,
    zensus_cells: pd.DataFrame,
    clustering_matrix: pd.DataFrame,
    barriers: gpd.GeoDataFrame,
    unit_polygons: gpd.GeoDataFrame,
    locks: gpd.GeoDataFrame,
):
    """The social space of every populated cell, and the graph it was drawn on.

    Maintenance mode (the default once published): every published social space that
    still fits is kept, the others are repaired; ``redraw`` draws them all again. Frozen
    spaces (``freeze:``) and the planners' locks hold either way; ``sr_id`` keeps the
    published ID of kept spaces and of every region matched by residents in common; the
    change log says what changed and why.
    """
    key = context.partition_key
    county = counties.county(key)
    params = config.apply(county.parameters)
    features = (
        weight_columns(clustering_matrix, config.indicator_weights)
        .set_index("cell_id").loc[zensus_cells["cell_id"]].to_numpy(np.float64)
    )
    shapes = unit_shapes(unit_polygons, zensus_cells)
    regions, graph = draw_county_regions(
        zensus_cells, features, params, county_ags=county.ags, barriers=barriers,
        published=load_published(counties.layout(key).published),
        warm_start=config.warm_start, polygons=shapes, locks=locks, freeze=county.freeze,
        redraw=config.redraw)
    frame = regions.to_frame()
    meta = frame_metadata(frame) | {
        k: (float(v) if isinstance(v, float) else v) for k, v in regions.quality.items()
    }
    meta["parameters"] = MetadataValue.json(dataclasses.asdict(params))
    meta["fingerprint"] = regions.fingerprint
    meta["reused_published"] = regions.reused_published
    meta["warm_start"] = regions.warm_started
    meta["max_issued"] = regions.max_issued
    meta |= {f"stability/{k}": v for k, v in regions.stability.as_dict().items()}
    meta["mode"] = regions.mode
    meta["locked_cells"] = int(regions.cells["fixiert"].sum())
    meta |= {f"changes/{k}": v for k, v in change_summary(regions.changes).items()}
    changed = regions.changes[~regions.changes["aenderung"].isin(["unverändert"])]
    meta["changes"] = MetadataValue.md(
        changed[["sr_id", "aenderung", "einwohner_abgegeben", "einwohner_aufgenommen", "an",
                 "von", "grund"]].to_markdown(index=False, floatfmt=".0f")
        if len(changed) else "Alle Sozialräume unverändert.")
    meta["map"] = MetadataValue.md(regions_preview_markdown(
        zensus_cells, regions.labels, polygons=shapes, sr_ids=regions.sr_ids()))
    yield Output(frame, output_name="cell_regions", metadata=meta)
    edges = graph_table(graph)
    yield Output(edges, output_name="cell_graph", metadata={
        "dagster/row_count": len(edges), "units": graph.n, "edges": graph.n_edges,
        "components": graph.n_components, "bridges": int(edges["bridge"].sum()),
        "barrier_edges": int((edges["cost"] > 1).sum())})


@asset_check(
    asset="cell_regions", blocking=True,
    additional_ins={"zensus_cells": AssetIn("zensus_cells"), "cell_graph": AssetIn("cell_graph")},
    description="Every populated cell in exactly one region; every region one connected piece.",
)
def regions_are_a_valid_partition(
    zensus_cells: pd.DataFrame, cell_regions: pd.DataFrame, cell_graph: pd.DataFrame
) -> AssetCheckResult:
    """Every populated cell in exactly one region; every region one connected piece.

    Contiguity is judged on the graph the regions were drawn on (``cell_graph``: bridges,
    nesting and barriers of the run's parameters); the population bounds are checked by
    ``regions_within_bounds``.
    """
    regions = CountyRegions.from_frame(cell_regions)
    merged = zensus_cells[["cell_id"]].merge(regions.cells, on="cell_id", how="left")
    labels = merged["region"].fillna(-1).to_numpy(np.int64)
    report = partition_report(
        graph_from_table(cell_graph), labels, zensus_cells["Einwohner"].to_numpy(float),
        regions.parameters.min_population,
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


@asset_check(
    asset="cell_regions", blocking=True, additional_ins={"zensus_cells": AssetIn("zensus_cells")},
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
    asset="cell_regions", blocking=True, additional_ins={"zensus_cells": AssetIn("zensus_cells")},
    description="Every social space within the floor and cap of residents used for the run.",
)
def regions_within_bounds(
    zensus_cells: pd.DataFrame, cell_regions: pd.DataFrame
) -> AssetCheckResult:
    """Residents per region between the run's ``min_population`` and ``max_population``.

    A region of one cell above the cap cannot be split and is only reported; a frozen
    social space (``freeze:``) is kept as published whatever the bounds and is reported.
    """
    regions = CountyRegions.from_frame(cell_regions)
    params = regions.parameters
    floor = float(params.min_population)
    cap = None if params.max_population is None else float(params.max_population)
    merged = cell_regions.merge(zensus_cells[["cell_id", "Einwohner"]], on="cell_id")
    log = regions.changes
    frozen = set(log.loc[log["aenderung"] == "eingefroren", "sr_id"])
    sr_ids = merged.groupby("region")["sr_id"].first()
    is_frozen = sr_ids.isin(frozen)
    grouped = merged.groupby("region")["Einwohner"]
    residents, cells = grouped.sum(), grouped.size()
    outside = (residents < floor) | ((residents > cap) if cap is not None else False)
    frozen_outside = sorted(sr_ids[is_frozen & outside])
    residents, cells = residents[~is_frozen], cells[~is_frozen]
    below = int((residents < floor).sum())
    over = residents > cap if cap is not None else residents < 0
    # a single cell above the cap cannot be split: reported, not failed
    above, single = int((over & (cells > 1)).sum()), int((over & (cells == 1)).sum())
    return AssetCheckResult(
        passed=below == 0 and above == 0, severity=AssetCheckSeverity.ERROR,
        metadata={"regions": len(residents), "below_floor": below, "above_cap": above,
                  "single_cells_above_cap": single,
                  "frozen_outside_bounds": MetadataValue.json(frozen_outside),
                  "min_residents": float(residents.min()), "max_residents": float(residents.max()),
                  "floor": floor, "cap": cap if cap is not None else -1.0})


@asset_check(
    asset="cell_regions", blocking=False,
    description="Warns when more residents than a set share changed social space.",
)
def social_spaces_stable(cell_regions: pd.DataFrame) -> AssetCheckResult:
    """Share of residents whose social-space ID changed since the last publish.

    The threshold is ``$SOZIALRAUM_MAX_CHANGED_SHARE`` (default 0.2).
    """
    limit = float(os.environ.get("SOZIALRAUM_MAX_CHANGED_SHARE", DEFAULT_MAX_CHANGED_SHARE))
    stability = CountyRegions.from_frame(cell_regions).stability
    return AssetCheckResult(
        passed=stability.changed_share <= limit, severity=AssetCheckSeverity.WARN,
        metadata={"changed_share": float(stability.changed_share), "limit": limit,
                  "residents_changed": float(stability.residents_changed),
                  "new_regions": int(stability.new),
                  "retired_regions": int(stability.retired)})


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"pandas"})
@reported
def region_profiles(
    context: AssetExecutionContext,
    counties: CountiesResource,
    cell_indicators: pd.DataFrame,
    cell_regions: pd.DataFrame,
) -> Output[pd.DataFrame]:
    """Profile of every social space: indicators, ranks, z, social index, need class, type.

    ``social_index`` is the one social index (standardized, higher = more need), ``status``
    its class; ``typ`` and ``typ_name`` the space's type in the typology of the profiles
    (:func:`pipeline.indicators.build_typology`).
    """
    catalog = counties.catalog(context.partition_key)
    regions = CountyRegions.from_frame(cell_regions)
    profiles = build_profiles(
        cell_indicators, regions.labels_for(cell_indicators["cell_id"].to_numpy()), catalog)
    profiles.insert(0, "sr_id", regions.sr_ids()[profiles["region"].to_numpy()])
    typology = build_typology(profiles, catalog)
    profiles = add_types(profiles, typology)
    keys = [k for k in catalog.keys if k in profiles.columns]
    summary = _profile_summary(profiles, keys, catalog)
    status = profiles["status"].value_counts().reindex(list(STATUS_CLASSES), fill_value=0)
    meta = frame_metadata(profiles, catalog) | {
        "summary": MetadataValue.md(summary_markdown(summary)),
        "status_classes": MetadataValue.json({k: int(v) for k, v in status.items()}),
        "regions": len(profiles),
        "preview": table_preview(
            profiles[["sr_id", "residents", "social_index", "status", "typ", "typ_name",
                      *keys[:4]]]),
        "types": MetadataValue.md(typology.table[
            ["typ", "typ_name", "sozialraeume", "einwohner", "beschreibung", "merkmale"]]
            .to_markdown(index=False, floatfmt=".0f")),
        "typology/k": typology.k,
        "typology/silhouettes": MetadataValue.json(
            {str(k): round(v, 4) for k, v in typology.silhouettes.items()}),
    }
    meta |= {f"median/{key}": float(v) for key, v in summary["median"].items() if np.isfinite(v)}
    if typology.k in typology.silhouettes:
        meta["typology/silhouette"] = float(typology.silhouettes[typology.k])
    return Output(profiles, metadata=meta)


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
