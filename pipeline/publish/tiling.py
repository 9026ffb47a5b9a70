"""Polygons that tile the county: empty land to the nearest social space, cut to VG250.

Social spaces are drawn on the populated 100 m cells. For the map they must cover the whole
county without gaps or overlaps (planners map the whole territory, statistics still count
residents only), so :func:`tile_county`

1. rasterises the county onto the Zensus grid (every 100 m cell that touches it),
2. gives every empty cell the region of the nearest populated cell *along the grid* by a
   multi-source breadth-first search inside the county (so a region grows as one piece;
   parts of the county the search cannot reach take the nearest region by straight-line
   distance, :func:`scipy.ndimage.distance_transform_edt`),
3. dissolves the cells of each region with an exact coverage union, reprojects to the CRS
   of the county GIS (EPSG:25832) and clips the result to the county boundary from VG250,
4. optionally smooths the 100 m staircase with a topology-preserving coverage
   simplification (:func:`shapely.coverage_simplify`) that keeps the outer county edge
   (so the result is not clipped again: a second clip put a vertex on one side of a shared
   edge only, and the coverage was invalid on about one jagged county in ten),
5. and checks validity and coverage (:class:`TilingReport`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from pipeline.crs import COUNTY_CRS, GRID_CRS

__all__ = [
    "TilingError",
    "TilingReport",
    "cell_squares",
    "check_tiling",
    "fill_grid",
    "measure_tiling",
    "region_polygons",
    "tile_county",
]


class TilingError(ValueError):
    """The social-space polygons do not tile the county (gaps, overlaps or invalid)."""


@dataclass(frozen=True)
class TilingReport:
    """How well the polygons tile the county; areas in m².

    Attributes
    ----------
    n_regions : int
    county_area, union_area : float
        Area of the county and of the union of the polygons.
    gap_area : float
        Area of the county not covered (county minus union).
    outside_area : float
        Area of the union outside the county.
    overlap_area : float
        Sum of the polygon areas minus the area of their union.
    invalid : int
        Polygons failing :func:`shapely.is_valid`.
    coverage_valid : bool
        :func:`shapely.coverage_is_valid` of the polygons.
    simplify_tolerance : float
        Tolerance of the coverage simplification in metres (0 = off).
    multipart : int
        Regions whose polygon has more than one part.
    cells_displaced, residents_displaced : int, float
        Populated cells (and their residents) whose centre the smoothing moved into a
        neighbouring polygon; they still count for their own social space.
    tolerance : float
        Largest gap, outside and overlap area allowed (m²).
    """

    n_regions: int
    county_area: float
    union_area: float
    gap_area: float
    outside_area: float
    overlap_area: float
    invalid: int
    coverage_valid: bool
    simplify_tolerance: float
    multipart: int
    cells_displaced: int = 0
    residents_displaced: float = 0.0
    tolerance: float = 0.0

    @property
    def tiling_error(self) -> float:
        """Gap, outside and overlap area together (m²)."""
        return self.gap_area + self.outside_area + self.overlap_area

    def problems(self) -> list[str]:
        """Why the polygons do not tile the county; empty when they do."""
        found = []
        if self.invalid:
            found.append(f"{self.invalid} invalid polygons")
        if not self.coverage_valid:
            found.append("polygons are not a valid coverage (overlaps or slivers)")
        for name in ("gap_area", "outside_area", "overlap_area"):
            if getattr(self, name) > self.tolerance:
                found.append(f"{name} {getattr(self, name):.1f} m² > {self.tolerance:.1f} m²")
        return found

    def as_dict(self) -> dict[str, float | int | bool]:
        """The figures as a flat dict, plus ``tiling_error``."""
        return asdict(self) | {"tiling_error": self.tiling_error}


def cell_squares(x: np.ndarray, y: np.ndarray, resolution: float = 100.0) -> np.ndarray:
    """Squares of grid cells from their lower-left corners (vectorized).

    Examples
    --------
    >>> cell_squares([0.0], [100.0])[0].bounds
    (0.0, 100.0, 100.0, 200.0)
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return shapely.box(x, y, x + resolution, y + resolution)


def region_polygons(
    cells: pd.DataFrame,
    labels: np.ndarray,
    population_column: str = "Einwohner",
    resolution: float = 100.0,
) -> gpd.GeoDataFrame:
    """Dissolve the populated cells of each region into one (multi)polygon.

    Only the populated cells: see :func:`tile_county` for polygons covering the county.

    Parameters
    ----------
    cells : DataFrame
        With ``x``, ``y`` (lower-left corners in EPSG:3035) and the population column.
    labels : ndarray of int, shape (n,)
        Region of every cell, ``0..k-1``.
    population_column : str, default "Einwohner"
    resolution : float, default 100

    Returns
    -------
    GeoDataFrame
        ``region``, ``einwohner``, ``zellen``, ``flaeche_km2``, geometry in EPSG:25832,
        one row per region in label order.
    """
    labels = np.asarray(labels, dtype=np.int64)
    squares = cell_squares(cells["x"].to_numpy(), cells["y"].to_numpy(), resolution)
    frame = gpd.GeoDataFrame(
        {
            "region": np.arange(labels.max() + 1),
            "einwohner": np.bincount(labels, weights=cells[population_column].to_numpy(float)),
            "zellen": np.bincount(labels),
        },
        geometry=_dissolve(squares, labels, int(labels.max()) + 1),
        crs=GRID_CRS,
    ).to_crs(COUNTY_CRS)
    frame["geometry"] = shapely.make_valid(frame.geometry.values)
    frame["flaeche_km2"] = frame.geometry.area / 1e6
    return frame



def fill_grid(labels: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Give every cell inside the mask the label of its nearest labelled cell along the grid.

    A multi-source breadth-first search over rook neighbours, restricted to ``inside``:
    each step hands the unlabelled neighbours of the last front their label (on ties the
    smallest label wins, so the result is deterministic). Cells inside the mask that the
    search cannot reach (pieces of the county without any labelled cell) take the label of
    the nearest labelled cell by straight-line distance.

    Parameters
    ----------
    labels : ndarray of int, shape (ny, nx)
        Region per raster cell, ``-1`` where unlabelled.
    inside : ndarray of bool, shape (ny, nx)
        Cells to fill (the county); labelled cells count as inside.

    Returns
    -------
    ndarray of int, shape (ny, nx)
        Labels, ``-1`` only outside the mask.

    Examples
    --------
    >>> fill_grid(np.array([[0, -1, -1, 1]]), np.ones((1, 4), bool)).tolist()
    [[0, 0, 1, 1]]
    """
    labels = np.asarray(labels, dtype=np.int64)
    inside = np.asarray(inside, dtype=bool)
    if labels.shape != inside.shape or labels.ndim != 2:
        raise ValueError(f"labels and inside must be 2-D of one shape, got {labels.shape} "
                         f"and {inside.shape}")
    if (labels < 0).all():
        raise ValueError("labels holds no labelled cell to grow from")
    ny, nx = labels.shape
    # pad by one so that neighbours never leave the array
    lab = np.full((ny + 2, nx + 2), -1, dtype=np.int64)
    lab[1:-1, 1:-1] = labels
    mask = np.zeros((ny + 2, nx + 2), dtype=bool)
    mask[1:-1, 1:-1] = inside | (labels >= 0)
    flat, ok = lab.ravel(), mask.ravel()
    width = nx + 2
    steps = np.array([1, -1, width, -width])
    front = np.flatnonzero(flat >= 0)
    while front.size:
        nbr = (front[:, None] + steps[None, :]).ravel()
        src = np.repeat(flat[front], 4)
        free = ok[nbr] & (flat[nbr] < 0)
        nbr, src = nbr[free], src[free]
        if not nbr.size:
            break
        order = np.lexsort((src, nbr))
        nbr, src = nbr[order], src[order]
        first = np.ones(nbr.size, bool)
        first[1:] = nbr[1:] != nbr[:-1]
        flat[nbr[first]] = src[first]
        front = nbr[first]
    out = lab[1:-1, 1:-1].copy()
    left = inside & (out < 0)
    if left.any():
        _, (iy, ix) = ndimage.distance_transform_edt(out < 0, return_indices=True)
        out[left] = out[iy[left], ix[left]]
    return out


def tile_county(
    cells: pd.DataFrame,
    labels: np.ndarray,
    county: gpd.GeoDataFrame,
    *,
    simplify: float = 100.0,
    resolution: float = 100.0,
    population_column: str = "Einwohner",
    enforce: bool = True,
    keep: Mapping[int, shapely.Geometry] | None = None,
) -> tuple[gpd.GeoDataFrame, TilingReport]:
    """Polygons of the social spaces that tile the county exactly.

    Parameters
    ----------
    cells : DataFrame
        Populated cells: ``x``, ``y`` (lower-left corners, EPSG:3035) and the population
        column.
    labels : ndarray of int, shape (n,)
        Region of every cell, ``0..k-1``.
    county : GeoDataFrame
        The county boundary (any CRS; dissolved to one geometry).
    simplify : float, default 100
        Tolerance in metres of :func:`shapely.coverage_simplify` (0 = keep the staircase).
        The outer county edge is never simplified. GEOS simplifies by Visvalingam-Whyatt
        area, so 50 m leaves most 100 m steps standing; 100 m removes them while moving
        well under 1 % of the residents' cells visually into a neighbour (counted in the
        report as ``cells_displaced``).
    resolution : float, default 100
        Grid cell size in metres.
    population_column : str, default "Einwohner"
    enforce : bool, default True
        Raise :class:`TilingError` on a bad tiling; ``False`` only reports it (for a check
        that shows the figures before it stops the run).
    keep : mapping of int to geometry, optional
        Published polygons (EPSG:25832) of regions that keep their shape byte for byte
        (frozen and unchanged social spaces); the others are tiled around them
        (:func:`keep_shapes`).

    Returns
    -------
    polygons : GeoDataFrame
        ``region``, ``einwohner`` (residents, populated cells only), ``zellen`` (populated
        cells), ``rasterzellen`` (grid cells incl. empty ones), ``flaeche_km2`` (polygon
        area), geometry in EPSG:25832; one row per region in label order.
    report : TilingReport

    Raises
    ------
    TilingError
        If ``enforce`` and the result has invalid polygons, is not a valid coverage or does
        not tile the county within 1 m² per km² of county area.
    """
    labels = _check_tiling_args(cells, labels, county, simplify, resolution)
    k = int(labels.max()) + 1
    outline = shapely.union_all(county.to_crs(COUNTY_CRS).geometry.values)
    x0, y0, raster, inside = _rasterise(cells, labels, outline, resolution)
    filled = fill_grid(raster, inside)
    iy, ix = np.nonzero(filled >= 0)
    squares = cell_squares(x0 + ix * resolution, y0 + iy * resolution, resolution)
    grid_labels = filled[iy, ix]
    dissolved = gpd.GeoSeries(_dissolve(squares, grid_labels, k), crs=GRID_CRS).to_crs(COUNTY_CRS)
    clipped = _clip(dissolved.values, outline)
    if simplify > 0:
        clipped = shapely.coverage_simplify(clipped, simplify, simplify_boundary=False)
    if keep:
        clipped = keep_shapes(clipped, keep)
    population = cells[population_column].to_numpy(np.float64)
    frame = gpd.GeoDataFrame(
        {
            "region": np.arange(k),
            "einwohner": np.bincount(labels, weights=population, minlength=k),
            "zellen": np.bincount(labels, minlength=k),
            "rasterzellen": np.bincount(grid_labels, minlength=k),
        },
        geometry=clipped,
        crs=COUNTY_CRS,
    )
    frame["flaeche_km2"] = frame.geometry.area / 1e6
    report = measure_tiling(frame.geometry.values, cells, labels, county, simplify=simplify,
                            resolution=resolution, population_column=population_column,
                            enforce=enforce)
    return frame, report


def keep_shapes(polygons: np.ndarray, keep: Mapping[int, shapely.Geometry]) -> np.ndarray:
    """Give regions their previous polygons and tile the others around them.

    The kept polygons replace the new ones as they are; the other polygons lose what the
    kept ones cover, and each piece the kept regions no longer cover goes to the other
    region it shares the longest boundary with, so the result still tiles the county.
    """
    polygons = np.asarray(polygons, dtype=object).copy()
    idx = np.array(sorted(i for i in keep if 0 <= i < len(polygons)), dtype=np.int64)
    if idx.size == 0:
        return polygons
    old = np.array([keep[int(i)] for i in idx], dtype=object)
    kept = shapely.union_all(old)
    released = shapely.difference(shapely.union_all(polygons[idx]), kept)
    polygons[idx] = old
    others = np.setdiff1d(np.arange(len(polygons)), idx)
    polygons[others] = shapely.make_valid(shapely.difference(polygons[others], kept))
    for part in shapely.get_parts(released):
        if shapely.area(part) <= 0:
            continue
        shared = shapely.length(shapely.intersection(shapely.boundary(part), polygons[others]))
        if shared.size and shared.max() > 0:
            j = others[int(np.argmax(shared))]
            polygons[j] = shapely.union(polygons[j], part)
    polygons[others] = _polygonal(_junctions_on_vertices(polygons[others], old))
    return polygons


def _junctions_on_vertices(geoms: np.ndarray, kept: np.ndarray, tries: int = 6) -> np.ndarray:
    """Move vertices lying on a kept boundary between two of its vertices onto a kept one.

    Cutting the new polygons along the kept ones leaves junctions in the middle of kept
    edges; a valid coverage needs every shared vertex in every polygon, and the kept ones
    must not change, so the junction moves to the nearest kept vertex, or, where that
    folds a polygon (a long simplified edge), to the next nearest, up to ``tries``.
    """
    from scipy.spatial import cKDTree

    vertices = np.unique(shapely.get_coordinates(kept), axis=0)
    boundary = shapely.union_all(shapely.boundary(kept))
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    tree = cKDTree(vertices)
    dist, _ = tree.query(coords)
    on_edge = shapely.distance(shapely.points(coords), boundary) < 1e-6
    junction = on_edge & (dist > 1e-9)
    if not junction.any():
        return shapely.make_valid(geoms)
    # one junction seen by several polygons moves the same way in all of them
    points, which = np.unique(np.round(coords[junction], 6), axis=0, return_inverse=True)
    which = which.ravel()
    k = min(tries, len(vertices))
    _, candidates = tree.query(points, k=k)
    candidates = candidates.reshape(len(points), k)
    choice = np.zeros(len(points), dtype=np.int64)
    rows = np.flatnonzero(junction)
    geoms = np.asarray(geoms, dtype=object)

    def place(subset: np.ndarray) -> np.ndarray:
        out = coords.copy()
        out[rows] = vertices[candidates[np.arange(len(points)), choice]][which]
        keep = np.isin(owner, subset)
        return shapely.remove_repeated_points(
            shapely.set_coordinates(geoms[subset].copy(), out[keep]))

    owners = [np.unique(owner[rows[which == j]]) for j in range(len(points))]
    for j in range(len(points)):
        if shapely.is_valid(place(owners[j])).all():
            continue
        for c in range(1, k):
            choice[j] = c
            if shapely.is_valid(place(owners[j])).all():
                break
        else:
            choice[j] = 0  # no candidate keeps them valid: the nearest, make_valid repairs
    moved = place(np.arange(len(geoms)))
    return shapely.make_valid(moved)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Only the polygon parts of each geometry (differences can leave lines and points)."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    keep = shapely.get_type_id(parts) == 3
    out = np.empty(len(geoms), dtype=object)
    for i in range(len(geoms)):
        own = parts[keep & (index == i)]
        out[i] = own[0] if own.size == 1 else shapely.multipolygons(own) if own.size else \
            shapely.MultiPolygon()
    return out


def measure_tiling(
    polygons: np.ndarray,
    cells: pd.DataFrame,
    labels: np.ndarray,
    county: gpd.GeoDataFrame,
    *,
    simplify: float = 0.0,
    resolution: float = 100.0,
    population_column: str = "Einwohner",
    enforce: bool = True,
) -> TilingReport:
    """:func:`check_tiling` of region polygons (EPSG:25832, label order) plus displaced cells.

    Parameters
    ----------
    polygons : array of shapely geometries
        One per region label, in :data:`COUNTY_CRS`.
    cells, labels, county, simplify, resolution, population_column
        As for :func:`tile_county`.
    enforce : bool, default True
        Raise :class:`TilingError` when the polygons do not tile the county.

    Returns
    -------
    TilingReport
    """
    polygons = np.asarray(polygons, dtype=object)
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size and labels.max() >= len(polygons):
        raise ValueError(f"{len(polygons)} polygons for labels up to {labels.max()}")
    outline = shapely.union_all(county.to_crs(COUNTY_CRS).geometry.values)
    report = check_tiling(polygons, outline, simplify, enforce=enforce)
    centres = gpd.GeoSeries(shapely.points(cells["x"].to_numpy(np.float64) + resolution / 2,
                                           cells["y"].to_numpy(np.float64) + resolution / 2),
                            crs=GRID_CRS).to_crs(COUNTY_CRS).values
    moved = ~shapely.covers(polygons[labels], centres)
    population = cells[population_column].to_numpy(np.float64)
    return replace(report, cells_displaced=int(moved.sum()),
                   residents_displaced=float(population[moved].sum()))


def check_tiling(
    polygons: np.ndarray, county: shapely.Geometry, simplify_tolerance: float = 0.0,
    *, tolerance: float | None = None, enforce: bool = True,
) -> TilingReport:
    """Measure and enforce that polygons tile the county.

    Parameters
    ----------
    polygons : array of shapely geometries
    county : shapely geometry
        In the same CRS as ``polygons``.
    simplify_tolerance : float, default 0
        Recorded in the report.
    tolerance : float, optional
        Largest allowed gap, outside and overlap area in m²; default 1 m² per km² of the
        county.
    enforce : bool, default True
        Raise on a bad tiling; ``False`` returns the report (see
        :meth:`TilingReport.problems`).

    Returns
    -------
    TilingReport

    Raises
    ------
    TilingError
        Invalid polygons, an invalid coverage or areas above the tolerance.
    """
    polygons = np.asarray(polygons)
    coverage_valid = bool(shapely.coverage_is_valid(polygons))
    # the fast coverage union is exact for a valid coverage only
    union = (shapely.coverage_union_all(polygons) if coverage_valid
             else shapely.union_all(shapely.make_valid(polygons)))
    county_area = float(shapely.area(county))
    union_area = float(shapely.area(union))
    limit = county_area / 1e6 if tolerance is None else float(tolerance)
    report = TilingReport(
        n_regions=len(polygons),
        county_area=county_area,
        union_area=union_area,
        gap_area=float(shapely.area(shapely.difference(county, union))),
        outside_area=float(shapely.area(shapely.difference(union, county))),
        overlap_area=max(float(shapely.area(polygons).sum()) - union_area, 0.0),
        invalid=int((~shapely.is_valid(polygons)).sum()),
        coverage_valid=coverage_valid,
        simplify_tolerance=float(simplify_tolerance),
        multipart=int((shapely.get_num_geometries(polygons) > 1).sum()),
        tolerance=limit,
    )
    problems = report.problems()
    if problems and enforce:
        raise TilingError("social spaces do not tile the county: " + "; ".join(problems))
    return report


def _check_tiling_args(cells, labels, county, simplify, resolution) -> np.ndarray:
    if not isinstance(cells, pd.DataFrame):
        raise TypeError(f"cells must be a DataFrame, got {type(cells).__name__}")
    if not isinstance(county, gpd.GeoDataFrame):
        raise TypeError(f"county must be a GeoDataFrame, got {type(county).__name__}")
    if county.crs is None or not len(county):
        raise ValueError("county must hold at least one geometry and have a CRS")
    labels = np.asarray(labels)
    if labels.shape != (len(cells),):
        raise ValueError(f"labels must have one entry per cell ({len(cells)}), got {labels.shape}")
    if not len(cells) or labels.min() < 0:
        raise ValueError("every cell needs a region label >= 0")
    if not (simplify >= 0 and np.isfinite(simplify)):
        raise ValueError(f"simplify must be a tolerance >= 0 in metres, got {simplify!r}")
    if not resolution > 0:
        raise ValueError(f"resolution must be positive, got {resolution!r}")
    return labels.astype(np.int64)


def _rasterise(cells, labels, outline, resolution):
    """The grid over the county: labels of populated cells and the mask of cells touching it."""
    area = gpd.GeoSeries([outline], crs=COUNTY_CRS).to_crs(GRID_CRS).iloc[0]
    x = cells["x"].to_numpy(np.float64)
    y = cells["y"].to_numpy(np.float64)
    minx, miny, maxx, maxy = area.bounds
    x0 = min(np.floor(minx / resolution) * resolution, x.min()) - resolution
    y0 = min(np.floor(miny / resolution) * resolution, y.min()) - resolution
    nx = int(np.ceil((max(maxx, x.max() + resolution) - x0) / resolution)) + 1
    ny = int(np.ceil((max(maxy, y.max() + resolution) - y0) / resolution)) + 1
    # buffer a little: a cell the reprojected county edge only grazes still gets a label
    buffered = area.buffer(resolution / 10)
    inside = squares_touching(buffered, x0, y0, nx, ny, resolution)
    raster = np.full((ny, nx), -1, dtype=np.int64)
    ix = np.rint((x - x0) / resolution).astype(np.int64)
    iy = np.rint((y - y0) / resolution).astype(np.int64)
    raster[iy, ix] = labels
    return x0, y0, raster, inside


def squares_touching(area, x0: float, y0: float, nx: int, ny: int,
                     resolution: float) -> np.ndarray:
    """Mask (ny, nx) of the grid squares that meet ``area``: ``shapely.intersects``, but fast.

    Square (j, i) has its lower-left corner at ``(x0 + i * resolution, y0 + j * resolution)``.

    A square meets the area when its centre lies inside, or else the boundary crosses it.
    Points every quarter cell along the boundary fall in or next to every square the
    boundary crosses, so only those squares and their eight neighbours are tested exactly;
    every other square is decided by its centre (point-in-polygon, not polygon overlap).
    """
    shapely.prepare(area)
    cx = x0 + (np.arange(nx) + 0.5) * resolution
    cy = y0 + (np.arange(ny) + 0.5) * resolution
    gx, gy = np.meshgrid(cx, cy)
    inside = shapely.contains_xy(area, gx.ravel(), gy.ravel()).reshape(ny, nx)
    points = shapely.get_coordinates(shapely.segmentize(area.boundary, resolution / 4))
    near = np.zeros((ny + 2, nx + 2), dtype=bool)
    ix = np.floor((points[:, 0] - x0) / resolution).astype(np.int64)
    iy = np.floor((points[:, 1] - y0) / resolution).astype(np.int64)
    keep = (ix >= -1) & (ix <= nx) & (iy >= -1) & (iy <= ny)
    near[iy[keep] + 1, ix[keep] + 1] = True
    ring = near.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            ring[1:-1, 1:-1] |= near[1 + dy:ny + 1 + dy, 1 + dx:nx + 1 + dx]
    jy, jx = np.nonzero(ring[1:-1, 1:-1] & ~inside)
    squares = cell_squares(x0 + jx * resolution, y0 + jy * resolution, resolution)
    inside[jy, jx] = shapely.intersects(squares, area)
    return inside


def _dissolve(squares: np.ndarray, labels: np.ndarray, k: int) -> list:
    """Coverage union of the squares of every label 0..k-1 (exact for grid squares)."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(k + 1))
    return [shapely.coverage_union_all(squares[order[bounds[i]:bounds[i + 1]]])
            for i in range(k)]


def _clip(polygons: np.ndarray, outline: shapely.Geometry) -> np.ndarray:
    """Intersect with the county, keep polygonal parts only, valid."""
    shapely.prepare(outline)
    clipped = shapely.intersection(np.asarray(polygons), outline)
    out = []
    for geom in clipped:
        geom = shapely.make_valid(geom) if not shapely.is_valid(geom) else geom
        if geom.geom_type == "GeometryCollection":
            parts = [g for g in shapely.get_parts(geom) if g.geom_type in
                     ("Polygon", "MultiPolygon")]
            geom = shapely.union_all(parts) if parts else shapely.Polygon()
        out.append(geom)
    return np.asarray(out, dtype=object)


