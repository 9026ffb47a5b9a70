"""Publish: social-space polygons, the styled GeoPackage, QML files, exports and report.

``sozialraum_polygons`` draws the polygons that tile the county, with stable IDs and names
(published names kept for kept IDs); the blocking check ``polygons_tile_county`` stops the
run before anything is written when they are invalid or do not tile the county.
``sozialraeume_gpkg`` then lets :func:`pipeline.sozialraeume.build_publication` assemble
layers, styles and metadata, writes them (each file atomically) and reports paths, quality
figures, a map preview and the profiles table in the Dagster UI.
"""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetIn,
    Config,
    MaterializeResult,
    MetadataValue,
    Output,
    asset,
    asset_check,
)

from assets._meta import frame_metadata, run_parameters
from assets.partitions import county_partitions
from assets.resources import CountiesResource
from pipeline.exports import write_geojson, write_profiles_csv
from pipeline.geopackage import LayerStyle, publish_geopackage
from pipeline.indicators import county_catalog, parse_options
from pipeline.maps import preview_markdown, render_map
from pipeline.regions import report_regions
from pipeline.report import write_report
from pipeline.sozialraeume import build_publication, measure_tiling, social_space_polygons
from pipeline.stability import load_published, published_dir
from pipeline.styles import write_qml

GROUP = "publish"


class PolygonConfig(Config):
    """How the social-space polygons are drawn (launchpad).

    Attributes
    ----------
    simplify : float, default 100
        Boundary smoothing tolerance in metres (0 = the 100 m staircase).
    """

    simplify: float = 100.0


class PublishConfig(Config):
    """Publishing options an analyst can change in the launchpad.

    Attributes
    ----------
    language : {"de", "en"}, default "de"
        Language of the report.
    """

    language: str = "de"


def _labels_and_ids(zensus_cells: pd.DataFrame, cell_regions: pd.DataFrame):
    """Region label per populated cell (in ``zensus_cells`` order) and ``sr_id`` per label."""
    merged = zensus_cells[["cell_id"]].merge(
        cell_regions, on="cell_id", how="left", validate="one_to_one")
    labels = merged["region"].to_numpy(np.int64)
    sr_ids = (merged.drop_duplicates("region").set_index("region")["sr_id"]
              .reindex(range(int(labels.max()) + 1)).to_numpy())
    return labels, sr_ids


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopandas"})
def sozialraum_polygons(
    context: AssetExecutionContext,
    config: PolygonConfig,
    counties: CountiesResource,
    zensus_cells: pd.DataFrame,
    cell_regions: pd.DataFrame,
    municipalities: gpd.GeoDataFrame,
    county_boundary: gpd.GeoDataFrame,
) -> Output[gpd.GeoDataFrame]:
    """One polygon per social space, tiling the county, with its stable ID and name.

    Social spaces that kept their ID keep their published name too; the tiling is measured
    here and judged by the blocking check ``polygons_tile_county``.
    """
    key = context.partition_key
    county = counties.county(key)
    labels, sr_ids = _labels_and_ids(zensus_cells, cell_regions)
    published = load_published(published_dir(counties.processed_root, key))
    kept = published.names if published is not None else {}
    polygons, tiling = social_space_polygons(
        zensus_cells, labels, county_boundary, municipalities, county_ags=county.ags,
        sr_ids=sr_ids, kept_names=kept, simplify=config.simplify, enforce=False)
    names_kept = int(sum(kept.get(i) == n for i, n in zip(polygons["sr_id"], polygons["name"],
                                                          strict=True)))
    meta = frame_metadata(polygons.drop(columns="geometry")) | {
        f"tiling/{k}": float(v) for k, v in tiling.as_dict().items()}
    meta["tiling_problems"] = MetadataValue.json(tiling.problems())
    meta["names_kept"] = names_kept
    return Output(polygons, metadata=meta)


@asset_check(
    asset=sozialraum_polygons, blocking=True,
    additional_ins={"zensus_cells": AssetIn("zensus_cells"),
                    "cell_regions": AssetIn("cell_regions"),
                    "county_boundary": AssetIn("county_boundary")},
    description="Polygons valid, one per social space, tiling the county without gaps or "
                "overlaps.",
)
def polygons_tile_county(
    sozialraum_polygons: gpd.GeoDataFrame,
    zensus_cells: pd.DataFrame,
    cell_regions: pd.DataFrame,
    county_boundary: gpd.GeoDataFrame,
) -> AssetCheckResult:
    """Every polygon valid, the polygons a valid coverage whose union is the county.

    Gaps, parts outside the county and overlaps may add up to 1 m² per km² of county
    area (rounding of the reprojection); one polygon per social space, IDs as assigned.
    """
    labels, sr_ids = _labels_and_ids(zensus_cells, cell_regions)
    simplify = float(sozialraum_polygons.attrs.get("simplify", 0.0))
    one_each = (sozialraum_polygons["region"].tolist() == list(range(len(sr_ids)))
                and sozialraum_polygons["sr_id"].tolist() == list(sr_ids))
    report = measure_tiling(sozialraum_polygons.geometry.values, zensus_cells, labels,
                            county_boundary, simplify=simplify, enforce=False) if one_each \
        else None
    problems = ["polygons are not one per social space in label order"] if report is None \
        else report.problems()
    metadata = {"problems": MetadataValue.json(problems), "one_per_social_space": one_each}
    if report is not None:
        metadata |= {k: float(v) for k, v in report.as_dict().items()}
    return AssetCheckResult(passed=not problems, severity=AssetCheckSeverity.ERROR,
                            metadata=metadata)


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopackage", "html"})
def sozialraeume_gpkg(
    context: AssetExecutionContext,
    config: PublishConfig,
    counties: CountiesResource,
    zensus_cells: pd.DataFrame,
    cell_indicators: pd.DataFrame,
    clustering_matrix: pd.DataFrame,
    cell_regions: pd.DataFrame,
    region_profiles: pd.DataFrame,
    sozialraum_polygons: gpd.GeoDataFrame,
    municipalities: gpd.GeoDataFrame,
    county_boundary: gpd.GeoDataFrame,
    barriers: gpd.GeoDataFrame,
) -> MaterializeResult:
    """``sozialraeume.gpkg`` (styled), ``.qml`` files, ``profile.csv``, GeoJSON and report."""
    key = context.partition_key
    county = counties.county(key)
    options = parse_options(county.options, base_dir=Path(counties.config_path).parent)
    catalog = county_catalog(options)
    labels, _ = _labels_and_ids(zensus_cells, cell_regions)
    params = run_parameters(context, county.parameters, key)
    quality = _quality(zensus_cells, labels, clustering_matrix, barriers, params)
    pub = build_publication(
        county_name=county.name, county_ags=county.ags, cells=zensus_cells, labels=labels,
        cell_indicators=cell_indicators, profiles=region_profiles, catalog=catalog,
        municipalities=municipalities, county=county_boundary, barriers=barriers,
        parameters=dict(params.__dict__), quality=quality,
        input_files=county.input_files(), polygons=sozialraum_polygons,
    )
    out = counties.output_dir(key)
    gpkg = publish_geopackage(
        out / "sozialraeume.gpkg", pub.layers, descriptions=pub.descriptions,
        styles={name: LayerStyle(name, qml, "Standardstil") for name, qml in pub.qml.items()},
    )
    written = {"gpkg": gpkg}
    written |= {f"qml_{name}": write_qml(qml, out / f"{name}.qml")
                for name, qml in pub.qml.items()}
    written["csv"] = write_profiles_csv(pub.regions, out / "profile.csv")
    written["geojson"] = write_geojson(
        pub.regions[["sr_id", "name", "gemeinden", "einwohner", "flaeche_km2", "social_index",
                     "social_index_z", "status", "status_class", "farbe", "geometry"]],
        out / "sozialraeume.geojson")
    written["report"] = write_report(
        out / "sozialraumbericht.html", pub, catalog, municipalities, county_boundary,
        county_name=county.name, language=config.language)
    return MaterializeResult(metadata=_metadata(pub, written))


def _quality(cells, labels, matrix, barriers, params) -> dict:
    features = matrix.set_index("cell_id").loc[cells["cell_id"]].to_numpy(np.float64)
    return report_regions(cells, labels, features, params, barriers=barriers).as_dict()


def _metadata(pub, written: dict) -> dict:
    regions = pub.regions
    preview = render_map(regions, colors=regions["farbe"], width_px=480, dpi=80)
    table = regions[["sr_id", "name", "einwohner", "flaeche_km2", "social_index", "status"]]
    meta = {f"path/{k}": MetadataValue.path(str(v)) for k, v in written.items()}
    meta |= {f"size_kb/{k}": round(Path(v).stat().st_size / 1024, 1) for k, v in written.items()}
    meta |= {
        "dagster/row_count": len(regions),
        "map": MetadataValue.md(preview_markdown(preview, "Sozialräume")),
        "profiles": MetadataValue.md(table.to_markdown(index=False, floatfmt=".2f")),
        "regions": len(regions),
        "residents": float(regions["einwohner"].sum()),
    }
    meta |= {f"tiling/{k}": float(v) for k, v in pub.tiling.as_dict().items()}
    meta |= {f"quality/{k}": float(v) for k, v in pub.metadata["qualitaet"].items()
             if isinstance(v, int | float | bool)}
    return meta
