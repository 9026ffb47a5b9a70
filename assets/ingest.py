"""Ingest: the county's raw files read and validated, cut to the county."""


import geopandas as gpd
import pandas as pd
from dagster import AssetExecutionContext, Output, asset

from assets._meta import frame_metadata
from assets.partitions import county_partitions
from assets.resources import CountiesResource
from pipeline.barriers import read_barriers
from pipeline.bundesagentur import read_sgb2
from pipeline.cells import GRID_CRS, assign_municipality, join_topics
from pipeline.genesis import read_income
from pipeline.vg250 import read_county, read_municipalities
from pipeline.zensus import read_zensus

GROUP = "ingest"


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopandas"})
def county_boundary(
    context: AssetExecutionContext, counties: CountiesResource
) -> Output[gpd.GeoDataFrame]:
    """The county's outline from VG250 (layer ``vg250_krs``), EPSG:25832."""
    county = counties.county(context.partition_key)
    frame = read_county(county.vg250, county.ags)
    return Output(
        frame, metadata=frame_metadata(frame) | {"area_km2": float(frame.area.sum() / 1e6)}
    )


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopandas"})
def municipalities(
    context: AssetExecutionContext, counties: CountiesResource
) -> Output[gpd.GeoDataFrame]:
    """The county's municipalities from VG250 (``vg250_gem``, GF=4, dissolved by AGS)."""
    county = counties.county(context.partition_key)
    frame = read_municipalities(county.vg250, county.ags)
    return Output(frame, metadata=frame_metadata(frame))


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"duckdb", "pandas"})
def zensus_cells(
    context: AssetExecutionContext,
    counties: CountiesResource,
    county_boundary: gpd.GeoDataFrame,
    municipalities: gpd.GeoDataFrame,
) -> Output[pd.DataFrame]:
    """Every configured Zensus topic joined per populated 100 m cell of the county."""
    county = counties.county(context.partition_key)
    area = county_boundary.to_crs(GRID_CRS).geometry.union_all()
    topics = {topic: read_zensus(path, area=area) for topic, path in county.zensus.items()}
    cells = join_topics(topics)
    cells.insert(3, "ags", assign_municipality(cells["x"], cells["y"], municipalities))
    meta = frame_metadata(cells) | {
        "residents": float(cells["Einwohner"].sum()),
        "topics": len(topics),
    }
    return Output(cells, metadata=meta)


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"pandas"})
def municipal_income(
    context: AssetExecutionContext, counties: CountiesResource
) -> Output[pd.DataFrame]:
    """Income tax statistics per municipality (GENESIS 73111-01-01-5)."""
    county = counties.county(context.partition_key)
    frame = _in_county(read_income(county.income), county.ags) if county.income else _empty()
    return Output(frame, metadata=frame_metadata(frame))


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"pandas"})
def municipal_sgb2(
    context: AssetExecutionContext, counties: CountiesResource
) -> Output[pd.DataFrame]:
    """SGB II (Bürgergeld) and unemployment counts per municipality (Bundesagentur für Arbeit)."""
    county = counties.county(context.partition_key)
    frame = _in_county(read_sgb2(county.sgb2), county.ags) if county.sgb2 else _empty()
    return Output(frame, metadata=frame_metadata(frame))


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopandas"})
def barriers(
    context: AssetExecutionContext, counties: CountiesResource
) -> Output[gpd.GeoDataFrame]:
    """Barrier lines (main roads, railways, rivers) that boundaries should prefer to follow."""
    county = counties.county(context.partition_key)
    if county.barriers is None:
        frame = gpd.GeoDataFrame({"kind": [], "name": []}, geometry=[], crs="EPSG:25832")
    else:
        frame = read_barriers(county.barriers)
    return Output(frame, metadata=frame_metadata(frame))


def _in_county(frame: pd.DataFrame, county_ags: str) -> pd.DataFrame:
    return frame.loc[frame["ags"].str.startswith(county_ags)].reset_index(drop=True)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"ags": pd.Series(dtype=str)})


__all__ = [
    "barriers",
    "county_boundary",
    "municipal_income",
    "municipal_sgb2",
    "municipalities",
    "zensus_cells",
]
