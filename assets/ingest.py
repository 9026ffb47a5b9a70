"""Ingest: the county's raw files read and validated, cut to the county; the CRS check."""

import geopandas as gpd
import numpy as np
import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetIn,
    MetadataValue,
    Output,
    asset,
    asset_check,
)

from assets.errors import reported
from assets.metadata import frame_metadata
from assets.partitions import county_partitions
from assets.resources import CountiesResource
from pipeline.crs import COUNTY_CRS, GRID_CRS
from pipeline.indicators import municipal_mismatches
from pipeline.layout import GEOPACKAGE, LOCK_LAYER
from pipeline.operations import County
from pipeline.readers import (
    assign_municipality,
    in_county,
    join_topics,
    no_barriers,
    no_facilities,
    no_places,
    no_units,
    read_barriers,
    read_county,
    read_facilities,
    read_income,
    read_locks,
    read_municipalities,
    read_places,
    read_sgb2,
    read_unit_layer,
    read_zensus_topics,
    unit_cells,
)

GROUP = "ingest"


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopandas"})
@reported
def county_boundary(
    context: AssetExecutionContext, counties: CountiesResource
) -> Output[gpd.GeoDataFrame]:
    """The county's outline from VG250 (layer ``vg250_krs``), EPSG:25832."""
    county = counties.county(context.partition_key)
    frame = read_county(county.vg250, county.ags, **_vg250_options(county, "county"))
    return Output(
        frame, metadata=frame_metadata(frame) | {"area_km2": float(frame.area.sum() / 1e6)}
    )


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopandas"})
@reported
def municipalities(
    context: AssetExecutionContext, counties: CountiesResource
) -> Output[gpd.GeoDataFrame]:
    """The county's municipalities from VG250 (``vg250_gem``, GF=4, dissolved by AGS)."""
    county = counties.county(context.partition_key)
    frame = read_municipalities(county.vg250, county.ags,
                                **_vg250_options(county, "municipalities"))
    return Output(frame, metadata=frame_metadata(frame))


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopandas"})
@reported
def unit_polygons(
    context: AssetExecutionContext, counties: CountiesResource
) -> Output[gpd.GeoDataFrame]:
    """The county's polygon units (census blocks) with their attributes; empty on the grid.

    A county whose entry gives ``units:`` is drawn on these instead of Zensus cells: the
    layer joined with its attribute table, the catalog's columns mapped from the county file.
    """
    county = counties.county(context.partition_key)
    if county.grid:
        return Output(no_units(), metadata={"dagster/row_count": 0, "grid": True})
    spec = county.units
    frame = read_unit_layer(spec.path, spec.id, spec.columns, layer=spec.layer, crs=spec.crs,
                            table=spec.table, table_key=spec.table_key,
                            table_sheet=spec.table_sheet, municipality=spec.municipality)
    frame = _named(frame, county)
    populated = frame["Einwohner"] > 0
    return Output(frame, metadata=frame_metadata(frame.drop(columns="geometry")) | {
        "grid": False, "units": len(frame), "populated_units": int(populated.sum()),
        "residents": float(frame["Einwohner"].sum())})


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"duckdb", "pandas"})
@reported
def zensus_cells(
    context: AssetExecutionContext,
    counties: CountiesResource,
    county_boundary: gpd.GeoDataFrame,
    municipalities: gpd.GeoDataFrame,
    unit_polygons: gpd.GeoDataFrame,
) -> Output[pd.DataFrame]:
    """The county's small units: every Zensus topic joined per populated 100 m cell.

    For a county drawn on polygon units (``units:``) the populated units in the same shape
    (``cell_id`` = unit ID, ``x``, ``y`` = representative point, ``ags``, ``Einwohner``).
    """
    county = counties.county(context.partition_key)
    if not county.grid:
        cells = unit_cells(unit_polygons, municipalities)
        return Output(cells, metadata=frame_metadata(cells) | {
            "residents": float(cells["Einwohner"].sum()), "topics": 0, "grid": False})
    area = county_boundary.to_crs(GRID_CRS).geometry.union_all()
    topics = read_zensus_topics(county.zensus, area=area)
    cells = join_topics(topics)
    cells.insert(3, "ags", assign_municipality(cells["x"], cells["y"], municipalities))
    meta = frame_metadata(cells) | {
        "residents": float(cells["Einwohner"].sum()),
        "topics": len(topics),
        "grid": True,
    }
    return Output(cells, metadata=meta)


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"pandas"})
@reported
def municipal_income(
    context: AssetExecutionContext, counties: CountiesResource
) -> Output[pd.DataFrame]:
    """Income tax statistics per municipality (GENESIS 73111-01-01-5)."""
    county = counties.county(context.partition_key)
    frame = in_county(read_income(county.income, **county.read_options("income"))
                      if county.income else None, county.ags)
    return Output(_named(frame, county), metadata=frame_metadata(frame))


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"pandas"})
@reported
def municipal_sgb2(
    context: AssetExecutionContext, counties: CountiesResource
) -> Output[pd.DataFrame]:
    """SGB II (Bürgergeld) and unemployment counts per municipality (Bundesagentur für Arbeit)."""
    county = counties.county(context.partition_key)
    options = {k: v for k, v in county.read_options("sgb2").items() if k != "rate"}
    frame = in_county(read_sgb2(county.sgb2, **options) if county.sgb2 else None, county.ags)
    return Output(_named(frame, county), metadata=frame_metadata(frame))


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopandas"})
@reported
def barriers(
    context: AssetExecutionContext, counties: CountiesResource
) -> Output[gpd.GeoDataFrame]:
    """Barrier lines (main roads, railways, rivers) that boundaries should prefer to follow."""
    county = counties.county(context.partition_key)
    frame = (no_barriers() if county.barriers is None
             else read_barriers(county.barriers, **county.read_options("barriers")))
    return Output(_named(frame, county), metadata=frame_metadata(frame))


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopandas"})
@reported
def locks(
    context: AssetExecutionContext, counties: CountiesResource
) -> Output[gpd.GeoDataFrame]:
    """The planners' locks: polygons tying cells to a social space or keeping them together.

    From the layer ``locks:`` of the county file names, else from the layer
    ``fixierungen`` of the published GeoPackage, where planners draw them in QGIS (none
    before the first publish).
    """
    key = context.partition_key
    county = counties.county(key)
    if county.locks is not None:
        frame = read_locks(county.locks, **({"layer": LOCK_LAYER}
                                            | county.read_options("locks")))
        source = county.display(county.locks)
    else:
        frame = read_locks(counties.layout(key).geopackage, LOCK_LAYER, missing_ok=True)
        source = f"{GEOPACKAGE} (veröffentlicht), Layer {LOCK_LAYER}"
    meta = frame_metadata(frame) | {"source": source, "freeze": MetadataValue.json(
        list(county.freeze))}
    if len(frame):
        meta["locks"] = MetadataValue.md(
            frame.drop(columns="geometry").to_markdown(index=False))
    return Output(frame, metadata=meta)


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopandas"})
@reported
def places(
    context: AssetExecutionContext, counties: CountiesResource
) -> Output[gpd.GeoDataFrame]:
    """Named places (Ortsteile, Ortslagen) that name the social spaces; empty without a layer.

    Points or polygons with a name from the county's ``places:`` layer, in EPSG:25832;
    without one the social spaces are named after their municipalities.
    """
    county = counties.county(context.partition_key)
    frame = (no_places() if county.places is None
             else read_places(county.places, **county.read_options("places")))
    meta = frame_metadata(frame) | {"distinct_names": int(frame["name"].nunique())}
    if len(frame):
        kinds = frame.geom_type.value_counts().sort_index()
        meta["geometry_types"] = MetadataValue.json({str(k): int(v) for k, v in kinds.items()})
    return Output(_named(frame, county), metadata=meta)


@asset(group_name=GROUP, partitions_def=county_partitions, kinds={"geopandas"})
@reported
def facilities(
    context: AssetExecutionContext, counties: CountiesResource,
    county_boundary: gpd.GeoDataFrame,
) -> Output[gpd.GeoDataFrame]:
    """Facilities (Kitas, schools, youth centres, ...) inside the county; empty without a layer.

    Points with ``art`` (kita, schule, jugend, sonstige), ``art_text`` and ``name`` from the
    county's ``facilities:`` layer, in EPSG:25832; points outside the county are left out
    (counted in the metadata).
    """
    county = counties.county(context.partition_key)
    frame = (no_facilities() if county.facilities is None
             else read_facilities(county.facilities, **county.read_options("facilities")))
    inside = frame.within(county_boundary.to_crs(COUNTY_CRS).union_all()) if len(frame) \
        else np.zeros(0, bool)
    kept = frame.loc[np.asarray(inside, bool)].reset_index(drop=True)
    kept.attrs = dict(frame.attrs)
    meta = frame_metadata(kept.drop(columns="geometry")) | {
        "outside_county": int(len(frame) - len(kept)),
        "kinds": MetadataValue.json({str(k): int(v) for k, v in
                                     kept["art"].value_counts().sort_index().items()})}
    return Output(_named(kept, county), metadata=meta)


def _vg250_options(county: County, layer: str) -> dict:
    """Keyword arguments for a VG250 reader: the layer named for ``layer``, the field map."""
    options = county.read_options("vg250")
    given = {}
    if layer in (options.get("layers") or {}):
        given["layer"] = options["layers"][layer]
    if options.get("fields"):
        given["fields"] = options["fields"]
    return given


def _named(frame: pd.DataFrame, county: County) -> pd.DataFrame:
    """The frame with its source file named relative to the county file, not absolutely.

    Step files then do not depend on where the inputs lie (the same content, the same bytes).
    """
    if "source" in frame.attrs:
        frame.attrs["source"] = county.display(frame.attrs["source"])
    return frame


@asset_check(
    asset=county_boundary, blocking=True,
    additional_ins={"municipalities": AssetIn("municipalities"), "barriers": AssetIn("barriers")},
    description=f"County, municipalities and barriers in {COUNTY_CRS}.",
)
def crs_as_expected(
    county_boundary: gpd.GeoDataFrame, municipalities: gpd.GeoDataFrame,
    barriers: gpd.GeoDataFrame,
) -> AssetCheckResult:
    """The county geodata carry the expected CRS (EPSG:25832, as VG250)."""
    found = {name: (frame.crs.to_string() if frame.crs is not None else "none")
             for name, frame in (("county_boundary", county_boundary),
                                 ("municipalities", municipalities), ("barriers", barriers))}
    passed = all(crs == COUNTY_CRS for crs in found.values())
    return AssetCheckResult(passed=passed, severity=AssetCheckSeverity.ERROR,
                            metadata={"expected": COUNTY_CRS, **found})


def _municipal_check(table_asset, role: str, counts: tuple[str, ...]):
    """A check that a municipal table fits the county's municipalities (VG250).

    It fails (and blocks) when the county names a file that holds no municipality of the
    county (a county-level table given by mistake); it warns about rows of unknown
    municipalities, municipalities without a row and counts of 0.
    """
    name = "matches_municipalities"

    @asset_check(
        asset=table_asset, name=name, blocking=True,
        additional_ins={"municipalities": AssetIn("municipalities")},
        description=f"The {role} table holds the county's municipalities, no unknown ones, "
                    "no counts of 0.",
    )
    def check(context: AssetCheckExecutionContext, counties: CountiesResource, table,
              municipalities: gpd.GeoDataFrame) -> AssetCheckResult:
        configured = getattr(counties.county(context.partition_key), role) is not None
        found = municipal_mismatches(table, municipalities["ags"], counts)
        if configured and table.empty:
            found["no_rows"] = [f"the {role} file holds no municipality of the county"]
        severity = (AssetCheckSeverity.ERROR if "no_rows" in found
                    else AssetCheckSeverity.WARN)
        passed = not found if configured else True
        if found and configured:
            context.log.warning(f"{table_asset.key.path[-1]}: {found}")
        return AssetCheckResult(passed=passed, severity=severity, metadata={
            "configured": configured, "rows": len(table),
            "problems": MetadataValue.json(found)})

    return check


municipal_income_check = _municipal_check(municipal_income, "income", ("taxpayers",))
municipal_sgb2_check = _municipal_check(municipal_sgb2, "sgb2", ())
