"""Region counts against pygeoda ``maxp_greedy`` on lattices the bench does not build.

``python -m benchmarks.compare_p`` solves lattices of 2,500 and 10,000 cells (other seeds
than :mod:`benchmarks.data`, several population patterns, floor 3,000 residents) with this
engine and with pygeoda's ``maxp_greedy`` on the same graph, features and floor, and prints
both counts, both R2 (population-weighted, the engine's objective, and unweighted, the
peer's) and the tally of wins, ties and losses in the number of regions, the first aim of
the max-p-regions problem.

Population patterns (every one scaled to about ``mean`` residents per cell):

``clustered``
    The smooth log-intensity field of :func:`pipeline.testing.autocorrelated_lattice`
    (towns and sparse land).
``uniform``
    Poisson residents, the same intensity everywhere.
``heavy``
    Lognormal residents without spatial structure (a few very full cells).
``towns``
    A few Gaussian towns on a thin background, a third of the cells empty.

Examples
--------
``python -m benchmarks.compare_p`` (20 lattices of 2,500 and 5 of 10,000 cells),
``python -m benchmarks.compare_p --small 4 --large 0 --no-peer``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.regionalization.quality import ssw_sst

__all__ = ["PATTERNS", "Case", "case", "main"]

#: Population patterns of :func:`case`.
PATTERNS = ("clustered", "uniform", "heavy", "towns")
#: Floor of every case, residents.
FLOOR = 3_000.0
#: Mean residents per cell: about 25 regions fit in 2,500 cells, 85 in 10,000.
MEAN_RESIDENTS = {2_500: 31.0, 10_000: 26.0}
#: Seeds start here, away from the seeds of :mod:`benchmarks.data` (0) and the tests.
SEED_BASE = 1_000


@dataclass(frozen=True)
class Case:
    """One lattice problem (no logic)."""

    name: str
    graph: object
    features: np.ndarray
    population: np.ndarray
    floor: float


def case(n_cells: int, pattern: str, seed: int) -> Case:
    """A square lattice of ``n_cells`` with autocorrelated features and ``pattern`` residents."""
    from scipy.ndimage import gaussian_filter

    from pipeline.testing import autocorrelated_lattice

    side = int(round(np.sqrt(n_cells)))
    _, features, clustered, graph = autocorrelated_lattice(side, side, seed=seed)
    rng = np.random.default_rng(seed + 7)
    mean = MEAN_RESIDENTS.get(side * side, 28.0)
    if pattern == "clustered":
        raw = clustered
    elif pattern == "uniform":
        raw = rng.poisson(mean, side * side).astype(np.float64)
    elif pattern == "heavy":
        raw = rng.lognormal(0.0, 1.2, side * side)
    elif pattern == "towns":
        field = np.zeros((side, side))
        centres = rng.integers(0, side, size=(max(3, side // 8), 2))
        field[centres[:, 0], centres[:, 1]] = rng.uniform(0.5, 2.0, len(centres))
        field = gaussian_filter(field, side / 25, mode="wrap").ravel()
        raw = field / field.max() + 0.02 * rng.random(side * side)
        raw[rng.random(side * side) < 0.33] = 0.0
    else:
        raise ValueError(f"unknown pattern {pattern!r}; one of {PATTERNS}")
    population = np.round(raw * mean / raw.mean())
    return Case(f"{side * side:,} {pattern} seed {seed}", graph, features, population, FLOOR)


def _ours(c: Case) -> tuple[int, np.ndarray, float]:
    from pipeline.regionalization.solver import regionalize

    clock = time.perf_counter()
    labels = regionalize(c.graph, c.features, c.population, min_population=c.floor).labels
    return int(labels.max()) + 1, labels, time.perf_counter() - clock


def _peer(c: Case) -> tuple[int, np.ndarray, float]:
    from benchmarks.tools import TOOLS

    call = TOOLS["pygeoda-maxp_greedy"](c.graph, c.features, c.population, c.floor, 1)
    clock = time.perf_counter()
    labels = call()
    return int(labels.max()) + 1, labels, time.perf_counter() - clock


def _r2(c: Case, labels: np.ndarray, weights: np.ndarray) -> float:
    ssw, sst = ssw_sst(c.features, weights, labels)
    return 1.0 - ssw / sst


def _below(c: Case, labels: np.ndarray) -> int:
    return int((np.bincount(labels, weights=c.population) < c.floor).sum())


def main(argv: Sequence[str] | None = None) -> int:
    """Solve the cases, print one row each and the tally; exit 1 on a loss."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare_p",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=20, help="lattices of 2,500 cells")
    parser.add_argument("--large", type=int, default=5, help="lattices of 10,000 cells")
    parser.add_argument("--no-peer", action="store_true", help="only this engine")
    args = parser.parse_args(argv)
    plan = [(2_500, i) for i in range(args.small)] + [(10_000, i) for i in range(args.large)]
    tally = {"win": 0, "tie": 0, "loss": 0}
    print("case | ours p | maxp_greedy p | ours R2 (pop.) | peer R2 (pop.) | ours R2 unw. | "
          "peer R2 unw. | below floor | ours s | peer s", flush=True)
    for n_cells, i in plan:
        c = case(n_cells, PATTERNS[i % len(PATTERNS)], SEED_BASE + i)
        p, labels, secs = _ours(c)
        row = [c.name, str(p)]
        ours_r2 = (_r2(c, labels, c.population), _r2(c, labels, np.ones(c.population.size)))
        if args.no_peer:
            row += ["", f"{ours_r2[0]:.4f}", "", f"{ours_r2[1]:.4f}", "",
                    str(_below(c, labels)), f"{secs:.2f}", ""]
        else:
            q, peer, peer_secs = _peer(c)
            peer_r2 = (_r2(c, peer, c.population), _r2(c, peer, np.ones(c.population.size)))
            tally["win" if p > q else "tie" if p == q else "loss"] += 1
            row += [str(q), f"{ours_r2[0]:.4f}", f"{peer_r2[0]:.4f}", f"{ours_r2[1]:.4f}",
                    f"{peer_r2[1]:.4f}", f"{_below(c, labels)} / {_below(c, peer)}",
                    f"{secs:.2f}", f"{peer_secs:.2f}"]
        print(" | ".join(row), flush=True)
    if not args.no_peer:
        print(f"\nregions against maxp_greedy: {tally['win']} wins, {tally['tie']} ties, "
              f"{tally['loss']} losses")
    return 1 if tally["loss"] else 0


if __name__ == "__main__":
    sys.exit(main())
