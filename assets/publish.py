"""Publish: the social-space GeoPackage for QGIS, written atomically."""


import geopandas as gpd
import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from assets.partitions import county_partitions
from assets.resources import CountiesResource
from pipeline.cells import GRID_CRS
from pipeline.geopackage import publish_geopackage
from pipeline.sozialraeume import OUTPUT_CRS, cell_squares, region_ids, region_polygons

GROUP = "publish"


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopackage"})
def sozialraeume_gpkg(
    context: AssetExecutionContext,
    counties: CountiesResource,
    zensus_cells: pd.DataFrame,
    cell_indicators: pd.DataFrame,
    cell_regions: pd.DataFrame,
    municipalities: gpd.GeoDataFrame,
    county_boundary: gpd.GeoDataFrame,
) -> MaterializeResult:
    """``data/processed/<county>/sozialraeume.gpkg`` with social spaces, cells and boundaries."""
    county = counties.county(context.partition_key)
    labels = cell_regions["region"].to_numpy()
    regions = region_polygons(zensus_cells, labels)
    regions.insert(0, "sr_id", region_ids(regions["region"].to_numpy(), county.ags))
    cells = gpd.GeoDataFrame(
        {
            "cell_id": zensus_cells["cell_id"],
            "sr_id": region_ids(labels, county.ags),
            "einwohner": zensus_cells["Einwohner"],
            "ags": zensus_cells["ags"],
        },
        geometry=cell_squares(zensus_cells["x"], zensus_cells["y"]),
        crs=GRID_CRS,
    ).to_crs(OUTPUT_CRS)
    path = counties.output_dir(context.partition_key) / "sozialraeume.gpkg"
    publish_geopackage(
        path,
        {
            "sozialraeume": regions,
            "zellen": cells,
            "gemeinden": municipalities.to_crs(OUTPUT_CRS),
            "kreis": county_boundary.to_crs(OUTPUT_CRS),
        },
        descriptions={
            "sozialraeume": f"Sozialräume {county.name}",
            "zellen": "Zensus-2022-Gitterzellen (100 m) mit Sozialraum",
            "gemeinden": "Gemeinden (VG250)",
            "kreis": "Kreisgrenze (VG250)",
        },
    )
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "regions": len(regions),
            "residents": float(regions["einwohner"].sum()),
        }
    )
