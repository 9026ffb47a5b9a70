"""Data sets of the benchmark: synthetic lattices, the sample county, libpysal's bundled maps.

Every data set becomes a :class:`BenchData`: the contiguity graph every tool gets, the
standardized features, the population, the floor, and what the quality report needs for
compactness (grid positions or polygons). Nothing is downloaded: the libpysal maps are read
from the files that ship inside its wheel, and a data set whose files are missing is
skipped with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.graph.base import Graph
from pipeline.graph.contiguity import bridge_components, build_polygon_contiguity
from pipeline.testing import autocorrelated_lattice

__all__ = ["GERMANY_CELLS", "LATTICE_SIDES", "BenchData", "county_data", "lattice_data",
           "libpysal_data"]

#: All populated 100 m cells of Germany (Zensus 2022): the largest scaling row. The national
#: grid file is not part of the checkout, so the bench solves a synthetic lattice of this
#: size (1761 x 1761 cells) instead and says so.
GERMANY_CELLS = 3_101_121
#: Lattice side lengths by number of cells.
LATTICE_SIDES = {2_500: 50, 10_000: 100, 40_000: 200, 160_000: 400, 1_000_000: 1000,
                 GERMANY_CELLS: 1761}
#: Floor of the synthetic lattices, in mean cell populations.
LATTICE_FLOOR_CELLS = 100


@dataclass(frozen=True)
class BenchData:
    """One benchmark problem (no logic)."""

    name: str
    graph: Graph
    features: np.ndarray
    population: np.ndarray
    floor: float
    cells: np.ndarray | None = None
    cell_size: float = 100.0
    geometries: object = None
    series: str = ""
    note: str = ""

    @property
    def n(self) -> int:
        """Number of units."""
        return self.graph.n


def standardize(features: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Z-scores per column (weighted if ``weights``); NaN filled with the column mean."""
    x = np.asarray(features, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x.copy()
    w = np.ones(x.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    for j in range(x.shape[1]):
        ok = np.isfinite(x[:, j])
        mean = np.average(x[ok, j], weights=w[ok]) if w[ok].sum() > 0 else 0.0
        x[~ok, j] = mean
        sd = np.sqrt(np.average((x[:, j] - mean) ** 2, weights=w)) if w.sum() > 0 else 0.0
        x[:, j] = (x[:, j] - mean) / sd if sd > 0 else 0.0
    return np.ascontiguousarray(x)


def lattice_data(n_cells: int, seed: int = 0) -> BenchData:
    """A square lattice of ``n_cells`` with autocorrelated indicators and clustered residents.

    The floor is 100 times the mean cell population, so about ``n_cells / 100`` regions fit.
    """
    side = LATTICE_SIDES.get(n_cells, int(round(np.sqrt(n_cells))))
    cells, features, population, graph = autocorrelated_lattice(side, side, seed=seed)
    return BenchData(
        name=f"lattice {side * side:,}",
        graph=graph,
        features=features,
        population=population,
        floor=LATTICE_FLOOR_CELLS * float(population.mean()),
        cells=cells,
        series="lattice",
        note=("(synthetic: as many cells as all populated 100 m cells of Germany, whose grid "
              "file is not in the checkout)" if side * side == GERMANY_CELLS else ""),
    )


def county_data(key: str = "sample") -> BenchData | str:
    """The county ``key`` from ``counties.yaml`` through the pipeline's readers.

    Returns a message instead when the files or the readers are not there.
    """
    try:
        return _read_county(key)
    except Exception as err:  # readers of other modules: report, never stop the benchmark
        return f"county {key!r} skipped: {type(err).__name__}: {err}"


def _read_county(key: str) -> BenchData:
    """Cells, indicators and graph of a configured county (the same steps as the assets)."""
    from pipeline.crs import GRID_CRS
    from pipeline.operations.counties import load_counties
    from pipeline.readers.cell_table import assign_municipality, join_topics
    from pipeline.readers.vg250 import read_county, read_municipalities
    from pipeline.readers.zensus import read_zensus
    from pipeline.regionalization.cell_regions import build_cell_graph

    county = load_counties()[key]
    missing = [str(p) for p in county.zensus.values() if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"missing {missing[:3]} (run `make sample`)")
    boundary = read_county(county.vg250, county.ags)
    area = boundary.to_crs(GRID_CRS).geometry.union_all()
    topics = {topic: read_zensus(path, area=area) for topic, path in county.zensus.items()}
    cells = join_topics(topics)
    munis = read_municipalities(county.vg250, county.ags)
    cells.insert(3, "ags", assign_municipality(cells["x"], cells["y"], munis))
    barriers = None
    if county.barriers is not None and Path(county.barriers).exists():
        from pipeline.readers.barriers import read_barriers

        barriers = read_barriers(county.barriers)
    params = county.parameters
    graph = build_cell_graph(cells, params, barriers)
    population = cells["Einwohner"].to_numpy(np.float64)
    try:
        features, note = _county_matrix(county, cells)
    except Exception as err:  # the indicator chain of other modules may be in flux
        features, note = _raw_topic_matrix(cells, population), (
            f"raw topic columns (indicator chain failed: {type(err).__name__}: {err})"
        )
    return BenchData(
        name=f"county {key} ({len(cells):,} cells)",
        graph=graph,
        features=features,
        population=population,
        floor=float(params.min_population),
        cells=cells[["x", "y"]].to_numpy(np.float64),
        series="county",
        note=note,
    )


def _county_matrix(county, cells) -> tuple[np.ndarray, str]:
    """The clustering matrix of the indicator catalog, as the assets build it."""
    from pipeline.indicators.compute import compute_cell_indicators
    from pipeline.indicators.matrix import build_clustering_matrix
    from pipeline.indicators.options import attach_extras, county_catalog, parse_options
    from pipeline.indicators.spreading import merge_municipal
    from pipeline.operations.counties import default_config_path
    from pipeline.readers.bundesagentur import read_sgb2
    from pipeline.readers.genesis import read_income

    options = parse_options(county.options, base_dir=default_config_path().parent)
    catalog = county_catalog(options)
    municipal = merge_municipal(read_income(county.income), read_sgb2(county.sgb2))
    cells, municipal = attach_extras(options, cells, municipal)
    table = compute_cell_indicators(cells, catalog, municipal, options.stabilize).table
    matrix = build_clustering_matrix(table, catalog, params=options.clustering)
    frame = matrix.to_frame(table["cell_id"]).set_index("cell_id").loc[cells["cell_id"]]
    return np.ascontiguousarray(frame.to_numpy(np.float64)), (
        f"{len(matrix.columns)} catalog indicators"
    )


def _raw_topic_matrix(cells, population: np.ndarray) -> np.ndarray:
    """Numeric topic columns per resident (counts) or as published (means, rates)."""
    skip = {"x", "y", "Einwohner"}
    columns = [c for c in cells.columns if c not in skip and not str(c).startswith("klammern")
               and np.issubdtype(cells[c].dtype, np.number)]
    raw = cells[columns].to_numpy(np.float64)
    return standardize(raw, population)


@dataclass(frozen=True)
class _MapSpec:
    """A map bundled with libpysal (no logic)."""

    folder: str
    file: str
    features: tuple[str, ...]
    population: str | None
    regions: int
    transform: Callable[[np.ndarray], np.ndarray] | None = None


#: The bundled maps with polygons and attributes; the floor allows about ``regions`` regions.
LIBPYSAL_MAPS = {
    "mexico": _MapSpec("mexico", "mexicojoin.shp",
                       tuple(f"PCGDP{y}" for y in range(1940, 2001, 10)), None, 6, np.log),
    "columbus": _MapSpec("columbus", "columbus.shp", ("HOVAL", "INC", "CRIME"), None, 8),
    "stl": _MapSpec("stl", "stl_hom.shp", ("HR7984", "HR8488", "HR8893", "RDAC80", "RDAC85",
                                           "RDAC90"), "PO8893", 10),
    "sids2": _MapSpec("sids2", "sids2.shp", ("SIDR74", "SIDR79", "NWR74", "NWR79"), "BIR79",
                      12),
    "georgia": _MapSpec("georgia", "G_utm.shp", ("PctRural", "PctBach", "PctEld", "PctFB",
                                                 "PctPov", "PctBlack"), "TotPop90", 16),
}


def libpysal_data(name: str) -> BenchData | str:
    """One of :data:`LIBPYSAL_MAPS` from the files inside libpysal's wheel, or a message.

    Maps without a population column count every unit as one resident (the floor is then
    a number of units).
    """
    spec = LIBPYSAL_MAPS[name]
    try:
        import geopandas as gpd
        import libpysal
    except ImportError as err:
        return f"{name} skipped: {err}"
    path = Path(libpysal.examples.__file__).parent / spec.folder / spec.file
    if not path.exists():
        return f"{name} skipped: {path} is not on disk (not bundled in this libpysal)"
    frame = gpd.read_file(path)
    geoms = frame.geometry.reset_index(drop=True)
    graph = build_polygon_contiguity(geoms, "rook")
    if graph.n_components > 1:
        centres = np.column_stack([geoms.representative_point().x, geoms.representative_point().y])
        graph = bridge_components(graph, centres, np.inf)
    raw = frame[list(spec.features)].to_numpy(np.float64)
    raw = spec.transform(raw) if spec.transform is not None else raw
    population = (
        np.ones(len(frame)) if spec.population is None
        else frame[spec.population].to_numpy(np.float64)
    )
    floor = float(np.floor(population.sum() / spec.regions))
    return BenchData(
        name=f"{name} ({len(frame)})",
        graph=graph,
        features=standardize(raw),
        population=population,
        floor=floor,
        geometries=geoms,
        series="libpysal",
        note=f"population: {spec.population or 'units'}",
    )
