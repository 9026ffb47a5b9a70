"""The solver's steps on prepared arrays, each a thin call into a compiled kernel.

Construction, warm-start repair, splits, local search, merge-split and the numbering of
regions. Private to :mod:`pipeline.regionalization.solver`, which orchestrates them; every
function takes the validated :class:`Settings` and the prepared :class:`Problem` (no
logic in either).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy.sparse.csgraph import connected_components

from pipeline.graph.base import Graph
from pipeline.regionalization._drain import drain_kernel
from pipeline.regionalization._grow import bfs_kernel, grow_kernel
from pipeline.regionalization._localsearch import (
    local_search_kernel,
    objective_terms,
)
from pipeline.regionalization._mergesplit import merge_split_kernel
from pipeline.regionalization._split import split_kernel
from pipeline.regionalization._ward import (
    PHASE_ABSORB,
    PHASE_COUNT,
    PHASE_FRAGMENT,
    PHASE_OPEN,
    agglomerate_kernel,
)

#: Ward weight added to every unit so that regions of empty units still have a mean.
WEIGHT_EPS = 1e-9
#: Largest merge of two regions below the floor during construction, in floors.
OPEN_CAP = np.inf
#: Tight region growths tried by each construction (besides the Ward agglomeration):
#: ``GROW_UNITS / n``, at least ``GROW_MIN`` and at most ``GROW_MAX`` (they are cheap).
GROW_UNITS = 160_000
#: In max-p mode the Ward construction is tried below this many units only (it costs
#: 2.5 s at 160,000 cells and never had the most regions on the lattices).
WARD_UNITS = 40_000
GROW_MIN = 2
GROW_MAX = 16
#: From this many units on the construction candidates run on all cores (threads; below,
#: starting threads costs more than it saves), at most ``MAX_THREADS`` of them.
PARALLEL_UNITS = 100_000
MAX_THREADS = 8
#: Draining (:func:`drain`): residents to spare a ball gathers, in floors (2.5 or 4: one or
#: two more regions at 40,000-160,000 cells for 2-6 times the cost and 0.01-0.03 less R2);
#: what the sink collects beyond two floors before a cut is tried, in floors; sinks tried
#: (a base and per region the spare residents allow); most passes over a ball.
DRAIN_FLOORS = 1.5
DRAIN_MARGIN = 0.1
DRAIN_ATTEMPTS = 32
DRAIN_TRIES = 8
DRAIN_PASSES = 8
#: Alternations of merge-split rounds and local search.
IMPROVE_ROUNDS = 6
#: Rounds over the region pairs in one merge-split call.
MERGE_SPLIT_ROUNDS = 8
#: Units per block of a local-search sweep (memory order within, blocks shuffled).
SWEEP_BLOCK = 1024
#: Sweeps over at most this many units visit them in a random order.
SWEEP_RANDOM_UNITS = 200_000
#: Largest region (units) whose connectivity the local search checks by a full search.
BFS_LIMIT = 4096
#: Cost of a resident missing to the floor (or above the cap), in units of SST per resident.
PENALTY = 1e6
#: Cost of a unit leaving its warm-start region, in units of the mean sum of squares per unit.
STICK = 0.5


@dataclass(frozen=True)
class Settings:
    """Validated solver parameters (no logic)."""

    floor: float
    cap: float
    n_regions: int
    compactness_weight: float
    seed: int
    max_passes: int


@dataclass(frozen=True)
class Problem:
    """Arrays the kernels work on, prepared once (no logic)."""

    graph: Graph
    features: np.ndarray
    weight: np.ndarray
    population: np.ndarray
    coords: np.ndarray
    sst: float
    lam_perimeter: float
    lam_inertia: float
    #: Units that never leave their region (shape (n,), all False without locks).
    fixed: np.ndarray
    #: The warm-start label of every fixed unit, ``-1`` for free units: fixed units of one
    #: label end in one region, those of different labels in different regions.
    lock: np.ndarray
    #: Weights of the reported sum of squares (the population unless other weights given).
    ssw_weight: np.ndarray


def objective(problem: Problem, labels: np.ndarray) -> float:
    """The local search's objective (without penalties) of a labelling."""
    g = problem.graph
    ssw, perimeter, inertia = objective_terms(
        g.indptr, g.indices, g.cost, problem.features, problem.weight, problem.coords, labels,
        int(labels.max()) + 1,
    )
    return ssw + problem.lam_perimeter * perimeter + problem.lam_inertia * inertia


def prepare(graph, features, population, coords, settings: Settings, fixed=None,
            warm=None, weights=None) -> Problem:
    """Contiguous float arrays, Ward weights, scaled centres and the compactness weights.

    ``fixed`` (bool per unit) with ``warm`` (the warm-start labels) gives the locks;
    ``weights`` the weights of the sum of squares (default the population).
    """
    # private writable copies: one compiled signature whatever the caller's arrays are
    x = np.array(features, dtype=np.float64, order="C", ndmin=1)
    x = np.ascontiguousarray(x[:, None] if x.ndim == 1 else x)
    pop = np.array(population, dtype=np.float64, order="C")
    raw = pop if weights is None else np.array(weights, dtype=np.float64, order="C")
    weight = raw + WEIGHT_EPS * max(float(raw.mean()), 1.0)
    mean = weight @ x / weight.sum()
    sst = float(np.sum(weight[:, None] * (x - mean) ** 2))
    n = graph.n
    per_unit = settings.compactness_weight * sst / n
    if coords is None or per_unit == 0:
        centres = np.zeros((n, 2))
        lam_inertia = 0.0
    else:
        centres = np.asarray(coords, dtype=np.float64)
        eh, et = graph.edges()
        step = float(np.median(np.hypot(*(centres[eh] - centres[et]).T))) if eh.size else 1.0
        centres = np.ascontiguousarray((centres - centres.mean(axis=0)) / max(step, 1e-12))
        regions = settings.n_regions or max(1.0, pop.sum() / max(settings.floor, 1e-12))
        lam_inertia = per_unit / max(n / regions, 1.0)
    fixed = np.zeros(n, np.bool_) if fixed is None else np.asarray(fixed, np.bool_).copy()
    lock = np.where(fixed, np.asarray(warm, np.int64), -1) if fixed.any() else np.full(n, -1)
    return Problem(graph, x, weight, pop, centres, sst, per_unit, lam_inertia, fixed,
                   lock.astype(np.int64), raw)


def region_locks(problem: Problem, labels: np.ndarray, k: int) -> np.ndarray:
    """The lock of every region ``0..k-1`` of ``labels`` (``-1`` without fixed units)."""
    lock = np.full(k, -1, np.int64)
    fixed = problem.fixed
    if fixed.any():
        lock[labels[fixed]] = problem.lock[fixed]
    return lock


def construct(
    problem: Problem, settings: Settings, noise: float = 0.0, salt: int = 0,
    starts: int | None = None,
) -> tuple[np.ndarray, int]:
    """Several constructions from single units, then splits; the best one is kept.

    The candidates are the Ward agglomeration (floor, enclaves, then the target count;
    in max-p mode below ``WARD_UNITS`` units only) and
    ``starts`` (default :func:`grow_starts`) tight region growths
    (:mod:`pipeline.regionalization._grow`) with seeds in
    memory order, in reverse order and in random orders drawn from ``salt``, each with its
    enclaves absorbed (and merged down to the target count), and one plain breadth-first
    greedy growth (:func:`pipeline.regionalization._grow.bfs_kernel`). Every candidate then has its
    regions of twice the floor split (:func:`split_regions`). Best is the most regions in
    max-p mode (closest to the target otherwise), then the lowest objective; the best then
    gathers its spare residents into more regions where they make a floor (:func:`drain`).
    """
    phases = [PHASE_ABSORB] + ([PHASE_COUNT] if settings.n_regions else [])
    g = problem.graph
    n = g.n
    best = None
    if settings.n_regions or n < WARD_UNITS:
        # in max-p mode Ward rarely wins on count: tried on small problems only
        labels, k = agglomerate(problem, settings, np.arange(n, dtype=np.int64), n,
                                [PHASE_OPEN] + phases, noise=noise, salt=salt)
        best = _scored(problem, settings, *split_regions(problem, settings, labels, k,
                                                         warm=False))
    rng = np.random.default_rng(salt)
    orders = []
    for start in range(grow_starts(n) if starts is None else starts):
        if start == 0:
            orders.append(np.arange(n, dtype=np.int64))
        elif start == 1:
            orders.append(np.arange(n - 1, -1, -1, dtype=np.int64))
        else:
            orders.append(rng.permutation(n).astype(np.int64))
    # the growths and the plain greedy (breadth-first) growth, cheap, now and then one more
    jobs = [partial(_grown, problem, settings, phases, order) for order in orders]
    jobs.append(partial(_grown, problem, settings, phases, None))
    for trial in run_each(jobs, threads=job_threads(n)):
        if best is None or trial[0] > best[0]:  # ties: the earlier candidate
            best = trial
    return drain(problem, settings, best[1], best[2])


def _grown(problem: Problem, settings: Settings, phases, order: np.ndarray | None):
    """One growth candidate scored: a tight growth in ``order`` (plain greedy if None)."""
    g = problem.graph
    if order is None:
        lab0, _ = bfs_kernel(g.indptr, g.indices, problem.population, settings.floor,
                             settings.cap)
    else:
        lab0, _ = grow_kernel(g.indptr, g.indices, problem.features, problem.weight,
                              problem.population, order, settings.floor, settings.cap)
    labels, k = agglomerate(problem, settings, lab0, int(lab0.max()) + 1, phases)
    return _scored(problem, settings, *split_regions(problem, settings, labels, k, warm=False))


def job_threads(n: int, from_units: int | None = None) -> int:
    """Threads for independent jobs: the cores from ``from_units`` units on, else one.

    The jobs (construction candidates, restarts) each have their own arrays, the kernels
    release the GIL, and their results are taken in a fixed order, so the result is the
    same on any number of cores. ``from_units`` defaults to ``PARALLEL_UNITS``.
    """
    if n < (PARALLEL_UNITS if from_units is None else from_units):
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, MAX_THREADS))


def run_each(jobs: list, threads: int) -> list:
    """The results of the calls ``jobs``, in their order, on up to ``threads`` threads."""
    if threads <= 1 or len(jobs) <= 1:
        return [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=min(threads, len(jobs))) as pool:
        return list(pool.map(lambda job: job(), jobs))


def drain(problem: Problem, settings: Settings, labels: np.ndarray, k: int
          ) -> tuple[np.ndarray, int]:
    """More regions from the residents to spare (:mod:`pipeline.regionalization._drain`).

    Max-p mode (or below a target count) only, and only while the residents above the
    floor make at least one more floor. Sinks tried: ``DRAIN_ATTEMPTS`` plus
    ``DRAIN_TRIES`` per region the spare residents would allow, so the cost follows the
    possible gain (at 160,000 cells 472 sinks, 0.5 CPU s, 21 more regions; at 1,000,000
    cells 2,480 sinks, 2.6 CPU s, 100 more).
    """
    if settings.n_regions and k >= settings.n_regions:
        return labels, k
    more = int((problem.population.sum() - k * settings.floor) // max(settings.floor, 1e-12))
    if more < 1:
        return labels, k
    g = problem.graph
    labels = labels.copy()
    k, _ = drain_kernel(
        g.indptr, g.indices, problem.features, problem.weight, problem.population, labels, k,
        settings.floor, settings.cap, problem.fixed, region_locks(problem, labels, k) >= 0,
        DRAIN_FLOORS, DRAIN_MARGIN, DRAIN_ATTEMPTS + DRAIN_TRIES * more, DRAIN_PASSES,
        BFS_LIMIT, settings.n_regions,
    )
    return labels, int(k)


def grow_starts(n: int) -> int:
    """Region growths per construction for ``n`` units: many for small problems."""
    return int(np.clip(GROW_UNITS // max(n, 1), GROW_MIN, GROW_MAX))


def count_score(settings: Settings, k: int) -> int:
    """How good a region count is: more is better (max-p), else closer to the target."""
    return k if settings.n_regions == 0 else -abs(k - settings.n_regions)


def score(problem: Problem, settings: Settings, labels: np.ndarray,
          k: int | None = None) -> tuple[int, float]:
    """How good a partition is: its count score, then minus the objective (higher is better).

    ``k`` defaults to the count of ``labels`` (regions ``0 .. k - 1``).
    """
    k = int(labels.max()) + 1 if k is None else k
    return count_score(settings, k), -objective(problem, labels)


def _scored(problem, settings, labels, k) -> tuple[tuple[int, float], np.ndarray, int]:
    """A candidate partition with its score (:func:`score`)."""
    return score(problem, settings, labels, k), labels, k


def agglomerate(
    problem, settings, lab0, k0, phases, fragment=None, noise=0.0, salt=0
) -> tuple[np.ndarray, int]:
    """Run the Ward kernel from initial regions ``lab0``; return compact labels and count."""
    g = problem.graph
    fragment = np.zeros(k0, bool) if fragment is None else fragment.copy()
    roots, _ = agglomerate_kernel(
        g.indptr, g.indices, g.cost, problem.features, problem.weight, problem.population,
        lab0, k0, fragment, settings.floor, settings.cap, np.asarray(phases, dtype=np.int64),
        settings.n_regions, OPEN_CAP * settings.floor, noise, salt,
        region_locks(problem, lab0, k0),
    )
    return compact(roots)


def repair_warm_start(
    problem: Problem, settings: Settings, warm: np.ndarray
) -> tuple[np.ndarray, int]:
    """Start from previous labels and repair what violates the constraints.

    Each previous label keeps its most populous connected piece; new units (negative
    labels) and the other pieces are fragments, merged into their cheapest neighbour while
    below the floor. Previous regions that fell below the floor (or rose above the cap)
    then take units from (or give units to) neighbours with room, by the local search with
    a penalty on violations; what is still below the floor is merged into its cheapest
    neighbour, and with a target count the cheapest pairs merge down to it.
    """
    lab0, k0, fragment = warm_pieces(problem, warm)
    labels, k = agglomerate(problem, settings, lab0, k0, [PHASE_FRAGMENT], fragment)
    if violations(problem, settings, labels, k):
        local_search(problem, settings, labels, k, labels.copy())
    phases = [PHASE_ABSORB] + ([PHASE_COUNT] if settings.n_regions else [])
    return agglomerate(problem, settings, labels, k, phases)


def warm_pieces(problem: Problem, warm: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """Connected pieces of the previous labels; all but each label's largest are fragments."""
    g = problem.graph
    warm = np.asarray(warm, dtype=np.int64)
    base = np.where(warm < 0, -1 - np.arange(g.n), warm)  # new units: a label of their own
    _, lab = np.unique(base, return_inverse=True)
    same = lab[g.heads] == lab[g.indices]
    _, pieces = connected_components(g.subgraph_edges(same).sparse, directed=False)
    piece_pop = np.bincount(pieces, weights=problem.population)
    # each label keeps the piece with its fixed units, else its most populous piece
    piece_fixed = np.bincount(pieces, weights=problem.fixed, minlength=piece_pop.size) > 0
    order = np.lexsort((pieces, -piece_pop[pieces], ~piece_fixed[pieces], lab))
    first = np.ones(order.size, bool)
    first[1:] = lab[order][1:] != lab[order][:-1]
    keeper = np.full(int(lab.max()) + 1, -1, np.int64)
    keeper[lab[order][first]] = pieces[order][first]
    is_fragment = (pieces != keeper[lab]) | (warm < 0)
    lab0, k0 = compact(np.where(is_fragment, lab.max() + 1 + pieces, lab))
    fragment = np.zeros(k0, bool)
    fragment[lab0[is_fragment]] = True
    return lab0, k0, fragment


def violations(problem: Problem, settings: Settings, labels: np.ndarray, k: int) -> int:
    """Number of regions below the floor or above the cap."""
    pop = np.bincount(labels, weights=problem.population, minlength=k)
    return int(((pop < settings.floor) | (pop > settings.cap)).sum())


def split_regions(
    problem: Problem, settings: Settings, labels: np.ndarray, k: int, *, warm: bool
) -> tuple[np.ndarray, int]:
    """Split regions above the cap; in max-p mode (cold) also those of twice the floor."""
    g = problem.graph
    labels = labels.copy()
    wants_more = settings.n_regions > k
    split_double = wants_more or (not warm and settings.n_regions == 0)
    k = split_kernel(
        g.indptr, g.indices, problem.features, problem.weight, problem.population, labels, k,
        settings.floor, settings.cap, split_double, settings.n_regions,
        region_locks(problem, labels, k) >= 0,
    )
    return labels, int(k)


def local_search(
    problem: Problem,
    settings: Settings,
    labels: np.ndarray,
    k: int,
    anchor: np.ndarray | None = None,
    units: np.ndarray | None = None,
    seed: int | None = None,
) -> tuple[int, int]:
    """Run the boundary-move descent in place; returns (passes, moves).

    With ``anchor`` (the repaired warm start), a unit leaving its anchor region costs
    ``STICK`` times the mean sum of squares per unit. ``units`` (ascending) limits the
    sweeps to them (default every unit), visited by :func:`sweep_order` with ``seed``
    (default the settings' seed).
    """
    if settings.max_passes == 0:
        return 0, 0
    g = problem.graph
    stick = 0.0 if anchor is None else STICK * problem.sst / g.n
    anchor = np.full(g.n, -1, np.int64) if anchor is None else anchor
    order = sweep_order(np.arange(g.n) if units is None else units,
                        settings.seed if seed is None else seed)
    tol = 1e-10 * problem.sst / g.n
    penalty = PENALTY * problem.sst / max(float(problem.population.sum()), 1.0)
    passes, moves = local_search_kernel(
        g.indptr, g.indices, g.cost, problem.features, problem.weight, problem.population,
        problem.coords, labels, k, settings.floor, settings.cap, problem.lam_perimeter,
        problem.lam_inertia, penalty, anchor, stick, order, settings.max_passes, BFS_LIMIT,
        tol, problem.fixed,
    )
    return int(passes), int(moves)


def sweep_order(units: np.ndarray, seed: int) -> np.ndarray:
    """The order of a local-search sweep over ``units``, drawn from ``seed``.

    Up to ``SWEEP_RANDOM_UNITS`` units a random permutation (the lowest objective);
    above, blocks of ``SWEEP_BLOCK`` consecutive units in memory order, the blocks
    shuffled: a sweep reads the graph and the labels nearly sequentially (about four times
    faster than a random order), and the shuffled blocks end lower than one sweep from the
    first unit to the last, which drags boundaries one way across the map.
    """
    units = np.asarray(units, dtype=np.int64)
    rng = np.random.default_rng(seed)
    if units.size <= SWEEP_RANDOM_UNITS:
        return units[rng.permutation(units.size)]
    n_blocks = -(-units.size // SWEEP_BLOCK)
    block = rng.permutation(n_blocks)
    starts = block * SWEEP_BLOCK
    lengths = np.minimum(SWEEP_BLOCK, units.size - starts)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return units[np.arange(units.size) + offsets]


def improve(
    problem: Problem, settings: Settings, labels: np.ndarray, k: int, seed: int = 0,
    rounds: int = IMPROVE_ROUNDS, dirty: np.ndarray | None = None,
) -> tuple[np.ndarray, int, int, int]:
    """Alternate merge-split rounds (at most ``rounds``) and local search while they change.

    In max-p mode (and below a target count) pairs with three floors of residents are
    split into three regions. The first round tries the pairs with a region marked in
    ``dirty`` (bool per region, default all); after each round the local search sweeps
    only the regions the round changed and their neighbours (orders drawn from ``seed``).
    """
    g = problem.graph
    passes = moves = 0
    if settings.max_passes == 0:
        return labels, k, 0, 0
    tol = 1e-10 * problem.sst / g.n
    raise_p = settings.n_regions == 0 or k < settings.n_regions
    dirty = np.ones(g.n + 1, bool) if dirty is None else dirty
    for round_ in range(rounds):
        before = labels.copy()
        k, changes = merge_split_kernel(
            g.indptr, g.indices, problem.features, problem.weight, problem.population,
            labels, k, settings.floor, settings.cap, raise_p, settings.n_regions,
            MERGE_SPLIT_ROUNDS, tol, dirty,
        )
        if changes == 0:
            break
        # the local search revisits only the regions merge-split changed and their
        # neighbours (a move elsewhere gains nothing new since the last search)
        frontier = _frontier(g, labels, before != labels)
        before = labels.copy()
        more_passes, more_moves = local_search(problem, settings, labels, int(k),
                                               units=frontier, seed=seed + round_ + 1)
        passes, moves = passes + more_passes, moves + more_moves
        # the next merge-split round tries the pairs of regions the local search changed
        moved = before != labels
        dirty[:] = False
        dirty[before[moved]] = True
        dirty[labels[moved]] = True
    return labels, int(k), passes, moves


def _frontier(g: Graph, labels: np.ndarray, changed: np.ndarray) -> np.ndarray:
    """Units of the regions holding a changed unit and of the regions next to them."""
    touched = np.zeros(int(labels.max()) + 1, bool)
    touched[labels[changed]] = True
    cross = touched[labels[g.heads]]
    near = touched.copy()
    near[labels[g.indices[cross]]] = True
    return np.flatnonzero(near[labels])


def number_regions(labels: np.ndarray, warm_start: np.ndarray | None) -> np.ndarray:
    """Number regions by first unit, or after the previous label they overlap most."""
    labels, k = compact(labels)
    if warm_start is None:
        return labels
    warm = np.asarray(warm_start, dtype=np.int64)
    old_ids, old = np.unique(warm, return_inverse=True)
    known = warm >= 0
    overlap = np.zeros(k, np.float64) - 1
    match = np.full(k, np.iinfo(np.int64).max)
    pairs, counts = np.unique(
        np.stack([labels[known], old[known]], axis=1), axis=0, return_counts=True
    )
    # greedy: largest overlaps first, each old label used once
    taken = np.zeros(old_ids.size, bool)
    for idx in np.lexsort((pairs[:, 1], pairs[:, 0], -counts)):
        r, o = pairs[idx]
        if overlap[r] < 0 and not taken[o]:
            overlap[r] = counts[idx]
            match[r] = old_ids[o]
            taken[o] = True
    first = np.full(k, labels.size)
    np.minimum.at(first, labels, np.arange(labels.size))
    rank = np.empty(k, np.int64)
    rank[np.lexsort((first, match))] = np.arange(k)
    return rank[labels]


def compact(roots: np.ndarray) -> tuple[np.ndarray, int]:
    """Relabel to ``0 .. k-1`` in order of each region's first unit."""
    _, first, inverse = np.unique(roots, return_index=True, return_inverse=True)
    rank = np.empty(first.size, np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inverse].astype(np.int64), int(first.size)
