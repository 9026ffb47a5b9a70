"""Readable names of the social spaces: the main municipality and a part, published names kept."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.crs import GRID_CRS

__all__ = ["keep_names", "region_names"]

#: Compass parts of a municipality, by angle sector (east = 0, counter-clockwise).
_PARTS = ("Ost", "Nordost", "Nord", "Nordwest", "West", "Südwest", "Süd", "Südost")


def region_names(
    cells: pd.DataFrame,
    labels: np.ndarray,
    polygons: gpd.GeoSeries,
    municipalities: gpd.GeoDataFrame,
    population_column: str = "Einwohner",
    centre_share: float = 0.4,
    *,
    point_units: bool = False,
) -> pd.DataFrame:
    """Readable, unique names of the social spaces and the municipalities they span.

    A social space is named after the municipality holding most of its residents. When a
    municipality gives its name to several social spaces, each gets a part from the
    position of its residents' centre relative to the municipality's residents' centre:
    ``-Mitte`` within ``centre_share`` times the root mean square distance of the
    municipality's residents from their centre, else the compass sector (``-Nord``,
    ``-Nordost``, ...). Names still equal get ``1``, ``2``, ... from the innermost out.

    Parameters
    ----------
    cells : DataFrame
        Populated cells with ``x``, ``y`` (EPSG:3035), ``ags`` and the population column.
    labels : ndarray of int, shape (n,)
        Region per cell, ``0..k-1``.
    polygons : GeoSeries
        Region polygons in label order (used for regions without residents).
    municipalities : GeoDataFrame
        ``ags``, ``name`` and geometry.
    population_column : str, default "Einwohner"
    centre_share : float, default 0.4
    point_units : bool, default False
        ``x``, ``y`` are the points of polygon units, not the corners of grid cells.

    Returns
    -------
    DataFrame
        One row per region: ``region``, ``name``, ``gemeinde`` (main municipality),
        ``gemeinden`` (names of all municipalities with residents, by residents, ``"; "``
        separated), ``n_gemeinden``, ``anteil_hauptgemeinde`` (share of residents in the
        main municipality).
    """
    labels = np.asarray(labels, dtype=np.int64)
    k = int(labels.max()) + 1
    offset = 0.0 if point_units else 50.0  # grid cells: x, y are lower-left corners
    munis = municipalities.to_crs(GRID_CRS).set_index("ags")
    pop = cells[population_column].to_numpy(np.float64)
    table = pd.DataFrame({"region": labels, "ags": cells["ags"].to_numpy(), "pop": pop,
                          "wx": (cells["x"].to_numpy(np.float64) + offset) * pop,
                          "wy": (cells["y"].to_numpy(np.float64) + offset) * pop})
    by = table.groupby(["region", "ags"], sort=True)["pop"].sum().reset_index()
    by = by.sort_values(["region", "pop", "ags"], ascending=[True, False, True], kind="stable")
    name_of = munis["name"].to_dict()
    main = by.drop_duplicates("region").set_index("region").reindex(range(k))
    sums = table.groupby("region")[["pop", "wx", "wy"]].sum().reindex(range(k))
    centres = gpd.GeoSeries(polygons, crs=polygons.crs).to_crs(GRID_CRS).centroid
    with np.errstate(invalid="ignore", divide="ignore"):
        cx = np.where(sums["pop"] > 0, sums["wx"] / sums["pop"], centres.x)
        cy = np.where(sums["pop"] > 0, sums["wy"] / sums["pop"], centres.y)
    main_ags = main["ags"].fillna(_nearest_ags(centres, munis)).to_numpy()
    base = np.array([name_of.get(a, str(a)) for a in main_ags], dtype=object)
    names = base.copy()
    dist = np.zeros(k)
    muni_centre = _resident_centres(table)
    for ags in pd.unique(main_ags):
        members = np.flatnonzero(main_ags == ags)
        if members.size < 2:
            continue
        if ags in muni_centre.index:
            mx, my, spread = muni_centre.loc[ags, ["x", "y", "spread"]]
        else:
            mx, my, spread = cx[members].mean(), cy[members].mean(), 1.0
        for i in members:
            dx, dy = cx[i] - mx, cy[i] - my
            dist[i] = np.hypot(dx, dy)
            names[i] = f"{base[i]}-{_part(dx, dy, centre_share * spread)}"
    names = _number_duplicates(names, dist)
    spans = by.groupby("region")["ags"].agg(lambda a: "; ".join(name_of.get(x, x) for x in a))
    return pd.DataFrame({
        "region": np.arange(k),
        "name": names,
        "gemeinde": base,
        "gemeinden": spans.reindex(range(k)).fillna(pd.Series(base)).to_numpy(),
        "n_gemeinden": by.groupby("region").size().reindex(range(k), fill_value=0).to_numpy(),
        "anteil_hauptgemeinde": (main["pop"] / sums["pop"]).to_numpy(np.float64),
    })


def _part(dx: float, dy: float, centre: float) -> str:
    if np.hypot(dx, dy) <= centre:
        return "Mitte"
    sector = int(np.floor(((np.degrees(np.arctan2(dy, dx)) + 22.5) % 360) / 45))
    return _PARTS[sector]


def _number_duplicates(names: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Append 1, 2, ... to equal names, innermost (closest to the centre) first."""
    out = names.copy()
    frame = pd.DataFrame({"name": names, "dist": dist, "i": np.arange(len(names))})
    for _, group in frame.groupby("name", sort=False):
        if len(group) > 1:
            for n, i in enumerate(group.sort_values(["dist", "i"])["i"], start=1):
                out[i] = f"{names[i]} {n}"
    return out


def keep_names(
    sr_ids: np.ndarray, names: np.ndarray, kept: Mapping[str, str] | None
) -> np.ndarray:
    """Names of the social spaces with the published name kept for every kept ``sr_id``.

    A social space matched to a published one keeps its name as well as its ID, so that
    maps, reports and the planners' vocabulary stay the same; a new social space whose
    computed name is taken by a kept one gets the next free number (``Rurstadt-Nord 2``).

    Parameters
    ----------
    sr_ids : array of str
        Stable ID per region, in label order.
    names : array of str
        Names computed for this run (:func:`region_names`), in label order.
    kept : mapping of str to str, optional
        Published name per ``sr_id``.

    Returns
    -------
    ndarray of str
        Unique names, in label order.
    """
    ids = np.asarray(sr_ids, dtype=object)
    out = np.asarray(names, dtype=object).copy()
    if ids.shape != out.shape:
        raise ValueError(f"{len(ids)} IDs for {len(out)} names")
    if not kept:
        return out
    keep = np.array([i in kept for i in ids], dtype=bool)
    out[keep] = [kept[i] for i in ids[keep]]
    taken = set(out[keep])
    for i in np.flatnonzero(~keep):
        name = out[i]
        if name in taken:
            stem, _, number = name.rpartition(" ")
            stem, n = (stem, 1) if number.isdigit() and stem else (name, 2)
            while f"{stem} {n}" in taken:
                n += 1
            name = f"{stem} {n}"
        taken.add(name)
        out[i] = name
    return out


def _resident_centres(table: pd.DataFrame) -> pd.DataFrame:
    """Residents' centre of every municipality and the RMS distance of its residents."""
    g = table.groupby("ags")[["pop", "wx", "wy"]].sum()
    g = g.loc[g["pop"] > 0]
    x, y = g["wx"] / g["pop"], g["wy"] / g["pop"]
    px = table["wx"] / table["pop"].where(table["pop"] > 0)
    py = table["wy"] / table["pop"].where(table["pop"] > 0)
    d2 = ((px - table["ags"].map(x)) ** 2 + (py - table["ags"].map(y)) ** 2) * table["pop"]
    spread = np.sqrt(d2.groupby(table["ags"]).sum().reindex(g.index) / g["pop"])
    return pd.DataFrame({"x": x, "y": y, "spread": spread.clip(lower=1.0)})


def _nearest_ags(centres: gpd.GeoSeries, munis: gpd.GeoDataFrame) -> pd.Series:
    tree = shapely.STRtree(munis.geometry.values)
    idx = tree.query_nearest(centres.values, all_matches=False)[1]
    return pd.Series(munis.index.to_numpy()[idx], index=range(len(centres)))


