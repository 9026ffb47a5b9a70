"""The social spaces as polygons: the county tiled, with stable IDs and names."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from pipeline.crs import COUNTY_CRS
from pipeline.publish.ids import check_ids
from pipeline.publish.names import keep_names, place_names, region_names
from pipeline.publish.tiling import TilingReport, tile_county
from pipeline.publish.unit_tiling import tile_units

__all__ = ["social_space_polygons"]


def social_space_polygons(
    cells: pd.DataFrame,
    labels: np.ndarray,
    county: gpd.GeoDataFrame,
    municipalities: gpd.GeoDataFrame,
    *,
    county_ags: str,
    sr_ids: np.ndarray | None = None,
    kept_names: Mapping[str, str] | None = None,
    simplify: float = 100.0,
    enforce: bool = True,
    units: gpd.GeoDataFrame | None = None,
    places: gpd.GeoDataFrame | None = None,
    keep_shapes: Mapping[str, object] | None = None,
) -> tuple[gpd.GeoDataFrame, TilingReport]:
    """The social spaces as polygons tiling the county, with stable IDs and names.

    :func:`tile_county`, then :func:`region_names` (municipalities spanned, and the name
    after the main municipality) or, with ``places``, the name after the places holding
    most residents (:func:`place_names`); published names kept for kept IDs
    (:func:`keep_names`).

    Parameters
    ----------
    cells : DataFrame
        Populated cells (``x``, ``y``, ``ags``, ``Einwohner``).
    labels : ndarray of int, shape (n_cells,)
    county, municipalities : GeoDataFrame
        VG250 boundaries.
    county_ags : str
    sr_ids : array of str, optional
        Stable ID per region label; default :func:`region_ids`.
    kept_names : mapping of str to str, optional
        Published name per ``sr_id``.
    simplify : float, default 100
    enforce : bool, default True
        Raise :class:`TilingError` on a bad tiling (``False``: leave that to a check).
    units : GeoDataFrame, optional
        Every polygon unit (census blocks) when the county is drawn on units: the spaces
        are unions of whole units (:func:`tile_units`), not smoothed grid tiles.
    places : GeoDataFrame, optional
        Named places (Ortsteile; :func:`pipeline.readers.read_places`) that name the social
        spaces; None or empty: named after municipalities.
    keep_shapes : mapping of str to geometry, optional
        Published polygon per ``sr_id`` of social spaces that keep their shape byte for
        byte (frozen, unchanged); grid counties only (units keep their shape by being the
        same units).

    Returns
    -------
    polygons : GeoDataFrame
        One row per region in label order: ``region``, ``sr_id``, ``name``, ``gemeinde``,
        ``gemeinden``, ``n_gemeinden``, ``anteil_hauptgemeinde``, ``einwohner``,
        ``zellen``, ``rasterzellen``, ``flaeche_km2``, geometry (EPSG:25832);
        ``attrs["simplify"]`` holds the smoothing tolerance.
    report : TilingReport
    """
    labels = np.asarray(labels, dtype=np.int64)
    if units is not None:
        simplify = 0.0
        polygons, tiling = tile_units(units, cells, labels, enforce=enforce)
    else:
        ids = check_ids(sr_ids, int(labels.max()) + 1, county_ags)
        keep = {i: keep_shapes[sr] for i, sr in enumerate(ids) if sr in (keep_shapes or {})}
        polygons, tiling = tile_county(cells, labels, county, simplify=simplify,
                                       enforce=enforce, keep=keep)
    ids = check_ids(sr_ids, len(polygons), county_ags)
    names = region_names(cells, labels, polygons.geometry, municipalities,
                         point_units=units is not None)
    if places is not None and len(places):
        names["name"] = place_names(cells, labels, places, municipalities, polygons.geometry,
                                    point_units=units is not None, sr_ids=ids,
                                    kept_names=kept_names)["name"].to_numpy()
    names["name"] = keep_names(ids, names["name"].to_numpy(), kept_names)
    frame = pd.concat([
        pd.DataFrame({"region": polygons["region"].to_numpy(), "sr_id": ids}),
        names.drop(columns="region"),
        polygons.drop(columns=["region", "geometry"]),
    ], axis=1)
    frame = gpd.GeoDataFrame(frame, geometry=polygons.geometry.values, crs=COUNTY_CRS)
    frame.attrs["simplify"] = float(simplify)  # kept by (Geo)Parquet, read by the publication
    return frame, tiling


