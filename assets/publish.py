"""Publish: the styled GeoPackage, QML files, CSV/GeoJSON exports and the report of a county.

The asset reads its inputs, lets :func:`pipeline.sozialraeume.build_publication` assemble
layers, styles and metadata, writes them (each file atomically) and reports paths,
quality figures, a map preview and the profiles table in the Dagster UI.
"""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset

from assets.partitions import county_partitions
from assets.resources import CountiesResource
from pipeline.exports import write_geojson, write_profiles_csv
from pipeline.geopackage import LayerStyle, publish_geopackage
from pipeline.indicators import county_catalog, parse_options
from pipeline.maps import preview_markdown, render_map
from pipeline.quality import partition_report
from pipeline.regions import build_cell_graph
from pipeline.report import write_report
from pipeline.sozialraeume import build_publication
from pipeline.styles import write_qml

GROUP = "publish"


class PublishConfig(Config):
    """Publishing options an analyst can change in the launchpad.

    Attributes
    ----------
    simplify : float, default 100
        Boundary smoothing tolerance in metres (0 = the 100 m staircase).
    language : {"de", "en"}, default "de"
        Language of the report.
    """

    simplify: float = 100.0
    language: str = "de"


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
    municipalities: gpd.GeoDataFrame,
    county_boundary: gpd.GeoDataFrame,
    barriers: gpd.GeoDataFrame,
) -> MaterializeResult:
    """``sozialraeume.gpkg`` (styled), ``.qml`` files, ``profile.csv``, GeoJSON and report."""
    key = context.partition_key
    county = counties.county(key)
    options = parse_options(county.options, base_dir=Path(counties.config_path).parent)
    catalog = county_catalog(options)
    merged = zensus_cells[["cell_id"]].merge(
        cell_regions, on="cell_id", how="left", validate="one_to_one")
    labels = merged["region"].to_numpy()
    sr_ids = None  # stable IDs kept from the last publish, when the regions asset has them
    if "sr_id" in merged.columns:
        sr_ids = (merged.drop_duplicates("region").set_index("region")["sr_id"]
                  .reindex(range(int(labels.max()) + 1)).to_numpy())
    params = county.parameters
    quality = _quality(zensus_cells, labels, clustering_matrix, barriers, params)
    pub = build_publication(
        county_name=county.name, county_ags=county.ags, cells=zensus_cells, labels=labels,
        cell_indicators=cell_indicators, profiles=region_profiles, catalog=catalog,
        municipalities=municipalities, county=county_boundary, barriers=barriers,
        parameters=dict(params.__dict__), quality=quality,
        input_files=county.input_files(), simplify=config.simplify, sr_ids=sr_ids,
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
    graph = build_cell_graph(cells, params, barriers)
    features = matrix.set_index("cell_id").loc[cells["cell_id"]].to_numpy(np.float64)
    report = partition_report(
        graph, labels, cells["Einwohner"].to_numpy(float), params.min_population,
        params.max_population, features, cells=cells[["x", "y"]].to_numpy(np.float64),
        parent=cells["ags"].to_numpy())
    return report.as_dict()


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
