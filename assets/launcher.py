"""The run launcher of one machine: Dagster's default one that also knows when a run died.

Dagster's ``DefaultRunLauncher`` cannot tell the daemon's run monitoring whether a run's
process still lives, so a run whose process was killed stays STARTED for good and holds
its place in the run queue (the code server notices a killed run it started itself, but
not a run started from the command line, nor one whose code server went down with it).
:class:`LocalRunLauncher` answers from the process that reported the run's start: a run
whose process is gone is marked failed by run monitoring (``run_monitoring`` in
``dagster.yaml``), which frees the queue for the next run. ``dagster.yaml`` names it::

    run_launcher:
      module: assets.launcher
      class: LocalRunLauncher
"""

from dagster import DagsterEventType, DagsterInstance, DagsterRun, DefaultRunLauncher
from dagster._core.launcher.base import CheckRunHealthResult, WorkerStatus

from pipeline.files import process_alive

__all__ = ["LocalRunLauncher", "run_worker_pid"]


def run_worker_pid(instance: DagsterInstance, run_id: str) -> int | None:
    """The process that reported the run's start (its run worker), or None before that."""
    records = instance.get_records_for_run(
        run_id, of_type=DagsterEventType.RUN_START, limit=1).records
    if not records:
        return None
    return records[0].event_log_entry.dagster_event.pid


class LocalRunLauncher(DefaultRunLauncher):
    """``DefaultRunLauncher`` with a health check of the run's process (same machine)."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        """Run monitoring may ask whether a run's process lives."""
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        """RUNNING while the run's process lives (or has not reported yet), else FAILED."""
        pid = run_worker_pid(self._instance, run.run_id)
        if pid is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "the run has not reported its "
                                        "process yet")
        if process_alive(pid):
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"process {pid} runs",
                                        run_worker_id=str(pid))
        return CheckRunHealthResult(
            WorkerStatus.FAILED, f"the run's process {pid} is gone (killed, or the machine "
            "ran out of memory); the last publication is unchanged", run_worker_id=str(pid))
