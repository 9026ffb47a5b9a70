"""How long the analyst waits: ``make run`` on the sample county, first and warm.

The engine's seconds are only part of a county run; this times the whole run as the
analyst starts it (``python -m tools.run sample``, in process, every asset and check) in a
child process with an instance and an output folder of its own, twice:

``first``
    No earlier run and no publication: a new instance, every file written, the report's
    PDF laid out from scratch (what a fresh clone after ``make setup`` does).
``warm``
    The same run again: the instance and the publication of the first run exist (what an
    analyst's second run of the day does; an unchanged report reuses its PDF).

Each row gives the wall time of the child (imports included), the run's own seconds as
``tools.run`` prints them, and its slowest steps. Targets (issue 15): first under 60 s,
warm under 15 s.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.layout import PROCESSED_ENV, REPO_ROOT

__all__ = ["TARGET_SECONDS", "PipelineRun", "parse_steps", "time_runs"]

#: Wall-time targets of the two runs, seconds.
TARGET_SECONDS = {"first": 60.0, "warm": 15.0}
#: A step line of ``tools.run``: ``  ok      <step key>   <seconds> s``.
_STEP = re.compile(r"^\s+ok\s+(\S+)\s+([\d.]+) s$")
_DONE = re.compile(r"done in (\d+) s")


@dataclass(frozen=True)
class PipelineRun:
    """One timed run of the county (no logic)."""

    kind: str
    status: str
    wall: float
    run_seconds: float
    slowest: tuple[tuple[str, float], ...]


def parse_steps(output: str) -> list[tuple[str, float]]:
    """The ``(step, seconds)`` pairs of the step lines ``tools.run`` printed, slowest first."""
    steps = [(m[1], float(m[2])) for m in map(_STEP.match, output.splitlines()) if m]
    return sorted(steps, key=lambda s: -s[1])


def time_runs(county: str = "sample", timeout: float = 900.0) -> list[PipelineRun]:
    """The first and the warm run of ``county`` in a fresh instance and output folder."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="sozialraum-run-") as tmp:
        home = Path(tmp) / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").symlink_to(REPO_ROOT / "dagster.yaml")
        env = os.environ | {"DAGSTER_HOME": str(home), PROCESSED_ENV: str(Path(tmp) / "out"),
                            "PYTHONHASHSEED": "0"}
        for kind in ("first", "warm"):
            started = time.monotonic()
            try:
                out = subprocess.run([sys.executable, "-m", "tools.run", county], cwd=REPO_ROOT,
                                     env=env, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                runs.append(PipelineRun(kind, f"timeout {timeout:.0f} s", float("nan"),
                                        float("nan"), ()))
                break
            wall = time.monotonic() - started
            done = _DONE.search(out.stdout)
            status = "ok" if out.returncode == 0 else f"failed (exit {out.returncode})"
            if out.returncode != 0:
                print(out.stderr[-2000:], file=sys.stderr, flush=True)
            runs.append(PipelineRun(kind, status, wall, float(done[1]) if done else float("nan"),
                                    tuple(parse_steps(out.stdout)[:3])))
            if out.returncode != 0:
                break
    return runs


def rows(runs: list[PipelineRun]) -> list[list[str]]:
    """Table rows: run, status, wall s, the run's own s, target, slowest steps."""
    return [[r.kind, r.status, f"{r.wall:.1f}", f"{r.run_seconds:.0f}",
             f"under {TARGET_SECONDS[r.kind]:.0f} s",
             ", ".join(f"{step} {s:.1f} s" for step, s in r.slowest)] for r in runs]


#: Headers of :func:`rows`.
HEADERS = ("sample county run", "status", "wall s", "run s", "target", "slowest steps")
