"""Readable names of the social spaces: after places or municipalities, published names kept.

With a layer of named places (Ortsteile, Ortslagen; :func:`pipeline.readers.read_places`)
a social space is named after the places holding most of its residents
(:func:`place_names`); without one after its main municipality and a compass part
(:func:`region_names`). Either way a social space that kept its published ID keeps its
published name (:func:`keep_names`).
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.crs import GRID_CRS
from pipeline.errors import InputError

__all__ = ["NEXT_PLACE_SHARE", "SECOND_PLACE_SHARE", "keep_names", "place_names", "region_names"]

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




# --------------------------------------------------------------------------- names from places

#: A second place joins the name (``"A / B"``) when it holds at least this share of the
#: social space's residents (then both places hold a third or more).
SECOND_PLACE_SHARE = 1 / 3
#: Two social spaces named alike are told apart by their next place only when it holds at
#: least this share of residents (a farmstead does not name a social space).
NEXT_PLACE_SHARE = 0.1
_POLYGON_TYPE_IDS = (3, 6)  # shapely type IDs of Polygon and MultiPolygon


def place_names(
    cells: pd.DataFrame,
    labels: np.ndarray,
    places: gpd.GeoDataFrame,
    municipalities: gpd.GeoDataFrame,
    polygons: gpd.GeoSeries | None = None,
    *,
    population_column: str = "Einwohner",
    point_units: bool = False,
    sr_ids: np.ndarray | None = None,
    kept_names: Mapping[str, str] | None = None,
    second_share: float = SECOND_PLACE_SHARE,
    next_share: float = NEXT_PLACE_SHARE,
    centre_share: float = 0.4,
) -> pd.DataFrame:
    """Names of the social spaces after the places holding most of their residents.

    Every cell (or unit) goes to a place: the smallest place polygon holding its centre,
    else the nearest place of its municipality (points, or polygons by their edge), else,
    in a municipality without any place in the layer, the municipality itself. Places
    outside every municipality of the county are not used. A social space is named after
    the place holding most of its residents; when the second holds at least
    ``second_share`` the name is ``"A / B"``. Places with the same name count as one.

    Names are unique within the county. Equal names are told apart, in this order, by the
    next place (``"A / C"``, when it holds at least ``next_share`` and that makes the name
    unique), by the municipality (``"A (Aldenrath)"``, when the equal names lie in different
    municipalities), by the compass part of the space's residents' centre relative to the
    centre of all of them (``"A (Nord)"``, ``"A (Mitte)"`` within ``centre_share`` times
    their root mean square distance from it), and last by numbers ``1``, ``2``, ... from
    the innermost out. A social space whose ``sr_id`` is in ``kept_names`` keeps its
    published name, and the others are made unique against it.

    Parameters
    ----------
    cells : DataFrame
        Populated cells with ``x``, ``y`` (EPSG:3035), ``ags`` and the population column.
    labels : ndarray of int, shape (n,)
        Region per cell, ``0..k-1``.
    places : GeoDataFrame
        ``name`` and Point, MultiPoint, Polygon or MultiPolygon geometry, any CRS
        (:func:`pipeline.readers.read_places`); at least one place.
    municipalities : GeoDataFrame
        ``ags``, ``name`` and geometry.
    polygons : GeoSeries, optional
        Region polygons in label order; they name regions without any cell (the nearest
        place to the polygon).
    population_column : str, default "Einwohner"
    point_units : bool, default False
        ``x``, ``y`` are the points of polygon units, not the corners of grid cells.
    sr_ids : array of str, optional
        Stable ID per region, in label order (needed with ``kept_names``).
    kept_names : mapping of str to str, optional
        Published name per ``sr_id``, kept (:func:`keep_names`).
    second_share : float, default :data:`SECOND_PLACE_SHARE`
    next_share : float, default :data:`NEXT_PLACE_SHARE`
    centre_share : float, default 0.4

    Returns
    -------
    DataFrame
        One row per region: ``region``, ``name`` (unique), ``ort`` (the place holding most
        residents), ``anteil_ort`` (its share of the residents) and ``orte`` (every place
        with residents, by residents, ``"; "`` separated).

    Raises
    ------
    ValueError
        No place, shares outside (0, 1], labels not one per cell, ``kept_names`` without
        ``sr_ids``, or a region without cells and no ``polygons``.

    Examples
    --------
    >>> names = place_names(cells, labels, read_places("ortsteile.gpkg"), municipalities)
    ... # doctest: +SKIP
    >>> names["name"].head(3).tolist()  # doctest: +SKIP
    ['Birkesdorf (Nord)', 'Rurstadt-Nord / Am Bahnhof', 'Innenstadt (Mitte)']
    """
    labels = _check_place_arguments(cells, labels, places, sr_ids, kept_names,
                                     second_share, next_share)
    k = int(labels.max()) + 1
    offset = 0.0 if point_units else 50.0  # grid cells: x, y are lower-left corners
    points = shapely.points(cells["x"].to_numpy(np.float64) + offset,
                            cells["y"].to_numpy(np.float64) + offset)
    munis = municipalities.to_crs(GRID_CRS).reset_index(drop=True)
    cell_place = _cell_places(points, cells["ags"].to_numpy(), places.to_crs(GRID_CRS), munis)
    pop = cells[population_column].to_numpy(np.float64)
    regions = _region_places(labels, cell_place, pop)
    regions = _unplaced_regions(regions, k, polygons, places)
    centres = _region_centres(labels, points, pop, k, polygons)
    base, used = _base_names(regions, second_share)
    fixed = np.zeros(k, dtype=bool)
    if kept_names:
        ids = np.asarray(sr_ids, dtype=object)
        fixed = np.array([i in kept_names for i in ids], dtype=bool)
        base[fixed] = [kept_names[i] for i in ids[fixed]]
    gemeinde = _main_municipality(labels, cells["ags"].to_numpy(), pop, k, munis)
    names = _unique(base, fixed, [
        lambda name, members, free: _next_places(name, free, regions, used, next_share),
        lambda name, members, free: _municipality_parts(name, members, free, gemeinde),
        lambda name, members, free: _compass_parts(name, members, free, centres, centre_share),
    ], centres)
    first = regions.drop_duplicates("region").set_index("region")
    return pd.DataFrame({
        "region": np.arange(k),
        "name": names,
        "ort": first["place"].reindex(range(k)).to_numpy(),
        "anteil_ort": first["share"].reindex(range(k)).to_numpy(np.float64),
        "orte": regions.groupby("region", sort=True)["place"].agg("; ".join)
                       .reindex(range(k)).to_numpy(),
    })


def _check_place_arguments(cells, labels, places, sr_ids, kept_names, second_share,
                           next_share) -> np.ndarray:
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (len(cells),):
        raise ValueError(f"labels must give one region per cell ({len(cells)}), "
                         f"got shape {labels.shape}")
    if labels.size == 0 or labels.min() < 0:
        raise ValueError("labels must be regions 0..k-1 of at least one cell")
    if len(places) == 0:
        raise ValueError("places must hold at least one place; name after municipalities "
                         "with region_names instead")
    for label, share in (("second_share", second_share), ("next_share", next_share)):
        if not 0.0 < share <= 1.0:
            raise ValueError(f"{label} must be in (0, 1], got {share!r}")
    if kept_names and sr_ids is None:
        raise ValueError("kept_names needs sr_ids, the stable ID of every region")
    if sr_ids is not None and len(sr_ids) != int(labels.max()) + 1:
        raise ValueError(f"{len(sr_ids)} IDs for {int(labels.max()) + 1} regions")
    return labels


def _cell_places(points: np.ndarray, cell_ags: np.ndarray, places: gpd.GeoDataFrame,
                 munis: gpd.GeoDataFrame) -> np.ndarray:
    """Name of the place of every cell (all in EPSG:3035)."""
    geoms = places.geometry.to_numpy()
    names = places["name"].astype(str).to_numpy(dtype=object)
    place_ags = _place_municipality(geoms, munis)
    inside = place_ags >= 0
    if not inside.any():
        raise InputError(places.attrs.get("source", "places"),
                         f"none of the {len(places)} places lies in a municipality of the county")
    geoms, names, place_ags = geoms[inside], names[inside], place_ags[inside]
    found = np.full(len(points), -1, dtype=np.int64)
    polygonal = np.flatnonzero(np.isin(shapely.get_type_id(geoms), _POLYGON_TYPE_IDS))
    if polygonal.size:
        tree = shapely.STRtree(geoms[polygonal])
        cell, hit = tree.query(points, predicate="within")
        order = np.lexsort((hit, shapely.area(geoms[polygonal][hit]), cell))
        cell, hit = cell[order], hit[order]
        first = np.ones(cell.size, dtype=bool)
        first[1:] = cell[1:] != cell[:-1]
        found[cell[first]] = polygonal[hit[first]]
    muni_index = pd.Index(munis["ags"].to_numpy())
    cell_muni = muni_index.get_indexer(pd.Index(cell_ags))
    rest = np.flatnonzero(found < 0)
    by_muni = pd.Series(rest).groupby(cell_muni[rest]).indices
    for m, positions in by_muni.items():  # one query per municipality, not per cell
        members = rest[positions]
        candidates = np.flatnonzero(place_ags == m) if m >= 0 else np.array([], np.int64)
        if candidates.size == 0 and m < 0:
            candidates = np.arange(len(geoms))  # a cell outside every municipality
        if candidates.size == 0:
            continue
        source, nearest = shapely.STRtree(geoms[candidates]).query_nearest(
            points[members], all_matches=False)
        found[members[source]] = candidates[nearest]
    out = np.where(found >= 0, names[np.maximum(found, 0)], None)
    alone = found < 0  # a municipality without places stands for itself
    if alone.any():
        muni_names = np.append(munis["name"].astype(str).to_numpy(dtype=object), None)
        out[alone] = muni_names[cell_muni[alone]]
    return out


def _place_municipality(geoms: np.ndarray, munis: gpd.GeoDataFrame) -> np.ndarray:
    """Index of the municipality holding each place's representative point; -1 outside."""
    tree = shapely.STRtree(munis.geometry.to_numpy())
    place, muni = tree.query(shapely.point_on_surface(geoms), predicate="within")
    result = np.full(len(geoms), -1, dtype=np.int64)
    order = np.lexsort((muni, place))
    place, muni = place[order], muni[order]
    first = np.ones(place.size, dtype=bool)
    first[1:] = place[1:] != place[:-1]
    result[place[first]] = muni[first]
    return result


def _region_places(labels: np.ndarray, cell_place: np.ndarray,
                   pop: np.ndarray) -> pd.DataFrame:
    """Residents per region and place, largest first (ties by name), with their shares.

    A region without residents counts its cells instead.
    """
    table = pd.DataFrame({"region": labels, "place": cell_place, "pop": pop})
    total = table.groupby("region")["pop"].transform("sum").to_numpy()
    table["pop"] = np.where(total > 0, table["pop"].to_numpy(), 1.0)
    by = table.groupby(["region", "place"], sort=False)["pop"].sum().reset_index()
    by = by.loc[by["pop"] > 0]
    by = by.sort_values(["region", "pop", "place"], ascending=[True, False, True],
                        kind="stable").reset_index(drop=True)
    by["share"] = by["pop"] / by.groupby("region")["pop"].transform("sum")
    by["rank"] = by.groupby("region").cumcount()
    return by


def _unplaced_regions(regions: pd.DataFrame, k: int, polygons: gpd.GeoSeries | None,
                      places: gpd.GeoDataFrame) -> pd.DataFrame:
    """Regions without cells: the place nearest to their polygon."""
    missing = np.setdiff1d(np.arange(k), regions["region"].unique())
    if missing.size == 0:
        return regions
    if polygons is None:
        raise ValueError(f"regions {missing.tolist()} have no cell; pass polygons= to name them")
    shapes = gpd.GeoSeries(polygons, crs=polygons.crs).to_crs(places.crs).to_numpy()[missing]
    _, nearest = shapely.STRtree(places.geometry.to_numpy()).query_nearest(
        shapely.point_on_surface(shapes), all_matches=False)
    extra = pd.DataFrame({"region": missing, "place": places["name"].astype(str).to_numpy()[
        nearest], "pop": 0.0, "share": 1.0, "rank": 0})
    return pd.concat([regions, extra]).sort_values(["region", "rank"], kind="stable") \
        .reset_index(drop=True)


def _base_names(regions: pd.DataFrame, second_share: float) -> tuple[np.ndarray, np.ndarray]:
    """``"A"`` or ``"A / B"`` per region and how many places the name holds."""
    first = regions.loc[regions["rank"] == 0].set_index("region")["place"]
    second = regions.loc[(regions["rank"] == 1) & (regions["share"] >= second_share)] \
        .set_index("region")["place"]
    base = first.to_numpy(dtype=object).copy()
    used = np.ones(len(first), dtype=np.int64)
    pos = first.index.get_indexer(second.index)
    base[pos] = [f"{a} / {b}" for a, b in zip(base[pos], second.to_numpy(), strict=True)]
    used[pos] = 2
    return base, used


def _region_centres(labels: np.ndarray, points: np.ndarray, pop: np.ndarray, k: int,
                    polygons: gpd.GeoSeries | None) -> pd.DataFrame:
    """Residents' centre, residents and mean squared distance from the centre per region."""
    x, y = shapely.get_x(points), shapely.get_y(points)
    x0, y0 = float(x.mean()), float(y.mean())  # centred, for precise second moments
    table = pd.DataFrame({"region": labels, "w": pop, "x": x - x0, "y": y - y0})
    total = table.groupby("region")["w"].transform("sum").to_numpy()
    table["w"] = np.where(total > 0, table["w"], 1.0)
    table["wx"], table["wy"] = table["w"] * table["x"], table["w"] * table["y"]
    table["wr"] = table["w"] * (table["x"] ** 2 + table["y"] ** 2)
    g = table.groupby("region")[["w", "wx", "wy", "wr"]].sum().reindex(range(k))
    cx, cy = g["wx"] / g["w"], g["wy"] / g["w"]
    var = (g["wr"] / g["w"] - cx ** 2 - cy ** 2).clip(lower=0.0)
    if g["w"].isna().any() and polygons is not None:
        where = gpd.GeoSeries(polygons, crs=polygons.crs).to_crs(GRID_CRS).representative_point()
        cx = cx.fillna(pd.Series(where.x.to_numpy() - x0, index=g.index))
        cy = cy.fillna(pd.Series(where.y.to_numpy() - y0, index=g.index))
    return pd.DataFrame({"x": cx.fillna(0.0), "y": cy.fillna(0.0), "w": g["w"].fillna(0.0),
                         "var": var.fillna(0.0)})


def _main_municipality(labels: np.ndarray, ags: np.ndarray, pop: np.ndarray, k: int,
                       munis: gpd.GeoDataFrame) -> np.ndarray:
    """Name of the municipality holding most of each region's residents."""
    by = pd.DataFrame({"region": labels, "ags": ags, "pop": pop}) \
        .groupby(["region", "ags"], sort=True)["pop"].sum().reset_index() \
        .sort_values(["region", "pop", "ags"], ascending=[True, False, True], kind="stable") \
        .drop_duplicates("region").set_index("region")["ags"].reindex(range(k))
    name_of = munis.set_index("ags")["name"].astype(str).to_dict()
    return np.array([name_of.get(a, "") if isinstance(a, str) else "" for a in by], dtype=object)


def _unique(names: np.ndarray, fixed: np.ndarray, steps, centres: pd.DataFrame) -> np.ndarray:
    """Equal names told apart step by step, then numbered; ``fixed`` names never change.

    Each step maps (the shared name, the regions holding it, those free to change) to new
    names of the free ones (None: unchanged); a step's name is taken only where no region
    outside the group has it yet.
    """
    names = names.astype(object).copy()
    for step in steps:
        for name, members in _duplicates(names):
            free = members[~fixed[members]]
            if free.size == 0:
                continue
            proposed = step(name, members, free)
            taken = set(names[~np.isin(np.arange(len(names)), members)])
            for i, new in zip(free, proposed, strict=True):
                if new is not None and new not in taken:
                    names[i] = new
    for name, members in _duplicates(names):
        free = members[~fixed[members]]
        taken = set(names) - {name}
        mx, my = _centre(centres, members)
        rank = np.hypot(centres["x"].to_numpy()[free] - mx, centres["y"].to_numpy()[free] - my)
        n = 1 if free.size == members.size else 2
        for i in free[np.lexsort((free, rank))]:
            while f"{name} {n}" in taken:
                n += 1
            names[i] = f"{name} {n}"
            taken.add(names[i])
            n += 1
    return names


def _duplicates(names: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Every name held by more than one region, with its regions, in order of first use."""
    codes, uniques = pd.factorize(pd.Series(names, dtype=object))
    counts = np.bincount(codes)
    return [(uniques[c], np.flatnonzero(codes == c)) for c in np.flatnonzero(counts > 1)]


def _next_places(name: str, free: np.ndarray, regions: pd.DataFrame, used: np.ndarray,
                 next_share: float) -> list[str | None]:
    """``"A / C"``: the next place of a one-place name, where it tells the names apart."""
    ranked = regions.set_index(["region", "rank"])
    proposed = []
    for i in free:
        key = (int(i), int(used[i]))
        fits = used[i] == 1 and key in ranked.index and ranked.loc[key, "share"] >= next_share
        proposed.append(f"{name} / {ranked.loc[key, 'place']}" if fits else None)
    counts = pd.Series([p for p in proposed if p is not None], dtype=object).value_counts()
    return [p if p is not None and counts[p] == 1 else None for p in proposed]


def _municipality_parts(name: str, members: np.ndarray, free: np.ndarray,
                        gemeinde: np.ndarray) -> list[str | None]:
    """``"A (Aldenrath)"`` where equal names lie in different municipalities."""
    if len(set(gemeinde[members])) < 2:
        return [None] * len(free)
    return [None if not g or g in name else _qualify(name, g) for g in gemeinde[free]]


def _compass_parts(name: str, members: np.ndarray, free: np.ndarray, centres: pd.DataFrame,
                   centre_share: float) -> list[str]:
    """``"A (Nord)"``: each free region's centre relative to the centre of all holding A.

    ``"Mitte"`` within ``centre_share`` times the root mean square distance of their
    residents from that centre.
    """
    mx, my = _centre(centres, members)
    w = centres["w"].to_numpy()[members]
    dx = centres["x"].to_numpy()[members] - mx
    dy = centres["y"].to_numpy()[members] - my
    spread2 = (w * (centres["var"].to_numpy()[members] + dx ** 2 + dy ** 2)).sum() / max(
        w.sum(), 1e-12)
    radius = centre_share * max(float(np.sqrt(spread2)), 1.0)
    position = {int(i): (a, b) for i, a, b in zip(members, dx, dy, strict=True)}
    return [_qualify(name, _part(*position[int(i)], radius)) for i in free]


def _centre(centres: pd.DataFrame, members: np.ndarray) -> tuple[float, float]:
    """Residents' centre of the regions ``members``."""
    w = centres["w"].to_numpy()[members]
    x, y = centres["x"].to_numpy()[members], centres["y"].to_numpy()[members]
    if w.sum() <= 0:
        return float(x.mean()), float(y.mean())
    return float((w * x).sum() / w.sum()), float((w * y).sum() / w.sum())


def _qualify(name: str, word: str) -> str:
    """``"A (word)"``; a name ending in a parenthesis gets the word inside it."""
    return f"{name[:-1]}, {word})" if name.endswith(")") else f"{name} ({word})"
