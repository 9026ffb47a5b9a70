"""Scenarios: a county's named parameter sets drawn as proposals beside it, and compared.

Design: a scenario is a partition of its own (``sample.klein``, ``scenario_partitions``)
rather than a launchpad parameter, so every scenario has its own materializations, its
own folder and its own staleness in the UI, and the comparison takes all of a county's
scenario results as data through a many-to-one partition mapping (the IO manager loads
each mapped partition, :data:`assets.io_manager.EACH_PARTITION`). The county's inputs
(cells, features, indicators, boundaries, barriers) come from the county's assets through
a one-to-many mapping, so a scenario reuses the county's ingest and indicators and is
never drawn on other inputs.

- ``scenario_regions`` (partitioned by scenario) draws the scenario cold
  (:func:`pipeline.operations.scenarios.draw_scenario`: no warm start, no published IDs,
  IDs ``<name>-<nnn>``) and writes its styled GeoPackage and profiles CSV into
  ``<county>/szenarien/<name>/`` as a release of its own; it hands on the cells' social
  spaces and the polygons. The county's published state, history and IDs are neither read
  nor changed: scenarios are proposals, not publications.
- ``scenario_comparison`` (partitioned by county, for the counties with scenarios) compares
  them (:func:`pipeline.operations.scenarios.compare_scenarios`), writes
  ``szenarien/vergleich.csv`` and ``szenarien/vergleich.png`` and shows the table and the
  maps in the UI.

The assets are in the group ``scenarios``, outside ``sozialraum_job``, the nightly
schedule and the input sensor: a county's run stays what it was.
"""

import dataclasses
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetIn,
    AssetOut,
    MetadataValue,
    Output,
    asset,
    asset_check,
    multi_asset,
)

from assets.errors import reported
from assets.io_manager import EACH_PARTITION
from assets.jobs import SCENARIO_GROUP
from assets.metadata import frame_metadata
from assets.partitions import (
    county_to_comparison,
    county_to_scenarios,
    scenario_county_partitions,
    scenario_partitions,
    scenarios_to_county,
)
from assets.resources import CountiesResource
from pipeline.crs import COUNTY_CRS
from pipeline.errors import ConfigError, InputError
from pipeline.operations import CountyRegions, numeric_figures
from pipeline.operations.scenarios import (
    compare_scenarios,
    comparison_markdown,
    describe_changes,
    draw_scenario,
    scenario_key,
    scenario_publication,
    split_scenario_key,
    write_comparison,
    write_scenario,
)
from pipeline.publish.maps import preview_markdown, render_map, render_side_by_side
from pipeline.readers import unit_shapes

GROUP = SCENARIO_GROUP

#: The county assets a scenario is drawn and published from.
_COUNTY_INPUTS = ("zensus_cells", "clustering_matrix", "barriers", "unit_polygons",
                  "cell_indicators", "municipalities", "county_boundary", "places")


@multi_asset(
    name="scenario_regions",
    group_name=GROUP,
    partitions_def=scenario_partitions,
    ins={name: AssetIn(partition_mapping=county_to_scenarios()) for name in _COUNTY_INPUTS},
    outs={
        "scenario_regions": AssetOut(
            kinds={"numpy"},
            description="A scenario's social space of every populated cell (``region``, "
                        "``sr_id`` like ``gross-007``), with its parameters and figures."),
        "scenario_polygons": AssetOut(
            kinds={"geopandas"},
            description="A scenario's social spaces as polygons tiling the county, with "
                        "their profiles (the GeoPackage's ``sozialraeume`` layer)."),
    },
)
@reported
def scenario_regions(
    context: AssetExecutionContext,
    counties: CountiesResource,
    zensus_cells: pd.DataFrame,
    clustering_matrix: pd.DataFrame,
    barriers: gpd.GeoDataFrame,
    unit_polygons: gpd.GeoDataFrame,
    cell_indicators: pd.DataFrame,
    municipalities: gpd.GeoDataFrame,
    county_boundary: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
):
    """A scenario drawn cold and written to ``<county>/szenarien/<name>/`` as a proposal.

    GeoPackage (styled, layers as published) and ``profile.csv``, switched in together;
    nothing of the county's publication is read or changed.
    """
    county_key, name = split_scenario_key(context.partition_key)
    county = counties.county(county_key)
    if name not in county.scenarios:
        raise ConfigError(f"{counties.config_path}: county '{county_key}' has no scenario "
                          f"{name!r}; known: {sorted(county.scenarios)}")
    params = county.scenarios[name]
    features = (clustering_matrix.set_index("cell_id").loc[zensus_cells["cell_id"]]
                .to_numpy(np.float64))
    units = unit_polygons if len(unit_polygons) else None
    regions, _ = draw_scenario(
        name, zensus_cells, features, params, county_ags=county.ags, barriers=barriers,
        polygons=unit_shapes(unit_polygons, zensus_cells),
        municipality_names=dict(zip(municipalities["ags"], municipalities["name"],
                                    strict=True)))
    pub = scenario_publication(
        name, regions, county_name=county.name, county_ags=county.ags, cells=zensus_cells,
        cell_indicators=cell_indicators, catalog=counties.catalog(county_key),
        municipalities=municipalities, county=county_boundary, barriers=barriers,
        units=units, places=places, input_files=county.input_files())
    run_id = context.run.run_id
    written = write_scenario(
        counties.layout(county_key).scenario(name), pub, run_id=run_id,
        record={"run_id": run_id, "county": county_key, "scenario": name,
                "parameters": dataclasses.asdict(params),
                "quality": numeric_figures(regions.quality)},
        switched_at=datetime.now(UTC).isoformat(timespec="seconds"))
    meta = frame_metadata(regions.cells) | {
        f"quality/{k}": float(v) for k, v in numeric_figures(regions.quality).items()}
    meta |= {f"path/{k}": MetadataValue.path(str(v)) for k, v in written.items()}
    meta["regions"] = regions.n_regions
    meta["parameters"] = MetadataValue.json(dataclasses.asdict(params))
    meta["changes"] = describe_changes(params, county.parameters)
    meta["map"] = MetadataValue.md(preview_markdown(
        render_map(pub.regions, colors=pub.regions["farbe"], width_px=480, dpi=80),
        f"Szenario {name}"))
    yield Output(regions.to_frame(), output_name="scenario_regions", metadata=meta)
    yield Output(pub.regions, output_name="scenario_polygons",
                 metadata=frame_metadata(pub.regions.drop(columns="geometry")))


@asset_check(
    asset="scenario_regions", blocking=True,
    description="Every populated cell in a social space; each one piece, within the floor.",
)
def scenario_is_a_valid_partition(scenario_regions: pd.DataFrame) -> AssetCheckResult:
    """The scenario's partition as its draw measured it: assigned, contiguous, bounded."""
    quality = CountyRegions.from_frame(scenario_regions).quality
    figures = {k: int(quality.get(k, 0)) for k in
               ("unassigned_units", "noncontiguous_regions", "below_min", "above_max")}
    passed = figures["unassigned_units"] == figures["noncontiguous_regions"] \
        == figures["below_min"] == 0
    return AssetCheckResult(passed=passed, severity=AssetCheckSeverity.ERROR,
                            metadata=figures | {"regions": int(quality.get("n_regions", 0))})


@asset(
    group_name=GROUP,
    partitions_def=scenario_county_partitions,
    kinds={"pandas", "csv"},
    ins={
        "scenario_regions": AssetIn(partition_mapping=scenarios_to_county(),
                                    metadata={EACH_PARTITION: True}),
        "scenario_polygons": AssetIn(partition_mapping=scenarios_to_county(),
                                     metadata={EACH_PARTITION: True}),
        **{name: AssetIn(partition_mapping=county_to_comparison())
           for name in ("zensus_cells", "clustering_matrix", "municipalities",
                        "county_boundary")},
    },
)
@reported
def scenario_comparison(
    context: AssetExecutionContext,
    counties: CountiesResource,
    scenario_regions: dict[str, pd.DataFrame],
    scenario_polygons: dict[str, gpd.GeoDataFrame],
    zensus_cells: pd.DataFrame,
    clustering_matrix: pd.DataFrame,
    municipalities: gpd.GeoDataFrame,
    county_boundary: gpd.GeoDataFrame,
) -> Output[pd.DataFrame]:
    """A county's scenarios side by side: figures, agreement, maps (``szenarien/vergleich.*``).

    Sizes, R2, compactness and border crossings per scenario; per pair the adjusted Rand
    index over residents and the share of residents in the same social space
    (:mod:`pipeline.operations.scenarios` says how each is weighted).
    """
    key = context.partition_key
    county, layout = counties.county(key), counties.layout(key)
    names = [n for n in county.scenarios if scenario_key(key, n) in scenario_regions]
    cell_ids = zensus_cells["cell_id"].to_numpy()
    labels = {}
    for name in names:
        regions = CountyRegions.from_frame(scenario_regions[scenario_key(key, name)])
        if len(regions.cells) != len(cell_ids) or not np.isin(cell_ids, regions.cells[
                "cell_id"].to_numpy()).all():
            raise InputError(layout.scenario(name).step("scenario_regions"),
                             "drawn on other cells than the county's current ones: "
                             f"materialize scenario_regions for {scenario_key(key, name)} again")
        labels[name] = regions.labels_for(cell_ids)
    polygons = {name: scenario_polygons[scenario_key(key, name)] for name in names}
    table = compare_scenarios(
        labels, zensus_cells["Einwohner"].to_numpy(np.float64),
        municipality=zensus_cells["ags"].to_numpy(),
        features=clustering_matrix.set_index("cell_id").loc[cell_ids].to_numpy(np.float64),
        compactness={n: p["kompaktheit"].to_numpy(np.float64) for n, p in polygons.items()},
        parameters={n: describe_changes(county.scenarios[n], county.parameters)
                    for n in names})
    png = render_side_by_side(
        {f"{n}: {len(p)} Sozialräume": p.to_crs(COUNTY_CRS) for n, p in polygons.items()},
        outlines=[municipalities.to_crs(COUNTY_CRS), county_boundary.to_crs(COUNTY_CRS)])
    written = write_comparison(layout, table, png)
    meta = frame_metadata(table) | {
        "comparison": MetadataValue.md(comparison_markdown(table)),
        "map": MetadataValue.md(preview_markdown(png, "Szenarien nebeneinander")),
        "scenarios": MetadataValue.json(names),
    }
    meta |= {f"path/{k}": MetadataValue.path(str(v)) for k, v in written.items()}
    return Output(table.reset_index(), metadata=meta)
