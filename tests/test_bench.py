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
