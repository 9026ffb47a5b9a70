"""The published social spaces: polygons that tile the county, stable IDs and readable names.

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
   simplification (:func:`shapely.coverage_simplify`) that keeps the outer county edge,
5. and checks validity and coverage (:class:`TilingReport`).

:func:`region_ids` gives IDs ``SR-<Kreisschlüssel>-<nnn>``; :func:`region_names` names each
social space after the municipality holding most of its residents, with a part
(``-Nord``, ``-Mitte``, ...) when a municipality holds several.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from pipeline.cells import GRID_CRS

__all__ = [
    "OUTPUT_CRS",
    "TilingError",
    "TilingReport",
    "cell_squares",
    "check_tiling",
    "fill_grid",
    "keep_names",
    "measure_tiling",
    "region_ids",
    "region_names",
    "region_polygons",
    "social_space_polygons",
    "tile_county",
]

#: CRS of county GIS in NRW, used for every published layer.
OUTPUT_CRS = "EPSG:25832"
#: Compass parts of a municipality, by angle sector (east = 0, counter-clockwise).
_PARTS = ("Ost", "Nordost", "Nord", "Nordwest", "West", "Südwest", "Süd", "Südost")


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


def region_ids(labels: np.ndarray, county_ags: str) -> np.ndarray:
    """Readable IDs ``SR-<Kreisschlüssel>-<nnn>`` for region labels 0..k-1.

    Examples
    --------
    >>> region_ids(np.array([1, 0]), "05358").tolist()
    ['SR-05358-002', 'SR-05358-001']
    """
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size == 0:
        return np.array([], dtype=object)
    if labels.min() < 0:
        raise ValueError(f"labels must be 0..k-1, got a minimum of {labels.min()}")
    return np.array([f"SR-{county_ags}-{i + 1:03d}" for i in range(int(labels.max()) + 1)])[labels]


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
    ).to_crs(OUTPUT_CRS)
    frame["geometry"] = shapely.make_valid(frame.geometry.values)
    frame["flaeche_km2"] = frame.geometry.area / 1e6
    return frame


# --- tiling -------------------------------------------------------------------------------


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
    outline = shapely.union_all(county.to_crs(OUTPUT_CRS).geometry.values)
    x0, y0, raster, inside = _rasterise(cells, labels, outline, resolution)
    filled = fill_grid(raster, inside)
    iy, ix = np.nonzero(filled >= 0)
    squares = cell_squares(x0 + ix * resolution, y0 + iy * resolution, resolution)
    grid_labels = filled[iy, ix]
    dissolved = gpd.GeoSeries(_dissolve(squares, grid_labels, k), crs=GRID_CRS).to_crs(OUTPUT_CRS)
    clipped = _clip(dissolved.values, outline)
    if simplify > 0:
        clipped = shapely.coverage_simplify(clipped, simplify, simplify_boundary=False)
        clipped = _clip(clipped, outline)
    population = cells[population_column].to_numpy(np.float64)
    frame = gpd.GeoDataFrame(
        {
            "region": np.arange(k),
            "einwohner": np.bincount(labels, weights=population, minlength=k),
            "zellen": np.bincount(labels, minlength=k),
            "rasterzellen": np.bincount(grid_labels, minlength=k),
        },
        geometry=clipped,
        crs=OUTPUT_CRS,
    )
    frame["flaeche_km2"] = frame.geometry.area / 1e6
    report = measure_tiling(frame.geometry.values, cells, labels, county, simplify=simplify,
                            resolution=resolution, population_column=population_column,
                            enforce=enforce)
    return frame, report


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
        One per region label, in :data:`OUTPUT_CRS`.
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
    outline = shapely.union_all(county.to_crs(OUTPUT_CRS).geometry.values)
    report = check_tiling(polygons, outline, simplify, enforce=enforce)
    centres = gpd.GeoSeries(shapely.points(cells["x"].to_numpy(np.float64) + resolution / 2,
                                           cells["y"].to_numpy(np.float64) + resolution / 2),
                            crs=GRID_CRS).to_crs(OUTPUT_CRS).values
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
    area = gpd.GeoSeries([outline], crs=OUTPUT_CRS).to_crs(GRID_CRS).iloc[0]
    x = cells["x"].to_numpy(np.float64)
    y = cells["y"].to_numpy(np.float64)
    minx, miny, maxx, maxy = area.bounds
    x0 = min(np.floor(minx / resolution) * resolution, x.min()) - resolution
    y0 = min(np.floor(miny / resolution) * resolution, y.min()) - resolution
    nx = int(np.ceil((max(maxx, x.max() + resolution) - x0) / resolution)) + 1
    ny = int(np.ceil((max(maxy, y.max() + resolution) - y0) / resolution)) + 1
    gx, gy = np.meshgrid(x0 + np.arange(nx) * resolution, y0 + np.arange(ny) * resolution)
    # buffer a little: a cell the reprojected county edge only grazes still gets a label
    shapely.prepare(buffered := area.buffer(resolution / 10))
    inside = shapely.intersects(cell_squares(gx.ravel(), gy.ravel(), resolution), buffered)
    raster = np.full((ny, nx), -1, dtype=np.int64)
    ix = np.rint((x - x0) / resolution).astype(np.int64)
    iy = np.rint((y - y0) / resolution).astype(np.int64)
    raster[iy, ix] = labels
    return x0, y0, raster, inside.reshape(ny, nx)


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


# --- names --------------------------------------------------------------------------------


def region_names(
    cells: pd.DataFrame,
    labels: np.ndarray,
    polygons: gpd.GeoSeries,
    municipalities: gpd.GeoDataFrame,
    population_column: str = "Einwohner",
    centre_share: float = 0.4,
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
    munis = municipalities.to_crs(GRID_CRS).set_index("ags")
    pop = cells[population_column].to_numpy(np.float64)
    table = pd.DataFrame({"region": labels, "ags": cells["ags"].to_numpy(), "pop": pop,
                          "wx": (cells["x"].to_numpy(np.float64) + 50) * pop,
                          "wy": (cells["y"].to_numpy(np.float64) + 50) * pop})
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
) -> tuple[gpd.GeoDataFrame, TilingReport]:
    """The social spaces as polygons tiling the county, with stable IDs and names.

    :func:`tile_county`, then :func:`region_names`, with published names kept for kept IDs
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
    polygons, tiling = tile_county(cells, labels, county, simplify=simplify, enforce=enforce)
    ids = _check_ids(sr_ids, len(polygons), county_ags)
    names = region_names(cells, labels, polygons.geometry, municipalities)
    names["name"] = keep_names(ids, names["name"].to_numpy(), kept_names)
    frame = pd.concat([
        pd.DataFrame({"region": polygons["region"].to_numpy(), "sr_id": ids}),
        names.drop(columns="region"),
        polygons.drop(columns=["region", "geometry"]),
    ], axis=1)
    frame = gpd.GeoDataFrame(frame, geometry=polygons.geometry.values, crs=OUTPUT_CRS)
    frame.attrs["simplify"] = float(simplify)  # kept by (Geo)Parquet, read by the publication
    return frame, tiling


# --- the publication ----------------------------------------------------------------------

#: Citations of the data sources, by catalog ``source``.
SOURCES = {
    "zensus": "Statistisches Bundesamt (Destatis), Zensus 2022, Gitterzellen (100 m), "
              "Datenlizenz Deutschland – Namensnennung – Version 2.0",
    "vg250": "VG250 © GeoBasis-DE / BKG (Verwaltungsgebiete 1:250 000), dl-de/by-2-0",
    "genesis": "Statistische Ämter des Bundes und der Länder, Regionaldatenbank "
               "Deutschland, Lohn- und Einkommensteuerstatistik (73111-01-01-5)",
    "ba": "Statistik der Bundesagentur für Arbeit, SGB II und Arbeitslose nach Gemeinden",
    "extra": "Eigene Daten des Kreises",
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
        :func:`pipeline.profiles.build_profiles` output, one row per region.
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

    Returns
    -------
    Publication
    """
    from pipeline.profiles import STATUS_CLASSES, ProfileParams, build_profiles
    from pipeline.styles import (
        STATUS_COLORS,
        categorized_qml,
        graduated_qml,
        line_qml,
        outline_qml,
        region_colors,
    )

    labels = np.asarray(labels, dtype=np.int64)
    if polygons is None:
        polygons, tiling = social_space_polygons(
            cells, labels, county, municipalities, county_ags=county_ags, sr_ids=sr_ids,
            kept_names=kept_names, simplify=simplify)
    else:
        k = int(labels.max()) + 1
        if polygons["region"].tolist() != list(range(k)):
            raise ValueError(f"polygons must hold regions 0..{k - 1} in label order")
        simplify = float(polygons.attrs.get("simplify", simplify))
        polygons = polygons.to_crs(OUTPUT_CRS)
        tiling = measure_tiling(polygons.geometry.values, cells, labels, county,
                                simplify=simplify)
    ids = _check_ids(polygons["sr_id"].to_numpy(), len(polygons), county_ags)
    regions = _region_layer(ids, polygons, polygons, profiles)
    regions = regions.sort_values("sr_id", kind="stable").reset_index(drop=True)
    colors = region_colors(regions.geometry.values)
    regions["farbe"] = colors
    status = regions[["sr_id", "name", "einwohner", "social_index", "social_index_z",
                      "status", "status_class", "geometry"]].copy()
    cell_layer = _cell_layer(ids, cells, labels, cell_indicators, catalog)
    outline = county.to_crs(OUTPUT_CRS)
    layers = {
        "sozialraeume": regions,
        "sozialraeume_status": gpd.GeoDataFrame(status, geometry="geometry", crs=OUTPUT_CRS),
        "zellen": cell_layer,
        "gemeinden": municipalities.to_crs(OUTPUT_CRS),
        "kreis": outline,
    }
    has_barriers = barriers is not None and len(barriers) > 0
    if has_barriers:
        layers["barrieren"] = barriers.to_crs(OUTPUT_CRS)
    layers["indikatoren"] = catalog_table(catalog)
    metadata = run_metadata(parameters or {}, quality or {}, tiling, input_files or {},
                            simplify)
    layers["metadaten"] = pd.DataFrame(
        {"schluessel": list(metadata), "wert": [_json(v) for v in metadata.values()]})
    cats = list(zip(regions["sr_id"], regions["name"], colors, strict=True))
    t = list(ProfileParams().thresholds)
    ranges = list(zip([-1e9, *t], [*t, 1e9], STATUS_CLASSES, STATUS_COLORS, strict=True))
    qml = {
        "sozialraeume": categorized_qml("sr_id", cats, label_field="name"),
        "sozialraeume_status": graduated_qml("social_index_z", ranges, label_field="name"),
        "zellen": categorized_qml("sr_id", cats, outline="#ffffff", outline_width=0.0),
        "gemeinden": outline_qml("#555555", 0.4, label_field="name"),
        "kreis": outline_qml("#000000", 0.8),
    }
    if has_barriers:
        qml["barrieren"] = line_qml()
    descriptions = {
        "sozialraeume": f"Sozialräume {county_name}: Polygone lückenlos über den Kreis "
                        "(unbewohnte Fläche dem nächsten Sozialraum zugeschlagen), Profile "
                        "aus bewohnten Zellen",
        "sozialraeume_status": f"Sozialräume {county_name} nach Sozialindex (Statusklassen)",
        "zellen": "Zensus-2022-Gitterzellen (100 m) mit Sozialraum und stabilisierten "
                  f"Indikatoren (keine Werte unter {MIN_CELL_RESIDENTS} Einwohnern)",
        "gemeinden": "Gemeinden (VG250 © GeoBasis-DE / BKG)",
        "kreis": "Kreisgrenze (VG250 © GeoBasis-DE / BKG)",
        "barrieren": "Barrieren (Straßen, Bahnen, Flüsse), denen Grenzen folgen sollen",
        "indikatoren": "Indikatorenkatalog: Bezeichnungen, Quellen, Methoden",
        "metadaten": "Laufmetadaten: Parameter, Versionen, Eingangsdateien (SHA-256), Qualität",
    }
    whole = build_profiles(cell_indicators, np.zeros(len(cell_indicators), np.int64), catalog)
    county_values = {i.key: float(whole[i.key].iloc[0]) for i in catalog
                     if i.key in whole.columns}
    return Publication(regions, layers, descriptions, qml, metadata, tiling, county_values)


def catalog_table(catalog) -> pd.DataFrame:
    """The indicator catalog as an attribute table with the source citation per indicator."""
    frame = catalog.to_frame()
    frame["quelle"] = frame["source"].map(SOURCES).fillna("")
    return frame.astype({c: str for c in frame.columns if frame[c].dtype == object})


def run_metadata(parameters: dict, quality: dict, tiling: TilingReport,
                 input_files: dict, simplify: float) -> dict:
    """Parameters, versions, input hashes and quality of a run, free of wall-clock time.

    The only timestamp is the newest modification time of the input files, so that
    unchanged inputs give a byte-identical GeoPackage.
    """
    import os
    from datetime import UTC, datetime
    from importlib import metadata as im

    from pipeline.inputs import file_sha256

    hashes, mtimes = {}, []
    for role, path in sorted(input_files.items()):
        hashes[role] = {"path": os.path.basename(str(path)), "sha256": file_sha256(path)}
        mtimes.append(os.stat(path).st_mtime)
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
    stand = (datetime.fromtimestamp(max(mtimes), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
             if mtimes else "")
    return {
        "parameter": {str(k): _plain(v) for k, v in parameters.items()}
        | {"simplify_m": simplify},
        "versionen": versions,
        "eingangsdateien": hashes,
        "eingangsdaten_stand": stand,
        "qualitaet": {str(k): _plain(v) for k, v in quality.items()},
        "kachelung": {k: _plain(v) for k, v in tiling.as_dict().items()},
    }


def _check_ids(sr_ids, k: int, county_ags: str) -> np.ndarray:
    if sr_ids is None:
        return region_ids(np.arange(k), county_ags)
    ids = np.asarray(sr_ids, dtype=object)
    if ids.shape != (k,) or pd.isna(ids).any() or len(set(ids)) != k:
        raise ValueError(f"sr_ids must hold {k} distinct IDs, one per region label, "
                         f"got {ids.shape[0]} ({len(set(ids))} distinct)")
    return ids


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
        "besiedelt_km2": polygons["zellen"].to_numpy() * 0.01,
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
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=OUTPUT_CRS)


def _cell_layer(ids, cells, labels, cell_indicators, catalog) -> gpd.GeoDataFrame:
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
    squares = cell_squares(cells["x"].to_numpy(), cells["y"].to_numpy())
    return gpd.GeoDataFrame(frame, geometry=squares, crs=GRID_CRS).to_crs(OUTPUT_CRS)


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
