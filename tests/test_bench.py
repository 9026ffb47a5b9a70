"""``make bench`` runs from its folder outside the package: one small data set, our engine.

The benchmark starts every tool in a child process (``python -m benchmarks.tools``); this
runs it on a 2,500-cell lattice and checks the table it prints: the run finished, every
region reaches the floor and is contiguous.
"""

import subprocess
import sys

from pipeline.layout import REPO_ROOT


def test_bench_runs_our_engine_on_a_small_lattice():
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench", "--sizes", "2500", "--tools", "ours",
         "--datasets", "lattice"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    row = next(line for line in out.stdout.splitlines()
               if line.startswith("| lattice 2,500") and "| ours" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    # data set, tool, s, total s, peak MB, regions, below floor, contiguous, R2, ..., status
    assert cells[-1] == "ok", row
    assert int(cells[5]) > 10 and cells[6] == "0" and cells[7] == "100 %", row


def test_summary_puts_our_regions_beside_maxp_greedy_and_r2_beside_the_best_peer():
    from benchmarks.bench import Run, scaling_rows, summary_rows

    runs = [
        Run("lattice 160,000", "ours", "ok", 2.0, 3.0, 300.0, 1500, 0, 0, 0, 0.90, 0.85),
        Run("lattice 160,000", "pygeoda-maxp_greedy", "ok", 200.0, 201.0, 900.0, 1400, 0, 0,
            0, 0.70, 0.60),
        Run("lattice 160,000", "pygeoda-redcap", "ok", 20.0, 21.0, 900.0, 1500, 0, 0, 0,
            0.80, 0.70),
        # the best R2, but regions below the floor: not a peer to compare with
        Run("lattice 160,000", "sklearn-ward", "ok", 1.0, 2.0, 400.0, 1500, 900, 0, 0,
            0.95, 0.90),
        Run("lattice 1,000,000", "ours", "timeout 300 s", peak_mb=700.0),
    ]
    (row,) = summary_rows(runs)
    assert row[:7] == ["lattice 160,000", "1500", "1400", "0.9000", "pygeoda-redcap",
                       "0.8000", "+0.1000"]
    assert row[-2:] == ["10.0 x", "100.0 x"]
    scaling = scaling_rows(runs)
    assert scaling[0] == ["lattice 160,000", "160,000", "2", "300", "1500", "0", "0.9000"]
    assert scaling[1][0] == "lattice 1,000,000" and scaling[1][-1] == "timeout 300 s"


def test_compare_p_builds_every_population_pattern():
    import numpy as np

    from benchmarks.compare_p import FLOOR, PATTERNS, case

    for pattern in PATTERNS:
        c = case(2_500, pattern, 1_000)
        assert c.graph.n == 2_500 and c.floor == FLOOR
        assert np.all(c.population >= 0) and 20 < c.population.sum() / FLOOR < 30
    assert not np.array_equal(case(2_500, "uniform", 1).population,
                              case(2_500, "uniform", 2).population)


def test_pipeline_run_reads_the_steps_tools_run_prints():
    from benchmarks.pipeline_run import PipelineRun, parse_steps, rows

    # lines as `python -m tools.run sample` printed them on 2026-12-02
    printed = """  ok      zensus_cells                                            1.8 s
  ok      cell_regions                                            2.9 s
  ok      cell_regions_cells_assigned_once                        0.2 s
  ok      sozialraeume_gpkg                                      34.4 s
  warning indicator 'x' skipped
run 3b2faaa9-35d5-4342-b7a5-890f6bcfe494 for 'sample' done in 43 s"""
    steps = parse_steps(printed)
    assert steps[:2] == [("sozialraeume_gpkg", 34.4), ("cell_regions", 2.9)]
    assert len(steps) == 4
    (row,) = rows([PipelineRun("warm", "ok", 14.4, 11.0, tuple(steps[:1]))])
    assert row == ["warm", "ok", "14.4", "11", "under 15 s", "sozialraeume_gpkg 34.4 s"]
