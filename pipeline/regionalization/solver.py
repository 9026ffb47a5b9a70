"""Spatially constrained regionalization: contiguous, population-bounded, homogeneous regions.

:func:`regionalize` partitions the units of a contiguity
:class:`~pipeline.graph.Graph` into regions that are each connected, hold at least
``min_population`` residents (and at most ``max_population`` if given), and are as
homogeneous as possible: it minimises the population-weighted within-region sum of squared
deviations (SSW) of the standardized features, either with as many regions as the floor
allows (the max-p-regions problem of Duque, Anselin and Rey 2012) or with a target count.

The solver has five steps, each a compiled kernel with memory linear in units plus edges
(no ``n x n`` matrix anywhere) in a private module of :mod:`pipeline.regionalization`:

1. **Construction** (``_grow``, ``_ward``): several candidates, the best kept by count
   (most regions in max-p mode, closest to the target otherwise), then objective. Tight
   region growths (``_grow``) grow one region at a time from a seed until it reaches the
   floor, taking the free neighbour with the most edges into the region and, for the last
   step, the one that overshoots least, with seeds packed on the boundary of the regions
   grown so far (memory order, reverse order and random orders); their enclaves are
   absorbed by the cheapest neighbour. A sparse Ward (1963) agglomeration along graph
   edges with running sums (on small problems, and always with a target count) merges
   two regions only while both are below the floor; with a target count the cheapest
   pairs keep merging down to it. The merge cost is scaled by the mean cost of the shared
   edges, so regions meet along barriers. Like the efficient max-p construction of Wei,
   Rey and Knaap (2021) neither needs dense distances. In max-p mode the best candidate
   then drains (``_drain``): where the residents its regions hold above the floor make
   another floor, a ball of regions passes them, region by region, to the region with
   the most to spare, which is split in two (the few residents each region spares are
   otherwise never in one place).
2. **Repair and split** (``_split``): regions above the cap, and in max-p mode
   every region with twice the floor, are split at the best cut of their minimum spanning
   tree, as in SKATER (Assunção, Neves, Câmara and da Costa Freitas 2006).
3. **Local search** (``_localsearch``): boundary units move to a neighbouring
   region when that lowers SSW plus a compactness term, keeping the donor connected and
   both regions within the bounds, as in AZP (Openshaw 1977) and the max-p local search.
4. **Merge-split** (``_mergesplit``): adjacent pairs are merged and cut again
   at the best spanning-tree cut when that lowers SSW; in max-p mode pairs with three
   floors of residents become three regions. Local search and merge-split alternate until
   neither changes anything; after a merge-split round the local search revisits only the
   regions it changed and their neighbours. Then **refill moves** (``_swap``) reshape the
   regions at the floor, which single moves cannot shrink: a unit leaves while one next to
   it comes in (a swap, or from a third region with residents to spare).
5. **Restarts and annealing** (``_restarts``), for small problems only (effort scales
   as ``1 / n``): the steps above run again with random factors on the Ward merge costs
   and other growth orders, and simulated annealing (up to 400,000 units, where it pays
   for its time; with refill moves at the floor) perturbs the best partition before
   another descent; the best is kept (most regions in max-p mode, then the lowest
   objective). Below 500 units every annealing run ends with exact re-partitions of
   adjacent pairs (``_repartition``): all connected bipartitions of the union that meet
   the bounds are tried, which finds boundaries at a tight floor that no tree cut and no
   chain of single moves reaches.

The same inputs and ``seed`` give the same labels byte for byte: randomness enters only
through ``np.random.default_rng(seed)``, converted once (the salts of the merge-cost
factors and of the growth orders, the annealing seed); local searches visit units in
memory order, and the kernels are compiled without fastmath. From 100,000 units the
construction candidates run on all cores (threads: the kernels release the GIL) and are
compared in their fixed order, so the labels do not depend on the number of cores. A
warm start begins from last run's labels, repairs only what violates the constraints and
runs a local search in which leaving the previous region costs extra, so small data
changes move few boundaries.

References
----------
Assunção, R. M., Neves, M. C., Câmara, G. and da Costa Freitas, C. (2006). Efficient
regionalization techniques for socio-economic geographical units using minimum spanning
trees. International Journal of Geographical Information Science 20(7), 797-811.

Duque, J. C., Anselin, L. and Rey, S. J. (2012). The max-p-regions problem. Journal of
Regional Science 52(3), 397-419.

Openshaw, S. (1977). A geographical solution to scale and aggregation problems in
region-building, partitioning and spatial modelling. Transactions of the Institute of
British Geographers 2(4), 459-472.

Ward, J. H. (1963). Hierarchical grouping to optimize an objective function. Journal of
the American Statistical Association 58(301), 236-244.

Wei, R., Rey, S. J. and Knaap, E. (2021). Efficient regionalization for spatially explicit
neighborhood delineation. International Journal of Geographical Information Science 35(1),
135-151.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field

import numpy as np

from pipeline.errors import InfeasibleError
from pipeline.graph.base import Graph
from pipeline.regionalization._constraints import check_fixed, check_locks_held, floor_of
from pipeline.regionalization._localsearch import objective_terms
from pipeline.regionalization._restarts import best_of_restarts, from_warm_start, timer
from pipeline.regionalization._steps import Problem, Settings, number_regions, prepare

__all__ = ["Regionalization", "check_feasible", "regionalize"]

#: Passes of the local search when ``max_iterations`` is not given.
_DEFAULT_PASSES = 1000


@dataclass(frozen=True)
class Regionalization:
    """Labels of a partition, the residents of each region and how it was found.

    Attributes
    ----------
    labels : ndarray of int64, shape (n,)
        Region of every unit, ``0 .. n_regions - 1``: numbered by the region's first unit,
        or, after a warm start, keeping the previous number of the region it overlaps most;
        ``-1`` for units left out (``unreachable="unassigned"``).
    population : ndarray of float64, shape (n_regions,)
    ssw : float
        Weighted (by population unless other weights were given) within-region sum of
        squares of the features.
    sst : float
        The same for one region holding everything; ``r2 = 1 - ssw / sst``.
    passes : int
        Passes of the local search.
    moves : int
        Units moved by the local search.
    timings : dict of str to float
        Seconds spent in each step (summed over threads where restarts ran at once, so
        their sum can exceed the wall time).
    unassigned : int
        Units left out because their connected part cannot reach the floor.
    """

    labels: np.ndarray
    population: np.ndarray
    ssw: float = float("nan")
    sst: float = float("nan")
    passes: int = 0
    moves: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    unassigned: int = 0

    @property
    def n_regions(self) -> int:
        """Number of regions."""
        return int(self.population.size)

    @property
    def r2(self) -> float:
        """Share of the total sum of squares explained by the regions."""
        return 1.0 - self.ssw / self.sst if self.sst > 0 else float("nan")

    def __repr__(self) -> str:
        pop = self.population
        if not pop.size:
            return "<Regionalization (empty)>"
        return (
            f"<Regionalization of {self.labels.size} units into {self.n_regions} regions, "
            f"population {pop.min():.0f}..{pop.max():.0f}, R2 {self.r2:.3f}>"
        )


def check_feasible(
    graph: Graph,
    population: np.ndarray,
    min_population: float,
    max_population: float | None = None,
    features: np.ndarray | None = None,
) -> None:
    """Fail before any work when no partition can meet the constraints.

    Parameters
    ----------
    graph : Graph
        Contiguity of the units, after bridging.
    population : ndarray, shape (n,)
        Residents of every unit.
    min_population : float
        Floor of residents per region.
    max_population : float, optional
        Cap of residents per region.
    features : ndarray, shape (n, d), optional
        Clustering features; checked for NaN and infinite values.

    Raises
    ------
    InfeasibleError
        Empty graph, NaN features (naming units and columns), cap below floor, negative
        population, total below the floor, or a connected part (after bridging) with fewer
        residents than the floor, naming its units.
    """
    population = np.asarray(population, dtype=np.float64)
    if graph.n == 0:
        raise InfeasibleError("the graph has no units: nothing to regionalize")
    if population.shape != (graph.n,):
        raise InfeasibleError(
            f"population has shape {population.shape}, the graph has {graph.n} units"
        )
    if not np.all(np.isfinite(population)) or np.any(population < 0):
        bad = np.flatnonzero(~np.isfinite(population) | (population < 0))[:10]
        raise InfeasibleError(
            f"population must be finite and >= 0; units {bad.tolist()}", units=bad
        )
    if max_population is not None and max_population < min_population:
        raise InfeasibleError(
            f"max_population ({max_population}) is below min_population ({min_population})"
        )
    if features is not None:
        _check_features(features, graph.n)
    total = population.sum()
    if total < min_population:
        raise InfeasibleError(
            f"total population {total:.0f} is below the floor of {min_population}"
        )
    comp = graph.components
    comp_pop = np.bincount(comp, weights=population)
    small = np.flatnonzero(comp_pop < min_population)
    if small.size:
        parts = [
            f"part {int(c)} with units {np.flatnonzero(comp == c)[:8].tolist()}"
            f"{'...' if (comp == c).sum() > 8 else ''} ({comp_pop[c]:.0f} residents)"
            for c in small[:5]
        ]
        raise InfeasibleError(
            f"{small.size} connected part(s) cannot reach the floor of {min_population} "
            f"residents and cannot be joined to anything within the bridge distance: "
            + "; ".join(parts),
            units=np.flatnonzero(np.isin(comp, small)),
        )


def _check_features(features: np.ndarray, n: int) -> None:
    """Raise naming the units and columns with NaN or infinite values."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim == 1:
        features = features[:, None]
    if features.ndim != 2 or features.shape[0] != n:
        raise InfeasibleError(f"features have shape {features.shape}, the graph has {n} units")
    bad = ~np.isfinite(features)
    nan_rows = np.flatnonzero(bad.any(axis=1))
    if nan_rows.size:
        cols = np.flatnonzero(bad.any(axis=0))
        raise InfeasibleError(
            f"the feature matrix has NaN or infinite values in {nan_rows.size} units "
            f"(first: {nan_rows[:10].tolist()}), columns {cols.tolist()}",
            units=nan_rows,
        )


def regionalize(
    graph: Graph,
    features: np.ndarray,
    population: np.ndarray,
    *,
    min_population: float | None = None,
    max_population: float | None = None,
    n_regions: int | None = None,
    coords: np.ndarray | None = None,
    compactness_weight: float = 0.0,
    warm_start: np.ndarray | None = None,
    seed: int = 0,
    max_iterations: int | None = None,
    fixed: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    min_share: float | None = None,
    unreachable: str = "raise",
) -> Regionalization:
    """Partition units into contiguous, population-bounded, homogeneous regions.

    Parameters
    ----------
    graph : Graph
        Contiguity of the units (bridged where settlements are separated; barrier edges
        with ``cost > 1``).
    features : ndarray, shape (n, d) or (n,)
        Standardized, weighted indicators of every unit.
    population : ndarray, shape (n,)
        Residents of every unit: the measure of the bounds, and the weights of the sum of
        squares unless ``weights`` are given.
    min_population : float
        Floor of residents per region (at least 1: a value below 1 is almost surely a
        share, give it as ``min_share``).
    max_population : float, optional
        Cap of residents per region. Regions above it are split where a cut leaves both
        parts at or above the floor.
    n_regions : int, optional
        Target number of regions; ``None`` for as many as the floor allows (max-p). If the
        floor allows fewer, the result has fewer.
    coords : ndarray, shape (n, 2), optional
        Unit centres; with ``compactness_weight > 0`` they add the regions' moment of
        inertia to the objective.
    compactness_weight : float, default 0
        Weight of compactness in the local search, in units of the mean sum of squares
        per unit: one edge of boundary (a barrier edge counts ``1 / cost``) and the
        inertia of a unit at the typical region radius each cost about this much.
    warm_start : ndarray of int, shape (n,), optional
        Previous labels (any integers, ``-1`` for new units) to start from.
    seed : int, default 0
        Seed of every random choice (visiting orders, restarts, annealing).
    max_iterations : int, optional
        Most passes of each local search (default 1000). 0 skips every improvement step
        (local search, merge-split, restarts, annealing): construction and splits only.
    fixed : ndarray of bool, shape (n,), optional
        Units that stay in their ``warm_start`` region (planners' locks): no move or merge
        takes them out, fixed units of one warm-start label end in one region and those of
        different labels in different regions; a region holding fixed units is never
        split. Needs ``warm_start`` (a label for every fixed unit, connected within it).
    weights : ndarray, shape (n,), optional
        Weights of the sum of squares, separate from the floor's measure: ``np.ones(n)``
        gives the unweighted SSW the peers (pygeoda, spopt) optimise; default the
        population.
    min_share : float, optional
        The floor as a share of the total population (``0.02``: 2 %), instead of
        ``min_population``.
    unreachable : {"raise", "unassigned"}, default "raise"
        What to do with connected parts that cannot reach the floor: fail (naming them),
        or leave their units out with label ``-1`` (counted in ``unassigned``).

    Returns
    -------
    Regionalization

    Raises
    ------
    InfeasibleError
        If no partition can meet the floor (see :func:`check_feasible`), or the fixed units
        cannot be kept as asked (``units`` of the error: the units concerned).

    Examples
    --------
    >>> from pipeline.testing import lattice
    >>> x, y, g = lattice(6, 4)
    >>> features = (x >= 300).astype(float)
    >>> result = regionalize(g, features, np.full(24, 10.0), min_population=100)
    >>> result.n_regions, round(result.r2, 3)
    (2, 1.0)
    """
    population = np.asarray(population, dtype=np.float64)
    min_population = floor_of(min_population, min_share, population)
    if unreachable not in ("raise", "unassigned"):
        raise ValueError(f"unreachable must be 'raise' or 'unassigned', got {unreachable!r}")
    if weights is not None and np.shape(weights) != (graph.n,):
        raise ValueError(f"weights must have shape ({graph.n},), got {np.shape(weights)}")
    if unreachable == "unassigned":
        comp = graph.components
        reach = np.bincount(comp, weights=population)[comp] >= min_population
        if not reach.all():
            return _without_unreachable(
                reach, graph, features, population, min_population=min_population,
                max_population=max_population, n_regions=n_regions, coords=coords,
                compactness_weight=compactness_weight, warm_start=warm_start, seed=seed,
                max_iterations=max_iterations, fixed=fixed, weights=weights)
    settings = _validate(
        graph, features, population, min_population, max_population, n_regions,
        coords, compactness_weight, warm_start, seed, max_iterations,
    )
    fixed = check_fixed(fixed, warm_start, graph)
    timings: dict[str, float] = {}
    with timer(timings, "prepare"):
        problem = prepare(graph, features, population, coords, settings, fixed, warm_start,
                          weights)
    rng = np.random.default_rng(settings.seed)
    if warm_start is None:
        labels, passes, moves = best_of_restarts(problem, settings, rng, timings)
    else:
        labels, passes, moves = from_warm_start(problem, settings, warm_start, timings)
    if fixed is not None:
        check_locks_held(problem, settings, labels)
    labels = number_regions(labels, warm_start)
    result = _result(problem, labels, passes, moves, timings)
    if n_regions is not None and result.n_regions != n_regions:
        warnings.warn(
            f"found {result.n_regions} regions, not the n_regions={n_regions} asked for: "
            + _why_not(graph, population, n_regions, min_population, max_population),
            stacklevel=2,
        )
    return result


def _why_not(graph: Graph, population: np.ndarray, k: int, floor: float,
             cap: float | None) -> str:
    """Why a target count was missed: a proof that it is impossible, or that none was found.

    ``k`` regions are impossible when the residents fill fewer than ``k`` floors, when the
    graph has more than ``k`` separate parts, or when ``k`` caps hold fewer than all
    residents; otherwise a partition may exist that the search did not find.
    """
    total = float(population.sum())
    if total < k * floor:
        return (f"{total:.0f} residents fill fewer than {k} floors of {floor:g}, so the "
                "floor allows no such count")
    if graph.n_components > k:
        return f"the graph has {graph.n_components} separate parts, each one region at least"
    if cap is not None and total > k * cap:
        return f"{total:.0f} residents do not fit into {k} regions of at most {cap:g}"
    return ("the engine did not find such a partition within the floor"
            + (" and the cap" if cap is not None else "")
            + " (another seed may; the count is not proven impossible)")


def _without_unreachable(reach, graph, features, population, **kwargs) -> Regionalization:
    """Regionalize the parts that can reach the floor; the others get label ``-1``."""
    keep = np.flatnonzero(reach)
    features = np.asarray(features, dtype=np.float64)
    sub = {k: (None if v is None else np.asarray(v)[keep])
           for k, v in kwargs.items() if k in ("coords", "warm_start", "fixed", "weights")}
    rest = {k: v for k, v in kwargs.items() if k not in sub}
    if keep.size == 0:
        raise InfeasibleError("no connected part can reach the floor of "
                              f"{rest['min_population']:g} residents")
    inner = regionalize(graph.subgraph(keep), features[keep], population[keep], **rest,
                        **sub)
    labels = np.full(graph.n, -1, np.int64)
    labels[keep] = inner.labels
    return dataclasses.replace(inner, labels=labels, unassigned=int(graph.n - keep.size))


def _validate(
    graph, features, population, floor, cap, n_regions, coords, compactness_weight,
    warm_start, seed, max_iterations,
) -> Settings:
    """Check arguments and feasibility; return the solver settings."""
    if not isinstance(graph, Graph):
        raise TypeError(f"graph must be a pipeline.graph.Graph, got {type(graph).__name__}")
    check_feasible(graph, population, floor, cap, features)
    n = graph.n
    if n_regions is not None and not 1 <= n_regions <= n:
        raise ValueError(f"n_regions must be in [1, {n}] or None, got {n_regions}")
    if coords is not None and np.shape(coords) != (n, 2):
        raise ValueError(f"coords must have shape ({n}, 2), got {np.shape(coords)}")
    if warm_start is not None and np.shape(warm_start) != (n,):
        raise ValueError(f"warm_start must have shape ({n},), got {np.shape(warm_start)}")
    if not compactness_weight >= 0:
        raise ValueError(f"compactness_weight must be >= 0, got {compactness_weight}")
    if max_iterations is not None and max_iterations < 0:
        raise ValueError(f"max_iterations must be >= 0 or None, got {max_iterations}")
    if n_regions is not None and n_regions < graph.n_components:
        warnings.warn(
            f"n_regions={n_regions} is below the {graph.n_components} separate parts of the "
            "graph; every part becomes at least one region",
            stacklevel=3,
        )
    if cap is not None:
        big = np.flatnonzero(np.asarray(population, dtype=np.float64) > cap)
        if big.size:
            warnings.warn(
                f"{big.size} unit(s) alone have more residents than max_population={cap} "
                f"(units {big[:10].tolist()}); their regions will stay above the cap",
                stacklevel=3,
            )
    return Settings(
        floor=float(floor),
        cap=np.inf if cap is None else float(cap),
        n_regions=0 if n_regions is None else int(n_regions),
        compactness_weight=float(compactness_weight),
        seed=int(seed),
        max_passes=_DEFAULT_PASSES if max_iterations is None else int(max_iterations),
    )


def _result(problem: Problem, labels, passes, moves, timings) -> Regionalization:
    """Assemble the result with its sum of squares (true population weights)."""
    g = problem.graph
    k = int(labels.max()) + 1
    ssw, _, _ = objective_terms(
        g.indptr, g.indices, g.cost, problem.features, problem.ssw_weight, problem.coords,
        labels, k,
    )
    pop = problem.ssw_weight
    mean = pop @ problem.features / pop.sum() if pop.sum() > 0 else problem.features[0]
    sst = float(np.sum(pop[:, None] * (problem.features - mean) ** 2))
    region_pop = np.bincount(labels, weights=problem.population, minlength=k)
    return Regionalization(labels, region_pop, float(ssw), sst, passes, moves, timings)

