"""Checks of the solver's constraints: the floor as given, fixed units before and after.

Private to :mod:`pipeline.regionalization.solver`: the floor in residents from
``min_population`` or ``min_share``; fixed units (planners' locks) checked against the
warm start before the solve and held by its result after it.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import connected_components

from pipeline.errors import InfeasibleError
from pipeline.graph.base import Graph
from pipeline.regionalization._steps import Problem, Settings

__all__ = ["check_fixed", "check_locks_held", "floor_of"]


def floor_of(min_population, min_share, population: np.ndarray) -> float:
    """The floor in residents: ``min_population``, or ``min_share`` of the total."""
    if (min_population is None) == (min_share is None):
        raise ValueError("give the floor as min_population (residents) or min_share (a "
                         "share of the total), exactly one of them")
    if min_share is not None:
        if not 0 < min_share <= 1:
            raise ValueError(f"min_share must be in (0, 1], got {min_share}")
        return float(min_share * population.sum())
    if min_population < 1:
        raise ValueError(
            f"min_population={min_population} is below 1 resident, almost surely a share: "
            f"pass min_share={min_population} for {min_population:.0%} of the total")
    return float(min_population)


def check_fixed(fixed, warm_start, graph: Graph) -> np.ndarray | None:
    """``fixed`` as a bool array, checked against the warm start; None when nothing is fixed."""
    if fixed is None:
        return None
    fixed = np.asarray(fixed, dtype=bool)
    if fixed.shape != (graph.n,):
        raise ValueError(f"fixed must have shape ({graph.n},), got {fixed.shape}")
    if not fixed.any():
        return None
    if warm_start is None:
        raise ValueError("fixed units need warm_start: the region each of them stays in")
    warm = np.asarray(warm_start, dtype=np.int64)
    if (warm[fixed] < 0).any():
        raise ValueError("every fixed unit needs a warm_start label >= 0")
    # the fixed units of a label must lie in one connected piece of that label
    same = warm[graph.heads] == warm[graph.indices]
    _, pieces = connected_components(graph.subgraph_edges(same).sparse, directed=False)
    labels, first = np.unique(warm[fixed], return_index=True)
    piece_of = pieces[fixed]
    split = [int(lab) for lab, p in zip(labels, piece_of[first], strict=True)
             if (piece_of[warm[fixed] == lab] != p).any()]
    if split:
        units = np.flatnonzero(fixed & np.isin(warm, split))
        raise InfeasibleError(
            f"the fixed units of region(s) {split[:10]} are not connected within the region: "
            "they would split it in two", units=units.tolist())
    return fixed


def check_locks_held(problem: Problem, settings: Settings, labels: np.ndarray) -> None:
    """Fixed units of a label in one region each, none shared, every such region in bounds."""
    fixed = problem.fixed
    k = int(labels.max()) + 1
    pairs = np.unique(np.stack([problem.lock[fixed], labels[fixed]], axis=1), axis=0)
    locks, count = np.unique(pairs[:, 0], return_counts=True)
    torn = locks[count > 1]  # one lock in several regions
    regions, count = np.unique(pairs[:, 1], return_counts=True)
    shared = regions[count > 1]  # several locks in one region
    pop = np.bincount(labels, weights=problem.population, minlength=k)
    low = np.unique(labels[fixed][pop[labels[fixed]] < settings.floor])
    if torn.size or shared.size:
        raise InfeasibleError(
            "the fixed units could not be kept apart and together as asked",
            units=np.flatnonzero(fixed & (np.isin(problem.lock, torn)
                                          | np.isin(labels, shared))).tolist())
    if low.size:
        units = np.flatnonzero(np.isin(labels, low))
        raise InfeasibleError(
            f"{low.size} region(s) holding fixed units stay below the floor of "
            f"{settings.floor:g} residents (they border only other fixed regions or the "
            "edge)", units=units.tolist())
