"""Restarts, annealing and the warm-start path: how often and how hard the solver searches.

Private to :mod:`pipeline.regionalization.solver`. Small problems are solved several times
from scratch (effort scales as ``1 / n``) and the best partition is annealed with refill
moves (:mod:`pipeline.regionalization._swap`), each run ending with exact pair
re-partitions on the smallest problems (:mod:`pipeline.regionalization._repartition`);
below 150 units the best child of any two of the result and the best restarts (their
common pieces regrown) may then replace it. A warm start repairs the previous labels and runs a
sticky local search instead. Every function takes the validated settings and the prepared
problem of :mod:`pipeline.regionalization._steps`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

import numpy as np

from pipeline.regionalization._repartition import repartition_kernel
from pipeline.regionalization._steps import (
    BFS_LIMIT,
    IMPROVE_ROUNDS,
    Problem,
    Settings,
    agglomerate,
    compact,
    construct,
    drain,
    improve,
    job_threads,
    local_search,
    repair_warm_start,
    run_each,
    score,
    split_regions,
    warm_pieces,
)
from pipeline.regionalization._swap import REFINE_FULL_UNITS, refill_anneal_kernel, refine
from pipeline.regionalization._ward import PHASE_ABSORB, PHASE_OPEN

__all__ = ["best_of_restarts", "from_warm_start", "timer"]

#: Problems up to this many units are solved several times (restarts = this / n, at most
#: ``_MAX_RESTARTS``), the best kept.
_RESTART_UNITS = 5_000
_MAX_RESTARTS = 16
#: From this many units the restarts run on the cores at once; below, a try is mostly
#: Python between short kernels and two threads wait on each other (2 cores: mexico and
#: columbus 0.037 -> 0.055 s, sids2 0.088 -> 0.092; georgia, 159 units, 0.172 -> 0.151,
#: lattice 2,500 0.344 -> 0.284).
_PARALLEL_RESTART_UNITS = 150
#: Extra tries from other seeds while a target count is not met.
_TARGET_TRIES = 8
#: Spread of the random factor on merge costs in restarts after the first.
_RESTART_NOISE = 0.5
#: Annealing after the restarts (as many runs as restarts): steps per unit (half as many
#: for problems solved once; at most ``_ANNEAL_MAX_STEPS``), start temperatures taken in
#: turn and the end temperature, in units of the mean sum of squares per unit. With refill
#: moves (:func:`pipeline.regionalization._swap.refill_anneal_kernel`) hotter and longer
#: runs pay: on the sample county 200 steps and (1, 0.1) ended at R2 0.549 (seeds 0-2),
#: 400 and (10, 1) at 0.558 for 0.2 CPU s more; lattice 10,000 0.801 -> 0.811.
_ANNEAL_STEPS = 400
_ANNEAL_MAX_STEPS = 5_000_000
#: No annealing above this many units: on a lattice of 1,000,000 cells it lowered the sum of
#: squares by 6 % (about +0.005 R2) for 40 % of the time; at 160,000 cells by 14 %.
_ANNEAL_UNITS = 400_000
_ANNEAL_T0 = (10.0, 1.0)
_ANNEAL_T1 = 0.001
#: Refill rounds (:func:`pipeline.regionalization._swap.refine`) after an annealing run up
#: to this many units (above, they cost more than they gain).
_REFINE_ANNEAL_UNITS = 50_000
#: Merge-split rounds before the refill search above ``REFINE_FULL_UNITS`` units (6
#: below): at 1,000,000 cells rounds 4-6 cost 1.1 CPU s and, with the refills after, gained
#: 0.0002 R2.
_LARGE_ROUNDS = 3
#: Exact pair re-partition (:mod:`pipeline.regionalization._repartition`) after every
#: annealing run up to this many units, at most ``_REPARTITION_BUDGET`` enumeration steps
#: per pair, ``_REPARTITION_SWEEPS`` sweeps over the pairs per call and
#: ``_REPARTITION_ROUNDS`` alternations with merge-split and refill moves. At seed 0 it
#: raised R2 on stl 0.8620 -> 0.8639, sids2 0.6002 -> 0.6170, georgia 0.7842 -> 0.7887
#: (mexico and columbus unchanged) for at most 0.07 s; a budget of 20,000 steps cost georgia
#: 0.12 s more for the same labels, 2,000 ended lower than 5,000 on stl, sids2 and georgia
#: (georgia below the run without). Run after every
#: cold restart as well, it lowered R2 on stl and georgia (the best restart is another one,
#: and the annealing from it ends lower).
_REPARTITION_UNITS = 500
_REPARTITION_BUDGET = 5_000
_REPARTITION_SWEEPS = 8
_REPARTITION_ROUNDS = 4
#: Crossover (:func:`_crossover`) after the annealing below this many units: the final
#: partition and ``_ELITE`` restarts (each with ``_PARENT_ROUNDS`` re-partition rounds) are
#: the parents, the child of every pair is built, and the best child (count, then
#: objective) gets the full re-partition. At seed 0 it raised R2 on stl 0.8639 -> 0.8716
#: (8 regions; pygeoda's maxp_greedy 7 at 0.8712) for about 0.04 s, mexico, columbus and
#: sids2 unchanged; over seeds 0-9 the stl mean 0.8639 -> 0.8693, sids2 0.6045 -> 0.6057,
#: never lower (the final partition is kept unless a child beats it). Georgia (159 units)
#: gained at 3 of seeds 0-9 (mean 0.7831 -> 0.7846, seed 0 unchanged) but for 0.07 s on
#: a 0.3 s run, hence the limit. The parents without re-partition reached only 0.8708 on
#: stl; a child finished like the annealing runs costs 0.01 s each, so only the best one.
_CROSSOVER_UNITS = 150
_ELITE = 4
_PARENT_ROUNDS = 1
_FINISHED = 1

@contextmanager
def timer(timings: dict[str, float], step: str) -> Iterator[None]:
    """Add the seconds spent in the block to ``timings[step]``."""
    clock = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = timings.get(step, 0.0) + time.perf_counter() - clock


def best_of_restarts(
    problem: Problem, settings: Settings, rng: np.random.Generator, timings: dict
) -> tuple[np.ndarray, int, int]:
    """Solve from scratch a few times (small problems only); keep the best partition.

    The first try is plain Ward; further tries put a random factor on the merge costs and
    visit units in another order. Best means most regions in max-p mode (closest to the
    target count otherwise), then the lowest objective. The tries are independent (each
    from its own salt, drawn in order beforehand) and run on the cores at once; their
    results are compared in order, so the partition is the same on any number of cores
    (``timings`` then sums the seconds of the threads).
    """
    tries = _restarts(problem.graph.n, settings)
    salts = [int(rng.integers(2**62)) for _ in range(tries)]
    clocks: list[dict[str, float]] = [{} for _ in salts]
    jobs = [partial(_solve_cold, problem, settings, clock, 0.0 if i == 0 else _RESTART_NOISE,
                    salt) for i, (clock, salt) in enumerate(zip(clocks, salts, strict=True))]
    results = run_each(jobs, threads=job_threads(problem.graph.n, _PARALLEL_RESTART_UNITS))
    for clock in clocks:
        for step, seconds in clock.items():
            timings[step] = timings.get(step, 0.0) + seconds
    passes = sum(p for _, p, _ in results)
    moves = sum(m for _, _, m in results)
    scores = [score(problem, settings, lab) for lab, _, _ in results]
    first = max(range(tries), key=lambda i: (scores[i], -i))  # ties: the earlier try
    best, labels = scores[first], results[first][0]
    extra = 0
    while (settings.n_regions and settings.max_passes and best[0] < 0
           and extra < _TARGET_TRIES):
        # a target count not met: more tries from other seeds (never in max-p mode)
        salt = int(rng.integers(2**62))
        trial, p, m = _solve_cold(problem, settings, timings, _RESTART_NOISE, salt)
        passes, moves = passes + p, moves + m
        mark = score(problem, settings, trial)
        if mark > best:
            best, labels = mark, trial
        extra += 1
    if settings.max_passes and problem.graph.n <= _ANNEAL_UNITS:
        with timer(timings, "anneal"):
            for attempt in range(_restarts(problem.graph.n, settings)):
                t0 = _ANNEAL_T0[attempt % len(_ANNEAL_T0)]
                labels, p, m = _anneal(problem, settings, labels, rng, t0)
                passes, moves = passes + p, moves + m
    if settings.max_passes and problem.graph.n < _CROSSOVER_UNITS and tries > 1:
        with timer(timings, "crossover"):
            restarts = [lab for lab, _, _ in results]
            labels, p, m = _crossover(problem, settings, restarts, scores, labels, salts[0])
            passes, moves = passes + p, moves + m
    return labels, passes, moves


def _anneal(problem, settings, labels, rng, t0) -> tuple[np.ndarray, int, int]:
    """Simulated annealing from the best partition, then local search and merge-split.

    With refill moves where a single move would break the floor, and refill rounds after
    the merge-split up to ``_REFINE_ANNEAL_UNITS`` units (``_swap``). Keeps the result
    only if its objective is lower (at the same or a larger count).
    """
    g = problem.graph
    k = int(labels.max()) + 1
    trial = labels.copy()
    per_unit = problem.sst / g.n
    if per_unit <= 0:  # constant features: nothing to gain
        return labels, 0, 0
    per_unit_steps = _ANNEAL_STEPS if _restarts(g.n, settings) > 1 else _ANNEAL_STEPS // 2
    steps = int(min(per_unit_steps * g.n, _ANNEAL_MAX_STEPS))
    refill_anneal_kernel(
        g.indptr, g.indices, g.cost, problem.features, problem.weight, problem.population,
        problem.coords, trial, k, settings.floor, settings.cap, problem.lam_perimeter,
        problem.lam_inertia, steps, t0 * per_unit, _ANNEAL_T1 * per_unit, BFS_LIMIT,
        int(rng.integers(2**62)), problem.fixed,
    )
    seed = int(rng.integers(2**62))
    passes, moves = local_search(problem, settings, trial, k, seed=seed)
    trial, k2, p, m = improve(problem, settings, trial, k, seed)
    if g.n <= _REFINE_ANNEAL_UNITS:
        trial, k2, p2, m2 = refine(problem, settings, trial, k2, seed)
        trial, k2, p3, m3 = _repartition(problem, settings, trial, k2, seed)
        p, m = p + p2 + p3, m + m2 + m3
    better = score(problem, settings, trial, k2) > score(problem, settings, labels, k)
    return (trial if better else labels), passes + p, moves + m


def _elite(restarts, scores) -> list[np.ndarray]:
    """``_ELITE`` distinct restart partitions: by score and by objective alone, in turn.

    The restarts of fewer regions but a lower sum of squares (7 on stl where 8 fit) are as
    good parents as those of the most regions: their shared pieces are homogeneous, and
    the drain of the child turns the residents to spare into the missing region.
    """
    by_score = sorted(range(len(restarts)), key=lambda i: (scores[i], -i), reverse=True)
    by_fit = sorted(range(len(restarts)), key=lambda i: (scores[i][1], -i), reverse=True)
    chosen: list[int] = []
    for i in (j for pair in zip(by_score, by_fit, strict=True) for j in pair):
        if len(chosen) < _ELITE and not any(
                np.array_equal(restarts[i], restarts[j]) for j in chosen):
            chosen.append(i)
    return [restarts[i] for i in chosen]


def _crossover(problem, settings, restarts, scores, labels, salt
               ) -> tuple[np.ndarray, int, int]:
    """Children of the final partition and the elite restarts; the best of them or ``labels``.

    The annealing refines one partition, and on tight floors its basin can be far from
    the best one (stl: the best partition known shares 47 of 78 units with seed 0's
    annealed result, and no pair or triple re-partition links them). The restarts hold
    other basins; a child of two parents (:func:`_child`) keeps what they agree on and
    regrows the rest, which crosses between basins. Deterministic for a seed (seeds drawn
    from ``salt``, jobs taken in order); the count and objective never get worse.
    """
    threads = job_threads(problem.graph.n, _PARALLEL_RESTART_UNITS)
    jobs = [partial(_repartition, problem, settings, lab.copy(), int(lab.max()) + 1, salt + i,
                    _PARENT_ROUNDS)
            for i, lab in enumerate(_elite(restarts, scores))]
    done = run_each(jobs, threads)
    parents = [labels] + [lab for lab, _, _, _ in done]
    pairs = [(i, j) for i in range(len(parents)) for j in range(i + 1, len(parents))]
    seeds = [salt + 1009 * (i * len(parents) + j) for i, j in pairs]
    kids = run_each([partial(_child, problem, settings, parents[i], parents[j], seed)
                     for (i, j), seed in zip(pairs, seeds, strict=True)], threads)
    passes = sum(d[2] for d in done) + sum(c[2] for c in kids)
    moves = sum(d[3] for d in done) + sum(c[3] for c in kids)
    ranked = sorted(
        ((score(problem, settings, child, k), seed, child)
         for (child, k, _, _), seed in zip(kids, seeds, strict=True)),
        key=lambda c: c[0], reverse=True)  # stable: ties keep the pair order
    best = (score(problem, settings, labels), labels)
    for _, seed, child in ranked[:_FINISHED]:
        child, k, p, m = _repartition(problem, settings, child, int(child.max()) + 1, seed)
        passes, moves = passes + p, moves + m
        mark = score(problem, settings, child, k)
        if mark > best[0]:
            best = (mark, child)
    return best[1], passes, moves


def _child(problem, settings, a, b, seed) -> tuple[np.ndarray, int, int, int]:
    """A child of partitions ``a`` and ``b``: their common pieces, regrown and improved.

    The pieces are the connected parts of the intersections of a region of ``a`` with a
    region of ``b``; the Ward kernel merges those below the floor (open merges, then the
    enclaves into their cheapest neighbour), regions of twice the floor are split, spare
    residents drained into more regions, then the local search, merge-split and refill
    moves as after a restart. Returns (labels, k, passes, moves).
    """
    pieces, _ = compact(a * (int(b.max()) + 1) + b)
    lab0, k0, _ = warm_pieces(problem, pieces)
    lab0, k0 = compact(lab0)
    labels, k = agglomerate(problem, settings, lab0, k0, [PHASE_OPEN, PHASE_ABSORB])
    labels, k = split_regions(problem, settings, labels, k, warm=False)
    labels, k = drain(problem, settings, labels, k)
    passes, moves = local_search(problem, settings, labels, k, seed=seed)
    labels, k, p, m = improve(problem, settings, labels, k, seed)
    labels, k, p2, m2 = refine(problem, settings, labels, k, seed)
    return labels, k, passes + p + p2, moves + m + m2


def _restarts(n: int, settings: Settings) -> int:
    """Number of tries: many for small problems, one from ``_RESTART_UNITS`` units on."""
    if settings.max_passes == 0:
        return 1
    return int(np.clip(_RESTART_UNITS // max(n, 1), 1, _MAX_RESTARTS))


def _solve_cold(problem, settings, timings, noise, salt) -> tuple[np.ndarray, int, int]:
    """Construction, splits, local search, merge-split and refill moves from single units."""
    with timer(timings, "construct"):
        labels, k = construct(problem, settings, noise, salt)
    with timer(timings, "local_search"):
        passes, moves = local_search(problem, settings, labels, k, seed=salt)
    rounds = IMPROVE_ROUNDS if problem.graph.n <= REFINE_FULL_UNITS else _LARGE_ROUNDS
    with timer(timings, "merge_split"):  # the refill rounds counted with merge-split
        labels, k, more_passes, more_moves = improve(problem, settings, labels, k, salt, rounds)
        labels, k, p, m = refine(problem, settings, labels, k, salt)
    return labels, passes + more_passes + p, moves + more_moves + m


def _repartition(problem, settings, labels, k, seed, rounds=_REPARTITION_ROUNDS
                 ) -> tuple[np.ndarray, int, int, int]:
    """Exact pair re-partitions alternating with merge-split and refill moves (small only).

    Where the floor is tight the best boundary of two regions is often neither a tree cut
    (merge-split) nor reachable by single or refill moves; up to ``_REPARTITION_UNITS``
    units every connected bipartition of a pair is tried, in at most ``rounds``
    alternations. Returns (labels, k, passes, moves) like :func:`improve`; the count is
    kept.
    """
    g = problem.graph
    passes = moves = 0
    if g.n > _REPARTITION_UNITS or settings.max_passes == 0:
        return labels, k, passes, moves
    tol = 1e-10 * problem.sst / g.n
    for round_ in range(rounds):
        changes = repartition_kernel(
            g.indptr, g.indices, problem.features, problem.weight, problem.population,
            labels, k, settings.floor, settings.cap, _REPARTITION_BUDGET, _REPARTITION_SWEEPS, tol,
            problem.fixed,
        )
        if changes == 0:
            break
        labels, k, p, m = improve(problem, settings, labels, k, seed + 7 * round_)
        labels, k, p2, m2 = refine(problem, settings, labels, k, seed + 7 * round_)
        passes, moves = passes + p + p2, moves + m + m2
    return labels, k, passes, moves


def from_warm_start(problem, settings, warm_start, timings) -> tuple[np.ndarray, int, int]:
    """Repair the previous labels, then a sticky local search (no merge-split, no restarts)."""
    with timer(timings, "construct"):
        labels, k = repair_warm_start(problem, settings, np.asarray(warm_start))
    with timer(timings, "split"):
        labels, k = split_regions(problem, settings, labels, k, warm=True)
    with timer(timings, "local_search"):
        passes, moves = local_search(problem, settings, labels, k, labels.copy())
    return labels, passes, moves
