"""Benchmark this regionalization engine against the peers: ``python -m benchmarks.bench``.

Runs, on the same inputs (graph, standardized features, population) with the same floor,
this engine and the peers (spopt MaxPHeuristic, Skater and WardSpatial; pygeoda
maxp_greedy, skater, redcap and schc; scikit-learn's Ward with a connectivity graph) on:

- synthetic lattices of 2,500 to 3,101,121 cells (the last as many as all populated 100 m
  cells of Germany, whose grid file is not in the checkout) with spatially autocorrelated
  indicators and clustered population, floor = 100 x mean cell population;
- the sample county from ``counties.yaml`` (if its files exist and the readers are there);
- the small-area maps bundled inside libpysal's wheel (no downloads);
- ``pipeline``: the whole sample county run as ``make run`` starts it, first and warm
  (:mod:`benchmarks.pipeline_run`; not part of ``--quick``).

Every run is a child process (:mod:`benchmarks.tools`) with a time limit and a memory
limit; its peak memory is the child's peak resident set size (``VmHWM``, polled by the
parent and reported by the child at its end). A tool that times out or
fails on a lattice is skipped on the larger ones. k-region peers get the number of regions
this engine found. This engine runs with ``compactness_weight=0`` (homogeneity only, the
objective the peers have too). The table gives seconds (the timed call, after a warm-up on a tiny
lattice), the child's whole wall time, peak memory, regions, regions below the floor,
contiguity, population-weighted R2 (the engine's objective) and unweighted R2 (what the
peers optimise), and for each data set the speed-up and R2 difference against the best
peer that respects the floor.

Examples
--------
``python -m benchmarks.bench --quick`` (lattices of 2,500 and 10,000 cells),
``python -m benchmarks.bench --sizes 40000,160000 --tools ours,sklearn-ward``.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.data import (
    GERMANY_CELLS,
    LATTICE_SIDES,
    LIBPYSAL_MAPS,
    BenchData,
    county_data,
    lattice_data,
    libpysal_data,
)
from benchmarks.tools import THREADS, TOOLS, peak_rss_mb
from pipeline.layout import REPO_ROOT
from pipeline.regionalization.quality import partition_report, ssw_sst

__all__ = ["DATA_SETS", "main", "scaling_rows", "summary_rows"]

#: Data set groups the ``--datasets`` flag accepts.
DATA_SETS = ("lattice", "county", "libpysal", "pipeline")
_QUICK_SIZES = (2_500, 10_000)


@dataclass(frozen=True)
class Run:
    """One tool on one data set (no logic)."""

    data: str
    tool: str
    status: str
    seconds: float = float("nan")
    total: float = float("nan")
    peak_mb: float = float("nan")
    regions: int = 0
    below_floor: int = 0
    unassigned: int = 0
    noncontiguous: int = 0
    r2: float = float("nan")
    r2_unweighted: float = float("nan")
    compactness: float = float("nan")

    @property
    def respects_floor(self) -> bool:
        """Finished with every unit in a connected region at or above the floor."""
        return self.status == "ok" and not (self.below_floor or self.unassigned
                                            or self.noncontiguous)


@dataclass(frozen=True)
class _Limits:
    """Per-run limits (no logic)."""

    seconds: float
    memory_gb: float


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables; returns the exit code."""
    args = _parse(argv)
    limits = _Limits(args.time_limit, args.memory_limit)
    tools = ["ours"] + [t for t in args.tools if t != "ours"]
    print(f"tools: {', '.join(tools)}; time limit {limits.seconds:.0f} s, memory limit "
          f"{limits.memory_gb:.0f} GB, {THREADS} threads per peer", flush=True)
    runs: list[Run] = []
    given_up: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="sozialraum-bench-") as tmp:
        for data in _data_sets(args):
            if isinstance(data, str):
                print(f"\n{data}", flush=True)
                continue
            print(f"\n== {data.name}: {data.n:,} units, {data.graph.n_edges:,} edges, floor "
                  f"{data.floor:,.0f} {data.note}", flush=True)
            runs += _run_data_set(data, tools, limits, Path(tmp), given_up)
    if runs:
        _print_tables(runs)
    if "pipeline" in args.datasets:
        _print_pipeline_runs()
    return 0


def _print_pipeline_runs() -> None:
    """Time the sample county's first and warm run; print them against the targets."""
    from tabulate import tabulate

    from benchmarks import pipeline_run

    print("\n== the sample county's run, as make run starts it (first, then warm)", flush=True)
    print(tabulate(pipeline_run.rows(pipeline_run.time_runs()), headers=pipeline_run.HEADERS,
                   tablefmt="github", disable_numparse=True))


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--sizes", default=",".join(map(str, LATTICE_SIDES)),
                        help="lattice sizes in cells, comma-separated (default: all)")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help=f"tools, comma-separated, from {', '.join(TOOLS)}")
    parser.add_argument("--datasets", default=",".join(DATA_SETS),
                        help=f"data set groups, comma-separated, from {', '.join(DATA_SETS)}")
    parser.add_argument("--time-limit", type=float, default=300.0,
                        help="seconds per run (default 300)")
    parser.add_argument("--memory-limit", type=float, default=16.0,
                        help="address space per run in GB (default 16)")
    parser.add_argument("--quick", action="store_true",
                        help="only the lattices of 2,500 and 10,000 cells")
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    args.tools = [t for t in args.tools.split(",") if t]
    args.datasets = [d for d in args.datasets.split(",") if d]
    unknown = sorted(set(args.tools) - set(TOOLS)) + sorted(set(args.datasets) - set(DATA_SETS))
    if unknown:
        parser.error(f"unknown tools or data sets: {unknown}")
    if args.quick:
        args.sizes = [s for s in args.sizes if s in _QUICK_SIZES] or list(_QUICK_SIZES)
        args.datasets = ["lattice"]
    return args


def _data_sets(args: argparse.Namespace) -> Iterator[BenchData | str]:
    """Data sets in order, built one at a time (a million-cell lattice takes memory)."""
    if "libpysal" in args.datasets:
        for name in LIBPYSAL_MAPS:
            yield libpysal_data(name)
    if "county" in args.datasets:
        yield county_data("sample")
    if "lattice" in args.datasets:
        for size in sorted(args.sizes):
            yield lattice_data(size)


def _run_data_set(
    data: BenchData, tools: list[str], limits: _Limits, tmp: Path, given_up: dict[str, str]
) -> list[Run]:
    """Run the engine first (its region count is the peers' k), then every peer."""
    runs = []
    k = 0
    for tool in tools:
        key = f"{data.series}:{tool}"
        if data.series == "lattice" and key in given_up:
            run = Run(data.name, tool, f"skipped ({given_up[key]})")
        else:
            problem = tmp / "problem.npz"
            _write_problem(problem, data, k)
            run = _run_tool(data, tool, problem, limits, tmp)
            if tool == "ours" and run.status == "ok":
                k = run.regions
            if run.status != "ok":
                given_up[key] = f"{run.status} at {data.n:,}"
        runs.append(run)
        print(_row_text(run), flush=True)
    return runs


def _write_problem(path: Path, data: BenchData, k: int) -> None:
    g = data.graph
    np.savez(path, indptr=g.indptr, indices=g.indices, cost=g.cost, bridge=g.bridge,
             features=data.features, population=data.population, floor=data.floor,
             k=max(k, 1))


def _run_tool(data: BenchData, tool: str, problem: Path, limits: _Limits, tmp: Path) -> Run:
    """Run one tool in a child process; measure it and judge its labels."""
    output = tmp / "labels.npz"
    output.unlink(missing_ok=True)
    status, peak_mb, wall, error = _child(tool, problem, output, limits, tmp)
    if status == "ok" and not output.exists():
        status = "failed: no output"
    if status != "ok":
        if error:
            print(f"   {tool}: {error}", flush=True)
        return Run(data.name, tool, status, peak_mb=peak_mb, total=wall)
    z = np.load(output)
    labels = z["labels"]
    peak_mb = np.nanmax([peak_mb, float(z["peak_mb"])])
    return _judge(data, tool, labels, float(z["seconds"]), float(z["total"]), peak_mb)


def _child(tool, problem, output, limits: _Limits, tmp: Path):
    """Start the child, wait with a deadline, return (status, peak MB, wall s, error)."""
    env = os.environ | {v: str(THREADS) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                   "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")}
    memory = int(limits.memory_gb * 2**30)

    def limit_memory() -> None:  # runs in the child before exec
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    log = tmp / "child.log"
    started = time.monotonic()
    with open(log, "w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.tools", tool, str(problem), str(output)],
            stdout=sink, stderr=subprocess.STDOUT, env=env, preexec_fn=limit_memory,
            start_new_session=True, cwd=REPO_ROOT,
        )
        status = "ok"
        peak_mb = float("nan")
        while True:
            peak_mb = np.nanmax([peak_mb, peak_rss_mb(proc.pid)])
            pid, code, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > limits.seconds:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, code, usage = os.wait4(proc.pid, 0)
                status = f"timeout {limits.seconds:.0f} s"
                break
            time.sleep(0.05)
    proc.returncode = code  # reaped by wait4
    wall = time.monotonic() - started
    if not np.isfinite(peak_mb):  # no /proc: ru_maxrss, which may include the parent's
        peak_mb = usage.ru_maxrss / 1024
    error = ""
    if status == "ok" and code != 0:
        lines = log.read_text(errors="replace").strip().splitlines()
        error = lines[-1] if lines else f"exit status {code}"
        status = "memory" if "MemoryError" in error else "failed"
    return status, peak_mb, wall, error


def _judge(data: BenchData, tool, labels, seconds, total, peak_mb) -> Run:
    """Quality figures of a tool's labels, by the same report for every tool."""
    labels = np.asarray(labels, dtype=np.int64)
    assigned = labels >= 0
    _, dense = np.unique(labels[assigned], return_inverse=True)
    labels = labels.copy()
    labels[assigned] = dense
    report = partition_report(
        data.graph, labels, data.population, data.floor, None, data.features,
        cells=data.cells, cell_size=data.cell_size,
        geometries=data.geometries,
    )
    ssw_u, sst_u = ssw_sst(data.features[assigned], np.ones(int(assigned.sum())),
                           labels[assigned])
    return Run(
        data.name, tool, "ok", seconds, total, peak_mb, report.n_regions, report.below_min,
        report.unassigned_units, report.noncontiguous_regions, report.r2,
        1 - ssw_u / sst_u if sst_u > 0 else float("nan"), report.compactness_mean,
    )


_HEADERS = ("data set", "tool", "s", "total s", "peak MB", "regions", "below floor",
            "contiguous", "R2", "R2 unw.", "IQ", "status")


def _cells(run: Run) -> list[str]:
    def num(v: float, fmt: str) -> str:
        return "" if not np.isfinite(v) else format(v, fmt)

    contiguous = "" if run.status != "ok" else (
        f"{100 * (1 - run.noncontiguous / max(run.regions, 1)):.0f} %"
    )
    below = "" if run.status != "ok" else str(run.below_floor) + (
        f" (+{run.unassigned} unassigned)" if run.unassigned else ""
    )
    return [run.data, run.tool, num(run.seconds, ".3g"), num(run.total, ".3g"),
            num(run.peak_mb, ".0f"), str(run.regions) if run.status == "ok" else "", below,
            contiguous, num(run.r2, ".4f"), num(run.r2_unweighted, ".4f"),
            num(run.compactness, ".3f"), run.status]


def _row_text(run: Run) -> str:
    return "   " + " | ".join(f"{h}: {c}" for h, c in zip(_HEADERS[1:], _cells(run)[1:],
                                                          strict=True) if c)


def _print_tables(runs: list[Run]) -> None:
    from tabulate import tabulate

    print("\n" + tabulate([_cells(r) for r in runs], headers=_HEADERS, tablefmt="github",
                          disable_numparse=True))
    print("\nagainst the best floor-respecting peer (highest R2) in this run:\n")
    print(tabulate(summary_rows(runs), headers=SUMMARY_HEADERS, tablefmt="github",
                   disable_numparse=True))
    scaling = scaling_rows(runs)
    if scaling:
        print("\nscaling of this engine (targets: 1,000,000 cells under 20 s; 3,101,121 "
              "under 90 s and 2 GB; 0 regions below the floor):\n")
        print(tabulate(scaling, headers=SCALING_HEADERS, tablefmt="github",
                       disable_numparse=True))


SUMMARY_HEADERS = ("data set", "regions ours", "regions maxp_greedy", "R2 ours",
                   "best peer", "R2 best peer", "R2 diff", "R2 unw. diff", "our speed-up",
                   "speed-up vs maxp_greedy")


def summary_rows(runs: list[Run]) -> list[list[str]]:
    """Per data set: our regions beside maxp_greedy's, our R2 beside the best peer's.

    The best peer is the floor-respecting one (every region at or above the floor,
    connected, nothing unassigned) with the highest R2.
    """
    rows = []
    for name in dict.fromkeys(r.data for r in runs):
        ours = next((r for r in runs if r.data == name and r.tool == "ours"), None)
        if ours is None or ours.status != "ok":
            continue
        peers = [r for r in runs if r.data == name and r.tool != "ours" and r.respects_floor]
        maxp = next((r for r in runs if r.data == name and r.tool == "pygeoda-maxp_greedy"
                     and r.status == "ok"), None)
        row = [name, str(ours.regions), str(maxp.regions) if maxp else "",
               f"{ours.r2:.4f}"]
        if peers:
            best = max(peers, key=lambda r: (r.r2, -r.seconds))
            row += [best.tool, f"{best.r2:.4f}", f"{ours.r2 - best.r2:+.4f}",
                    f"{ours.r2_unweighted - best.r2_unweighted:+.4f}",
                    _ratio(best.seconds / ours.seconds)]
        else:
            row += ["none finished within the floor", "", "", "", ""]
        rows.append(row + [_ratio(maxp.seconds / ours.seconds) if maxp else ""])
    return rows


SCALING_HEADERS = ("lattice", "cells", "s", "peak MB", "regions", "below floor", "R2")
#: Lattices of the scaling rows, in cells.
SCALING_CELLS = (160_000, 1_000_000, GERMANY_CELLS)


def scaling_rows(runs: list[Run]) -> list[list[str]]:
    """Our runs on the scaling lattices (160,000, 1,000,000 and 3,101,121 cells)."""
    rows = []
    for cells in SCALING_CELLS:
        name = f"lattice {cells:,}"
        ours = next((r for r in runs if r.data == name and r.tool == "ours"), None)
        if ours is None:
            continue
        if ours.status != "ok":
            rows.append([name, f"{cells:,}", "", _num(ours.peak_mb, ".0f"), "", "",
                         ours.status])
            continue
        rows.append([name, f"{cells:,}", _num(ours.seconds, ".3g"), _num(ours.peak_mb, ".0f"),
                     str(ours.regions), str(ours.below_floor), f"{ours.r2:.4f}"])
    return rows


def _num(v: float, fmt: str) -> str:
    return "" if not np.isfinite(v) else format(v, fmt)


def _ratio(value: float) -> str:
    """A speed-up for the table: one decimal from 1 on, two significant digits below."""
    return f"{value:,.1f} x" if value >= 1 else f"{value:.2g} x"


if __name__ == "__main__":
    sys.exit(main())
