"""Publish: social-space polygons and their check, the styled GeoPackage, QML, exports, report.

``sozialraum_polygons`` draws the polygons that tile the county, with stable IDs and names
(published names kept for kept IDs); the blocking check ``polygons_tile_county`` stops the
run before anything is written when they are invalid or do not tile the county.
``sozialraeume_gpkg`` then lets :func:`pipeline.publish.build_publication` assemble
layers, styles and metadata, writes them (each file atomically) and reports paths, quality
figures, a map preview and the profiles table in the Dagster UI. Both read the run's
parameters, IDs and quality from ``cell_regions`` itself.
"""

import dataclasses
from datetime import UTC, datetime
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

from assets.errors import reported
from assets.metadata import frame_metadata
from assets.partitions import county_partitions
from assets.resources import CountiesResource
from pipeline.crs import COUNTY_CRS
from pipeline.layout import CountyLayout
from pipeline.operations import (
    CountyRegions,
    load_published,
    numeric_figures,
    read_profiles,
    read_runs,
    save_published,
)
from pipeline.publish import (
    PROFILES_FILE,
    LayerStyle,
    Publication,
    PublishError,
    begin_release,
    build_publication,
    current_release,
    editing,
    measure_tiling,
    measure_unit_tiling,
    publish_geopackage,
    social_space_polygons,
    switch_release,
    write_atlas,
    write_geojson,
    write_profiles_csv,
    write_qml,
    write_release_record,
    write_report,
)
from pipeline.publish.facilities import FACILITY_LAYER, facility_qml
from pipeline.publish.previews import (
    spaces_preview_markdown,
    status_preview_markdown,
    types_preview_markdown,
)
from pipeline.publish.qgis_project import write_project

GROUP = "publish"

#: Columns of the GeoJSON export for web maps.
GEOJSON_COLUMNS = ("sr_id", "name", "gemeinden", "einwohner", "flaeche_km2", "social_index",
                   "status", "status_class", "typ", "typ_name", "farbe", "geometry")


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
    atlas_public : bool, default False
        Publish the public edition of the atlas (``sozialraumatlas.html`` without the
        indicators the catalog marks ``internal: true``).
    report_pdf : bool, default True
        Write the report as an A4 PDF too (``sozialraumbericht.pdf``, WeasyPrint; about a
        second per social space on 2 cores).
    """

    language: str = "de"
    atlas_public: bool = False
    report_pdf: bool = True


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopandas"})
@reported
def sozialraum_polygons(
    context: AssetExecutionContext,
    config: PolygonConfig,
    counties: CountiesResource,
    zensus_cells: pd.DataFrame,
    cell_regions: pd.DataFrame,
    municipalities: gpd.GeoDataFrame,
    county_boundary: gpd.GeoDataFrame,
    unit_polygons: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
) -> Output[gpd.GeoDataFrame]:
    """One polygon per social space, tiling the county, with its stable ID and name.

    On polygon units (census blocks) a social space is the union of its whole units. With
    a place layer (``places:``) the names come from the places holding most residents,
    else from the municipalities.

    Social spaces that kept their ID keep their published name too; the tiling is measured
    here and judged by the blocking check ``polygons_tile_county``.
    """
    county = counties.county(context.partition_key)
    regions = CountyRegions.from_frame(cell_regions)
    kept = regions.kept_names
    published = load_published(counties.layout(context.partition_key).published)
    log = regions.changes
    still = set(log.loc[log["aenderung"].isin(["unverändert", "eingefroren"]), "sr_id"])
    shapes = {sr: g for sr, g in (published.shapes if published else {}).items()
              if sr in still}
    polygons, tiling = social_space_polygons(
        zensus_cells, regions.labels_for(zensus_cells["cell_id"].to_numpy()), county_boundary,
        municipalities, county_ags=county.ags, sr_ids=regions.sr_ids(), kept_names=kept,
        simplify=config.simplify, enforce=False, units=_units(unit_polygons),
        places=places if len(places) else None, keep_shapes=shapes)
    names_kept = int(sum(kept.get(i) == n for i, n in zip(polygons["sr_id"], polygons["name"],
                                                          strict=True)))
    meta = frame_metadata(polygons.drop(columns="geometry")) | {
        f"tiling/{k}": float(v) for k, v in tiling.as_dict().items()}
    meta["tiling_problems"] = MetadataValue.json(tiling.problems())
    meta["map"] = MetadataValue.md(spaces_preview_markdown(
        polygons, outlines=[municipalities, county_boundary]))
    meta["names_kept"] = names_kept
    meta["shapes_kept"] = len(shapes)
    meta["named_after"] = "places" if len(places) else "municipalities"
    return Output(polygons, metadata=meta)


@asset_check(
    asset=sozialraum_polygons, blocking=True,
    additional_ins={"zensus_cells": AssetIn("zensus_cells"),
                    "cell_regions": AssetIn("cell_regions"),
                    "county_boundary": AssetIn("county_boundary"),
                    "unit_polygons": AssetIn("unit_polygons")},
    description="Polygons valid, one per social space, tiling the county without gaps or "
                "overlaps.",
)
def polygons_tile_county(
    sozialraum_polygons: gpd.GeoDataFrame,
    zensus_cells: pd.DataFrame,
    cell_regions: pd.DataFrame,
    county_boundary: gpd.GeoDataFrame,
    unit_polygons: gpd.GeoDataFrame,
) -> AssetCheckResult:
    """Every polygon valid, the polygons a valid coverage whose union is the county.

    Gaps, parts outside the county and overlaps may add up to 1 m² per km² of county
    area (rounding of the reprojection); one polygon per social space, IDs as assigned.
    On polygon units the union must be the area the units cover.
    """
    regions = CountyRegions.from_frame(cell_regions)
    labels, sr_ids = regions.labels_for(zensus_cells["cell_id"].to_numpy()), regions.sr_ids()
    simplify = float(sozialraum_polygons.attrs.get("simplify", 0.0))
    one_each = (sozialraum_polygons["region"].tolist() == list(range(len(sr_ids)))
                and sozialraum_polygons["sr_id"].tolist() == list(sr_ids))
    units = _units(unit_polygons)
    if not one_each:
        report = None
    elif units is not None:
        report = measure_unit_tiling(sozialraum_polygons.geometry.values, units,
                                     enforce=False)
    else:
        report = measure_tiling(sozialraum_polygons.geometry.values, zensus_cells, labels,
                                county_boundary, simplify=simplify, enforce=False)
    problems = ["polygons are not one per social space in label order"] if report is None \
        else report.problems()
    metadata = {"problems": MetadataValue.json(problems), "one_per_social_space": one_each}
    if report is not None:
        metadata |= {k: float(v) for k, v in report.as_dict().items()}
    return AssetCheckResult(passed=not problems, severity=AssetCheckSeverity.ERROR,
                            metadata=metadata)


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopackage", "html"})
@reported
def sozialraeume_gpkg(
    context: AssetExecutionContext,
    config: PublishConfig,
    counties: CountiesResource,
    zensus_cells: pd.DataFrame,
    cell_indicators: pd.DataFrame,
    cell_regions: pd.DataFrame,
    region_profiles: pd.DataFrame,
    sozialraum_polygons: gpd.GeoDataFrame,
    municipalities: gpd.GeoDataFrame,
    county_boundary: gpd.GeoDataFrame,
    barriers: gpd.GeoDataFrame,
    unit_polygons: gpd.GeoDataFrame,
    locks: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
) -> MaterializeResult:
    """The publication as one unit: GeoPackage (styled), QML, CSV, GeoJSON, report, state.

    Everything is written into the run's release folder, then made current with one rename
    (:mod:`pipeline.publish.release`); a run that fails or is killed leaves the last
    publication whole. A GeoPackage someone is editing is not replaced.
    """
    key, run_id = context.partition_key, context.run.run_id
    county, layout = counties.county(key), counties.layout(key)
    _refuse_while_edited(layout)
    catalog = counties.catalog(key)
    regions = CountyRegions.from_frame(cell_regions)
    pub = build_publication(
        county_name=county.name, county_ags=county.ags, cells=zensus_cells,
        labels=regions.labels_for(zensus_cells["cell_id"].to_numpy()),
        cell_indicators=cell_indicators, profiles=region_profiles, catalog=catalog,
        municipalities=municipalities, county=county_boundary, barriers=barriers,
        parameters=dict(regions.parameters.__dict__), quality=regions.quality,
        input_files=county.input_files(), polygons=sozialraum_polygons,
        units=_units(unit_polygons), locks=locks, changes=regions.changes,
        locked=regions.cells.set_index("cell_id")["fixiert"].reindex(
            zensus_cells["cell_id"]).fillna(False).to_numpy(bool),
    )
    begin_release(layout, run_id)
    release = layout.release(run_id)
    atlas_inputs = {"cells": zensus_cells, "cell_indicators": cell_indicators,
                    "history": _history(layout, run_id), "facilities": facilities,
                    "internal": county.internal}
    written = _write(pub, release, catalog, municipalities, county_boundary,
                     county_name=county.name, language=config.language,
                     atlas_public=config.atlas_public, atlas_inputs=atlas_inputs,
                     report_pdf=config.report_pdf, previous=_current_folder(layout))
    previous = load_published(layout.published)
    save_published(
        release.published, regions.cells, fingerprint=regions.fingerprint,
        max_issued=max(regions.max_issued, previous.max_issued if previous else 0),
        run_id=run_id,
        names=dict(zip(sozialraum_polygons["sr_id"], sozialraum_polygons["name"], strict=True)),
        shapes=dict(zip(sozialraum_polygons["sr_id"],
                        sozialraum_polygons.to_crs(COUNTY_CRS).geometry.values, strict=True)),
        changes=regions.changes)
    region_profiles.to_parquet(release.folder / PROFILES_FILE, index=False)
    write_release_record(release.folder, {
        "run_id": run_id, "county": key,
        "parameters": dataclasses.asdict(regions.parameters),
        "quality": numeric_figures(regions.quality),
        "stability": regions.stability.as_dict(),
        "changes": regions.changes.to_dict(orient="records")})
    _refuse_while_edited(layout)  # an editor may have opened it meanwhile
    switch_release(layout, run_id, [*(p.name for p in written.values()), "published"],
                   published_at=datetime.now(UTC).isoformat(timespec="seconds"))
    published = {k: layout.folder / Path(v).name for k, v in written.items()}
    return MaterializeResult(metadata=_metadata(pub, published) | {
        "release": MetadataValue.path(str(release.folder))})


def _current_folder(layout: CountyLayout) -> Path | None:
    """The folder of the county's current release, None before the first publish."""
    current = current_release(layout)
    return None if current is None else layout.release(current).folder


def _history(layout: CountyLayout, run_id: str) -> pd.DataFrame | None:
    """Profiles of the county's earlier published runs in long form, for the atlas."""
    if not layout.history.exists():
        return None
    runs = read_runs(layout.history, layout.county)
    runs = runs.loc[runs["run_id"] != run_id]
    if not len(runs):
        return None
    parts = [read_profiles(layout.history, r, layout.county).assign(run_id=r, published_at=t)
             for r, t in zip(runs["run_id"], runs["published_at"], strict=True)]
    return pd.concat(parts, ignore_index=True)


def _units(unit_polygons: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    """The polygon units of a county drawn on them; None for a grid county."""
    return unit_polygons if len(unit_polygons) else None


def _refuse_while_edited(layout: CountyLayout) -> None:
    reason = editing(layout.geopackage)
    if reason is not None:
        raise PublishError(
            f"{layout.geopackage}: someone has the GeoPackage open for editing ({reason}); "
            "close it in QGIS (or publish under another name) and run again; the last "
            "publication stays as it is")


def _write(pub: Publication, layout: CountyLayout, catalog, municipalities, county_boundary,
           *, county_name: str, language: str,
           atlas_public: bool = False, atlas_inputs: dict | None = None,
           report_pdf: bool = True, previous: Path | None = None) -> dict[str, Path]:
    """Every published file into ``layout`` (a release folder); their paths by kind.

    ``previous`` is the current release's folder, whose PDF is reused for the same report.
    """
    atlas_inputs = atlas_inputs or {}
    layers, descriptions, qmls = dict(pub.layers), dict(pub.descriptions), dict(pub.qml)
    facilities = atlas_inputs.get("facilities")
    if facilities is not None and len(facilities):
        layers[FACILITY_LAYER] = facilities[["art", "art_text", "name", "geometry"]]
        descriptions[FACILITY_LAYER] = ("Einrichtungen (Kitas, Schulen, Jugendeinrichtungen) "
                                        "des Kreises als Punkte, Art vereinheitlicht")
        qmls[FACILITY_LAYER] = facility_qml()
    written = {"gpkg": publish_geopackage(
        layout.geopackage, layers, descriptions=descriptions,
        styles={name: LayerStyle(name, qml, "Standardstil") for name, qml in qmls.items()},
    )}
    written["qgz"] = write_project(layout.qgis_project, pub, geopackage=layout.geopackage.name,
                                   layers=layers, qml=qmls)
    written |= {f"qml_{name}": write_qml(qml, layout.qml(name)) for name, qml in qmls.items()}
    written["csv"] = write_profiles_csv(pub.regions, layout.profiles_csv)
    written["geojson"] = write_geojson(
        pub.regions[[c for c in GEOJSON_COLUMNS if c in pub.regions.columns]], layout.geojson)
    written["report"] = write_report(
        layout.report, pub, catalog, municipalities, county_boundary,
        county_name=county_name, language=language,
        pdf_path=layout.report_pdf if report_pdf else None, previous=previous)
    if report_pdf:
        written["report_pdf"] = layout.report_pdf
    written["atlas"] = write_atlas(
        layout.atlas, pub, catalog, municipalities, county_boundary,
        county_name=county_name, public=atlas_public, **atlas_inputs)
    return written


def _metadata(pub: Publication, written: dict) -> dict:
    regions = pub.regions
    outlines = [pub.layers[k] for k in ("gemeinden", "kreis") if k in pub.layers]
    table = regions[[c for c in ("sr_id", "name", "einwohner", "flaeche_km2", "social_index",
                                 "status", "typ", "typ_name") if c in regions.columns]]
    meta = {f"path/{k}": MetadataValue.path(str(v)) for k, v in written.items()}
    meta |= {f"size_kb/{k}": round(Path(v).stat().st_size / 1024, 1) for k, v in written.items()}
    meta |= {
        "dagster/row_count": len(regions),
        "map": MetadataValue.md(status_preview_markdown(regions, outlines)),
        "profiles": MetadataValue.md(table.to_markdown(index=False, floatfmt=".2f")),
        "regions": len(regions),
        "residents": float(regions["einwohner"].sum()),
    }
    if {"typ", "typ_name"} <= set(regions.columns) and regions["typ"].notna().any():
        meta["types_map"] = MetadataValue.md(types_preview_markdown(regions, outlines))
    meta |= {f"tiling/{k}": float(v) for k, v in pub.tiling.as_dict().items()}
    meta |= {f"quality/{k}": float(v) for k, v in pub.metadata["qualitaet"].items()
             if isinstance(v, int | float | bool)}
    if "kompaktheit" in regions.columns:
        # the GeoPackage's column (Polsby-Popper of the mapped polygon), as the report names
        # it; quality/compactness_* is the same quotient of the populated cells alone
        compact = regions["kompaktheit"].to_numpy(float)
        meta |= {"kompaktheit/mittel": float(np.nanmean(compact)),
                 "kompaktheit/min": float(np.nanmin(compact))}
    return meta
