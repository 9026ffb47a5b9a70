"""Compile the engine's kernels once at set-up, so that no user run waits for numba.

``python -m tools.warm_kernels`` (run by ``make setup``) solves small lattices along every
path of :func:`pipeline.regionalization.regionalize`: max-p with restarts (tight region
growths and Ward), annealing, splits and merge-split; a target count; compactness; a warm
start with fixed units. numba
caches the compiled kernels on disk (``cache=True``, beside the sources in
``__pycache__``, which git ignores), with the same argument types a county run uses, so
the first ``make run`` loads them instead of compiling for 20-60 s.
"""

from __future__ import annotations

import sys
import time

import numpy as np


def main() -> int:
    """Solve the lattices; print how long compiling (or loading) took."""
    from pipeline._compat import HAS_NUMBA
    from pipeline.regionalization import regionalize
    from pipeline.testing import lattice

    if not HAS_NUMBA:
        print("numba is not installed: kernels run as plain Python", file=sys.stderr)
        return 0
    started = time.perf_counter()
    x, y, graph = lattice(12, 10)
    rng = np.random.default_rng(0)
    features = rng.normal(size=(graph.n, 2))
    population = rng.integers(5, 30, graph.n).astype(float)
    coords = np.column_stack([x, y]).astype(float)
    cold = regionalize(graph, features, population, min_population=300, seed=0,
                       coords=coords, compactness_weight=0.1, max_population=900)
    regionalize(graph, features, population, min_population=300, n_regions=4, seed=0)
    fixed = np.zeros(graph.n, bool)
    fixed[:3] = True
    regionalize(graph, features, population, min_population=300, max_population=900,
                warm_start=cold.labels, fixed=fixed, coords=coords, compactness_weight=0.1)
    print(f"engine kernels ready in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
