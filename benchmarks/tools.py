"""The tools of the benchmark, each run in a child process: ``python -m benchmarks.tools``.

The child reads one problem (``.npz``: CSR graph, features, population, floor, target
count), warms the tool up on a 6 x 6 lattice (imports, compiled code, caches), times one
call on the problem, and writes the labels and the seconds to an output ``.npz``. The
parent measures the child's peak memory and enforces the time limit.

Peers get the same graph (as their own weights object), the same standardized features
(``scale_method="raw"`` for pygeoda) and the same floor; k-region methods get the number of
regions this engine found. The peers are imported here only, never by the library.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pipeline.graph.base import Graph

__all__ = ["THREADS", "TOOLS", "main", "peak_rss_mb"]

#: Threads a peer may use (the benchmark machine has 2 cores).
THREADS = 2


def _ours(g: Graph, x: np.ndarray, pop: np.ndarray, floor: float, k: int) -> np.ndarray:
    from pipeline.regionalization.solver import regionalize

    return regionalize(g, x, pop, min_population=floor).labels


def _gal(g: Graph, path: Path) -> None:
    """Write the graph as a GeoDa GAL file (1-based ids)."""
    with open(path, "w") as f:
        f.write(f"0 {g.n} bench id\n")
        for i in range(g.n):
            nbrs = g.indices[g.indptr[i] : g.indptr[i + 1]] + 1
            f.write(f"{i + 1} {nbrs.size}\n{' '.join(map(str, nbrs.tolist()))}\n")


def _geoda_weights(g: Graph):
    import pygeoda

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.gal"
        _gal(g, path)
        return pygeoda.read_gal(str(path), [str(i + 1) for i in range(g.n)])


def _geoda(method: str) -> Callable[..., Callable[[], np.ndarray]]:
    def prepare(g, x, pop, floor, k):
        import pandas as pd
        import pygeoda

        w = _geoda_weights(g)
        data = pd.DataFrame(x, columns=[f"f{j}" for j in range(x.shape[1])])
        bound = pop.tolist()
        common = {"scale_method": "raw", "cpu_threads": THREADS}
        bounded = common | {"bound_variable": bound, "min_bound": floor}
        calls = {
            "maxp": lambda: pygeoda.maxp_greedy(w, data, bound, floor, **common),
            "skater": lambda: pygeoda.skater(k, w, data, **bounded),
            "redcap": lambda: pygeoda.redcap(k, w, data, "fullorder-wardlinkage", **bounded),
            "schc": lambda: pygeoda.schc(k, w, data, "ward", **bounded),
        }
        call = calls[method]
        return lambda: np.asarray(call()["Clusters"], dtype=np.int64) - 1

    return prepare


def _spopt(method: str) -> Callable[..., Callable[[], np.ndarray]]:
    def prepare(g, x, pop, floor, k):
        import pandas as pd
        from libpysal.weights import W

        neighbors = {i: g.indices[g.indptr[i] : g.indptr[i + 1]].tolist() for i in range(g.n)}
        w = W(neighbors, silence_warnings=True)
        attrs = [f"f{j}" for j in range(x.shape[1])]
        frame = pd.DataFrame(x, columns=attrs)
        frame["pop"] = pop
        if method == "maxp":
            from spopt.region import MaxPHeuristic

            model = MaxPHeuristic(frame, w, attrs, "pop", floor, top_n=2)
        elif method == "skater":
            from spopt.region import Skater

            # spopt's SKATER floor counts units, not residents: the floor in mean units
            units = int(np.ceil(floor / max(pop.mean(), 1e-12)))
            model = Skater(frame, w, attrs, n_clusters=k, floor=units)
        else:
            from spopt.region import WardSpatial

            model = WardSpatial(frame, w, attrs, n_clusters=k)

        def run():
            model.solve()
            return np.asarray(model.labels_, dtype=np.int64)

        return run

    return prepare


def _sklearn(g, x, pop, floor, k):
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(n_clusters=k, linkage="ward", connectivity=g.sparse)
    return lambda: model.fit(x).labels_.astype(np.int64)


def _ours_prepared(g, x, pop, floor, k):
    return lambda: _ours(g, x, pop, floor, k)


#: Tool name -> preparation (untimed: weights objects, imports) returning the timed call.
TOOLS: dict[str, Callable[..., Callable[[], np.ndarray]]] = {
    "ours": _ours_prepared,
    "pygeoda-maxp_greedy": _geoda("maxp"),
    "pygeoda-skater": _geoda("skater"),
    "pygeoda-redcap": _geoda("redcap"),
    "pygeoda-schc": _geoda("schc"),
    "spopt-MaxPHeuristic": _spopt("maxp"),
    "spopt-Skater": _spopt("skater"),
    "spopt-WardSpatial": _spopt("ward"),
    "sklearn-ward": _sklearn,
}


def _load(path: Path) -> tuple[Graph, np.ndarray, np.ndarray, float, int]:
    z = np.load(path)
    g = Graph(z["indptr"], z["indices"], z["cost"], z["bridge"])
    return g, z["features"], z["population"], float(z["floor"]), int(z["k"])


def _warm_up(tool: str) -> None:
    """One call on a 6 x 6 lattice: imports, compiled code and caches are ready."""
    from pipeline.testing import autocorrelated_lattice

    _, x, pop, g = autocorrelated_lattice(6, 6, seed=1)
    TOOLS[tool](g, x, pop, 6 * pop.mean(), 3)()


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident memory of a live process in MB (``VmHWM``), NaN where unknown.

    Unlike ``ru_maxrss`` of a child, ``VmHWM`` starts afresh at ``exec``, so it does not
    include the memory the parent held when it forked.
    """
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    """Run one tool on one problem; write ``labels`` and ``seconds`` to the output file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=sorted(TOOLS))
    parser.add_argument("problem", type=Path)
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    _warm_up(args.tool)
    g, x, pop, floor, k = _load(args.problem)
    call = TOOLS[args.tool](g, x, pop, floor, k)
    clock = time.perf_counter()
    labels = call()
    seconds = time.perf_counter() - clock
    np.savez(args.output, labels=labels, seconds=seconds,
             total=time.perf_counter() - started, peak_mb=peak_rss_mb())
    return 0


if __name__ == "__main__":
    sys.exit(main())
