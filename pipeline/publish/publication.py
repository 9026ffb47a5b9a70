"""Everything published for a county assembled once: layers, styles, descriptions, metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.crs import COUNTY_CRS, GRID_CRS
from pipeline.indicators.compute import missing_indicators
from pipeline.layout import LOCK_LAYER
from pipeline.publish.ids import check_ids
from pipeline.publish.polygons import social_space_polygons
from pipeline.publish.tiling import TilingReport, cell_squares, measure_tiling
from pipeline.publish.unit_tiling import measure_unit_tiling
from pipeline.readers.vector import as_multipolygons

__all__ = [
    "MIN_CELL_RESIDENTS",
    "SOURCES",
    "Publication",
    "build_publication",
    "catalog_table",
    "clip_to_county",
    "used_sources",
    "run_metadata",
]

#: Citations of the data sources, by catalog ``source``.
SOURCES = {
    "zensus": "Statistisches Bundesamt (Destatis), Zensus 2022, Gitterzellen (100 m), "
              "Datenlizenz Deutschland – Namensnennung – Version 2.0",
    "vg250": "VG250 © GeoBasis-DE / BKG (Verwaltungsgebiete 1:250 000), dl-de/by-2-0",
    "genesis": "Statistische Ämter des Bundes und der Länder, Regionaldatenbank "
               "Deutschland, Lohn- und Einkommensteuerstatistik (73111-01-01-5)",
    "ba": "Statistik der Bundesagentur für Arbeit, SGB II und Arbeitslose nach Gemeinden",
    "extra": "Eigene Daten des Kreises",
    "units": "Gebietseinheiten (Baublöcke) und Registerauszug des Kreises",
}
#: Below this many residents a cell carries no indicator values (data protection).
MIN_CELL_RESIDENTS = 3
#: Profile columns that are renamed or dropped in the ``sozialraeume`` layer.
_PROFILE_BASE = ("sr_id", "region", "cells", "residents", "area_km2", "municipalities")


@dataclass(frozen=True)
class Publication:
    """Everything the GeoPackage, the QML files, the exports and the report are made of.

    Attributes
    ----------
    regions : GeoDataFrame
        Layer ``sozialraeume``: one polygon per social space with names and profile.
    layers : dict of str to DataFrame
        Every layer and attribute table in write order.
    descriptions : dict of str to str
        Layer descriptions.
    qml : dict of str to str
        The default QML style per spatial layer.
    metadata : dict
        Run metadata (parameters, versions, input hashes, quality), also written as the
        ``metadaten`` table.
    tiling : TilingReport
    county_values : dict of str to float
        Every indicator for the whole county (ratio of sums over all cells).
    """

    regions: gpd.GeoDataFrame
    layers: dict
    descriptions: dict
    qml: dict
    metadata: dict
    tiling: TilingReport
    county_values: dict


def build_publication(
    *,
    county_name: str,
    county_ags: str,
    cells: pd.DataFrame,
    labels: np.ndarray,
    cell_indicators: pd.DataFrame,
    profiles: pd.DataFrame,
    catalog,
    municipalities: gpd.GeoDataFrame,
    county: gpd.GeoDataFrame,
    barriers: gpd.GeoDataFrame | None = None,
    parameters: dict | None = None,
    quality: dict | None = None,
    input_files: dict | None = None,
    simplify: float = 100.0,
    sr_ids: np.ndarray | None = None,
    kept_names: Mapping[str, str] | None = None,
    polygons: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    locks: gpd.GeoDataFrame | None = None,
    changes: pd.DataFrame | None = None,
    locked: np.ndarray | None = None,
) -> Publication:
    """Assemble the published layers, styles and metadata of a county.

    Parameters
    ----------
    county_name, county_ags : str
    cells : DataFrame
        Populated cells (``cell_id``, ``x``, ``y``, ``ags``, ``Einwohner``).
    labels : ndarray of int, shape (n_cells,)
        Region per row of ``cells``.
    cell_indicators : DataFrame
        The cell indicator table (stabilised ``<key>`` columns, by ``cell_id``).
    profiles : DataFrame
        :func:`pipeline.indicators.profiles.build_profiles` output, one row per region.
    catalog : Catalog
        The county's indicator catalog.
    municipalities, county : GeoDataFrame
        VG250 boundaries.
    barriers : GeoDataFrame, optional
        Published as ``barrieren`` when not empty.
    parameters, quality : dict, optional
        Region parameters and partition quality figures, written to the run metadata.
    input_files : dict of str to path, optional
        Input files by role; their SHA-256 hashes go into the run metadata.
    simplify : float, default 100
        Coverage simplification tolerance in metres (0 = off), see :func:`tile_county`.
    sr_ids : array of str, optional
        The stable ID of every region label ``0..k-1`` (e.g. kept from the last publish);
        default :func:`region_ids` of the labels.
    kept_names : mapping of str to str, optional
        Published name per ``sr_id``, kept for kept IDs (:func:`keep_names`).
    polygons : GeoDataFrame, optional
        :func:`social_space_polygons` drawn before (``sr_ids``, ``kept_names`` and, from
        ``attrs``, ``simplify`` are then taken from it); their tiling is measured again and
        enforced, so nothing that does not tile the county is published.
    units : GeoDataFrame, optional
        Every polygon unit when the county is drawn on units (census blocks): the spaces
        are unions of whole units, tiling the units' area, and the cell layer holds the
        units' polygons.
    locks : GeoDataFrame, optional
        The planners' locks, published as the layer ``fixierungen`` (always there, empty
        at first) for them to edit in QGIS.
    changes : DataFrame, optional
        The change log, published as the table ``aenderungen``.
    locked : ndarray of bool, optional
        Cells held by a lock or a freeze (``fixiert`` in the cell layer).

    Returns
    -------
    Publication
    """
    from pipeline.indicators.profiles import STATUS_CLASSES, ProfileParams, build_profiles
    from pipeline.publish.styles import (
        STATUS_COLORS,
        TYPE_COLORS,
        categorized_qml,
        graduated_qml,
        line_qml,
        lock_qml,
        outline_qml,
        region_colors,
    )

    labels = np.asarray(labels, dtype=np.int64)
    if polygons is None:
        polygons, tiling = social_space_polygons(
            cells, labels, county, municipalities, county_ags=county_ags, sr_ids=sr_ids,
            kept_names=kept_names, simplify=simplify, units=units)
    elif units is not None:
        simplify = 0.0
        polygons = polygons.to_crs(COUNTY_CRS)
        tiling = measure_unit_tiling(polygons.geometry.values, units)
    else:
        k = int(labels.max()) + 1
        if polygons["region"].tolist() != list(range(k)):
            raise ValueError(f"polygons must hold regions 0..{k - 1} in label order")
        simplify = float(polygons.attrs.get("simplify", simplify))
        polygons = polygons.to_crs(COUNTY_CRS)
        tiling = measure_tiling(polygons.geometry.values, cells, labels, county,
                                simplify=simplify)
    ids = check_ids(polygons["sr_id"].to_numpy(), len(polygons), county_ags)
    regions = _region_layer(ids, polygons, polygons, profiles)
    regions = regions.sort_values("sr_id", kind="stable").reset_index(drop=True)
    colors = region_colors(regions.geometry.values)
    regions["farbe"] = colors
    has_types = "typ" in regions.columns and regions["typ"].notna().all()
    if has_types:
        regions["typ"] = regions["typ"].astype(np.int64)
    status = regions[["sr_id", "name", "einwohner", "social_index", "status",
                      "status_class", "geometry"]].copy()
    cell_layer = _cell_layer(ids, cells, labels, cell_indicators, catalog, units)
    cell_layer.insert(4, "fixiert", np.zeros(len(cells), bool) if locked is None
                      else np.asarray(locked, bool))
    outline = county.to_crs(COUNTY_CRS)
    layers = {
        "sozialraeume": regions,
        "sozialraeume_status": gpd.GeoDataFrame(status, geometry="geometry", crs=COUNTY_CRS),
        "zellen": cell_layer,
        "gemeinden": municipalities.to_crs(COUNTY_CRS),
        "kreis": outline,
    }
    if has_types:
        layers["sozialraeume_typen"] = gpd.GeoDataFrame(
            regions[["sr_id", "name", "einwohner", "typ", "typ_name", "social_index", "status",
                     "geometry"]].copy(), geometry="geometry", crs=COUNTY_CRS)
    if barriers is not None and len(barriers) > 0:
        barriers = clip_to_county(barriers.to_crs(COUNTY_CRS), outline)
    has_barriers = barriers is not None and len(barriers) > 0
    if has_barriers:
        layers["barrieren"] = barriers
    layers[LOCK_LAYER] = lock_layer(locks)
    layers["aenderungen"] = (pd.DataFrame(columns=["sr_id", "aenderung", "grund"])
                             if changes is None else changes.reset_index(drop=True))
    skipped = missing_indicators(cell_indicators, catalog)
    layers["indikatoren"] = catalog_table(catalog, skipped=skipped, units=units is not None)
    metadata = run_metadata(parameters or {}, quality or {}, tiling, input_files or {},
                            simplify)
    metadata["quellen"] = used_sources(catalog, skipped, units=units is not None)
    metadata["nicht_berechnet"] = skipped
    metadata["einheiten"] = "raster" if units is None else "polygone"
    layers["metadaten"] = pd.DataFrame(
        {"schluessel": list(metadata), "wert": [_json(v) for v in metadata.values()]})
    cats = list(zip(regions["sr_id"], regions["name"], colors, strict=True))
    t = list(ProfileParams().thresholds)
    ranges = list(zip([-1e9, *t], [*t, 1e9], STATUS_CLASSES, STATUS_COLORS, strict=True))
    qml = {
        "sozialraeume": categorized_qml("sr_id", cats, label_field="name"),
        "sozialraeume_status": graduated_qml("social_index", ranges, label_field="name"),
        "zellen": categorized_qml("sr_id", cats, outline="#ffffff", outline_width=0.0),
        "gemeinden": outline_qml("#555555", 0.4, label_field="name"),
        "kreis": outline_qml("#000000", 0.8),
        LOCK_LAYER: lock_qml(),
    }
    if has_types:
        qml["sozialraeume_typen"] = categorized_qml("typ", type_categories(regions, TYPE_COLORS),
                                                    label_field="name")
    if has_barriers:
        qml["barrieren"] = line_qml()
    descriptions = {
        "sozialraeume": f"Sozialräume {county_name}: " + (
            "Polygone lückenlos über den Kreis (unbewohnte Fläche dem nächsten Sozialraum "
            "zugeschlagen), Profile aus bewohnten Zellen" if units is None else
            "Vereinigungen ganzer Gebietseinheiten (Baublöcke; unbewohnte dem angrenzenden "
            "Sozialraum zugeschlagen), Profile aus bewohnten Einheiten"),
        "sozialraeume_status": f"Sozialräume {county_name} nach Sozialindex (höher = mehr "
                               "sozialer Handlungsbedarf) und Bedarfsklasse",
        "sozialraeume_typen": f"Sozialräume {county_name} nach Typ (Typologie: Clusteranalyse "
                              "der standardisierten Profile)",
        "zellen": ("Zensus-2022-Gitterzellen (100 m)" if units is None
                   else "Bewohnte Gebietseinheiten (Baublöcke)")
                  + " mit Sozialraum und stabilisierten Indikatoren (keine Werte unter "
                  f"{MIN_CELL_RESIDENTS} Einwohnern)",
        "gemeinden": "Gemeinden (VG250 © GeoBasis-DE / BKG)",
        "kreis": "Kreisgrenze (VG250 © GeoBasis-DE / BKG)",
        "barrieren": "Barrieren (Straßen, Bahnen, Flüsse), denen Grenzen folgen sollen",
        "indikatoren": "Indikatorenkatalog: Bezeichnungen, Quellen, Methoden",
        LOCK_LAYER: "Fixierungen der Planung: Polygone mit sr_id (Zellen gehören zu diesem "
                    "Sozialraum) oder gruppe (Zellen bleiben zusammen); hier zeichnen, "
                    "speichern, neu berechnen",
        "aenderungen": "Änderungsprotokoll gegenüber der letzten Veröffentlichung: je "
                       "Sozialraum was sich änderte, wie viele Einwohner wechselten, warum",
        "metadaten": "Laufmetadaten: Parameter, Versionen, Eingangsdateien (SHA-256), Qualität",
    }
    whole = build_profiles(cell_indicators, np.zeros(len(cell_indicators), np.int64), catalog)
    county_values = {i.key: float(whole[i.key].iloc[0]) for i in catalog
                     if i.key in whole.columns}
    return Publication(regions, layers, descriptions, qml, metadata, tiling, county_values)


def type_categories(regions: pd.DataFrame, colors) -> list[tuple[str, str, str]]:
    """QML categories of the types: (``typ``, "``typ``: ``typ_name``", colour) per type."""
    types = regions[["typ", "typ_name"]].drop_duplicates().sort_values("typ")
    return [(str(int(t)), f"{int(t)}: {name}", colors[(int(t) - 1) % len(colors)])
            for t, name in zip(types["typ"], types["typ_name"], strict=True)]


def lock_layer(locks: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The ``fixierungen`` layer: the locks as planners edit them, MultiPolygons."""
    columns = ["sr_id", "gruppe", "name", "bemerkung"]
    if locks is None or len(locks) == 0:
        frame = gpd.GeoDataFrame({c: pd.Series([], dtype="string") for c in columns},
                                 geometry=gpd.GeoSeries([], crs=COUNTY_CRS))
    else:
        frame = gpd.GeoDataFrame(
            {c: pd.Series(locks[c].to_numpy(dtype=object), dtype="string") for c in columns},
            geometry=as_multipolygons(locks.geometry.to_crs(COUNTY_CRS).values),
            crs=COUNTY_CRS)
    frame.attrs["geometry_type"] = "MultiPolygon"
    return frame


def clip_to_county(lines: gpd.GeoDataFrame, county: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The parts of ``lines`` (barriers) inside the county, in their order, empty ones dropped."""
    clipped = gpd.clip(lines, county.to_crs(lines.crs), keep_geom_type=True)
    return clipped[~clipped.geometry.is_empty].sort_index()


def used_sources(catalog, skipped: Mapping[str, str], *, units: bool = False) -> list[str]:
    """Citations of the sources the published figures come from: VG250 and those used.

    On polygon units the cell-level figures come from the county's units and register
    extract, not from the Zensus grid.
    """
    keys = ["vg250"]
    for indicator in catalog:
        if indicator.key in skipped:
            continue
        source = "units" if units and indicator.source == "zensus" else indicator.source
        if source not in keys:
            keys.append(source)
    return [SOURCES[k] for k in keys if k in SOURCES]


def catalog_table(catalog, skipped: Mapping[str, str] | None = None, *,
                  units: bool = False) -> pd.DataFrame:
    """The indicator catalog as an attribute table with the source citation per indicator.

    ``berechnet`` says whether the run computed the indicator, ``hinweis`` why not.
    """
    skipped = dict(skipped or {})
    frame = catalog.to_frame()
    source = frame["source"].replace({"zensus": "units"}) if units else frame["source"]
    frame["quelle"] = source.map(SOURCES).fillna("")
    frame["berechnet"] = ~frame["key"].isin(list(skipped))
    frame["hinweis"] = [skipped.get(key, "") for key in frame["key"]]
    return frame.astype({c: str for c in frame.columns if frame[c].dtype == object})


def run_metadata(parameters: dict, quality: dict, tiling: TilingReport,
                 input_files: dict, simplify: float) -> dict:
    """Parameters, versions, input hashes and quality of a run, free of time and place.

    Inputs are named by file name and SHA-256 (``eingangsdaten_sha256`` digests them all),
    never by modification time or absolute path, so the same input content gives a
    byte-identical GeoPackage wherever and whenever it is run.
    """
    import hashlib
    import os
    from importlib import metadata as im

    from pipeline.files import file_sha256

    hashes = {role: {"path": os.path.basename(str(path)), "sha256": file_sha256(path)}
              for role, path in sorted(input_files.items())}
    digest = hashlib.sha256("".join(f"{role}={h['sha256']}\n" for role, h in hashes.items())
                            .encode()).hexdigest()
    versions = {}
    for package in ("sozialraum", "numpy", "pandas", "shapely", "geopandas", "pyogrio",
                    "scipy", "matplotlib"):
        try:
            versions[package] = im.version(package)
        except im.PackageNotFoundError:
            versions[package] = "?"
    import pyogrio

    versions["GDAL"] = pyogrio.__gdal_version_string__
    versions["GEOS"] = shapely.geos_version_string
    return {
        "parameter": {str(k): _plain(v) for k, v in parameters.items()}
        | {"simplify_m": simplify},
        "versionen": versions,
        "eingangsdateien": hashes,
        "eingangsdaten_sha256": digest,
        "qualitaet": {str(k): _plain(v) for k, v in quality.items()},
        "kachelung": {k: _plain(v) for k, v in tiling.as_dict().items()},
    }


def _region_layer(ids, polygons, names, profiles) -> gpd.GeoDataFrame:
    k = len(polygons)
    prof = profiles.set_index("region").reindex(range(k))
    extra = [c for c in profiles.columns if c not in _PROFILE_BASE]
    geoms = polygons.geometry.values
    area = shapely.area(geoms)
    perimeter = shapely.length(geoms)
    with np.errstate(invalid="ignore", divide="ignore"):
        compact = np.where(perimeter > 0, 4 * np.pi * area / perimeter**2, np.nan)
    frame = pd.DataFrame({
        "sr_id": ids,
        "name": names["name"].to_numpy(),
        "gemeinde": names["gemeinde"].to_numpy(),
        "gemeinden": names["gemeinden"].to_numpy(),
        "n_gemeinden": names["n_gemeinden"].to_numpy(),
        "anteil_hauptgemeinde": names["anteil_hauptgemeinde"].to_numpy(),
        "einwohner": polygons["einwohner"].to_numpy(),
        "zellen": polygons["zellen"].to_numpy(),
        "rasterzellen": polygons["rasterzellen"].to_numpy(),
        "flaeche_km2": polygons["flaeche_km2"].to_numpy(),
        "besiedelt_km2": (polygons["besiedelt_km2"].to_numpy() if "besiedelt_km2" in polygons
                          else polygons["zellen"].to_numpy() * 0.01),
        "kompaktheit": compact,
        "teile": shapely.get_num_geometries(geoms),
    })
    for column in extra:
        values = prof[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object).where(values.notna(), None)
        elif str(values.dtype) == "Int64":
            values = values.astype("float64")
        frame[column] = values.to_numpy()
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=COUNTY_CRS)


def _cell_layer(ids, cells, labels, cell_indicators, catalog, units=None) -> gpd.GeoDataFrame:
    keys = [i.key for i in catalog if i.level == "cell" and i.key in cell_indicators.columns]
    values = cells[["cell_id"]].merge(cell_indicators[["cell_id", *keys]], on="cell_id",
                                      how="left", validate="one_to_one")
    residents = cells["Einwohner"].to_numpy(np.float64)
    frame = pd.DataFrame({
        "cell_id": cells["cell_id"].to_numpy(),
        "sr_id": ids[labels],
        "ags": cells["ags"].to_numpy(),
        "einwohner": residents,
    })
    small = residents < MIN_CELL_RESIDENTS
    for key in keys:
        frame[key] = np.where(small, np.nan, values[key].to_numpy(np.float64))
    if units is not None:
        shapes = units.to_crs(COUNTY_CRS).set_index(units["cell_id"].astype(str)).geometry
        geometry = shapes.loc[cells["cell_id"].astype(str)].to_numpy()
        return gpd.GeoDataFrame(frame, geometry=geometry, crs=COUNTY_CRS)
    squares = cell_squares(cells["x"].to_numpy(), cells["y"].to_numpy())
    return gpd.GeoDataFrame(frame, geometry=squares, crs=GRID_CRS).to_crs(COUNTY_CRS)


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float | int | bool | str) or value is None:
        return value
    return str(value)


def _json(value) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                          sort_keys=True)
